import { Random, setBackend, type Tensor } from '@tessera/core';
import { beforeAll, expect } from 'vitest';
import '../src/index.js';

/** float32 kernels against float64 references: relative error bound, with an absolute floor near zero. */
export const TOL = 1e-5;

/** Activates a backend for the file's tests. */
export function useBackend(name: 'cpu' | 'cpu64' = 'cpu'): void {
  beforeAll(async () => {
    expect(await setBackend(name)).toBe(true);
  });
}

export function uniform(r: Random, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => r.uniform(lo, hi));
}

export function ints(r: Random, n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, () => lo + r.int(hi - lo));
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Row-major strides. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Multi-index of flat index i. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

/** Asserts |a − e| ≤ tol·max(1, |e|) elementwise (NaN matches NaN), naming the first bad element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = TOL): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) expect.fail(`element ${i}: got ${a}, expected NaN`);
      continue;
    }
    if (a === e) continue;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) expect.fail(`element ${i}: got ${a}, expected ${e} (tolerance ${tol})`);
  }
}

export function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}
