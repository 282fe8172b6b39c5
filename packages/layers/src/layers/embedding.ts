import { gather, notEqual, type Tensor, type Variable } from '@tessera/core';
import type { Initializer, InitializerIdentifier, SerializedInitializer } from '../initializers.js';
import { Layer, registerLayer, type BaseLayerConfig, type LayerArgs, type MaskArg } from '../layer.js';
import type { Regularizer, RegularizerIdentifier, SerializedRegularizer } from '../regularizers.js';
import { checkBoolean, checkPositiveInt, type SymbolicShape } from '../util.js';
import { initializerConfig, initializerOption, regularizerConfig, regularizerOption } from './options.js';

export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: indices must be in [0, inputDim). */
  inputDim: number;
  outputDim: number;
  /** Default 'uniform' (RandomUniform on ±0.05, as Keras). */
  embeddingsInitializer?: InitializerIdentifier | null;
  embeddingsRegularizer?: RegularizerIdentifier | null;
  /**
   * Index 0 is padding: the output carries a mask, false where the index is 0, which the layers
   * after it use (RNNs skip those steps, losses and metrics leave them out). Index 0 is then
   * reserved, so inputDim is the vocabulary size + 1 (as in Keras).
   */
  maskZero?: boolean;
}

export type EmbeddingConfig = BaseLayerConfig & {
  inputDim: number;
  outputDim: number;
  embeddingsInitializer: SerializedInitializer;
  embeddingsRegularizer: SerializedRegularizer | null;
  maskZero: boolean;
};

/**
 * Looks up a row of `embeddings` [inputDim, outputDim] for every integer index: an input of shape
 * [batch, ...] gives [batch, ..., outputDim]. Float inputs are cast to int32; an index outside
 * [0, inputDim) throws.
 */
export class Embedding extends Layer<Tensor> {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly maskZero: boolean;
  embeddings: Variable | null = null;

  constructor(args: EmbeddingArgs) {
    super(args);
    this.inputDim = checkPositiveInt('Embedding', 'inputDim', args?.inputDim);
    this.outputDim = checkPositiveInt('Embedding', 'outputDim', args.outputDim);
    this.embeddingsInitializer = initializerOption(args.embeddingsInitializer, 'uniform');
    this.embeddingsRegularizer = regularizerOption(args.embeddingsRegularizer);
    this.maskZero = args.maskZero === undefined ? false : checkBoolean('Embedding', 'maskZero', args.maskZero);
    this.inputDtype = 'int32';
    this.inputSpec = { minNdim: 1 };
  }

  protected override onBuild(): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.embeddingsInitializer, { regularizer: this.embeddingsRegularizer });
  }

  call(indices: Tensor): Tensor {
    return gather(this.embeddings!, indices);
  }

  /** With maskZero, true where the index is not 0 (the input's shape); else none. */
  override computeMask(indices: Tensor, mask: MaskArg | null): Tensor | null {
    void mask;
    return this.maskZero ? notEqual(indices, 0) : null;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape, this.outputDim];
  }

  override getConfig(): EmbeddingConfig {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: initializerConfig(this.embeddingsInitializer),
      embeddingsRegularizer: regularizerConfig(this.embeddingsRegularizer),
      maskZero: this.maskZero,
    };
  }
}

registerLayer('Embedding', Embedding);
