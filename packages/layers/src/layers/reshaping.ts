// Layers that move, repeat, crop or pad values without weights.
import { TesseraError, add, expandDims, gather, mul, pad, reshape, slice, tensor, tile, transpose, type Tensor } from '@tessera/core';
import { Layer, registerLayer, type BaseLayerConfig, type LayerArgs } from '../layer.js';
import { checkOneOf, checkPair, checkPositiveInt, describeValue, fmtSymbolic, type SymbolicShape } from '../util.js';
import { checkRank } from './conv_extra.js';

const NHWC = '[batch, height, width, channels]';

export interface RepeatVectorArgs extends LayerArgs {
  /** How many times to repeat. */
  n: number;
}

export type RepeatVectorConfig = BaseLayerConfig & { n: number };

/** Repeats each sample n times: [batch, features] → [batch, n, features]. */
export class RepeatVector extends Layer<Tensor> {
  readonly n: number;

  constructor(args: RepeatVectorArgs) {
    super(args);
    this.n = checkPositiveInt('RepeatVector', 'n', args?.n);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    checkRank(this.describe(), inputShape, 2, '[batch, features]');
    this.inputSpec = { ndim: 2 };
  }

  call(x: Tensor): Tensor {
    return tile(expandDims(x, 1), [1, this.n, 1]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkRank(this.describe(), inputShape, 2, '[batch, features]');
    return [inputShape[0] ?? null, this.n, inputShape[1] ?? null];
  }

  override getConfig(): RepeatVectorConfig {
    return { ...super.getConfig(), n: this.n };
  }
}

export interface PermuteArgs extends LayerArgs {
  /** A permutation of the sample axes, numbered from 1 (the batch axis stays first): [2, 1] swaps them. */
  dims: number[];
}

export type PermuteConfig = BaseLayerConfig & { dims: number[] };

/** Permutes the axes of each sample: with dims [2, 1], [batch, a, b] → [batch, b, a]. */
export class Permute extends Layer<Tensor> {
  readonly dims: number[];

  constructor(args: PermuteArgs) {
    super(args);
    const d = args?.dims;
    const ok = Array.isArray(d) && d.length > 0 && [...d].sort((a, b) => a - b).every((v, i) => v === i + 1);
    if (!ok) throw new TesseraError(`Permute: dims must be a permutation of 1..n (the sample axes, numbered from 1), got ${describeValue(d)}${Array.isArray(d) ? ` ${JSON.stringify(d)}` : ''}`);
    this.dims = [...d];
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    this.checkInputRank(inputShape);
    this.inputSpec = { ndim: this.dims.length + 1 };
  }

  private checkInputRank(inputShape: SymbolicShape): void {
    if (inputShape.length !== this.dims.length + 1) {
      throw new TesseraError(`${this.describe()}: dims [${this.dims.join(',')}] permute ${this.dims.length} sample axes, so inputs must have rank ${this.dims.length + 1}, got ${fmtSymbolic(inputShape)}`);
    }
  }

  call(x: Tensor): Tensor {
    return transpose(x, [0, ...this.dims]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    this.checkInputRank(inputShape);
    return [inputShape[0] ?? null, ...this.dims.map((d) => inputShape[d] ?? null)];
  }

  override getConfig(): PermuteConfig {
    return { ...super.getConfig(), dims: [...this.dims] };
  }
}

type Amounts = [[number, number], [number, number]];

/** Keras's forms: n (every side), [h, w] (symmetric per axis), [[top, bottom], [left, right]]. */
function checkAmounts(where: string, what: string, v: unknown): Amounts {
  const bad = (): TesseraError =>
    new TesseraError(`${where}: ${what} must be a non-negative integer, [height, width] or [[top, bottom], [left, right]] of them, got ${describeValue(v)}${Array.isArray(v) ? ` ${JSON.stringify(v)}` : ''}`);
  const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  if (isCount(v)) return [[v, v], [v, v]];
  if (!Array.isArray(v) || v.length !== 2) throw bad();
  if (v.every(isCount)) return [[v[0], v[0]], [v[1], v[1]]];
  if (v.every((p) => Array.isArray(p) && p.length === 2 && p.every(isCount))) return [[v[0][0], v[0][1]], [v[1][0], v[1][1]]];
  throw bad();
}

const copyAmounts = (a: Amounts): Amounts => [[...a[0]], [...a[1]]];

/** The forms checkAmounts takes. */
type BorderSizes = number | [number, number] | [[number, number], [number, number]];

/** Cropping2D and ZeroPadding2D: rows and columns removed from or added at the borders of NHWC images. */
abstract class Borders2D extends Layer<Tensor> {
  /** [[top, bottom], [left, right]]. */
  protected readonly amounts: Amounts;
  /** -1 where the layer removes the rows and columns, 1 where it adds them. */
  protected abstract readonly sign: -1 | 1;

  /** `value` is the layer's option `option`. */
  constructor(args: LayerArgs, where: string, option: string, value: unknown) {
    super(args);
    this.amounts = checkAmounts(where, option, value);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    checkRank(this.describe(), inputShape, 4, NHWC);
    this.inputSpec = { ndim: 4 };
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkRank(this.describe(), inputShape, 4, NHWC);
    const [n, h, w, c] = inputShape;
    const [[t, b], [l, r]] = this.amounts;
    const resize = (size: number | null | undefined, by: number): number | null => (size === null || size === undefined ? null : size + this.sign * by);
    return [n ?? null, resize(h, t + b), resize(w, l + r), c ?? null];
  }
}

export interface Cropping2DArgs extends LayerArgs {
  /** Rows and columns to remove: n, [h, w] or [[top, bottom], [left, right]]. Default 0. */
  cropping?: BorderSizes;
}

export type Cropping2DConfig = BaseLayerConfig & { cropping: Amounts };

/** Removes rows and columns at the borders of NHWC images. */
export class Cropping2D extends Borders2D {
  protected readonly sign = -1;

