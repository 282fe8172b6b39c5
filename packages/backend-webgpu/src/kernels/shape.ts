import { checkGatherIndices, fmtShape, type TensorInfo } from '@tessera/core';
import { groupsFor, type GPUData, type WebGPUBackend } from '../backend.js';
import { WG, bindings, flatMain, wgslType } from '../wgsl.js';
import type { WebGPUKernel, WebGPUKernelFn } from './kernel.js';
import { sizeOf, stridesOf } from './kernel.js';

// Layout kernels move 4-byte words whatever the dtype, so one pipeline serves float32, int32 and bool.

/**
 * Folds a strided view (output extents, input strides) into fewest dimensions: size-1 dimensions
 * go, and a dimension merges into the previous one when the input walks both contiguously.
 */
function foldView(shape: readonly number[], strides: readonly number[]): { shape: number[]; strides: number[] } {
  const s: number[] = [];
  const st: number[] = [];
  shape.forEach((n, d) => {
    if (n === 1) return;
    const last = s.length - 1;
    if (last >= 0 && st[last] === strides[d]! * n) {
      s[last]! *= n;
      st[last] = strides[d]!;
    } else {
      s.push(n);
      st.push(strides[d]!);
    }
  });
  return { shape: s, strides: st };
}

/** out[i] = x[base + Σ idx_d·stride_d] over the output's multi-index: transpose and slice. */
function stridedCopy(backend: WebGPUBackend, x: TensorInfo, outShape: number[], base: number, strides: number[]): TensorInfo {
  const out = backend.output(outShape, x.dtype);
  const n = sizeOf(outShape);
  if (n === 0) return out;
  const v = foldView(outShape, strides);
  const src = backend.data(x);
  const dst = backend.data(out);
  if (v.shape.length === 0 || (v.shape.length === 1 && v.strides[0] === 1)) {
    backend.copy(src, base * 4, dst, 0, n * 4);
    return out;
  }
  const r = v.shape.length;
  backend.run(
    `strided:r${r}`,
    () => `${bindings('u32', ['u32'])}${flatMain(WG, `  var rem = i;
  var off = P[2];
  for (var d = ${r - 1}; d >= 0; d = d - 1) {
    let s = P[3 + d];
    off = off + (rem % s) * P[${3 + r} + d];
    rem = rem / s;
  }
  Y[i] = X0[off];`)}`,
    dst,
    [src],
    [n, r, base, ...v.shape, ...v.strides],
    groupsFor(n, WG),
  );
  return out;
}

const transposeKernel: WebGPUKernelFn<{ perm: number[] }> = ({ inputs: [x], attrs: { perm }, backend }) => {
  const inStrides = stridesOf(x!.shape);
  return stridedCopy(backend, x!, perm.map((p) => x!.shape[p]!), 0, perm.map((p) => inStrides[p]!));
};

const sliceKernel: WebGPUKernelFn<{ begin: number[]; size: number[] }> = ({ inputs: [x], attrs: { begin, size }, backend }) => {
  const inStrides = stridesOf(x!.shape);
  const base = begin.reduce((s, b, i) => s + b * inStrides[i]!, 0);
  return stridedCopy(backend, x!, [...size], base, inStrides);
};

/** Writes x as rows of `inner` words into rows of `outInner` words of out, starting at column `offset`. */
function place(backend: WebGPUBackend, x: GPUData, out: GPUData, outer: number, inner: number, outInner: number, offset: number): void {
  const n = outer * inner;
  if (n === 0) return;
  if (outer === 1 || inner === outInner) {
    backend.copy(x, 0, out, offset * 4, n * 4);
    return;
  }
  backend.run(
    'place',
    () => `${bindings('u32', ['u32'])}${flatMain(WG, `  let inner = P[1];
  Y[(i / inner) * P[2] + P[3] + i % inner] = X0[i];`)}`,
    out,
    [x],
    [n, inner, outInner, offset],
    groupsFor(n, WG),
  );
}

const concatKernel: WebGPUKernelFn<{ axis: number }> = ({ inputs, attrs: { axis }, backend }) => {
  const first = inputs[0]!;
  const shape = [...first.shape];
  shape[axis] = inputs.reduce((s, t) => s + t.shape[axis]!, 0);
  const out = backend.output(shape, first.dtype);
  if (sizeOf(shape) === 0) return out;
  const outer = sizeOf(shape.slice(0, axis));
  const outInner = sizeOf(shape.slice(axis));
  let offset = 0;
  for (const t of inputs) {
    const inner = sizeOf(t.shape.slice(axis));
    place(backend, backend.data(t), backend.data(out), outer, inner, outInner, offset);
    offset += inner;
  }
  return out;
};

/** The bit pattern of a fill value in a dtype's storage. */
function bitsOf(value: number, dtype: TensorInfo['dtype']): number {
  if (dtype === 'float32') return new Int32Array(Float32Array.of(value).buffer)[0]!;
  if (dtype === 'int32') return value | 0;
  return value ? 1 : 0;
}

