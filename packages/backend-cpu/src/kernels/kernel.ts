import type { KernelArgs, KernelFn, KernelName, TensorInfo, TypedArray } from '@tessera/core';
import type { CpuBackend } from '../backend.js';

/** A kernel of this backend, with its attributes typed. */
export type CpuKernelFn<A> = (args: KernelArgs<CpuBackend, A>) => TensorInfo | TensorInfo[];

/** One entry of the kernel list that `index.ts` registers for 'cpu' and 'cpu64'. */
export interface CpuKernel {
  name: KernelName;
  fn: KernelFn<CpuBackend>;
}

/** Product of the dimensions. */
export function sizeOf(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

/** Row-major strides of a contiguous tensor. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Copies n values; `set` on a subarray only pays off once the run is long enough to amortise the view. */
export function copyRun(dst: TypedArray, di: number, src: TypedArray, si: number, n: number): void {
  if (n >= 64) {
    dst.set(src.subarray(si, si + n), di);
    return;
  }
  for (let i = 0; i < n; i++) dst[di + i] = src[si + i]!;
}
