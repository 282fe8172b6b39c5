import { checkGatherIndices, type DataType, type TensorInfo } from '@tessera/core';
import { bytesPerValue, dtypeCode, type WasmBackend } from '../backend.js';
import type { WasmKernel, WasmKernelFn } from './kernel.js';
import { contiguousStrides, sizeOf } from './kernel.js';

/**
 * Runs the module's strided copy: dst[Σ i·dstStride] = src[Σ i·srcStride] over `dims`. Size-1
 * dimensions are dropped and neighbours both sides walk contiguously together are merged, so
 * most copies become a few long memmoves.
 */
function copyStrided(backend: WasmBackend, dtype: DataType, dst: number, src: number, dims: number[], ss: number[], ds: number[]): void {
  const md: number[] = [];
  const ms: number[] = [];
  const mdst: number[] = [];
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!;
    if (d === 0) return;
    if (d === 1) continue;
    const last = md.length - 1;
    if (last >= 0 && ms[last] === ss[i]! * d && mdst[last] === ds[i]! * d) {
      md[last] = md[last]! * d;
      ms[last] = ss[i]!;
      mdst[last] = ds[i]!;
    } else {
      md.push(d);
      ms.push(ss[i]!);
      mdst.push(ds[i]!);
    }
  }
  if (md.length === 0) {
    md.push(1);
    ms.push(1);
    mdst.push(1);
  }
  const nd = md.length;
  const words = backend.args([...md, ...ms, ...mdst, ...new Array<number>(nd).fill(0)]);
  backend.kernels.copyNd(bytesPerValue(dtype), dst, src, words, nd);
}

const transposeKernel: WasmKernelFn<{ perm: number[] }> = ({ inputs: [x], attrs: { perm }, backend }) => {
  const shape = perm.map((p) => x!.shape[p]!);
  const out = backend.empty(shape, x!.dtype);
  const inStrides = contiguousStrides(x!.shape);
  copyStrided(backend, x!.dtype, backend.ptr(out), backend.ptr(x!), shape, perm.map((p) => inStrides[p]!), contiguousStrides(shape));
  return out;
};

const sliceKernel: WasmKernelFn<{ begin: number[]; size: number[] }> = ({ inputs: [x], attrs: { begin, size }, backend }) => {
  const out = backend.empty([...size], x!.dtype);
  const inStrides = contiguousStrides(x!.shape);
  const start = begin.reduce((s, b, i) => s + b * inStrides[i]!, 0);
  const esz = bytesPerValue(x!.dtype);
  copyStrided(backend, x!.dtype, backend.ptr(out), backend.ptr(x!) + start * esz, [...size], inStrides, contiguousStrides(size));
  return out;
};

const concatKernel: WasmKernelFn<{ axis: number }> = ({ inputs, attrs: { axis }, backend }) => {
  const first = inputs[0]!;
  const shape = [...first.shape];
  shape[axis] = inputs.reduce((s, t) => s + t.shape[axis]!, 0);
  const out = backend.empty(shape, first.dtype);
  // Every input is [outer, inner_k]; output rows interleave them.
  const outer = sizeOf(shape.slice(0, axis));
  const outInner = sizeOf(shape.slice(axis));
  const esz = bytesPerValue(first.dtype);
  let offset = 0;
  for (const t of inputs) {
    const inner = sizeOf(t.shape.slice(axis));
    copyStrided(backend, first.dtype, backend.ptr(out) + offset * esz, backend.ptr(t), [outer, inner], [inner, 1], [outInner, 1]);
    offset += inner;
  }
  return out;
};

/** The bit pattern of `value` stored as dtype. */
function bitsOf(value: number, dtype: DataType): number {
  if (dtype === 'bool') return value ? 1 : 0;
  if (dtype === 'int32') return value | 0;
  return new Int32Array(new Float32Array([value]).buffer)[0]!;
}

