import { Random, TesseraError, checkOptions, tensor } from '@tessera/core';
import type { LabeledArrays } from './arrays.js';
import type { Batch } from './batches.js';
import { Dataset } from './dataset.js';
import { epochSeed, permutation, resolveSeed } from './seed.js';

export interface NextTokenBatchOptions {
  batchSize: number;
  /** Time steps per window. */
  seqLength: number;
  /**
   * 'contiguous' (default): the stream is cut into `batchSize` equal streams, one per batch row,
   * and batch k holds window k of every stream, so a stateful RNN carries its state from batch k
   * to k + 1 (truncated backpropagation through time). 'windows': independent windows, shuffled.
   */
  layout?: 'contiguous' | 'windows';
  /** 'windows' only: start a window every `stride` tokens (default seqLength: windows do not overlap). */
  stride?: number;
  /** 'windows' only: a new seeded order of windows each pass (default true). */
  shuffle?: boolean;
  /** 'windows' only: the seed of the orders; pass k of a dataset made with seed s always has the same order. */
  seed?: number;
  /**
   * Drop the last batch when it is smaller (default false). In the contiguous layout the last
   * batch is shorter in time (fewer steps), in the windows layout it has fewer rows.
   */
  dropRemainder?: boolean;
}

const OPTIONS = ['batchSize', 'seqLength', 'layout', 'stride', 'shuffle', 'seed', 'dropRemainder'];

/**
 * Next-token batches from one stream of token ids: `{ xs, ys }`, both int32 [batch, time], with
 * `ys[b, t]` the token after `xs[b, t]` in the stream. Each pass over the dataset is one epoch.
 *
 * Contiguous layout (for stateful RNNs): the first `L = floor((n - 1) / batchSize) * batchSize`
 * predictions of the stream are split into `batchSize` consecutive streams of `L / batchSize`
 * tokens; row b of batch k is window k of stream b, so row b of batch k + 1 continues it. The
 * `(n - 1) % batchSize` tokens at the end are left out.
 *
 * Windows layout (for stateless models): window j covers tokens `[j * stride, j * stride + seqLength]`;
 * windows are shuffled (seeded) and batched.
 */
export function nextTokenBatches(ids: ArrayLike<number>, options: NextTokenBatchOptions): Dataset<Batch> {
  const op = 'nextTokenBatches';
  if (options === null || typeof options !== 'object') throw new TesseraError(`${op}: expected an options object with batchSize and seqLength, got ${String(options)}`);
  checkOptions(op, options, OPTIONS);
  const { batchSize, seqLength, layout = 'contiguous', dropRemainder = false } = options;
  const tokens = checkIds(op, ids);
  checkPositive(op, 'batchSize', batchSize);
  checkPositive(op, 'seqLength', seqLength);
  if (layout === 'contiguous') {
    for (const k of ['stride', 'shuffle', 'seed'] as const) {
      if (options[k] !== undefined) throw new TesseraError(`${op}: '${k}' applies to the 'windows' layout only; the contiguous layout keeps the stream's order`);
    }
    return contiguous(op, tokens, batchSize, seqLength, dropRemainder);
  }
  if (layout !== 'windows') throw new TesseraError(`${op}: layout must be 'contiguous' or 'windows', got ${JSON.stringify(layout)}`);
  const stride = options.stride ?? seqLength;
  checkPositive(op, 'stride', stride);
  return windows(op, tokens, batchSize, seqLength, stride, options.shuffle ?? true, resolveSeed(options.seed), dropRemainder);
}

function contiguous(op: string, ids: Int32Array, batchSize: number, seqLength: number, dropRemainder: boolean): Dataset<Batch> {
  const streamLength = Math.floor((ids.length - 1) / batchSize);
  if (streamLength < 1) {
    throw new TesseraError(`${op}: ${ids.length} tokens give no next-token pair to each of ${batchSize} streams; use a smaller batchSize (at most ${Math.max(ids.length - 1, 0)})`);
  }
  const full = Math.floor(streamLength / seqLength);
  const rest = streamLength % seqLength;
  const count = full + (rest > 0 && !dropRemainder ? 1 : 0);
  if (count === 0) throw new TesseraError(`${op}: streams of ${streamLength} tokens are shorter than seqLength ${seqLength} and dropRemainder drops them all`);
  return Dataset.fromGenerator(function* () {
    for (let k = 0; k < count; k++) {
      const steps = k < full ? seqLength : rest;
      const xs = new Int32Array(batchSize * steps);
      const ys = new Int32Array(batchSize * steps);
      for (let b = 0; b < batchSize; b++) {
        const start = b * streamLength + k * seqLength;
        xs.set(ids.subarray(start, start + steps), b * steps);
        ys.set(ids.subarray(start + 1, start + 1 + steps), b * steps);
      }
      yield { xs: tensor(xs, [batchSize, steps], 'int32'), ys: tensor(ys, [batchSize, steps], 'int32') };
    }
  }, count);
}

