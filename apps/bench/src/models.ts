import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { memory, resetPeakMemory, tensor, type Tensor } from '@tessera/core';
import { imagesToFloat32 } from '@tessera/datasets';
import { loadTfjsModel, type Model } from '@tessera/models';
import { adam } from '@tessera/optimizers';
import { peerLabel, tesseraLabel, useTessera, useTfjs, type Pairing, type Peer } from './contenders.js';
import { duel, rangeOf, relativeDifference, row, type Row } from './harness.js';
import { AGREE, assertSameInputs, isUnsupported, readDisposing } from './suites.js';

export type ModelKind = 'mlp' | 'lenet5' | 'cnn' | 'resnet' | 'lstm';
export const MODEL_KINDS: ModelKind[] = ['mlp', 'lenet5', 'cnn', 'resnet', 'lstm'];

/**
 * The character LSTM of apps/text-generator's names task (issue 17): Embedding(31, 32) →
 * LSTM(128, every step's output) → Dense(31, softmax), on rows of 16 tokens, next-token targets.
 */
export const TEXT_LSTM = { vocab: 31, steps: 16, embedding: 32, units: 128 } as const;

export const MODEL_NAMES: Record<ModelKind, string> = {
  mlp: 'MLP 784-128-10',
  lenet5: 'LeNet-5',
  cnn: 'CNN 32/64',
  resnet: 'ResNet 16/32/64',
  lstm: `LSTM language model ${TEXT_LSTM.vocab}-${TEXT_LSTM.embedding}-${TEXT_LSTM.units}-${TEXT_LSTM.vocab} (${TEXT_LSTM.steps} steps)`,
};

export interface TrainingData {
  images: Float32Array;
  labels: Int32Array;
  n: number;
}

/** MNIST images (bytes, 784 a row) and labels as the rows take them: pixels scaled to [0, 1]. */
export function trainingData(images: Uint8Array, labels: Uint8Array): TrainingData {
  return { images: imagesToFloat32(images), labels: Int32Array.from(labels), n: labels.length };
}

export function inputShape(kind: ModelKind): number[] {
  return kind === 'mlp' ? [784] : kind === 'lstm' ? [TEXT_LSTM.steps] : [28, 28, 1];
}

/** conv → pool → conv → pool → dense stack of the CNN kinds. */
function convSpec(kind: 'lenet5' | 'cnn'): { filters: [number, number]; padding: 'valid' | 'same'; dense: number[] } {
  return kind === 'lenet5' ? { filters: [6, 16], padding: 'valid', dense: [120, 84] } : { filters: [32, 64], padding: 'same', dense: [128] };
}

/**
 * The residual network of the trainer's `resnet` recipe (@tessera/zoo's `resnet()`, defaults): a 3×3
 * conv-BN-ReLU stem of 16 filters, one residual block per stage at 16, 32 and 64 filters (stride 2
 * and a 1×1 conv-BN projection where the shape changes), global average pooling and a softmax;
 * 78,426 parameters.
 */
function tfjsResnet(): tfl.LayersModel {
  type T = tfl.SymbolicTensor;
  const conv = (t: T, filters: number, kernelSize: number, strides: number, name: string): T => {
    const c = tfl.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name }).apply(t) as T;
    return tfl.layers.batchNormalization({ name: `${name}_bn` }).apply(c) as T;
  };
  const relu = (t: T, name: string): T => tfl.layers.activation({ activation: 'relu', name }).apply(t) as T;
  const x = tfl.input({ shape: [28, 28, 1], name: 'image' });
  let h = relu(conv(x, 16, 3, 1, 'stem_conv'), 'stem_relu');
  let channels = 16;
  for (let s = 0; s < 3; s++) {
    const filters = 16 * 2 ** s;
    const strides = s > 0 ? 2 : 1;
    const name = `stage${s + 1}_block1`;
    const y = conv(relu(conv(h, filters, 3, strides, `${name}_conv1`), `${name}_relu1`), filters, 3, 1, `${name}_conv2`);
    const skip = strides === 1 && channels === filters ? h : conv(h, filters, 1, strides, `${name}_proj`);
    h = relu(tfl.layers.add({ name: `${name}_add` }).apply([y, skip]) as T, `${name}_out`);
    channels = filters;
  }
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(h) as T;
  return tfl.model({ inputs: x, outputs: tfl.layers.dense({ units: 10, activation: 'softmax', name: 'probs' }).apply(pooled) as T, name: 'resnet' });
}

