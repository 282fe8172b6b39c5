import { cpus, loadavg, totalmem } from 'node:os';
import { loadMnist } from '@tessera/datasets/node';
import './contenders.node.js';
import { trainingData } from './models.js';
import { runRows, type BenchOptions, type RowsResult } from './rows.js';

export type { BenchOptions } from './rows.js';

/** The page a browser run ran in (`pnpm bench --browser`). */
export interface BrowserInfo {
  /** e.g. 'Chromium 156.0.8078.114' (headless). */
  version: string;
  userAgent: string;
  /** Whether the page was cross-origin isolated (SharedArrayBuffer, so threads). */
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** The command-line flags Chromium ran with. */
  flags: string[];
}

export interface BenchReport extends RowsResult {
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string };
  /** 1, 5 and 15 minute load averages at the start and the end of the run. */
  loadAverage: { start: number[]; end: number[] };
  /** Seconds the whole run took. */
  seconds: number;
  /** Browser runs: the page. */
  browser?: BrowserInfo;
}

/** The machine and its load at this moment (Node: the driver's machine in browser mode too). */
export function machine(): BenchReport['machine'] {
  const c = cpus();
  return { cpu: c[0]?.model ?? 'unknown', cores: c.length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
}

/** The MNIST batches every training and inference row draws from: the first 8,192 training images. */
export async function benchMnist(): Promise<{ images: Uint8Array; labels: Uint8Array }> {
  const mnist = await loadMnist({ limit: { train: 8192, test: 1 } });
  return { images: mnist.train.images, labels: mnist.train.labels };
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const t0 = performance.now();
  const start = loadavg();
  const result = await runRows(o, async () => {
    const { images, labels } = await benchMnist();
    return trainingData(images, labels);
  });
  return {
    date: new Date().toISOString(),
    machine: machine(),
    loadAverage: { start, end: loadavg() },
    seconds: (performance.now() - t0) / 1000,
    ...result,
  };
}
