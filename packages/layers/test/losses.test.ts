import { backendInstance, tensor, type Tensor } from '@tessera/core';
import { grad } from '@tessera/autograd';
import { describe, expect, it } from 'vitest';
import {
  binaryCrossentropy, categoricalCrossentropy, getLoss, huber, lossName, meanAbsoluteError, meanSquaredError, sparseCategoricalCrossentropy,
} from '../src/index.js';
import { expectClose, randomValues, values } from './helpers.js';

const EPS = 1e-7;
const clip = (p: number): number => Math.min(Math.max(p, EPS), 1 - EPS);
const rows = (v: number[], n: number): number[][] => Array.from({ length: v.length / n }, (_, i) => v.slice(i * n, i * n + n));
const meanOf = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const logSumExp = (r: number[]): number => {
  const m = Math.max(...r);
  return m + Math.log(r.reduce((a, b) => a + Math.exp(b - m), 0));
};

describe('regression losses', () => {
  const t = randomValues(12, 1);
  const p = randomValues(12, 2, -3, 3);
  const yTrue = tensor(t, [4, 3]);
  const yPred = tensor(p, [4, 3]);

  it('mse and mae are per-sample means', () => {
    const mse = meanSquaredError(yTrue, yPred);
    const mae = meanAbsoluteError(yTrue, yPred);
    expect(mse.shape).toEqual([4]);
    expectClose(values(mse), rows(p.map((v, i) => (v - t[i]!) ** 2), 3).map(meanOf));
    expectClose(values(mae), rows(p.map((v, i) => Math.abs(v - t[i]!)), 3).map(meanOf));
  });

  it('huber is quadratic inside delta and linear outside', () => {
    for (const delta of [1, 0.5]) {
      const h = huber(yTrue, yPred, { delta });
      const ref = p.map((v, i) => {
        const e = Math.abs(v - t[i]!);
        return e <= delta ? 0.5 * e * e : delta * (e - 0.5 * delta);
      });
      expectClose(values(h), rows(ref, 3).map(meanOf));
    }
    expect(() => huber(yTrue, yPred, { delta: 0 })).toThrow(/delta must be a positive number/);
  });

  it('accepts [batch] targets for [batch, 1] predictions and int targets; rejects other shapes', () => {
    const a = tensor([1, 0, 1], [3], 'int32');
    const b = tensor([[0.5], [0.5], [2]]);
    expectClose(values(meanSquaredError(a, b)), [0.25, 0.25, 1]);
    const c = tensor([[1, 2]]);
    expect(() => meanSquaredError(c, b)).toThrow(/yTrue \[1,2\] and yPred \[3,1\] must have the same shape/);
  });
});

describe('binary cross-entropy', () => {
  const z = [1, 0, 1, 0, 1, 1, 0, 0];
  const labels = tensor(z, [4, 2]);

  it('from probabilities (clipped) matches the reference', () => {
    const p = randomValues(8, 3, 0.01, 0.99);
    const y = binaryCrossentropy(labels, tensor(p, [4, 2]));
    const ref = p.map((q, i) => -(z[i]! * Math.log(clip(q)) + (1 - z[i]!) * Math.log(1 - clip(q))));
    expectClose(values(y), rows(ref, 2).map(meanOf));
  });

  it('from logits matches log(1 + e^-x) forms and stays finite at ±100', () => {
    const x = [...randomValues(4, 4, -5, 5), 100, -100, 100, -100];
    const y = binaryCrossentropy(labels, tensor(x, [4, 2]), { fromLogits: true });
    const ref = x.map((v, i) => Math.max(v, 0) - v * z[i]! + Math.log1p(Math.exp(-Math.abs(v))));
    expectClose(values(y), rows(ref, 2).map(meanOf));
    // z=1, x=100 → 0; z=0, x=-100 → 0; z=1, x=-100 → 100.
    expect(values(y).every(Number.isFinite)).toBe(true);
    const g = grad((logits: Tensor) => binaryCrossentropy(labels, logits, { fromLogits: true }).sum())(tensor(x, [4, 2]));
    expect(values(g).every(Number.isFinite)).toBe(true);
    // d/dx = (sigmoid(x) − z) / 2 (mean over 2 columns).
    expectClose(values(g), x.map((v, i) => (1 / (1 + Math.exp(-v)) - z[i]!) / 2));
  });

  it('probabilities of exactly 0 and 1 stay finite', () => {
    const y = binaryCrossentropy(tensor([[1, 0]]), tensor([[0, 1]]));
    // Clipped to [1e-7, 1 − 1e-7] as float32 (1 − 1e-7 rounds to 1 − 2^-23).
    const expected = (-Math.log(Math.fround(EPS)) - Math.log(1 - Math.fround(1 - EPS))) / 2;
    expectClose(values(y), [expected], 1e-5);
  });
});

