// The classic networks of the "first neural network" material, with the hyperparameters that
// reproduce docs/results.md.
import { Conv2D, Dense, Flatten, MaxPooling2D, Reshape } from '@tessera/layers';
import { Sequential } from '@tessera/models';
import type { ModelName, OptimizerName } from './args.js';

export interface Recipe {
  description: string;
  optimizer: OptimizerName;
  lr: number;
  batchSize: number;
  epochs: number;
  /** Input layout the network expects. */
  input: 'flat' | 'image';
  build(): Sequential;
}

export const RECIPES: Record<ModelName, Recipe> = {
  mlp: {
    description: 'MLP 784-64-10, ReLU',
    optimizer: 'adam',
    lr: 1e-3,
    batchSize: 64,
    epochs: 10,
    input: 'flat',
    build: () =>
      new Sequential({
        name: 'mlp',
        layers: [new Dense({ units: 64, activation: 'relu', inputShape: [784] }), new Dense({ units: 10, activation: 'softmax' })],
      }),
  },
  'mlp-deep': {
    description: 'MLP 784-512-256-10, ReLU',
    optimizer: 'momentum',
    lr: 0.01,
    batchSize: 64,
    epochs: 15,
    input: 'flat',
    build: () =>
      new Sequential({
        name: 'mlp_deep',
        layers: [
          new Dense({ units: 512, activation: 'relu', inputShape: [784] }),
          new Dense({ units: 256, activation: 'relu' }),
          new Dense({ units: 10, activation: 'softmax' }),
        ],
      }),
  },
  lenet5: {
    description: 'LeNet-5: conv 6@3x3 → maxpool → conv 16@3x3 → maxpool → 120 → 84 → 10',
    optimizer: 'adam',
    lr: 1e-3,
    batchSize: 64,
    epochs: 10,
    input: 'image',
    build: () =>
      new Sequential({
        name: 'lenet5',
        layers: [
          new Conv2D({ filters: 6, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
          new MaxPooling2D({ poolSize: 2 }),
          new Conv2D({ filters: 16, kernelSize: 3, activation: 'relu' }),
          new MaxPooling2D({ poolSize: 2 }),
          new Flatten(),
          new Dense({ units: 120, activation: 'relu' }),
          new Dense({ units: 84, activation: 'relu' }),
          new Dense({ units: 10, activation: 'softmax' }),
        ],
      }),
  },
  cnn: {
    description: 'CNN conv 32@3x3 → maxpool → conv 64@3x3 → maxpool (same padding) → dense 128 → 10',
    optimizer: 'adam',
    lr: 1e-3,
    batchSize: 64,
    epochs: 4,
    input: 'image',
    build: () =>
      new Sequential({
        name: 'cnn',
        layers: [
          new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same', inputShape: [28, 28, 1] }),
          new MaxPooling2D({ poolSize: 2 }),
          new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu', padding: 'same' }),
          new MaxPooling2D({ poolSize: 2 }),
          new Flatten(),
          new Dense({ units: 128, activation: 'relu' }),
          new Dense({ units: 10, activation: 'softmax' }),
        ],
      }),
  },
};

/** For `predict`: reshapes a flat 784 input to what the loaded model expects. */
export function needsImageInput(model: Sequential): boolean {
  const first = model.layers[0];
  return first instanceof Conv2D || first instanceof Reshape;
}
