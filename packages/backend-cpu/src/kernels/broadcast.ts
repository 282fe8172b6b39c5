import { broadcastLoops, type BroadcastLoops, type TypedArray } from '@tessera/core';

/** The loop layout of a broadcasting kernel (core's `broadcastLoops`). */
export type BroadcastLayout = BroadcastLoops;
export const broadcastLayout = broadcastLoops;

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
