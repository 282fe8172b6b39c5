import { TesseraError, add, slice, type Tensor, type Variable } from '@tessera/core';
import { getActivation, serializeActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
import type { Initializer, InitializerIdentifier, SerializedInitializer } from '../initializers.js';
import { Layer, registerLayer, type BaseLayerConfig, type CallArgs, type LayerArgs, type MaskArg } from '../layer.js';
import { checkBoolean, checkNumber, checkPositiveInt, describeValue, fmtSymbolic, type SymbolicShape } from '../util.js';
import { MultiHeadAttention } from './attention.js';
import { Dense, Dropout } from './core.js';
import { Embedding } from './embedding.js';
import { LayerNormalization } from './normalization.js';
import { initializerConfig, initializerOption } from './options.js';

/** The call option of the position embeddings: where the sequence starts (generation with a cache feeds one step at a time). */
export interface PositionCallArgs extends CallArgs {
  /** The position of the first step of the input (default 0). */
  startIndex?: number;
}

export interface PositionalEmbeddingArgs extends LayerArgs {
  /** The longest sequence: positions 0 … sequenceLength − 1 each have a learned vector. */
  sequenceLength: number;
  /** Default 'glorotUniform' (as KerasHub's PositionEmbedding). */
  initializer?: InitializerIdentifier | null;
}

export type PositionalEmbeddingConfig = BaseLayerConfig & { sequenceLength: number; initializer: SerializedInitializer };

/** The positions [startIndex, startIndex + time) of a table with `max` rows, or a clear error. */
function checkPositions(where: string, time: number, startIndex: unknown, max: number): number {
  const start = startIndex ?? 0;
  if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) {
    throw new TesseraError(`${where}: startIndex must be a non-negative integer, got ${describeValue(startIndex)}`);
  }
  if (start + time > max) {
    const span = start === 0 ? `a sequence of ${time} steps` : `steps ${start}…${start + time - 1}`;
    throw new TesseraError(`${where}: got ${span}, longer than its sequenceLength ${max} (positions 0…${max - 1} have embeddings)`);
  }
  return start;
}

/**
 * Adds a learned vector per position to a sequence [batch, time, dim] (KerasHub's
 * PositionEmbedding, added): position t gets row t of `embeddings` [sequenceLength, dim].
 * `apply(x, { startIndex })` starts at another position (one step at a time in generation). A
 * sequence longer than sequenceLength is an error naming both lengths; a mask passes through.
 */
export class PositionalEmbedding extends Layer<Tensor> {
  readonly sequenceLength: number;
  readonly initializer: Initializer;
  embeddings: Variable | null = null;

  constructor(args: PositionalEmbeddingArgs) {
    super(args);
    this.sequenceLength = checkPositiveInt('PositionalEmbedding', 'sequenceLength', args?.sequenceLength);
    this.initializer = initializerOption(args.initializer, 'glorotUniform');
    this.supportsMasking = true;
  }

  protected override callOptionNames(): readonly string[] {
    return ['startIndex'];
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const dim = inputShape[inputShape.length - 1];
    if (inputShape.length !== 3 || dim === null || dim === undefined) {
      throw new TesseraError(`${this.describe()}: expects sequences [batch, time, dim] with a known dim, got ${fmtSymbolic(inputShape)}`);
    }
    if (inputShape[1] !== null && inputShape[1]! > this.sequenceLength) {
      throw new TesseraError(`${this.describe()}: inputs of shape ${fmtSymbolic(inputShape)} are longer than its sequenceLength ${this.sequenceLength}`);
    }
    this.embeddings = this.addWeight('embeddings', [this.sequenceLength, dim], this.initializer);
    this.inputSpec = { ndim: 3, axes: { 2: dim } };
  }

  /** Rows [startIndex, startIndex + time) of the table: [time, dim]. */
  positions(time: number, startIndex?: number): Tensor {
    const start = checkPositions(this.describe(), time, startIndex, this.sequenceLength);
    return slice(this.embeddings!, [start, 0], [time, -1]);
  }

