import { memory, setSeed, sum, type Tensor } from '@tessera/core';
import { grad, variableGrads } from '@tessera/autograd';
import { expect } from 'vitest';
import { deserializeLayer, serializeLayer, type Layer } from '../src/index.js';
import { randomTensor, values } from './helpers.js';

/**
 * Serialises a layer after applying it to an input of `shape`, rebuilds it from the JSON, gives the
 * copy the same weights and checks that it has the same config and computes the same outputs
 * (with `training`, a random layer's copy starts from the original's random state before its call). Disposes both layers.
 */
export function expectRoundTrip(layer: Layer, shape: number[], training = false): void {
  setSeed(3);
  const x = randomTensor(shape, 7);
  const state = layer.getRandomState();
  const y = layer.apply(x, { training }) as Tensor;
  const s = JSON.parse(JSON.stringify(serializeLayer(layer)));
  const copy = deserializeLayer(s);
  expect(copy.constructor).toBe(layer.constructor);
  expect(copy.getConfig()).toEqual(layer.getConfig());
  copy.build(layer.buildInputShape!);
  const w = layer.getWeights();
  copy.setWeights(w);
  if (state) copy.setRandomState(state);
  const y2 = copy.apply(x, { training }) as Tensor;
  expect(values(y2)).toEqual(values(y));
  [x, y, y2, ...w].forEach((t) => t.dispose());
  [layer, copy].forEach((l) => l.dispose());
}

/** Applies a built layer (inference, training, and under a gradient) and checks that no tensor is left behind. */
export function expectNoLeaks(layer: Layer, shape: number[]): void {
  const x = randomTensor(shape, 8);
  (layer.apply(x) as Tensor).dispose(); // builds the weights
  const before = memory().numTensors;
  for (const training of [false, true]) (layer.apply(x, { training }) as Tensor).dispose();
  const loss = (t: Tensor): Tensor => sum(layer.apply(t, { training: true }) as Tensor);
  const dx = grad(loss)(x);
  expect(dx.shape).toEqual(x.shape);
  dx.dispose();
  if (layer.trainableWeights.length > 0) {
    const { value, grads } = variableGrads(() => loss(x), layer.trainableWeights);
    [value, ...Object.values(grads)].forEach((t) => t.dispose());
  }
  expect(memory().numTensors).toBe(before);
  x.dispose();
  layer.dispose();
}
