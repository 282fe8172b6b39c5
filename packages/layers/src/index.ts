export {
  Layer, deserializeLayer, registerLayer, registeredLayers, resetLayerNames, serializeLayer, toSnakeCase,
  type AddWeightOptions, type ApplyArgs, type BaseLayerConfig, type CallArgs, type InputSpec, type LayerArgs, type Mask, type MaskArg, type MaskSpec, type SerializedLayer,
  type ShapeOf, type SymbolicOf,
} from './layer.js';
export type { SymbolicShape } from './util.js';

export {
  Activation, Dense, Dropout, Flatten, Rescaling, Reshape,
  type ActivationArgs, type ActivationConfig, type DenseArgs, type DenseConfig, type DropoutArgs, type DropoutConfig, type ReshapeArgs, type ReshapeConfig,
  type RescalingArgs, type RescalingConfig,
} from './layers/core.js';
export {
  AveragePooling2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, convOutputSize,
  type Conv2DArgs, type Conv2DConfig, type GlobalPooling2DArgs, type GlobalPooling2DConfig, type PaddingMode, type Pooling2DArgs, type Pooling2DConfig,
} from './layers/conv.js';
export {
  BatchNormalization, LayerNormalization,
  type BatchNormalizationArgs, type BatchNormalizationConfig, type LayerNormalizationArgs, type LayerNormalizationConfig,
} from './layers/normalization.js';
export { Embedding, type EmbeddingArgs, type EmbeddingConfig } from './layers/embedding.js';
export {
  GRU, LSTM, RNNBase, SimpleRNN,
  type GRUArgs, type GRUConfig, type LSTMArgs, type LSTMConfig, type RNNArgs, type RNNCallArgs, type RNNConfig,
} from './layers/recurrent.js';
export { Bidirectional, type BidirectionalArgs, type BidirectionalConfig, type BidirectionalMergeMode } from './layers/bidirectional.js';
export { Masking, type MaskingArgs, type MaskingConfig } from './layers/masking.js';
export {
  MultiHeadAttention, type MultiHeadAttentionArgs, type MultiHeadAttentionCallArgs, type MultiHeadAttentionConfig,
} from './layers/attention.js';
export {
  PositionalEmbedding, TokenAndPositionEmbedding, TransformerEncoderBlock,
  type PositionCallArgs, type PositionalEmbeddingArgs, type PositionalEmbeddingConfig, type TokenAndPositionEmbeddingArgs, type TokenAndPositionEmbeddingConfig,
  type TransformerEncoderBlockArgs, type TransformerEncoderBlockCallArgs, type TransformerEncoderBlockConfig,
} from './layers/transformer.js';
export {
  Conv1D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, convTransposeOutputSize,
  type Conv1DArgs, type Conv1DConfig, type Conv2DTransposeArgs, type Conv2DTransposeConfig, type DepthwiseConv2DArgs, type DepthwiseConv2DConfig,
  type SeparableConv2DArgs, type SeparableConv2DConfig,
} from './layers/conv_extra.js';
export {
  AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D,
  type GlobalPooling1DArgs, type GlobalPooling1DConfig, type Pooling1DArgs, type Pooling1DConfig,
} from './layers/pooling1d.js';
export {
  Cropping2D, Permute, RepeatVector, UpSampling2D, ZeroPadding2D,
  type Cropping2DArgs, type Cropping2DConfig, type Interpolation, type PermuteArgs, type PermuteConfig, type RepeatVectorArgs, type RepeatVectorConfig,
  type UpSampling2DArgs, type UpSampling2DConfig, type ZeroPadding2DArgs, type ZeroPadding2DConfig,
} from './layers/reshaping.js';
export {
  GaussianNoise, SpatialDropout2D,
  type GaussianNoiseArgs, type GaussianNoiseConfig, type SpatialDropout2DArgs, type SpatialDropout2DConfig,
} from './layers/noise.js';

export {
  activations, fusedActivation, getActivation, registerActivation, registeredActivations, serializeActivation,
  type ActivationFn, type ActivationIdentifier, type ActivationName,
} from './activations.js';
export {
  Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Initializer, LecunNormal, LecunUniform, Ones, Orthogonal, RandomNormal,
  RandomUniform, TruncatedNormal, VarianceScaling, Zeros, computeFans, getInitializer, initializers, registerInitializer, serializeInitializer,
  type FanMode, type InitializerIdentifier, type RandomNormalArgs, type RandomUniformArgs, type SerializedInitializer, type VarianceDistribution,
  type VarianceScalingArgs,
} from './initializers.js';
export {
  L1L2, Regularizer, getRegularizer, l1, l1l2, l2, registerRegularizer, regularizers, serializeRegularizer,
  type RegularizerIdentifier, type SerializedRegularizer,
} from './regularizers.js';
export {
  EPSILON, binaryCrossentropy, categoricalCrossentropy, categoricalHinge, cosineSimilarity, findInvalidClassIndex, getLoss, hinge, huber,
  invalidClassIndexError, klDivergence, logCosh, lossName, losses, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredError,
  meanSquaredLogarithmicError, poisson, sparseCategoricalCrossentropy, squaredHinge,
  type CategoricalCrossentropyOptions, type CrossentropyOptions, type LossConfig, type LossFn, type LossIdentifier,
} from './losses.js';
export {
  accuracy, auc, binaryAccuracy, categoricalAccuracy, f1Score, getMetric, meanAbsoluteErrorMetric, meanSquaredErrorMetric, metrics, precision,
  recall, rootMeanSquaredError, sparseCategoricalAccuracy, sparseTopKCategoricalAccuracy, topKCategoricalAccuracy,
  type AucCurve, type AucOptions, type AucSummation, type F1Average, type F1ScoreOptions, type Metric, type TopKAccuracyOptions,
} from './metrics.js';
export { SymbolicTensor, Node, isSymbolic, type NodeOptions } from './symbolic.js';
export { InputLayer, input, type InputArgs, type InputLayerArgs, type InputLayerConfig } from './layers/input.js';
export {
  Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, type ConcatenateArgs, type ConcatenateConfig, type DotArgs, type DotConfig,
} from './layers/merge.js';
export { Lambda, registerLambda, registeredLambdas, type LambdaArgs, type LambdaConfig, type LambdaFn } from './layers/lambda.js';
export { layerFactories as layers, type TfjsDenseArgs } from './tfjs.js';