  call(x: Tensor, { startIndex }: Partial<PositionCallArgs> = {}): Tensor {
    return add(x, this.positions(x.shape[1]!, startIndex));
  }

  override getConfig(): PositionalEmbeddingConfig {
    return { ...super.getConfig(), sequenceLength: this.sequenceLength, initializer: initializerConfig(this.initializer) };
  }
}

export interface TokenAndPositionEmbeddingArgs extends LayerArgs {
  /** Token ids must be in [0, vocabularySize). */
  vocabularySize: number;
  /** The longest sequence. */
  sequenceLength: number;
  embeddingDim: number;
  /** Id 0 is padding: the output carries a mask false there (see Embedding's maskZero). */
  maskZero?: boolean;
  /** Default 'uniform' (as Embedding). */
  embeddingsInitializer?: InitializerIdentifier | null;
  /** Default 'glorotUniform'. */
  positionInitializer?: InitializerIdentifier | null;
}

export type TokenAndPositionEmbeddingConfig = BaseLayerConfig & {
  vocabularySize: number;
  sequenceLength: number;
  embeddingDim: number;
  maskZero: boolean;
  embeddingsInitializer: SerializedInitializer;
  positionInitializer: SerializedInitializer;
};

/**
 * Token ids [batch, time] → token embedding + position embedding [batch, time, embeddingDim]
 * (KerasHub's TokenAndPositionEmbedding): an Embedding and a PositionalEmbedding held as sublayers
 * (weights `<name>/token_embedding/embeddings`, `<name>/position_embedding/embeddings`).
 * `apply(ids, { startIndex })` starts at another position; with maskZero the output is masked
 * where the id is 0.
 */
export class TokenAndPositionEmbedding extends Layer<Tensor> {
  readonly vocabularySize: number;
  readonly sequenceLength: number;
  readonly embeddingDim: number;
  readonly maskZero: boolean;
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: PositionalEmbedding;

  constructor(args: TokenAndPositionEmbeddingArgs) {
    super(args);
    const w = 'TokenAndPositionEmbedding';
    this.vocabularySize = checkPositiveInt(w, 'vocabularySize', args?.vocabularySize);
    this.sequenceLength = checkPositiveInt(w, 'sequenceLength', args.sequenceLength);
    this.embeddingDim = checkPositiveInt(w, 'embeddingDim', args.embeddingDim);
    this.maskZero = args.maskZero === undefined ? false : checkBoolean(w, 'maskZero', args.maskZero);
    this.tokenEmbedding = new Embedding({
      name: `${this.name}/token_embedding`, inputDim: this.vocabularySize, outputDim: this.embeddingDim, maskZero: this.maskZero,
      embeddingsInitializer: args.embeddingsInitializer ?? null,
    });
    this.positionEmbedding = new PositionalEmbedding({ name: `${this.name}/position_embedding`, sequenceLength: this.sequenceLength, initializer: args.positionInitializer ?? null });
    this.inputDtype = 'int32';
    this.inputSpec = { ndim: 2 };
  }

  protected override callOptionNames(): readonly string[] {
    return ['startIndex'];
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    if (inputShape.length !== 2) throw new TesseraError(`${this.describe()}: expects token ids [batch, time], got ${fmtSymbolic(inputShape)}`);
    this.tokenEmbedding.build(inputShape);
    this.positionEmbedding.build([inputShape[0] ?? null, inputShape[1] ?? null, this.embeddingDim]);
  }

  call(ids: Tensor, { startIndex }: Partial<PositionCallArgs> = {}): Tensor {
    const tokens = this.tokenEmbedding.apply(ids);
    return add(tokens, this.positionEmbedding.positions(ids.shape[1]!, startIndex));
  }

  override computeMask(ids: Tensor, mask: MaskArg | null): Tensor | null {
    return this.tokenEmbedding.computeMask(ids, mask);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape, this.embeddingDim];
  }

  override getConfig(): TokenAndPositionEmbeddingConfig {
    return {
      ...super.getConfig(),
      vocabularySize: this.vocabularySize,
      sequenceLength: this.sequenceLength,
      embeddingDim: this.embeddingDim,
      maskZero: this.maskZero,
      embeddingsInitializer: initializerConfig(this.tokenEmbedding.embeddingsInitializer),
      positionInitializer: initializerConfig(this.positionEmbedding.initializer),
    };
  }
}

