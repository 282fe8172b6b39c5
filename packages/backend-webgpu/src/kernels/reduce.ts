import type { DataType, TensorInfo } from '@tessera/core';
import { groupsFor, type WebGPUBackend } from '../backend.js';
import { WG, bindings, flatMain, wgslType } from '../wgsl.js';
import { truthy } from './elementwise.js';
import type { WebGPUKernel, WebGPUKernelFn } from './kernel.js';
import { sizeOf } from './kernel.js';

/**
 * Reductions. The input's dimensions are folded like the cpu backend's (size-1 dimensions
 * dropped, neighbours that are both kept or both reduced merged), leaving lists of kept and
 * reduced (extent, stride) pairs. Output element o starts at its kept offset; its reduced elements
 * are enumerated by r in [0, R). Short reductions run one thread per output; long ones one
 * workgroup per output: each thread folds a strided share, then a tree in workgroup memory.
 */

interface Reducer {
  /** Accumulator type for each input storage type. */
  acc: (dtype: DataType) => 'f32' | 'i32' | 'u32';
  init: (dtype: DataType) => string;
  /** Folds `v` into `s`. */
  fold: (dtype: DataType) => string;
  /** Turns an input element `x` into the accumulator type. */
  load?: (dtype: DataType) => string;
}

const INT_MIN = '(-2147483647 - 1)';

const REDUCERS: Record<string, Reducer> = {
  Sum: { acc: wgslType, init: (d) => (d === 'float32' ? '0.0' : d === 'int32' ? '0' : '0u'), fold: () => 's + v' },
  Prod: { acc: wgslType, init: (d) => (d === 'float32' ? '1.0' : d === 'int32' ? '1' : '1u'), fold: () => 's * v' },
  Max: {
    acc: wgslType,
    init: (d) => (d === 'float32' ? '-inf_()' : d === 'int32' ? INT_MIN : '0u'),
    fold: (d) => (d === 'float32' ? 'max_(s, v)' : 'max(s, v)'),
  },
  Min: {
    acc: wgslType,
    init: (d) => (d === 'float32' ? 'inf_()' : d === 'int32' ? '2147483647' : '4294967295u'),
    fold: (d) => (d === 'float32' ? 'min_(s, v)' : 'min(s, v)'),
  },
  All: { acc: () => 'u32', init: () => '1u', fold: () => 's & v', load: (d) => `select(0u, 1u, ${truthy('x', d)})` },
  Any: { acc: () => 'u32', init: () => '0u', fold: () => 's | v', load: (d) => `select(0u, 1u, ${truthy('x', d)})` },
};

/** Reductions longer than this get a workgroup per output. */
const TREE_FROM = 256;
const TREE_WG = 64;
/**
 * Longer ones are cut into chunks of about this many values, one workgroup each, and the chunks'
 * results reduced again: a full reduction of millions of values must not run on one workgroup.
 * 16,384 halves the time of a 1M-element sum on SwiftShader against 4,096 (fewer workgroups to
 * schedule); a GPU would take more, smaller chunks, but a 1M sum is quick there either way.
 */
const CHUNK = 16384;

function plan(shape: readonly number[], axes: readonly number[]): { kept: [number, number][]; reduced: [number, number][] } {
  const dims: { n: number; red: boolean; stride: number }[] = [];
  let stride = 1;
  const strides = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d]!;
  }
  shape.forEach((n, d) => {
    if (n === 1) return;
    const red = axes.includes(d);
    const last = dims[dims.length - 1];
    if (last && last.red === red) {
      last.n *= n;
      last.stride = strides[d]!;
    } else dims.push({ n, red, stride: strides[d]! });
  });
  return {
    kept: dims.filter((d) => !d.red).map((d) => [d.n, d.stride]),
    reduced: dims.filter((d) => d.red).map((d) => [d.n, d.stride]),
  };
}

/**
 * WGSL offsets from the params: P = [nOut, R, nk, nr, chunks, chunkLength, (extent, stride) kept…,
 * (extent, stride) reduced…].
 */
const OFFSETS = /* wgsl */ `
fn keptOffset(o: i32) -> i32 {
  var rem = o;
  var off = 0;
  let nk = P[2];
  for (var d = nk - 1; d >= 0; d = d - 1) {
    let n = P[6 + 2 * d];
    off = off + (rem % n) * P[7 + 2 * d];
    rem = rem / n;
  }
  return off;
}
fn reducedOffset(r: i32) -> i32 {
  var rem = r;
  var off = 0;
  let base = 6 + 2 * P[2];
  for (var d = P[3] - 1; d >= 0; d = d - 1) {
    let n = P[base + 2 * d];
    off = off + (rem % n) * P[base + 2 * d + 1];
    rem = rem / n;
  }
  return off;
}
`;

