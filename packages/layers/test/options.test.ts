import '@tessera/backend-cpu';
// Layer options from JavaScript: every documented option is known; anything else is an error
// naming it and the closest known option, before the layer has any effect.
import { tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import {
  Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Embedding, Flatten, GRU, GlobalAveragePooling2D, LSTM,
  LayerNormalization, MaxPooling2D, Rescaling, Reshape, SimpleRNN, type Layer,
} from '../src/index.js';

const rnn = {
  units: 2, activation: 'tanh', useBias: true, returnSequences: false, returnState: false, goBackwards: false, kernelInitializer: 'glorotUniform',
  recurrentInitializer: 'orthogonal', biasInitializer: 'zeros', kernelRegularizer: null, recurrentRegularizer: null, biasRegularizer: null,
  stateful: false, dropout: 0, recurrentDropout: 0, seed: null,
};
const base = { name: undefined, trainable: true, inputShape: undefined, batchSize: undefined, dtype: 'float32' as const };

describe('layer options', () => {
  it('every documented option of every layer is known', () => {
    const layers: Layer[] = [
      new Dense({ ...base, units: 2, activation: 'relu', useBias: true, kernelInitializer: 'heNormal', biasInitializer: 'zeros', kernelRegularizer: 'l2', biasRegularizer: null }),
      new Activation({ activation: 'relu' }),
      new Reshape({ targetShape: [2, 2] }),
      new Dropout({ rate: 0.5, seed: 1 }),
      new Rescaling({ scale: 2, offset: 1 }),
      new Flatten({ batchInputShape: [null, 2, 2] }),
      new Embedding({ inputDim: 5, outputDim: 2, embeddingsInitializer: 'uniform', embeddingsRegularizer: null, maskZero: false }),
      new SimpleRNN({ ...rnn }),
      new LSTM({ ...rnn, recurrentActivation: 'sigmoid', unitForgetBias: true }),
      new GRU({ ...rnn, recurrentActivation: 'sigmoid', resetAfter: true }),
      new Conv2D({
        filters: 2, kernelSize: 3, strides: 1, padding: 'same', dilationRate: 1, activation: 'relu', useBias: true, kernelInitializer: 'glorotUniform',
        biasInitializer: 'zeros', kernelRegularizer: null, biasRegularizer: null,
      }),
      new MaxPooling2D({ poolSize: 2, strides: 2, padding: 'valid' }),
      new AveragePooling2D({ poolSize: 2 }),
      new GlobalAveragePooling2D({ keepDims: false }),
      new BatchNormalization({
        axis: -1, momentum: 0.99, epsilon: 1e-3, center: true, scale: true, betaInitializer: 'zeros', gammaInitializer: 'ones',
        movingMeanInitializer: 'zeros', movingVarianceInitializer: 'ones', betaRegularizer: null, gammaRegularizer: null,
      }),
      new LayerNormalization({ axis: -1, epsilon: 1e-3, center: true, scale: true, betaInitializer: 'zeros', gammaInitializer: 'ones', betaRegularizer: null, gammaRegularizer: null }),
    ];
    for (const l of layers) expect(() => l.assertKnownOptions(), l.className).not.toThrow();
  });

  it('an unknown option is an error naming it and the closest known option, before the layer is used', () => {
    const lstm = new LSTM({ units: 4, unroll: true } as never);
    expect(() => lstm.apply(tensor([[[1], [2]]]))).toThrow(/^LSTM: unknown option 'unroll'; known options: .*returnState.*units/);
    expect(lstm.built).toBe(false);
    const snake = new Dense({ units: 4, kernel_initializer: 'zeros' } as never);
    expect(() => snake.build([null, 3])).toThrow("Dense: unknown option 'kernel_initializer' (did you mean 'kernelInitializer'?)");
    expect(() => new GRU({ units: 2, implementation: 2 } as never).assertKnownOptions()).toThrow(/GRU: unknown option 'implementation'/);
    expect(() => new Embedding({ inputDim: 3, outputDim: 2, mask_zero: true } as never).assertKnownOptions()).toThrow(/Embedding: unknown option 'mask_zero' \(did you mean 'maskZero'\?\)/);
  });
});
