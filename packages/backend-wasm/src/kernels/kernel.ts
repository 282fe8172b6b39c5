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

/** lcm(n, 4): the fewest values that hold whole copies of an n-value row and fill whole f32x4 vectors. */
export function vectorPeriod(n: number): number {
  return n % 2 === 1 ? 4 * n : n % 4 === 2 ? 2 * n : n;
}

/**
 * Runs `fn` with a scratch block holding `copies` back-to-back copies of the n float32 values of
 * `row` (a per-channel operand tiled so that SIMD loops can walk it against long flat rows).
 */
export function withRepeatedRow<T>(backend: WasmBackend, row: TensorInfo, n: number, copies: number, fn: (tile: number) => T): T {
  return backend.withScratch(copies * n * 4, (tile) => {
    const f32 = backend.f32();
    const src = backend.ptr(row) >>> 2;
    for (let r = 0; r < copies; r++) f32.copyWithin((tile >>> 2) + r * n, src, src + n);
    return fn(tile);
  });
}
