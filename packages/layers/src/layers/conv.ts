import { TesseraError, avgPool2d, max, maxPool2d, mean, type Tensor } from '@tessera/core';
import { Layer, registerLayer, type BaseLayerConfig, type LayerArgs } from '../layer.js';
import { checkBoolean, checkOneOf, checkPair, checkPositiveInt, fmtSymbolic, type SymbolicShape } from '../util.js';
import { KernelLayer, type KernelArgs, type KernelConfig } from './kernel_layer.js';

export type PaddingMode = 'valid' | 'same';

/** Output size of one spatial dimension (null when the input size is unknown). */
export function convOutputSize(size: number | null, kernel: number, stride: number, dilation: number, padding: PaddingMode): number | null {
  if (size === null) return null;
  if (padding === 'same') return Math.ceil(size / stride);
  const effective = (kernel - 1) * dilation + 1;
  return Math.floor((size - effective) / stride) + 1;
}

function checkFits(layer: string, inputShape: SymbolicShape, outH: number | null, outW: number | null, window: string): void {
  if ((outH !== null && outH < 1) || (outW !== null && outW < 1)) {
    throw new TesseraError(`${layer}: the ${window} does not fit inputs of shape ${fmtSymbolic(inputShape)} with 'valid' padding (output would be ${outH}x${outW})`);
  }
}

function checkNHWC(layer: string, inputShape: SymbolicShape): void {
  if (inputShape.length !== 4) throw new TesseraError(`${layer}: expects NHWC inputs of rank 4 [batch, height, width, channels], got ${fmtSymbolic(inputShape)}`);
}

/** Output height and width of a kernel window over NHWC inputs of `inputShape` (null where unknown). */
export function convOutputSize2D(
  inputShape: SymbolicShape, kernel: [number, number], strides: [number, number], dilation: [number, number], padding: PaddingMode,
): [number | null, number | null] {
  return [
    convOutputSize(inputShape[1] ?? null, kernel[0], strides[0], dilation[0], padding),
    convOutputSize(inputShape[2] ?? null, kernel[1], strides[1], dilation[1], padding),
  ];
}

/** The size of the last (channel) axis, which a layer with weights over the channels needs. */
export function knownChannels(layer: string, inputShape: SymbolicShape): number {
  const c = inputShape[inputShape.length - 1];
  if (c === null || c === undefined) throw new TesseraError(`${layer}: the channel dimension of the input must be known, got ${fmtSymbolic(inputShape)}`);
  return c;
}

/** The window of the 2-D convolutions. */
export interface Window2DArgs {
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: PaddingMode;
  /** Default 1. */
  dilationRate?: number | [number, number];
}

export type Window2D = { kernelSize: [number, number]; strides: [number, number]; padding: PaddingMode; dilationRate: [number, number] };

/** A copy of the window options for a config. */
export function window2DConfig(w: Window2D): Window2D {
  return { kernelSize: [...w.kernelSize], strides: [...w.strides], padding: w.padding, dilationRate: [...w.dilationRate] };
}

export interface Conv2DArgs extends KernelArgs, Window2DArgs {
  filters: number;
}

export type Conv2DConfig = BaseLayerConfig & { filters: number } & Window2D & KernelConfig;

/** The options of Conv2D and Conv2DTranspose: `filters` kernels of kernelSize moved by strides over NHWC inputs. */
export abstract class Conv2DBase extends KernelLayer implements Window2D {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: PaddingMode;
  readonly dilationRate: [number, number];

  constructor(args: Conv2DArgs, where: string) {
    super(args, where);
    this.filters = checkPositiveInt(where, 'filters', args?.filters);
    this.kernelSize = checkPair(where, 'kernelSize', args.kernelSize);
    this.strides = checkPair(where, 'strides', args.strides ?? 1);
    this.padding = checkOneOf(where, 'padding', args.padding ?? 'valid', ['valid', 'same']);
    this.dilationRate = checkPair(where, 'dilationRate', args.dilationRate ?? 1);
  }

  override getConfig(): Conv2DConfig {
    return { ...super.getConfig(), filters: this.filters, ...window2DConfig(this), ...this.kernelConfig() };
  }
}

/** 2-D convolution of NHWC inputs; the kernel is [kernelH, kernelW, inChannels, filters]. */
export class Conv2D extends Conv2DBase {
  constructor(args: Conv2DArgs) {
    super(args, 'Conv2D');
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    checkNHWC(this.describe(), inputShape);
    const channels = knownChannels(this.describe(), inputShape);
    const [, h, w] = this.computeOutputShape(inputShape);
    checkFits(this.describe(), inputShape, h ?? null, w ?? null, `${this.kernelSize[0]}x${this.kernelSize[1]} kernel (dilation ${this.dilationRate.join('x')})`);
    this.addKernel([...this.kernelSize, channels, this.filters]);
    this.addBias(this.filters);
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
  }

