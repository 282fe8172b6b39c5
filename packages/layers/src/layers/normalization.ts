import { ENGINE, TesseraError, add, moments, mul, reshape, rsqrt, sub, tidy, type Tensor, type Variable } from '@tessera/core';
import type { Initializer, InitializerIdentifier, SerializedInitializer } from '../initializers.js';
import { Layer, registerLayer, type BaseLayerConfig, type CallArgs, type LayerArgs } from '../layer.js';
import type { Regularizer, RegularizerIdentifier, SerializedRegularizer } from '../regularizers.js';
import { checkBoolean, checkNumber, describeValue, fmtSymbolic, type SymbolicShape } from '../util.js';
import { initializerConfig, initializerOption, regularizerConfig, regularizerOption } from './options.js';

function resolveAxes(layer: string, axes: number[], rank: number): number[] {
  const out = axes.map((a) => {
    const n = a < 0 ? a + rank : a;
    if (n <= 0 || n >= rank) throw new TesseraError(`${layer}: axis ${a} is out of range for inputs of rank ${rank} (the batch axis 0 cannot be normalised over)`);
    return n;
  });
  if (new Set(out).size !== out.length) throw new TesseraError(`${layer}: axis ${JSON.stringify(axes)} repeats an axis`);
  return out.sort((a, b) => a - b);
}

function checkAxisOption(where: string, axis: unknown): number | number[] {
  const ok = (a: unknown): boolean => typeof a === 'number' && Number.isInteger(a);
  if (ok(axis)) return axis as number;
  if (Array.isArray(axis) && axis.length > 0 && axis.every(ok)) return [...(axis as number[])];
  throw new TesseraError(`${where}: axis must be an integer or a non-empty array of integers, got ${describeValue(axis)}`);
}

/** Shape that broadcasts a parameter over `axes` of a rank-`rank` input: size there, 1 elsewhere. */
function broadcastShape(shape: SymbolicShape, axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? (d as number) : 1));
}

export interface BatchNormalizationArgs extends LayerArgs {
  /** The feature axis (default -1, the channels of NHWC). */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  /** Learn an offset beta. */
  center?: boolean;
  /** Learn a scale gamma. */
  scale?: boolean;
  betaInitializer?: InitializerIdentifier | null;
  gammaInitializer?: InitializerIdentifier | null;
  movingMeanInitializer?: InitializerIdentifier | null;
  movingVarianceInitializer?: InitializerIdentifier | null;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
}

export type BatchNormalizationConfig = BaseLayerConfig & {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  betaInitializer: SerializedInitializer;
  gammaInitializer: SerializedInitializer;
  movingMeanInitializer: SerializedInitializer;
  movingVarianceInitializer: SerializedInitializer;
  betaRegularizer: SerializedRegularizer | null;
  gammaRegularizer: SerializedRegularizer | null;
};

/**
 * Normalises each feature with the batch's mean and (biased) variance while training, and updates
 * moving averages of both: moving = moving·momentum + batch·(1 − momentum). At inference, and when
 * the layer is frozen (trainable = false, as in Keras), it normalises with the moving statistics.
 * Weights: gamma, beta (trainable), movingMean, movingVariance (non-trainable).
 */
