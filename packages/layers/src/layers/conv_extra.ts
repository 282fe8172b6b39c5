// The convolution family beyond Conv2D: Conv1D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D.
import { TesseraError, conv2dTranspose, depthwiseConv2d, reshape, type Padding, type Tensor, type Variable } from '@tessera/core';
import type { Initializer, InitializerIdentifier, SerializedInitializer } from '../initializers.js';
import { registerLayer, type BaseLayerConfig } from '../layer.js';
import type { Regularizer, RegularizerIdentifier, SerializedRegularizer } from '../regularizers.js';
import { checkOneOf, checkPair, checkPositiveInt, describeValue, fmtSymbolic, type SymbolicShape } from '../util.js';
import {
  Conv2DBase, convOutputSize, convOutputSize2D, knownChannels, window2DConfig, type Conv2DArgs, type Conv2DConfig, type PaddingMode, type Window2D, type Window2DArgs,
} from './conv.js';
import { BiasActivationLayer, KernelLayer, type BiasActivationArgs, type BiasActivationConfig, type KernelArgs, type KernelConfig } from './kernel_layer.js';
import { initializerConfig, initializerOption, regularizerConfig, regularizerOption } from './options.js';

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

function checkOutputFits(layer: string, inputShape: SymbolicShape, sizes: (number | null)[], window: string): void {
  if (sizes.some((s) => s !== null && s < 1)) {
    throw new TesseraError(`${layer}: the ${window} does not fit inputs of shape ${fmtSymbolic(inputShape)} with 'valid' padding (output would be ${sizes.join('x')})`);
  }
}

// ---------------------------------------------------------------- Conv1D

export interface Conv1DArgs extends KernelArgs {
  filters: number;
  kernelSize: number | [number];
  /** Default 1. */
  strides?: number | [number];
  /** 'causal' pads only the start, so output step t sees inputs up to t (WaveNet-style). Default 'valid'. */
  padding?: PaddingMode | 'causal';
  /** Default 1. */
  dilationRate?: number | [number];
}

export type Conv1DConfig = BaseLayerConfig & {
  filters: number;
  kernelSize: [number];
  strides: [number];
  padding: PaddingMode | 'causal';
  dilationRate: [number];
} & KernelConfig;

/** 1-D convolution over steps of [batch, steps, channels] inputs; the kernel is [kernelSize, inChannels, filters]. */
export class Conv1D extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: PaddingMode | 'causal';
  readonly dilationRate: number;

  constructor(args: Conv1DArgs) {
    super(args, 'Conv1D');
    this.filters = checkPositiveInt('Conv1D', 'filters', args?.filters);
    this.kernelSize = checkSingle('Conv1D', 'kernelSize', args.kernelSize);
    this.strides = checkSingle('Conv1D', 'strides', args.strides ?? 1);
    this.padding = checkOneOf('Conv1D', 'padding', args.padding ?? 'valid', ['valid', 'same', 'causal']);
    this.dilationRate = checkSingle('Conv1D', 'dilationRate', args.dilationRate ?? 1);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const [, steps] = this.computeOutputShape(inputShape);
    const channels = knownChannels(this.describe(), inputShape);
    checkOutputFits(this.describe(), inputShape, [steps ?? null], `kernel of size ${this.kernelSize} (dilation ${this.dilationRate})`);
    this.addKernel([this.kernelSize, channels, this.filters]);
    this.addBias(this.filters);
    this.inputSpec = { ndim: 3, axes: { [-1]: channels } };
  }

  call(x: Tensor): Tensor {
    // A 1-D convolution is a 2-D one over a height-1 image; 'causal' pads (kernel - 1) · dilation steps in front.
    const [n, steps, c] = x.shape as [number, number, number];
    const padding: Padding = this.padding === 'causal' ? [[0, 0], [(this.kernelSize - 1) * this.dilationRate, 0]] : this.padding;
    const filter = reshape(this.kernel!, [1, this.kernelSize, c, this.filters]);
    const y = this.convBiasActivation({ x: reshape(x, [n, 1, steps, c]), filter, strides: [1, this.strides], padding, dilations: [1, this.dilationRate] });
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
      ...this.kernelConfig(),
    };
  }
}

// ---------------------------------------------------------------- Conv2DTranspose

export interface Conv2DTransposeArgs extends Conv2DArgs {
  /**
   * Extra rows/columns at the end of the output, each smaller than its stride; picks among the
   * output sizes that stride and padding allow. Default null: Keras's size rule without it.
   */
  outputPadding?: number | [number, number] | null;
}

export type Conv2DTransposeConfig = Conv2DConfig & { outputPadding: [number, number] | null };

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

/** Conv2DTranspose's outputPadding: null, or a non-negative integer or a pair of them, each smaller than its stride. */
function checkOutputPadding(where: string, op: unknown, strides: [number, number]): [number, number] | null {
  if (op === undefined || op === null) return null;
  const p = typeof op === 'number' ? [op, op] : op;
  if (!Array.isArray(p) || p.length !== 2 || p.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
    throw new TesseraError(`${where}: outputPadding must be a non-negative integer or a pair of them, got ${describeValue(op)}`);
  }
  p.forEach((v, i) => {
    if (v >= strides[i]!) throw new TesseraError(`${where}: outputPadding ${JSON.stringify(op)} must be smaller than the strides [${strides.join(',')}] in each dimension`);
  });
  return [p[0]!, p[1]!];
}

