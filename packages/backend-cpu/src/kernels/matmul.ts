import type { FusedMatMulAttrs, MatMulAttrs, TensorInfo } from '@tessera/core';
import type { CpuBackend } from '../backend.js';
import { gemm, type Epilogue } from './gemm.js';
import type { CpuKernel, CpuKernelFn } from './kernel.js';

function batchMatMul(backend: CpuBackend, aInfo: TensorInfo, bInfo: TensorInfo, transA: boolean, transB: boolean, epilogue: Epilogue | null): TensorInfo {
  const [batchA, a1, a2] = aInfo.shape as [number, number, number];
  const [batchB, b1, b2] = bInfo.shape as [number, number, number];
  const [m, k] = transA ? [a2, a1] : [a1, a2];
  const n = transB ? b1 : b2;
  // One side of size 1 broadcasts, including against an empty batch.
  const batch = batchA === 1 ? batchB : batchA;
  const a = backend.floats(aInfo);
  const b = backend.floats(bInfo);
  const out = backend.floatArray(batch * m * n);
  if (batchB === 1 && !transA && batch > 1) {
    // A shared B against a stack of row-major A's is one tall product: fewer, larger panels.
    gemm(batch * m, n, k, a, 0, false, b, 0, transB, out, 0, false, epilogue);
  } else {
    for (let i = 0; i < batch; i++) {
      gemm(m, n, k, a, batchA === 1 ? 0 : i * m * k, transA, b, batchB === 1 ? 0 : i * k * n, transB, out, i * m * n, false, epilogue);
    }
  }
  return backend.output(out, [batch, m, n], 'float32');
}

const batchMatMulKernel: CpuKernelFn<MatMulAttrs> = ({ inputs: [a, b], attrs, backend }) =>
  batchMatMul(backend, a!, b!, attrs.transposeA, attrs.transposeB, null);

/** Bias and activation are applied as each output value is finished, in the matmul's own store. */
const fusedMatMulKernel: CpuKernelFn<FusedMatMulAttrs> = ({ inputs: [a, b, bias], attrs, backend }) =>
  batchMatMul(backend, a!, b!, attrs.transposeA, attrs.transposeB, {
    bias: attrs.hasBias && bias ? backend.floats(bias) : null,
    activation: attrs.activation,
  });

export const matmulKernels: CpuKernel[] = [
  { name: 'BatchMatMul', fn: batchMatMulKernel },
  { name: 'FusedMatMul', fn: fusedMatMulKernel },
];
