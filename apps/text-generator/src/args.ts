// Command-line parsing (node:util's parseArgs): `train` (the default command) and `generate`.

import { parseArgs as parseNodeArgs } from 'node:util';
import { closestName } from '@tessera/core';

export type DataName = 'names' | 'brown';
export type ModelKind = 'lstm' | 'transformer';
export type BackendName = 'cpu' | 'wasm';
export const DATA_NAMES: readonly DataName[] = ['names', 'brown'];
export const MODEL_KINDS: readonly ModelKind[] = ['lstm', 'transformer'];
export const BACKEND_NAMES: readonly BackendName[] = ['cpu', 'wasm'];

export interface TrainOptions {
  command: 'train';
  data: DataName;
  model: ModelKind;
  /** Undefined: the default of the data and model (see DEFAULTS in train.ts). */
  epochs: number | undefined;
  batchSize: number | undefined;
  lr: number | undefined;
  /** Embedding size (the transformer's model width). */
  embeddingDim: number | undefined;
  /** LSTM units, or the transformer's MLP width. */
  units: number | undefined;
  /** Stacked LSTM layers or transformer blocks. */
  layers: number | undefined;
  heads: number | undefined;
  dropout: number | undefined;
  /** Brown: time steps per training window (BPTT length, or the transformer's context). */
  seqLength: number | undefined;
  /** Brown: vocabulary size, specials included (default 10000). */
  vocab: number;
  seed: number;
  out: string | undefined;
  backend: BackendName | undefined;
  threads: number;
  /** Train on the first N names, or the first N tokens of Brown's training stream (0: all; default: all names, 200,000 Brown tokens). */
  limit: number | undefined;
  /** Samples generated after each epoch for the report. */
  samples: number;
  verbose: number;
}

export interface GenerateOptions {
  command: 'generate';
  modelDir: string;
  temperature: number;
  topK: number | undefined;
  topP: number | undefined;
  prompt: string;
  count: number;
  seed: number;
  /** Tokens generated per sample at most (default: 30 characters or words, capped by the transformer's context). */
  maxLength: number | undefined;
  backend: BackendName | undefined;
}

export interface EvaluateOptions {
  command: 'evaluate';
  modelDir: string;
  backend: BackendName | undefined;
}

export type Options = TrainOptions | GenerateOptions | EvaluateOptions | { command: 'help' };

export const USAGE = `Usage:
  text-generator [train] [options]                    train a language model, write the report and the model
  text-generator generate --model-dir DIR [options]   print samples from a saved model
  text-generator evaluate --model-dir DIR             score a saved model on validation and test

Train options:
  --data names|brown        English first names, per character (default), or the Brown corpus, per word
  --model lstm|transformer  Embedding → LSTM → Dense over the vocabulary (default), or a causal
                            transformer (token + position embedding, pre-norm blocks, LayerNorm, Dense)
  --epochs N                epochs (default per data and model: docs/results.md)
  --batch-size N            batch size
  --lr X                    Adam's learning rate
  --embedding-dim N         embedding size (the transformer's width)
  --units N                 LSTM units, or the transformer's MLP width
  --layers N                stacked LSTMs or transformer blocks
  --heads N                 attention heads (transformer)
  --dropout X               dropout rate in [0, 1)
  --seq-length N            Brown: time steps per training window
  --vocab N                 Brown: vocabulary size with <pad>, <unk>, <eos> (default 10000)
  --seed N                  seed of the weights, the shuffles and the samples (default 1)
  --out DIR                 where the model, vocabulary and report go (default out/<data>-<model>)
  --backend cpu|wasm        compute backend (default: the fastest available, wasm)
  --threads N               wasm threads (default 1)
  --limit N                 train on the first N names, or the first N training tokens of Brown
                            (0: all; default: every name, the first 200,000 Brown tokens)
  --samples N               samples generated after each epoch for the report (default 8)
  --quiet                   one line per epoch instead of a progress bar

Generate options:
  --model-dir DIR           a model directory written by training (out/names-lstm/model)
  --temperature T           < 1 sharper, > 1 flatter, 0 greedy (default 1)
  --top-k K                 sample from the K most likely tokens only
  --top-p P                 sample from the smallest set of tokens holding probability P (0 < P <= 1)
  --prompt TEXT             the start of every sample (names: letters; Brown: words)
  --count N                 samples (default 10)
  --seed N                  seed: the same seed prints the same samples (default 1)
  --max-length N            tokens generated per sample at most
  --backend cpu|wasm        compute backend (default: the fastest available)
`;

function fail(msg: string): never {
  throw new Error(`${msg}\n\n${USAGE}`);
}

function num(flag: string, v: string | undefined, integer: boolean, min: number, max = Infinity): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    fail(`--${flag} must be ${integer ? 'an integer' : 'a number'} ${range}, got '${v}'`);
  }
  return n;
}

