import { TesseraError } from '@tessera/core';
import { checkRows, rowSize } from './arrays.js';

/**
 * Fitted normalisation parameters, one entry per feature (per value of a row), or a single entry
 * for the whole array when fitted with `perFeature: false`.
 */
export type NormalizationStats =
  | { kind: 'minmax'; min: Float32Array; max: Float32Array }
  | { kind: 'meanstd'; mean: Float32Array; std: Float32Array };

export type NormalizationMethod = 'minmax' | 'meanstd';

export interface FitOptions {
  /** One statistic per feature (column), default true; false fits one for all values. */
  perFeature?: boolean;
}

function groups(op: string, xs: ArrayLike<number>, shape: readonly number[], options: FitOptions): number {
  checkRows(op, 'xs', xs, shape);
  if (xs.length === 0) throw new TesseraError(`${op}: cannot fit statistics to an empty array (shape [${shape.join(',')}])`);
  return options.perFeature === false ? 1 : rowSize(shape);
}

/** Per-feature minimum and maximum over the rows of xs [n, ...]. */
export function fitMinMax(xs: ArrayLike<number>, shape: readonly number[], options: FitOptions = {}): NormalizationStats {
  const f = groups('fitMinMax', xs, shape, options);
  const min = new Float32Array(f).fill(Infinity);
  const max = new Float32Array(f).fill(-Infinity);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    const k = i % f;
    if (v < min[k]!) min[k] = v;
    if (v > max[k]!) max[k] = v;
  }
  return { kind: 'minmax', min, max };
}

/** Per-feature mean and (population) standard deviation over the rows of xs [n, ...], accumulated in float64. */
export function fitMeanStd(xs: ArrayLike<number>, shape: readonly number[], options: FitOptions = {}): NormalizationStats {
  const f = groups('fitMeanStd', xs, shape, options);
  const count = xs.length / f;
  const sum = new Float64Array(f);
  for (let i = 0; i < xs.length; i++) sum[i % f] += xs[i]!;
  const mean = sum.map((s) => s / count);
  const sq = new Float64Array(f);
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i]! - mean[i % f]!;
    sq[i % f] += d * d;
  }
  return { kind: 'meanstd', mean: Float32Array.from(mean), std: Float32Array.from(sq, (s) => Math.sqrt(s / count)) };
}

/**
 * Applies fitted statistics: min-max maps each feature to [0, 1] ((x - min) / (max - min), 0 where
 * the feature is constant); mean/std gives (x - mean) / std (x - mean where std is 0).
 */
export function applyNormalization(xs: ArrayLike<number>, shape: readonly number[], stats: NormalizationStats): Float32Array {
  checkRows('applyNormalization', 'xs', xs, shape);
  const f = stats.kind === 'minmax' ? stats.min.length : stats.mean.length;
  if (f !== 1 && f !== rowSize(shape)) {
    throw new TesseraError(`applyNormalization: the statistics have ${f} features but rows of shape [${shape.join(',')}] have ${rowSize(shape)} values`);
  }
  const out = new Float32Array(xs.length);
  if (stats.kind === 'minmax') {
    for (let i = 0; i < xs.length; i++) {
      const k = i % f;
      const range = stats.max[k]! - stats.min[k]!;
      out[i] = range > 0 ? (xs[i]! - stats.min[k]!) / range : 0;
    }
  } else {
    for (let i = 0; i < xs.length; i++) {
      const k = i % f;
      const s = stats.std[k]!;
      out[i] = (xs[i]! - stats.mean[k]!) / (s > 0 ? s : 1);
    }
  }
  return out;
}

/**
 * Normalises xs [n, ...]: with a method name the statistics are fitted to xs; with fitted
 * statistics (e.g. the training set's) they are applied as they are. Returns the values and the
 * statistics used.
 */
export function normalize(
  xs: ArrayLike<number>,
  shape: readonly number[],
  methodOrStats: NormalizationMethod | NormalizationStats,
  options: FitOptions = {},
): { values: Float32Array; stats: NormalizationStats } {
  let stats: NormalizationStats;
  if (methodOrStats === 'minmax') stats = fitMinMax(xs, shape, options);
  else if (methodOrStats === 'meanstd') stats = fitMeanStd(xs, shape, options);
  else if (methodOrStats && (methodOrStats.kind === 'minmax' || methodOrStats.kind === 'meanstd')) stats = methodOrStats;
  else throw new TesseraError(`normalize: expected 'minmax', 'meanstd' or fitted statistics, got ${JSON.stringify(methodOrStats)}`);
  return { values: applyNormalization(xs, shape, stats), stats };
}
