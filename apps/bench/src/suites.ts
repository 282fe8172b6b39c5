import * as tf from '@tensorflow/tfjs-core';
import { grads, valueAndGrad } from '@tessera/autograd';
import { Random, add, conv2d, matmul, mean, slice, softmaxCrossEntropy, sum, tensor, tidy, type Tensor } from '@tessera/core';
import { setThreads } from '@tessera/backend-wasm';
import { peerLabel, tesseraLabel, useTessera, useTfjs, type Pairing, type TesseraContender } from './contenders.js';
import { duel, rangeOf, relativeDifference, row, timeIt, type Row } from './harness.js';

/** Largest relative difference allowed between Tessera's and TF.js's results before timing. */
export const AGREE = 1e-4;

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => scale * r.uniform(-1, 1));
}

export function assertSameInputs(what: string, ours: ArrayLike<number>, theirs: ArrayLike<number>): void {
  if (relativeDifference(ours, theirs) !== 0) throw new Error(`${what}: the inputs Tessera and TF.js hold differ`);
}

/** Concatenates what both frameworks computed, to compare them in one go. */
function joined(parts: ArrayLike<number>[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p as ArrayLike<number>, o);
    o += p.length;
  }
  return out;
}

export interface OpOptions {
  minMs: number;
  /** Interleaved timing rounds per contender (default 2); the best round's median is reported. */
  rounds?: number;
}

/** A Tessera tensor and a TF.js tensor made from the same values, checked to hold them. */
interface Twin {
  ours: Tensor;
  theirs: tf.Tensor;
}

async function twin(what: string, values: Float32Array, shape: number[]): Promise<Twin> {
  const t: Twin = { ours: tensor(values, shape), theirs: tf.tensor(values, shape) };
  assertSameInputs(what, await t.ours.data(), await t.theirs.data());
  return t;
}

function disposeTwins(ts: Twin[]): void {
  for (const t of ts) {
    t.ours.dispose();
    t.theirs.dispose();
  }
}

/** A row's two sides: the Tessera contender and what it is measured against. */
interface Labels {
  contender: string;
  peerName: string;
}

function sides(p: Pairing): Labels {
  return { contender: tesseraLabel(p.tessera), peerName: peerLabel(p.peer) };
}

/**
 * The common shape of an op benchmark: both sides compute (and read back) their result once, the
 * results must agree within `AGREE`, then both are timed in alternating rounds. `work` turns ms per
 * run into the row's unit.
 */
async function compareOp(
  name: string,
  unit: string,
  { contender, peerName }: Labels,
  ours: () => Promise<ArrayLike<number>[]>,
  theirs: () => Promise<ArrayLike<number>[]>,
  toUnit: (ms: number) => number,
  o: OpOptions,
  tolerance = AGREE,
  scale = 0,
): Promise<Row> {
  let a: ArrayLike<number>[];
  try {
    a = await theirs();
  } catch (e) {
    if (!isUnsupported(e)) throw e;
    const alone = await timeIt(ours, { minMs: o.minMs / 2, minRepeats: 3 });
    return { benchmark: name, unit, contender, tessera: toUnit(alone.median), range: { tessera: rangeOf(alone, toUnit), peer: null }, peerName, peer: null, ratio: null, note: `not supported by ${peerName}`, detail: String((e as Error)?.message ?? e) };
  }
  const diff = relativeDifference(joined(await ours()), joined(a), scale);
  if (!(diff <= tolerance)) throw new Error(`${name}: results differ between Tessera ${contender} and ${peerName} (relative ${diff})`);
  const t = await duel(ours, theirs, { minMs: o.minMs, minRepeats: 3, rounds: o.rounds ?? 2 });
  return row(name, unit, contender, toUnit(t.ours.median), peerName, toUnit(t.theirs.median), {
    range: { tessera: rangeOf(t.ours, toUnit), peer: rangeOf(t.theirs, toUnit) },
  });
}

/** n×n×n float32 matmul, result read back: GFLOP/s of both. */
export async function matmulBench(n: number, pairing: Pairing, o: OpOptions): Promise<Row> {
  await useTessera(pairing.tessera);
  await useTfjs(pairing.peer);
  const ts = [await twin(`matmul ${n}`, randomArray(n * n, 1), [n, n]), await twin(`matmul ${n}`, randomArray(n * n, 2), [n, n])];
  const [a, b] = ts as [Twin, Twin];
  try {
    return await compareOp(
      `matmul ${n}³`, 'GFLOP/s', sides(pairing),
      async () => [await readDisposing(matmul(a.ours, b.ours))],
      async () => [await readDisposing(tf.matMul(a.theirs, b.theirs))],
      (ms) => (2 * n ** 3) / (ms * 1e6), o,
    );
  } finally {
    disposeTwins(ts);
  }
}

