// The page script of the browser test (test/browser.test.ts bundles it with esbuild): loads the
// 'wasm' backend (from the URL the test gives, or else from the package's default URL), asks for
// two threads, and runs the shared workload.
import { backendInstance, getBackend, setBackend } from '@tessera/core';
import { WasmBackend, compileKernels, configureWasmBackend, setThreads, type WasmBuild } from '../../src/index.js';
import { workload, type WorkloadResult } from './workload.js';

export interface PageReport {
  backend: string;
  crossOriginIsolated: boolean;
  /** Whether the backend's memory is a SharedArrayBuffer. */
  sharedMemory: boolean;
  /** Threads after `setThreads(2)`. */
  threads: number;
  build: WasmBuild;
  /** What loading a missing module reported. */
  missing: string;
  warnings: string[];
  results: WorkloadResult;
}

async function check(wasmUrl: string | null): Promise<PageReport> {
  const missing = await compileKernels(new URL('no-such.wasm', location.href)).then(
    () => 'loaded',
    (e: Error) => e.message,
  );
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    warn.apply(console, args);
  };
  try {
    if (wasmUrl !== null) configureWasmBackend({ source: new URL(wasmUrl, location.href) });
    if (!(await setBackend('wasm'))) throw new Error("setBackend('wasm') failed");
    // Twice: the fallback to one thread must warn once, not on every call.
    await setThreads(2);
    await setThreads(2);
    const backend = backendInstance() as WasmBackend;
    return {
      backend: getBackend(),
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      sharedMemory: backend.shared && typeof SharedArrayBuffer === 'function' && backend.wasmMemory.buffer instanceof SharedArrayBuffer,
      threads: backend.threads,
      build: backend.build,
      missing,
      warnings,
      results: workload(),
    };
  } finally {
    console.warn = warn;
  }
}

(globalThis as unknown as { tesseraCheck: typeof check }).tesseraCheck = check;
