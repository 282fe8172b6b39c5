// The classic networks of the "first neural network" material, with the hyperparameters that
// reproduce docs/results.md. The MNIST trainer (CLI) and the playground (browser) both build from here.
import { Conv2D, Dense, Flatten, MaxPooling2D, Rescaling, Reshape, type Layer } from '@tessera/layers';
import { Sequential } from '@tessera/models';
import type { OptimizerName } from './optimizers.js';

export type ModelName = 'mlp' | 'mlp-deep' | 'lenet5' | 'cnn';
export const MODEL_NAMES: ModelName[] = ['mlp', 'mlp-deep', 'lenet5', 'cnn'];

export interface Recipe {
  description: string;
  optimizer: OptimizerName;
  lr: number;
  /** Learning-rate factor per epoch (1: constant). */
  lrDecay: number;
  batchSize: number;
  epochs: number;
  /** Input layout the network expects. */
  input: 'flat' | 'image';
  /** Standardise the [0, 1] pixels with the training set's mean and deviation (default: no). */
  standardize: boolean;
  /** Label smoothing of the cross-entropy targets (0: one-hot). */
  labelSmoothing: number;
  build(standardize?: InputStats): Sequential;
}

/** Mean and standard deviation of the training pixels (on the [0, 1] scale). */
export interface InputStats {
  mean: number;
  std: number;
}

/**
 * The layers in front of a network: a Rescaling layer that standardises the inputs when `stats`
 * is given (it is saved with the model, so `predict` feeds the same [0, 1] pixels), and the input
 * shape for the first layer.
 */
function front(shape: number[], stats: InputStats | undefined): { pre: Layer[]; inputShape: number[] | undefined } {
  if (!stats) return { pre: [], inputShape: shape };
  return { pre: [new Rescaling({ scale: 1 / stats.std, offset: -stats.mean / stats.std, inputShape: shape })], inputShape: undefined };
}

/** MLP 784-`units`-10 (ReLU): the `mlp` recipe is `mlp(64)`; the benchmarks use other widths. */
export function mlp(units: number, stats?: InputStats): Sequential {
  const { pre, inputShape } = front([784], stats);
  return new Sequential({
    name: 'mlp',
    layers: [...pre, new Dense({ units, activation: 'relu', inputShape }), new Dense({ units: 10, activation: 'softmax' })],
  });
}

export const RECIPES: Record<ModelName, Recipe> = {
  mlp: {
    description: 'MLP 784-64-10, ReLU',
    optimizer: 'adam',
    lr: 1e-3,
    lrDecay: 1,
    batchSize: 64,
    epochs: 10,
    input: 'flat',
    standardize: false,
    // Chosen on a held-out validation split, not on the test set: docs/results.md.
    labelSmoothing: 0.1,
    build: (stats) => mlp(64, stats),
  },
  'mlp-deep': {
    description: 'MLP 784-512-256-10, ReLU',
    optimizer: 'momentum',
    lr: 0.01,
    lrDecay: 1,
    batchSize: 64,
    epochs: 15,
    input: 'flat',
    standardize: false,
    labelSmoothing: 0,
    build: (stats) => {
      const { pre, inputShape } = front([784], stats);
      return new Sequential({
        name: 'mlp_deep',
        layers: [
          ...pre,
          new Dense({ units: 512, activation: 'relu', inputShape }),
          new Dense({ units: 256, activation: 'relu' }),
          new Dense({ units: 10, activation: 'softmax' }),
        ],
      });
    },
  },
  lenet5: {
    description: 'LeNet-5: conv 6@3x3 → maxpool → conv 16@3x3 → maxpool → 120 → 84 → 10',
    optimizer: 'adam',
    lr: 1e-3,
    lrDecay: 0.8,
    batchSize: 64,
    epochs: 10,
    input: 'image',
    standardize: false,
    labelSmoothing: 0,
    build: (stats) => {
      const { pre, inputShape } = front([28, 28, 1], stats);
      return new Sequential({
        name: 'lenet5',
        layers: [
          ...pre,
          new Conv2D({ filters: 6, kernelSize: 3, activation: 'relu', inputShape }),
          new MaxPooling2D({ poolSize: 2 }),
          new Conv2D({ filters: 16, kernelSize: 3, activation: 'relu' }),
          new MaxPooling2D({ poolSize: 2 }),
          new Flatten(),
          new Dense({ units: 120, activation: 'relu' }),
          new Dense({ units: 84, activation: 'relu' }),
          new Dense({ units: 10, activation: 'softmax' }),
        ],
      });
    },
  },
  cnn: {
    description: 'CNN conv 32@3x3 → maxpool → conv 64@3x3 → maxpool (same padding) → dense 128 → 10',
    optimizer: 'adam',
    lr: 1e-3,
    lrDecay: 0.8,
    batchSize: 64,
    epochs: 6,
    input: 'image',
    standardize: false,
    labelSmoothing: 0,
    build: (stats) => {
      const { pre, inputShape } = front([28, 28, 1], stats);
      return new Sequential({
        name: 'cnn',
        layers: [
          ...pre,
          new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same', inputShape }),
          new MaxPooling2D({ poolSize: 2 }),
          new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu', padding: 'same' }),
          new MaxPooling2D({ poolSize: 2 }),
          new Flatten(),
          new Dense({ units: 128, activation: 'relu' }),
          new Dense({ units: 10, activation: 'softmax' }),
        ],
      });
    },
  },
};

/** Whether a model takes [28, 28, 1] images rather than flat 784 rows (to shape inputs for `predict`). */
export function needsImageInput(model: Sequential): boolean {
  const first = model.layers.find((l) => !(l instanceof Rescaling));
  return first instanceof Conv2D || first instanceof Reshape;
}
