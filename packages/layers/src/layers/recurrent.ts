import {
  ENGINE, Tensor, TesseraError, add, cast, clone, concat, expandDims, fmtShape, fusedMatMul, greaterEqual, keep, matmul, mul, ones, randomUniform, reshape, rngFor,
  slice, split, stack, sub, unstack, where, zeros, type Random, type RandomState, type Variable,
} from '@tessera/core';
import type { ActivationFn, ActivationIdentifier } from '../activations.js';
import { Initializer, type InitializerIdentifier, type SerializedInitializer } from '../initializers.js';
import { Layer, registerLayer, type BaseLayerConfig, type CallArgs, type LayerArgs, type MaskArg } from '../layer.js';
import type { Regularizer, RegularizerIdentifier, SerializedRegularizer } from '../regularizers.js';
import { checkBoolean, checkNumber, checkPositiveInt, describeValue, fmtSymbolic, type SymbolicShape } from '../util.js';
import { activationConfig, activationOption, initializerConfig, initializerOption, regularizerConfig, regularizerOption } from './options.js';

/**
 * Splits x into pieces along an axis (`unstack` when `parts` is null: the axis is removed), with
 * the gradient of the whole taken at once: the pieces' gradients joined by one stack/concat. A
 * slice's own gradient pads it to the whole input, so per-step slices of a sequence would cost
 * O(time²) in the backward pass.
 */
function piecesWithJoinedGradient(x: Tensor, axis: number, parts: number | null): Tensor[] {
  const pieces = ENGINE.withoutTapes(() => (parts === null ? unstack(x, axis) : split(x, parts, axis)));
  if (ENGINE.tapes.length > 0) {
    const gradFn = (dys: Tensor[]): Tensor[] => [parts === null ? stack(dys, axis) : concat(dys, axis)];
    ENGINE.record({ kernel: parts === null ? 'Unstack' : 'Split', inputs: [x], outputs: pieces, attrs: { axis }, gradFn });
  }
  return pieces;
}

/** The steps of a sequence [batch, time, ...] (see piecesWithJoinedGradient). */
const unstackSteps = (x: Tensor): Tensor[] => piecesWithJoinedGradient(x, 1, null);
/** `n` equal parts of the last axis (an RNN's gates; see piecesWithJoinedGradient). */
const splitGates = (x: Tensor, n: number): Tensor[] => piecesWithJoinedGradient(x, x.rank - 1, n);

/** One step: the projected input [batch, g·units] and the states in, the new states out (the first is the output). */
type StepFn = (xt: Tensor, states: Tensor[]) => Tensor[];

export interface RNNArgs extends LayerArgs {
  units: number;
  /** Default 'tanh'. */
  activation?: ActivationIdentifier | null;
  useBias?: boolean;
  /** Return the output of every step [batch, time, units] instead of the last one [batch, units]. */
  returnSequences?: boolean;
  /** Also return the final states: apply gives [output, ...states]. */
  returnState?: boolean;
  /** Process the sequence in reverse (the returned sequence is in reverse order too). */
  goBackwards?: boolean;
  /**
   * Carry the final states of a batch over as the initial states of the next (sample i of a batch
   * continues sample i of the one before) until `resetStates()`. The batch size is fixed: the
   * declared one (`batchInputShape`, `batchSize`, or the input's) or else the first batch's.
   */
  stateful?: boolean;
  /** Fraction of the input features dropped while training, in [0, 1): one mask per call, the same at every step. */
  dropout?: number;
  /** Fraction of the recurrent state dropped (before the recurrent matmul) while training, in [0, 1): one mask per call. */
  recurrentDropout?: number;
  /** Seeds the layer's dropout masks; default: from the global seed. */
  seed?: number | null;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerIdentifier | null;
  /** Default 'orthogonal'. */
  recurrentInitializer?: InitializerIdentifier | null;
  /** Default 'zeros'. */
  biasInitializer?: InitializerIdentifier | null;
  kernelRegularizer?: RegularizerIdentifier | null;
  recurrentRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
}

