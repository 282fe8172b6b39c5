import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { memory, resetPeakMemory, setSeed, tensor, type Tensor } from '@tessera/core';
import { imagesToFloat32 } from '@tessera/datasets';
import { Activation, Add, BatchNormalization, Conv2D, Dense, Flatten, GlobalAveragePooling2D, MaxPooling2D, input, type SymbolicTensor } from '@tessera/layers';
import { Sequential, model, type Model } from '@tessera/models';
import { adam } from '@tessera/optimizers';
import { peerLabel, tesseraLabel, useTessera, useTfjs, type Pairing, type Peer } from './contenders.js';
import { duel, rangeOf, relativeDifference, row, type Row } from './harness.js';
import { AGREE, assertSameInputs, isUnsupported, readDisposing } from './suites.js';

export type ModelKind = 'mlp' | 'lenet5' | 'cnn' | 'resnet';
export const MODEL_KINDS: ModelKind[] = ['mlp', 'lenet5', 'cnn', 'resnet'];

export const MODEL_NAMES: Record<ModelKind, string> = { mlp: 'MLP 784-128-10', lenet5: 'LeNet-5', cnn: 'CNN 32/64', resnet: 'ResNet 16/32/64' };

export interface TrainingData {
  images: Float32Array;
  labels: Int32Array;
  n: number;
}

/** MNIST images (bytes, 784 a row) and labels as the rows take them: pixels scaled to [0, 1]. */
export function trainingData(images: Uint8Array, labels: Uint8Array): TrainingData {
  return { images: imagesToFloat32(images), labels: Int32Array.from(labels), n: labels.length };
}

function inputShape(kind: ModelKind): number[] {
  return kind === 'mlp' ? [784] : [28, 28, 1];
}

/** conv → pool → conv → pool → dense stack of the CNN kinds, and the MLP; the same in both frameworks. */
function convSpec(kind: 'lenet5' | 'cnn'): { filters: [number, number]; padding: 'valid' | 'same'; dense: number[] } {
  return kind === 'lenet5' ? { filters: [6, 16], padding: 'valid', dense: [120, 84] } : { filters: [32, 64], padding: 'same', dense: [128] };
}

/**
 * The layers a residual network is made of, in one framework's functional API: `resnetGraph` builds
 * the same graph, with the same layer names, from either.
 */
interface GraphOps<T> {
  input(): T;
  conv(t: T, filters: number, kernelSize: number, strides: number, name: string): T;
  batchNorm(t: T, name: string): T;
  relu(t: T, name: string): T;
  add(a: T, b: T, name: string): T;
  pool(t: T): T;
  dense(t: T): T;
}

/**
 * The residual network of the trainer's `resnet` recipe (@tessera/zoo's `resnet()`, defaults): a 3×3
 * conv-BN-ReLU stem of 16 filters, one residual block per stage at 16, 32 and 64 filters (stride 2
 * and a 1×1 conv-BN projection where the shape changes), global average pooling and a softmax;
 * 78,426 parameters.
 */
function resnetGraph<T>(f: GraphOps<T>): { x: T; y: T } {
  const x = f.input();
  const conv = (t: T, filters: number, k: number, strides: number, name: string): T => f.batchNorm(f.conv(t, filters, k, strides, name), `${name}_bn`);
  let h = f.relu(conv(x, 16, 3, 1, 'stem_conv'), 'stem_relu');
  let channels = 16;
  for (let s = 0; s < 3; s++) {
    const filters = 16 * 2 ** s;
    const strides = s > 0 ? 2 : 1;
    const name = `stage${s + 1}_block1`;
    const y = conv(f.relu(conv(h, filters, 3, strides, `${name}_conv1`), `${name}_relu1`), filters, 3, 1, `${name}_conv2`);
    const skip = strides === 1 && channels === filters ? h : conv(h, filters, 1, strides, `${name}_proj`);
    h = f.relu(f.add(y, skip, `${name}_add`), `${name}_out`);
    channels = filters;
  }
  return { x, y: f.dense(f.pool(h)) };
}

