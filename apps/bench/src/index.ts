export { matmulBench, trainingBench, type TrainingData } from './suites.js';
export { timeIt, relativeDifference, formatTable, type Row, type Timing } from './harness.js';
export { runBench, type BenchOptions, type BenchReport } from './run.js';
export { PAIRINGS, probeTfjsWasmThreads, type Pairing, type TesseraContender, type TfjsWasmConfig } from './contenders.js';
