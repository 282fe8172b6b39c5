export {
  Optimizer, ITERATIONS_WEIGHT,
  type GradientInput, type LearningRate, type NamedTensor, type OptimizerConfig, type OptimizerOptions, type SerializedOptimizer, type Slots,
} from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { AdaGrad, type AdaGradOptions } from './adagrad.js';
export { RMSProp, type RMSPropOptions } from './rmsprop.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { Adamax, type AdamaxOptions } from './adamax.js';
export { Nadam, type NadamOptions } from './nadam.js';
export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Lion, type LionOptions } from './lion.js';
export { clipByGlobalNorm, clipByNorm, clipGradsByNorm, clipGradsByValue, globalNorm, type GradientCollection } from './clip.js';
export { getOptimizer, optimizers, registerOptimizer, registeredOptimizers, type OptimizerFromConfig, type OptimizerIdentifier } from './registry.js';
export * as schedules from './schedules/index.js';
export {
  CosineDecay, ExponentialDecay, InverseTimeDecay, LearningRateSchedule, LinearWarmup, PiecewiseConstantDecay, PolynomialDecay,
  type CosineDecayOptions, type ExponentialDecayOptions, type InverseTimeDecayOptions, type LinearWarmupOptions,
  type PiecewiseConstantDecayOptions, type PolynomialDecayOptions, type ScheduleConfig, type SerializedSchedule,
} from './schedules/index.js';
export { sgd, adagrad, rmsprop, adam, adamw, adamax, nadam, adadelta, lion } from './factories.js';
export { train } from './tfjs.js';
