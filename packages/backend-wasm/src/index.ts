import { ENGINE, registerBackend, registerKernel } from '@tessera/core';
import { WasmBackend, type WasmBackendOptions } from './backend.js';
import { wasmKernels } from './kernels/index.js';
import { compileKernels, pickBuild, type CompiledKernels } from './module.js';
import { checkThreads } from './threads.js';

export { WasmBackend, WasmData, type WasmBackendOptions } from './backend.js';
export { Allocator } from './allocator.js';
export { wasmKernels } from './kernels/index.js';
export type { WasmKernel, WasmKernelFn } from './kernels/kernel.js';
export {
  canShareMemory, compileKernels, supportsRelaxedSimd, type CompiledKernels, type KernelExports, type SimdChoice, type WasmBuild, type WasmSource,
} from './module.js';
export { MAX_THREADS } from './threads.js';

let options: WasmBackendOptions = {};
let compiled: CompiledKernels | null = null;
let compiling: Promise<CompiledKernels> | null = null;

/**
 * Sets where the 'wasm' backend loads its kernels from (a URL, the bytes, or a compiled module;
 * without one, the package's build that `simd` picks), how much memory it may use and on how many
 * threads it runs. Call it before the backend is first created: in browsers whose bundler does not
 * ship build/kernels.wasm next to this module, for instance. Invalid options throw and change
 * nothing.
 */
export function configureWasmBackend(next: WasmBackendOptions): void {
  const merged = { ...options, ...next };
  if (next.threads !== undefined) checkThreads(next.threads, 'configureWasmBackend');
  if (merged.source === undefined && 'simd' in next) pickBuild(merged.simd);
  options = merged;
  if ('source' in next || 'simd' in next) {
    compiled = null;
    compiling = null;
  }
}

/** Compiles the module once; the engine may ask for the backend several times. */
function compileOnce(): Promise<CompiledKernels> {
  if (!compiling) {
    compiling = compileKernels(options.source, options.simd).then(
      (c) => (compiled = c),
      (e: unknown) => {
        compiling = null;
        throw e;
      },
    );
    // A caller probing synchronously drops this promise; its failure is reported to the awaiting one.
    compiling.catch(() => {});
  }
  return compiling;
}

/**
 * Splits large matmuls and convolutions of the 'wasm' backend across `n` threads (workers sharing
 * its memory: worker_threads in Node, Web Workers on cross-origin-isolated pages), `n` an integer
 * from 1 to MAX_THREADS. Applies to the backend once it exists, and to backends created later. An
 * invalid `n` throws before anything changes.
 */
export async function setThreads(n: number): Promise<void> {
  checkThreads(n, 'setThreads');
  options = { ...options, threads: n };
  const backend = ENGINE.findBackend('wasm');
  if (backend instanceof WasmBackend) await backend.setThreads(n);
}

/**
 * 'wasm' outranks 'cpu' (10). Creating it compiles the module asynchronously the first time (so
 * `await setBackend('wasm')` or `await ready()`); once compiled, instances are created synchronously.
 */
registerBackend({
  name: 'wasm',
  priority: 20,
  create: () => {
    if (compiled && (options.threads ?? 1) <= 1) return new WasmBackend(compiled, options);
    const created = compileOnce().then(async (c) => {
      const backend = new WasmBackend(c, options);
      if ((options.threads ?? 1) > 1) await backend.setThreads(options.threads!);
      return backend;
    });
    created.catch(() => {});
    return created;
  },
});
for (const { name, fn } of wasmKernels) {
  registerKernel<WasmBackend>({ name, backend: 'wasm', fn: (args) => args.backend.guard(() => fn(args)) });
}