/** A model of the bench built by TF.js's layers API, with fresh random weights. */
export function buildTfjs(kind: ModelKind): tfl.LayersModel {
  if (kind === 'resnet') return tfjsResnet();
  if (kind === 'lstm') {
    const { vocab, steps, embedding, units } = TEXT_LSTM;
    return tfl.sequential({
      name: 'text_lstm',
      layers: [
        tfl.layers.embedding({ inputDim: vocab, outputDim: embedding, inputLength: steps }),
        // TF.js's LSTM defaults to a hard sigmoid on the gates; Keras 3 and Tessera use the sigmoid.
        // Its orthogonal recurrent initializer fails on its wasm backend in 4.22 ("rMat.flatten is
        // not a function"): the starting weights of a speed row need not be orthogonal.
        tfl.layers.lstm({ units, returnSequences: true, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' }),
        tfl.layers.dense({ units: vocab, activation: 'softmax' }),
      ],
    });
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
 * A model of the bench as TF.js saves it (topology and weights, in memory through
 * `io.withSaveHandler`): the one source both frameworks load, so they start from the same weights.
 * Tessera imports it with `loadTfjsModel` (`importTessera`), TF.js with `loadLayersModel`
 * (`loadTfjs`).
 */
export async function savedTfjs(kind: ModelKind): Promise<tf.io.ModelArtifacts> {
  const built = buildTfjs(kind);
  let saved: tf.io.ModelArtifacts | undefined;
  try {
    await built.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
  } finally {
    built.dispose();
  }
  return saved!;
}

/** The saved model in Tessera, on the active backend: `loadTfjsModel`, not compiled. */
export function importTessera(saved: tf.io.ModelArtifacts): Promise<Model> {
  const { modelTopology, weightSpecs, weightData } = saved;
  return loadTfjsModel({ modelTopology, weightSpecs: weightSpecs!, weightData: weightData! }, { compile: false });
}

/** The saved model in TF.js, on its active backend. */
export function loadTfjs(saved: tf.io.ModelArtifacts): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(tf.io.fromMemory(saved));
}

/** A model of the bench in Tessera alone (built by TF.js and imported). */
export async function buildTessera(kind: ModelKind): Promise<Model> {
  return importTessera(await savedTfjs(kind));
}

/** One training batch as both frameworks take it: inputs (pixels, or int32 token ids) and one-hot targets. */
export interface ModelBatch {
  x: Float32Array | Int32Array;
  xShape: number[];
  y: Float32Array;
  yShape: number[];
}

/**
 * Batch i of a model's training data: MNIST images and one-hot labels (`batchOf`), or for the LSTM
 * rows of token ids in [1, vocab) — a fixed pseudo-random text, the same for both frameworks (the
 * speed of a step does not depend on which tokens it sees) — with each next token one-hot as target.
 */
export function batchFor(kind: ModelKind, data: TrainingData, batchSize: number, i: number): ModelBatch {
  if (kind !== 'lstm') {
    const { x, y } = batchOf(data, batchSize, i);
    return { x, xShape: [batchSize, ...inputShape(kind)], y, yShape: [batchSize, 10] };
  }
  const { vocab, steps } = TEXT_LSTM;
  const x = new Int32Array(batchSize * steps);
  const y = new Float32Array(batchSize * steps * vocab);
  const token = (row: number, t: number): number => 1 + (Math.imul((i * batchSize + row) * 0x9e3779b1 + t * 0x85ebca6b, 0xc2b2ae35) >>> 7) % (vocab - 1);
  for (let r = 0; r < batchSize; r++) {
    for (let t = 0; t < steps; t++) {
      x[r * steps + t] = token(r, t);
      y[(r * steps + t) * vocab + token(r, t + 1)] = 1;
    }
  }
  return { x, xShape: [batchSize, steps], y, yShape: [batchSize, steps, vocab] };
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
 * the optimizer's state and the step's working set). Both load the model TF.js built and saved
 * (Tessera through `loadTfjsModel`), so they start from the same weights, and before timing both
 * train on the first batch: their losses must agree. Where the TF.js backend cannot train the
 * model, the row says so and a second row compares with TF.js cpu instead.
 */
export async function trainingBench(kind: ModelKind, data: TrainingData, batchSize: number, steps: number, pairing: Pairing, { warmup = 3, rounds = 2, peerResults }: TrainingOptions = {}): Promise<Row[]> {
  await useTessera(pairing.tessera);
  const name = `${MODEL_NAMES[kind]} training (batch ${batchSize})`;
  const contender = tesseraLabel(pairing.tessera);
  const dtypeOf = (a: Float32Array | Int32Array): 'float32' | 'int32' => (a instanceof Int32Array ? 'int32' : 'float32');

  const saved = await savedTfjs(kind);
  const oursBase = memory().numBytes;
  const ours = await importTessera(saved);
  ours.compile({ optimizer: adam(1e-3), loss: 'categoricalCrossentropy' });
  const stepOurs = async (i: number): Promise<number> => {
    const { x, xShape, y, yShape } = batchFor(kind, data, batchSize, i);
    const [xt, yt] = [tensor(x, xShape, dtypeOf(x)), tensor(y, yShape)];
    const logs = await ours.trainOnBatch(xt, yt);
    xt.dispose();
    yt.dispose();
    return logs['loss']!;
  };

  /** The saved model in TF.js on `peer`, checked to see the same inputs and loss on the first batch as Tessera. */
  const peerModel = async (peer: Peer): Promise<{ theirs: tfl.LayersModel; base: number; stepTheirs: (i: number) => Promise<number> }> => {
    await useTfjs(peer);
    const base = tf.memory().numBytes;
    const theirs = await loadTfjs(saved);
    theirs.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const stepTheirs = async (i: number): Promise<number> => {
      const { x, xShape, y, yShape } = batchFor(kind, data, batchSize, i);
      const [xt, yt] = [tf.tensor(x, xShape, dtypeOf(x)), tf.tensor(y, yShape)];
      try {
        if (i === 0) {
          const xo = tensor(x, xShape, dtypeOf(x));
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
 * batch for both) and reading the probabilities back, on the model TF.js built and saved, which
 * Tessera imports (`loadTfjsModel`). Outputs are checked equal first.
 */
export async function inferenceBench(kind: ModelKind, data: TrainingData, batch: number, pairing: Pairing, o: { minMs: number; rounds?: number }): Promise<Row> {
  await useTfjs(pairing.peer);
  const saved = await savedTfjs(kind);
  const theirs = await loadTfjs(saved);
  await useTessera(pairing.tessera);
  const ours = await importTessera(saved).catch((e: unknown) => {
    theirs.dispose();
    throw e;
  });
  const shape = inputShape(kind);
  const x = data.images.subarray(0, batch * 784);
  const xo = tensor(x, [batch, ...shape]);
  const xt = tf.tensor(x, [batch, ...shape]);
  const name = `${MODEL_NAMES[kind]} inference, batch ${batch}`;
  try {
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
