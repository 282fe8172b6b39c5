// Principal components by power iteration with deflation, for drawing embeddings in 2-D.

import { Random } from '@tessera/core';

export interface Pca {
  /** The data's mean, subtracted before projecting. */
  mean: Float64Array;
  /** Unit principal directions, largest variance first (each a vector of the data's dimension). */
  components: Float64Array[];
  /** The variance along each component (its covariance eigenvalue). */
  variances: number[];
  /** Every row projected on the components: projections[i][k]. */
  projections: number[][];
}

export interface PcaOptions {
  /** Components to find (default 2). */
  components?: number;
  /** Power-iteration steps per component at most (default 500). */
  maxIterations?: number;
  /** Stop when the direction moves less than this between steps (default 1e-10). */
  tolerance?: number;
  /** Seed of the starting vectors (default 1). */
  seed?: number;
}

/**
 * PCA of `rows` (n vectors of dimension d, n ≥ 2): the covariance matrix C (d × d, float64) is
 * built once; each component is the fixed point of v ← C·v / ‖C·v‖ from a seeded random start,
 * then C is deflated (C ← C − λ·v·vᵀ) so the next iteration finds the next direction. Each
 * component's sign is fixed (its largest-magnitude entry positive) so plots do not flip between runs.
 */
export function pca(rows: ArrayLike<number>[], options: PcaOptions = {}): Pca {
  const n = rows.length;
  if (n < 2) throw new Error(`pca: needs at least 2 rows, got ${n}`);
  const d = rows[0]!.length;
  const k = options.components ?? 2;
  if (!Number.isInteger(k) || k < 1 || k > d) throw new Error(`pca: components must be an integer from 1 to the dimension ${d}, got ${k}`);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new Error(`pca: row ${i} has ${r.length} values, row 0 has ${d}`);
    for (let j = 0; j < d; j++) if (!Number.isFinite(r[j]!)) throw new Error(`pca: row ${i} holds ${r[j]} at ${j}; every value must be finite`);
  });
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-10;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j]! += r[j]! / n;
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (const r of rows) {
    for (let j = 0; j < d; j++) centred[j] = r[j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ca = centred[a]!;
      if (ca === 0) continue;
      for (let b = 0; b < d; b++) cov[a * d + b]! += (ca * centred[b]!) / (n - 1);
    }
  }
  const rng = new Random(options.seed ?? 1);
  const components: Float64Array[] = [];
  const variances: number[] = [];
  for (let c = 0; c < k; c++) {
    let v: Float64Array = new Float64Array(d);
    for (let j = 0; j < d; j++) v[j] = rng.next() - 0.5;
    normalise(v);
    let lambda = 0;
    for (let it = 0; it < maxIterations; it++) {
      const w = multiply(cov, v, d);
      lambda = dot(v, w);
      const norm = Math.hypot(...w);
      if (norm < 1e-300) break; // no variance left in any direction
      for (let j = 0; j < d; j++) w[j]! /= norm;
      // Compare up to sign: an eigenvalue of 0 or a negative rounding can flip the iterate.
      const moved = Math.min(distance(v, w), distance(v, w.map((x) => -x)));
      v = w;
      if (moved < tolerance) break;
    }
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
    if (v[big]! < 0) for (let j = 0; j < d; j++) v[j] = -v[j]!;
    lambda = Math.max(lambda, 0);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b]! -= lambda * v[a]! * v[b]!;
    components.push(v);
    variances.push(lambda);
  }
  const projections = rows.map((r) => components.map((v) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += (r[j]! - mean[j]!) * v[j]!;
    return s;
  }));
  return { mean, components, variances, projections };
}

function multiply(m: Float64Array, v: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let a = 0; a < d; a++) {
    let s = 0;
    for (let b = 0; b < d; b++) s += m[a * d + b]! * v[b]!;
    out[a] = s;
  }
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j]! * b[j]!;
  return s;
}

function normalise(v: Float64Array): void {
  const norm = Math.hypot(...v) || 1;
  for (let j = 0; j < v.length; j++) v[j]! /= norm;
}

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) ** 2;
  return Math.sqrt(s);
}
