import { ENGINE, registerBackend, registerKernel } from '@tessera/core';
import { WasmBackend, type WasmBackendOptions } from './backend.js';
import { wasmKernels } from './kernels/index.js';
import { compileKernels, type CompiledKernels, type WasmSource } from './module.js';

export { WasmBackend, WasmData, type WasmBackendOptions } from './backend.js';
export { Allocator } from './allocator.js';
export { wasmKernels } from './kernels/index.js';
export type { WasmKernel, WasmKernelFn } from './kernels/kernel.js';
export { canShareMemory, compileKernels, type CompiledKernels, type KernelExports, type WasmSource } from './module.js';

let options: WasmBackendOptions = {};
let compiled: CompiledKernels | null = null;
let compiling: Promise<CompiledKernels> | null = null;

/**
 * Sets where the 'wasm' backend loads its kernels from (a URL, the bytes, or a compiled module),
 * how much memory it may use and on how many threads it runs. Call it before the backend is first
 * created: in browsers whose bundler does not ship build/kernels.wasm next to this module, for
 * instance.
 */
export function configureWasmBackend(next: WasmBackendOptions): void {
  options = { ...options, ...next };
  if ('source' in next) {
    compiled = null;
    compiling = null;
  }
}

/** Compiles the module once; the engine may ask for the backend several times. */
function compileOnce(source: WasmSource | undefined): Promise<CompiledKernels> {
  if (!compiling) {
    compiling = compileKernels(source).then(
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
 * Splits large matmuls and convolutions of the 'wasm' backend across `n` threads (worker threads
 * sharing its memory; Node only). Applies to the backend once it exists, and to backends created
 * later.
 */
export async function setThreads(n: number): Promise<void> {
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
    const created = compileOnce(options.source).then(async (c) => {
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