export interface TransformerEncoderBlockArgs extends LayerArgs {
  numHeads: number;
  /** Hidden size of the MLP (often 4× the model's dim). */
  intermediateDim: number;
  /** Size of each attention head (default: the input's dim / numHeads). */
  keyDim?: number | null;
  /** Dropout rate after attention and after the MLP, and on the attention weights (default 0). */
  dropout?: number;
  /** The MLP's activation (default 'relu'; 'gelu' is common too). */
  activation?: ActivationIdentifier | null;
  /** LayerNormalization's epsilon (default 1e-5). */
  layerNormEpsilon?: number;
  /** Each position attends only to itself and earlier ones (a decoder-only language model). */
  causal?: boolean;
  /** Seeds the block's dropout layers and attention; default: from the global seed. */
  seed?: number | null;
}

export type TransformerEncoderBlockConfig = BaseLayerConfig & {
  numHeads: number;
  intermediateDim: number;
  keyDim: number | null;
  dropout: number;
  activation: string;
  layerNormEpsilon: number;
  causal: boolean;
  seed: number | null;
};

/** TransformerEncoderBlock's call options: `apply(x, { attentionMask, useCausalMask })`, as MultiHeadAttention's. */
export interface TransformerEncoderBlockCallArgs extends CallArgs {
  attentionMask?: Tensor;
  useCausalMask?: boolean;
}

/**
 * A pre-norm Transformer encoder block on [batch, time, dim]:
 *   h = x + Dropout(MultiHeadAttention(LayerNorm(x)))          (self-attention)
 *   y = h + Dropout(Dense(dim)(activation(Dense(intermediateDim)(LayerNorm(h)))))
 * Sublayers named `<name>/attention_norm`, `<name>/attention`, `<name>/mlp_norm`,
 * `<name>/mlp_dense_1`, `<name>/mlp_dense_2` (and the dropouts). A padding mask on the input keeps
 * attention off padded positions and passes through; `causal: true` (or the call option
 * useCausalMask) makes each position attend only to itself and earlier ones.
 */
export class TransformerEncoderBlock extends Layer<Tensor> {
  readonly numHeads: number;
  readonly intermediateDim: number;
  readonly keyDim: number | null;
  readonly dropout: number;
  readonly activation: ActivationFn;
  readonly layerNormEpsilon: number;
  readonly causal: boolean;
  readonly seed: number | null;
  attentionNorm: LayerNormalization | null = null;
  attention: MultiHeadAttention | null = null;
  attentionDropout: Dropout | null = null;
  mlpNorm: LayerNormalization | null = null;
  mlpDense1: Dense | null = null;
  mlpDense2: Dense | null = null;
  mlpDropout: Dropout | null = null;

  constructor(args: TransformerEncoderBlockArgs) {
    super(args);
    const w = 'TransformerEncoderBlock';
    this.numHeads = checkPositiveInt(w, 'numHeads', args?.numHeads);
    this.intermediateDim = checkPositiveInt(w, 'intermediateDim', args.intermediateDim);
    this.keyDim = args.keyDim === undefined || args.keyDim === null ? null : checkPositiveInt(w, 'keyDim', args.keyDim);
    this.dropout = checkNumber(w, 'dropout', args.dropout ?? 0, (r) => r >= 0 && r < 1, 'a number in [0, 1)');
    this.activation = getActivation(args.activation ?? 'relu');
    this.layerNormEpsilon = checkNumber(w, 'layerNormEpsilon', args.layerNormEpsilon ?? 1e-5, (v) => v > 0 && Number.isFinite(v), 'a positive number');
    this.causal = args.causal === undefined ? false : checkBoolean(w, 'causal', args.causal);
    if (args.seed !== undefined && args.seed !== null && !Number.isInteger(args.seed)) throw new TesseraError(`${w}: seed must be an integer, got ${describeValue(args.seed)}`);
    this.seed = args.seed ?? null;
    this.supportsMasking = true;
  }