export function buildTessera(kind: ModelKind): Model {
  setSeed(1);
  if (kind === 'resnet') {
    const { x, y } = resnetGraph<SymbolicTensor>({
      input: () => input({ shape: [28, 28, 1], name: 'image' }),
      conv: (t, filters, kernelSize, strides, name) => new Conv2D({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name }).apply(t),
      batchNorm: (t, name) => new BatchNormalization({ name }).apply(t),
      relu: (t, name) => new Activation({ activation: 'relu', name }).apply(t),
      add: (a, b, name) => new Add({ name }).apply([a, b]),
      pool: (t) => new GlobalAveragePooling2D({ name: 'pool' }).apply(t),
      dense: (t) => new Dense({ units: 10, activation: 'softmax', name: 'probs' }).apply(t),
    });
    return model({ inputs: x, outputs: y, name: 'resnet' });
  }
  if (kind === 'mlp') {
    return new Sequential({ layers: [new Dense({ units: 128, activation: 'relu', inputShape: [784] }), new Dense({ units: 10, activation: 'softmax' })] });
  }
  const s = convSpec(kind);
  return new Sequential({
    layers: [
      new Conv2D({ filters: s.filters[0], kernelSize: 3, activation: 'relu', padding: s.padding, inputShape: [28, 28, 1] }),
      new MaxPooling2D({ poolSize: 2 }),
      new Conv2D({ filters: s.filters[1], kernelSize: 3, activation: 'relu', padding: s.padding }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      ...s.dense.map((units) => new Dense({ units, activation: 'relu' })),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

export function buildTfjs(kind: ModelKind): tfl.LayersModel {
  if (kind === 'resnet') {
    type T = tfl.SymbolicTensor;
    const { x, y } = resnetGraph<T>({
      input: () => tfl.input({ shape: [28, 28, 1], name: 'image' }),
      conv: (t, filters, kernelSize, strides, name) => tfl.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name }).apply(t) as T,
      batchNorm: (t, name) => tfl.layers.batchNormalization({ name }).apply(t) as T,
      relu: (t, name) => tfl.layers.activation({ activation: 'relu', name }).apply(t) as T,
      add: (a, b, name) => tfl.layers.add({ name }).apply([a, b]) as T,
      pool: (t) => tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(t) as T,
      dense: (t) => tfl.layers.dense({ units: 10, activation: 'softmax', name: 'probs' }).apply(t) as T,
    });
    return tfl.model({ inputs: x, outputs: y, name: 'resnet' });
  }
  if (kind === 'mlp') {
    return tfl.sequential({ layers: [tfl.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }), tfl.layers.dense({ units: 10, activation: 'softmax' })] });
  }
  const s = convSpec(kind);
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: s.filters[0], kernelSize: 3, activation: 'relu', padding: s.padding, inputShape: [28, 28, 1] }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: s.filters[1], kernelSize: 3, activation: 'relu', padding: s.padding }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      ...s.dense.map((units) => tfl.layers.dense({ units, activation: 'relu' })),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/**
 * Gives the TF.js model Tessera's current weights (same layouts: HWIO kernels, [in, out] dense;
 * BatchNormalization's gamma, beta, moving mean and variance). Sequential models match in layer
 * order; a functional model's layers by name, since the two frameworks may order a graph's
 * branches differently.
 */
async function copyWeights(ours: Model, theirs: tfl.LayersModel): Promise<void> {
  if (!(ours instanceof Sequential)) {
    for (const layer of ours.layers) {
      const ws = layer.getWeights();
      if (ws.length === 0) continue;
      const copies = await Promise.all(ws.map(async (w) => tf.tensor((await w.data()) as Float32Array, [...w.shape])));
      try {
        theirs.getLayer(layer.name).setWeights(copies);
      } finally {
        copies.forEach((t) => t.dispose());
        ws.forEach((w) => w.dispose());
      }
    }
    return;
  }
  const ws = ours.getWeights();
  const shapes = theirs.getWeights().map((w) => w.shape.join('x'));
  if (ws.length !== shapes.length || ws.some((w, i) => w.shape.join('x') !== shapes[i])) {
    throw new Error(`the models' weights differ: Tessera ${ws.map((w) => w.shape.join('x')).join(', ')}, TF.js ${shapes.join(', ')}`);
  }
  const values = await Promise.all(ws.map((w) => w.data()));
  const copies = ws.map((w, i) => tf.tensor(values[i] as Float32Array, [...w.shape]));
  theirs.setWeights(copies);
  copies.forEach((t) => t.dispose());
  ws.forEach((w) => w.dispose());
}

/** Batch k (cycling) of the data: images and one-hot labels. */
export function batchOf(data: TrainingData, batchSize: number, i: number): { x: Float32Array; y: Float32Array } {
  const batches = Math.floor(data.n / batchSize);
  if (batches < 1) throw new Error(`the benchmark data has ${data.n} images, fewer than one batch of ${batchSize}`);
  const k = i % batches;
  const x = data.images.subarray(k * batchSize * 784, (k + 1) * batchSize * 784);
  const y = new Float32Array(batchSize * 10);
  for (let j = 0; j < batchSize; j++) y[j * 10 + data.labels[k * batchSize + j]!] = 1;
  return { x, y };
}

