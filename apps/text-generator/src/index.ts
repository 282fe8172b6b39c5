export { parseArgs, USAGE, DATA_NAMES, MODEL_KINDS, type Options, type TrainOptions, type GenerateOptions, type EvaluateOptions, type DataName, type ModelKind } from './args.js';
export { train, selectBackend, DEFAULTS, type TrainResult, type Hyperparameters, type TaskInfo } from './train.js';
export { generate, loadSaved, type SavedModel } from './sample.js';
export { evaluate } from './evaluate.js';
export { loadTask, bigramBaseline, type TextTask, type BigramBaseline } from './data.js';
export { buildModel, lmParts, type ArchitectureOptions, type LmParts } from './models.js';
export { LstmStepper, TransformerStepper, makeStepper, sampleIds, startIds, crossEntropySum, scoreRows, scoreStreamLstm, scoreStreamWindows, type Stepper, type Score } from './generate.js';
export { pca, type Pca, type PcaOptions } from './pca.js';
export { renderReport, scatterChart, type ReportData } from './report.js';