export class BatchNormalization extends Layer<Tensor> {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;
  private featureAxis = -1;
  private paramShape: number[] = [];

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    const w = 'BatchNormalization';
    const axis = checkAxisOption(w, args.axis ?? -1);
    if (Array.isArray(axis)) throw new TesseraError(`${w}: axis must be one integer, got ${describeValue(args.axis)}`);
    this.axis = axis;
    this.momentum = checkNumber(w, 'momentum', args.momentum ?? 0.99, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    this.epsilon = checkNumber(w, 'epsilon', args.epsilon ?? 1e-3, (v) => v > 0 && Number.isFinite(v), 'a positive number');
    this.center = args.center === undefined ? true : checkBoolean(w, 'center', args.center);
    this.scale = args.scale === undefined ? true : checkBoolean(w, 'scale', args.scale);
    this.betaInitializer = initializerOption(args.betaInitializer, 'zeros');
    this.gammaInitializer = initializerOption(args.gammaInitializer, 'ones');
    this.movingMeanInitializer = initializerOption(args.movingMeanInitializer, 'zeros');
    this.movingVarianceInitializer = initializerOption(args.movingVarianceInitializer, 'ones');
    this.betaRegularizer = regularizerOption(args.betaRegularizer);
    this.gammaRegularizer = regularizerOption(args.gammaRegularizer);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const [a] = resolveAxes(this.describe(), [this.axis], inputShape.length);
    const c = inputShape[a!];
    if (c === null || c === undefined) throw new TesseraError(`${this.describe()}: the size of axis ${this.axis} must be known, got inputs of shape ${fmtSymbolic(inputShape)}`);
    this.featureAxis = a!;
    this.paramShape = a === inputShape.length - 1 ? [c] : broadcastShape(inputShape, [a!]);
    if (this.scale) this.gamma = this.addWeight('gamma', [c], this.gammaInitializer, { regularizer: this.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', [c], this.betaInitializer, { regularizer: this.betaRegularizer });
    this.movingMean = this.addWeight('moving_mean', [c], this.movingMeanInitializer, { trainable: false });
    this.movingVariance = this.addWeight('moving_variance', [c], this.movingVarianceInitializer, { trainable: false });
    this.inputSpec = { ndim: inputShape.length, axes: { [a!]: c } };
  }

  call(x: Tensor, { training }: CallArgs): Tensor {
    const reduceAxes = x.shape.map((_, i) => i).filter((i) => i !== this.featureAxis);
    let mean: Tensor;
    let variance: Tensor;
    if (training && this.trainable) {
      ({ mean, variance } = moments(x, reduceAxes));
      this.updateMovingStatistics(mean, variance);
    } else {
      mean = this.movingMean!;
      variance = this.movingVariance!;
    }
    // y = (x − mean)·gamma/σ + beta, as x·k + (beta − mean·k): two full-size ops instead of four.
    let k = rsqrt(add(variance, this.epsilon));
    if (this.gamma) k = mul(k, this.gamma);
    let offset = mul(mean, k);
    offset = this.beta ? sub(this.beta, offset) : mul(offset, -1);
    return add(mul(x, reshape(k, this.paramShape)), reshape(offset, this.paramShape));
  }

  private updateMovingStatistics(mean: Tensor, variance: Tensor): void {
    const m = this.momentum;
    ENGINE.withoutTapes(() =>
      tidy(() => {
        this.movingMean!.assign(add(mul(this.movingMean!, m), mul(mean, 1 - m)));
        this.movingVariance!.assign(add(mul(this.movingVariance!, m), mul(variance, 1 - m)));
      }),
    );
  }

  override getConfig(): BatchNormalizationConfig {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: initializerConfig(this.betaInitializer),
      gammaInitializer: initializerConfig(this.gammaInitializer),
      movingMeanInitializer: initializerConfig(this.movingMeanInitializer),
      movingVarianceInitializer: initializerConfig(this.movingVarianceInitializer),
      betaRegularizer: regularizerConfig(this.betaRegularizer),
      gammaRegularizer: regularizerConfig(this.gammaRegularizer),
    };
  }
}

export interface LayerNormalizationArgs extends LayerArgs {
  /** The axis or axes normalised over (default -1). */
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier | null;
  gammaInitializer?: InitializerIdentifier | null;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
}

export type LayerNormalizationConfig = BaseLayerConfig & {
  axis: number | number[];
  epsilon: number;
  center: boolean;
  scale: boolean;
  betaInitializer: SerializedInitializer;
  gammaInitializer: SerializedInitializer;
  betaRegularizer: SerializedRegularizer | null;
  gammaRegularizer: SerializedRegularizer | null;
};

/** Normalises each sample over `axis` (mean 0, variance 1), then scales by gamma and shifts by beta. */
export class LayerNormalization extends Layer<Tensor> {
  readonly axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  private axes: number[] = [];
  private paramShape: number[] = [];

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    const w = 'LayerNormalization';
    this.supportsMasking = true; // per position (over the last axis): a mask passes through
    this.axis = checkAxisOption(w, args.axis ?? -1);
    this.epsilon = checkNumber(w, 'epsilon', args.epsilon ?? 1e-3, (v) => v > 0 && Number.isFinite(v), 'a positive number');
    this.center = args.center === undefined ? true : checkBoolean(w, 'center', args.center);
    this.scale = args.scale === undefined ? true : checkBoolean(w, 'scale', args.scale);
    this.betaInitializer = initializerOption(args.betaInitializer, 'zeros');
    this.gammaInitializer = initializerOption(args.gammaInitializer, 'ones');
    this.betaRegularizer = regularizerOption(args.betaRegularizer);
    this.gammaRegularizer = regularizerOption(args.gammaRegularizer);
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    this.axes = resolveAxes(this.describe(), typeof this.axis === 'number' ? [this.axis] : this.axis, inputShape.length);
    const dims = this.axes.map((a) => inputShape[a]);
    if (dims.some((d) => d === null || d === undefined)) {
      throw new TesseraError(`${this.describe()}: the sizes of the normalised axes must be known, got inputs of shape ${fmtSymbolic(inputShape)}`);
    }
    const param = dims as number[];
    this.paramShape = broadcastShape(inputShape, this.axes);
    if (this.scale) this.gamma = this.addWeight('gamma', param, this.gammaInitializer, { regularizer: this.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', param, this.betaInitializer, { regularizer: this.betaRegularizer });
    const axes: Record<number, number> = {};
    this.axes.forEach((a, i) => (axes[a] = param[i]!));
    this.inputSpec = { ndim: inputShape.length, axes };
  }

  call(x: Tensor): Tensor {
    const { mean, variance } = moments(x, this.axes, true);
    let y = mul(sub(x, mean), rsqrt(add(variance, this.epsilon)));
    if (this.gamma) y = mul(y, reshape(this.gamma, this.paramShape));
    if (this.beta) y = add(y, reshape(this.beta, this.paramShape));
    return y;
  }

  override getConfig(): LayerNormalizationConfig {
    return {
      ...super.getConfig(),
      axis: Array.isArray(this.axis) ? [...this.axis] : this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: initializerConfig(this.betaInitializer),
      gammaInitializer: initializerConfig(this.gammaInitializer),
      betaRegularizer: regularizerConfig(this.betaRegularizer),
      gammaRegularizer: regularizerConfig(this.gammaRegularizer),
    };
  }
}

registerLayer('BatchNormalization', BatchNormalization);
registerLayer('LayerNormalization', LayerNormalization);