/**
 * Tessera against itself: n×n×n matmul on Tessera wasm with `threads` threads against 1 thread,
 * on the same tensors (results checked equal, then timed in alternating rounds): GFLOP/s of both.
 */
export async function matmulThreadsBench(n: number, threads: number, o: OpOptions): Promise<Row> {
  const many: TesseraContender = { backend: 'wasm', threads };
  const one: TesseraContender = { backend: 'wasm', threads: 1 };
  await useTessera(one);
  const [a, b] = [tensor(randomArray(n * n, 1), [n, n]), tensor(randomArray(n * n, 2), [n, n])];
  await useTessera(many);
  // Switching the thread count between rounds; within a round setThreads is a no-op.
  const on = (c: TesseraContender) => async (): Promise<ArrayLike<number>[]> => {
    await setThreads(c.threads);
    return [await readDisposing(matmul(a, b))];
  };
  try {
    return await compareOp(
      `matmul ${n}³, ${threads} threads against 1`, 'GFLOP/s', { contender: tesseraLabel(many), peerName: `Tessera ${tesseraLabel(one)}` },
      on(many), on(one), (ms) => (2 * n ** 3) / (ms * 1e6), o,
    );
  } finally {
    await setThreads(1);
    a.dispose();
    b.dispose();
  }
}

/** Reads a tensor of either framework (both have `data()` and `dispose()`) and disposes of it. */
export async function readDisposing(t: { data(): Promise<unknown>; dispose(): void }): Promise<ArrayLike<number>> {
  try {
    return (await t.data()) as ArrayLike<number>;
  } finally {
    t.dispose();
  }
}

/** A convolution of the MNIST models: NHWC input, HWIO filter, stride 1. */
export interface ConvShape {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  padding: 'valid' | 'same';
}

/** The second convolution of LeNet-5 and of the 32/64 CNN (the costly ones), at a training batch. */
export function convShapes(batch: number): ConvShape[] {
  return [
    { name: 'LeNet-5 conv2 6→16', x: [batch, 13, 13, 6], filter: [3, 3, 6, 16], padding: 'valid' },
    { name: 'CNN conv2 32→64', x: [batch, 14, 14, 32], filter: [3, 3, 32, 64], padding: 'same' },
  ];
}

function convFlops(s: ConvShape): number {
  const [n, h, w] = s.x;
  const [fh, fw, c, k] = s.filter;
  const [oh, ow] = s.padding === 'same' ? [h, w] : [h - fh + 1, w - fw + 1];
  return 2 * n * oh * ow * k * fh * fw * c;
}

/**
 * conv2d forward (GFLOP/s) and backward: both gradients, input and filter, from an upstream
 * gradient (GFLOP/s of the two products, each as costly as the forward one).
 */
export async function convBench(s: ConvShape, pairing: Pairing, o: OpOptions): Promise<Row[]> {
  await useTessera(pairing.tessera);
  await useTfjs(pairing.peer);
  const [n, h, w] = s.x;
  const oshape = s.padding === 'same' ? [n, h, w, s.filter[3]] : [n, h - 2, w - 2, s.filter[3]];
  const ts = [
    await twin(s.name, randomArray(s.x.reduce((p, d) => p * d), 3), s.x),
    await twin(s.name, randomArray(s.filter.reduce((p, d) => p * d), 4, 0.3), s.filter),
    await twin(s.name, randomArray(oshape.reduce((p, d) => p * d), 5), oshape),
  ];
  const [x, f, dy] = ts as [Twin, Twin, Twin];
  const flops = convFlops(s);
  const dims = `${s.x.join('×')} * ${s.filter.join('×')}`;
  try {
    const forward = await compareOp(
      `conv2d forward, ${s.name} (${dims})`, 'GFLOP/s', sides(pairing),
      async () => [await readDisposing(conv2d(x.ours, f.ours, 1, s.padding))],
      async () => [await readDisposing(tf.conv2d(x.theirs as tf.Tensor4D, f.theirs as tf.Tensor4D, 1, s.padding))],
      (ms) => flops / (ms * 1e6), o,
    );
    const oursGrad = grads((a, b) => conv2d(a, b, 1, s.padding));
    const theirsGrad = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, s.padding));
    const backward = await compareOp(
      `conv2d backward (input + filter), ${s.name}`, 'GFLOP/s', sides(pairing),
      async () => {
        const [dx, df] = oursGrad([x.ours, f.ours], dy.ours) as [Tensor, Tensor];
        return [await readDisposing(dx), await readDisposing(df)];
      },
      async () => {
        const [dx, df] = theirsGrad([x.theirs, f.theirs], dy.theirs) as [tf.Tensor, tf.Tensor];
        return [await readDisposing(dx), await readDisposing(df)];
      },
      (ms) => (2 * flops) / (ms * 1e6), o,
    );
    return [forward, backward];
  } finally {
    disposeTwins(ts);
  }
}

