import { tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { binaryAccuracy, categoricalAccuracy, getMetric, metrics, precision, recall, sparseCategoricalAccuracy, type Metric } from '../src/index.js';
import { values } from './helpers.js';

function stats(m: Metric, yTrue: Tensor, yPred: Tensor): number[] {
  const s = m.statistics(yTrue, yPred);
  expect(s.rank).toBe(1);
  expect(s.dtype).toBe('float32');
  const v = values(s);
  s.dispose();
  return v;
}

describe('metric statistics', () => {
  const yTrue = tensor([[1], [0], [1], [1], [0]]);
  const yPred = tensor([[0.9], [0.6], [0.4], [0.7], [0.1]]);

  it('binary accuracy, precision and recall count from the threshold', () => {
    // predictions > 0.5: 1 1 0 1 0 — correct: yes no no yes yes.
    expect(stats(binaryAccuracy(), yTrue, yPred)).toEqual([3, 5]);
    expect(stats(precision(), yTrue, yPred)).toEqual([2, 3]);
    expect(stats(recall(), yTrue, yPred)).toEqual([2, 3]);
    expect(stats(binaryAccuracy({ threshold: 0.65 }), yTrue, yPred)).toEqual([4, 5]);
    expect(precision().result([2, 3])).toBeCloseTo(2 / 3);
    expect(precision().result([0, 0])).toBe(0);
    const labels1d = tensor([1, 0, 1, 1, 0], [5], 'int32');
    expect(stats(binaryAccuracy(), labels1d, yPred)).toEqual([3, 5]);
  });

  it('categorical and sparse accuracy compare argmaxes', () => {
    const probs = tensor([[0.1, 0.8, 0.1], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]);
    const onehot = tensor([[0, 1, 0], [0, 0, 1], [0, 0, 1], [1, 0, 0]]);
    expect(stats(categoricalAccuracy(), onehot, probs)).toEqual([3, 4]);
    expect(stats(sparseCategoricalAccuracy(), tensor([1, 2, 2, 0], [4], 'int32'), probs)).toEqual([3, 4]);
    expect(stats(sparseCategoricalAccuracy(), tensor([[1], [2], [2], [1]]), probs)).toEqual([2, 4]);
    expect(() => stats(sparseCategoricalAccuracy(), tensor([1, 2], [2], 'int32'), probs)).toThrow(/labels \[2\] do not match predictions \[4,3\]/);
  });

  it('mse and mae sum errors and count elements', () => {
    const t = tensor([[1, 2], [3, 4]]);
    const p = tensor([[1.5, 2], [2, 6]]);
    const mse = metrics.mse();
    const s = stats(mse, t, p);
    expect(s).toEqual([0.25 + 1 + 4, 4]);
    expect(mse.result(s)).toBeCloseTo(5.25 / 4);
    expect(stats(metrics.mae(), t, p)).toEqual([0.5 + 1 + 2, 4]);
  });

  it('results combine totals of several batches', () => {
    const acc = binaryAccuracy();
    const a = stats(acc, yTrue, yPred);
    const b = stats(acc, tensor([[1]]), tensor([[0.9]]));
    expect(acc.result(a.map((v, i) => v + b[i]!))).toBeCloseTo(4 / 6);
  });
});

describe('getMetric', () => {
  it("picks Keras's accuracy variant from the loss", () => {
    const bin = getMetric('accuracy', 'binary_crossentropy');
    const sparse = getMetric('acc', 'sparseCategoricalCrossentropy');
    const cat = getMetric('accuracy', 'categorical_crossentropy');
    expect([bin.name, sparse.name, cat.name]).toEqual(['accuracy', 'accuracy', 'accuracy']);
    const probs = tensor([[0.3, 0.7], [0.8, 0.2]]);
    // Binary: elementwise against the threshold.
    expect(stats(bin, tensor([[0, 1], [1, 1]]), probs)).toEqual([3, 4]);
    expect(stats(sparse, tensor([1, 1], [2], 'int32'), probs)).toEqual([1, 2]);
    expect(stats(cat, tensor([[0, 1], [1, 0]]), probs)).toEqual([2, 2]);
  });

  it('without a telling loss, chooses by shape like Keras', () => {
    const m = getMetric('accuracy', 'mse');
    expect(stats(m, tensor([[1], [0]]), tensor([[0.7], [0.7]]))).toEqual([1, 2]);
    const probs = tensor([[0.1, 0.9], [0.6, 0.4]]);
    expect(stats(m, tensor([1, 1], [2], 'int32'), probs)).toEqual([1, 2]);
    expect(stats(m, tensor([[0, 1], [0, 1]]), probs)).toEqual([1, 2]);
    // A single label column against several classes is sparse: labels 1, 0 vs argmax 1, 0.
    expect(stats(getMetric('accuracy'), tensor([[1], [0]]), probs)).toEqual([2, 2]);
  });

  it('resolves names in any spelling and passes Metric objects through', () => {
    expect(getMetric('binary_accuracy').name).toBe('binary_accuracy');
    expect(getMetric('categoricalAccuracy').name).toBe('categorical_accuracy');
    expect(getMetric('sparse_categorical_accuracy').name).toBe('sparse_categorical_accuracy');
    expect(getMetric('mean_squared_error').name).toBe('mse');
    expect(getMetric('MAE').name).toBe('mae');
    const custom: Metric = { name: 'zero', statistics: () => tensor([0]), result: () => 0 };
    expect(getMetric(custom)).toBe(custom);
    expect(() => getMetric('f2')).toThrow(/unknown metric 'f2' \(known: accuracy, acc, binary_accuracy/);
    expect(() => getMetric({ name: 'x' } as unknown as Metric)).toThrow(/expected a metric name or a Metric/);
  });
});
