import type { FusedActivation, FusedMatMulAttrs, MatMulAttrs, TensorInfo } from '@tessera/core';
import { groupsFor, type GPUData, type WebGPUBackend } from '../backend.js';
import { WG, bindings, flatMain } from '../wgsl.js';
import type { WebGPUKernel, WebGPUKernelFn } from './kernel.js';

/**
 * Tiled matrix product: a workgroup computes one block of C, each thread a register tile of it; A
 * and B pass through workgroup memory in TK-deep slices, stored k-major so that the inner loop
 * reads a thread's rows and columns from consecutive words. Transposes, like the activation, are
 * runtime parameters: they only change how a slice is loaded (consecutive threads always read
 * consecutive addresses), so one pipeline (two, with a bias) serves every product. Edges load
 * zeros and skip stores, so any M, N, K (including K = 0) works. Small products take a naive kernel.
 */

export interface MatMulDims {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** 1 or batch: an operand with batch 1 is shared by every output batch. */
  batchA: number;
  batchB: number;
}

export interface Epilogue {
  bias: GPUData | null;
  activation: FusedActivation;
}

/**
 * The tiled kernel's shape: a WGX×WGY workgroup computes a (WGY·TM)×(WGX·TN) block of C, each
 * thread a TM×TN register tile (TN a multiple of 4: the accumulators are vec4s); A and B pass
 * through workgroup memory in TK-deep slices.
 */
export interface TileConfig {
  wgx: number;
  wgy: number;
  tm: number;
  tn: number;
  tk: number;
}

/**
 * 64×64 blocks from 8×8 threads with 8×8 register tiles: 64 multiply-adds per 16 words read from
 * workgroup memory. (On SwiftShader the tiling barely matters; 16×16 threads with 4×4 tiles ran at
 * half the speed.)
 */
const TILING: TileConfig = { wgx: 8, wgy: 8, tm: 8, tn: 8, tk: 16 };

/**
 * The activation is a runtime parameter (one uniform branch per stored value), so the four of them
 * share a pipeline: pipeline creation, not the branch, is what costs on first use.
 */
const ACTIVATION_CODE: Record<FusedActivation, number> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 };

function epilogueFn(bias: string | null, actParam: number): string {
  return `fn epilogue(acc: f32, col: i32) -> f32 {
  var v = acc;
  ${bias ? `v = v + ${bias}[col];` : ''}
  switch (P[${actParam}]) {
    case 1: { return select(v, 0.0, v < 0.0); }
    case 2: { return sigmoid_(v); }
    case 3: { return tanh_(v); }
    default: { return v; }
  }
}
`;
}