export type RNNConfig = BaseLayerConfig & {
  units: number;
  activation: string;
  useBias: boolean;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
  dropout: number;
  recurrentDropout: number;
  seed: number | null;
  kernelInitializer: SerializedInitializer;
  recurrentInitializer: SerializedInitializer;
  biasInitializer: SerializedInitializer;
  kernelRegularizer: SerializedRegularizer | null;
  recurrentRegularizer: SerializedRegularizer | null;
  biasRegularizer: SerializedRegularizer | null;
};

/** An RNN's call options: `apply(x, { initialState })`. */
export interface RNNCallArgs extends CallArgs {
  /** The states to start from, each [batch, units] (LSTM: [h, c]); default zeros (or, stateful, the carried ones). */
  initialState?: Tensor | Tensor[];
}

/**
 * A recurrent layer unrolled over time with ordinary ops, so autograd differentiates through every
 * step. Input [batch, time, features]; the input projection x·kernel (+ bias) of all steps is one
 * matmul, then each step adds h·recurrentKernel. States start at zero, at `initialState`, or
 * (stateful) where the last batch left them.
 * Weights: kernel [features, g·units], recurrent_kernel [units, g·units], bias, with g gates.
 *
 * Masks (Keras): at a masked step the states and the output are carried over from the step before
 * (the output of masked leading steps is zero), so padding changes nothing; with returnSequences
 * the output keeps the mask, else the mask is consumed.
 */
export abstract class RNNBase extends Layer<Tensor | Tensor[]> {
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  /** Gates per unit (1 SimpleRNN, 4 LSTM, 3 GRU). */
  protected abstract readonly gates: number;
  /** States carried between steps (2 for LSTM: h and c). */
  protected abstract readonly numStates: number;
  private readonly rng: Random;
  /** Stateful: the states carried to the next batch (kept tensors, outside any gradient), or null for zeros. */
  private carried: Tensor[] | null = null;
  /** Stateful: the fixed batch size, once known. */
  private statefulBatch: number | null = null;

