import { getBackend, mul, sum, tensor, type Tensor } from '@tessera/core';
import { checkGradients, grad, variableGrads } from '@tessera/autograd';
import { describe, expect, it } from 'vitest';
import {
  Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Embedding, Flatten, GRU, GlobalAveragePooling2D, LSTM, Layer,
  LayerNormalization, MaxPooling2D, Reshape, SimpleRNN,
} from '../src/index.js';
import { expectGradientsFlow, randomTensor, randomValues, values } from './helpers.js';

function firstOutput(out: Tensor | Tensor[]): Tensor {
  return Array.isArray(out) ? out[0]! : out;
}

describe('input gradients match finite differences (float64 checker)', () => {
  const cases: [string, () => Layer, number[], boolean][] = [
    ['Dense', () => new Dense({ units: 3, activation: 'tanh', biasInitializer: 'randomNormal' }), [2, 4], false],
    ['Conv2D', () => new Conv2D({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', activation: 'sigmoid' }), [1, 5, 4, 2], false],
    ['MaxPooling2D', () => new MaxPooling2D({ poolSize: 2, strides: 1 }), [1, 3, 3, 2], false],
    ['AveragePooling2D', () => new AveragePooling2D({ poolSize: 2, padding: 'same' }), [1, 3, 3, 2], false],
    ['GlobalAveragePooling2D', () => new GlobalAveragePooling2D(), [2, 2, 3, 2], false],
    ['Flatten + Reshape', () => new Reshape({ targetShape: [2, -1] }), [2, 3, 2], false],
    ['Activation gelu', () => new Activation({ activation: 'gelu' }), [2, 3], false],
    ['BatchNormalization (training)', () => new BatchNormalization({ gammaInitializer: 'randomNormal' }), [5, 3], true],
    ['BatchNormalization (inference)', () => new BatchNormalization({ movingVarianceInitializer: { className: 'Constant', config: { value: 2 } } }), [3, 3], false],
    ['LayerNormalization', () => new LayerNormalization({ gammaInitializer: 'randomNormal' }), [2, 4], false],
    ['SimpleRNN', () => new SimpleRNN({ units: 3, returnSequences: true }), [2, 3, 2], false],
    ['LSTM', () => new LSTM({ units: 3 }), [2, 3, 2], false],
    ['GRU', () => new GRU({ units: 3, biasInitializer: 'randomNormal' }), [2, 3, 2], false],
    ['GRU resetAfter=false', () => new GRU({ units: 3, resetAfter: false, biasInitializer: 'randomNormal' }), [2, 3, 2], false],
  ];
  for (const [name, make, shape, training] of cases) {
    it(name, async () => {
      const layer = make();
      layer.build([null, ...shape.slice(1)]);
      const n = shape.reduce((a, b) => a * b, 1);
      const result = await checkGradients((x) => firstOutput(layer.apply(x, { training })), [{ values: randomValues(n, n + 1, -1.5, 1.5), shape }], {
        rtol: 1e-4, atol: 1e-6, name,
      });
      expect(result.ok).toBe(true);
      expect(getBackend()).toBe('cpu');
      layer.dispose();
    });
  }
});

describe('gradients pass through the weightless layers', () => {
  it('Dropout while training: zero exactly where the input was dropped, scaled elsewhere', () => {
    const d = new Dropout({ rate: 0.5, seed: 3 });
    const x = randomTensor([4, 6], 1, 1, 2);
    // The mask is drawn per call; take the gradient and the output from the same call.
    let yv: number[] = [];
    const g = grad((input: Tensor) => {
      const y = d.apply(input, { training: true });
      yv = values(y);
      return sum(y);
    })(x);
    expect(yv.filter((v) => v === 0).length).toBeGreaterThan(0);
    values(g).forEach((gv, i) => expect(gv).toBe(yv[i] === 0 ? 0 : 2));
    [x, g].forEach((t) => t.dispose());
  });

  it('every trainable weight of a small CNN stack gets a finite, non-zero gradient', () => {
    const stack: Layer[] = [
      new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', biasInitializer: 'ones' }),
      new BatchNormalization(),
      new MaxPooling2D(),
      new Dropout({ rate: 0.2, seed: 1 }),
      new Flatten(),
      new Dense({ units: 4, activation: 'softmax' }),
    ];
    class Stack extends Layer<Tensor> {
      call(x: Tensor, kwargs: { training: boolean }): Tensor {
        return stack.reduce((h, l) => firstOutput(l.apply(h, kwargs)), x);
      }
      override get trainableWeights() {
        return stack.flatMap((l) => l.trainableWeights);
      }
    }
    const x = randomTensor([3, 4, 4, 2], 5);
    const model = new Stack();
    expectGradientsFlow(model, x, true);
    expect(model.trainableWeights.length).toBe(6);
    x.dispose();
    stack.forEach((l) => l.dispose());
  });

  it('Embedding into an LSTM into a Dense: every weight gets a gradient, unused vocabulary rows none', () => {
    const e = new Embedding({ inputDim: 6, outputDim: 3 });
    const lstm = new LSTM({ units: 4 });
    const d = new Dense({ units: 1 });
    const idx = tensor([[0, 1, 4], [2, 2, 3]], [2, 3], 'int32'); // row 5 is never used
    const r = randomTensor([2, 1], 2);
    const forward = (): Tensor => d.apply(firstOutput(lstm.apply(e.apply(idx))));
    forward().dispose(); // builds the three layers
    const vars = [e, lstm, d].flatMap((l) => l.trainableWeights);
    expect(vars.length).toBe(6);
    const { value, grads } = variableGrads(() => sum(mul(forward(), r)), vars);
    for (const v of vars) {
      const gv = values(grads[v.name]!);
      expect(gv.every(Number.isFinite), v.name).toBe(true);
      expect(gv.some((q) => q !== 0), v.name).toBe(true);
    }
    const ge = values(grads[e.embeddings!.name]!);
    expect(ge.slice(15, 18)).toEqual([0, 0, 0]);
    expect(ge.slice(12, 15).some((q) => q !== 0)).toBe(true);
    [value, ...Object.values(grads), idx, r].forEach((t) => t.dispose());
    [e, lstm, d].forEach((l) => l.dispose());
  });
});
