// The convolution family beyond Conv2D: Conv1D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D.
import { TesseraError, add, conv2dTranspose, depthwiseConv2d, fusedConv2d, reshape, type Padding, type Tensor, type Variable } from '@tessera/core';
import { fusedActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
import type { Initializer, InitializerIdentifier, SerializedInitializer } from '../initializers.js';
import { Layer, registerLayer, type BaseLayerConfig, type LayerArgs } from '../layer.js';
import type { Regularizer, RegularizerIdentifier, SerializedRegularizer } from '../regularizers.js';
import { checkBoolean, checkOneOf, checkPair, checkPositiveInt, describeValue, fmtSymbolic, type SymbolicShape } from '../util.js';
import { convOutputSize, type PaddingMode } from './conv.js';
import { activationConfig, activationOption, initializerConfig, initializerOption, regularizerConfig, regularizerOption } from './options.js';

/** A positive integer or a one-element array of one (Conv1D's kernelSize, strides, dilationRate). */
export function checkSingle(where: string, what: string, v: unknown): number {
  const n = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new TesseraError(`${where}: ${what} must be a positive integer or an array of one, got ${describeValue(v)}`);
  return n;
}

export function checkRank(layer: string, inputShape: SymbolicShape, rank: number, layout: string): void {
  if (inputShape.length !== rank) throw new TesseraError(`${layer}: expects inputs of rank ${rank} ${layout}, got ${fmtSymbolic(inputShape)}`);
}

const NHWC = '[batch, height, width, channels]';
const NLC = '[batch, steps, channels]';

function knownChannels(layer: string, inputShape: SymbolicShape): number {
  const c = inputShape[inputShape.length - 1];
  if (c === null || c === undefined) throw new TesseraError(`${layer}: the channel dimension of the input must be known, got ${fmtSymbolic(inputShape)}`);
  return c;
}

function checkOutputFits(layer: string, inputShape: SymbolicShape, sizes: (number | null)[], window: string): void {
  if (sizes.some((s) => s !== null && s < 1)) {
    throw new TesseraError(`${layer}: the ${window} does not fit inputs of shape ${fmtSymbolic(inputShape)} with 'valid' padding (output would be ${sizes.join('x')})`);
  }
}

/** Options shared by every convolution layer here. */
interface ConvCommonArgs extends LayerArgs {
  /** Default 'valid'. */
  padding?: PaddingMode;
  /** Default 'linear'. */
  activation?: ActivationIdentifier | null;
  useBias?: boolean;
  /** Default 'zeros'. */
  biasInitializer?: InitializerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
}

type ConvCommonConfig = BaseLayerConfig & {
  activation: string;
  useBias: boolean;
  biasInitializer: SerializedInitializer;
  biasRegularizer: SerializedRegularizer | null;
};

/** activation(y + bias), as one fusedConv2d's epilogue would: used where the convolution is not fusedConv2d. */
function biasActivation(y: Tensor, bias: Variable | null, activation: ActivationFn): Tensor {
  return activation(bias ? add(y, bias) : y);
}

// ---------------------------------------------------------------- Conv1D

export interface Conv1DArgs extends Omit<ConvCommonArgs, 'padding'> {
  filters: number;
  kernelSize: number | [number];
  /** Default 1. */
  strides?: number | [number];
  /** 'causal' pads only the start, so output step t sees inputs up to t (WaveNet-style). Default 'valid'. */
  padding?: PaddingMode | 'causal';
  /** Default 1. */
  dilationRate?: number | [number];
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerIdentifier | null;
  kernelRegularizer?: RegularizerIdentifier | null;
}

export type Conv1DConfig = ConvCommonConfig & {
  filters: number;
  kernelSize: [number];
  strides: [number];
  padding: PaddingMode | 'causal';
  dilationRate: [number];
  kernelInitializer: SerializedInitializer;
  kernelRegularizer: SerializedRegularizer | null;
};

/** 1-D convolution over steps of [batch, steps, channels] inputs; the kernel is [kernelSize, inChannels, filters]. */
export class Conv1D extends Layer<Tensor> {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: PaddingMode | 'causal';
  readonly dilationRate: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: Conv1DArgs) {
    super(args);
    this.filters = checkPositiveInt('Conv1D', 'filters', args?.filters);
    this.kernelSize = checkSingle('Conv1D', 'kernelSize', args.kernelSize);
    this.strides = checkSingle('Conv1D', 'strides', args.strides ?? 1);
    this.padding = checkOneOf('Conv1D', 'padding', args.padding ?? 'valid', ['valid', 'same', 'causal']);
    this.dilationRate = checkSingle('Conv1D', 'dilationRate', args.dilationRate ?? 1);
    this.activation = activationOption(args.activation, 'linear');
    this.useBias = args.useBias === undefined ? true : checkBoolean('Conv1D', 'useBias', args.useBias);
    this.kernelInitializer = initializerOption(args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = initializerOption(args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizerOption(args.kernelRegularizer);
    this.biasRegularizer = regularizerOption(args.biasRegularizer);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const [, steps] = this.computeOutputShape(inputShape);
    const channels = knownChannels(this.describe(), inputShape);
    checkOutputFits(this.describe(), inputShape, [steps ?? null], `kernel of size ${this.kernelSize} (dilation ${this.dilationRate})`);
    this.kernel = this.addWeight('kernel', [this.kernelSize, channels, this.filters], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 3, axes: { [-1]: channels } };
  }

  call(x: Tensor): Tensor {
    // A 1-D convolution is a 2-D one over a height-1 image; 'causal' pads (kernel - 1) · dilation steps in front.
    const [n, steps, c] = x.shape as [number, number, number];
    const padding: Padding = this.padding === 'causal' ? [[0, 0], [(this.kernelSize - 1) * this.dilationRate, 0]] : this.padding;
    const filter = reshape(this.kernel!, [1, this.kernelSize, c, this.filters]);
    const fused = fusedActivation(this.activation);
    const args = { x: reshape(x, [n, 1, steps, c]), filter, strides: [1, this.strides] as [number, number], padding, dilations: [1, this.dilationRate] as [number, number], bias: this.bias ?? undefined };
    const y = fused ? fusedConv2d({ ...args, activation: fused }) : this.activation(fusedConv2d(args));
    return reshape(y, [n, y.shape[2]!, this.filters]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkRank(this.describe(), inputShape, 3, NLC);
    const steps = inputShape[1] ?? null;
    // Causal output length is the 'same' one: ceil(steps / strides).
    const mode = this.padding === 'causal' ? 'same' : this.padding;
    return [inputShape[0] ?? null, convOutputSize(steps, this.kernelSize, this.strides, this.dilationRate, mode), this.filters];
  }

  override getConfig(): Conv1DConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [this.kernelSize],
      strides: [this.strides],
      padding: this.padding,
      dilationRate: [this.dilationRate],
      activation: activationConfig(this.activation),
      useBias: this.useBias,
      kernelInitializer: initializerConfig(this.kernelInitializer),
      biasInitializer: initializerConfig(this.biasInitializer),
      kernelRegularizer: regularizerConfig(this.kernelRegularizer),
      biasRegularizer: regularizerConfig(this.biasRegularizer),
    };
  }
}

// ---------------------------------------------------------------- Conv2DTranspose

export interface Conv2DTransposeArgs extends ConvCommonArgs {
  filters: number;
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /**
   * Extra rows/columns at the end of the output, each smaller than its stride; picks among the
   * output sizes that stride and padding allow. Default null: Keras's size rule without it.
   */
  outputPadding?: number | [number, number] | null;
  /** Default 1. */
  dilationRate?: number | [number, number];
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerIdentifier | null;
  kernelRegularizer?: RegularizerIdentifier | null;
}

export type Conv2DTransposeConfig = ConvCommonConfig & {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: PaddingMode;
  outputPadding: [number, number] | null;
  dilationRate: [number, number];
  kernelInitializer: SerializedInitializer;
  kernelRegularizer: SerializedRegularizer | null;
};

/** Keras's output length of a transposed convolution (null when the input length is unknown). */
export function convTransposeOutputSize(
  size: number | null, kernel: number, stride: number, dilation: number, padding: PaddingMode, outputPadding: number | null,
): number | null {
  if (size === null) return null;
  const eff = (kernel - 1) * dilation + 1;
  if (outputPadding === null) return padding === 'valid' ? size * stride + Math.max(eff - stride, 0) : size * stride;
  const pad = padding === 'same' ? Math.floor(eff / 2) : 0;
  return (size - 1) * stride + eff - 2 * pad + outputPadding;
}

/**
 * Transposed 2-D convolution (sometimes called deconvolution) of NHWC inputs: the gradient of a
 * Conv2D with respect to its input, used to upsample learnably. The kernel is
 * [kernelH, kernelW, filters, inChannels], as in Keras.
 */
export class Conv2DTranspose extends Layer<Tensor> {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: PaddingMode;
  readonly outputPadding: [number, number] | null;
  readonly dilationRate: [number, number];
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: Conv2DTransposeArgs) {
    super(args);
    const where = 'Conv2DTranspose';
    this.filters = checkPositiveInt(where, 'filters', args?.filters);
    this.kernelSize = checkPair(where, 'kernelSize', args.kernelSize);
    this.strides = checkPair(where, 'strides', args.strides ?? 1);
    this.padding = checkOneOf(where, 'padding', args.padding ?? 'valid', ['valid', 'same']);
    this.dilationRate = checkPair(where, 'dilationRate', args.dilationRate ?? 1);
    if (args.outputPadding === undefined || args.outputPadding === null) {
      this.outputPadding = null;
    } else {
      const op = args.outputPadding;
      const p = typeof op === 'number' ? [op, op] : op;
      if (!Array.isArray(p) || p.length !== 2 || p.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
        throw new TesseraError(`${where}: outputPadding must be a non-negative integer or a pair of them, got ${describeValue(op)}`);
      }
      p.forEach((v, i) => {
        if (v >= this.strides[i]!) throw new TesseraError(`${where}: outputPadding ${JSON.stringify(op)} must be smaller than the strides [${this.strides.join(',')}] in each dimension`);
      });
      this.outputPadding = [p[0]!, p[1]!];
    }
    this.activation = activationOption(args.activation, 'linear');
    this.useBias = args.useBias === undefined ? true : checkBoolean(where, 'useBias', args.useBias);
    this.kernelInitializer = initializerOption(args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = initializerOption(args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizerOption(args.kernelRegularizer);
    this.biasRegularizer = regularizerOption(args.biasRegularizer);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const [, outH, outW] = this.computeOutputShape(inputShape);
    const channels = knownChannels(this.describe(), inputShape);
    // The output must be an input size of the Conv2D being transposed that maps back onto this input.
    [outH, outW].forEach((out, i) => {
      const size = inputShape[i + 1] ?? null;
      if (out === null || out === undefined || size === null) return;
      const back = convOutputSize(out, this.kernelSize[i]!, this.strides[i]!, this.dilationRate[i]!, this.padding);
      if (out < 1 || back !== size) {
        throw new TesseraError(
          `${this.describe()}: for inputs of shape ${fmtSymbolic(inputShape)}, outputPadding ${JSON.stringify(this.outputPadding)} gives an output ${['height', 'width'][i]} of ${out}, ` +
            `which a ${this.kernelSize[i]}-wide kernel with stride ${this.strides[i]} and '${this.padding}' padding maps to ${back}, not ${size}`,
        );
      }
    });
    this.kernel = this.addWeight('kernel', [...this.kernelSize, this.filters, channels], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
  }

  call(x: Tensor): Tensor {
    const [, outH, outW] = this.computeOutputShape([null, ...x.shape.slice(1)]);
    const y = conv2dTranspose(x, this.kernel!, [x.shape[0]!, outH!, outW!, this.filters], this.strides, this.padding, this.dilationRate);
    return biasActivation(y, this.bias, this.activation);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkRank(this.describe(), inputShape, 4, NHWC);
    const [n, h, w] = inputShape;
    const size = (s: number | null | undefined, i: 0 | 1): number | null =>
      convTransposeOutputSize(s ?? null, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding, this.outputPadding ? this.outputPadding[i] : null);
    return [n ?? null, size(h, 0), size(w, 1), this.filters];
  }

  override getConfig(): Conv2DTransposeConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      outputPadding: this.outputPadding ? [...this.outputPadding] : null,
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

// ---------------------------------------------------------------- DepthwiseConv2D and SeparableConv2D

interface DepthwiseCommonArgs extends ConvCommonArgs {
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** Default 1. */
  dilationRate?: number | [number, number];
  /** Filters per input channel. Default 1. */
  depthMultiplier?: number;
  /** Default 'glorotUniform'. */
  depthwiseInitializer?: InitializerIdentifier | null;
  depthwiseRegularizer?: RegularizerIdentifier | null;
}

type DepthwiseCommonConfig = ConvCommonConfig & {
  kernelSize: [number, number];
  strides: [number, number];
  padding: PaddingMode;
  dilationRate: [number, number];
  depthMultiplier: number;
  depthwiseInitializer: SerializedInitializer;
  depthwiseRegularizer: SerializedRegularizer | null;
};

/** The depthwise step both layers share: options, output size and the [kh, kw, channels, depthMultiplier] kernel. */
abstract class DepthwiseBase extends Layer<Tensor> {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: PaddingMode;
  readonly dilationRate: [number, number];
  readonly depthMultiplier: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  bias: Variable | null = null;

  constructor(args: DepthwiseCommonArgs, where: string) {
    super(args);
    this.kernelSize = checkPair(where, 'kernelSize', args?.kernelSize);
    this.strides = checkPair(where, 'strides', args.strides ?? 1);
    this.padding = checkOneOf(where, 'padding', args.padding ?? 'valid', ['valid', 'same']);
    this.dilationRate = checkPair(where, 'dilationRate', args.dilationRate ?? 1);
    this.depthMultiplier = checkPositiveInt(where, 'depthMultiplier', args.depthMultiplier ?? 1);
    this.activation = activationOption(args.activation, 'linear');
    this.useBias = args.useBias === undefined ? true : checkBoolean(where, 'useBias', args.useBias);
    this.depthwiseInitializer = initializerOption(args.depthwiseInitializer, 'glorotUniform');
    this.biasInitializer = initializerOption(args.biasInitializer, 'zeros');
    this.depthwiseRegularizer = regularizerOption(args.depthwiseRegularizer);
    this.biasRegularizer = regularizerOption(args.biasRegularizer);
  }

  /** Checks the input, creates the depthwise kernel under `name` and returns it with the channel count. */
  protected buildDepthwise(inputShape: SymbolicShape, name: string): { kernel: Variable; channels: number } {
    checkRank(this.describe(), inputShape, 4, NHWC);
    const channels = knownChannels(this.describe(), inputShape);
    const h = convOutputSize(inputShape[1] ?? null, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding);
    const w = convOutputSize(inputShape[2] ?? null, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding);
    checkOutputFits(this.describe(), inputShape, [h, w], `${this.kernelSize[0]}x${this.kernelSize[1]} kernel (dilation ${this.dilationRate.join('x')})`);
    const kernel = this.addWeight(name, [...this.kernelSize, channels, this.depthMultiplier], this.depthwiseInitializer, { regularizer: this.depthwiseRegularizer });
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
    return { kernel, channels };
  }

  protected depthwise(x: Tensor, kernel: Variable): Tensor {
    return depthwiseConv2d(x, kernel, this.strides, this.padding, this.dilationRate);
  }

  /** The output shape with `channels` output channels. */
  protected outputShape(inputShape: SymbolicShape, channels: number | null): SymbolicShape {
    checkRank(this.describe(), inputShape, 4, NHWC);
    const [n, h, w] = inputShape;
    return [
      n ?? null,
      convOutputSize(h ?? null, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding),
      convOutputSize(w ?? null, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding),
      channels,
    ];
  }

  protected depthwiseConfig(): DepthwiseCommonConfig {
    return {
      ...super.getConfig(),
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dilationRate: [...this.dilationRate],
      depthMultiplier: this.depthMultiplier,
      activation: activationConfig(this.activation),
      useBias: this.useBias,
      depthwiseInitializer: initializerConfig(this.depthwiseInitializer),
      biasInitializer: initializerConfig(this.biasInitializer),
      depthwiseRegularizer: regularizerConfig(this.depthwiseRegularizer),
      biasRegularizer: regularizerConfig(this.biasRegularizer),
    };
  }
}

export type DepthwiseConv2DArgs = DepthwiseCommonArgs;
export type DepthwiseConv2DConfig = DepthwiseCommonConfig;

/**
 * Depthwise 2-D convolution: each input channel is convolved with its own depthMultiplier filters
 * (no mixing across channels). The kernel is [kernelH, kernelW, channels, depthMultiplier]; output
 * channel c · depthMultiplier + m comes from input channel c.
 */
export class DepthwiseConv2D extends DepthwiseBase {
  kernel: Variable | null = null;

  constructor(args: DepthwiseConv2DArgs) {
    super(args, 'DepthwiseConv2D');
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const { kernel, channels } = this.buildDepthwise(inputShape, 'kernel');
    this.kernel = kernel;
    if (this.useBias) this.bias = this.addWeight('bias', [channels * this.depthMultiplier], this.biasInitializer, { regularizer: this.biasRegularizer });
  }

  call(x: Tensor): Tensor {
    return biasActivation(this.depthwise(x, this.kernel!), this.bias, this.activation);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const c = inputShape[3];
    return this.outputShape(inputShape, c === null || c === undefined ? null : c * this.depthMultiplier);
  }

  override getConfig(): DepthwiseConv2DConfig {
    return this.depthwiseConfig();
  }
}

export interface SeparableConv2DArgs extends DepthwiseCommonArgs {
  filters: number;
  /** Default 'glorotUniform'. */
  pointwiseInitializer?: InitializerIdentifier | null;
  pointwiseRegularizer?: RegularizerIdentifier | null;
}

export type SeparableConv2DConfig = DepthwiseCommonConfig & {
  filters: number;
  pointwiseInitializer: SerializedInitializer;
  pointwiseRegularizer: SerializedRegularizer | null;
};

/**
 * Depthwise separable 2-D convolution: a depthwise convolution (strides, padding and dilation apply
 * here), then a 1x1 convolution mixing its channels into `filters`, then bias and activation. Weights:
 * depthwise_kernel [kh, kw, channels, depthMultiplier], pointwise_kernel [1, 1, channels ·
 * depthMultiplier, filters], bias [filters].
 */
export class SeparableConv2D extends DepthwiseBase {
  readonly filters: number;
  readonly pointwiseInitializer: Initializer;
  readonly pointwiseRegularizer: Regularizer | null;
  depthwiseKernel: Variable | null = null;
  pointwiseKernel: Variable | null = null;

  constructor(args: SeparableConv2DArgs) {
    super(args, 'SeparableConv2D');
    this.filters = checkPositiveInt('SeparableConv2D', 'filters', args.filters);
    this.pointwiseInitializer = initializerOption(args.pointwiseInitializer, 'glorotUniform');
    this.pointwiseRegularizer = regularizerOption(args.pointwiseRegularizer);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const { kernel, channels } = this.buildDepthwise(inputShape, 'depthwise_kernel');
    this.depthwiseKernel = kernel;
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, channels * this.depthMultiplier, this.filters], this.pointwiseInitializer, {
      regularizer: this.pointwiseRegularizer,
    });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
  }

  call(x: Tensor): Tensor {
    const fused = fusedActivation(this.activation);
    const args = { x: this.depthwise(x, this.depthwiseKernel!), filter: this.pointwiseKernel!, bias: this.bias ?? undefined };
    return fused ? fusedConv2d({ ...args, activation: fused }) : this.activation(fusedConv2d(args));
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return this.outputShape(inputShape, this.filters);
  }

  override getConfig(): SeparableConv2DConfig {
    return {
      ...this.depthwiseConfig(),
      filters: this.filters,
      pointwiseInitializer: initializerConfig(this.pointwiseInitializer),
      pointwiseRegularizer: regularizerConfig(this.pointwiseRegularizer),
    };
  }
}

registerLayer('Conv1D', Conv1D);
registerLayer('Conv2DTranspose', Conv2DTranspose);
registerLayer('DepthwiseConv2D', DepthwiseConv2D);
registerLayer('SeparableConv2D', SeparableConv2D);
