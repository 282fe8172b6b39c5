import { checkGatherIndices, type DataType, type TypedArray } from '@tessera/core';
import type { CpuKernel, CpuKernelFn } from './kernel.js';
import { contiguousStrides, copyRun, sizeOf } from './kernel.js';

/** Tile edge of the blocked 2-D transpose: 32×32 values touch 32 cache lines on each side. */
const TILE = 32;

/**
 * out = x with dimensions permuted. Output dimensions are merged where the input walks them
 * contiguously in the same order, so e.g. [B,T,H,D] → [B,H,T,D] copies whole D-rows. When the
 * innermost two merged dimensions are swapped, they are copied in square tiles so that neither
 * the reads nor the writes stride through memory one value per cache line.
 */
function transpose(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void {
  if (out.length === 0) return;
  const inStrides = contiguousStrides(shape);
  const dims: number[] = [];
  const strides: number[] = [];
  for (const p of perm) {
    const d = shape[p]!;
    if (d === 1) continue;
    const st = inStrides[p]!;
    const last = dims.length - 1;
    if (last >= 0 && strides[last] === st * d) {
      dims[last]! *= d;
      strides[last] = st;
    } else {
      dims.push(d);
      strides.push(st);
    }
  }
  if (dims.length <= 1) {
    out.set(x);
    return;
  }
  const r = dims.length - 1;
  const n = dims[r]!;
  const sn = strides[r]!;
  const tiled = strides[r - 1] === 1;
  // Dimensions the odometer walks: all but the row, or all but the tiled pair.
  const outer = tiled ? r - 1 : r;
  const block = tiled ? dims[r - 1]! * n : n;
  const idx = new Int32Array(outer);
  let xi = 0;
  for (let oi = 0; oi < out.length; oi += block) {
    if (tiled) {
      const m = dims[r - 1]!;
      for (let i0 = 0; i0 < m; i0 += TILE) {
        const i1 = Math.min(m, i0 + TILE);
        for (let j0 = 0; j0 < n; j0 += TILE) {
          const j1 = Math.min(n, j0 + TILE);
          for (let i = i0; i < i1; i++) {
            const o = oi + i * n;
            const s = xi + i;
            for (let j = j0; j < j1; j++) out[o + j] = x[s + j * sn]!;
          }
        }
      }
    } else if (sn === 1) {
      copyRun(out, oi, x, xi, n);
    } else {
      for (let j = 0, s = xi; j < n; j++, s += sn) out[oi + j] = x[s]!;
    }
    for (let d = outer - 1; d >= 0; d--) {
      xi += strides[d]!;
      if (++idx[d]! < dims[d]!) break;
      idx[d] = 0;
      xi -= strides[d]! * dims[d]!;
    }
  }
}

const transposeKernel: CpuKernelFn<{ perm: number[] }> = ({ inputs: [x], attrs: { perm }, backend }) => {
  const shape = perm.map((p) => x!.shape[p]!);
  const out = backend.alloc(x!.dtype, sizeOf(shape));
  transpose(backend.data(x!.dataId), x!.shape, perm, out);
  return backend.output(out, shape, x!.dtype);
};

/**
 * Calls visit(inOffset, outOffset) for every row (last dimension) of `shape`, where the input is
 * laid out with `inStrides` from `inBase` and the output with `outStrides` from `outBase`.
 */
function forEachRow(shape: readonly number[], inBase: number, inStrides: readonly number[], outBase: number, outStrides: readonly number[], visit: (xi: number, oi: number) => void): void {
  if (sizeOf(shape) === 0) return;
  const outer = shape.length - 1;
  if (outer < 0) {
    visit(inBase, outBase);
    return;
  }
  const idx = new Int32Array(outer);
  let xi = inBase;
  let oi = outBase;
  const rows = sizeOf(shape.slice(0, outer));
  for (let r = 0; r < rows; r++) {
    visit(xi, oi);
    for (let d = outer - 1; d >= 0; d--) {
      xi += inStrides[d]!;
      oi += outStrides[d]!;
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
      xi -= inStrides[d]! * shape[d]!;
      oi -= outStrides[d]! * shape[d]!;
    }
  }
}

const sliceKernel: CpuKernelFn<{ begin: number[]; size: number[] }> = ({ inputs: [xInfo], attrs: { begin, size }, backend }) => {
  const x = backend.data(xInfo!.dataId);
  const out = backend.alloc(xInfo!.dtype, sizeOf(size));
  const inStrides = contiguousStrides(xInfo!.shape);
  const start = begin.reduce((s, b, i) => s + b * inStrides[i]!, 0);
  const n = size[size.length - 1] ?? 1;
  forEachRow(size, start, inStrides, 0, contiguousStrides(size), (xi, oi) => copyRun(out, oi, x, xi, n));
  return backend.output(out, [...size], xInfo!.dtype);
};

const concatKernel: CpuKernelFn<{ axis: number }> = ({ inputs, attrs: { axis }, backend }) => {
  const first = inputs[0]!;
  const shape = [...first.shape];
  shape[axis] = inputs.reduce((s, t) => s + t.shape[axis]!, 0);
  const out = backend.alloc(first.dtype, sizeOf(shape));
  // Every input is [outer, inner_k] with inner_k = its size from `axis` on; output rows interleave them.
  const outer = sizeOf(shape.slice(0, axis));
  const outInner = sizeOf(shape.slice(axis));
  let offset = 0;
  for (const t of inputs) {
    const x = backend.data(t.dataId);
    const inner = sizeOf(t.shape.slice(axis));
    for (let o = 0; o < outer; o++) copyRun(out, o * outInner + offset, x, o * inner, inner);
    offset += inner;
  }
  return backend.output(out, shape, first.dtype);
};

const padKernel: CpuKernelFn<{ paddings: [number, number][]; value: number }> = ({ inputs: [xInfo], attrs: { paddings, value }, backend }) => {
  const inShape = xInfo!.shape;
  const shape = inShape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const dtype = xInfo!.dtype;
  const out = backend.alloc(dtype, sizeOf(shape));
  const fillValue = dtype === 'bool' ? (value ? 1 : 0) : value;
  if (fillValue !== 0) out.fill(fillValue);
  const x = backend.data(xInfo!.dataId);
  const outStrides = contiguousStrides(shape);
  const start = paddings.reduce((s, p, i) => s + p[0] * outStrides[i]!, 0);
  const n = inShape[inShape.length - 1] ?? 1;
  forEachRow(inShape, 0, contiguousStrides(inShape), start, outStrides, (xi, oi) => copyRun(out, oi, x, xi, n));
  return backend.output(out, shape, dtype);
};

/**
 * Tiles dimension `d` onwards: writes the first copy of every sub-block recursively, then
 * duplicates the finished block reps[d]−1 times with copyWithin (a memmove).
 */
function tileInto(x: TypedArray, xi: number, out: TypedArray, oi: number, d: number, shape: readonly number[], reps: readonly number[], inStrides: readonly number[], outStrides: readonly number[]): void {
  const n = shape[d]!;
  if (d === shape.length - 1) copyRun(out, oi, x, xi, n);
  else for (let i = 0; i < n; i++) tileInto(x, xi + i * inStrides[d]!, out, oi + i * outStrides[d]!, d + 1, shape, reps, inStrides, outStrides);
  const len = n * outStrides[d]!;
  for (let r = 1; r < reps[d]!; r++) out.copyWithin(oi + r * len, oi, oi + len);
}

const tileKernel: CpuKernelFn<{ reps: number[] }> = ({ inputs: [xInfo], attrs: { reps }, backend }) => {
  const inShape = xInfo!.shape;
  const shape = inShape.map((d, i) => d * reps[i]!);
  const out = backend.alloc(xInfo!.dtype, sizeOf(shape));
  const x = backend.data(xInfo!.dataId);
  if (out.length > 0) {
    if (inShape.length === 0) out.set(x);
    else tileInto(x, 0, out, 0, 0, inShape, reps, contiguousStrides(inShape), contiguousStrides(shape));
  }
  return backend.output(out, shape, xInfo!.dtype);
};

const gatherKernel: CpuKernelFn<{ axis: number }> = ({ inputs: [xInfo, idxInfo], attrs: { axis }, backend }) => {
  const x = backend.data(xInfo!.dataId);
  const indices = backend.data(idxInfo!.dataId);
  const inShape = xInfo!.shape;
  const d = inShape[axis]!;
  checkGatherIndices(indices, idxInfo!.shape, inShape, axis);
  const shape = [...inShape.slice(0, axis), ...idxInfo!.shape, ...inShape.slice(axis + 1)];
  const out = backend.alloc(xInfo!.dtype, sizeOf(shape));
  const outer = sizeOf(inShape.slice(0, axis));
  const inner = sizeOf(inShape.slice(axis + 1));
  const k = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) copyRun(out, (o * k + j) * inner, x, (o * d + indices[j]!) * inner, inner);
  }
  return backend.output(out, shape, xInfo!.dtype);
};

