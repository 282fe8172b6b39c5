import { TesseraError } from '@tessera/core';

/**
 * The two things the backend does differently in Node and in browsers: reading the kernels
 * module and starting a worker. The defaults here are the browser's (fetch, Web Workers), so the
 * package's default entry reaches no Node built-in; src/node.ts installs Node's.
 */
export interface WasmPlatform {
  /** The bytes at `source`: a URL, or a URL string relative to the page. */
  readBytes(source: URL | string): Promise<Uint8Array>;
  /**
   * Starts a worker whose code is `loop` (a script defining `function run(start, ready)`)
   * followed by a prologue that hands it `start` and a `ready` callback; null where the platform
   * has no workers.
   */
  startWorker: ((loop: string, start: WorkerStart) => PoolWorker) | null;
}

/** What a pool worker receives: the compiled kernels, the shared memory, the control block and its index. */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** 1…threads − 1 (0 is the calling thread). */
  index: number;
}

export interface PoolWorker {
  /** Resolves once the worker has instantiated the module and waits for jobs; rejects if it failed to start. */
  ready: Promise<void>;
  terminate(): unknown;
}

/** Fetches `url`; a failure names the URL and, for an HTTP error, the status. */
export async function fetchBytes(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    throw new TesseraError(
      `backend 'wasm': cannot fetch ${url.href}: in Node import the package's node entry ('@tessera/backend-wasm/node', ` +
        "which Node picks for '@tessera/backend-wasm' on its own), or pass the bytes as configureWasmBackend({ source })",
    );
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new TesseraError(`backend 'wasm': fetching ${url.href} failed: ${(e as Error).message}`);
  }
  if (!res.ok) throw new TesseraError(`backend 'wasm': fetching ${url.href} failed with HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A Web Worker running `loop` from a blob URL; `start` arrives as its first message. */
function startWebWorker(loop: string, start: WorkerStart): PoolWorker {
  const prologue = 'onmessage = (e) => { onmessage = null; run(e.data, () => postMessage("ready")); };';
  const url = URL.createObjectURL(new Blob([loop, '\n', prologue], { type: 'text/javascript' }));
  const worker = new Worker(url);
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new TesseraError(`backend 'wasm': a worker failed to start: ${e.message}`));
    };
  }).finally(() => URL.revokeObjectURL(url));
  worker.postMessage(start);
  return { ready, terminate: () => worker.terminate() };
}

let current: WasmPlatform = {
  readBytes: (source) => fetchBytes(new URL(String(source), typeof location === 'undefined' ? undefined : location.href)),
  startWorker: typeof Worker === 'function' ? startWebWorker : null,
};

export function platform(): WasmPlatform {
  return current;
}

/** Replaces some of the platform's operations (src/node.ts installs Node's). */
export function setPlatform(next: Partial<WasmPlatform>): void {
  current = { ...current, ...next };
}
