export { Sequential, sequential, type SequentialArgs, type SequentialConfig } from './sequential.js';
export {
  Graph, Model, model, type Batch, type CompileArgs, type FitArgs, type FitDatasetArgs, type FunctionalConfig, type LossIdentifier, type ModelArgs, type ModelConfig,
  type PerOutput, type TensorArgs, type TensorsFor, type ValidationData,
} from './model.js';
export {
  Callback, CallbackList, CustomCallback, EarlyStopping, History, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau, TerminateOnNaN,
  type CallbackHooks, type EarlyStoppingArgs, type Logs, type ModelCheckpointArgs, type ReduceLROnPlateauArgs, type TrainingParams,
} from './callbacks.js';
export { ProgressLogger } from './progress.js';
export {
  FORMAT, FORMAT_VERSION, allLayers, fromArtifacts, loadModel, manifestSha256, memoryHandler, registerPathHandler, saveModel, toArtifacts,
  type IOHandler, type LoadOptions, type ModelArtifacts, type ModelJSON, type PathHandlerFactory, type SaveResult, type WeightEntry,
} from './io.js';
export { downloadHandler, filesHandler, indexedDBHandler, listIndexedDBModels, type IndexedDBOptions } from './browser-io.js';
export { httpHandler, type HttpOptions } from './browser-io.js';
export { callbacks, loadLayersModel } from './tfjs.js';
export { sampleLogits, type SampleOptions } from './sampling.js';
export {
  TFJS_LAYER_CLASSES, loadTfjsModel, registerTfjsPathReader,
  type LoadTfjsOptions, type TfjsFiles, type TfjsModelJSON, type TfjsModelSource, type TfjsPathReader, type TfjsWeightSpec, type TfjsWeightsGroup,
} from './tfjs-import.js';
export {
  SAFETENSORS_DTYPES, loadSafetensors, readSafetensors, readSafetensorsHeader, saveSafetensors, writeSafetensors,
  type LoadSafetensorsOptions, type SafetensorsHeader, type SafetensorsInfo, type SafetensorsLayout, type SaveSafetensorsOptions, type WriteSafetensorsOptions,
} from './safetensors.js';
export { DEFAULT_ONNX_OPSET, ONNX_OPSETS, exportOnnx, type ExportOnnxOptions } from './onnx.js';