function tiledCode(t: TileConfig, bias: boolean): string {
  const { wgx, wgy, tm, tn, tk } = t;
  const TM_ = wgy * tm;
  const TN_ = wgx * tn;
  const threads = wgx * wgy;
  const vecs = tn / 4;
  // Consecutive threads read consecutive addresses of each operand as it is stored (P[6], P[7]:
  // transposed); P[8..11] are the operands' strides along (row, k) and (k, col).
  const loadA = `var rr = e / ${tk}; var kk = e % ${tk}; if (P[6] != 0) { rr = e % ${TM_}; kk = e / ${TM_}; }
      let row = row0 + rr; let kg = k0 + kk; var v = 0.0; if (row < M && kg < kEnd) { v = X0[aBase + row * P[8] + kg * P[9]]; }`;
  const loadB = `var cc = e % ${TN_}; var kk = e / ${TN_}; if (P[7] != 0) { cc = e / ${tk}; kk = e % ${tk}; }
      let col = col0 + cc; let kg = k0 + kk; var v = 0.0; if (col < N && kg < kEnd) { v = X1[bBase + kg * P[10] + col * P[11]]; }`;
  const lines: string[] = [];
  for (let r = 0; r < tm; r++) for (let c = 0; c < vecs; c++) lines.push(`  var acc${r}_${c} = vec4f(0.0);`);
  const decl = lines.join('\n');
  const inner: string[] = [`      let ai = kk * ${TM_} + ty * ${tm};`, `      let bi = kk * ${TN_} + tx * ${tn};`];
  for (let c = 0; c < vecs; c++) inner.push(`      let b${c} = vec4f(Bs[bi + ${4 * c}], Bs[bi + ${4 * c + 1}], Bs[bi + ${4 * c + 2}], Bs[bi + ${4 * c + 3}]);`);
  for (let r = 0; r < tm; r++) {
    inner.push(`      let a${r} = As[ai + ${r}];`);
    for (let c = 0; c < vecs; c++) inner.push(`      acc${r}_${c} = acc${r}_${c} + a${r} * b${c};`);
  }
  const stores: string[] = [];
  for (let r = 0; r < tm; r++) for (let c = 0; c < vecs; c++) stores.push(`  store(yBase, row0 + ty * ${tm} + ${r}, col0 + tx * ${tn} + ${4 * c}, acc${r}_${c}, M, N);`);
  return `${bindings('f32', bias ? ['f32', 'f32', 'f32'] : ['f32', 'f32'])}
var<workgroup> As: array<f32, ${tk * TM_}>;
var<workgroup> Bs: array<f32, ${tk * TN_}>;
${epilogueFn(bias ? 'X2' : null, 5)}
fn store(yBase: i32, row: i32, col0: i32, v4: vec4f, M: i32, N: i32) {
  if (row >= M) { return; }
  for (var c = 0; c < 4; c = c + 1) {
    let col = col0 + c;
    if (col < N) { Y[yBase + row * N + col] = epilogue(v4[c], col); }
  }
}
@compute @workgroup_size(${wgx}, ${wgy}, 1)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let M = P[0];
  let N = P[1];
  let K = P[2];
  // Split-K: z enumerates (batch, split); split s covers k in [s·P[13], (s+1)·P[13]) and writes
  // its partial product to slice s of the output ([splits, batches, M, N]).
  let splits = P[14];
  let s = i32(wid.z) % splits;
  let batch = i32(wid.z) / splits + P[12];
  let kStart = s * P[13];
  let kEnd = min(K, kStart + P[13]);
  let aBase = batch * P[3];
  let bBase = batch * P[4];
  let row0 = i32(wid.y) * ${TM_};
  let col0 = i32(wid.x) * ${TN_};
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let tid = ty * ${wgx} + tx;
${decl}
  for (var k0 = kStart; k0 < kEnd; k0 = k0 + ${tk}) {
    for (var l = 0; l < ${(tk * TM_) / threads}; l = l + 1) {
      let e = tid + l * ${threads};
      ${loadA} As[kk * ${TM_} + rr] = v;
    }
    for (var l = 0; l < ${(tk * TN_) / threads}; l = l + 1) {
      let e = tid + l * ${threads};
      ${loadB} Bs[kk * ${TN_} + cc] = v;
    }
    workgroupBarrier();
    for (var kk = 0; kk < ${tk}; kk = kk + 1) {
${inner.join('\n')}
    }
    workgroupBarrier();
  }
  let yBase = (s * P[15] + batch) * M * N;
${stores.join('\n')}
}
`;
}

/**
 * Small products: one thread per output value, no workgroup memory. Workgroup barriers are
 * expensive on CPU implementations (SwiftShader runs a workgroup's invocations as fibers), and a
 * 64×64 tile is mostly idle for a [32,16]·[16,1] product anyway.
 */
function naiveCode(bias: boolean): string {
  const aAt = 'aBase + row * P[7] + k * P[8]';
  const bAt = 'bBase + k * P[9] + col * P[10]';
  return `${bindings('f32', bias ? ['f32', 'f32', 'f32'] : ['f32', 'f32'])}${epilogueFn(bias ? 'X2' : null, 6)}${flatMain(
    WG,
    `  let M = P[1];
  let N = P[2];
  let K = P[3];
  let col = i % N;
  let row = (i / N) % M;
  let batch = i / (M * N);
  let aBase = batch * P[4];
  let bBase = batch * P[5];
  var v = 0.0;
  for (var k = 0; k < K; k = k + 1) { v = v + X0[${aAt}] * X1[${bAt}]; }
  Y[i] = epilogue(v, col);`,
  )}`;
}

/** Below this many multiply-adds a product runs on the naive kernel. */
const NAIVE_BELOW = 64 * 64 * 64;

