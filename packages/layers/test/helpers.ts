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

export type Pad = 'valid' | 'same';

/** Output size and the padding before, TensorFlow's rule. */
export function geometry(size: number, k: number, s: number, d: number, padding: Pad): [number, number] {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return [Math.floor((size - eff) / s) + 1, 0];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max((out - 1) * s + eff - size, 0) / 2)];
}

/**
 * Visits each tap of a [kh, kw] window (strides, dilation, TensorFlow's padding) that lands inside
 * an NHWC input [n, h, w, ...]: `visit(out, at, tap)` with out the output cell (b·oh + i)·ow + j, at
 * the input cell (b·h + y)·w + z and tap u·kw + v; the taps of each output cell come in (u, v) order.
 */
export function forEachTap(
  [n, h, w]: number[], [kh, kw]: number[], [sh, sw]: number[], [dh, dw]: number[], padding: Pad, visit: (out: number, at: number, tap: number) => void,
): void {
  const [oh, pt] = geometry(h, kh, sh, dh, padding);
  const [ow, pl] = geometry(w, kw, sw, dw, padding);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let u = 0; u < kh; u++)
          for (let v = 0; v < kw; v++) {
            const y = i * sh + u * dh - pt;
            const z = j * sw + v * dw - pl;
            if (y >= 0 && y < h && z >= 0 && z < w) visit((b * oh + i) * ow + j, (b * h + y) * w + z, u * kw + v);
          }
}

/** Max or mean over each window of an NHWC input, counting only the cells inside the input (TensorFlow's 'same'). */
export function poolRef(x: number[], [n, h, w, c]: number[], pool: number[], strides: number[], padding: Pad, kind: 'max' | 'avg'): { out: number[]; shape: number[] } {
  const [oh] = geometry(h, pool[0]!, strides[0]!, 1, padding);
  const [ow] = geometry(w, pool[1]!, strides[1]!, 1, padding);
  const cells = Array.from({ length: n * oh * ow * c }, (): number[] => []);
  forEachTap([n, h, w], pool, strides, [1, 1], padding, (out, at) => {
    for (let ch = 0; ch < c; ch++) cells[out * c + ch]!.push(x[at * c + ch]!);
  });
  return { out: cells.map((v) => (kind === 'max' ? Math.max(...v) : v.reduce((a, q) => a + q, 0) / v.length)), shape: [n, oh, ow, c] };
}

/** Mean and maximum over the middle axis of values laid out [batch, cells, channels]. */
export function globalPoolRef(v: number[], batch: number, cells: number, channels: number): { avg: number[]; max: number[] } {
  const avg: number[] = [];
  const max: number[] = [];
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < channels; c++) {
      const window = Array.from({ length: cells }, (_, k) => v[(b * cells + k) * channels + c]!);
      avg.push(window.reduce((a, q) => a + q, 0) / cells);
      max.push(Math.max(...window));
    }
  return { avg, max };
}

/**
 * Applies `layer` to `x` and checks the output and computeOutputShape against `reference`, which
 * gets the built layer (for its weights). Disposes the output and the layer.
 */
export function expectMatchesReference<L extends Layer>(layer: L, x: Tensor, reference: (layer: L) => { out: number[]; shape: number[] }): void {
  const y = layer.apply(x) as Tensor;
  const ref = reference(layer);
  expect(y.shape).toEqual(ref.shape);
  expect(layer.computeOutputShape([null, ...x.shape.slice(1)])).toEqual([null, ...ref.shape.slice(1)]);
  expectClose(values(y), ref.out);
  y.dispose();
  layer.dispose();
}
