export { Sequential, sequential, type Batch, type CompileArgs, type FitArgs, type FitDatasetArgs, type SequentialArgs } from './sequential.js';
export {
  Callback, CallbackList, CustomCallback, EarlyStopping, History, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau,
  type CallbackHooks, type EarlyStoppingArgs, type Logs, type ModelCheckpointArgs, type ReduceLROnPlateauArgs, type TrainingParams,
} from './callbacks.js';
export { ProgressLogger } from './progress.js';
export {
  FORMAT, FORMAT_VERSION, fileHandler, fromArtifacts, loadModel, memoryHandler, saveModel, toArtifacts,
  type IOHandler, type LoadOptions, type ModelArtifacts, type ModelJSON, type SaveResult, type WeightEntry,
} from './io.js';
