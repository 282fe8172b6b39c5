import type { PoolAttrs, TensorInfo } from '@tessera/core';
import type { WasmBackend } from '../backend.js';
import type { WasmKernel, WasmKernelFn } from './kernel.js';
import { sizeOf } from './kernel.js';

const MAX_POOL = 0;
const MAX_POOL_GRAD = 1;
const AVG_POOL = 2;
const AVG_POOL_GRAD = 3;

/** The geometry words assembly/pool.ts reads (class P): n h w c, fh fw, oh ow, sh sw, pt pl. */
function poolGeometry(inShape: readonly number[], oh: number, ow: number, attrs: PoolAttrs): number[] {
  const [n, h, w, c] = inShape as [number, number, number, number];
  return [n, h, w, c, attrs.filterSize[0], attrs.filterSize[1], oh, ow, attrs.strides[0], attrs.strides[1], attrs.pad[0], attrs.pad[2]];
}

function outSize(inShape: readonly number[], attrs: PoolAttrs): [number, number] {
  const [, h, w] = inShape as [number, number, number];
  const oh = Math.floor((h + attrs.pad[0] + attrs.pad[1] - attrs.filterSize[0]) / attrs.strides[0]) + 1;
  const ow = Math.floor((w + attrs.pad[2] + attrs.pad[3] - attrs.filterSize[1]) / attrs.strides[1]) + 1;
  return [oh, ow];
}

/** Runs one pool kernel with 8 bytes of scratch per channel (running max and its offset, or a float64 sum). */
function run(backend: WasmBackend, mode: number, out: TensorInfo, a: TensorInfo, b: TensorInfo | null, words: number[]): TensorInfo {
  if (sizeOf(out.shape) === 0) return out;
  backend.withScratch(Math.max(1, words[3]!) * 8, (scratch) => {
    backend.kernels.pool(mode, backend.ptr(out), backend.ptr(a), b ? backend.ptr(b) : 0, backend.args(words), scratch);
  });
  return out;
}

const maxPool: WasmKernelFn<PoolAttrs> = ({ inputs: [x], attrs, backend }) => {
  const [oh, ow] = outSize(x!.shape, attrs);
  const [n, , , c] = x!.shape as [number, number, number, number];
  return run(backend, MAX_POOL, backend.empty([n, oh, ow, c], 'float32'), x!, null, poolGeometry(x!.shape, oh, ow, attrs));
};

const maxPoolGrad: WasmKernelFn<PoolAttrs> = ({ inputs: [dy, x], attrs, backend }) =>
  run(backend, MAX_POOL_GRAD, backend.empty([...x!.shape], 'float32'), dy!, x!, poolGeometry(x!.shape, dy!.shape[1]!, dy!.shape[2]!, attrs));

const avgPool: WasmKernelFn<PoolAttrs> = ({ inputs: [x], attrs, backend }) => {
  const [oh, ow] = outSize(x!.shape, attrs);
  const [n, , , c] = x!.shape as [number, number, number, number];
  return run(backend, AVG_POOL, backend.empty([n, oh, ow, c], 'float32'), x!, null, poolGeometry(x!.shape, oh, ow, attrs));
};

const avgPoolGrad: WasmKernelFn<PoolAttrs & { inputShape: number[] }> = ({ inputs: [dy], attrs, backend }) =>
  run(backend, AVG_POOL_GRAD, backend.empty([...attrs.inputShape], 'float32'), dy!, null, poolGeometry(attrs.inputShape, dy!.shape[1]!, dy!.shape[2]!, attrs));

export const poolKernels: WasmKernel[] = [
  { name: 'MaxPool', fn: maxPool },
  { name: 'MaxPoolGrad', fn: maxPoolGrad },
  { name: 'AvgPool', fn: avgPool },
  { name: 'AvgPoolGrad', fn: avgPoolGrad },
];
