import type { KernelArgs, KernelFn, KernelName, TensorInfo, TypedArray } from '@tessera/core';
import type { CpuBackend } from '../backend.js';

/** A kernel of this backend, with its attributes typed. */
export type CpuKernelFn<A> = (args: KernelArgs<CpuBackend, A>) => TensorInfo | TensorInfo[];

/** One entry of the kernel list that `index.ts` registers for 'cpu' and 'cpu64'. */
export interface CpuKernel {
  name: KernelName;
  fn: KernelFn<CpuBackend>;
}

/** Shape arithmetic is core's; re-exported under the names the kernels use. */
export { sizeFromShape as sizeOf, stridesOf as contiguousStrides } from '@tessera/core';

/** Copies n values; `set` on a subarray only pays off once the run is long enough to amortise the view. */
export function copyRun(dst: TypedArray, di: number, src: TypedArray, si: number, n: number): void {
  if (n >= 64) {
    dst.set(src.subarray(si, si + n), di);
    return;
  }
  for (let i = 0; i < n; i++) dst[di + i] = src[si + i]!;
}
