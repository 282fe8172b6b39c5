import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { Random, matmul, setBackend, setSeed, tensor, tidy, type Tensor } from '@tessera/core';
import '@tessera/backend-cpu';
import { Conv2D, Dense, Flatten, MaxPooling2D } from '@tessera/layers';
import { Sequential } from '@tessera/models';
import { adam } from '@tessera/optimizers';
import { relativeDifference, timeIt, type Row, type TimeOptions } from './harness.js';

function randomArray(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => r.uniform(-1, 1));
}

/** n×n×n float32 matmul: GFLOP/s of both, after checking they agree. */
export async function matmulBench(n: number, time: TimeOptions): Promise<Row> {
  await setBackend('cpu');
  await tf.setBackend('cpu');
  const a = randomArray(n * n, 1);
  const b = randomArray(n * n, 2);
  const ta = tensor(a, [n, n]);
  const tb = tensor(b, [n, n]);
  const fa = tf.tensor2d(a, [n, n]);
  const fb = tf.tensor2d(b, [n, n]);
  const ours = tidy(() => matmul(ta, tb).dataSync());
  const theirs = tf.tidy(() => tf.matMul(fa, fb).dataSync());
  const diff = relativeDifference(ours, theirs);
  if (diff > 1e-4) throw new Error(`matmul ${n}: results differ between Tessera and TF.js (relative ${diff})`);
  const tOurs = await timeIt(() => tidy(() => matmul(ta, tb).dataSync()), time);
  const tTheirs = await timeIt(() => tf.tidy(() => tf.matMul(fa, fb).dataSync()), time);
  [ta, tb].forEach((t) => t.dispose());
  [fa, fb].forEach((t) => t.dispose());
  const gflops = (ms: number): number => (2 * n * n * n) / (ms * 1e6);
  return { benchmark: `matmul ${n}³`, unit: 'GFLOP/s', tessera: gflops(tOurs.median), peer: gflops(tTheirs.median), peerName: 'tfjs cpu', ratio: tOurs.median > 0 ? tTheirs.median / tOurs.median : 0 };
}

export interface TrainingData {
  images: Float32Array;
  labels: Int32Array;
  n: number;
}

type ModelKind = 'mlp' | 'lenet5';

function buildTessera(kind: ModelKind): Sequential {
  setSeed(1);
  if (kind === 'mlp') {
    return new Sequential({ layers: [new Dense({ units: 128, activation: 'relu', inputShape: [784] }), new Dense({ units: 10, activation: 'softmax' })] });
  }
  return new Sequential({
    layers: [
      new Conv2D({ filters: 6, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      new MaxPooling2D({ poolSize: 2 }),
      new Conv2D({ filters: 16, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 120, activation: 'relu' }),
      new Dense({ units: 84, activation: 'relu' }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

function buildTfjs(kind: ModelKind): tfl.Sequential {
  if (kind === 'mlp') {
    return tfl.sequential({ layers: [tfl.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }), tfl.layers.dense({ units: 10, activation: 'softmax' })] });
  }
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 120, activation: 'relu' }),
      tfl.layers.dense({ units: 84, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** Training throughput (samples/s) of the same model on the same MNIST batches, Adam 1e-3. */
export async function trainingBench(kind: ModelKind, data: TrainingData, batchSize: number, steps: number, { warmup = 3, rounds = 2 } = {}): Promise<Row> {
  await setBackend('cpu');
  await tf.setBackend('cpu');
  const shape = kind === 'mlp' ? [784] : [28, 28, 1];
  const batches = Math.floor(data.n / batchSize);
  const batch = (i: number): { x: Float32Array; y: Float32Array } => {
    const k = i % batches;
    const x = data.images.subarray(k * batchSize * 784, (k + 1) * batchSize * 784);
    const y = new Float32Array(batchSize * 10);
    for (let j = 0; j < batchSize; j++) y[j * 10 + data.labels[k * batchSize + j]!] = 1;
    return { x, y };
  };

  const ours = buildTessera(kind);
  ours.compile({ optimizer: adam(1e-3), loss: 'categoricalCrossentropy' });
  const theirs = buildTfjs(kind);
  theirs.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });

  const runOurs = async (i: number): Promise<void> => {
    const { x, y } = batch(i);
    const [xt, yt] = [tensor(x, [batchSize, ...shape]), tensor(y, [batchSize, 10])];
    await ours.trainOnBatch(xt, yt);
    xt.dispose();
    yt.dispose();
  };
  const runTheirs = async (i: number): Promise<void> => {
    const { x, y } = batch(i);
    const [xt, yt] = [tf.tensor(x, [batchSize, ...shape]), tf.tensor2d(y, [batchSize, 10])];
    await theirs.trainOnBatch(xt, yt);
    xt.dispose();
    yt.dispose();
  };
  const measure = async (run: (i: number) => Promise<void>): Promise<number> => {
    for (let i = 0; i < warmup; i++) await run(i);
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await run(i + warmup);
    return (steps * batchSize) / ((performance.now() - t0) / 1000);
  };
  // Interleave rounds so drift of the machine hits both alike; report the best round of each.
  let o = 0;
  let t = 0;
  for (let r = 0; r < rounds; r++) {
    o = Math.max(o, await measure(runOurs));
    t = Math.max(t, await measure(runTheirs));
  }
  ours.dispose();
  theirs.dispose();
  const name = kind === 'mlp' ? 'MLP 784-128-10 training' : 'LeNet-5 training';
  return { benchmark: `${name} (batch ${batchSize})`, unit: 'samples/s', tessera: o, peer: t, peerName: 'tfjs cpu', ratio: o / t };
}

export { Tensor };
