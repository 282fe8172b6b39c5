// AUC, F1, top-k accuracy and RMSE: statistics per batch, results from the summed totals, against
// Keras's formulas and docstring examples computed by hand.
import { memory, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import {
  auc, f1Score, getMetric, metrics, precision, recall, rootMeanSquaredError, sparseCategoricalAccuracy, sparseTopKCategoricalAccuracy,
  topKCategoricalAccuracy, type Metric,
} from '../src/index.js';
import { randomValues, values } from './helpers.js';

function stats(m: Metric, yTrue: Tensor, yPred: Tensor): number[] {
  const s = m.statistics(yTrue, yPred);
  expect(s.rank).toBe(1);
  expect(s.dtype).toBe('float32');
  const v = values(s);
  s.dispose();
  return v;
}

/** The metric over several batches, as a training loop computes it: sum the statistics, then result. */
function over(m: Metric, batches: [Tensor, Tensor][]): number {
  const totals = batches.map(([t, p]) => stats(m, t, p)).reduce((a, b) => a.map((v, i) => v + b[i]!));
  return m.result(totals);
}

describe('auc', () => {
  // Keras's docstring example: thresholds [−ε, 0.5, 1 + ε]; tp = [2, 1, 0], fp = [2, 0, 0].
  const yTrue = tensor([0, 0, 1, 1], [4]);
  const yPred = tensor([0, 0.5, 0.3, 0.9], [4]);

  it('ROC with interpolation: the trapezoids of recall over the false positive rate', () => {
    const m = auc({ numThresholds: 3 });
    expect(m.name).toBe('auc');
    const s = stats(m, yTrue, yPred);
    expect(s).toEqual([2, 1, 0, 2, 0, 0, 2, 2]); // tp, fp, positives, negatives
    // recall [1, 0.5, 0], fpr [1, 0, 0]: (1 − 0)·(1 + 0.5)/2 + 0.
    expect(m.result(s)).toBeCloseTo(0.75, 12);
  });

  it('ROC and PR with minoring and majoring sums', () => {
    const s = stats(auc({ numThresholds: 3 }), yTrue, yPred);
    expect(auc({ numThresholds: 3, summationMethod: 'minoring' }).result(s)).toBeCloseTo(0.5, 12);
    expect(auc({ numThresholds: 3, summationMethod: 'majoring' }).result(s)).toBeCloseTo(1, 12);
    // PR: recall [1, 0.5, 0], precision [0.5, 1, 0 (no predicted positives)].
    expect(auc({ numThresholds: 3, curve: 'PR', summationMethod: 'minoring' }).result(s)).toBeCloseTo(0.25, 12);
    expect(auc({ numThresholds: 3, curve: 'PR', summationMethod: 'majoring' }).result(s)).toBeCloseTo(1, 12);
  });

  it("PR with Keras's interpolation (Davis & Goadrich)", () => {
    const m = auc({ numThresholds: 3, curve: 'PR' });
    // Predicted positives P = [4, 1, 0]. Interval 1: slope = Δtp/ΔP = 1/3, intercept = 1 − 1/3,
    // area (1/3)(1 + (2/3)·log 4)/2. Interval 2 starts at P = 0: slope 1, area 1·1/2.
    const expected = ((1 / 3) * (1 + (2 / 3) * Math.log(4))) / 2 + 0.5;
    expect(m.result(stats(m, yTrue, yPred))).toBeCloseTo(expected, 12);
  });

  it('with one prediction per threshold bucket, ROC-AUC is the exact rank statistic (ties count ½)', () => {
    const r = randomValues(60, 41);
    const labels = r.slice(0, 30).map((v) => (v > 0 ? 1 : 0));
    // Bucket centres between the 200 thresholds, skewed towards the positives, with ties.
    const preds = r.slice(30).map((v, i) => (Math.min(198, Math.max(0, Math.floor((v + 1) * 60 + labels[i]! * 50))) + 0.5) / 199);
    let wins = 0;
    let pairs = 0;
    labels.forEach((a, i) => labels.forEach((b, j) => {
      if (a === 1 && b === 0) {
        pairs++;
        wins += preds[i]! > preds[j]! ? 1 : preds[i] === preds[j] ? 0.5 : 0;
      }
    }));
    const m = auc();
    const batches: [Tensor, Tensor][] = [0, 10, 20].map((k) => [tensor(labels.slice(k, k + 10), [10, 1]), tensor(preds.slice(k, k + 10), [10, 1])]);
    expect(over(m, batches)).toBeCloseTo(wins / pairs, 6);
    // Batches add up: the statistics of the three batches are those of the whole set.
    expect(over(m, batches)).toBe(over(m, [[tensor(labels, [30, 1]), tensor(preds, [30, 1])]]));
  });

  it('fromLogits applies a sigmoid; soft targets count fractionally; multi-label outputs are flattened', () => {
    const logits = [-2, 0.3, -0.6, 2.5];
    const probs = logits.map((x) => 1 / (1 + Math.exp(-x)));
    expect(auc({ fromLogits: true }).result(stats(auc({ fromLogits: true }), yTrue, tensor(logits, [4]))))
      .toBe(auc().result(stats(auc(), yTrue, tensor(probs, [4]))));
    // A 0.5 target is half a positive and half a negative: tp [1.5, 0], fp [0.5, 0], positives 1.5, negatives 0.5.
    expect(stats(auc({ numThresholds: 2 }), tensor([0.5, 1], [2]), tensor([0.2, 0.9], [2]))).toEqual([1.5, 0, 0.5, 0, 1.5, 0.5]);
    const two = stats(auc({ numThresholds: 3 }), tensor([[0, 0], [1, 1]]), tensor([[0, 0.5], [0.3, 0.9]]));
    expect(two).toEqual(stats(auc({ numThresholds: 3 }), yTrue, yPred));
  });

  it('no positives or no negatives give 0 rather than NaN', () => {
    const m = auc({ numThresholds: 5 });
    expect(m.result(stats(m, tensor([0, 0], [2]), tensor([0.2, 0.7], [2])))).toBe(0);
    expect(auc({ numThresholds: 5, curve: 'PR' }).result(stats(m, tensor([0, 0], [2]), tensor([0.2, 0.7], [2])))).toBe(0);
  });

  it('checks its options and inputs', () => {
    expect(() => auc({ numThresholds: 1 })).toThrow('auc: numThresholds must be an integer >= 2, got number 1');
    expect(() => auc({ curve: 'pr' as 'PR' })).toThrow(`auc: curve must be 'ROC' or 'PR', got string "pr"`);
    expect(() => auc({ summationMethod: 'trapezoid' as 'minoring' })).toThrow(/auc: summationMethod must be 'interpolation', 'minoring' or 'majoring'/);
    expect(() => auc({ num_thresholds: 10 } as never)).toThrow(/auc: unknown option 'num_thresholds' \(did you mean 'numThresholds'\?\)/);
    expect(() => auc({ fromLogits: 1 as unknown as boolean })).toThrow(/auc: fromLogits must be true or false/);
    expect(() => stats(auc(), tensor([1, 0, 1], [3]), yPred)).toThrow('auc: yTrue [3] and yPred [4] must have the same shape');
    expect(auc({ name: 'pr_auc', curve: 'PR' }).name).toBe('pr_auc');
  });

  it('leaks nothing', () => {
    const m = auc();
    const before = memory().numTensors;
    stats(m, yTrue, yPred);
    expect(memory().numTensors).toBe(before);
    expect(() => m.statistics(tensor([1], [1]), yPred)).toThrow();
    expect(memory().numTensors).toBe(before + 1); // only the tensor made for the call
  });
});

describe('f1Score', () => {
  // Keras's docstring example (threshold 0.5): per class [0.5, 0.8, 2/3].
  const yTrue = tensor([[1, 1, 1], [1, 0, 0], [1, 1, 0]]);
  const yPred = tensor([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0]]);
  const perClass = [0.5, 0.8, 2 / 3];

  it('counts tp, fp and fn per class, and averages as asked', () => {
    const m = f1Score({ threshold: 0.5 });
    expect(m.name).toBe('f1_score');
    const s = stats(m, yTrue, yPred);
    expect(s).toEqual([1, 2, 1, 0, 1, 1, 2, 0, 0]);
    expect(m.result(s)).toBeCloseTo((perClass[0]! + perClass[1]! + perClass[2]!) / 3, 6); // macro, the default
    // micro: tp 4, fp 2, fn 2 over all classes.
    expect(f1Score({ threshold: 0.5, average: 'micro' }).result(s)).toBeCloseTo(2 / 3, 6);
    // weighted by support [3, 2, 1].
    expect(f1Score({ threshold: 0.5, average: 'weighted' }).result(s)).toBeCloseTo((3 * 0.5 + 2 * 0.8 + 2 / 3) / 6, 6);
  });

  it('without a threshold, the top class of each sample is predicted (ties all count), as in Keras', () => {
    // Predictions: row 1 class 2; row 2 classes 1 and 2 (tied at 0.6); row 3 class 1.
    // Class 0 is never predicted (3 false negatives); classes 1 and 2: one tp and one fp each.
    const s = stats(f1Score(), yTrue, yPred);
    expect(s).toEqual([0, 1, 1, 0, 1, 1, 3, 1, 0]);
  });

  it('binary: one output column, threshold 0.5 by default, over several batches', () => {
    const m = f1Score();
    const batches: [Tensor, Tensor][] = [
      [tensor([1, 0, 1, 1], [4]), tensor([[0.9], [0.6], [0.4], [0.7]])],
      [tensor([[0], [1]]), tensor([[0.2], [0.8]])],
    ];
    // tp 3, fp 1, fn 1: precision = recall = 3/4.
    expect(over(m, batches)).toBeCloseTo(0.75, 6);
    // At 0.65 (tp 3, fp 0, fn 1) it is still the harmonic mean of the precision and recall metrics.
    const p65 = over(precision({ threshold: 0.65 }), batches);
    const r65 = over(recall({ threshold: 0.65 }), batches);
    expect([p65, r65]).toEqual([1, 0.75]);
    expect(over(f1Score({ threshold: 0.65 }), batches)).toBeCloseTo((2 * p65 * r65) / (p65 + r65), 6);
    expect(m.result([0, 0, 0])).toBe(0);
  });

  it('checks its options and inputs', () => {
    expect(() => f1Score({ average: 'samples' as 'micro' })).toThrow(`f1Score: average must be one of 'micro', 'macro', 'weighted', got string "samples"`);
    expect(() => f1Score({ threshold: NaN })).toThrow('f1Score: threshold must be a finite number, got number NaN');
    expect(() => f1Score({ beta: 2 } as never)).toThrow(/f1Score: unknown option 'beta'/);
    expect(() => stats(f1Score(), tensor([1, 2], [2], 'int32'), yPred)).toThrow('f1Score: yTrue [2] and yPred [3,3] must have the same shape');
  });
});

