// TF.js's `tf.train.*` optimizer factories, with TF.js's positional arguments and defaults, so a
// TF.js script ports by changing its import: `train.adam(0.001)`, `train.momentum(0.1, 0.9)`.
// They make Tessera's optimizers (one implementation); docs/models.md lists what differs.
import { TesseraError } from '@tessera/core';
import { Adadelta } from './adadelta.js';
import { AdaGrad } from './adagrad.js';
import { Adam } from './adam.js';
import { Adamax } from './adamax.js';
import type { LearningRate } from './optimizer.js';
import { RMSProp } from './rmsprop.js';
import { SGD } from './sgd.js';

/** TF.js passes `null` for "the backend's epsilon" (1e-7 for float32): so do we. */
const eps = (e: number | null | undefined): number => e ?? 1e-7;

/** `tf.train`: sgd, momentum, rmsprop, adam, adadelta, adamax, adagrad. */
export const train = Object.freeze({
  sgd: (learningRate: LearningRate): SGD => new SGD({ learningRate }),
  momentum: (learningRate: LearningRate, momentum: number, useNesterov = false): SGD => new SGD({ learningRate, momentum, nesterov: useNesterov }),
  rmsprop: (learningRate: LearningRate, decay = 0.9, momentum = 0, epsilon: number | null = null, centered = false): RMSProp =>
    new RMSProp({ learningRate, rho: decay, momentum, epsilon: eps(epsilon), centered }),
  adam: (learningRate: LearningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null): Adam =>
    new Adam({ learningRate, beta1, beta2, epsilon: eps(epsilon) }),
  adadelta: (learningRate: LearningRate = 0.001, rho = 0.95, epsilon: number | null = null): Adadelta => new Adadelta({ learningRate, rho, epsilon: eps(epsilon) }),
  adamax: (learningRate: LearningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null, decay = 0): Adamax => {
    if (decay !== 0) throw new TesseraError(`train.adamax: decay ${decay} (TF.js's per-step learning-rate decay) is not supported; pass a schedule as the learning rate instead (schedules.inverseTimeDecay)`);
    return new Adamax({ learningRate, beta1, beta2, epsilon: eps(epsilon) });
  },
  adagrad: (learningRate: LearningRate, initialAccumulatorValue = 0.1): AdaGrad => new AdaGrad({ learningRate, initialAccumulatorValue }),
});