describe('categorical cross-entropy', () => {
  const logits = randomValues(12, 5, -4, 4);
  const onehot = [0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1].flatMap((v) => [v]);
  const yTrue = tensor(onehot, [4, 3]);

  it('from logits equals logSumExp − logit of the class', () => {
    const y = categoricalCrossentropy(yTrue, tensor(logits, [4, 3]), { fromLogits: true });
    const ref = rows(logits, 3).map((r, i) => logSumExp(r) - r.reduce((s, v, j) => s + v * onehot[i * 3 + j]!, 0));
    expectClose(values(y), ref);
  });

  it('from probabilities renormalises and clips', () => {
    const probs = rows(logits, 3).flatMap((r) => {
      const e = r.map(Math.exp);
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => (2 * v) / s); // deliberately sums to 2
    });
    const y = categoricalCrossentropy(yTrue, tensor(probs, [4, 3]));
    const ref = rows(probs, 3).map((r, i) => -r.reduce((s, v, j) => s + onehot[i * 3 + j]! * Math.log(clip(v / 2)), 0));
    expectClose(values(y), ref);
  });

  it('label smoothing mixes in the uniform distribution', () => {
    const y = categoricalCrossentropy(yTrue, tensor(logits, [4, 3]), { fromLogits: true, labelSmoothing: 0.3 });
    const ref = rows(logits, 3).map((r, i) => {
      const lse = logSumExp(r);
      return r.reduce((s, v, j) => s - (onehot[i * 3 + j]! * 0.7 + 0.1) * (v - lse), 0);
    });
    expectClose(values(y), ref);
    expect(() => categoricalCrossentropy(yTrue, yTrue, { labelSmoothing: 2 })).toThrow(/labelSmoothing/);
  });

  it('stays finite with logits of ±100', () => {
    const extreme = tensor([[100, -100, 0], [-100, 100, 0]]);
    const t = tensor([[0, 1, 0], [0, 1, 0]]);
    const y = values(categoricalCrossentropy(t, extreme, { fromLogits: true }));
    expectClose(y, [200, 0], 1e-4);
    const g = grad((l: Tensor) => categoricalCrossentropy(t, l, { fromLogits: true }).sum())(extreme);
    expect(values(g).every(Number.isFinite)).toBe(true);
  });

  it('sparse labels ([batch] or [batch, 1], int or float) give the same values as one-hot', () => {
    const labels = [1, 0, 2, 2];
    const dense = values(categoricalCrossentropy(yTrue, tensor(logits, [4, 3]), { fromLogits: true }));
    for (const l of [tensor(labels, [4], 'int32'), tensor(labels, [4, 1]), tensor(labels, [4, 1], 'int32')]) {
      expectClose(values(sparseCategoricalCrossentropy(l, tensor(logits, [4, 3]), { fromLogits: true })), dense);
    }
    const probs = tensor([[0.2, 0.7, 0.1], [1, 0, 0]]);
    expectClose(values(sparseCategoricalCrossentropy(tensor([1, 2], [2], 'int32'), probs)), [-Math.log(0.7), -Math.log(EPS)], 1e-3);
    const ext = values(sparseCategoricalCrossentropy(tensor([0, 1], [2], 'int32'), tensor([[100, -100], [100, -100]]), { fromLogits: true }));
    expectClose(ext, [0, 200]);
    expect(() => sparseCategoricalCrossentropy(tensor([1, 2, 0], [3], 'int32'), probs)).toThrow(/labels \[3\] do not match predictions \[2,3\]/);
  });

  it('sparse labels outside [0, classes) or not integers are an error naming the label, never a loss of 0', () => {
    const logits3 = tensor(logits.slice(0, 6), [2, 3]);
    expect(() => sparseCategoricalCrossentropy(tensor([0, 7], [2], 'int32'), logits3, { fromLogits: true })).toThrow(
      'sparseCategoricalCrossentropy: label 7 at index 1 is outside the valid range [0, 3) of the 3 classes',
    );
    expect(() => sparseCategoricalCrossentropy(tensor([-1, 0], [2], 'int32'), logits3)).toThrow(/label -1 at index 0 is outside the valid range \[0, 3\)/);
    expect(() => sparseCategoricalCrossentropy(tensor([1.5, 0], [2]), logits3)).toThrow(/label 1.5 at index 0 is not an integer class index in the range \[0, 3\)/);
  });

  it('where the backend cannot read synchronously, a bad label gives NaN for its sample and no gradient', () => {
    const backend = backendInstance() as { readSync?: unknown };
    const readSync = backend.readSync;
    backend.readSync = undefined; // as on WebGPU
    try {
      const l = tensor(logits.slice(0, 6), [2, 3]);
      const lossT = sparseCategoricalCrossentropy(tensor([1, 3], [2], 'int32'), l, { fromLogits: true });
      const gT = grad((x: Tensor) => sparseCategoricalCrossentropy(tensor([1, 3], [2], 'int32'), x, { fromLogits: true }).sum())(l);
      backend.readSync = readSync;
      const loss = values(lossT);
      expect(Number.isFinite(loss[0]!)).toBe(true);
      expect(loss[1]).toBeNaN();
      const g = values(gT);
      expect(g.every(Number.isFinite)).toBe(true);
      expect(g.slice(3)).toEqual([0, 0, 0]);
    } finally {
      backend.readSync = readSync;
    }
  });
});