/**
 * Memory bandwidth, GB/s: `chain` element-wise adds of two n-element float32 tensors in a row (each
 * reads 8 bytes and writes 4 per element), then one element read back; and a sum of all n elements
 * to a scalar (4 bytes read per element).
 */
export async function bandwidthBench(n: number, pairing: Pairing, o: OpOptions, chain = 8): Promise<Row[]> {
  await useTessera(pairing.tessera);
  await useTfjs(pairing.peer);
  const ts = [await twin('bandwidth', randomArray(n, 6), [n]), await twin('bandwidth', randomArray(n, 7), [n])];
  const [a, b] = ts as [Twin, Twin];
  const size = n >= 2 ** 20 ? `${n / 2 ** 20}M` : `${n / 2 ** 10}k`;
  try {
    // Checked in full once (one add), then timed as the chain with a one-element read.
    const sumCheck = add(a.ours, b.ours);
    const sumTheirs = tf.add(a.theirs, b.theirs);
    const diff = relativeDifference(await readDisposing(sumCheck), await readDisposing(sumTheirs));
    if (!(diff <= AGREE)) throw new Error(`add ${size}: results differ (relative ${diff})`);
    const addRow = await compareOp(
      `add, ${chain} in a row, ${size} float32`, 'GB/s', sides(pairing),
      async () => [await readDisposing(tidy(() => {
        let y = a.ours;
        for (let i = 0; i < chain; i++) y = add(y, b.ours);
        return slice(y, [n - 1], [1]);
      }))],
      async () => [await readDisposing(tf.tidy(() => {
        let y = a.theirs;
        for (let i = 0; i < chain; i++) y = tf.add(y, b.theirs);
        return tf.slice(y, [n - 1], [1]);
      }))],
      (ms) => (chain * 12 * n) / (ms * 1e6), o, 1e-5,
    );
    // float32 sums of n values round by up to about log2(n)·ε·Σ|x| (tree) or more (runs): the two
    // must agree within 1e-5·Σ|x|, not relative to the (much smaller) sum itself.
    let absSum = 0;
    for (const v of await a.ours.data()) absSum += Math.abs(v);
    const sumRow = await compareOp(
      `sum to a scalar, ${size} float32`, 'GB/s', sides(pairing),
      async () => [await readDisposing(sum(a.ours))],
      async () => [await readDisposing(tf.sum(a.theirs))],
      (ms) => (4 * n) / (ms * 1e6), o, 1e-5, absSum,
    );
    return [addRow, sumRow];
  } finally {
    disposeTwins(ts);
  }
}

/** Mean softmax cross-entropy of [rows, classes] logits and its gradient (forward + backward), ms per call. */
export async function softmaxCeBench(rows: number, classes: number, pairing: Pairing, o: OpOptions): Promise<Row> {
  await useTessera(pairing.tessera);
  await useTfjs(pairing.peer);
  const r = new Random(8);
  const labels = new Float32Array(rows * classes);
  for (let i = 0; i < rows; i++) labels[i * classes + Math.floor(r.uniform(0, classes))] = 1;
  const ts = [await twin('softmax cross-entropy', randomArray(rows * classes, 9, 4), [rows, classes]), await twin('softmax cross-entropy', labels, [rows, classes])];
  const [logits, y] = ts as [Twin, Twin];
  const ours = valueAndGrad((l) => mean(softmaxCrossEntropy(y.ours, l)));
  const theirs = tf.valueAndGrad((l: tf.Tensor) => tf.losses.softmaxCrossEntropy(y.theirs, l));
  try {
    return await compareOp(
      `softmax cross-entropy + gradient, ${rows}×${classes}`, 'ms', sides(pairing),
      async () => {
        const { value, grad } = ours(logits.ours);
        return [await readDisposing(value), await readDisposing(grad)];
      },
      async () => {
        const { value, grad } = theirs(logits.theirs);
        return [await readDisposing(value), await readDisposing(grad)];
      },
      (ms) => ms, o,
    );
  } finally {
    disposeTwins(ts);
  }
}

/** TF.js's wasm backend registers no Conv2DBackpropFilter (and some other gradient kernels). */
export function isUnsupported(e: unknown): boolean {
  return /not (yet )?(implemented|registered|found)/i.test(String((e as Error)?.message ?? e));
}
