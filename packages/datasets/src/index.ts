// Browser-safe surface; Node-only loaders (fs, zlib) live in './node.ts' ('@tessera/datasets/node').
export { encodeIdx, isGzip, parseIdx, type IdxArray, type IdxDataMap, type IdxDtype } from './idx.js';
export { gunzipIfNeeded, parseIdxMaybeGzip } from './gzip.js';
export {
  arrayToTensor, labelCounts, oneHotLabels, toTensors,
  type LabeledArrays, type NumericArray, type ToTensorsOptions,
} from './arrays.js';
export {
  FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES, MNIST_FILES, imagesToFloat32, loadMnistFromUrls, mnistArrays, mnistFromBuffers, mnistTensors,
  type ImageSplit, type MnistArraysOptions, type MnistBuffers, type MnistData, type MnistFileKey, type MnistLoadOptions, type MnistUrlOptions,
  type SplitLimit,
} from './mnist.js';
export {
  Dataset,
  type BatchOptions, type Batched, type Element, type GeneratorSource, type ShapedArray, type ShuffleOptions,
} from './dataset.js';
export { batchesFromArrays, type ArrayBatchOptions, type Batch, type ImageAugmentation } from './batches.js';
export { trainValidationSplit, type SplitOptions } from './split.js';
export {
  applyNormalization, fitMeanStd, fitMinMax, normalize,
  type FitOptions, type NormalizationMethod, type NormalizationStats,
} from './normalize.js';
export { parseCsv, type CsvColumnArrays, type CsvColumnType, type CsvLabeled, type CsvOptions, type CsvResult } from './csv.js';
export { blobs, moons, spirals, xor, type SyntheticSet } from './synthetic.js';
export {
  PAD_TOKEN, Tokenizer, UNK_TOKEN,
  type EncodeOptions, type TokenLevel, type TokenizerJSON, type TokenizerOptions,
} from './tokenizer.js';
export { NAMES_SPLIT_SEED, parseNameList, splitNames, type NamesSplitOptions, type NamesSplits } from './names.js';
export {
  EOS_TOKEN, brownFromTexts, brownSplitOf, parseBrownCategories, parseBrownTagged,
  type BrownData, type BrownFile, type BrownOptions, type TextSplit,
} from './brown.js';
export { nextTokenArrays, nextTokenBatches, type NextTokenArrayOptions, type NextTokenBatchOptions } from './sequences.js';
export { BigramModel, type BigramOptions, type BigramScore, type BigramSmoothing, type BigramTuneOptions } from './bigram.js';
