import './chain.js';

export * from './dtypes.js';
export * from './errors.js';
export { checkOptions, closestName } from './options.js';
export * from './shape.js';
export type { Attrs, Backend, BackendFactory, DataId, KernelArgs, KernelConfig, KernelFn, TensorInfo } from './backend.js';
export * from './kernel_names.js';
export { Tensor, assertTensor } from './tensor.js';
export { ENGINE, Engine, collectTensors, engineCompatibility, sharedEngine } from './engine.js';
export { CORE_VERSION } from './version.js';
export type { BackendStatus, MemoryInfo, NodeGradFn, ProfileEntry, RecordedOp, TapeRecorder } from './engine.js';
export * from './globals.js';
export { AsyncScope, tidyAsync } from './async_scope.js';
export { Random, rngFor, setSeed, type RandomState } from './random.js';
export { formatTensor } from './format.js';
export { Variable, variable } from './variable.js';

export * from './ops/creation.js';
export { op, convert, runKernel, type TensorLike } from './ops/op.js';
export * from './ops/elementwise.js';
export * from './ops/shape_ops.js';
export * from './ops/reduce.js';
export * from './ops/matmul.js';
export * from './ops/nn.js';
export * from './ops/topk.js';
export * from './ops/multinomial.js';