describe('top-k categorical accuracy', () => {
  const scores = tensor([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.9, 0.05, 0.05], [0.2, 0.7, 0.1]]);
  const labels = [2, 0, 1, 0];
  const oneHot = tensor(labels.flatMap((l) => [0, 1, 2].map((c) => (c === l ? 1 : 0))), [4, 3]);

  it('counts samples whose class is among the k highest scores; classes tied at the boundary are in', () => {
    // Classes scoring strictly higher than the label: 1, 1, 1, 1 → all in the top 2, none in the top 1.
    expect(stats(sparseTopKCategoricalAccuracy({ k: 2 }), tensor(labels, [4], 'int32'), scores)).toEqual([4, 4]);
    expect(stats(sparseTopKCategoricalAccuracy({ k: 1 }), tensor(labels, [4, 1]), scores)).toEqual([0, 4]);
    expect(stats(topKCategoricalAccuracy({ k: 2 }), oneHot, scores)).toEqual([4, 4]);
    expect(stats(topKCategoricalAccuracy({ k: 1 }), oneHot, scores)).toEqual([0, 4]);
    // Row 2's label 0 ties with class 1 at 0.3 below class 2: in the top 2 (one higher) however ties break.
    expect(stats(sparseTopKCategoricalAccuracy({ k: 2 }), tensor([1], [1], 'int32'), tensor([[0.3, 0.3, 0.4]]))).toEqual([1, 1]);
  });

  it('k = 1 is sparse categorical accuracy (no ties), and the default k is 5', () => {
    const p = tensor(randomValues(40, 51), [8, 5]);
    const l = tensor([0, 1, 2, 3, 4, 0, 1, 2], [8], 'int32');
    expect(stats(sparseTopKCategoricalAccuracy({ k: 1 }), l, p)).toEqual(stats(sparseCategoricalAccuracy(), l, p));
    expect(stats(sparseTopKCategoricalAccuracy(), l, p)).toEqual([8, 8]);
    expect(topKCategoricalAccuracy().name).toBe('top_k_categorical_accuracy');
    expect(sparseTopKCategoricalAccuracy({ name: 'top3' }).name).toBe('top3');
  });

  it('checks k and the shapes', () => {
    expect(() => topKCategoricalAccuracy({ k: 0 })).toThrow('topKCategoricalAccuracy: k must be a positive integer, got number 0');
    expect(() => sparseTopKCategoricalAccuracy({ k: 1.5 })).toThrow(/sparseTopKCategoricalAccuracy: k must be a positive integer/);
    expect(() => topKCategoricalAccuracy({ K: 3 } as never)).toThrow(/topKCategoricalAccuracy: unknown option 'K' \(did you mean 'k'\?\)/);
    expect(() => stats(sparseTopKCategoricalAccuracy(), tensor([1, 2], [2], 'int32'), scores)).toThrow(/labels \[2\] do not match predictions \[4,3\]/);
  });
});