const segmentSumKernel: CpuKernelFn<{ numSegments: number }> = ({ inputs: [xInfo, idsInfo], attrs: { numSegments }, backend }) => {
  const x = backend.data(xInfo!.dataId);
  const ids = backend.data(idsInfo!.dataId);
  const shape = [numSegments, ...xInfo!.shape.slice(1)];
  const inner = sizeOf(xInfo!.shape.slice(1));
  const isInt = xInfo!.dtype === 'int32';
  // Float sums accumulate in double precision, int sums wrap like int32.
  const acc = new Float64Array(sizeOf(shape));
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j]!;
    if (id < 0 || id >= numSegments) continue;
    const o = id * inner;
    const s = j * inner;
    if (isInt) for (let i = 0; i < inner; i++) acc[o + i] = (acc[o + i]! + x[s + i]!) | 0;
    else for (let i = 0; i < inner; i++) acc[o + i] += x[s + i]!;
  }
  const out = backend.alloc(xInfo!.dtype, acc.length);
  out.set(acc);
  return backend.output(out, shape, xInfo!.dtype);
};

/**
 * anything→bool is x != 0; every other conversion is the typed-array store itself, whose ToInt32
 * truncates float→int toward zero.
 */
const castKernel: CpuKernelFn<{ dtype: DataType }> = ({ inputs: [xInfo], attrs: { dtype }, backend }) => {
  const x = backend.data(xInfo!.dataId);
  const out = backend.alloc(dtype, x.length);
  if (dtype === 'bool') for (let i = 0; i < x.length; i++) out[i] = x[i] !== 0 ? 1 : 0;
  else out.set(x);
  return backend.output(out, [...xInfo!.shape], dtype);
};

export const shapeKernels: CpuKernel[] = [
  { name: 'Transpose', fn: transposeKernel },
  { name: 'Slice', fn: sliceKernel },
  { name: 'Concat', fn: concatKernel },
  { name: 'Pad', fn: padKernel },
  { name: 'Tile', fn: tileKernel },
  { name: 'Gather', fn: gatherKernel },
  { name: 'UnsortedSegmentSum', fn: segmentSumKernel },
  { name: 'Cast', fn: castKernel },
];
