import { requireNumber } from '../validate.js';
import { CosineDecay, type CosineDecayOptions } from './cosine_decay.js';
import { ExponentialDecay, type ExponentialDecayOptions } from './exponential_decay.js';
import { InverseTimeDecay, type InverseTimeDecayOptions } from './inverse_time_decay.js';
import { LinearWarmup, type LinearWarmupOptions } from './linear_warmup.js';
import { PiecewiseConstantDecay, type PiecewiseConstantDecayOptions } from './piecewise_constant_decay.js';
import { PolynomialDecay, type PolynomialDecayOptions } from './polynomial_decay.js';

export { LearningRateSchedule, type ScheduleConfig, type SerializedSchedule } from './schedule.js';
export { CosineDecay, ExponentialDecay, InverseTimeDecay, LinearWarmup, PiecewiseConstantDecay, PolynomialDecay };
export type {
  CosineDecayOptions, ExponentialDecayOptions, InverseTimeDecayOptions, LinearWarmupOptions, PiecewiseConstantDecayOptions,
  PolynomialDecayOptions,
};
export { deserialize, isSerializedSchedule, register, registeredNames, serialize, type ScheduleFromConfig } from './registry.js';

export function exponentialDecay(options: ExponentialDecayOptions): ExponentialDecay {
  return new ExponentialDecay(options);
}

export interface StepDecayOptions {
  initialLearningRate: number;
  /** Steps between two drops. */
  stepSize: number;
  /** What the rate is multiplied by at each drop, e.g. 0.5. */
  factor: number;
}

/** Classic step decay, lr0 · factor^floor(step / stepSize): an `ExponentialDecay` with `staircase`. */
export function stepDecay(options: StepDecayOptions): ExponentialDecay {
  const o = options ?? ({} as StepDecayOptions);
  const decaySteps = requireNumber('stepDecay', 'stepSize', o.stepSize, { min: 0, minExclusive: true });
  const decayRate = requireNumber('stepDecay', 'factor', o.factor, { min: 0 });
  return new ExponentialDecay({ initialLearningRate: o.initialLearningRate, decaySteps, decayRate, staircase: true });
}

export function inverseTimeDecay(options: InverseTimeDecayOptions): InverseTimeDecay {
  return new InverseTimeDecay(options);
}

export function piecewiseConstantDecay(options: PiecewiseConstantDecayOptions): PiecewiseConstantDecay {
  return new PiecewiseConstantDecay(options);
}

export function cosineDecay(options: CosineDecayOptions): CosineDecay {
  return new CosineDecay(options);
}

export function polynomialDecay(options: PolynomialDecayOptions): PolynomialDecay {
  return new PolynomialDecay(options);
}

export function linearWarmup(options: LinearWarmupOptions): LinearWarmup {
  return new LinearWarmup(options);
}