  constructor(args: Cropping2DArgs = {}) {
    super(args, 'Cropping2D', 'cropping', args?.cropping ?? 0);
  }

  get cropping(): Amounts {
    return this.amounts;
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const [, h, w] = this.computeOutputShape(inputShape);
    if ((h !== null && h! < 1) || (w !== null && w! < 1)) {
      throw new TesseraError(`${this.describe()}: cropping ${JSON.stringify(this.cropping)} removes every row or column of inputs of shape ${fmtSymbolic(inputShape)}`);
    }
    super.onBuild(inputShape);
  }

  call(x: Tensor): Tensor {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [[t, b], [l, r]] = this.cropping;
    return slice(x, [0, t, l, 0], [n, h - t - b, w - l - r, c]);
  }

  override getConfig(): Cropping2DConfig {
    return { ...super.getConfig(), cropping: copyAmounts(this.cropping) };
  }
}

export interface ZeroPadding2DArgs extends LayerArgs {
  /** Rows and columns of zeros to add: n, [h, w] or [[top, bottom], [left, right]]. Default 1. */
  padding?: BorderSizes;
}

export type ZeroPadding2DConfig = BaseLayerConfig & { padding: Amounts };

/** Adds rows and columns of zeros at the borders of NHWC images. */
export class ZeroPadding2D extends Borders2D {
  protected readonly sign = 1;

  constructor(args: ZeroPadding2DArgs = {}) {
    super(args, 'ZeroPadding2D', 'padding', args?.padding ?? 1);
  }

  get padding(): Amounts {
    return this.amounts;
  }

  call(x: Tensor): Tensor {
    return pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]]);
  }

  override getConfig(): ZeroPadding2DConfig {
    return { ...super.getConfig(), padding: copyAmounts(this.padding) };
  }
}

export type Interpolation = 'nearest' | 'bilinear';

export interface UpSampling2DArgs extends LayerArgs {
  /** Factor for rows and columns. Default 2. */
  size?: number | [number, number];
  /** Default 'nearest' (each value repeated); 'bilinear' interpolates as tf.image.resize (half-pixel centres). */
  interpolation?: Interpolation;
}

export type UpSampling2DConfig = BaseLayerConfig & { size: [number, number]; interpolation: Interpolation };

/** Enlarges NHWC images by integer factors: [batch, h, w, c] → [batch, h · size[0], w · size[1], c]. */
export class UpSampling2D extends Layer<Tensor> {
  readonly size: [number, number];
  readonly interpolation: Interpolation;

  constructor(args: UpSampling2DArgs = {}) {
    super(args);
    this.size = checkPair('UpSampling2D', 'size', args.size ?? 2);
    this.interpolation = checkOneOf('UpSampling2D', 'interpolation', args.interpolation ?? 'nearest', ['nearest', 'bilinear']);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    checkRank(this.describe(), inputShape, 4, NHWC);
    this.inputSpec = { ndim: 4 };
  }

  call(x: Tensor): Tensor {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [sh, sw] = this.size;
    if (this.interpolation === 'nearest') {
      return reshape(tile(reshape(x, [n, h, 1, w, 1, c]), [1, 1, sh, 1, sw, 1]), [n, h * sh, w * sw, c]);
    }
    return resizeAxis(resizeAxis(x, 1, sh), 2, sw);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkRank(this.describe(), inputShape, 4, NHWC);
    const [n, h, w, c] = inputShape;
    return [n ?? null, h === null || h === undefined ? null : h * this.size[0], w === null || w === undefined ? null : w * this.size[1], c ?? null];
  }

  override getConfig(): UpSampling2DConfig {
    return { ...super.getConfig(), size: [...this.size], interpolation: this.interpolation };
  }
}

/**
 * Linear interpolation along one axis to `factor` times its size, with TensorFlow's half-pixel
 * centres: output i reads input (i + 0.5) / factor − 0.5, clamped to the edges.
 */
function resizeAxis(x: Tensor, axis: 1 | 2, factor: number): Tensor {
  if (factor === 1) return x;
  const size = x.shape[axis]!;
  const out = size * factor;
  const lower: number[] = [];
  const upper: number[] = [];
  const frac: number[] = [];
  for (let i = 0; i < out; i++) {
    const pos = (i + 0.5) / factor - 0.5;
    const f = Math.floor(pos);
    lower.push(Math.max(f, 0));
    upper.push(Math.min(Math.ceil(pos), size - 1));
    frac.push(pos - f);
  }
  const weightShape = axis === 1 ? [1, out, 1, 1] : [1, 1, out, 1];
  const lo = gather(x, tensor(lower, [out], 'int32'), axis);
  const hi = gather(x, tensor(upper, [out], 'int32'), axis);
  const wHi = tensor(frac, weightShape);
  const wLo = tensor(frac.map((v) => 1 - v), weightShape);
  return add(mul(lo, wLo), mul(hi, wHi));
}

registerLayer('RepeatVector', RepeatVector);
registerLayer('Permute', Permute);
registerLayer('Cropping2D', Cropping2D);
registerLayer('ZeroPadding2D', ZeroPadding2D);
registerLayer('UpSampling2D', UpSampling2D);