  constructor(args: RNNArgs, where: string) {
    super(args);
    this.units = checkPositiveInt(where, 'units', args?.units);
    this.activation = activationOption(args.activation, 'tanh');
    this.useBias = args.useBias === undefined ? true : checkBoolean(where, 'useBias', args.useBias);
    this.returnSequences = args.returnSequences === undefined ? false : checkBoolean(where, 'returnSequences', args.returnSequences);
    this.returnState = args.returnState === undefined ? false : checkBoolean(where, 'returnState', args.returnState);
    this.goBackwards = args.goBackwards === undefined ? false : checkBoolean(where, 'goBackwards', args.goBackwards);
    this.stateful = args.stateful === undefined ? false : checkBoolean(where, 'stateful', args.stateful);
    const rate = (what: string, v: unknown): number => checkNumber(where, what, v ?? 0, (r) => r >= 0 && r < 1, 'a number in [0, 1)');
    this.dropout = rate('dropout', args.dropout);
    this.recurrentDropout = rate('recurrentDropout', args.recurrentDropout);
    if (args.seed !== undefined && args.seed !== null && !Number.isInteger(args.seed)) throw new TesseraError(`${where}: seed must be an integer, got ${describeValue(args.seed)}`);
    this.seed = args.seed ?? null;
    this.rng = rngFor(this.seed ?? undefined);
    this.kernelInitializer = initializerOption(args.kernelInitializer, 'glorotUniform');
    this.recurrentInitializer = initializerOption(args.recurrentInitializer, 'orthogonal');
    this.biasInitializer = initializerOption(args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizerOption(args.kernelRegularizer);
    this.recurrentRegularizer = regularizerOption(args.recurrentRegularizer);
    this.biasRegularizer = regularizerOption(args.biasRegularizer);
    this.supportsMasking = true;
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const features = inputShape[2];
    if (inputShape.length !== 3 || features === null || features === undefined) {
      throw new TesseraError(`${this.describe()}: expects inputs [batch, time, features] with known features, got ${fmtSymbolic(inputShape)}`);
    }
    const g = this.gates * this.units;
    this.kernel = this.addWeight('kernel', [features, g], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, g], this.recurrentInitializer, { regularizer: this.recurrentRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', this.biasShape(), this.biasInitializerForBuild(), { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 3, axes: { 2: features } };
    if (this.stateful && inputShape[0] !== null && inputShape[0] !== undefined) this.statefulBatch = inputShape[0];
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  protected biasInitializerForBuild(): Initializer {
    return this.biasInitializer;
  }

  /** The bias added to the input projection x·kernel (all of it, except for GRU with resetAfter). */
  protected inputBias(): Tensor | undefined {
    return this.bias ?? undefined;
  }

  /**
   * The step function of one `call` (weights it needs sliced once, not every step). `recurrentMask`
   * (recurrent dropout, [batch, units]) multiplies the state before the recurrent matmul.
   */
  protected abstract stepFunction(recurrentMask: Tensor | null): StepFn;

  protected override callOptionNames(): readonly string[] {
    return ['initialState'];
  }

  call(x: Tensor, { training = false, mask, initialState }: Partial<RNNCallArgs> = {}): Tensor | Tensor[] {
    const [batch, time, features] = x.shape as [number, number, number];
    if (time === 0) throw new TesseraError(`${this.describe()}: the input has no time steps (shape [${x.shape.join(',')}])`);
    const m = mask === undefined || mask === null || Array.isArray(mask) ? null : mask;
    let states = this.startStates(batch, initialState);
    const dp = training && this.dropout > 0 ? this.dropoutMask([batch, 1, features], this.dropout) : null;
    const recMask = training && this.recurrentDropout > 0 ? this.dropoutMask([batch, this.units], this.recurrentDropout) : null;
    const projected = fusedMatMul({ a: dp ? mul(x, dp) : x, b: this.kernel!, bias: this.inputBias() });
    const steps = unstackSteps(projected);
    const validSteps = m ? unstack(expandDims(m, -1), 1) : null;
    if (this.goBackwards) {
      steps.reverse();
      validSteps?.reverse();
    }
    const step = this.stepFunction(recMask);
    const outputs: Tensor[] = [];
    let output: Tensor | null = null;
    steps.forEach((xt, t) => {
      const next = step(xt, states);
      const valid = validSteps?.[t];
      if (valid) {
        // A masked step carries the states and the last output over (Keras).
        states = next.map((s, i) => where(valid, s, states[i]!));
        output = where(valid, next[0]!, output ?? zeros([batch, this.units]));
      } else {
        states = next;
        output = next[0]!;
      }
      outputs.push(output);
    });
    if (this.stateful) this.carry(states);
    const y = this.returnSequences ? stack(outputs, 1) : outputs[outputs.length - 1]!;
    return this.returnState ? [y, ...states] : y;
  }

  /** Keeps the sequence's mask with returnSequences; else the output has none (nor have the states). */
  override computeMask(x: Tensor, mask: MaskArg | null): Tensor | null {
    void x;
    return this.returnSequences && mask !== null && !Array.isArray(mask) ? mask : null;
  }

  /** Inverted-dropout mask: 0 with probability `rate`, else 1 / (1 − rate); from the layer's own generator. */
  private dropoutMask(shape: number[], rate: number): Tensor {
    const u = randomUniform(shape, 0, 1, 'float32', this.rng.nextU32());
    return mul(cast(greaterEqual(u, rate), 'float32'), 1 / (1 - rate));
  }

  /** The states a call starts from: initialState, the carried ones (stateful), or zeros. */
  private startStates(batch: number, initialState: Tensor | Tensor[] | undefined): Tensor[] {
    if (this.stateful) {
      if (this.statefulBatch === null) this.statefulBatch = batch;
      if (batch !== this.statefulBatch) {
        throw new TesseraError(
          `${this.describe()}: is stateful with batch size ${this.statefulBatch}, got a batch of ${batch}; a stateful RNN needs every batch the same size ` +
            '(drop the last partial batch, or resetStates() and build a new layer for another size)',
        );
      }
    }
    if (initialState !== undefined && initialState !== null) return this.checkInitialState(batch, initialState);
    if (this.stateful && this.carried) return this.carried;
    return Array.from({ length: this.numStates }, () => zeros([batch, this.units]));
  }

  private checkInitialState(batch: number, initialState: Tensor | Tensor[]): Tensor[] {
    const list = Array.isArray(initialState) ? initialState : [initialState];
    const what = this.numStates === 1 ? 'one state [batch, units]' : `${this.numStates} states [batch, units] (h, c)`;
    if (list.length !== this.numStates) throw new TesseraError(`${this.describe()}: initialState must be ${what}, got ${list.length} tensor${list.length === 1 ? '' : 's'}`);
    return list.map((s, i) => {
      if (!(s instanceof Tensor)) throw new TesseraError(`${this.describe()}: initialState[${i}] must be a Tensor, got ${describeValue(s)}`);
      s.assertAlive(`${this.name}.apply`);
      if (s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== this.units) {
        throw new TesseraError(`${this.describe()}: initialState[${i}] has shape ${fmtShape(s.shape)}, expected [batch, units] = [${batch},${this.units}]`);
      }
      return s.dtype === 'float32' ? s : cast(s, 'float32');
    });
  }

  /** Stateful: keeps the final states for the next batch, cut from any gradient. */
  private carry(states: Tensor[]): void {
    const next = ENGINE.withoutTapes(() => states.map((s) => keep(clone(s))));
    this.carried?.forEach((s) => s.dispose());
    this.carried = next;
  }

  /**
   * Stateful: the states carried to the next batch (copies, the caller owns them), or null when
   * the next batch starts from zeros.
   */
  get states(): Tensor[] | null {
    return this.carried ? ENGINE.withoutTapes(() => this.carried!.map((s) => clone(s))) : null;
  }

  /**
   * Stateful: the next batch starts from zeros, or from `states` (each [batch, units]; copied).
   * Call it between independent sequences (e.g. each epoch).
   */
  resetStates(states?: Tensor | Tensor[]): void {
    if (!this.stateful) throw new TesseraError(`${this.describe()}.resetStates: the layer is not stateful (construct it with stateful: true)`);
    let next: Tensor[] | null = null;
    if (states !== undefined && states !== null) {
      const list = Array.isArray(states) ? states : [states];
      const batch = this.statefulBatch ?? (list[0] instanceof Tensor ? list[0].shape[0]! : 0);
      const checked = this.checkInitialState(batch, list);
      next = ENGINE.withoutTapes(() => checked.map((s) => keep(s.dtype === 'float32' ? clone(s) : s)));
      this.statefulBatch = batch;
    }
    this.carried?.forEach((s) => s.dispose());
    this.carried = next;
  }

  override getRandomState(): RandomState {
    return this.rng.getState();
  }

  override setRandomState(state: RandomState): void {
    this.rng.setState(state);
  }

  /** Shape of the (first) output: [batch, time, units] with returnSequences, else [batch, units]. */
  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const [b = null, t = null] = inputShape;
    return this.returnSequences ? [b, t, this.units] : [b, this.units];
  }

  /** Shapes of every output: the output, then (with returnState) each state [batch, units]. */
  override computeOutputShapes(inputShape: SymbolicShape): SymbolicShape[] {
    const out = this.computeOutputShape(inputShape);
    if (!this.returnState) return [out];
    return [out, ...Array.from({ length: this.numStates }, () => [inputShape[0] ?? null, this.units])];
  }

  override dispose(): void {
    this.carried?.forEach((s) => s.dispose());
    this.carried = null;
    super.dispose();
  }

  override getConfig(): RNNConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: activationConfig(this.activation),
      useBias: this.useBias,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      seed: this.seed,
      kernelInitializer: initializerConfig(this.kernelInitializer),
      recurrentInitializer: initializerConfig(this.recurrentInitializer),
      biasInitializer: initializerConfig(this.biasInitializer),
      kernelRegularizer: regularizerConfig(this.kernelRegularizer),
      recurrentRegularizer: regularizerConfig(this.recurrentRegularizer),
      biasRegularizer: regularizerConfig(this.biasRegularizer),
    };
  }
}

