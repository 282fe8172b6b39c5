import {
  TesseraError, fill, fmtShape, randomNormal, randomUniform, rngFor, sizeFromShape, tensor, truncatedNormal, type Tensor,
} from '@tessera/core';
import { checkNumber, checkOneOf, describeValue, isPlainObject, normalizeName } from './util.js';

/** `{ className, config }`, as `serializeInitializer` writes it. */
export interface SerializedInitializer {
  className: string;
  config: Record<string, unknown>;
}

/**
 * Makes the initial value of a weight. Random initializers take an optional `seed`: with one, every
 * call gives the same values; without, each call draws from core's global generator (`setSeed`), so
 * a seeded program builds the same weights every run.
 */
export abstract class Initializer {
  abstract readonly className: string;
  /** A new float32 tensor of `shape`. */
  abstract apply(shape: readonly number[]): Tensor;
  getConfig(): Record<string, unknown> {
    return {};
  }
}

export type InitializerIdentifier = string | SerializedInitializer | Initializer;

function checkSeed(where: string, seed: unknown): number | undefined {
  if (seed === undefined || seed === null) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new TesseraError(`${where}: seed must be an integer, got ${describeValue(seed)}`);
  return seed;
}

function withSeed(config: Record<string, unknown>, seed: number | undefined): Record<string, unknown> {
  return seed === undefined ? config : { ...config, seed };
}

export class Zeros extends Initializer {
  readonly className = 'Zeros';
  apply(shape: readonly number[]): Tensor {
    return fill(shape, 0);
  }
}

export class Ones extends Initializer {
  readonly className = 'Ones';
  apply(shape: readonly number[]): Tensor {
    return fill(shape, 1);
  }
}

export class Constant extends Initializer {
  readonly className = 'Constant';
  readonly value: number;
  constructor({ value = 0 }: { value?: number } = {}) {
    super();
    this.value = checkNumber('Constant', 'value', value);
  }
  apply(shape: readonly number[]): Tensor {
    return fill(shape, this.value);
  }
  override getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}

export interface RandomNormalArgs {
  mean?: number;
  stddev?: number;
  seed?: number;
}

export class RandomNormal extends Initializer {
  readonly className: string = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;
  readonly seed: number | undefined;
  constructor({ mean = 0, stddev = 0.05, seed }: RandomNormalArgs = {}, where = 'RandomNormal') {
    super();
    this.mean = checkNumber(where, 'mean', mean);
    this.stddev = checkNumber(where, 'stddev', stddev, (v) => Number.isFinite(v) && v >= 0, 'a number >= 0');
    this.seed = checkSeed(where, seed);
  }
  apply(shape: readonly number[]): Tensor {
    return randomNormal(shape, this.mean, this.stddev, 'float32', this.seed);
  }
  override getConfig(): Record<string, unknown> {
    return withSeed({ mean: this.mean, stddev: this.stddev }, this.seed);
  }
}

/** Normal draws beyond two standard deviations redrawn (the result's std is about 0.88·stddev). */
export class TruncatedNormal extends RandomNormal {
  override readonly className = 'TruncatedNormal';
  constructor(args: RandomNormalArgs = {}) {
    super(args, 'TruncatedNormal');
  }
  override apply(shape: readonly number[]): Tensor {
    return truncatedNormal(shape, this.mean, this.stddev, 'float32', this.seed);
  }
}

export interface RandomUniformArgs {
  minval?: number;
  maxval?: number;
  seed?: number;
}

export class RandomUniform extends Initializer {
  readonly className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  readonly seed: number | undefined;
  constructor({ minval = -0.05, maxval = 0.05, seed }: RandomUniformArgs = {}) {
    super();
    this.minval = checkNumber('RandomUniform', 'minval', minval);
    this.maxval = checkNumber('RandomUniform', 'maxval', maxval);
    if (!(this.maxval > this.minval)) throw new TesseraError(`RandomUniform: maxval (${maxval}) must be greater than minval (${minval})`);
    this.seed = checkSeed('RandomUniform', seed);
  }
  apply(shape: readonly number[]): Tensor {
    return randomUniform(shape, this.minval, this.maxval, 'float32', this.seed);
  }
  override getConfig(): Record<string, unknown> {
    return withSeed({ minval: this.minval, maxval: this.maxval }, this.seed);
  }
}

