// Generation one token per step (the LSTM carries its states, the transformer keeps a key/value
// cache), per-token cross-entropy of held-out text, and the sampling loop.

import {
  Tensor, add, cast, concat, fusedMatMul, gather, greaterEqual, keep, logSumExp, mul, notEqual, range, reshape, scalar, slice, sub, sum, tensor, tidy,
  transpose, matmul, softmax, type Random, type Variable,
} from '@tessera/core';
import { nextTokenBatches, type Tokenizer } from '@tessera/datasets';
import { LSTM, deserializeLayer, type TokenAndPositionEmbedding } from '@tessera/layers';
import { sampleLogits, type Model } from '@tessera/models';
import type { LmParts } from './models.js';

/** A language model run step by step: `forward` takes the next ids [batch, t] and returns logits [batch, t, vocab]. */
export interface Stepper {
  /** Tokens fed since the last reset. */
  readonly position: number;
  /** The longest sequence it can take (the transformer's position table). */
  readonly context: number;
  forward(ids: Tensor): Tensor;
  /** Forgets the states / the cache: the next `forward` starts a new sequence. */
  reset(): void;
  dispose(): void;
}

const disposeAll = (ts: Tensor[] | null): void => ts?.forEach((t) => t.dispose());

/**
 * The LSTM run one window at a time with its states carried: each LSTM of the trained model gets a
 * twin with `returnState` (stateless, no dropout) holding a copy of its weights, fed the states of
 * the previous call as `initialState`. Dropout layers are left out (inference).
 */
export class LstmStepper implements Stepper {
  readonly context = Infinity;
  position = 0;
  private readonly twins: LSTM[];
  private states: Tensor[][] | null = null;

  constructor(private readonly parts: LmParts) {
    this.twins = parts.lstms.map((l) => {
      const config = { ...l.getConfig(), name: `${l.name}_step`, returnSequences: true, returnState: true, stateful: false, dropout: 0, recurrentDropout: 0 };
      const twin = deserializeLayer({ className: 'LSTM', config }) as LSTM;
      twin.build([null, null, l.kernel!.shape[0]!]);
      return twin;
    });
    this.syncWeights();
  }

  /** Copies the trained LSTMs' current weights into the twins (after more training). */
  syncWeights(): void {
    this.twins.forEach((twin, i) => {
      const w = this.parts.lstms[i]!.getWeights();
      twin.setWeights(w);
      disposeAll(w);
    });
  }

  forward(ids: Tensor): Tensor {
    const next: Tensor[][] = [];
    const logits = tidy(() => {
      let x = this.parts.embedding.apply(ids) as Tensor;
      this.twins.forEach((twin, i) => {
        const initialState = this.states?.[i];
        const [y, ...states] = twin.apply(x, initialState ? { initialState } : {}) as Tensor[];
        next.push(states.map((s) => keep(s)));
        x = y!;
      });
      return this.parts.logits.apply(x) as Tensor;
    });
    this.states?.forEach(disposeAll);
    this.states = next;
    this.position += ids.shape[1]!;
    return logits;
  }

  reset(): void {
    this.states?.forEach(disposeAll);
    this.states = null;
    this.position = 0;
  }

  dispose(): void {
    this.reset();
    this.twins.forEach((t) => t.dispose());
  }
}

/**
 * The causal transformer with a key/value cache: each block's attention keys and values of the
 * tokens seen so far are kept, so a new token costs one query against the cache instead of a run
 * over the whole window. MultiHeadAttention has no cache of its own, so this runs the blocks'
 * sublayers and the attention's weights with the same formulas (checked against the model's own
 * output in the tests); positions come from the embedding's `startIndex`.
 */
export class TransformerStepper implements Stepper {
  position = 0;
  readonly context: number;
  private cache: { k: Tensor; v: Tensor }[] | null = null;

  constructor(private readonly parts: LmParts) {
    this.context = parts.context;
  }

