export { matmulBench, convBench, convShapes, bandwidthBench, softmaxCeBench } from './suites.js';
export { trainingBench, inferenceBench, type ModelKind, type TrainingData } from './models.js';
export { timeIt, duel, relativeDifference, formatTable, ratioOf, type Row, type Timing } from './harness.js';
export { runBench, type BenchOptions, type BenchReport } from './run.js';
export { runSweep, type SweepOptions, type SweepResult } from './sweep.js';
export { ratioChart, lineChart, logTicks, escapeXml, type Series } from './chart.js';
export { writeOutputs, markdownReport, QUICK, FULL, parseArgs, type Outputs } from './output.js';
export { PAIRINGS, probeTfjsWasmThreads, setupWebGPU, type Pairing, type TesseraContender, type TfjsWasmConfig, type WebGPUSetup } from './contenders.js';