/**
 * Fan-in and fan-out of a weight shape, as Keras computes them: a matrix [in, out] gives (in, out);
 * a conv kernel [...receptive field, in, out] multiplies both by the receptive field's size.
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const receptive = sizeFromShape(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
export type VarianceDistribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform';

export interface VarianceScalingArgs {
  scale?: number;
  mode?: FanMode | 'fan_in' | 'fan_out' | 'fan_avg';
  distribution?: VarianceDistribution | 'truncated_normal' | 'untruncated_normal' | 'normal';
  seed?: number;
}

// The std of a standard normal truncated to ±2: dividing by it gives the truncated draws the target std.
const TRUNCATED_STD = 0.87962566103423978;

/**
 * Draws with variance scale / n, n being the fan-in, fan-out or their mean: from a truncated normal
 * (rescaled so the std is exact), a normal, or a uniform on ±sqrt(3·scale/n).
 */
export class VarianceScaling extends Initializer {
  readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: VarianceDistribution;
  readonly seed: number | undefined;
  constructor({ scale = 1, mode = 'fanIn', distribution = 'truncatedNormal', seed }: VarianceScalingArgs = {}, where = 'VarianceScaling') {
    super();
    this.scale = checkNumber(where, 'scale', scale, (v) => Number.isFinite(v) && v > 0, 'a positive number');
    const m = checkOneOf(where, 'mode', mode, ['fanIn', 'fanOut', 'fanAvg', 'fan_in', 'fan_out', 'fan_avg']);
    this.mode = m === 'fan_in' ? 'fanIn' : m === 'fan_out' ? 'fanOut' : m === 'fan_avg' ? 'fanAvg' : m;
    const d = checkOneOf(where, 'distribution', distribution, ['truncatedNormal', 'untruncatedNormal', 'uniform', 'truncated_normal', 'untruncated_normal', 'normal']);
    this.distribution = d === 'truncated_normal' || d === 'normal' ? 'truncatedNormal' : d === 'untruncated_normal' ? 'untruncatedNormal' : d;
    this.seed = checkSeed(where, seed);
  }
  apply(shape: readonly number[]): Tensor {
    const { fanIn, fanOut } = computeFans(shape);
    const n = Math.max(1, this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2);
    const variance = this.scale / n;
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      return randomUniform(shape, -limit, limit, 'float32', this.seed);
    }
    if (this.distribution === 'untruncatedNormal') return randomNormal(shape, 0, Math.sqrt(variance), 'float32', this.seed);
    return truncatedNormal(shape, 0, Math.sqrt(variance) / TRUNCATED_STD, 'float32', this.seed);
  }
  override getConfig(): Record<string, unknown> {
    return withSeed({ scale: this.scale, mode: this.mode, distribution: this.distribution }, this.seed);
  }
}

/** A VarianceScaling with fixed parameters; only the seed is configurable. */
abstract class FixedVarianceScaling extends VarianceScaling {
  constructor(args: VarianceScalingArgs, { seed }: { seed?: number }, where: string) {
    super({ ...args, seed }, where);
  }
  override getConfig(): Record<string, unknown> {
    return withSeed({}, this.seed);
  }
}

/** Uniform on ±sqrt(6 / (fanIn + fanOut)). */
export class GlorotUniform extends FixedVarianceScaling {
  override readonly className = 'GlorotUniform';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fanAvg', distribution: 'uniform' }, args, 'GlorotUniform');
  }
}

/** Truncated normal with std sqrt(2 / (fanIn + fanOut)). */
export class GlorotNormal extends FixedVarianceScaling {
  override readonly className = 'GlorotNormal';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal' }, args, 'GlorotNormal');
  }
}

