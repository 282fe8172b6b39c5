import {
  TesseraError, add, concat, fusedMatMul, matmul, mul, ones, reshape, slice, split, stack, sub, unstack, zeros, type Tensor, type Variable,
} from '@tessera/core';
import type { ActivationFn, ActivationIdentifier } from '../activations.js';
import { Initializer, type InitializerIdentifier, type SerializedInitializer } from '../initializers.js';
import { Layer, registerLayer, type BaseLayerConfig, type LayerArgs } from '../layer.js';
import type { Regularizer, RegularizerIdentifier, SerializedRegularizer } from '../regularizers.js';
import { checkBoolean, checkPositiveInt, fmtSymbolic, type SymbolicShape } from '../util.js';
import { activationConfig, activationOption, initializerConfig, initializerOption, regularizerConfig, regularizerOption } from './options.js';

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
  kernelInitializer: SerializedInitializer;
  recurrentInitializer: SerializedInitializer;
  biasInitializer: SerializedInitializer;
  kernelRegularizer: SerializedRegularizer | null;
  recurrentRegularizer: SerializedRegularizer | null;
  biasRegularizer: SerializedRegularizer | null;
};

/**
 * A recurrent layer unrolled over time with ordinary ops, so autograd differentiates through every
 * step. Input [batch, time, features]; the input projection x·kernel (+ bias) of all steps is one
 * matmul, then each step adds h·recurrentKernel. States start at zero.
 * Weights: kernel [features, g·units], recurrent_kernel [units, g·units], bias, with g gates.
 */
export abstract class RNNBase extends Layer<Tensor | Tensor[]> {
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
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

  constructor(args: RNNArgs, where: string) {
    super(args);
    this.units = checkPositiveInt(where, 'units', args?.units);
    this.activation = activationOption(args.activation, 'tanh');
    this.useBias = args.useBias === undefined ? true : checkBoolean(where, 'useBias', args.useBias);
    this.returnSequences = args.returnSequences === undefined ? false : checkBoolean(where, 'returnSequences', args.returnSequences);
    this.returnState = args.returnState === undefined ? false : checkBoolean(where, 'returnState', args.returnState);
    this.goBackwards = args.goBackwards === undefined ? false : checkBoolean(where, 'goBackwards', args.goBackwards);
    this.kernelInitializer = initializerOption(args.kernelInitializer, 'glorotUniform');
    this.recurrentInitializer = initializerOption(args.recurrentInitializer, 'orthogonal');
    this.biasInitializer = initializerOption(args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizerOption(args.kernelRegularizer);
    this.recurrentRegularizer = regularizerOption(args.recurrentRegularizer);
    this.biasRegularizer = regularizerOption(args.biasRegularizer);
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
   * The step function of one `call` (weights it needs sliced once, not every step): takes the
   * projected input of a step [batch, g·units] and the states, returns the new states (the first
   * is the step's output).
   */
  protected abstract stepFunction(): StepFn;

  call(x: Tensor): Tensor | Tensor[] {
    const [batch, time] = x.shape as [number, number, number];
    if (time === 0) throw new TesseraError(`${this.describe()}: the input has no time steps (shape [${x.shape.join(',')}])`);
    const projected = fusedMatMul({ a: x, b: this.kernel!, bias: this.inputBias() });
    const steps = unstack(projected, 1);
    if (this.goBackwards) steps.reverse();
    const step = this.stepFunction();
    let states = Array.from({ length: this.numStates }, () => zeros([batch, this.units]));
    const outputs: Tensor[] = [];
    for (const xt of steps) {
      states = step(xt, states);
      outputs.push(states[0]!);
    }
    const output = this.returnSequences ? stack(outputs, 1) : outputs[outputs.length - 1]!;
    return this.returnState ? [output, ...states] : output;
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

  override getConfig(): RNNConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: activationConfig(this.activation),
      useBias: this.useBias,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
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

  protected stepFunction(): StepFn {
    const U = this.recurrentKernel!;
    return (xt, [h]) => [this.activation(add(xt, matmul(h!, U)))];
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

  protected stepFunction(): StepFn {
    const U = this.recurrentKernel!;
    const sigma = this.recurrentActivation;
    return (xt, [h, c]) => {
      const z = add(xt, matmul(h!, U));
      const [zi, zf, zc, zo] = split(z, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
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

  protected stepFunction(): StepFn {
    const u = this.units;
    const U = this.recurrentKernel!;
    const sigma = this.recurrentActivation;
    // z·h + (1 − z)·ĥ computed as ĥ + z·(h − ĥ).
    const mix = (z: Tensor, h: Tensor, candidate: Tensor): Tensor => add(candidate, mul(z, sub(h, candidate)));
    if (this.resetAfter) {
      const recurrentBias = this.bias ? reshape(slice(this.bias, [1, 0], [1, -1]), [3 * u]) : undefined;
      return (xt, [h]) => {
        const [xz, xr, xh] = split(xt, 3, -1) as [Tensor, Tensor, Tensor];
        const inner = fusedMatMul({ a: h!, b: U, bias: recurrentBias });
        const [rz, rr, rh] = split(inner, 3, -1) as [Tensor, Tensor, Tensor];
        const z = sigma(add(xz, rz));
        const r = sigma(add(xr, rr));
        return [mix(z, h!, this.activation(add(xh, mul(r, rh))))];
      };
    }
    const kernelZR = slice(U, [0, 0], [u, 2 * u]);
    const kernelH = slice(U, [0, 2 * u], [u, u]);
    return (xt, [h]) => {
      const [xz, xr, xh] = split(xt, 3, -1) as [Tensor, Tensor, Tensor];
      const [hz, hr] = split(matmul(h!, kernelZR), 2, -1) as [Tensor, Tensor];
      const z = sigma(add(xz, hz));
      const r = sigma(add(xr, hr));
      return [mix(z, h!, this.activation(add(xh, matmul(mul(r, h!), kernelH))))];
    };
  }

  override getConfig(): GRUConfig {
    return { ...super.getConfig(), recurrentActivation: activationConfig(this.recurrentActivation), resetAfter: this.resetAfter };
  }
}

registerLayer('SimpleRNN', SimpleRNN);
registerLayer('LSTM', LSTM);
registerLayer('GRU', GRU);