describe('getLoss', () => {
  it('resolves Keras and camelCase names and aliases to named functions', () => {
    const pairs: [string, string][] = [
      ['mse', 'meanSquaredError'], ['mean_squared_error', 'meanSquaredError'], ['mae', 'meanAbsoluteError'], ['huber', 'huber'],
      ['binary_crossentropy', 'binaryCrossentropy'], ['binaryCrossentropy', 'binaryCrossentropy'],
      ['categorical_crossentropy', 'categoricalCrossentropy'], ['CategoricalCrossentropy', 'categoricalCrossentropy'],
      ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy'], ['sparseCategoricalCrossentropy', 'sparseCategoricalCrossentropy'],
    ];
    for (const [id, name] of pairs) {
      expect(getLoss(id).name, id).toBe(name);
      expect(lossName(id)).toBe(name);
    }
    const f = (a: Tensor, b: Tensor): Tensor => meanSquaredError(a, b);
    expect(getLoss(f)).toBe(f);
  });

  it('{ name, fromLogits } configures the loss', () => {
    const loss = getLoss({ name: 'binary_crossentropy', fromLogits: true });
    expect(loss.name).toBe('binaryCrossentropy');
    const y = loss(tensor([[1]]), tensor([[100]]));
    expect(values(y)[0]).toBeCloseTo(0, 6);
    const h = getLoss({ name: 'huber', delta: 2 });
    expectClose(values(h(tensor([[0]]), tensor([[3]]))), [2 * (3 - 1)]);
  });

  it('rejects unknown names and options', () => {
    expect(() => getLoss('crossentropy')).toThrow(/unknown loss 'crossentropy' \(known: meanSquaredError, meanAbsoluteError, huber/);
    expect(() => getLoss({ name: 'mse', fromLogits: true })).toThrow(/meanSquaredError has no option 'fromLogits'/);
    expect(() => getLoss(3 as unknown as string)).toThrow(/expected a loss name/);
  });
});