/** h_t = activation(x_t·W + h_{t−1}·U + b). */
export class SimpleRNN extends RNNBase {
  protected readonly gates = 1;
  protected readonly numStates = 1;

  constructor(args: RNNArgs) {
    super(args, 'SimpleRNN');
  }

  protected stepFunction(recurrentMask: Tensor | null): StepFn {
    const U = this.recurrentKernel!;
    return (xt, [h]) => [this.activation(add(xt, matmul(recurrentMask ? mul(h!, recurrentMask) : h!, U)))];
  }
}

export interface LSTMArgs extends RNNArgs {
  /** Activation of the gates (default 'sigmoid'). */
  recurrentActivation?: ActivationIdentifier | null;
  /** Initialise the forget gate's bias to 1 (Keras's default true). */
  unitForgetBias?: boolean;
}

export type LSTMConfig = RNNConfig & { recurrentActivation: string; unitForgetBias: boolean };

/** The bias initializer with the forget gate's block (the second of four) set to ones. */
class UnitForgetBias extends Initializer {
  readonly className = 'UnitForgetBias';
  constructor(private readonly base: Initializer, private readonly units: number) {
    super();
  }
  apply(): Tensor {
    const u = this.units;
    return concat([this.base.apply([u]), ones([u]), this.base.apply([2 * u])]);
  }
}

