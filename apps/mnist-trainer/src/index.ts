export { parseArgs, USAGE, MODEL_NAMES, type Options, type TrainOptions, type PredictOptions, type ModelName } from './args.js';
export { train, selectBackend, pixelStats, type TrainResult } from './train.js';
export { predict, type Prediction } from './predict.js';
export { RECIPES, makeOptimizer, type InputStats, type Recipe } from '@tessera/zoo';
export { decodeImage, decodePng, decodePgm, toMnistInput, type GreyImage } from './image.js';
export { renderReport, confusionChart, type ReportData } from './report.js';
