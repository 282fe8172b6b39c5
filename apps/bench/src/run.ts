import { cpus, totalmem } from 'node:os';
import { imagesToFloat32 } from '@tessera/datasets';
import { loadMnist } from '@tessera/datasets/node';
import { formatTable, type Row } from './harness.js';
import { matmulBench, trainingBench } from './suites.js';

export interface BenchOptions {
  matmulSizes: number[];
  mlpSteps: number;
  lenetSteps: number;
  minMs: number;
  /** Warm-up steps and measured rounds of the training benchmarks (defaults 3 and 2). */
  warmup?: number;
  rounds?: number;
  /** Batch sizes of the training benchmarks (defaults 128 for the MLP, 64 for LeNet-5). */
  mlpBatch?: number;
  lenetBatch?: number;
  log?: (s: string) => void;
}

export interface BenchReport {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string };
  rows: Row[];
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const log = o.log ?? console.log;
  const rows: Row[] = [];
  for (const n of o.matmulSizes) {
    rows.push(await matmulBench(n, { minMs: o.minMs }));
    log(formatTable(rows.slice(-1)).split('\n').at(-1)!);
  }
  if (o.mlpSteps > 0 || o.lenetSteps > 0) {
    const mnist = await loadMnist({ limit: { train: 8192, test: 1 } });
    const data = { images: imagesToFloat32(mnist.train.images), labels: Int32Array.from(mnist.train.labels), n: mnist.train.labels.length };
    if (o.mlpSteps > 0) {
      rows.push(await trainingBench('mlp', data, o.mlpBatch ?? 128, o.mlpSteps, { warmup: o.warmup, rounds: o.rounds }));
      log(formatTable(rows.slice(-1)).split('\n').at(-1)!);
    }
    if (o.lenetSteps > 0) {
      rows.push(await trainingBench('lenet5', data, o.lenetBatch ?? 64, o.lenetSteps, { warmup: o.warmup, rounds: o.rounds }));
      log(formatTable(rows.slice(-1)).split('\n').at(-1)!);
    }
  }
  const c = cpus();
  return {
    machine: { cpu: c[0]?.model ?? 'unknown', cores: c.length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    rows,
  };
}
