import { TesseraError, fmtShape, tensor, type Tensor } from '@tessera/core';
import { oneHotLabels, type LabeledArrays } from './arrays.js';
import { parseIdxMaybeGzip } from './gzip.js';
import type { IdxArray } from './idx.js';

/** One split of an image-classification set: n images of rows × cols bytes and n labels. */
export interface ImageSplit {
  /** Pixels, row-major [n, rows, cols], 0–255. */
  images: Uint8Array;
  imagesShape: [number, number, number];
  /** Class indices [n]. */
  labels: Uint8Array;
  labelsShape: [number];
}

/** MNIST-shaped data: a train and a test split and the class names. */
export interface MnistData {
  train: ImageSplit;
  test: ImageSplit;
  numClasses: number;
  classNames: readonly string[];
}

export const MNIST_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

/** A cap on the examples of each split: one number for both, or one per split. */
export type SplitLimit = number | { train?: number; test?: number };

/** The standard MNIST file names (also those of Fashion-MNIST, KMNIST and EMNIST's IDX releases). */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type MnistFileKey = keyof typeof MNIST_FILES;

export function limitFor(limit: SplitLimit | undefined, split: 'train' | 'test'): number {
  const v = typeof limit === 'object' ? limit[split] : limit;
  if (v === undefined) return Infinity;
  if (!Number.isInteger(v) || v < 0) throw new TesseraError(`mnist: limit for the ${split} split must be a non-negative integer, got ${v}`);
  return v;
}

/**
 * Checks a parsed image file and label file against each other and builds a split, keeping the
 * first `limit` examples. Labels must lie in [0, numClasses).
 */
export function imageSplit(images: IdxArray, labels: IdxArray, limit = Infinity, numClasses = 10, source = 'mnist'): ImageSplit {
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new TesseraError(`${source}: images must be a 3-D unsigned byte IDX file [n, rows, cols], got ${images.dtype} ${fmtShape(images.shape)}`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new TesseraError(`${source}: labels must be a 1-D unsigned byte IDX file [n], got ${labels.dtype} ${fmtShape(labels.shape)}`);
  }
  const [count, rows, cols] = images.shape as [number, number, number];
  if (labels.shape[0] !== count) throw new TesseraError(`${source}: ${count} images but ${labels.shape[0]} labels`);
  const n = Math.min(count, limit);
  const labelData = labels.data.subarray(0, n);
  for (let i = 0; i < n; i++) {
    if (labelData[i]! >= numClasses) throw new TesseraError(`${source}: label ${labelData[i]} at index ${i} is not in [0, ${numClasses})`);
  }
  return {
    images: n === count ? images.data : images.data.slice(0, n * rows * cols),
    imagesShape: [n, rows, cols],
    labels: n === count ? labels.data : labelData.slice(),
    labelsShape: [n],
  };
}

export type MnistBuffers = Record<MnistFileKey, ArrayBuffer | Uint8Array>;

export interface MnistLoadOptions {
  limit?: SplitLimit;
  classNames?: readonly string[];
}

/** MNIST-format data from the four IDX files' bytes (gzipped or not). */
export async function mnistFromBuffers(buffers: MnistBuffers, options: MnistLoadOptions = {}): Promise<MnistData> {
  const keys = Object.keys(MNIST_FILES) as MnistFileKey[];
  for (const k of keys) {
    if (!(buffers[k] instanceof ArrayBuffer) && !ArrayBuffer.isView(buffers[k])) {
      throw new TesseraError(`mnistFromBuffers: '${k}' must be an ArrayBuffer or Uint8Array, got ${buffers[k] === undefined ? 'undefined' : typeof buffers[k]}`);
    }
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(keys.map((k) => parseIdxMaybeGzip(buffers[k], k)));
  const classNames = options.classNames ?? MNIST_CLASS_NAMES;
  return {
    train: imageSplit(trainImages!, trainLabels!, limitFor(options.limit, 'train'), classNames.length, 'mnist train'),
    test: imageSplit(testImages!, testLabels!, limitFor(options.limit, 'test'), classNames.length, 'mnist test'),
    numClasses: classNames.length,
    classNames,
  };
}

export interface MnistUrlOptions extends MnistLoadOptions {
  /** The fetch to use (default: the global one). */
  fetch?: (url: string) => Promise<Response>;
}

/** Downloads the four IDX files (gzipped or not) and parses them; for browsers, works in Node too. */
export async function loadMnistFromUrls(urls: Record<MnistFileKey, string>, options: MnistUrlOptions = {}): Promise<MnistData> {
  const doFetch = options.fetch ?? (typeof fetch === 'function' ? (u: string) => fetch(u) : undefined);
  if (!doFetch) throw new TesseraError('loadMnistFromUrls: no fetch is available on this platform; pass options.fetch');
  const keys = Object.keys(MNIST_FILES) as MnistFileKey[];
  const bodies = await Promise.all(
    keys.map(async (k) => {
      const url = urls[k];
      if (typeof url !== 'string') throw new TesseraError(`loadMnistFromUrls: missing the URL for '${k}'`);
      const res = await doFetch(url);
      if (!res.ok) throw new TesseraError(`loadMnistFromUrls: fetching ${k} from ${url} failed: HTTP ${res.status} ${res.statusText}`);
      return [k, new Uint8Array(await res.arrayBuffer())] as const;
    }),
  );
  return mnistFromBuffers(Object.fromEntries(bodies) as MnistBuffers, options);
}

export interface MnistArraysOptions {
  /** Images as [n, rows*cols] instead of [n, rows, cols]. */
  flatten?: boolean;
  /** Images as [n, rows, cols, 1] (NHWC) for convolutions. Ignored when flatten is set. */
  channels?: boolean;
  /** Labels as one-hot float32 [n, numClasses] rows instead of int32 [n]. */
  oneHot?: boolean;
  /** Classes for one-hot labels (default 10). */
  numClasses?: number;
}

/** Pixels as float32 in [0, 1]. */
export function imagesToFloat32(images: Uint8Array): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = images[i]! / 255;
  return out;
}

function imageShape(split: ImageSplit, options: MnistArraysOptions): number[] {
  const [n, rows, cols] = split.imagesShape;
  if (options.flatten) return [n, rows * cols];
  return options.channels ? [n, rows, cols, 1] : [n, rows, cols];
}

/** A split as float32 images in [0, 1] and int32 (or one-hot float32) labels, ready for `batchesFromArrays`. */
export function mnistArrays(split: ImageSplit, options: MnistArraysOptions = {}): LabeledArrays<Float32Array, Float32Array | Int32Array> {
  const n = split.labelsShape[0];
  const classes = options.numClasses ?? 10;
  return {
    xs: imagesToFloat32(split.images),
    xsShape: imageShape(split, options),
    ys: options.oneHot ? oneHotLabels(split.labels, classes) : Int32Array.from(split.labels),
    ysShape: options.oneHot ? [n, classes] : [n],
  };
}

/** A split as `{ xs, ys }` tensors (see `mnistArrays` for the options); the caller disposes them. */
export function mnistTensors(split: ImageSplit, options: MnistArraysOptions = {}): { xs: Tensor; ys: Tensor } {
  const a = mnistArrays(split, options);
  const xs = tensor(a.xs, a.xsShape, 'float32');
  const ys = tensor(a.ys, a.ysShape, options.oneHot ? 'float32' : 'int32');
  return { xs, ys };
}