export interface TrainingOptions {
  warmup?: number;
  rounds?: number;
  /**
   * TF.js results by `peerKey`, filled by every training row. A CNN row that falls back to TF.js
   * cpu reuses the one measured for the cpu pairing in the same run instead of training TF.js cpu
   * again (minutes a row), and says so.
   */
  peerResults?: Map<string, PeerTraining>;
}

export interface PeerTraining {
  samplesPerSec: number;
  peakMB: number;
}

function peerKey(peer: Peer, kind: ModelKind, batchSize: number, steps: number): string {
  return `${peer}:${kind}:${batchSize}:${steps}`;
}

const MB = 2 ** 20;

/**
 * Training throughput (samples/s) of the same model on the same MNIST batches, Adam 1e-3, each
 * framework through its own trainOnBatch; and the peak tensor memory of one step (the weights,
 * the optimizer's state and the step's working set). Before timing, TF.js gets Tessera's initial
 * weights and both train on the first batch: their losses must agree. Where the TF.js backend
 * cannot train the model, the row says so and a second row compares with TF.js cpu instead.
 */
export async function trainingBench(kind: ModelKind, data: TrainingData, batchSize: number, steps: number, pairing: Pairing, { warmup = 3, rounds = 2, peerResults }: TrainingOptions = {}): Promise<Row[]> {
  await useTessera(pairing.tessera);
  const shape = inputShape(kind);
  const name = `${MODEL_NAMES[kind]} training (batch ${batchSize})`;
  const contender = tesseraLabel(pairing.tessera);

  const oursBase = memory().numBytes;
  const ours = buildTessera(kind);
  ours.compile({ optimizer: adam(1e-3), loss: 'categoricalCrossentropy' });
  const stepOurs = async (i: number): Promise<number> => {
    const { x, y } = batchOf(data, batchSize, i);
    const [xt, yt] = [tensor(x, [batchSize, ...shape]), tensor(y, [batchSize, 10])];
    const logs = await ours.trainOnBatch(xt, yt);
    xt.dispose();
    yt.dispose();
    return logs['loss']!;
  };

  /** A TF.js model on `peer` with Tessera's weights, checked to see the same inputs and loss on the first batch. */
  const peerModel = async (peer: Peer): Promise<{ theirs: tfl.LayersModel; base: number; stepTheirs: (i: number) => Promise<number> }> => {
    await useTfjs(peer);
    const base = tf.memory().numBytes;
    const theirs = buildTfjs(kind);
    theirs.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const stepTheirs = async (i: number): Promise<number> => {
      const { x, y } = batchOf(data, batchSize, i);
      const [xt, yt] = [tf.tensor(x, [batchSize, ...shape]), tf.tensor2d(y, [batchSize, 10])];
      try {
        if (i === 0) {
          const xo = tensor(x, [batchSize, ...shape]);
          assertSameInputs(name, await xo.data(), await xt.data());
          xo.dispose();
        }
        return (await theirs.trainOnBatch(xt, yt)) as number;
      } finally {
        xt.dispose();
        yt.dispose();
      }
    };
    try {
      await copyWeights(ours, theirs);
      const lossTheirs = await stepTheirs(0);
      const lossOurs = await stepOurs(0);
      const diff = Math.abs(lossOurs - lossTheirs) / Math.abs(lossTheirs);
      if (!(diff <= AGREE)) throw new Error(`${name}: first-step losses differ between Tessera (${lossOurs}) and ${peerLabel(peer)} (${lossTheirs})`);
    } catch (e) {
      theirs.dispose();
      throw e;
    }
    return { theirs, base, stepTheirs };
  };

  const rows: Row[] = [];
  let peer = pairing.peer;
  let model: Awaited<ReturnType<typeof peerModel>> | null = null;
  let cached: PeerTraining | undefined;
  try {
    model = await peerModel(peer);
  } catch (e) {
    if (peer === 'cpu' || !isUnsupported(e)) {
      ours.dispose();
      throw e;
    }
    rows.push({ benchmark: name, unit: 'samples/s', contender, tessera: NaN, peerName: peerLabel(peer), peer: null, ratio: null, note: `not supported by ${peerLabel(peer)}`, detail: String((e as Error)?.message ?? e) });
    peer = 'cpu';
    cached = peerResults?.get(peerKey(peer, kind, batchSize, steps));
    if (!cached) model = await peerModel(peer);
  }
  /** Samples/s over `steps` steps after up to `warmup` warm-up steps (one is enough for a step of a second or more). */
  const measure = async (run: (i: number) => Promise<number>): Promise<number> => {
    for (let i = 1; i <= warmup; i++) {
      const t0 = performance.now();
      await run(i);
      if (performance.now() - t0 >= 1000) break;
    }
    const t0 = performance.now();
    for (let i = 1; i <= steps; i++) await run(i + warmup);
    return (steps * batchSize) / ((performance.now() - t0) / 1000);
  };
  // Interleave rounds so drift of the machine hits both alike; report the best round of each.
  const oursRounds: number[] = [];
  const theirsRounds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    oursRounds.push(await measure(stepOurs));
    if (model) theirsRounds.push(await measure(model.stepTheirs));
  }
  const o = Math.max(...oursRounds);
  const t = model ? Math.max(...theirsRounds) : cached!.samplesPerSec;
  const spread = (v: number[]): [number, number] => [Math.min(...v), Math.max(...v)];
  // Peak memory of one more step each.
  resetPeakMemory();
  await stepOurs(1);
  const peakOurs = (memory().peakBytes - oursBase) / MB;
  let peakTheirs = cached?.peakMB ?? NaN;
  if (model) {
    const info = await tf.profile(() => model.stepTheirs(1));
    peakTheirs = (info.peakBytes - model.base) / MB;
    model.theirs.dispose();
    peerResults?.set(peerKey(peer, kind, batchSize, steps), { samplesPerSec: t, peakMB: peakTheirs });
  }
  ours.dispose();
  for (const r of rows) {
    r.tessera = o;
    r.range = { tessera: spread(oursRounds), peer: null };
  }
  const fallback = peer !== pairing.peer ? { note: `instead of ${peerLabel(pairing.peer)}${cached ? ', measured in the cpu pairing of this run' : ''}` } : {};
  rows.push(row(name, 'samples/s', contender, o, peerLabel(peer), t, { ...fallback, range: { tessera: spread(oursRounds), peer: model ? spread(theirsRounds) : null } }));
  rows.push(row(`peak tensor memory, ${name} step`, 'MB', contender, peakOurs, peerLabel(peer), peakTheirs, fallback));
  return rows;
}

