// Regularization layers that draw random numbers while training and are the identity at inference.
import { TesseraError, add, cast, clone, greaterEqual, mul, randomNormal, randomUniform, rngFor, type Random, type RandomState, type Tensor } from '@tessera/core';
import { Layer, registerLayer, type BaseLayerConfig, type CallArgs, type LayerArgs } from '../layer.js';
import { checkNumber, describeValue, type SymbolicShape } from '../util.js';
import { checkRank } from './conv_extra.js';

function checkSeed(where: string, seed: unknown): number | null {
  if (seed === undefined || seed === null) return null;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new TesseraError(`${where}: seed must be an integer, got ${describeValue(seed)}`);
  return seed;
}

/** A layer with its own generator, seeded or drawn from the global seed; its position is saved with the model. */
abstract class RandomLayer extends Layer<Tensor> {
  readonly seed: number | null;
  protected readonly rng: Random;

  constructor(args: LayerArgs & { seed?: number | null }, where: string) {
    super(args);
    this.seed = checkSeed(where, args.seed);
    this.rng = rngFor(this.seed ?? undefined);
  }

  override getRandomState(): RandomState {
    return this.rng.getState();
  }

  override setRandomState(state: RandomState): void {
    this.rng.setState(state);
  }
}

export interface SpatialDropout2DArgs extends LayerArgs {
  /** Fraction of the channels to zero, in [0, 1). */
  rate: number;
  /** Seeds the layer's own generator, so the sequence of masks repeats; default: from the global seed. */
  seed?: number | null;
}

export type SpatialDropout2DConfig = BaseLayerConfig & { rate: number; seed: number | null };

/**
 * Dropout of whole channels of NHWC inputs: while training, each channel of each sample is zeroed
 * with probability `rate` (all its pixels at once, since neighbouring pixels are correlated) and the
 * rest are scaled by 1 / (1 - rate); the identity at inference.
 */
export class SpatialDropout2D extends RandomLayer {
  readonly rate: number;

  constructor(args: SpatialDropout2DArgs) {
    super(args, 'SpatialDropout2D');
    this.rate = checkNumber('SpatialDropout2D', 'rate', args?.rate, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    checkRank(this.describe(), inputShape, 4, '[batch, height, width, channels]');
    this.inputSpec = { ndim: 4 };
  }

  call(x: Tensor, { training }: CallArgs): Tensor {
    if (!training || this.rate === 0) return clone(x);
    const [n, , , c] = x.shape as [number, number, number, number];
    const u = randomUniform([n, 1, 1, c], 0, 1, 'float32', this.rng.nextU32());
    return mul(x, mul(cast(greaterEqual(u, this.rate), 'float32'), 1 / (1 - this.rate)));
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkRank(this.describe(), inputShape, 4, '[batch, height, width, channels]');
    return [...inputShape];
  }

  override getConfig(): SpatialDropout2DConfig {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

export interface GaussianNoiseArgs extends LayerArgs {
  /** Standard deviation of the noise, >= 0. */
  stddev: number;
  /** Seeds the layer's own generator, so the sequence of draws repeats; default: from the global seed. */
  seed?: number | null;
}

export type GaussianNoiseConfig = BaseLayerConfig & { stddev: number; seed: number | null };

/** Adds zero-mean Gaussian noise of standard deviation `stddev` while training; the identity at inference. */
export class GaussianNoise extends RandomLayer {
  readonly stddev: number;

  constructor(args: GaussianNoiseArgs) {
    super(args, 'GaussianNoise');
    this.stddev = checkNumber('GaussianNoise', 'stddev', args?.stddev, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0');
    this.supportsMasking = true;
    this.inputSpec = {};
  }

  call(x: Tensor, { training }: CallArgs): Tensor {
    if (!training || this.stddev === 0) return clone(x);
    return add(x, randomNormal(x.shape, 0, this.stddev, 'float32', this.rng.nextU32()));
  }

  override getConfig(): GaussianNoiseConfig {
    return { ...super.getConfig(), stddev: this.stddev, seed: this.seed };
  }
}

registerLayer('SpatialDropout2D', SpatialDropout2D);
registerLayer('GaussianNoise', GaussianNoise);