function reduce(backend: WebGPUBackend, name: string, x: TensorInfo, axes: number[]): TensorInfo {
  const r = REDUCERS[name]!;
  const dtype = x.dtype;
  const outDtype: DataType = name === 'All' || name === 'Any' ? 'bool' : dtype;
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const nOut = sizeOf(outShape);
  const R = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const tree = R >= TREE_FROM;
  const chunks = tree && R > 2 * CHUNK ? Math.min(1024, Math.ceil(R / CHUNK)) : 1;
  // With chunks, this pass writes [nOut, chunks] partial results and a second pass reduces them.
  const out = backend.output(chunks === 1 ? outShape : [nOut, chunks], outDtype);
  if (nOut === 0) return out;
  const { kept, reduced } = plan(x.shape, axes);
  const chunkLength = Math.ceil(R / chunks);
  const params = [nOut, R, kept.length, reduced.length, chunks, chunkLength, ...kept.flat(), ...reduced.flat()];
  const acc = r.acc(dtype);
  const load = r.load ? r.load(dtype) : 'x';
  // Reducing one run of adjacent elements (a full reduction, or along the last axis) needs no
  // index arithmetic per element: the slow part of strided reductions, on SwiftShader most of all.
  const contiguous = reduced.length === 1 && reduced[0]![1] === 1;
  const at = (k: string): string => (contiguous ? `base + ${k}` : `base + reducedOffset(${k})`);
  const key = `reduce:${name}:${dtype}:${tree ? 'tree' : 'serial'}:${contiguous ? 'contiguous' : 'strided'}`;
  const common = `${bindings(wgslType(outDtype), [wgslType(dtype)])}${OFFSETS}
fn fold(s: ${acc}, v: ${acc}) -> ${acc} { return ${r.fold(dtype)}; }
fn element(j: i32) -> ${acc} { let x = X0[j]; return ${load}; }
`;
  if (!tree) {
    backend.run(
      key,
      () => `${common}${flatMain(WG, `  let base = keptOffset(i);
  var s: ${acc} = ${r.init(dtype)};
  for (var k = 0; k < P[1]; k = k + 1) { s = fold(s, element(${at('k')})); }
  Y[i] = s;`)}`,
      backend.data(out),
      [backend.data(x)],
      params,
      groupsFor(nOut, WG),
    );
    return out;
  }
  // Workgroup g reduces chunk g % chunks of output g / chunks; with one chunk, g is the output.
  backend.run(
    key,
    () => `${common}
var<workgroup> part: array<${acc}, ${TREE_WG}>;
@compute @workgroup_size(${TREE_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = i32(wid.x + wid.y * nwg.x);
  let o = g / P[4];
  let k0 = (g % P[4]) * P[5];
  let k1 = min(P[1], k0 + P[5]);
  var s: ${acc} = ${r.init(dtype)};
  if (o < P[0]) {
    let base = keptOffset(o);
    for (var k = k0 + i32(lid); k < k1; k = k + ${TREE_WG}) { s = fold(s, element(${at('k')})); }
  }
  part[lid] = s;
  workgroupBarrier();
  for (var w = ${TREE_WG / 2}u; w > 0u; w = w / 2u) {
    if (lid < w) { part[lid] = fold(part[lid], part[lid + w]); }
    workgroupBarrier();
  }
  if (lid == 0u && o < P[0]) { Y[g] = part[0]; }
}
`,
    backend.data(out),
    [backend.data(x)],
    params,
    groupsFor(nOut * chunks, 1),
  );
  if (chunks === 1) return out;
  // The chunks' results, reduced by the same operation (All/Any's are bool, which it also takes).
  const result = reduce(backend, name, out, [1]);
  backend.disposeData(out.dataId);
  return { ...result, shape: outShape };
}

const reduceKernel = (name: string): WebGPUKernelFn<{ axes: number[] }> =>
  ({ inputs: [x], attrs: { axes }, backend }) => reduce(backend, name, x!, axes);

/** Index of the first max (or min) along `axis`; NaN beats numbers (the first NaN), as in NumPy. */
const argKernel = (max: boolean): WebGPUKernelFn<{ axis: number }> =>
  ({ inputs: [x], attrs: { axis }, backend }) => {
    const shape = x!.shape;
    const outShape = shape.filter((_, i) => i !== axis);
    const out = backend.output(outShape, 'int32');
    const nOut = sizeOf(outShape);
    const n = shape[axis]!;
    if (nOut === 0 || n === 0) return out;
    const inner = sizeOf(shape.slice(axis + 1));
    const t = wgslType(x!.dtype);
    const better = x!.dtype === 'float32' ? `(v ${max ? '>' : '<'} best) || (isnan_(v) && !isnan_(best))` : `v ${max ? '>' : '<'} best`;
    backend.run(
      `arg:${max}:${t}`,
      () => `${bindings('i32', [t])}${flatMain(WG, `  let n = P[1];
  let inner = P[2];
  let base = (i / inner) * n * inner + i % inner;
  var best = X0[base];
  var at = 0;
  for (var k = 1; k < n; k = k + 1) {
    let v = X0[base + k * inner];
    if (${better}) { best = v; at = k; }
  }
  Y[i] = at;`)}`,
      backend.data(out),
      [backend.data(x!)],
      [nOut, n, inner],
      groupsFor(nOut, WG),
    );
    return out;
  };

export const reduceKernels: WebGPUKernel[] = [
  ...Object.keys(REDUCERS).map((name) => ({ name: name as WebGPUKernel['name'], fn: reduceKernel(name) })),
  { name: 'ArgMax', fn: argKernel(true) },
  { name: 'ArgMin', fn: argKernel(false) },
];
