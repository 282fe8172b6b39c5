import { cpus, loadavg, totalmem } from 'node:os';
import { imagesToFloat32 } from '@tessera/datasets';
import { loadMnist } from '@tessera/datasets/node';
import { PAIRINGS, tesseraLabel, peerLabel, tfjsWasmConfig, useTfjs, type Pairing, type TfjsWasmConfig } from './contenders.js';
import { formatTable, type Row } from './harness.js';
import { matmulBench, trainingBench } from './suites.js';

export interface BenchOptions {
  matmulSizes: number[];
  mlpSteps: number;
  lenetSteps: number;
  minMs: number;
  /** Tessera contenders and their TF.js peers (default: cpu–cpu, wasm 1 thread–wasm, wasm 2 threads–wasm). */
  pairings?: Pairing[];
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
  /** 1, 5 and 15 minute load averages at the start and the end of the run. */
  loadAverage: { start: number[]; end: number[] };
  /** How TF.js's wasm backend ran, when a pairing used it. */
  tfjsWasm?: TfjsWasmConfig;
  rows: Row[];
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const log = o.log ?? console.log;
  const start = loadavg();
  const rows: Row[] = [];
  const add = (r: Row[]): void => {
    rows.push(...r);
    formatTable(r).split('\n').slice(2).forEach((l) => log(l));
  };
  const pairings = o.pairings ?? PAIRINGS;
  let tfjsWasm: TfjsWasmConfig | undefined;
  if (pairings.some((p) => p.peer === 'wasm')) {
    await useTfjs('wasm');
    tfjsWasm = await tfjsWasmConfig();
  }
  const mnist = o.mlpSteps > 0 || o.lenetSteps > 0 ? await loadMnist({ limit: { train: 8192, test: 1 } }) : null;
  const data = mnist && { images: imagesToFloat32(mnist.train.images), labels: Int32Array.from(mnist.train.labels), n: mnist.train.labels.length };
  for (const p of pairings) {
    log(`-- Tessera ${tesseraLabel(p.tessera)} against ${peerLabel(p.peer)}`);
    for (const n of o.matmulSizes) add([await matmulBench(n, p, { minMs: o.minMs })]);
    const training = { warmup: o.warmup, rounds: o.rounds };
    if (data && o.mlpSteps > 0) add(await trainingBench('mlp', data, o.mlpBatch ?? 128, o.mlpSteps, p, training));
    if (data && o.lenetSteps > 0) add(await trainingBench('lenet5', data, o.lenetBatch ?? 64, o.lenetSteps, p, training));
  }
  const c = cpus();
  return {
    machine: { cpu: c[0]?.model ?? 'unknown', cores: c.length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    loadAverage: { start, end: loadavg() },
    ...(tfjsWasm ? { tfjsWasm } : {}),
    rows,
  };
}