/**
 * Long short-term memory, gates in Keras's order i, f, c, o:
 * i = σ(z_i), f = σ(z_f), c_t = f·c_{t−1} + i·tanh(z_c), o = σ(z_o), h_t = o·tanh(c_t),
 * with z = x_t·W + h_{t−1}·U + b (σ = recurrentActivation, tanh = activation).
 * Parameters: 4·(features·units + units² + units).
 */
export class LSTM extends RNNBase {
  protected readonly gates = 4;
  protected readonly numStates = 2;
  readonly recurrentActivation: ActivationFn;
  readonly unitForgetBias: boolean;

  constructor(args: LSTMArgs) {
    super(args, 'LSTM');
    this.recurrentActivation = activationOption(args.recurrentActivation, 'sigmoid');
    this.unitForgetBias = args.unitForgetBias === undefined ? true : checkBoolean('LSTM', 'unitForgetBias', args.unitForgetBias);
  }

  protected override biasInitializerForBuild(): Initializer {
    return this.unitForgetBias ? new UnitForgetBias(this.biasInitializer, this.units) : this.biasInitializer;
  }

  protected stepFunction(recurrentMask: Tensor | null): StepFn {
    const U = this.recurrentKernel!;
    const sigma = this.recurrentActivation;
    return (xt, [h, c]) => {
      const z = add(xt, matmul(recurrentMask ? mul(h!, recurrentMask) : h!, U));
      const [zi, zf, zc, zo] = splitGates(z, 4) as [Tensor, Tensor, Tensor, Tensor];
      const cNext = add(mul(sigma(zf), c!), mul(sigma(zi), this.activation(zc)));
      return [mul(sigma(zo), this.activation(cNext)), cNext];
    };
  }

  override getConfig(): LSTMConfig {
    return { ...super.getConfig(), recurrentActivation: activationConfig(this.recurrentActivation), unitForgetBias: this.unitForgetBias };
  }
}

