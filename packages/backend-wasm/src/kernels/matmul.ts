import type { FusedActivation, FusedMatMulAttrs, MatMulAttrs, TensorInfo } from '@tessera/core';
import type { WasmBackend } from '../backend.js';
import { ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_TANH } from '../opcodes.js';
import { vectorPeriod, withRepeatedRow, type WasmKernel, type WasmKernelFn } from './kernel.js';

const ACTIVATIONS: Record<FusedMatMulAttrs['activation'], number> = {
  linear: ACT_LINEAR,
  relu: ACT_RELU,
  sigmoid: ACT_SIGMOID,
  tanh: ACT_TANH,
};

/** Multiply-adds per product below which waking the workers costs more than it saves. */
const THREADED_WORK = 1 << 21;

function batchMatMul(backend: WasmBackend, a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean): TensorInfo {
  const [batchA, a1, a2] = a.shape as [number, number, number];
  const [batchB, b1, b2] = b.shape as [number, number, number];
  const [m, k] = transA ? [a2, a1] : [a1, a2];
  const n = transB ? b1 : b2;
  // One side of size 1 broadcasts, including against an empty batch.
  const batch = batchA === 1 ? batchB : batchA;
  const out = backend.empty([batch, m, n], 'float32');
  if (batch * m * n === 0) return out;
  const scratch = backend.gemmScratch();
  const pool = backend.pool;
  if (pool && m * n * k >= THREADED_WORK && m >= 8 * pool.threads) {
    // Each product's rows are split across the threads; batches run one after another.
    const [ars, acs] = transA ? [1, m] : [k, 1];
    const [brs, bcs] = transB ? [1, k] : [n, 1];
    const [pa, pb, pc] = [backend.ptr(a), backend.ptr(b), backend.ptr(out)];
    for (let i = 0; i < batch; i++) {
      const ai = pa + (batchA === 1 ? 0 : i * m * k) * 4;
      const bi = pb + (batchB === 1 ? 0 : i * k * n) * 4;
      pool.gemm(backend.kernels, m, n, k, ai, ars, acs, bi, brs, bcs, pc + i * m * n * 4, n, false);
    }
    return out;
  }
  backend.kernels.batchMatMul(
    backend.ptr(out), backend.ptr(a), backend.ptr(b),
    batch, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n,
    m, n, k, transA ? 1 : 0, transB ? 1 : 0, scratch,
  );
  return out;
}

const batchMatMulKernel: WasmKernelFn<MatMulAttrs> = ({ inputs: [a, b], attrs, backend }) =>
  batchMatMul(backend, a!, b!, attrs.transposeA, attrs.transposeB);

/**
 * The fused kernels' epilogue, in place over `out` ([rows, n] values): + bias (when given), then
 * the activation, in one pass. For a bias whose length is not a multiple of 4, the module gets it
 * repeated to lcm(n, 4) values (at most 4n) so it can go four values a step.
 */
export function biasActivation(backend: WasmBackend, out: TensorInfo, rows: number, n: number, bias: TensorInfo | undefined, activation: FusedActivation): void {
  if (rows * n === 0 || (!bias && activation === 'linear')) return;
  const act = ACTIVATIONS[activation];
  const run = (tile: number): void => backend.kernels.biasActivation(backend.ptr(out), rows, n, bias ? backend.ptr(bias) : 0, act, tile);
  if (!bias || n % 4 === 0 || (activation !== 'linear' && activation !== 'relu')) return run(0);
  withRepeatedRow(backend, bias, n, vectorPeriod(n) / n, run);
}

/** The product, then bias and activation in one pass over the output. */
const fusedMatMulKernel: WasmKernelFn<FusedMatMulAttrs> = ({ inputs: [a, b, bias], attrs, backend }) => {
  const out = batchMatMul(backend, a!, b!, attrs.transposeA, attrs.transposeB);
  const [batch, m, n] = out.shape as [number, number, number];
  biasActivation(backend, out, batch * m, n, attrs.hasBias ? bias : undefined, attrs.activation);
  return out;
};

export const matmulKernels: WasmKernel[] = [
  { name: 'BatchMatMul', fn: batchMatMulKernel },
  { name: 'FusedMatMul', fn: fusedMatMulKernel },
];