describe('rootMeanSquaredError', () => {
  it('is the root of the mean over every sample of the epoch, not a mean of per-batch roots', () => {
    const m = rootMeanSquaredError();
    expect(m.name).toBe('rmse');
    // Batch 1: errors 1, 1 (root 1); batch 2: error 3 (root 3). RMSE = sqrt(11 / 3), not 2.
    const value = over(m, [[tensor([[0], [0]]), tensor([[1], [-1]])], [tensor([[1]]), tensor([[4]])]]);
    expect(value).toBeCloseTo(Math.sqrt(11 / 3), 6);
    expect(m.result([0, 0])).toBe(0);
  });
});

describe('names and options', () => {
  it('getMetric knows the Keras and camelCase names', () => {
    const table: [string, string][] = [
      ['auc', 'auc'], ['AUC', 'auc'], ['f1_score', 'f1_score'], ['f1', 'f1_score'], ['F1Score', 'f1_score'],
      ['top_k_categorical_accuracy', 'top_k_categorical_accuracy'], ['topKCategoricalAccuracy', 'top_k_categorical_accuracy'],
      ['sparse_top_k_categorical_accuracy', 'sparse_top_k_categorical_accuracy'], ['rmse', 'rmse'], ['root_mean_squared_error', 'rmse'],
      ['RootMeanSquaredError', 'rmse'], ['mean_absolute_error', 'mae'],
    ];
    for (const [id, name] of table) expect(getMetric(id).name, id).toBe(name);
    expect(getMetric('auc')).not.toBe(getMetric('auc'));
    expect(() => getMetric('auroc')).toThrow(/unknown metric 'auroc' \(known: accuracy, acc, binary_accuracy, .*f1_score, f1, auc, .*rmse/);
    expect(metrics.auc).toBe(auc);
    expect(metrics.rmse().name).toBe('rmse');
  });

  it('precision, recall and binary accuracy refuse unknown options (a Keras spelling included)', () => {
    expect(() => precision({ thresholds: 0.7 } as never)).toThrow(/precision: unknown option 'thresholds' \(did you mean 'threshold'\?\)/);
    expect(() => recall({ class_id: 1 } as never)).toThrow(/recall: unknown option 'class_id'/);
    expect(() => metrics.binaryAccuracy({ treshold: 0.2 } as never)).toThrow(/binaryAccuracy: unknown option 'treshold'/);
    expect(precision({ threshold: 0.7 }).name).toBe('precision');
  });
});
