export { Sequential, sequential, type Batch, type CompileArgs, type FitArgs, type FitDatasetArgs, type SequentialArgs } from './sequential.js';
export {
  Callback, CallbackList, CustomCallback, EarlyStopping, History, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau, TerminateOnNaN,
  type CallbackHooks, type EarlyStoppingArgs, type Logs, type ModelCheckpointArgs, type ReduceLROnPlateauArgs, type TrainingParams,
} from './callbacks.js';
export { ProgressLogger } from './progress.js';
export {
  FORMAT, FORMAT_VERSION, fromArtifacts, loadModel, manifestSha256, memoryHandler, registerPathHandler, saveModel, toArtifacts,
  type IOHandler, type LoadOptions, type ModelArtifacts, type ModelJSON, type PathHandlerFactory, type SaveResult, type WeightEntry,
} from './io.js';
export { downloadHandler, filesHandler, indexedDBHandler, listIndexedDBModels, type IndexedDBOptions } from './browser-io.js';
