// What the Node driver (driver.ts) and the page (page.ts) of `pnpm bench --browser` exchange.
import type { TfjsWasmConfig } from '../contenders.js';
import type { Row } from '../harness.js';
import type { BenchOptions, RowsResult } from '../rows.js';
import type { OpOptions } from '../suites.js';

/** The run's options as the page receives them (JSON: no callbacks, the default pairings). */
export type PageOptions = Omit<BenchOptions, 'log' | 'pairings'>;

export interface PageInfo {
  crossOriginIsolated: boolean;
  userAgent: string;
  hardwareConcurrency: number;
}

export interface PageRun extends RowsResult {
  page: PageInfo;
  /** Tessera against itself in the same page: wasm matmul on 2 threads against 1. */
  selfRows: Row[];
}

/** One page load's matmul on Tessera wasm 1T (against TF.js wasm, results checked equal), and the build that ran. */
export interface PageMatmul {
  row: Row;
  build: string | undefined;
}

/** What the page puts on `globalThis.tesseraBench`. */
export interface BenchPage {
  /** Every pairing's rows (and the sweep), then `threadsMatmul`³ on 2 threads against 1 (0 skips it). */
  run(o: PageOptions, threadsMatmul: number): Promise<PageRun>;
  matmul(n: number, o: OpOptions): Promise<PageMatmul>;
  /** Starts TF.js's wasm backend (with `?tfjsThreads=n`: setThreadsCount(n) first) and says how it runs. */
  tfjsWasm(): Promise<TfjsWasmConfig>;
}

/**
 * The MNIST batches on the wire, one binary file: a little-endian uint32 count n, then n × 784
 * image bytes, then n label bytes.
 */
export function encodeBatches(images: Uint8Array, labels: Uint8Array): Uint8Array {
  const n = labels.length;
  if (images.length !== n * 784) throw new Error(`MNIST batches: ${images.length} image bytes for ${n} labels, expected ${n * 784}`);
  const out = new Uint8Array(4 + n * 785);
  new DataView(out.buffer).setUint32(0, n, true);
  out.set(images, 4);
  out.set(labels, 4 + n * 784);
  return out;
}

export function decodeBatches(bytes: Uint8Array): { images: Uint8Array; labels: Uint8Array } {
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (bytes.length !== 4 + n * 785) throw new Error(`MNIST batches: ${bytes.length} bytes for ${n} images, expected ${4 + n * 785}`);
  return { images: bytes.subarray(4, 4 + n * 784), labels: bytes.subarray(4 + n * 784) };
}
