import type { KernelArgs, KernelFn, KernelName, TensorInfo } from '@tessera/core';
import type { WasmBackend } from '../backend.js';

/** A kernel of this backend, with its attributes typed. */
export type WasmKernelFn<A> = (args: KernelArgs<WasmBackend, A>) => TensorInfo | TensorInfo[];

/** One entry of the kernel list that `index.ts` registers for 'wasm'. */
export interface WasmKernel {
  name: KernelName;
  fn: KernelFn<WasmBackend>;
}

export { sizeFromShape as sizeOf, stridesOf as contiguousStrides } from '@tessera/core';