  call(x: Tensor): Tensor {
    return this.convBiasActivation({ x, filter: this.kernel!, strides: this.strides, padding: this.padding, dilations: this.dilationRate });
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkNHWC(this.describe(), inputShape);
    return [inputShape[0] ?? null, ...convOutputSize2D(inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding), this.filters];
  }
}

export interface Pooling2DArgs extends LayerArgs {
  /** Default 2. */
  poolSize?: number | [number, number];
  /** Default: the pool size. */
  strides?: number | [number, number] | null;
  padding?: PaddingMode;
}

export type Pooling2DConfig = BaseLayerConfig & { poolSize: [number, number]; strides: [number, number]; padding: PaddingMode };

abstract class Pooling2D extends Layer<Tensor> {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: PaddingMode;

  constructor(args: Pooling2DArgs, where: string) {
    super(args);
    this.poolSize = checkPair(where, 'poolSize', args.poolSize ?? 2);
    this.strides = checkPair(where, 'strides', args.strides ?? this.poolSize);
    this.padding = checkOneOf(where, 'padding', args.padding ?? 'valid', ['valid', 'same']);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const [, h, w] = this.computeOutputShape(inputShape);
    checkFits(this.describe(), inputShape, h ?? null, w ?? null, `${this.poolSize[0]}x${this.poolSize[1]} window`);
    this.inputSpec = { ndim: 4 };
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkNHWC(this.describe(), inputShape);
    return [inputShape[0] ?? null, ...convOutputSize2D(inputShape, this.poolSize, this.strides, [1, 1], this.padding), inputShape[3] ?? null];
  }

  override getConfig(): Pooling2DConfig {
    return { ...super.getConfig(), poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }
}

/** Maximum over each poolSize window (NHWC). */
export class MaxPooling2D extends Pooling2D {
  constructor(args: Pooling2DArgs = {}) {
    super(args, 'MaxPooling2D');
  }
  call(x: Tensor): Tensor {
    return maxPool2d(x, this.poolSize, this.strides, this.padding);
  }
}

/** Mean over each poolSize window (NHWC); with 'same' padding, over the window's cells inside the input. */
export class AveragePooling2D extends Pooling2D {
  constructor(args: Pooling2DArgs = {}) {
    super(args, 'AveragePooling2D');
  }
  call(x: Tensor): Tensor {
    return avgPool2d(x, this.poolSize, this.strides, this.padding);
  }
}

export interface GlobalPooling2DArgs extends LayerArgs {
  /** Keep the spatial axes as size 1: [batch, 1, 1, channels]. */
  keepDims?: boolean;
}

export type GlobalPooling2DConfig = BaseLayerConfig & { keepDims: boolean };

/** Pools every axis between the batch and the channels away: [batch, ..., channels] → [batch, channels]. */
export abstract class GlobalPooling extends Layer<Tensor> {
  readonly keepDims: boolean;

  constructor(args: LayerArgs & { keepDims?: boolean }, where: string) {
    super(args);
    this.keepDims = args.keepDims === undefined ? false : checkBoolean(where, 'keepDims', args.keepDims);
  }

  /** Throws unless the input has the layer's rank. */
  protected abstract checkInput(inputShape: SymbolicShape): void;

  protected override onBuild(inputShape: SymbolicShape): void {
    this.checkInput(inputShape);
    this.inputSpec = { ndim: inputShape.length };
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    this.checkInput(inputShape);
    const n = inputShape[0] ?? null;
    const c = inputShape[inputShape.length - 1] ?? null;
    return this.keepDims ? [n, ...inputShape.slice(1, -1).map(() => 1), c] : [n, c];
  }

  override getConfig(): BaseLayerConfig & { keepDims: boolean } {
    return { ...super.getConfig(), keepDims: this.keepDims };
  }
}

abstract class GlobalPooling2D extends GlobalPooling {
  protected checkInput(inputShape: SymbolicShape): void {
    checkNHWC(this.describe(), inputShape);
  }
}

/** Mean over the spatial axes: [batch, h, w, c] → [batch, c]. */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'GlobalAveragePooling2D');
  }
  call(x: Tensor): Tensor {
    return mean(x, [1, 2], this.keepDims);
  }
}

/** Maximum over the spatial axes: [batch, h, w, c] → [batch, c]. */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'GlobalMaxPooling2D');
  }
  call(x: Tensor): Tensor {
    return max(x, [1, 2], this.keepDims);
  }
}

registerLayer('Conv2D', Conv2D);
registerLayer('MaxPooling2D', MaxPooling2D);
registerLayer('AveragePooling2D', AveragePooling2D);
registerLayer('GlobalAveragePooling2D', GlobalAveragePooling2D);
registerLayer('GlobalMaxPooling2D', GlobalMaxPooling2D);
