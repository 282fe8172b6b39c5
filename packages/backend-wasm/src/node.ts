// The package's Node entry: the browser entry plus Node's ways of reading the module (paths and
// file: URLs from the file system) and of starting workers (worker_threads).
import { TesseraError } from '@tessera/core';
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { fetchBytes, setPlatform, type PoolWorker, type WorkerStart } from './platform.js';

async function readBytes(source: URL | string): Promise<Uint8Array> {
  // A string without a scheme is a file path, relative to the working directory.
  const url = typeof source === 'string' && !/^[a-z]+:\/\//i.test(source) ? source : new URL(String(source));
  if (typeof url !== 'string' && url.protocol !== 'file:') return fetchBytes(url);
  try {
    return new Uint8Array(await readFile(url));
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ENOENT';
    throw new TesseraError(
      `backend 'wasm': cannot read the kernels module at ${String(url)}` +
        (missing ? ' (build it with `pnpm --filter @tessera/backend-wasm build:wasm`)' : `: ${(e as Error).message}`),
    );
  }
}

/** A worker thread evaluating `loop` as a script; `start` arrives as its workerData. */
function startWorker(loop: string, start: WorkerStart): PoolWorker {
  const prologue = 'const { parentPort, workerData } = require("node:worker_threads"); run(workerData, () => parentPort.postMessage("ready"));';
  const worker = new Worker(`${loop}\n${prologue}`, { eval: true, workerData: start });
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => {
      // Idle workers sleep in Atomics.wait; they must not keep the process alive (but a starting
      // one must, or a script awaiting setThreads could exit first).
      worker.unref();
      resolve();
    });
    worker.once('error', reject);
  });
  return { ready, terminate: () => worker.terminate() };
}

setPlatform({ readBytes, startWorker });

export * from './index.js';
