import '@tessera/backend-cpu';
import { Random, sum, mul, tensor, type Tensor } from '@tessera/core';
import { variableGrads } from '@tessera/autograd';
import { expect } from 'vitest';
import type { Layer } from '../src/index.js';

/** Tolerance for float32 results compared with float64 references. */
export const TOL = 1e-4;

export function randomValues(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => r.uniform(lo, hi));
}

export function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  return tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape);
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = TOL): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) {
      throw new Error(`index ${i}: got ${a}, expected ${e} (tolerance ${tol})`);
    }
  }
}

export function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Row-major [m, k] · [k, n]. */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[i * n + j]! += a[i * k + p]! * b[p * n + j]!;
  return out;
}

export const sigmoidRef = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * Trains nothing: checks that a small loss built on the layer's output gives every trainable weight
 * a finite gradient that is not all zeros.
 */
export function expectGradientsFlow(layer: Layer, x: Tensor, training = true, seed = 99): void {
  const out = layer.apply(x, { training });
  const y = Array.isArray(out) ? out[0]! : out;
  const weights = tensor(randomValues(y.size, seed), [...y.shape]);
  if (Array.isArray(out)) out.forEach((t) => t.dispose());
  else out.dispose();
  const vars = layer.trainableWeights;
  expect(vars.length).toBeGreaterThan(0);
  const { value, grads } = variableGrads(() => {
    const o = layer.apply(x, { training });
    return sum(mul(Array.isArray(o) ? o[0]! : o, weights));
  }, vars);
  for (const v of vars) {
    const g = grads[v.name];
    expect(g, `gradient of ${v.name}`).toBeDefined();
    const gv = values(g!);
    expect(gv.every(Number.isFinite), `finite gradient of ${v.name}`).toBe(true);
    expect(gv.some((d) => d !== 0), `non-zero gradient of ${v.name}`).toBe(true);
    g!.dispose();
  }
  value.dispose();
  weights.dispose();
}