const padKernel: WebGPUKernelFn<{ paddings: [number, number][]; value: number }> = ({ inputs: [x], attrs: { paddings, value }, backend }) => {
  const inShape = x!.shape;
  const shape = inShape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const out = backend.output(shape, x!.dtype);
  const n = sizeOf(shape);
  if (n === 0) return out;
  const r = shape.length;
  backend.run(
    `pad:r${r}`,
    () => `${bindings('u32', ['u32'])}${flatMain(WG, `  var rem = i;
  var off = 0;
  var inside = true;
  for (var d = ${r - 1}; d >= 0; d = d - 1) {
    let s = P[3 + d];
    let k = rem % s - P[${3 + r} + d];
    rem = rem / s;
    if (k < 0 || k >= P[${3 + 2 * r} + d]) { inside = false; }
    off = off + k * P[${3 + 3 * r} + d];
  }
  if (inside) { Y[i] = X0[off]; } else { Y[i] = bitcast<u32>(P[2]); }`)}`,
    backend.data(out),
    [backend.data(x!)],
    [n, r, bitsOf(value, x!.dtype), ...shape, ...paddings.map((p) => p[0]), ...inShape, ...stridesOf(inShape)],
    groupsFor(n, WG),
  );
  return out;
};

const tileKernel: WebGPUKernelFn<{ reps: number[] }> = ({ inputs: [x], attrs: { reps }, backend }) => {
  const inShape = x!.shape;
  const shape = inShape.map((d, i) => d * reps[i]!);
  const out = backend.output(shape, x!.dtype);
  const n = sizeOf(shape);
  if (n === 0) return out;
  const r = Math.max(shape.length, 1);
  const s = shape.length > 0 ? shape : [1];
  const ins = inShape.length > 0 ? inShape : [1];
  backend.run(
    `tile:r${r}`,
    () => `${bindings('u32', ['u32'])}${flatMain(WG, `  var rem = i;
  var off = 0;
  for (var d = ${r - 1}; d >= 0; d = d - 1) {
    let s = P[2 + d];
    off = off + ((rem % s) % P[${2 + r} + d]) * P[${2 + 2 * r} + d];
    rem = rem / s;
  }
  Y[i] = X0[off];`)}`,
    backend.data(out),
    [backend.data(x!)],
    [n, r, ...s, ...ins, ...stridesOf(ins)],
    groupsFor(n, WG),
  );
  return out;
};

/**
 * Out-of-range indices throw. Indices written from the host are checked there, synchronously, at
 * the cost of keeping a reference to their array. Indices computed on the GPU cannot be read
 * synchronously: the kernel checks them, writes 0 for a bad one and raises a flag, and the next
 * read from this backend rejects with the error.
 */
const gatherKernel: WebGPUKernelFn<{ axis: number }> = ({ inputs: [x, idx], attrs: { axis }, backend }) => {
  const inShape = x!.shape;
  const d = inShape[axis]!;
  const indices = backend.data(idx!);
  const host = indices.host;
  if (host) checkGatherIndices(host, idx!.shape, inShape, axis);
  const shape = [...inShape.slice(0, axis), ...idx!.shape, ...inShape.slice(axis + 1)];
  const out = backend.output(shape, x!.dtype);
  const n = sizeOf(shape);
  if (n === 0) return out;
  const k = indices.size;
  const inner = sizeOf(inShape.slice(axis + 1));
  const checked = !host;
  const flagDecl = checked ? '@group(0) @binding(4) var<storage, read_write> F: array<i32>;' : '';
  backend.run(
    `gather:${checked}`,
    () => `${bindings('u32', ['u32', 'i32'], flagDecl)}${flatMain(WG, `  let k = P[1];
  let inner = P[2];
  let j = (i / inner) % k;
  let at = X1[j];
  if (at < 0 || at >= P[3]) {
    ${checked ? 'F[0] = 1; F[1] = at; F[2] = j;' : ''}
    Y[i] = 0u;
    return;
  }
  Y[i] = X0[((i / inner / k) * P[3] + at) * inner + i % inner];`)}`,
    backend.data(out),
    [backend.data(x!), indices],
    [n, k, inner, d],
    groupsFor(n, WG),
    checked ? [backend.flag] : [],
  );
  if (checked) backend.armFlag(`Gather (axis ${axis} of x ${fmtShape(inShape)}, indices ${fmtShape(idx!.shape)})`);
  return out;
};

/**
 * One thread per output element scans the ids: deterministic (no float atomics, which WGSL lacks)
 * and as exact as the cpu backend's order of summation; O(numSegments · rows) work.
 */
const segmentSumKernel: WebGPUKernelFn<{ numSegments: number }> = ({ inputs: [x, ids], attrs: { numSegments }, backend }) => {
  const shape = [numSegments, ...x!.shape.slice(1)];
  const out = backend.output(shape, x!.dtype);
  const n = sizeOf(shape);
  if (n === 0) return out;
  const t = wgslType(x!.dtype);
  const inner = sizeOf(x!.shape.slice(1));
  backend.run(
    `segsum:${t}`,
    () => `${bindings(t, [t, 'i32'])}${flatMain(WG, `  let inner = P[1];
  let s = i / inner;
  let c = i % inner;
  var acc: ${t} = ${t}(0);
  for (var j = 0; j < P[2]; j = j + 1) {
    if (X1[j] == s) { acc = acc + X0[j * inner + c]; }
  }
  Y[i] = acc;`)}`,
    backend.data(out),
    [backend.data(x!), backend.data(ids!)],
    [n, inner, ids!.shape[0]!],
    groupsFor(n, WG),
  );
  return out;
};

export const shapeKernels: WebGPUKernel[] = [
  { name: 'Transpose', fn: transposeKernel },
  { name: 'Slice', fn: sliceKernel },
  { name: 'Concat', fn: concatKernel },
  { name: 'Pad', fn: padKernel },
  { name: 'Tile', fn: tileKernel },
  { name: 'Gather', fn: gatherKernel },
  { name: 'UnsortedSegmentSum', fn: segmentSumKernel },
];
