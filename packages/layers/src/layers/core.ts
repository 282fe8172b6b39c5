import {
  TesseraError, add, cast, clone, fusedMatMul, greaterEqual, mul, randomUniform, reshape, rngFor, sizeFromShape,
  type Random, type RandomState, type Tensor,
} from '@tessera/core';
import { fusedActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
import { Layer, registerLayer, type BaseLayerConfig, type CallArgs, type LayerArgs } from '../layer.js';
import { checkNumber, checkPositiveInt, describeValue, fmtSymbolic, knownSize, type SymbolicShape } from '../util.js';
import { KernelLayer, type KernelArgs, type KernelConfig } from './kernel_layer.js';
import { activationConfig, activationOption } from './options.js';

export interface DenseArgs extends KernelArgs {
  units: number;
}

export type DenseConfig = BaseLayerConfig & { units: number } & KernelConfig;

/**
 * activation(x · kernel + bias) over the last axis; kernel is [inputDim, units]. Linear, relu,
 * sigmoid and tanh run as one fusedMatMul.
 */
export class Dense extends KernelLayer {
  readonly units: number;

  constructor(args: DenseArgs) {
    super(args, 'Dense');
    this.units = checkPositiveInt('Dense', 'units', args?.units);
    this.supportsMasking = true; // per position: a mask passes through
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const inputDim = inputShape[inputShape.length - 1];
    if (inputShape.length < 2 || inputDim === null || inputDim === undefined) {
      throw new TesseraError(`${this.describe()}: needs inputs of rank >= 2 with a known last dimension, got ${fmtSymbolic(inputShape)}`);
    }
    this.addKernel([inputDim, this.units]);
    this.addBias(this.units);
    this.inputSpec = { minNdim: 2, axes: { [-1]: inputDim } };
  }

  call(x: Tensor): Tensor {
    const fused = fusedActivation(this.activation);
    const bias = this.bias ?? undefined;
    if (fused) return fusedMatMul({ a: x, b: this.kernel!, bias, activation: fused });
    return this.activation(fusedMatMul({ a: x, b: this.kernel!, bias }));
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  override getConfig(): DenseConfig {
    return { ...super.getConfig(), units: this.units, ...this.kernelConfig() };
  }
}

export interface ActivationArgs extends LayerArgs {
  activation: ActivationIdentifier;
}

export type ActivationConfig = BaseLayerConfig & { activation: string };

/** Applies an activation function to its input. */
export class Activation extends Layer<Tensor> {
  readonly activation: ActivationFn;

  constructor(args: ActivationArgs) {
    super(args);
    if (args.activation === undefined || args.activation === null) throw new TesseraError('Activation: the activation option is required');
    this.activation = activationOption(args.activation, 'linear');
    this.supportsMasking = true;
    this.inputSpec = {};
  }

  call(x: Tensor): Tensor {
    const y = this.activation(x);
    return y === x ? clone(x) : y;
  }

  override getConfig(): ActivationConfig {
    return { ...super.getConfig(), activation: activationConfig(this.activation) };
  }
}

/** Flattens each sample: [batch, ...dims] → [batch, prod(dims)] (a rank-1 input becomes [batch, 1]). */
export class Flatten extends Layer<Tensor> {
  constructor(args: LayerArgs = {}) {
    super(args);
    this.inputSpec = { minNdim: 1 };
  }

  call(x: Tensor): Tensor {
    return reshape(x, [x.shape[0]!, x.rank <= 1 ? 1 : sizeFromShape(x.shape.slice(1))]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [inputShape[0] ?? null, inputShape.length <= 1 ? 1 : knownSize(inputShape.slice(1))];
  }

}

export interface ReshapeArgs extends LayerArgs {
  /** Shape of each sample (without the batch dimension); one entry may be -1. */
  targetShape: number[];
}

export type ReshapeConfig = BaseLayerConfig & { targetShape: number[] };

/** Reshapes each sample to `targetShape`. */
export class Reshape extends Layer<Tensor> {
  readonly targetShape: number[];

  constructor(args: ReshapeArgs) {
    super(args);
    const t = args.targetShape;
    if (!Array.isArray(t) || t.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) || t.filter((d) => d === -1).length > 1) {
      throw new TesseraError(`Reshape: targetShape must be positive integers with at most one -1, got ${describeValue(t)}`);
    }
    this.targetShape = [...t];
    this.inputSpec = {};
  }

  call(x: Tensor): Tensor {
    const out = this.resolve(sizeFromShape(x.shape.slice(1)), x.shape);
    return reshape(x, [x.shape[0]!, ...out]);
  }

  /** The target shape with -1 resolved for samples of `sampleSize` elements. */
  private resolve(sampleSize: number, shape: readonly (number | null)[]): number[] {
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const hasFree = this.targetShape.includes(-1);
    if (hasFree ? sampleSize % known !== 0 : sampleSize !== known) {
      throw new TesseraError(
        `${this.describe()}: cannot reshape an input of shape ${fmtSymbolic(shape)} (${sampleSize} values per sample) to [${this.targetShape.join(',')}]`,
      );
    }
    return this.targetShape.map((d) => (d === -1 ? sampleSize / known : d));
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const size = knownSize(inputShape.slice(1));
    if (size === null) return [inputShape[0] ?? null, ...this.targetShape.map((d) => (d === -1 ? null : d))];
    return [inputShape[0] ?? null, ...this.resolve(size, inputShape)];
  }

  override getConfig(): ReshapeConfig {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}

export interface DropoutArgs extends LayerArgs {
  /** Fraction of the inputs to zero, in [0, 1). */
  rate: number;
  /** Seeds the layer's own generator, so the sequence of masks repeats; default: from the global seed. */
  seed?: number | null;
}

export type DropoutConfig = BaseLayerConfig & { rate: number; seed: number | null };

/**
 * Inverted dropout: while training, each input is zeroed with probability `rate` and the rest are
 * scaled by 1 / (1 - rate), so nothing changes at inference, where the layer is the identity.
 */
export class Dropout extends Layer<Tensor> {
  readonly rate: number;
  readonly seed: number | null;
  private readonly rng: Random;

  constructor(args: DropoutArgs) {
    super(args);
    this.rate = checkNumber('Dropout', 'rate', args?.rate, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    if (args.seed !== undefined && args.seed !== null && !Number.isInteger(args.seed)) {
      throw new TesseraError(`Dropout: seed must be an integer, got ${describeValue(args.seed)}`);
    }
    this.seed = args.seed ?? null;
    this.rng = rngFor(this.seed ?? undefined);
    this.supportsMasking = true;
    this.inputSpec = {};
  }

  call(x: Tensor, { training }: CallArgs): Tensor {
    if (!training || this.rate === 0) return clone(x);
    const u = randomUniform(x.shape, 0, 1, 'float32', this.rng.nextU32());
    const mask = mul(cast(greaterEqual(u, this.rate), 'float32'), 1 / (1 - this.rate));
    return mul(x, mask);
  }

  override getRandomState(): RandomState {
    return this.rng.getState();
  }

  override setRandomState(state: RandomState): void {
    this.rng.setState(state);
  }

  override getConfig(): DropoutConfig {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

export interface RescalingArgs extends LayerArgs {
  /** Multiplies every input (e.g. 1 / 255 for byte pixels). */
  scale: number;
  /** Added after scaling (default 0). */
  offset?: number;
}

export type RescalingConfig = BaseLayerConfig & { scale: number; offset: number };

/**
 * x * scale + offset, as Keras's Rescaling: fixed preprocessing (no weights) that travels inside
 * the saved model, so whoever loads it feeds the same raw inputs as training did. Standardising
 * inputs with mean m and deviation s is `{ scale: 1 / s, offset: -m / s }`.
 */
export class Rescaling extends Layer<Tensor> {
  readonly scale: number;
  readonly offset: number;

  constructor(args: RescalingArgs) {
    super(args);
    this.scale = checkNumber('Rescaling', 'scale', args?.scale, Number.isFinite, 'a finite number');
    this.offset = checkNumber('Rescaling', 'offset', args.offset ?? 0, Number.isFinite, 'a finite number');
    this.supportsMasking = true;
    this.inputSpec = {};
  }

  call(x: Tensor): Tensor {
    const xf = x.dtype === 'float32' ? x : cast(x, 'float32');
    return this.offset === 0 ? mul(xf, this.scale) : add(mul(xf, this.scale), this.offset);
  }

  override getConfig(): RescalingConfig {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}

registerLayer('Dense', Dense);
registerLayer('Activation', Activation);
registerLayer('Flatten', Flatten);
registerLayer('Reshape', Reshape);
registerLayer('Dropout', Dropout);
registerLayer('Rescaling', Rescaling);
