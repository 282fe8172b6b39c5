// Every built-in metric takes per-sample weights (a masked output's 0/1 mask): with 0/1 weights its
// statistics are those of the rows weighted 1 alone.
import { gather, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import {
  accuracy, auc, binaryAccuracy, categoricalAccuracy, f1Score, getMetric, meanAbsoluteErrorMetric, meanSquaredErrorMetric, precision, recall, rootMeanSquaredError,
  sparseCategoricalAccuracy, sparseTopKCategoricalAccuracy, topKCategoricalAccuracy, type Metric,
} from '../src/index.js';
import { expectClose, randomValues, values } from './helpers.js';

const rows = 6;
const keep = [1, 0, 1, 1, 0, 1];
const kept = tensor(keep.flatMap((k, i) => (k ? [i] : [])), [4], 'int32');
const probs = tensor(randomValues(rows * 3, 1, 0.05, 1), [rows, 3]);
const oneHot = tensor([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1], [rows, 3]);
const labels = tensor([0, 1, 2, 1, 0, 2], [rows], 'int32');
const binary = tensor(randomValues(rows * 2, 2, 0, 1), [rows, 2]);
const binaryTargets = tensor([1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1], [rows, 2]);

const cases: [string, Metric, Tensor, Tensor][] = [
  ['accuracy (sparse)', accuracy('sparseCategoricalCrossentropy'), labels, probs],
  ['accuracy (by shape)', accuracy(), oneHot, probs],
  ['binaryAccuracy', binaryAccuracy(), binaryTargets, binary],
  ['categoricalAccuracy', categoricalAccuracy(), oneHot, probs],
  ['sparseCategoricalAccuracy', sparseCategoricalAccuracy(), labels, probs],
  ['topKCategoricalAccuracy', topKCategoricalAccuracy({ k: 2 }), oneHot, probs],
  ['sparseTopKCategoricalAccuracy', sparseTopKCategoricalAccuracy({ k: 2 }), labels, probs],
  ['precision', precision(), binaryTargets, binary],
  ['recall', recall(), binaryTargets, binary],
  ['f1Score', f1Score({ average: 'weighted' }), oneHot, probs],
  ['auc', auc({ numThresholds: 7 }), binaryTargets, binary],
  ['mse', meanSquaredErrorMetric(), oneHot, probs],
  ['rmse', rootMeanSquaredError(), oneHot, probs],
  ['mae', meanAbsoluteErrorMetric(), oneHot, probs],
  ['acc by name', getMetric('acc'), oneHot, probs],
];

describe('metrics with sample weights', () => {
  for (const [name, metric, yTrue, yPred] of cases) {
    it(`${name}: 0/1 weights give the statistics of the kept rows`, () => {
      expect(metric.statistics.length).toBe(3);
      const weighted = metric.statistics(yTrue, yPred, tensor(keep, [rows]));
      const subset = metric.statistics(gather(yTrue, kept), gather(yPred, kept));
      expectClose(values(weighted), values(subset), 1e-6);
      expect(metric.result(values(weighted))).toBeCloseTo(metric.result(values(subset)), 6);
      [weighted, subset].forEach((t) => t.dispose());
    });
  }

  it('weights must be one per sample', () => {
    expect(() => meanSquaredErrorMetric().statistics(oneHot, probs, tensor([1, 1], [2]))).toThrow(/metrics: sampleWeight \[2\] must have one weight per sample of \[6,3\]/);
  });
});
