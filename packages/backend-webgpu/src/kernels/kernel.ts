import type { KernelArgs, KernelFn, KernelName, TensorInfo } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';

/** A kernel of this backend, with its attributes typed. */
export type WebGPUKernelFn<A> = (args: KernelArgs<WebGPUBackend, A>) => TensorInfo | TensorInfo[];

/** One entry of the kernel list that `index.ts` registers for 'webgpu'. */
export interface WebGPUKernel {
  name: KernelName;
  fn: KernelFn<WebGPUBackend>;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Row-major strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}
