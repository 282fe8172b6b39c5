import { describe, expect, it } from 'vitest';
import { applyNormalization, fitMeanStd, fitMinMax, labelCounts, normalize, oneHotLabels, trainValidationSplit } from '../src/index.js';

const close = (a: ArrayLike<number>, b: number[], eps = 1e-6): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(eps);
};

describe('normalisation', () => {
  // Three rows of two features: feature 0 = 1, 2, 3; feature 1 = 10, 10, 10 (constant).
  const xs = new Float32Array([1, 10, 2, 10, 3, 10]);

  it('min-max maps each feature to [0, 1] and constant features to 0', () => {
    const { values, stats } = normalize(xs, [3, 2], 'minmax');
    close(values, [0, 0, 0.5, 0, 1, 0]);
    expect(stats.kind).toBe('minmax');
    close(applyNormalization(new Float32Array([4, 10]), [1, 2], stats), [1.5, 0]);
  });

  it('mean/std standardises each feature (population std); constant features are only centred', () => {
    const stats = fitMeanStd(xs, [3, 2]);
    if (stats.kind !== 'meanstd') throw new Error('expected mean/std statistics');
    close(stats.mean, [2, 10]);
    close(stats.std, [Math.sqrt(2 / 3), 0]);
    const { values } = normalize(xs, [3, 2], stats);
    const s = Math.sqrt(3 / 2);
    close(values, [-s, 0, 0, 0, s, 0], 1e-5);
  });

  it('perFeature: false fits one statistic for all values', () => {
    const stats = fitMinMax(xs, [3, 2], { perFeature: false });
    if (stats.kind !== 'minmax') throw new Error('expected min-max statistics');
    expect([...stats.min, ...stats.max]).toEqual([1, 10]);
    close(applyNormalization(xs, [3, 2], stats), [0, 1, 1 / 9, 1, 2 / 9, 1]);
  });

  it('checks shapes and methods', () => {
    const stats = fitMinMax(xs, [3, 2]);
    expect(() => applyNormalization(new Float32Array(3), [1, 3], stats)).toThrow(/statistics have 2 features but rows of shape \[1,3\] have 3 values/);
    expect(() => normalize(xs, [3, 2], 'zscore' as 'minmax')).toThrow(/expected 'minmax', 'meanstd' or fitted statistics/);
    expect(() => fitMeanStd(new Float32Array(0), [0, 2])).toThrow(/empty array/);
  });
});

describe('oneHotLabels and labelCounts', () => {
  it('encode and count labels, rejecting out-of-range ones', () => {
    expect([...oneHotLabels([2, 0], 3)]).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHotLabels([0, 3], 3)).toThrow(/label 3 at index 1 is not an integer in \[0, 3\)/);
    expect(labelCounts(new Uint8Array([1, 1, 0, 2]), 3)).toEqual([1, 2, 1]);
  });
});

describe('trainValidationSplit', () => {
  const n = 20;
  const data = { xs: Float32Array.from({ length: n * 2 }, (_, i) => i), xsShape: [n, 2], ys: Int32Array.from({ length: n }, (_, i) => i), ysShape: [n] };

  it('splits rows, keeping x and y paired, reproducibly from the seed', () => {
    const { train, validation } = trainValidationSplit(data, { validationFraction: 0.25, seed: 3 });
    expect(train.xsShape).toEqual([15, 2]);
    expect(validation.ysShape).toEqual([5]);
    expect(validation.ys).toBeInstanceOf(Int32Array);
    const ids = [...train.ys, ...validation.ys];
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    validation.ys.forEach((id, k) => expect([validation.xs[2 * k], validation.xs[2 * k + 1]]).toEqual([2 * id, 2 * id + 1]));
    expect(trainValidationSplit(data, { validationFraction: 0.25, seed: 3 })).toEqual({ train, validation });
    expect(trainValidationSplit(data, { validationFraction: 0.25, seed: 4 }).validation.ys).not.toEqual(validation.ys);
  });

  it('without shuffling keeps the last rows for validation', () => {
    const { validation } = trainValidationSplit(data, { validationFraction: 0.1, shuffle: false });
    expect([...validation.ys]).toEqual([18, 19]);
    expect(() => trainValidationSplit(data, { validationFraction: 0.01 })).toThrow(/leaves no validation rows/);
    expect(() => trainValidationSplit(data, { validationFraction: 1 })).toThrow(/must be in \(0, 1\), got 1/);
  });
});
