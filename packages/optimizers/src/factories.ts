import { Adadelta, type AdadeltaOptions } from './adadelta.js';
import { AdaGrad, type AdaGradOptions } from './adagrad.js';
import { Adam, type AdamOptions } from './adam.js';
import { Adamax, type AdamaxOptions } from './adamax.js';
import { AdamW, type AdamWOptions } from './adamw.js';
import { Lion, type LionOptions } from './lion.js';
import { Nadam, type NadamOptions } from './nadam.js';
import type { LearningRate, OptimizerOptions } from './optimizer.js';
import { LearningRateSchedule } from './schedules/schedule.js';
import { RMSProp, type RMSPropOptions } from './rmsprop.js';
import { SGD, type SGDOptions } from './sgd.js';

// Each factory takes the options object, or just the learning rate: adam(0.01).
function options<O extends OptimizerOptions>(x: O | LearningRate | undefined): O {
  if (x === undefined) return {} as O;
  if (typeof x === 'number' || x instanceof LearningRateSchedule) return { learningRate: x } as O;
  return x;
}

export function sgd(opts?: SGDOptions | number | LearningRateSchedule): SGD {
  return new SGD(options(opts));
}

export function adagrad(opts?: AdaGradOptions | number | LearningRateSchedule): AdaGrad {
  return new AdaGrad(options(opts));
}

export function rmsprop(opts?: RMSPropOptions | number | LearningRateSchedule): RMSProp {
  return new RMSProp(options(opts));
}

export function adam(opts?: AdamOptions | number | LearningRateSchedule): Adam {
  return new Adam(options(opts));
}

export function adamw(opts?: AdamWOptions | number | LearningRateSchedule): AdamW {
  return new AdamW(options(opts));
}

export function adamax(opts?: AdamaxOptions | number | LearningRateSchedule): Adamax {
  return new Adamax(options(opts));
}

export function nadam(opts?: NadamOptions | number | LearningRateSchedule): Nadam {
  return new Nadam(options(opts));
}

export function adadelta(opts?: AdadeltaOptions | number | LearningRateSchedule): Adadelta {
  return new Adadelta(options(opts));
}

export function lion(opts?: LionOptions | number | LearningRateSchedule): Lion {
  return new Lion(options(opts));
}