/** Records out[batch] = op(a[batch]) · op(b[batch]) (+ bias, activation). */
export function matmulInto(backend: WebGPUBackend, a: GPUData, b: GPUData, out: GPUData, dims: MatMulDims, transA: boolean, transB: boolean, epilogue: Epilogue | null = null): void {
  const { batch, m, n, k } = dims;
  if (batch * m * n === 0) return;
  const act = ACTIVATION_CODE[epilogue?.activation ?? 'linear'];
  const bias = epilogue?.bias ?? null;
  const strideA = dims.batchA === 1 ? 0 : m * k;
  const strideB = dims.batchB === 1 ? 0 : k * n;
  // Element strides of A along (row, k) and of B along (k, col), as the operands are stored.
  const layout = [transA ? 1 : k, transA ? m : 1, transB ? 1 : n, transB ? k : 1];
  if (m * n * k < NAIVE_BELOW || m < 8 || n < 8) {
    const count = batch * m * n;
    backend.run(
      `matmul-naive:${bias !== null}`,
      () => naiveCode(bias !== null),
      out,
      bias ? [a, b, bias] : [a, b],
      [count, m, n, k, strideA, strideB, act, ...layout],
      groupsFor(count, WG),
    );
    return;
  }
  const t = TILING;
  const gx = Math.ceil(n / (t.wgx * t.tn));
  const gy = Math.ceil(m / (t.wgy * t.tm));
  const splits = splitsFor(batch, gx * gy, k);
  if (splits > 1) {
    // Deep products with few output tiles (a convolution's filter gradient sums over every pixel
    // of the batch): split K over more workgroups, then sum the partial products.
    const chunk = Math.ceil(k / splits / t.tk) * t.tk;
    const parts = Math.ceil(k / chunk);
    const partial = backend.makeData([parts, m, n], 'float32');
    backend.run(
      'matmul:false',
      () => tiledCode(t, false),
      partial,
      [a, b],
      [m, n, k, strideA, strideB, 0, transA ? 1 : 0, transB ? 1 : 0, ...layout, 0, chunk, parts, 1],
      [gx, gy, parts],
    );
    const count = m * n;
    backend.run(
      `matmul-splitk-sum:${bias !== null}`,
      () => `${bindings('f32', bias ? ['f32', 'f32'] : ['f32'])}${epilogueFn(bias ? 'X1' : null, 3)}${flatMain(
        WG,
        `  var v = 0.0;
  for (var s = 0; s < P[2]; s = s + 1) { v = v + X0[s * P[1] + i]; }
  Y[i] = epilogue(v, i % P[4]);`,
      )}`,
      out,
      bias ? [partial, bias] : [partial],
      [count, count, parts, act, n],
      groupsFor(count, WG),
    );
    backend.disposeData(partial);
    return;
  }
  // Batches go in z, at most 65535 workgroups per dispatch: larger batches take several.
  for (let b0 = 0; b0 < batch; b0 += 65535) {
    backend.run(
      `matmul:${bias !== null}`,
      () => tiledCode(t, bias !== null),
      out,
      bias ? [a, b, bias] : [a, b],
      [m, n, k, strideA, strideB, act, transA ? 1 : 0, transB ? 1 : 0, ...layout, b0, k, 1, batch],
      [gx, gy, Math.min(65535, batch - b0)],
    );
  }
}

/**
 * How many slices to cut K into: only for single products whose output has fewer than 32 tiles,
 * with at least 256 values of K per slice, aiming at about 128 workgroups in all.
 */
function splitsFor(batch: number, tiles: number, k: number): number {
  if (batch !== 1 || tiles >= 32 || k < 1024) return 1;
  return Math.max(1, Math.min(32, Math.floor(k / 256), Math.ceil(128 / tiles)));
}

function batchMatMul(backend: WebGPUBackend, aInfo: TensorInfo, bInfo: TensorInfo, transA: boolean, transB: boolean, epilogue: Epilogue | null): TensorInfo {
  const [batchA, a1, a2] = aInfo.shape as [number, number, number];
  const [batchB, b1, b2] = bInfo.shape as [number, number, number];
  const [m, k] = transA ? [a2, a1] : [a1, a2];
  const n = transB ? b1 : b2;
  const batch = batchA === 1 ? batchB : batchA;
  const out = backend.output([batch, m, n], 'float32');
  matmulInto(backend, backend.data(aInfo), backend.data(bInfo), backend.data(out), { batch, m, n, k, batchA, batchB }, transA, transB, epilogue);
  return out;
}

const batchMatMulKernel: WebGPUKernelFn<MatMulAttrs> = ({ inputs: [a, b], attrs, backend }) =>
  batchMatMul(backend, a!, b!, attrs.transposeA, attrs.transposeB, null);

const fusedMatMulKernel: WebGPUKernelFn<FusedMatMulAttrs> = ({ inputs: [a, b, bias], attrs, backend }) =>
  batchMatMul(backend, a!, b!, attrs.transposeA, attrs.transposeB, {
    bias: attrs.hasBias && bias ? backend.data(bias) : null,
    activation: attrs.activation,
  });

export const matmulKernels: WebGPUKernel[] = [
  { name: 'BatchMatMul', fn: batchMatMulKernel },
  { name: 'FusedMatMul', fn: fusedMatMulKernel },
];
