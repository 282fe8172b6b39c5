import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Random, matmul, setSeed, tensor, tidy, type Tensor } from '@tessera/core';
import { Conv2D, Dense, Flatten, MaxPooling2D } from '@tessera/layers';
import { Sequential } from '@tessera/models';
import { adam } from '@tessera/optimizers';
import { peerLabel, tesseraLabel, useTessera, useTfjs, type Pairing } from './contenders.js';
import { relativeDifference, timeIt, type Row } from './harness.js';

/** Largest relative difference allowed between Tessera's and TF.js's results before timing. */
const AGREE = 1e-4;

function randomArray(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => r.uniform(-1, 1));
}

function assertSameInputs(what: string, ours: ArrayLike<number>, theirs: ArrayLike<number>): void {
  if (relativeDifference(ours, theirs) !== 0) throw new Error(`${what}: the inputs Tessera and TF.js hold differ`);
}

export interface MatmulOptions {
  minMs: number;
  /** Interleaved timing rounds per contender (default 2); the best round's median is reported. */
  rounds?: number;
}

/** n×n×n float32 matmul: GFLOP/s of both, after checking they hold the same inputs and agree. */
export async function matmulBench(n: number, pairing: Pairing, { minMs, rounds = 2 }: MatmulOptions): Promise<Row> {
  await useTessera(pairing.tessera);
  await useTfjs(pairing.peer);
  const a = randomArray(n * n, 1);
  const b = randomArray(n * n, 2);
  const ta = tensor(a, [n, n]);
  const tb = tensor(b, [n, n]);
  const fa = tf.tensor2d(a, [n, n]);
  const fb = tf.tensor2d(b, [n, n]);
  try {
    assertSameInputs(`matmul ${n}`, ta.dataSync(), fa.dataSync());
    assertSameInputs(`matmul ${n}`, tb.dataSync(), fb.dataSync());
    const ours = (): unknown => tidy(() => matmul(ta, tb).dataSync());
    const theirs = (): unknown => tf.tidy(() => tf.matMul(fa, fb).dataSync());
    const diff = relativeDifference(ours() as Float32Array, theirs() as Float32Array);
    if (diff > AGREE) throw new Error(`matmul ${n}: results differ between Tessera and TF.js (relative ${diff})`);
    // Interleave rounds so drift of the machine hits both alike.
    let tOurs = Infinity;
    let tTheirs = Infinity;
    const time = { minMs: minMs / rounds, minRepeats: 3 };
    for (let r = 0; r < rounds; r++) {
      tOurs = Math.min(tOurs, (await timeIt(ours, time)).median);
      tTheirs = Math.min(tTheirs, (await timeIt(theirs, time)).median);
    }
    const gflops = (ms: number): number => (2 * n * n * n) / (ms * 1e6);
    return {
      benchmark: `matmul ${n}³`, unit: 'GFLOP/s', contender: tesseraLabel(pairing.tessera), tessera: gflops(tOurs),
      peerName: peerLabel(pairing.peer), peer: gflops(tTheirs), ratio: tTheirs / tOurs,
    };
  } finally {
    [ta, tb].forEach((t) => t.dispose());
    [fa, fb].forEach((t) => t.dispose());
  }
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

/** Gives the TF.js model Tessera's current weights (same layer order and layouts: HWIO kernels, [in, out] dense). */
function copyWeights(ours: Sequential, theirs: tfl.Sequential): void {
  const ws = ours.getWeights();
  const shapes = theirs.getWeights().map((w) => w.shape.join('x'));
  if (ws.length !== shapes.length || ws.some((w, i) => w.shape.join('x') !== shapes[i])) {
    throw new Error(`the models' weights differ: Tessera ${ws.map((w) => w.shape.join('x')).join(', ')}, TF.js ${shapes.join(', ')}`);
  }
  theirs.setWeights(ws.map((w) => tf.tensor(w.dataSync() as Float32Array, [...w.shape])));
  ws.forEach((w) => w.dispose());
}

/** TF.js's wasm backend registers no Conv2DBackpropFilter (and some other gradient kernels). */
function isUnsupported(e: unknown): boolean {
  return /not (yet )?(implemented|registered|found)/i.test(String((e as Error)?.message ?? e));
}

export interface TrainingOptions {
  warmup?: number;
  rounds?: number;
}

/**
 * Training throughput (samples/s) of the same model on the same MNIST batches, Adam 1e-3, each
 * framework through its own trainOnBatch. Before timing, TF.js gets Tessera's initial weights and
 * both train on the first batch: their losses must agree. Where the TF.js backend cannot train
 * the model, the row says so and a second row compares with TF.js cpu instead.
 */
export async function trainingBench(kind: ModelKind, data: TrainingData, batchSize: number, steps: number, pairing: Pairing, { warmup = 3, rounds = 2 }: TrainingOptions = {}): Promise<Row[]> {
  await useTessera(pairing.tessera);
  const shape = kind === 'mlp' ? [784] : [28, 28, 1];
  const batches = Math.floor(data.n / batchSize);
  const batch = (i: number): { x: Float32Array; y: Float32Array } => {
    const k = i % batches;
    const x = data.images.subarray(k * batchSize * 784, (k + 1) * batchSize * 784);
    const y = new Float32Array(batchSize * 10);
    for (let j = 0; j < batchSize; j++) y[j * 10 + data.labels[k * batchSize + j]!] = 1;
    return { x, y };
  };
  const name = `${kind === 'mlp' ? 'MLP 784-128-10 training' : 'LeNet-5 training'} (batch ${batchSize})`;
  const contender = tesseraLabel(pairing.tessera);

  const ours = buildTessera(kind);
  ours.compile({ optimizer: adam(1e-3), loss: 'categoricalCrossentropy' });
  const stepOurs = async (i: number): Promise<number> => {
    const { x, y } = batch(i);
    const [xt, yt] = [tensor(x, [batchSize, ...shape]), tensor(y, [batchSize, 10])];
    const logs = await ours.trainOnBatch(xt, yt);
    xt.dispose();
    yt.dispose();
    return logs['loss']!;
  };

  /** A TF.js model on `peer` with Tessera's weights, checked to see the same inputs and loss on the first batch. */
  const peerModel = async (peer: 'cpu' | 'wasm'): Promise<{ theirs: tfl.Sequential; stepTheirs: (i: number) => Promise<number> }> => {
    await useTfjs(peer);
    const theirs = buildTfjs(kind);
    theirs.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    copyWeights(ours, theirs);
    const stepTheirs = async (i: number): Promise<number> => {
      const { x, y } = batch(i);
      const [xt, yt] = [tf.tensor(x, [batchSize, ...shape]), tf.tensor2d(y, [batchSize, 10])];
      try {
        if (i === 0) {
          const xo = tensor(x, [batchSize, ...shape]);
          assertSameInputs(name, xo.dataSync(), xt.dataSync());
          xo.dispose();
        }
        return (await theirs.trainOnBatch(xt, yt)) as number;
      } finally {
        xt.dispose();
        yt.dispose();
      }
    };
    try {
      const lossTheirs = await stepTheirs(0);
      const lossOurs = await stepOurs(0);
      const diff = Math.abs(lossOurs - lossTheirs) / Math.abs(lossTheirs);
      if (!(diff <= AGREE)) throw new Error(`${name}: first-step losses differ between Tessera (${lossOurs}) and ${peerLabel(peer)} (${lossTheirs})`);
    } catch (e) {
      theirs.dispose();
      throw e;
    }
    return { theirs, stepTheirs };
  };

  const rows: Row[] = [];
  let peer = pairing.peer;
  let model: Awaited<ReturnType<typeof peerModel>>;
  try {
    model = await peerModel(peer);
  } catch (e) {
    if (peer === 'cpu' || !isUnsupported(e)) throw e;
    rows.push({ benchmark: name, unit: 'samples/s', contender, tessera: NaN, peerName: peerLabel(peer), peer: null, ratio: null, note: `not supported by ${peerLabel(peer)}`, detail: String((e as Error)?.message ?? e) });
    peer = 'cpu';
    model = await peerModel(peer);
  }
  const { theirs, stepTheirs } = model;
  const measure = async (run: (i: number) => Promise<number>): Promise<number> => {
    for (let i = 1; i <= warmup; i++) await run(i);
    const t0 = performance.now();
    for (let i = 1; i <= steps; i++) await run(i + warmup);
    return (steps * batchSize) / ((performance.now() - t0) / 1000);
  };
  // Interleave rounds so drift of the machine hits both alike; report the best round of each.
  let o = 0;
  let t = 0;
  for (let r = 0; r < rounds; r++) {
    o = Math.max(o, await measure(stepOurs));
    t = Math.max(t, await measure(stepTheirs));
  }
  ours.dispose();
  theirs.dispose();
  rows.forEach((row) => (row.tessera = o));
  rows.push({ benchmark: name, unit: 'samples/s', contender, tessera: o, peerName: peerLabel(peer), peer: t, ratio: o / t, ...(peer !== pairing.peer ? { note: `instead of ${peerLabel(pairing.peer)}` } : {}) });
  return rows;
}

export { Tensor };
