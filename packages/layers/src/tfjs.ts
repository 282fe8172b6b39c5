// TF.js's `tf.layers.*` factories, so that a TF.js script ports by changing its import:
// `layers.dense({ units: 10, activation: 'softmax' })` is `new Dense({ ... })`. Thin aliases: the
// options are Tessera's (the same camelCase names as TF.js's for what both have); an option Tessera
// does not know is an error naming the closest one. docs/models.md lists what differs.
import { TesseraError } from '@tessera/core';
import { Activation, Dense, Dropout, Flatten, Rescaling, Reshape, type ActivationArgs, type DenseArgs, type DropoutArgs, type RescalingArgs, type ReshapeArgs } from './layers/core.js';
import {
  AveragePooling2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, type Conv2DArgs, type GlobalPooling2DArgs, type Pooling2DArgs,
} from './layers/conv.js';
import {
  Conv1D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, type Conv1DArgs, type Conv2DTransposeArgs, type DepthwiseConv2DArgs, type SeparableConv2DArgs,
} from './layers/conv_extra.js';
import { AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D, type GlobalPooling1DArgs, type Pooling1DArgs } from './layers/pooling1d.js';
import {
  Cropping2D, Permute, RepeatVector, UpSampling2D, ZeroPadding2D, type Cropping2DArgs, type PermuteArgs, type RepeatVectorArgs, type UpSampling2DArgs,
  type ZeroPadding2DArgs,
} from './layers/reshaping.js';
import { GaussianNoise, SpatialDropout2D, type GaussianNoiseArgs, type SpatialDropout2DArgs } from './layers/noise.js';
import { BatchNormalization, LayerNormalization, type BatchNormalizationArgs, type LayerNormalizationArgs } from './layers/normalization.js';
import { Embedding, type EmbeddingArgs } from './layers/embedding.js';
import { GRU, LSTM, SimpleRNN, type GRUArgs, type LSTMArgs, type RNNArgs } from './layers/recurrent.js';
import { Bidirectional, type BidirectionalArgs } from './layers/bidirectional.js';
import { Masking, type MaskingArgs } from './layers/masking.js';
import { MultiHeadAttention, type MultiHeadAttentionArgs } from './layers/attention.js';
import {
  PositionalEmbedding, TokenAndPositionEmbedding, TransformerEncoderBlock, type PositionalEmbeddingArgs, type TokenAndPositionEmbeddingArgs,
  type TransformerEncoderBlockArgs,
} from './layers/transformer.js';
import { Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, type ConcatenateArgs, type DotArgs } from './layers/merge.js';
import { InputLayer, type InputLayerArgs } from './layers/input.js';
import { Lambda, type LambdaArgs } from './layers/lambda.js';
import type { LayerArgs } from './layer.js';

/** TF.js's Dense also takes `inputDim` (a number) for `inputShape: [inputDim]`. */
export type TfjsDenseArgs = DenseArgs & { inputDim?: number };

function dense(args: TfjsDenseArgs): Dense {
  if (args && typeof args === 'object' && 'inputDim' in args && args.inputDim !== undefined) {
    const { inputDim, ...rest } = args;
    if (rest.inputShape !== undefined || rest.batchInputShape !== undefined) throw new TesseraError('layers.dense: give inputDim or inputShape, not both');
    if (!Number.isInteger(inputDim) || inputDim < 1) throw new TesseraError(`layers.dense: inputDim must be a positive integer, got ${String(inputDim)}`);
    return new Dense({ ...rest, inputShape: [inputDim] });
  }
  return new Dense(args);
}

/** `tf.layers`: one factory per layer, named as in TF.js. */
export const layerFactories = Object.freeze({
  dense,
  activation: (args: ActivationArgs) => new Activation(args),
  dropout: (args: DropoutArgs) => new Dropout(args),
  flatten: (args: LayerArgs = {}) => new Flatten(args),
  reshape: (args: ReshapeArgs) => new Reshape(args),
  rescaling: (args: RescalingArgs) => new Rescaling(args),
  conv1d: (args: Conv1DArgs) => new Conv1D(args),
  conv2d: (args: Conv2DArgs) => new Conv2D(args),
  conv2dTranspose: (args: Conv2DTransposeArgs) => new Conv2DTranspose(args),
  depthwiseConv2d: (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(args),
  separableConv2d: (args: SeparableConv2DArgs) => new SeparableConv2D(args),
  maxPooling1d: (args: Pooling1DArgs = {}) => new MaxPooling1D(args),
  averagePooling1d: (args: Pooling1DArgs = {}) => new AveragePooling1D(args),
  maxPooling2d: (args: Pooling2DArgs = {}) => new MaxPooling2D(args),
  averagePooling2d: (args: Pooling2DArgs = {}) => new AveragePooling2D(args),
  globalAveragePooling1d: (args: GlobalPooling1DArgs = {}) => new GlobalAveragePooling1D(args),
  globalMaxPooling1d: (args: GlobalPooling1DArgs = {}) => new GlobalMaxPooling1D(args),
  globalAveragePooling2d: (args: GlobalPooling2DArgs = {}) => new GlobalAveragePooling2D(args),
  globalMaxPooling2d: (args: GlobalPooling2DArgs = {}) => new GlobalMaxPooling2D(args),
  repeatVector: (args: RepeatVectorArgs) => new RepeatVector(args),
  permute: (args: PermuteArgs) => new Permute(args),
  cropping2D: (args: Cropping2DArgs) => new Cropping2D(args),
  zeroPadding2d: (args: ZeroPadding2DArgs = {}) => new ZeroPadding2D(args),
  upSampling2d: (args: UpSampling2DArgs = {}) => new UpSampling2D(args),
  spatialDropout2d: (args: SpatialDropout2DArgs) => new SpatialDropout2D(args),
  gaussianNoise: (args: GaussianNoiseArgs) => new GaussianNoise(args),
  batchNormalization: (args: BatchNormalizationArgs = {}) => new BatchNormalization(args),
  layerNormalization: (args: LayerNormalizationArgs = {}) => new LayerNormalization(args),
  embedding: (args: EmbeddingArgs) => new Embedding(args),
  simpleRNN: (args: RNNArgs) => new SimpleRNN(args),
  lstm: (args: LSTMArgs) => new LSTM(args),
  gru: (args: GRUArgs) => new GRU(args),
  bidirectional: (args: BidirectionalArgs) => new Bidirectional(args),
  masking: (args: MaskingArgs = {}) => new Masking(args),
  multiHeadAttention: (args: MultiHeadAttentionArgs) => new MultiHeadAttention(args),
  positionalEmbedding: (args: PositionalEmbeddingArgs) => new PositionalEmbedding(args),
  tokenAndPositionEmbedding: (args: TokenAndPositionEmbeddingArgs) => new TokenAndPositionEmbedding(args),
  transformerEncoderBlock: (args: TransformerEncoderBlockArgs) => new TransformerEncoderBlock(args),
  add: (args: LayerArgs = {}) => new Add(args),
  subtract: (args: LayerArgs = {}) => new Subtract(args),
  multiply: (args: LayerArgs = {}) => new Multiply(args),
  average: (args: LayerArgs = {}) => new Average(args),
  maximum: (args: LayerArgs = {}) => new Maximum(args),
  minimum: (args: LayerArgs = {}) => new Minimum(args),
  concatenate: (args: ConcatenateArgs = {}) => new Concatenate(args),
  dot: (args: DotArgs) => new Dot(args),
  inputLayer: (args: InputLayerArgs) => new InputLayer(args),
  lambda: (args: LambdaArgs) => new Lambda(args),
});