function windows(op: string, ids: Int32Array, batchSize: number, seqLength: number, stride: number, shuffle: boolean, seed: number, dropRemainder: boolean): Dataset<Batch> {
  if (ids.length - 1 < seqLength) throw new TesseraError(`${op}: ${ids.length} tokens are too few for one window of seqLength ${seqLength} (it needs ${seqLength + 1})`);
  const n = Math.floor((ids.length - 1 - seqLength) / stride) + 1;
  const count = dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  if (count === 0) throw new TesseraError(`${op}: ${n} windows make no batch of ${batchSize} with dropRemainder`);
  let pass = 0;
  return Dataset.fromGenerator(function* () {
    const order = permutation(n, shuffle ? new Random(epochSeed(seed, pass++)) : undefined);
    for (let k = 0; k < count; k++) {
      const rows = Math.min(batchSize, n - k * batchSize);
      const xs = new Int32Array(rows * seqLength);
      const ys = new Int32Array(rows * seqLength);
      for (let r = 0; r < rows; r++) {
        const start = order[k * batchSize + r]! * stride;
        xs.set(ids.subarray(start, start + seqLength), r * seqLength);
        ys.set(ids.subarray(start + 1, start + 1 + seqLength), r * seqLength);
      }
      yield { xs: tensor(xs, [rows, seqLength], 'int32'), ys: tensor(ys, [rows, seqLength], 'int32') };
    }
  }, count);
}

export interface NextTokenArrayOptions {
  /** Time steps per row (default: the longest sequence's length − 1). */
  length?: number;
  /** The id that fills rows after a sequence ends (default 0, the tokenizer's `<pad>`; masking skips it). */
  padId?: number;
}

/**
 * Padded next-token rows for a set of sequences (say, each name as `<bos> n a m e <eos>`): row i of
 * `xs` is sequence i without its last token, row i of `ys` the same sequence without its first,
 * both padded with `padId` to `length` steps. Int32 arrays [n, length], ready for
 * `batchesFromArrays(a.xs, a.xsShape, a.ys, a.ysShape, { batchSize, shuffle: true })` or
 * `Dataset.fromArrays(a)`. A sequence longer than `length + 1`, shorter than 2, or holding the
 * padding id is an error naming it.
 */
export function nextTokenArrays(sequences: readonly ArrayLike<number>[], options: NextTokenArrayOptions = {}): LabeledArrays<Int32Array, Int32Array> {
  const op = 'nextTokenArrays';
  checkOptions(op, options, ['length', 'padId']);
  if (!Array.isArray(sequences) || sequences.length === 0) throw new TesseraError(`${op}: expected a non-empty array of token id sequences`);
  const padId = options.padId ?? 0;
  if (!Number.isInteger(padId) || padId < 0) throw new TesseraError(`${op}: padId must be a non-negative integer, got ${padId}`);
  const seqs = sequences.map((s, i) => checkIds(`${op}: sequence ${i}`, s));
  let longest = 0;
  seqs.forEach((s, i) => {
    if (s.length < 2) throw new TesseraError(`${op}: sequence ${i} has ${s.length} token${s.length === 1 ? '' : 's'}; a next-token pair needs 2`);
    const at = s.indexOf(padId);
    if (at >= 0) throw new TesseraError(`${op}: sequence ${i} holds the padding id ${padId} at position ${at}; padding would hide it from the loss`);
    longest = Math.max(longest, s.length - 1);
  });
  const length = options.length ?? longest;
  checkPositive(op, 'length', length);
  const n = seqs.length;
  const xs = new Int32Array(n * length).fill(padId);
  const ys = new Int32Array(n * length).fill(padId);
  seqs.forEach((s, i) => {
    if (s.length - 1 > length) throw new TesseraError(`${op}: sequence ${i} has ${s.length} tokens, more than length ${length} + 1`);
    xs.set(s.subarray(0, s.length - 1), i * length);
    ys.set(s.subarray(1), i * length);
  });
  return { xs, xsShape: [n, length], ys, ysShape: [n, length] };
}

function checkPositive(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new TesseraError(`${op}: ${name} must be a positive integer, got ${v}`);
}

/** Token ids as an Int32Array (copied unless they are one), each a non-negative integer. */
function checkIds(op: string, ids: ArrayLike<number>): Int32Array {
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') throw new TesseraError(`${op}: expected token ids (an Int32Array or an array of integers), got ${ids === null ? 'null' : typeof ids}`);
  if (ids instanceof Int32Array) {
    for (let i = 0; i < ids.length; i++) if (ids[i]! < 0) throw new TesseraError(`${op}: token id ${ids[i]} at position ${i} is negative`);
    return ids;
  }
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new TesseraError(`${op}: token id ${v} at position ${i} is not a non-negative integer`);
    out[i] = v;
  }
  return out;
}
