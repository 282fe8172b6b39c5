import type { TypedArray } from '@tessera/core';
import { contiguousStrides, sizeOf } from './kernel.js';

/**
 * How up to three inputs broadcast into one output, reduced to the fewest loop dimensions:
 * output dimensions of size 1 are dropped and neighbours that every input walks through the same
 * way (all contiguous, or all broadcast) are merged. Same-shape and scalar operands thus become a
 * single dimension, i.e. one flat loop.
 */
export interface BroadcastLayout {
  outShape: number[];
  size: number;
  /** Loop dimensions, outermost first; the last one is the row that the inner loop runs. */
  dims: number[];
  /** strides[k][d]: the step of input k along dims[d], 0 where it is broadcast. */
  strides: number[][];
}

export function broadcastLayout(shapes: readonly (readonly number[])[]): BroadcastLayout {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const outShape = new Array<number>(rank);
  for (let d = 0; d < rank; d++) {
    let size = 1;
    for (const s of shapes) {
      const v = s[d - rank + s.length] ?? 1;
      // A 0 against a 1 broadcasts to 0 (NumPy), so the 1 must not win.
      if (v !== 1) size = v;
    }
    outShape[d] = size;
  }
  const inStrides = shapes.map((s) => contiguousStrides(s));
  const dims: number[] = [];
  const strides: number[][] = shapes.map(() => []);
  for (let d = 0; d < rank; d++) {
    const size = outShape[d]!;
    if (size === 1) continue;
    const step = shapes.map((s, k) => {
      const i = d - rank + s.length;
      return i < 0 || s[i] === 1 ? 0 : inStrides[k]![i]!;
    });
    const last = dims.length - 1;
    if (last >= 0 && step.every((st, k) => strides[k]![last] === st * size)) {
      dims[last] = dims[last]! * size;
      step.forEach((st, k) => (strides[k]![last] = st));
    } else {
      dims.push(size);
      step.forEach((st, k) => strides[k]!.push(st));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    strides.forEach((s) => s.push(0));
  }
  return { outShape, size: sizeOf(outShape), dims, strides };
}

/**
 * The inner loop of an elementwise kernel: writes o[oi .. oi+n) from inputs walked from ia/ib/ic
 * by steps sa/sb/sc (0 or 1). Binary kernels ignore the third input.
 */
export type RowFn = (
  o: TypedArray, oi: number, n: number,
  a: TypedArray, ia: number, sa: number,
  b: TypedArray, ib: number, sb: number,
  c: TypedArray, ic: number, sc: number,
) => void;

/**
 * Runs `row` over every row of the layout. The outer dimensions advance like an odometer with
 * precomputed strides, so no element index is ever divided back into coordinates.
 */
export function runRows(layout: BroadcastLayout, out: TypedArray, inputs: readonly TypedArray[], row: RowFn): void {
  const { dims, strides, size } = layout;
  if (size === 0) return;
  const r = dims.length - 1;
  const n = dims[r]!;
  const a = inputs[0]!;
  const b = inputs[1] ?? a;
  const c = inputs[2] ?? a;
  const zeros = dims.map(() => 0);
  const sA = strides[0]!;
  const sB = strides[1] ?? zeros;
  const sC = strides[2] ?? zeros;
  const sa = sA[r]!;
  const sb = sB[r]!;
  const sc = sC[r]!;
  if (r === 0) {
    row(out, 0, n, a, 0, sa, b, 0, sb, c, 0, sc);
    return;
  }
  const idx = new Int32Array(r);
  let ia = 0;
  let ib = 0;
  let ic = 0;
  for (let oi = 0; oi < size; oi += n) {
    row(out, oi, n, a, ia, sa, b, ib, sb, c, ic, sc);
    for (let d = r - 1; d >= 0; d--) {
      ia += sA[d]!;
      ib += sB[d]!;
      ic += sC[d]!;
      if (++idx[d]! < dims[d]!) break;
      idx[d] = 0;
      ia -= sA[d]! * dims[d]!;
      ib -= sB[d]! * dims[d]!;
      ic -= sC[d]! * dims[d]!;
    }
  }
}