/**
 * Inference latency, ms: `predict` on one batch of `batch` MNIST images (one pass: batchSize =
 * batch for both) and reading the probabilities back. Outputs are checked equal first.
 */
export async function inferenceBench(kind: ModelKind, data: TrainingData, batch: number, pairing: Pairing, o: { minMs: number; rounds?: number }): Promise<Row> {
  await useTessera(pairing.tessera);
  const shape = inputShape(kind);
  const ours = buildTessera(kind);
  await useTfjs(pairing.peer);
  const theirs = buildTfjs(kind);
  const x = data.images.subarray(0, batch * 784);
  const xo = tensor(x, [batch, ...shape]);
  const xt = tf.tensor(x, [batch, ...shape]);
  const name = `${MODEL_NAMES[kind]} inference, batch ${batch}`;
  try {
    await copyWeights(ours, theirs);
    assertSameInputs(name, await xo.data(), await xt.data());
    const runOurs = (): Promise<ArrayLike<number>> => readDisposing(ours.predict(xo, { batchSize: batch }) as Tensor);
    const runTheirs = (): Promise<ArrayLike<number>> => readDisposing(theirs.predict(xt, { batchSize: batch }) as tf.Tensor);
    const diff = relativeDifference(await runOurs(), await runTheirs());
    if (!(diff <= AGREE)) throw new Error(`${name}: predictions differ between Tessera and ${peerLabel(pairing.peer)} (relative ${diff})`);
    const t = await duel(runOurs, runTheirs, { minMs: o.minMs, minRepeats: 3, rounds: o.rounds ?? 2 });
    const ms = (v: number): number => v;
    return row(name, 'ms', tesseraLabel(pairing.tessera), t.ours.median, peerLabel(pairing.peer), t.theirs.median, {
      range: { tessera: rangeOf(t.ours, ms), peer: rangeOf(t.theirs, ms) },
    });
  } finally {
    xo.dispose();
    xt.dispose();
    ours.dispose();
    theirs.dispose();
  }
}