const padKernel: WasmKernelFn<{ paddings: [number, number][]; value: number }> = ({ inputs: [x], attrs: { paddings, value }, backend }) => {
  const inShape = x!.shape;
  const shape = inShape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const dtype = x!.dtype;
  const out = backend.empty(shape, dtype);
  const size = sizeOf(shape);
  if (size === 0) return out;
  backend.kernels.fill(bytesPerValue(dtype), backend.ptr(out), bitsOf(value, dtype), size);
  const outStrides = contiguousStrides(shape);
  const start = paddings.reduce((s, p, i) => s + p[0] * outStrides[i]!, 0);
  copyStrided(backend, dtype, backend.ptr(out) + start * bytesPerValue(dtype), backend.ptr(x!), [...inShape], contiguousStrides(inShape), outStrides);
  return out;
};

/** Tiling as one strided copy over [rep₀, d₀, rep₁, d₁, …]: the source ignores the rep indices. */
const tileKernel: WasmKernelFn<{ reps: number[] }> = ({ inputs: [x], attrs: { reps }, backend }) => {
  const inShape = x!.shape;
  const shape = inShape.map((d, i) => d * reps[i]!);
  const out = backend.empty(shape, x!.dtype);
  const inStrides = contiguousStrides(inShape);
  const outStrides = contiguousStrides(shape);
  const dims: number[] = [];
  const ss: number[] = [];
  const ds: number[] = [];
  inShape.forEach((d, i) => {
    dims.push(reps[i]!, d);
    ss.push(0, inStrides[i]!);
    ds.push(d * outStrides[i]!, outStrides[i]!);
  });
  copyStrided(backend, x!.dtype, backend.ptr(out), backend.ptr(x!), dims, ss, ds);
  return out;
};

const gatherKernel: WasmKernelFn<{ axis: number }> = ({ inputs: [x, indices], attrs: { axis }, backend }) => {
  const inShape = x!.shape;
  const d = inShape[axis]!;
  const k = sizeOf(indices!.shape);
  const i32 = backend.i32();
  const base = backend.ptr(indices!) >>> 2;
  checkGatherIndices(i32, indices!.shape, inShape, axis, base);
  const shape = [...inShape.slice(0, axis), ...indices!.shape, ...inShape.slice(axis + 1)];
  const out = backend.empty(shape, x!.dtype);
  const outer = sizeOf(inShape.slice(0, axis));
  const inner = sizeOf(inShape.slice(axis + 1));
  if (sizeOf(shape) > 0) {
    backend.kernels.gather(bytesPerValue(x!.dtype), backend.ptr(out), backend.ptr(x!), backend.ptr(indices!), outer, d, k, inner);
  }
  return out;
};

const segmentSumKernel: WasmKernelFn<{ numSegments: number }> = ({ inputs: [x, ids], attrs: { numSegments }, backend }) => {
  const shape = [numSegments, ...x!.shape.slice(1)];
  const out = backend.empty(shape, x!.dtype);
  const inner = sizeOf(x!.shape.slice(1));
  const total = numSegments * inner;
  if (total === 0) return out;
  const rows = sizeOf(ids!.shape);
  backend.withScratch(x!.dtype === 'float32' ? total * 8 : 16, (acc) => {
    backend.kernels.segmentSum(dtypeCode(x!.dtype), backend.ptr(out), backend.ptr(x!), backend.ptr(ids!), rows, inner, numSegments, acc);
  });
  return out;
};

const castKernel: WasmKernelFn<{ dtype: DataType }> = ({ inputs: [x], attrs: { dtype }, backend }): TensorInfo => {
  const out = backend.empty([...x!.shape], dtype);
  const n = sizeOf(x!.shape);
  if (n > 0) backend.kernels.cast(dtypeCode(x!.dtype), dtypeCode(dtype), backend.ptr(out), backend.ptr(x!), n);
  return out;
};

export const shapeKernels: WasmKernel[] = [
  { name: 'Transpose', fn: transposeKernel },
  { name: 'Slice', fn: sliceKernel },
  { name: 'Concat', fn: concatKernel },
  { name: 'Pad', fn: padKernel },
  { name: 'Tile', fn: tileKernel },
  { name: 'Gather', fn: gatherKernel },
  { name: 'UnsortedSegmentSum', fn: segmentSumKernel },
  { name: 'Cast', fn: castKernel },
];
