import * as tf from '@tensorflow/tfjs-core';
import { matmul, tensor } from '@tessera/core';
import { setThreads } from '@tessera/backend-wasm';
import { useTessera, useTfjs, type Peer, type TesseraContender, tesseraLabel, peerLabel } from './contenders.js';
import { relativeDifference, timeIt } from './harness.js';
import { batchOf, buildTessera, type TrainingData } from './models.js';
import { AGREE, randomArray, readDisposing } from './suites.js';
import { adam } from '@tessera/optimizers';

export interface SweepOptions {
  /** Square matmul sizes. */
  sizes: number[];
  /** wasm thread counts; the machine's core count and beyond show where scaling stops. */
  threads: number[];
  /** Tessera contenders besides wasm on each thread count (cpu, webgpu) and the TF.js peers to sweep. */
  others: TesseraContender[];
  peers: Peer[];
  minMs: number;
  /** MLP 784-128-10 training steps (batch 128) timed per thread count; 0 skips. */
  mlpSteps: number;
}

export interface SweepPoint {
  contender: string;
  n: number;
  ms: number;
  gflops: number;
}

export interface ThreadPoint {
  threads: number;
  /** matmul of the largest swept size. */
  matmulGflops: number;
  /** MLP 784-128-10 training, batch 128. */
  mlpSamplesPerSec: number | null;
}

export interface SweepResult {
  matmul: SweepPoint[];
  threads: ThreadPoint[];
  /** The size the thread sweep multiplies. */
  threadMatmulSize: number;
}

async function timeMatmul(n: number, run: () => Promise<ArrayLike<number>>, reference: ArrayLike<number>, who: string, minMs: number): Promise<number> {
  const diff = relativeDifference(await run(), reference);
  if (!(diff <= AGREE)) throw new Error(`sweep: matmul ${n} on ${who} differs from Tessera cpu's (relative ${diff})`);
  return (await timeIt(run, { warmup: 1, minRepeats: 2, minMs })).median;
}

/**
 * How cost grows with work and threads: matmul GFLOP/s over sizes for every contender (each result
 * checked against Tessera cpu's before it is timed), and wasm's matmul and MLP training throughput
 * over thread counts.
 */
export async function runSweep(o: SweepOptions, data: TrainingData | null, log: (s: string) => void): Promise<SweepResult> {
  const points: SweepPoint[] = [];
  const tessera: TesseraContender[] = [...o.threads.map((threads) => ({ backend: 'wasm' as const, threads })), ...o.others];
  for (const n of o.sizes) {
    const a = randomArray(n * n, 11);
    const b = randomArray(n * n, 12);
    await useTessera({ backend: 'cpu', threads: 1 });
    const ref = await product(a, b, n);
    const add = (contender: string, ms: number): void => {
      const gflops = (2 * n ** 3) / (ms * 1e6);
      points.push({ contender, n, ms, gflops });
      log(`sweep matmul ${String(n).padStart(4)}³  ${contender.padEnd(12)} ${gflops.toFixed(2).padStart(8)} GFLOP/s`);
    };
    for (const c of tessera) {
      await useTessera(c);
      const [ta, tb] = [tensor(a, [n, n]), tensor(b, [n, n])];
      const run = (): Promise<ArrayLike<number>> => readDisposing(matmul(ta, tb));
      add(tesseraLabel(c), await timeMatmul(n, run, ref, tesseraLabel(c), o.minMs));
      ta.dispose();
      tb.dispose();
    }
    for (const peer of o.peers) {
      await useTfjs(peer);
      const [fa, fb] = [tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])];
      const run = (): Promise<ArrayLike<number>> => readDisposing(tf.matMul(fa, fb));
      add(peerLabel(peer), await timeMatmul(n, run, ref, peerLabel(peer), o.minMs));
      fa.dispose();
      fb.dispose();
    }
  }

  const threads: ThreadPoint[] = [];
  const size = Math.max(...o.sizes);
  for (const t of o.threads) {
    await useTessera({ backend: 'wasm', threads: t });
    const matmulGflops = points.find((p) => p.n === size && p.contender === tesseraLabel({ backend: 'wasm', threads: t }))!.gflops;
    const mlpSamplesPerSec = data && o.mlpSteps > 0 ? await mlpThroughput(data, o.mlpSteps) : null;
    threads.push({ threads: t, matmulGflops, mlpSamplesPerSec });
    log(`sweep wasm ${t} thread(s): matmul ${size}³ ${matmulGflops.toFixed(2)} GFLOP/s${mlpSamplesPerSec === null ? '' : `, MLP training ${Math.round(mlpSamplesPerSec)} samples/s`}`);
  }
  await setThreads(1);
  return { matmul: points, threads, threadMatmulSize: size };
}

async function product(a: Float32Array, b: Float32Array, n: number): Promise<ArrayLike<number>> {
  const [ta, tb] = [tensor(a, [n, n]), tensor(b, [n, n])];
  const v = await readDisposing(matmul(ta, tb));
  [ta, tb].forEach((t) => t.dispose());
  return v;
}

/** MLP 784-128-10 training throughput on the active backend (batch 128, Adam), best of two runs. */
async function mlpThroughput(data: TrainingData, steps: number): Promise<number> {
  const batch = 128;
  const model = await buildTessera('mlp');
  model.compile({ optimizer: adam(1e-3), loss: 'categoricalCrossentropy' });
  const step = async (i: number): Promise<void> => {
    const { x, y } = batchOf(data, batch, i);
    const [xt, yt] = [tensor(x, [batch, 784]), tensor(y, [batch, 10])];
    await model.trainOnBatch(xt, yt);
    xt.dispose();
    yt.dispose();
  };
  let best = 0;
  for (let r = 0; r < 2; r++) {
    await step(0);
    const t0 = performance.now();
    for (let i = 1; i <= steps; i++) await step(i);
    best = Math.max(best, (steps * batch) / ((performance.now() - t0) / 1000));
  }
  model.dispose();
  return best;
}