/**
 * Transposed 2-D convolution (sometimes called deconvolution) of NHWC inputs: the gradient of a
 * Conv2D with respect to its input, used to upsample learnably. The kernel is
 * [kernelH, kernelW, filters, inChannels], as in Keras.
 */
export class Conv2DTranspose extends Conv2DBase {
  readonly outputPadding: [number, number] | null;

  constructor(args: Conv2DTransposeArgs) {
    super(args, 'Conv2DTranspose');
    this.outputPadding = checkOutputPadding('Conv2DTranspose', args.outputPadding, this.strides);
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
    this.addKernel([...this.kernelSize, this.filters, channels]);
    this.addBias(this.filters);
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
  }

  call(x: Tensor): Tensor {
    const [, outH, outW] = this.computeOutputShape([null, ...x.shape.slice(1)]);
    return this.biasActivation(conv2dTranspose(x, this.kernel!, [x.shape[0]!, outH!, outW!, this.filters], this.strides, this.padding, this.dilationRate));
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkRank(this.describe(), inputShape, 4, NHWC);
    const [n, h, w] = inputShape;
    const size = (s: number | null | undefined, i: 0 | 1): number | null =>
      convTransposeOutputSize(s ?? null, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding, this.outputPadding ? this.outputPadding[i] : null);
    return [n ?? null, size(h, 0), size(w, 1), this.filters];
  }

  override getConfig(): Conv2DTransposeConfig {
    return { ...super.getConfig(), outputPadding: this.outputPadding ? [...this.outputPadding] : null };
  }
}

// ---------------------------------------------------------------- DepthwiseConv2D and SeparableConv2D

interface DepthwiseCommonArgs extends BiasActivationArgs, Window2DArgs {
  /** Filters per input channel. Default 1. */
  depthMultiplier?: number;
  /** Default 'glorotUniform'. */
  depthwiseInitializer?: InitializerIdentifier | null;
  depthwiseRegularizer?: RegularizerIdentifier | null;
}

type DepthwiseCommonConfig = BaseLayerConfig &
  Window2D & {
    depthMultiplier: number;
    depthwiseInitializer: SerializedInitializer;
    depthwiseRegularizer: SerializedRegularizer | null;
  } & BiasActivationConfig;

/** The depthwise step both layers share: options, output size and the [kh, kw, channels, depthMultiplier] kernel. */
abstract class DepthwiseBase extends BiasActivationLayer implements Window2D {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: PaddingMode;
  readonly dilationRate: [number, number];
  readonly depthMultiplier: number;
  readonly depthwiseInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | null;

  constructor(args: DepthwiseCommonArgs, where: string) {
    super(args, where);
    this.kernelSize = checkPair(where, 'kernelSize', args?.kernelSize);
    this.strides = checkPair(where, 'strides', args.strides ?? 1);
    this.padding = checkOneOf(where, 'padding', args.padding ?? 'valid', ['valid', 'same']);
    this.dilationRate = checkPair(where, 'dilationRate', args.dilationRate ?? 1);
    this.depthMultiplier = checkPositiveInt(where, 'depthMultiplier', args.depthMultiplier ?? 1);
    this.depthwiseInitializer = initializerOption(args.depthwiseInitializer, 'glorotUniform');
    this.depthwiseRegularizer = regularizerOption(args.depthwiseRegularizer);
  }

  /** Checks the input, creates the depthwise kernel under `name` and returns it with the channel count. */
  protected buildDepthwise(inputShape: SymbolicShape, name: string): { kernel: Variable; channels: number } {
    checkRank(this.describe(), inputShape, 4, NHWC);
    const channels = knownChannels(this.describe(), inputShape);
    const hw = convOutputSize2D(inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding);
    checkOutputFits(this.describe(), inputShape, hw, `${this.kernelSize[0]}x${this.kernelSize[1]} kernel (dilation ${this.dilationRate.join('x')})`);
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
    return [inputShape[0] ?? null, ...convOutputSize2D(inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding), channels];
  }

  override getConfig(): DepthwiseCommonConfig {
    return {
      ...super.getConfig(),
      ...window2DConfig(this),
      depthMultiplier: this.depthMultiplier,
      ...this.weightConfig({ depthwiseInitializer: initializerConfig(this.depthwiseInitializer) }, { depthwiseRegularizer: regularizerConfig(this.depthwiseRegularizer) }),
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
    this.addBias(channels * this.depthMultiplier);
  }

  call(x: Tensor): Tensor {
    return this.biasActivation(this.depthwise(x, this.kernel!));
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const c = inputShape[3];
    return this.outputShape(inputShape, c === null || c === undefined ? null : c * this.depthMultiplier);
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
    this.addBias(this.filters);
  }

  call(x: Tensor): Tensor {
    return this.convBiasActivation({ x: this.depthwise(x, this.depthwiseKernel!), filter: this.pointwiseKernel! });
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return this.outputShape(inputShape, this.filters);
  }

  override getConfig(): SeparableConv2DConfig {
    return {
      ...super.getConfig(),
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
