// Pooling over the steps of [batch, steps, channels] inputs.
import { TesseraError, avgPool2d, cast, div, expandDims, max, maxPool2d, maximum, mean, mul, reshape, sum, type Tensor } from '@tessera/core';
import { Layer, registerLayer, type BaseLayerConfig, type CallArgs, type LayerArgs, type MaskArg } from '../layer.js';
import { checkOneOf, fmtSymbolic, type SymbolicShape } from '../util.js';
import { GlobalPooling, convOutputSize, type PaddingMode } from './conv.js';
import { checkRank, checkSingle } from './conv_extra.js';

const NLC = '[batch, steps, channels]';

export interface Pooling1DArgs extends LayerArgs {
  /** Default 2. */
  poolSize?: number | [number];
  /** Default: the pool size. */
  strides?: number | [number] | null;
  /** Default 'valid'. */
  padding?: PaddingMode;
}

export type Pooling1DConfig = BaseLayerConfig & { poolSize: [number]; strides: [number]; padding: PaddingMode };

abstract class Pooling1D extends Layer<Tensor> {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: PaddingMode;

  constructor(args: Pooling1DArgs, where: string) {
    super(args);
    this.poolSize = checkSingle(where, 'poolSize', args.poolSize ?? 2);
    this.strides = checkSingle(where, 'strides', args.strides ?? this.poolSize);
    this.padding = checkOneOf(where, 'padding', args.padding ?? 'valid', ['valid', 'same']);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const [, steps] = this.computeOutputShape(inputShape);
    if (steps !== null && steps !== undefined && steps < 1) {
      throw new TesseraError(`${this.describe()}: the window of ${this.poolSize} steps does not fit inputs of shape ${fmtSymbolic(inputShape)} with 'valid' padding`);
    }
    this.inputSpec = { ndim: 3 };
  }

  /** The 2-D pool over a height-1 image. */
  protected pool2d(x: Tensor, pool: typeof maxPool2d): Tensor {
    const [n, steps, c] = x.shape as [number, number, number];
    const y = pool(reshape(x, [n, 1, steps, c]), [1, this.poolSize], [1, this.strides], this.padding);
    return reshape(y, [n, y.shape[2]!, c]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkRank(this.describe(), inputShape, 3, NLC);
    const [n, steps, c] = inputShape;
    return [n ?? null, convOutputSize(steps ?? null, this.poolSize, this.strides, 1, this.padding), c ?? null];
  }

  override getConfig(): Pooling1DConfig {
    return { ...super.getConfig(), poolSize: [this.poolSize], strides: [this.strides], padding: this.padding };
  }
}

/** Maximum over each window of poolSize steps. */
export class MaxPooling1D extends Pooling1D {
  constructor(args: Pooling1DArgs = {}) {
    super(args, 'MaxPooling1D');
  }
  call(x: Tensor): Tensor {
    return this.pool2d(x, maxPool2d);
  }
}

/** Mean over each window of poolSize steps; with 'same' padding, over the window's steps inside the input. */
export class AveragePooling1D extends Pooling1D {
  constructor(args: Pooling1DArgs = {}) {
    super(args, 'AveragePooling1D');
  }
  call(x: Tensor): Tensor {
    return this.pool2d(x, avgPool2d);
  }
}

export interface GlobalPooling1DArgs extends LayerArgs {
  /** Keep the steps axis as size 1: [batch, 1, channels]. */
  keepDims?: boolean;
}

export type GlobalPooling1DConfig = BaseLayerConfig & { keepDims: boolean };

abstract class GlobalPooling1D extends GlobalPooling {
  protected checkInput(inputShape: SymbolicShape): void {
    checkRank(this.describe(), inputShape, 3, NLC);
  }
}

/**
 * Mean over the steps: [batch, steps, channels] → [batch, channels]. With a mask, the mean over
 * the unmasked steps only (a sample with every step masked gives zeros; Keras divides 0 by 0).
 */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  constructor(args: GlobalPooling1DArgs = {}) {
    super(args, 'GlobalAveragePooling1D');
    this.supportsMasking = true;
  }
  call(x: Tensor, { mask }: Partial<CallArgs> = {}): Tensor {
    if (!mask || Array.isArray(mask)) return mean(x, 1, this.keepDims);
    const m = expandDims(cast(mask, 'float32'), 2);
    return div(sum(mul(x, m), 1, this.keepDims), maximum(sum(m, 1, this.keepDims), 1));
  }
  /** The steps are pooled away: the output has no mask. */
  override computeMask(x: Tensor, mask: MaskArg | null): null {
    void x;
    void mask;
    return null;
  }
}

/** Maximum over the steps: [batch, steps, channels] → [batch, channels]. */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  constructor(args: GlobalPooling1DArgs = {}) {
    super(args, 'GlobalMaxPooling1D');
  }
  call(x: Tensor): Tensor {
    return max(x, 1, this.keepDims);
  }
}

registerLayer('MaxPooling1D', MaxPooling1D);
registerLayer('AveragePooling1D', AveragePooling1D);
registerLayer('GlobalAveragePooling1D', GlobalAveragePooling1D);
registerLayer('GlobalMaxPooling1D', GlobalMaxPooling1D);