/** Truncated normal with std sqrt(2 / fanIn). */
export class HeNormal extends FixedVarianceScaling {
  override readonly className = 'HeNormal';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal' }, args, 'HeNormal');
  }
}

/** Uniform on ±sqrt(6 / fanIn). */
export class HeUniform extends FixedVarianceScaling {
  override readonly className = 'HeUniform';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 2, mode: 'fanIn', distribution: 'uniform' }, args, 'HeUniform');
  }
}

/** Truncated normal with std sqrt(1 / fanIn). */
export class LecunNormal extends FixedVarianceScaling {
  override readonly className = 'LecunNormal';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal' }, args, 'LecunNormal');
  }
}

/** Uniform on ±sqrt(3 / fanIn). */
export class LecunUniform extends FixedVarianceScaling {
  override readonly className = 'LecunUniform';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fanIn', distribution: 'uniform' }, args, 'LecunUniform');
  }
}

/**
 * A random orthogonal matrix (times `gain`): the weight is viewed as [prod(shape[:-1]), shape[-1]]
 * and has orthonormal columns, or orthonormal rows when it is wider than tall. Gram–Schmidt on a
 * Gaussian matrix, which gives the same distribution as sign-corrected QR.
 */
export class Orthogonal extends Initializer {
  readonly className = 'Orthogonal';
  readonly gain: number;
  readonly seed: number | undefined;
  constructor({ gain = 1, seed }: { gain?: number; seed?: number } = {}) {
    super();
    this.gain = checkNumber('Orthogonal', 'gain', gain);
    this.seed = checkSeed('Orthogonal', seed);
  }
  apply(shape: readonly number[]): Tensor {
    if (shape.length < 2) throw new TesseraError(`Orthogonal: the weight must have rank >= 2, got shape ${fmtShape(shape)}`);
    const rows = sizeFromShape(shape.slice(0, -1));
    const cols = shape[shape.length - 1]!;
    const n = Math.max(rows, cols);
    const k = Math.min(rows, cols);
    const q = orthonormalColumns(n, k, this.seed);
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        // q is column-major n x k; a wide weight takes its transpose.
        out[r * cols + c] = this.gain * (rows >= cols ? q[c * n + r]! : q[r * n + c]!);
      }
    }
    return tensor(out, shape);
  }
  override getConfig(): Record<string, unknown> {
    return withSeed({ gain: this.gain }, this.seed);
  }
}

/** k orthonormal columns of length n (k <= n), column-major, from Gaussian draws. */
function orthonormalColumns(n: number, k: number, seed: number | undefined): Float64Array {
  const rng = rngFor(seed);
  const q = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    const v = q.subarray(j * n, (j + 1) * n);
    for (;;) {
      for (let i = 0; i < n; i++) v[i] = rng.normal();
      // Modified Gram–Schmidt, run twice: one pass loses orthogonality in float for larger k.
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < j; p++) {
          const u = q.subarray(p * n, (p + 1) * n);
          let dot = 0;
          for (let i = 0; i < n; i++) dot += u[i]! * v[i]!;
          for (let i = 0; i < n; i++) v[i]! -= dot * u[i]!;
        }
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += v[i]! * v[i]!;
      norm = Math.sqrt(norm);
      // A draw (almost) inside the span of the previous columns has no usable direction: redraw.
      if (norm > 1e-6) {
        for (let i = 0; i < n; i++) v[i]! /= norm;
        break;
      }
    }
  }
  return q;
}

type InitializerFactory = (config: Record<string, unknown>) => Initializer;

const registry = new Map<string, { className: string; make: InitializerFactory }>();

/** Makes `getInitializer` know a class name (and its snake/camel spellings). */
export function registerInitializer(className: string, make: InitializerFactory): void {
  if (typeof className !== 'string' || className.length === 0) throw new TesseraError('registerInitializer: className must be a non-empty string');
  registry.set(normalizeName(className), { className, make });
}