  forward(ids: Tensor): Tensor {
    const t = ids.shape[1]!;
    const start = this.position;
    if (start + t > this.context) {
      throw new Error(`generate: the transformer's context is ${this.context} tokens (its position table); ${start + t} tokens do not fit — use a shorter prompt or --max-length`);
    }
    const next: { k: Tensor; v: Tensor }[] = [];
    const logits = tidy(() => {
      let x = (this.parts.embedding as TokenAndPositionEmbedding).apply(ids, { startIndex: start }) as Tensor;
      const [b] = ids.shape as [number, number];
      // Query i (position start + i) sees keys 0 … start + i.
      const allowed = greaterEqual(reshape(range(start, start + t, 1, 'int32'), [1, 1, t, 1]), reshape(range(0, start + t, 1, 'int32'), [1, 1, 1, start + t]));
      const bias = mul(sub(1, cast(allowed, 'float32')), -1e9);
      this.parts.blocks.forEach((block, i) => {
        const att = block.attention!;
        const heads = att.numHeads;
        const project = (h: Tensor, kernel: Variable, biasW: Variable | null, size: number): Tensor => {
          const dim = kernel.shape[0]!;
          const flat = fusedMatMul({ a: h, b: reshape(kernel, [dim, heads * size]), bias: biasW ? reshape(biasW, [heads * size]) : undefined });
          return transpose(reshape(flat, [b, t, heads, size]), [0, 2, 1, 3]);
        };
        const normed = block.attentionNorm!.apply(x) as Tensor;
        const q = mul(project(normed, att.queryKernel!, att.queryBias, att.keyDim), 1 / Math.sqrt(att.keyDim));
        let k = project(normed, att.keyKernel!, att.keyBias, att.keyDim);
        let v = project(normed, att.valueKernel!, att.valueBias, att.valueDim);
        const past = this.cache?.[i];
        if (past) {
          k = concat([past.k, k], 2);
          v = concat([past.v, v], 2);
        }
        next.push({ k: keep(k), v: keep(v) });
        const weights = softmax(add(matmul(q, k, false, true), bias), -1);
        const context = reshape(transpose(matmul(weights, v), [0, 2, 1, 3]), [b, t, heads * att.valueDim]);
        const outDim = att.outputKernel!.shape[2]!;
        const attended = fusedMatMul({ a: context, b: reshape(att.outputKernel!, [heads * att.valueDim, outDim]), bias: att.outputBias ?? undefined });
        const h = add(x, attended);
        const hidden = block.activation(block.mlpDense1!.apply(block.mlpNorm!.apply(h)) as Tensor);
        x = add(h, block.mlpDense2!.apply(hidden) as Tensor);
      });
      if (this.parts.finalNorm) x = this.parts.finalNorm.apply(x) as Tensor;
      return this.parts.logits.apply(x) as Tensor;
    });
    this.cache?.forEach((c) => disposeAll([c.k, c.v]));
    this.cache = next;
    this.position += t;
    return logits;
  }

  reset(): void {
    this.cache?.forEach((c) => disposeAll([c.k, c.v]));
    this.cache = null;
    this.position = 0;
  }

  dispose(): void {
    this.reset();
  }
}

export function makeStepper(parts: LmParts): Stepper {
  return parts.kind === 'lstm' ? new LstmStepper(parts) : new TransformerStepper(parts);
}

/** Σ −ln p(y) over positions whose target is not padding (id 0), and how many there are, for logits [b, t, V] and targets [b, t]. */
export async function crossEntropySum(logits: Tensor, ys: Tensor): Promise<{ sum: number; count: number }> {
  const v = logits.shape[logits.rank - 1]!;
  const [nll, count] = tidy(() => {
    const flat = reshape(logits, [-1, v]);
    const labels = reshape(cast(ys, 'int32'), [-1]);
    const rows = flat.shape[0]!;
    const picked = gather(reshape(flat, [-1]), add(mul(range(0, rows, 1, 'int32'), scalar(v, 'int32')), labels));
    const real = cast(notEqual(labels, 0), 'float32');
    return [sum(mul(sub(logSumExp(flat, -1), picked), real)), sum(real)];
  });
  const [s, c] = [(await nll.data())[0]!, (await count.data())[0]!];
  nll.dispose();
  count.dispose();
  return { sum: s, count: c };
}

export interface Score {
  /** Mean −ln p(next token) in nats per token. */
  crossEntropy: number;
  perplexity: number;
  tokens: number;
}

const score = (sum: number, count: number): Score => ({ crossEntropy: sum / count, perplexity: Math.exp(sum / count), tokens: count });

/** Names: per-token cross-entropy of padded rows [n, steps] (padding targets left out), from the model's logits. */
export async function scoreRows(m: Model, xs: Int32Array, ys: Int32Array, steps: number, batchSize = 256): Promise<Score> {
  const n = xs.length / steps;
  let total = 0;
  let count = 0;
  for (let start = 0; start < n; start += batchSize) {
    const rows = Math.min(batchSize, n - start);
    const x = tensor(xs.subarray(start * steps, (start + rows) * steps), [rows, steps], 'int32');
    const y = tensor(ys.subarray(start * steps, (start + rows) * steps), [rows, steps], 'int32');
    const logits = m.predict(x) as Tensor;
    const r = await crossEntropySum(logits, y);
    [x, y, logits].forEach((t) => t.dispose());
    total += r.sum;
    count += r.count;
  }
  return score(total, count);
}

/**
 * A stream (Brown) with the LSTM's states carried: the stream is cut into `streams` consecutive
 * parts run side by side in windows of `window` steps (nextTokenBatches' contiguous layout), so
 * every token but the first of each part is predicted from all the text before it in its part.
 */
