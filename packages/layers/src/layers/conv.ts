import { TesseraError, avgPool2d, fusedConv2d, max, maxPool2d, mean, type Tensor, type Variable } from '@tessera/core';
import { fusedActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
import type { Initializer, InitializerIdentifier, SerializedInitializer } from '../initializers.js';
import { Layer, registerLayer, type BaseLayerConfig, type LayerArgs } from '../layer.js';
import type { Regularizer, RegularizerIdentifier, SerializedRegularizer } from '../regularizers.js';
import { checkBoolean, checkOneOf, checkPair, checkPositiveInt, fmtSymbolic, type SymbolicShape } from '../util.js';
import { activationConfig, activationOption, initializerConfig, initializerOption, regularizerConfig, regularizerOption } from './options.js';

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

export interface Conv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: PaddingMode;
  dilationRate?: number | [number, number];
  /** Default 'linear'. */
  activation?: ActivationIdentifier | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier | null;
  biasInitializer?: InitializerIdentifier | null;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
}

export type Conv2DConfig = BaseLayerConfig & {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: PaddingMode;
  dilationRate: [number, number];
  activation: string;
  useBias: boolean;
  kernelInitializer: SerializedInitializer;
  biasInitializer: SerializedInitializer;
  kernelRegularizer: SerializedRegularizer | null;
  biasRegularizer: SerializedRegularizer | null;
};

/** 2-D convolution of NHWC inputs; the kernel is [kernelH, kernelW, inChannels, filters]. */
export class Conv2D extends Layer<Tensor> {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: PaddingMode;
  readonly dilationRate: [number, number];
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: Conv2DArgs) {
    super(args);
    this.filters = checkPositiveInt('Conv2D', 'filters', args?.filters);
    this.kernelSize = checkPair('Conv2D', 'kernelSize', args.kernelSize);
    this.strides = checkPair('Conv2D', 'strides', args.strides ?? 1);
    this.padding = checkOneOf('Conv2D', 'padding', args.padding ?? 'valid', ['valid', 'same']);
    this.dilationRate = checkPair('Conv2D', 'dilationRate', args.dilationRate ?? 1);
    this.activation = activationOption(args.activation, 'linear');
    this.useBias = args.useBias === undefined ? true : checkBoolean('Conv2D', 'useBias', args.useBias);
    this.kernelInitializer = initializerOption(args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = initializerOption(args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizerOption(args.kernelRegularizer);
    this.biasRegularizer = regularizerOption(args.biasRegularizer);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    checkNHWC(this.describe(), inputShape);
    const channels = inputShape[3];
    if (channels === null || channels === undefined) throw new TesseraError(`${this.describe()}: the channel dimension of the input must be known, got ${fmtSymbolic(inputShape)}`);
    const [, h, w] = this.computeOutputShape(inputShape);
    checkFits(this.describe(), inputShape, h ?? null, w ?? null, `${this.kernelSize[0]}x${this.kernelSize[1]} kernel (dilation ${this.dilationRate.join('x')})`);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels, this.filters], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
  }

  call(x: Tensor): Tensor {
    // Bias and a linear, relu, sigmoid or tanh activation run inside one fusedConv2d (one kernel
    // where the backend has it); other activations follow it.
    const fused = fusedActivation(this.activation);
    const args = { x, filter: this.kernel!, strides: this.strides, padding: this.padding, dilations: this.dilationRate, bias: this.bias ?? undefined };
    return fused ? fusedConv2d({ ...args, activation: fused }) : this.activation(fusedConv2d(args));
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkNHWC(this.describe(), inputShape);
    const [n, h, w] = inputShape;
    return [
      n ?? null,
      convOutputSize(h ?? null, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding),
      convOutputSize(w ?? null, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding),
      this.filters,
    ];
  }

  override getConfig(): Conv2DConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dilationRate: [...this.dilationRate],
      activation: activationConfig(this.activation),
      useBias: this.useBias,
      kernelInitializer: initializerConfig(this.kernelInitializer),
      biasInitializer: initializerConfig(this.biasInitializer),
      kernelRegularizer: regularizerConfig(this.kernelRegularizer),
      biasRegularizer: regularizerConfig(this.biasRegularizer),
    };
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
    const [n, h, w, c] = inputShape;
    return [
      n ?? null,
      convOutputSize(h ?? null, this.poolSize[0], this.strides[0], 1, this.padding),
      convOutputSize(w ?? null, this.poolSize[1], this.strides[1], 1, this.padding),
      c ?? null,
    ];
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

abstract class GlobalPooling2D extends Layer<Tensor> {
  readonly keepDims: boolean;

  constructor(args: GlobalPooling2DArgs, where: string) {
    super(args);
    this.keepDims = args.keepDims === undefined ? false : checkBoolean(where, 'keepDims', args.keepDims);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    checkNHWC(this.describe(), inputShape);
    this.inputSpec = { ndim: 4 };
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkNHWC(this.describe(), inputShape);
    const n = inputShape[0] ?? null;
    const c = inputShape[3] ?? null;
    return this.keepDims ? [n, 1, 1, c] : [n, c];
  }

  override getConfig(): GlobalPooling2DConfig {
    return { ...super.getConfig(), keepDims: this.keepDims };
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