  protected override callOptionNames(): readonly string[] {
    return ['attentionMask', 'useCausalMask'];
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    const dim = inputShape[2];
    if (inputShape.length !== 3 || dim === null || dim === undefined) {
      throw new TesseraError(`${this.describe()}: expects sequences [batch, time, dim] with a known dim, got ${fmtSymbolic(inputShape)}`);
    }
    if (this.keyDim === null && dim % this.numHeads !== 0) {
      throw new TesseraError(`${this.describe()}: the input's dim ${dim} does not split into ${this.numHeads} heads; give keyDim`);
    }
    const n = this.name;
    const seed = (k: number): number | null => (this.seed === null ? null : this.seed + k);
    this.attentionNorm = new LayerNormalization({ name: `${n}/attention_norm`, epsilon: this.layerNormEpsilon });
    this.attention = new MultiHeadAttention({ name: `${n}/attention`, numHeads: this.numHeads, keyDim: this.keyDim ?? dim / this.numHeads, dropout: this.dropout, seed: seed(0) });
    this.attentionDropout = new Dropout({ name: `${n}/attention_dropout`, rate: this.dropout, seed: seed(1) });
    this.mlpNorm = new LayerNormalization({ name: `${n}/mlp_norm`, epsilon: this.layerNormEpsilon });
    this.mlpDense1 = new Dense({ name: `${n}/mlp_dense_1`, units: this.intermediateDim });
    this.mlpDense2 = new Dense({ name: `${n}/mlp_dense_2`, units: dim });
    this.mlpDropout = new Dropout({ name: `${n}/mlp_dropout`, rate: this.dropout, seed: seed(2) });
    const shape: SymbolicShape = [null, inputShape[1] ?? null, dim];
    this.attentionNorm.build(shape);
    this.attention.build([shape, shape]);
    this.mlpNorm.build(shape);
    this.mlpDense1.build(shape);
    this.mlpDense2.build([null, inputShape[1] ?? null, this.intermediateDim]);
    // Made after `trainable = false` perhaps: they follow the block.
    if (!this.trainable) for (const l of this.subLayers) l.trainable = false;
    this.inputSpec = { ndim: 3, axes: { 2: dim } };
  }

  call(x: Tensor, { training = false, mask, attentionMask, useCausalMask }: Partial<TransformerEncoderBlockCallArgs> = {}): Tensor {
    const m = mask === undefined || mask === null || Array.isArray(mask) ? null : mask;
    const normed = this.attentionNorm!.apply(x);
    const attended = this.attention!.apply([normed, normed], {
      training,
      ...(m ? { mask: [m, m] } : {}),
      ...(attentionMask !== undefined ? { attentionMask } : {}),
      useCausalMask: this.causal || useCausalMask === true,
    }) as Tensor;
    const h = add(x, this.attentionDropout!.apply(attended, { training }));
    const hidden = this.activation(this.mlpDense1!.apply(this.mlpNorm!.apply(h)));
    return add(h, this.mlpDropout!.apply(this.mlpDense2!.apply(hidden), { training }));
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (inputShape.length !== 3) throw new TesseraError(`${this.describe()}: expects sequences [batch, time, dim], got ${fmtSymbolic(inputShape)}`);
    return [...inputShape];
  }

  override getConfig(): TransformerEncoderBlockConfig {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      intermediateDim: this.intermediateDim,
      keyDim: this.keyDim,
      dropout: this.dropout,
      activation: serializeActivation(this.activation),
      layerNormEpsilon: this.layerNormEpsilon,
      causal: this.causal,
      seed: this.seed,
    };
  }
}


registerLayer('PositionalEmbedding', PositionalEmbedding);
registerLayer('TokenAndPositionEmbedding', TokenAndPositionEmbedding);
registerLayer('TransformerEncoderBlock', TransformerEncoderBlock);