export async function scoreStreamLstm(stepper: Stepper, ids: Int32Array, streams: number, window: number): Promise<Score> {
  stepper.reset();
  let total = 0;
  let count = 0;
  for await (const { xs, ys } of nextTokenBatches(ids, { batchSize: streams, seqLength: window })) {
    const logits = stepper.forward(xs as Tensor);
    const r = await crossEntropySum(logits, ys as Tensor);
    [xs as Tensor, ys as Tensor, logits].forEach((t) => t.dispose());
    total += r.sum;
    count += r.count;
  }
  stepper.reset();
  return score(total, count);
}

/** A stream with a fixed-context model (the transformer): consecutive windows of `window` tokens, each from scratch. */
export async function scoreStreamWindows(m: Model, ids: Int32Array, window: number, batchSize = 64): Promise<Score> {
  let total = 0;
  let count = 0;
  for await (const { xs, ys } of nextTokenBatches(ids, { batchSize, seqLength: window, layout: 'windows', shuffle: false })) {
    const logits = m.predict(xs as Tensor) as Tensor;
    const r = await crossEntropySum(logits, ys as Tensor);
    [xs as Tensor, ys as Tensor, logits].forEach((t) => t.dispose());
    total += r.sum;
    count += r.count;
  }
  return score(total, count);
}

export interface SampleArgs {
  count: number;
  /** Ids fed before sampling: the start token and the prompt's ids. */
  start: Int32Array;
  /** Tokens sampled per row at most. */
  maxLength: number;
  temperature: number;
  topK?: number;
  topP?: number;
  /** The generator every draw comes from: one seed gives the same samples. */
  rng: Random;
  /** A row ends when it samples this id (not included). */
  stopId: number | null;
  /** Ids never sampled (padding, the start token). */
  banned: number[];
}

/**
 * Samples `count` continuations in one batch: the start ids are fed once, then each step feeds only
 * the tokens just sampled (the stepper carries the rest). Returns each row's sampled ids.
 */
export async function sampleIds(stepper: Stepper, a: SampleArgs): Promise<number[][]> {
  stepper.reset();
  const maxLength = Math.min(a.maxLength, stepper.context - a.start.length + 1);
  if (maxLength < 1) throw new Error(`generate: the prompt fills the transformer's context of ${stepper.context} tokens; nothing is left to generate`);
  const rows: number[][] = Array.from({ length: a.count }, () => []);
  const done = new Array<boolean>(a.count).fill(false);
  const startIds = new Int32Array(a.count * a.start.length);
  for (let r = 0; r < a.count; r++) startIds.set(a.start, r * a.start.length);
  let ids = tensor(startIds, [a.count, a.start.length], 'int32');
  try {
    for (let step = 0; step < maxLength; step++) {
      const logits = stepper.forward(ids);
      ids.dispose();
      const t = logits.shape[1]!;
      const vocabSize = logits.shape[2]!;
      const next = tidy(() => {
        let last = reshape(slice(logits, [0, t - 1, 0], [-1, 1, -1]), [a.count, vocabSize]);
        if (a.banned.length > 0) {
          const ban = new Float32Array(vocabSize);
          for (const id of a.banned) ban[id] = -Infinity;
          last = add(last, tensor(ban, [1, vocabSize]));
        }
        return sampleLogits(last, { temperature: a.temperature, topK: a.topK, topP: a.topP, seed: a.rng });
      });
      logits.dispose();
      const drawn = Int32Array.from(await next.data());
      next.dispose();
      drawn.forEach((id, r) => {
        if (done[r]) return;
        if (id === a.stopId) done[r] = true;
        else rows[r]!.push(id);
      });
      ids = tensor(drawn, [a.count, 1], 'int32');
      if (done.every(Boolean) || step === maxLength - 1) break;
    }
  } finally {
    if (!ids.isDisposed) ids.dispose();
    stepper.reset();
  }
  return rows;
}

/** The start ids of a sample: `<bos>` (names) or `<eos>` (Brown: a sentence starts after one) then the prompt, checked against the vocabulary. */
export function startIds(tokenizer: Tokenizer, startToken: string, prompt: string): Int32Array {
  let promptIds: Int32Array;
  try {
    promptIds = tokenizer.encode(prompt, { onUnknown: 'error' });
  } catch (e) {
    const what = tokenizer.level === 'char' ? 'characters' : 'words';
    throw new Error(`generate: the prompt ${JSON.stringify(prompt)} has ${what} the model never saw — ${(e as Error).message.replace(/^Tokenizer\.encode: /, '')}`);
  }
  const reserved = [...promptIds].filter((id) => id < 2 + tokenizer.toJSON().reserved.length);
  if (reserved.length > 0) throw new Error(`generate: the prompt ${JSON.stringify(prompt)} contains the special token ${JSON.stringify(tokenizer.tokenOf(reserved[0]!))}; give plain text`);
  const out = new Int32Array(promptIds.length + 1);
  out[0] = tokenizer.idOf(startToken);
  out.set(promptIds, 1);
  return out;
}
