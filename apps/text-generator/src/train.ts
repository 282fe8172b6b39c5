import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Random, getBackend, ready, setBackend, setSeed } from '@tessera/core';
import { batchesFromArrays, nextTokenArrays, nextTokenBatches } from '@tessera/datasets';
import { Callback, type Logs } from '@tessera/models';
import { CosineDecay, adam } from '@tessera/optimizers';
import type { BackendName, DataName, ModelKind, TrainOptions } from './args.js';
import { BOS, EOS, bigramBaseline, loadTask, longestSequence, type BigramBaseline, type TextTask } from './data.js';
import { makeStepper, sampleIds, scoreRows, scoreStreamLstm, scoreStreamWindows, type Score, type Stepper } from './generate.js';
import { buildModel, lmParts, type LmParts } from './models.js';
import { pca } from './pca.js';
import { renderReport } from './report.js';

export interface Hyperparameters {
  epochs: number;
  batchSize: number;
  lr: number;
  embeddingDim: number;
  units: number;
  layers: number;
  heads: number;
  dropout: number;
  /** Brown: steps per training window; names: the padded row length. */
  seqLength: number;
}

/** The defaults per task (chosen on validation; docs/results.md has the runs). */
export const DEFAULTS: Record<`${DataName}-${ModelKind}`, Omit<Hyperparameters, 'seqLength'> & { seqLength: number | null }> = {
  'names-lstm': { epochs: 30, batchSize: 64, lr: 3e-3, embeddingDim: 32, units: 128, layers: 1, heads: 1, dropout: 0.1, seqLength: null },
  'names-transformer': { epochs: 40, batchSize: 64, lr: 2e-3, embeddingDim: 64, units: 256, layers: 2, heads: 4, dropout: 0.1, seqLength: null },
  'brown-lstm': { epochs: 1, batchSize: 32, lr: 3e-3, embeddingDim: 128, units: 128, layers: 1, heads: 1, dropout: 0, seqLength: 20 },
  'brown-transformer': { epochs: 1, batchSize: 32, lr: 1e-3, embeddingDim: 128, units: 512, layers: 2, heads: 4, dropout: 0, seqLength: 64 },
};

/** Brown's default training stream: its first 200,000 tokens, so that the default run takes minutes (`--limit 0` takes all 975,903). */
export const BROWN_DEFAULT_LIMIT = 200_000;

/** What `generate` needs besides the model and the vocabulary, saved as text-generator.json beside them. */
export interface TaskInfo {
  format: 'tessera-text-generator';
  version: 1;
  data: DataName;
  model: ModelKind;
  /** The token every sample starts after (names: <bos>; Brown: <eos>, the end of the sentence before). */
  startToken: string;
  /** The token that ends a sample. */
  stopToken: string;
}

export const VOCAB_FILE = 'vocab.json';
/**
 * Brown is scored as one stream with the LSTM's states carried from the first token to the last,
 * run in windows of this many steps. Not as parallel streams: an LSTM trained statefully has seen
 * zero states only at the start of each epoch, and restarted from zeros in the middle of a text it
 * predicts badly for a hundred tokens or more (32 parallel streams of the test split scored 5.41
 * nats/word where one stream scores 5.16).
 */
export const EVAL_WINDOW = 200;
export const INFO_FILE = 'text-generator.json';

