// The options, weights and config that Dense and the convolutions share: each computes
// activation(op(x, weights) + bias), so they parse, create and serialise the bias and activation
// (and, all but the depthwise ones, a `kernel`) here, and state only their own options.
import { add, fusedConv2d, type Tensor, type Variable } from '@tessera/core';
import { fusedActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
import type { Initializer, InitializerIdentifier, SerializedInitializer } from '../initializers.js';
import { Layer, type LayerArgs } from '../layer.js';
import type { Regularizer, RegularizerIdentifier, SerializedRegularizer } from '../regularizers.js';
import { checkBoolean } from '../util.js';
import { activationConfig, activationOption, initializerConfig, initializerOption, regularizerConfig, regularizerOption } from './options.js';

export interface BiasActivationArgs extends LayerArgs {
  /** Default 'linear'. */
  activation?: ActivationIdentifier | null;
  useBias?: boolean;
  /** Default 'zeros'. */
  biasInitializer?: InitializerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
}

export type BiasActivationConfig = {
  activation: string;
  useBias: boolean;
  biasInitializer: SerializedInitializer;
  biasRegularizer: SerializedRegularizer | null;
};

/** fusedConv2d's options other than the bias and activation, which the layer supplies. */
export type ConvOperands = Omit<Parameters<typeof fusedConv2d>[0], 'bias' | 'activation'>;

/** A layer computing activation(op(x, weights) + bias). */
export abstract class BiasActivationLayer extends Layer<Tensor> {
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly biasInitializer: Initializer;
  readonly biasRegularizer: Regularizer | null;
  bias: Variable | null = null;

  /** `where` names the layer in errors. */
  constructor(args: BiasActivationArgs | undefined, where: string) {
    super(args);
    const { activation, useBias, biasInitializer, biasRegularizer } = args ?? {};
    this.activation = activationOption(activation, 'linear');
    this.useBias = useBias === undefined ? true : checkBoolean(where, 'useBias', useBias);
    this.biasInitializer = initializerOption(biasInitializer, 'zeros');
    this.biasRegularizer = regularizerOption(biasRegularizer);
  }

  /** Creates the bias, one value per output channel, when useBias. */
  protected addBias(channels: number): void {
    if (this.useBias) this.bias = this.addWeight('bias', [channels], this.biasInitializer, { regularizer: this.biasRegularizer });
  }

  /**
   * fusedConv2d with this layer's bias and activation: one kernel where the backend fuses the
   * activation (linear, relu, sigmoid, tanh); other activations follow it.
   */
  protected convBiasActivation(operands: ConvOperands): Tensor {
    const args = { ...operands, bias: this.bias ?? undefined };
    const fused = fusedActivation(this.activation);
    return fused ? fusedConv2d({ ...args, activation: fused }) : this.activation(fusedConv2d(args));
  }

  /** activation(y + bias), after an op that has no fused form. */
  protected biasActivation(y: Tensor): Tensor {
    return this.activation(this.bias ? add(y, this.bias) : y);
  }

  /**
   * The shared config entries in Keras's order: activation, useBias, the main weight's initializer
   * (`initializer`, e.g. { kernelInitializer }) and the bias's, then their regularizers.
   */
  protected weightConfig<I extends object, R extends object>(initializer: I, regularizer: R): BiasActivationConfig & I & R {
    return {
      activation: activationConfig(this.activation),
      useBias: this.useBias,
      ...initializer,
      biasInitializer: initializerConfig(this.biasInitializer),
      ...regularizer,
      biasRegularizer: regularizerConfig(this.biasRegularizer),
    };
  }
}

export interface KernelArgs extends BiasActivationArgs {
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerIdentifier | null;
  kernelRegularizer?: RegularizerIdentifier | null;
}

export type KernelConfig = BiasActivationConfig & {
  kernelInitializer: SerializedInitializer;
  kernelRegularizer: SerializedRegularizer | null;
};

/** A layer computing activation(op(x, kernel) + bias): Dense, Conv1D, Conv2D, Conv2DTranspose. */
export abstract class KernelLayer extends BiasActivationLayer {
  readonly kernelInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  kernel: Variable | null = null;

  constructor(args: KernelArgs | undefined, where: string) {
    super(args, where);
    const { kernelInitializer, kernelRegularizer } = args ?? {};
    this.kernelInitializer = initializerOption(kernelInitializer, 'glorotUniform');
    this.kernelRegularizer = regularizerOption(kernelRegularizer);
  }

  protected addKernel(shape: number[]): void {
    this.kernel = this.addWeight('kernel', shape, this.kernelInitializer, { regularizer: this.kernelRegularizer });
  }

  protected kernelConfig(): KernelConfig {
    return this.weightConfig({ kernelInitializer: initializerConfig(this.kernelInitializer) }, { kernelRegularizer: regularizerConfig(this.kernelRegularizer) });
  }
}