export interface GRUArgs extends RNNArgs {
  /** Activation of the gates (default 'sigmoid'). */
  recurrentActivation?: ActivationIdentifier | null;
  /**
   * Apply the reset gate after the recurrent matmul (Keras's default, true; the cuDNN variant): the
   * bias is then [2, 3·units] (input and recurrent biases). False: the original GRU, bias [3·units].
   */
  resetAfter?: boolean;
}

export type GRUConfig = RNNConfig & { recurrentActivation: string; resetAfter: boolean };

/**
 * Gated recurrent unit, gates in Keras's order z (update), r (reset), h (candidate):
 * z = σ(x_z + h·U_z + b_z), r = σ(x_r + h·U_r + b_r), h_t = z·h_{t−1} + (1 − z)·ĥ with
 * ĥ = tanh(x_h + r·(h·U_h + b_rh)) when resetAfter (default), else tanh(x_h + (r·h)·U_h).
 * Parameters: 3·(features·units + units² + units), plus 3·units more with resetAfter.
 */
export class GRU extends RNNBase {
  protected readonly gates = 3;
  protected readonly numStates = 1;
  readonly recurrentActivation: ActivationFn;
  readonly resetAfter: boolean;

  constructor(args: GRUArgs) {
    super(args, 'GRU');
    this.recurrentActivation = activationOption(args.recurrentActivation, 'sigmoid');
    this.resetAfter = args.resetAfter === undefined ? true : checkBoolean('GRU', 'resetAfter', args.resetAfter);
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected override inputBias(): Tensor | undefined {
    if (!this.bias) return undefined;
    return this.resetAfter ? reshape(slice(this.bias, [0, 0], [1, -1]), [3 * this.units]) : this.bias;
  }

  protected stepFunction(recurrentMask: Tensor | null): StepFn {
    const u = this.units;
    // Recurrent dropout applies to the state entering the recurrent matmul; the mix uses the state itself.
    const dropped = (h: Tensor): Tensor => (recurrentMask ? mul(h, recurrentMask) : h);
    const U = this.recurrentKernel!;
    const sigma = this.recurrentActivation;
    // z·h + (1 − z)·ĥ computed as ĥ + z·(h − ĥ).
    const mix = (z: Tensor, h: Tensor, candidate: Tensor): Tensor => add(candidate, mul(z, sub(h, candidate)));
    if (this.resetAfter) {
      const recurrentBias = this.bias ? reshape(slice(this.bias, [1, 0], [1, -1]), [3 * u]) : undefined;
      return (xt, [h]) => {
        const [xz, xr, xh] = splitGates(xt, 3) as [Tensor, Tensor, Tensor];
        const inner = fusedMatMul({ a: dropped(h!), b: U, bias: recurrentBias });
        const [rz, rr, rh] = splitGates(inner, 3) as [Tensor, Tensor, Tensor];
        const z = sigma(add(xz, rz));
        const r = sigma(add(xr, rr));
        return [mix(z, h!, this.activation(add(xh, mul(r, rh))))];
      };
    }
    const kernelZR = slice(U, [0, 0], [u, 2 * u]);
    const kernelH = slice(U, [0, 2 * u], [u, u]);
    return (xt, [h]) => {
      const [xz, xr, xh] = splitGates(xt, 3) as [Tensor, Tensor, Tensor];
      const hd = dropped(h!);
      const [hz, hr] = splitGates(matmul(hd, kernelZR), 2) as [Tensor, Tensor];
      const z = sigma(add(xz, hz));
      const r = sigma(add(xr, hr));
      return [mix(z, h!, this.activation(add(xh, matmul(mul(r, hd), kernelH))))];
    };
  }

  override getConfig(): GRUConfig {
    return { ...super.getConfig(), recurrentActivation: activationConfig(this.recurrentActivation), resetAfter: this.resetAfter };
  }
}

registerLayer('SimpleRNN', SimpleRNN);
registerLayer('LSTM', LSTM);
registerLayer('GRU', GRU);