function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[], fallback: T): T;
function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined;
function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[], fallback?: T): T | undefined {
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) fail(`--${flag} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

const TRAIN_FLAGS = {
  data: { type: 'string' }, model: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' },
  'embedding-dim': { type: 'string' }, units: { type: 'string' }, layers: { type: 'string' }, heads: { type: 'string' }, dropout: { type: 'string' },
  'seq-length': { type: 'string' }, vocab: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' },
  threads: { type: 'string' }, limit: { type: 'string' }, samples: { type: 'string' }, quiet: { type: 'boolean' },
} as const;

const GENERATE_FLAGS = {
  'model-dir': { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' }, 'top-p': { type: 'string' }, prompt: { type: 'string' },
  count: { type: 'string' }, seed: { type: 'string' }, 'max-length': { type: 'string' }, backend: { type: 'string' },
} as const;

/** node:util's parseArgs, its errors (unknown options, missing values) restated with the usage. */
function parseFlags<T extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], flags: T, command: string): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseNodeArgs({ args, options: flags, strict: true, allowPositionals: true });
    if (positionals.length > 0) fail(`${command}: unexpected argument '${positionals[0]}'`);
    return values as Record<string, string | boolean | undefined>;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(err.message)?.[1] ?? '';
      const near = option.startsWith('--') ? closestName(option.slice(2).split('=')[0]!, Object.keys(flags)) : undefined;
      fail(`${command}: Unknown option '${option}'${near ? ` (did you mean --${near}?)` : ''}`);
    }
    if (err.code?.startsWith('ERR_PARSE_ARGS')) fail(`${command}: ${err.message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '')}`);
    throw e;
  }
}

export function parseArgs(argv: string[]): Options {
  const args = [...argv];
  if (args[0] === '--') args.shift();
  if (args.includes('--help') || args.includes('-h') || args[0] === 'help') return { command: 'help' };
  const command = args[0] === 'train' || args[0] === 'generate' || args[0] === 'evaluate' ? (args.shift() as 'train' | 'generate' | 'evaluate') : 'train';
  if (command === 'evaluate') {
    const v = parseFlags(args, { 'model-dir': { type: 'string' }, backend: { type: 'string' } } as const, 'evaluate');
    const modelDir = v['model-dir'] as string | undefined;
    if (!modelDir) fail('evaluate needs --model-dir DIR (a model directory written by training, e.g. out/names-lstm/model)');
    return { command, modelDir, backend: oneOf('backend', v['backend'] as string | undefined, BACKEND_NAMES) };
  }
  if (command === 'generate') {
    const v = parseFlags(args, GENERATE_FLAGS, 'generate');
    const s = (k: string): string | undefined => v[k] as string | undefined;
    const modelDir = s('model-dir');
    if (!modelDir) fail('generate needs --model-dir DIR (a model directory written by training, e.g. out/names-lstm/model)');
    return {
      command,
      modelDir,
      temperature: num('temperature', s('temperature'), false, 0) ?? 1,
      topK: num('top-k', s('top-k'), true, 1),
      topP: (() => {
        const p = num('top-p', s('top-p'), false, 0, 1);
        if (p === 0) fail(`--top-p must be in (0, 1], got '${s('top-p')}'`);
        return p;
      })(),
      prompt: s('prompt') ?? '',
      count: num('count', s('count'), true, 1, 10000) ?? 10,
      seed: num('seed', s('seed'), true, 0) ?? 1,
      maxLength: num('max-length', s('max-length'), true, 1),
      backend: oneOf('backend', s('backend'), BACKEND_NAMES),
    };
  }
  const v = parseFlags(args, TRAIN_FLAGS, 'train');
  const s = (k: string): string | undefined => v[k] as string | undefined;
  const dropout = num('dropout', s('dropout'), false, 0);
  if (dropout !== undefined && dropout >= 1) fail(`--dropout must be in [0, 1), got '${s('dropout')}'`);
  return {
    command: 'train',
    data: oneOf('data', s('data'), DATA_NAMES, 'names'),
    model: oneOf('model', s('model'), MODEL_KINDS, 'lstm'),
    epochs: num('epochs', s('epochs'), true, 1),
    batchSize: num('batch-size', s('batch-size'), true, 1),
    lr: (() => {
      const lr = num('lr', s('lr'), false, 0);
      if (lr === 0) fail(`--lr must be > 0, got '${s('lr')}'`);
      return lr;
    })(),
    embeddingDim: num('embedding-dim', s('embedding-dim'), true, 1),
    units: num('units', s('units'), true, 1),
    layers: num('layers', s('layers'), true, 1, 16),
    heads: num('heads', s('heads'), true, 1),
    dropout,
    seqLength: num('seq-length', s('seq-length'), true, 1),
    vocab: num('vocab', s('vocab'), true, 4) ?? 10000,
    seed: num('seed', s('seed'), true, 0) ?? 1,
    out: s('out'),
    backend: oneOf('backend', s('backend'), BACKEND_NAMES),
    threads: num('threads', s('threads'), true, 1, 64) ?? 1,
    limit: num('limit', s('limit'), true, 0),
    samples: num('samples', s('samples'), true, 0, 100) ?? 8,
    verbose: v['quiet'] ? 2 : 1,
  };
}