/** Fails before training when the output directory cannot be written, instead of after it. */
async function checkWritable(dir: string): Promise<void> {
  const probe = join(dir, `.tessera-write-check-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe);
  } catch (e) {
    throw new Error(`--out ${dir}: cannot write there (${(e as Error).message}); choose a writable directory — checked before training, so no trained model is lost`);
  }
}

/** Activates the requested backend, or the fastest available one (wasm where WebAssembly runs). */
export async function selectBackend(name: BackendName | undefined, threads = 1): Promise<string> {
  if (name === 'cpu') {
    if (!(await setBackend('cpu'))) throw new Error("backend 'cpu' could not start");
    return 'cpu';
  }
  try {
    const wasm = await import('@tessera/backend-wasm');
    if (name === 'wasm' && !(await setBackend('wasm'))) throw new Error('it did not start');
    const active = await ready();
    if (active === 'wasm' && threads > 1) await wasm.setThreads(threads);
    return active;
  } catch (e) {
    if (name === 'wasm') throw new Error(`backend 'wasm' is not available here: ${(e as Error).message.split('\n')[0]}`);
    return ready();
  }
}

/** Adds `ppl` (exp of the running mean loss) to every batch's logs, and per epoch the exact validation loss and perplexity and the samples. */
class PerplexityCallback extends Callback {
  private sum = 0;
  private seen = 0;
  /** The last epoch's validation score. */
  validation: Score | null = null;
  constructor(private readonly hooks: { epochBegin?: () => void; validate: () => Promise<Score>; sample: () => Promise<string[]> }, readonly samples: string[][]) {
    super();
  }
  override onEpochBegin(): void {
    this.sum = 0;
    this.seen = 0;
    this.hooks.epochBegin?.();
  }
  override onBatchEnd(_batch: number, logs: Logs = {}): void {
    const size = logs['size'] ?? 0;
    this.sum += (logs['loss'] ?? NaN) * size;
    this.seen += size;
    logs['ppl'] = Math.exp(this.sum / Math.max(this.seen, 1));
  }
  override async onEpochEnd(_epoch: number, logs: Logs = {}): Promise<void> {
    logs['ppl'] = Math.exp(logs['loss']!);
    const val = await this.hooks.validate();
    this.validation = val;
    logs['val_loss'] = val.crossEntropy;
    logs['val_ppl'] = val.perplexity;
    this.samples.push(await this.hooks.sample());
  }
}

export interface TrainResult {
  outDir: string;
  modelDir: string;
  backend: string;
  seconds: number;
  hyperparameters: Hyperparameters;
  parameters: number;
  validation: Score;
  test: Score;
  bigram: BigramBaseline;
  history: Record<string, number[]>;
  samples: string[][];
}

function resolveHyperparameters(o: TrainOptions, task: TextTask): Hyperparameters {
  const d = DEFAULTS[`${o.data}-${o.model}`];
  return {
    epochs: o.epochs ?? d.epochs,
    batchSize: o.batchSize ?? d.batchSize,
    lr: o.lr ?? d.lr,
    embeddingDim: o.embeddingDim ?? d.embeddingDim,
    units: o.units ?? d.units,
    layers: o.layers ?? d.layers,
    heads: o.heads ?? d.heads,
    dropout: o.dropout ?? d.dropout,
    seqLength: o.data === 'names' ? longestSequence(task) - 1 : (o.seqLength ?? d.seqLength!),
  };
}

/** Decoded samples: names as they are; Brown's words joined by spaces. */
function decodeSample(task: { tokenizer: TextTask['tokenizer'] }, prompt: Int32Array, ids: number[]): string {
  return task.tokenizer.decode([...prompt.subarray(1), ...ids]);
}

/** Trains a language model, evaluates it on validation each epoch and on test once, saves the model, vocabulary and report. */
export async function train(o: TrainOptions, log: (s: string) => void = console.log): Promise<TrainResult> {
  const backend = await selectBackend(o.backend, o.threads);
  setSeed(o.seed);
  const outDir = resolve(o.out ?? join('out', `${o.data}-${o.model}`));
  const modelDir = join(outDir, 'model');
  await checkWritable(outDir);
  const t0 = performance.now();
  const limit = o.limit ?? (o.data === 'brown' ? BROWN_DEFAULT_LIMIT : 0);
  const task = await loadTask(o.data, { vocab: o.vocab, limit });
  const hp = resolveHyperparameters(o, task);
  const V = task.tokenizer.size;
  const nTrainTokens = task.train.reduce((a, s) => a + s.length - 1, 0);
  log(`Tessera text generator — ${o.model} on ${o.data === 'names' ? 'English first names, per character' : 'the Brown corpus, per word'}`);
  log(`backend ${backend}; vocabulary ${V} tokens; ${nTrainTokens.toLocaleString('en-US')} training targets (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const bigram = bigramBaseline(task);
  log(`bigram baseline (${bigram.smoothing} ${bigram.value}, chosen on validation): validation ${bigram.validation.toFixed(4)} nats/token (ppl ${Math.exp(bigram.validation).toFixed(2)}), test ${bigram.test.toFixed(4)} (ppl ${Math.exp(bigram.test).toFixed(2)})`);

  const isNames = o.data === 'names';
  const statefulBatch = !isNames && o.model === 'lstm' ? hp.batchSize : null;
  const m = buildModel({
    kind: o.model, vocabSize: V, steps: hp.seqLength, embeddingDim: hp.embeddingDim, units: hp.units, layers: hp.layers, heads: hp.heads,
    dropout: hp.dropout, statefulBatch, maskZero: isNames,
  });
  if (o.verbose === 1) m.summary(log);
  const parts = lmParts(m, 'train');

  // Data: names as padded rows (padding masked out of the loss); Brown as contiguous BPTT batches
  // for the stateful LSTM, shuffled windows for the transformer.
  const rows = isNames ? { train: nextTokenArrays(task.train, { length: hp.seqLength }), validation: nextTokenArrays(task.validation, { length: hp.seqLength }), test: nextTokenArrays(task.test, { length: hp.seqLength }) } : null;
  const trainSet = rows
    ? batchesFromArrays(rows.train.xs, rows.train.xsShape, rows.train.ys, rows.train.ysShape, { batchSize: hp.batchSize, shuffle: true, seed: o.seed })
    : statefulBatch
      ? nextTokenBatches(task.train[0]!, { batchSize: hp.batchSize, seqLength: hp.seqLength })
      : nextTokenBatches(task.train[0]!, { batchSize: hp.batchSize, seqLength: hp.seqLength, layout: 'windows', seed: o.seed });
  const steps = trainSet.size ?? 0;
  const learningRate = steps > 0 ? new CosineDecay({ initialLearningRate: hp.lr, decaySteps: steps * hp.epochs, alpha: 0.1 }) : hp.lr;
  m.compile({ optimizer: adam({ learningRate, globalClipNorm: 5 }), loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true } });

  const stepper = makeStepper(parts);
  const syncStepper = (): void => {
    if ('syncWeights' in stepper) (stepper as Stepper & { syncWeights(): void }).syncWeights();
  };
  const evaluate = async (split: 'validation' | 'test'): Promise<Score> => {
    if (rows) return scoreRows(m, rows[split].xs, rows[split].ys, hp.seqLength);
    const ids = task[split][0]!;
    if (o.model === 'lstm') {
      syncStepper();
      return scoreStreamLstm(stepper, ids, 1, EVAL_WINDOW);
    }
    return scoreStreamWindows(m, ids, hp.seqLength);
  };
  const info: TaskInfo = { format: 'tessera-text-generator', version: 1, data: o.data, model: o.model, startToken: isNames ? BOS : EOS, stopToken: EOS };
  const sampleRng = new Random(o.seed + 7919);
  const start = new Int32Array([task.tokenizer.idOf(info.startToken)]);
  const banned = bannedIds(task.tokenizer, info);
  const sample = async (): Promise<string[]> => {
    if (o.samples === 0) return [];
    syncStepper();
    const ids = await sampleIds(stepper, {
      count: o.samples, start, maxLength: isNames ? hp.seqLength : 30, temperature: 1, rng: sampleRng, stopId: task.tokenizer.idOf(info.stopToken), banned,
    });
    return ids.map((row) => decodeSample(task, start, row));
  };
  const samples: string[][] = [];
  const callback = new PerplexityCallback({ epochBegin: statefulBatch ? () => parts.lstms.forEach((l) => l.resetStates()) : undefined, validate: () => evaluate('validation'), sample }, samples);

  log(`Adam, learning rate ${hp.lr} (cosine decay to ${fmt(hp.lr / 10)}), global gradient norm clipped at 5, batch ${hp.batchSize}, ${hp.epochs} epoch${hp.epochs > 1 ? 's' : ''}, seed ${o.seed}` + (isNames ? '' : `, windows of ${hp.seqLength} words`));
  const tTrain = performance.now();
  let history;
  try {
    history = await m.fit(trainSet, { epochs: hp.epochs, verbose: o.verbose, callbacks: [callback] });
  } catch (e) {
    stepper.dispose();
    m.dispose();
    throw e;
  }
  const seconds = (performance.now() - tTrain) / 1000;
  const lossesFinite = (history.history['loss'] ?? []).every(Number.isFinite);
  if (!lossesFinite) {
    stepper.dispose();
    m.dispose();
    throw new Error(`training diverged: the loss became ${history.history['loss']!.find((v) => !Number.isFinite(v))}; nothing was saved. Lower the learning rate (--lr, now ${hp.lr})`);
  }
  const hist = history.history as Record<string, number[]>;
  const validation = callback.validation!;
  const test = await evaluate('test');

  // The embedding in 2-D: names, every character; Brown, the 300 most frequent words.
  const table = parts.kind === 'lstm' ? (parts.embedding as { embeddings: { dataSync(): Float32Array } | null }).embeddings : (parts.embedding as unknown as { tokenEmbedding: { embeddings: { dataSync(): Float32Array } } }).tokenEmbedding.embeddings;
  const flat = table!.dataSync();
  const shown = [...Array(V).keys()].filter((id) => id !== 0 && id !== 1 && task.tokenizer.tokenOf(id) !== BOS).slice(0, isNames ? V : 300);
  const rowsOf = shown.map((id) => flat.subarray(id * hp.embeddingDim, (id + 1) * hp.embeddingDim));
  const projected = rowsOf.length >= 2 ? pca(rowsOf, { components: 2, seed: o.seed }) : null;
  const totalVariance = rowsOf.length >= 2 ? varianceSum(rowsOf) : 1;

  await m.save(modelDir);
  await writeFile(join(modelDir, VOCAB_FILE), JSON.stringify(task.tokenizer.toJSON()));
  await writeFile(join(modelDir, INFO_FILE), JSON.stringify(info, null, 1));
  const perToken = isNames ? 'nats/char' : 'nats/word';
  const facts: [string, string][] = [
    ['data', isNames ? `English first names (${task.train.length} training names; ${task.describe})` : `Brown corpus (${nTrainTokens.toLocaleString('en-US')} training tokens; ${task.describe})`],
    ['model', describeModel(o.model, hp, V)],
    ['parameters', m.countParams().toLocaleString('en-US')],
    ['backend', backend],
    ['optimizer', `Adam ${hp.lr}, cosine decay to ${fmt(hp.lr / 10)}, global clip norm 5, batch ${hp.batchSize}, ${history.epoch.length} epochs, seed ${o.seed}`],
    ['training time', `${seconds.toFixed(1)} s (${Math.round((nTrainTokens * history.epoch.length) / seconds).toLocaleString('en-US')} tokens/s, validation and samples included)`],
    ['validation', `${validation.crossEntropy.toFixed(4)} ${perToken}, perplexity ${validation.perplexity.toFixed(2)} (${validation.tokens.toLocaleString('en-US')} tokens)`],
    ['test', `${test.crossEntropy.toFixed(4)} ${perToken}, perplexity ${test.perplexity.toFixed(2)} (${test.tokens.toLocaleString('en-US')} tokens)`],
    ['bigram baseline (same vocabulary and split)', `${bigram.smoothing} ${bigram.value}: test ${bigram.test.toFixed(4)} ${perToken}, perplexity ${Math.exp(bigram.test).toFixed(2)}; the model is ${(100 * (1 - test.crossEntropy / bigram.test)).toFixed(1)}% lower in cross-entropy`],
  ];
  const points = projected ? shown.map((id, i) => ({ label: task.tokenizer.tokenOf(id), x: projected.projections[i]![0]!, y: projected.projections[i]![1]! })) : [];
  const explained = projected ? (100 * (projected.variances[0]! + projected.variances[1]!)) / totalVariance : 0;
  await writeFile(join(outDir, 'report.html'), renderReport({
    title: `Tessera text generator — ${o.data}, ${o.model}`,
    facts,
    history: hist,
    baseline: { name: 'bigram, validation', value: Math.exp(bigram.validation) },
    samples,
    sampleSettings: `${o.samples} samples after each epoch, temperature 1, no top-k/top-p, ${isNames ? 'each a name from <bos> to <eos>' : 'each a sentence (30 words at most)'}.`,
    embedding: projected ? {
      points,
      caption: `${isNames ? 'Every character' : `The ${shown.length} most frequent words`} (and <eos>) at the first two principal components of its embedding row (PCA by power iteration; ${explained.toFixed(1)}% of the variance of these rows).`,
    } : null,
  }));
  await writeFile(join(outDir, 'history.json'), JSON.stringify({ options: { ...o, limit }, hyperparameters: hp, backend, seconds, parameters: m.countParams(), vocabulary: V, validation, test, bigram, history: hist, samples }, null, 1));
  const parameters = m.countParams();
  stepper.dispose();
  m.dispose();
  log(`test: ${test.crossEntropy.toFixed(4)} ${perToken}, perplexity ${test.perplexity.toFixed(2)} (bigram ${bigram.test.toFixed(4)}, perplexity ${Math.exp(bigram.test).toFixed(2)}) — ${seconds.toFixed(1)} s of training on ${getBackend()}`);
  log(`saved the model and its vocabulary to ${modelDir}, the report to ${join(outDir, 'report.html')}`);
  return { outDir, modelDir, backend, seconds, hyperparameters: hp, parameters, validation, test, bigram, history: hist, samples };
}

/** Ids a sample never contains: padding, the start token of names, and for characters <unk>. */
export function bannedIds(tokenizer: TextTask['tokenizer'], info: TaskInfo): number[] {
  const ids = [tokenizer.padId];
  if (tokenizer.level === 'char') ids.push(tokenizer.unkId);
  if (info.startToken !== info.stopToken) ids.push(tokenizer.idOf(info.startToken));
  return ids;
}

function varianceSum(rows: ArrayLike<number>[]): number {
  const d = rows[0]!.length;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (const r of rows) mean += r[j]! / rows.length;
    for (const r of rows) total += (r[j]! - mean) ** 2 / (rows.length - 1);
  }
  return total || 1;
}

function describeModel(kind: ModelKind, hp: Hyperparameters, V: number): string {
  if (kind === 'lstm') {
    return `Embedding(${V}, ${hp.embeddingDim}) → ${hp.layers > 1 ? `${hp.layers} × ` : ''}LSTM(${hp.units}) → Dense(${V}); dropout ${hp.dropout}`;
  }
  return `TokenAndPositionEmbedding(${V}, ${hp.seqLength} positions, ${hp.embeddingDim}) → ${hp.layers} × causal TransformerEncoderBlock(${hp.heads} heads, MLP ${hp.units}, GELU) → LayerNorm → Dense(${V}); dropout ${hp.dropout}`;
}

export type { LmParts };

const fmt = (x: number): string => String(Number(x.toPrecision(6)));