registerInitializer('Zeros', () => new Zeros());
registerInitializer('Ones', () => new Ones());
registerInitializer('Constant', (c) => new Constant(c));
registerInitializer('RandomNormal', (c) => new RandomNormal(c));
registerInitializer('RandomUniform', (c) => new RandomUniform(c));
registerInitializer('TruncatedNormal', (c) => new TruncatedNormal(c));
registerInitializer('VarianceScaling', (c) => new VarianceScaling(c));
registerInitializer('GlorotUniform', (c) => new GlorotUniform(c));
registerInitializer('GlorotNormal', (c) => new GlorotNormal(c));
registerInitializer('HeNormal', (c) => new HeNormal(c));
registerInitializer('HeUniform', (c) => new HeUniform(c));
registerInitializer('LecunNormal', (c) => new LecunNormal(c));
registerInitializer('LecunUniform', (c) => new LecunUniform(c));
registerInitializer('Orthogonal', (c) => new Orthogonal(c));

// Keras's short names.
const ALIASES: Record<string, string> = { zero: 'zeros', one: 'ones', normal: 'randomnormal', uniform: 'randomuniform' };

/**
 * Resolves an initializer: an instance as is; a name in any spelling ('glorotUniform',
 * 'glorot_uniform', 'GlorotUniform'); or `{ className, config }`. Unknown names and options throw.
 */
export function getInitializer(identifier: InitializerIdentifier): Initializer {
  if (identifier instanceof Initializer) return identifier;
  if (typeof identifier === 'string') return build(identifier, {});
  if (isPlainObject(identifier) && typeof identifier['className'] === 'string') {
    const config = identifier['config'] ?? {};
    if (!isPlainObject(config)) throw new TesseraError(`getInitializer: the config of '${identifier['className']}' must be an object, got ${describeValue(config)}`);
    return build(identifier['className'], config);
  }
  throw new TesseraError(`getInitializer: expected an initializer name, { className, config } or an Initializer, got ${describeValue(identifier)}`);
}

function build(name: string, config: Record<string, unknown>): Initializer {
  const key = normalizeName(name);
  const entry = registry.get(ALIASES[key] ?? key);
  if (!entry) {
    throw new TesseraError(`getInitializer: unknown initializer '${name}' (known: ${[...registry.values()].map((e) => e.className).join(', ')})`);
  }
  const init = entry.make(config);
  const known = new Set([...Object.keys(init.getConfig()), ...('seed' in init ? ['seed'] : [])]);
  const unknown = Object.keys(config).filter((k) => !known.has(k) && config[k] !== undefined);
  if (unknown.length > 0) {
    throw new TesseraError(`getInitializer: ${entry.className} has no option ${unknown.map((k) => `'${k}'`).join(', ')}${known.size > 0 ? ` (options: ${[...known].join(', ')})` : ' (it takes no options)'}`);
  }
  return init;
}

export function serializeInitializer(init: Initializer): SerializedInitializer {
  return { className: init.className, config: init.getConfig() };
}

/** Keras-style factories: `initializers.glorotUniform({ seed: 1 })`. */
export const initializers = Object.freeze({
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  constant: (args?: { value?: number }) => new Constant(args),
  randomNormal: (args?: RandomNormalArgs) => new RandomNormal(args),
  randomUniform: (args?: RandomUniformArgs) => new RandomUniform(args),
  truncatedNormal: (args?: RandomNormalArgs) => new TruncatedNormal(args),
  varianceScaling: (args?: VarianceScalingArgs) => new VarianceScaling(args),
  glorotUniform: (args?: { seed?: number }) => new GlorotUniform(args),
  glorotNormal: (args?: { seed?: number }) => new GlorotNormal(args),
  heNormal: (args?: { seed?: number }) => new HeNormal(args),
  heUniform: (args?: { seed?: number }) => new HeUniform(args),
  lecunNormal: (args?: { seed?: number }) => new LecunNormal(args),
  lecunUniform: (args?: { seed?: number }) => new LecunUniform(args),
  orthogonal: (args?: { gain?: number; seed?: number }) => new Orthogonal(args),
  get: getInitializer,
  serialize: serializeInitializer,
});
