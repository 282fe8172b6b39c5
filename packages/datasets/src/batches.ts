import { Random, TesseraError, fmtShape, tensor, type Tensor } from '@tessera/core';
import { checkRows, rowSize, type NumericArray } from './arrays.js';
import { Dataset } from './dataset.js';
import { epochSeed, permutation, resolveSeed } from './seed.js';

export interface ArrayBatchOptions {
  batchSize: number;
  /** Visit rows in a new seeded order each pass (default false). */
  shuffle?: boolean;
  /** Seed of the shuffle: pass k of a dataset built with seed s always has the same order. */
  seed?: number;
  /** Drop a last batch smaller than batchSize (default false). */
  dropRemainder?: boolean;
  /** Multiply x by this (e.g. 1/255 for byte pixels); x then becomes float32. Uint8Array x is always float32. */
  xScale?: number;
  /** Turn integer labels y ([n] or [n, 1]) into one-hot float32 rows of this many classes. */
  oneHot?: number;
  /**
   * Random image augmentation for rows that are images (x of shape [n, height, width] or
   * [n, height, width, channels]): each row of each pass gets its own draw, reproducible from
   * `seed` and independent of the shuffle. Training data only — evaluate on unaugmented rows.
   */
  augment?: ImageAugmentation;
}

/** The augmentations `batchesFromArrays` can apply to image rows. */
export interface ImageAugmentation {
  /**
   * Translate each image by whole pixels, dy and dx drawn uniformly from [-shift, shift]
   * independently; pixels moved in from outside are 0 (after `xScale`). Default 0 (none).
   */
  shift?: number;
  /** Mirror each image left-right with probability 1/2 (default false). */
  flipHorizontal?: boolean;
}

const OPTION_NAMES = ['batchSize', 'shuffle', 'seed', 'dropRemainder', 'xScale', 'oneHot', 'augment'];
const AUGMENT_NAMES = ['shift', 'flipHorizontal'];

/** One training batch: the consumer disposes both tensors. */
export interface Batch {
  xs: Tensor;
  ys: Tensor;
}

/**
 * Batches over big in-memory arrays (e.g. 60k MNIST images) without a tensor per row: each batch
 * copies its rows into one typed array per side and makes two tensors from them. Iterating the
 * returned dataset is one epoch; with `shuffle` each epoch has its own order, reproducible from the
 * seed. x: Float32Array (float32), Int32Array (int32) or Uint8Array (float32, scaled by xScale);
 * y: Float32Array (float32) or Int32Array/Uint8Array (int32, or one-hot float32 with `oneHot`).
 */
export function batchesFromArrays(x: NumericArray, xShape: readonly number[], y: NumericArray, yShape: readonly number[], options: ArrayBatchOptions): Dataset<Batch> {
  const op = 'batchesFromArrays';
  const n = checkRows(op, 'x', x, xShape);
  const ny = checkRows(op, 'y', y, yShape);
  if (n !== ny) throw new TesseraError(`${op}: x has ${n} rows (shape ${fmtShape(xShape)}) but y has ${ny} (shape ${fmtShape(yShape)})`);
  if (options === null || typeof options !== 'object') throw new TesseraError(`${op}: expected an options object with batchSize, got ${String(options)}`);
  const unknown = Object.keys(options).filter((k) => !OPTION_NAMES.includes(k));
  if (unknown.length > 0) throw new TesseraError(`${op}: unknown option(s) ${unknown.map((k) => `'${k}'`).join(', ')}; expected ${OPTION_NAMES.join(', ')}`);
  const { batchSize, shuffle = false, dropRemainder = false, xScale, oneHot } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TesseraError(`${op}: batchSize must be a positive integer, got ${batchSize}`);
  if (xScale !== undefined && !Number.isFinite(xScale)) throw new TesseraError(`${op}: xScale must be a finite number, got ${xScale}`);
  if (oneHot !== undefined) {
    if (!Number.isInteger(oneHot) || oneHot < 1) throw new TesseraError(`${op}: oneHot must be a positive class count, got ${oneHot}`);
    if (rowSize(yShape) !== 1) throw new TesseraError(`${op}: oneHot needs one integer label per row, got y of shape ${fmtShape(yShape)}`);
    for (let i = 0; i < n; i++) {
      const c = y[i]!;
      if (!Number.isInteger(c) || c < 0 || c >= oneHot) throw new TesseraError(`${op}: label ${c} at row ${i} is not an integer in [0, ${oneHot})`);
    }
  }
  const xRow = rowSize(xShape);
  const yRow = rowSize(yShape);
  const xFloat = x instanceof Float32Array || x instanceof Uint8Array || xScale !== undefined;
  const scale = xScale ?? (x instanceof Uint8Array ? 1 : undefined);
  const augment = checkAugment(op, options.augment, xShape);
  const seed = resolveSeed(options.seed);
  const numBatches = dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  let pass = 0;

  function makeBatch(order: Int32Array, start: number, b: number, rng: Random | undefined): Batch {
    const xb = xFloat ? new Float32Array(b * xRow) : new Int32Array(b * xRow);
    for (let k = 0; k < b; k++) {
      const r = order[start + k]!;
      const row = x.subarray(r * xRow, (r + 1) * xRow);
      if (augment && rng) augmentRow(row, xb, k * xRow, scale ?? 1, augment, rng);
      else if (scale === undefined) xb.set(row, k * xRow);
      else for (let j = 0; j < xRow; j++) xb[k * xRow + j] = row[j]! * scale;
    }
    let yb: Float32Array | Int32Array;
    if (oneHot !== undefined) {
      yb = new Float32Array(b * oneHot);
      for (let k = 0; k < b; k++) yb[k * oneHot + y[order[start + k]!]!] = 1;
    } else {
      yb = y instanceof Float32Array ? new Float32Array(b * yRow) : new Int32Array(b * yRow);
      for (let k = 0; k < b; k++) {
        const r = order[start + k]!;
        yb.set(y.subarray(r * yRow, (r + 1) * yRow), k * yRow);
      }
    }
    const xs = tensor(xb, [b, ...xShape.slice(1)], xFloat ? 'float32' : 'int32');
    const ys = tensor(yb, oneHot !== undefined ? [b, oneHot] : [b, ...yShape.slice(1)], yb instanceof Float32Array ? 'float32' : 'int32');
    return { xs, ys };
  }

  return Dataset.fromGenerator(function* () {
    const order = permutation(n, shuffle ? new Random(epochSeed(seed, pass)) : undefined);
    // Its own stream, so turning augmentation on does not change the shuffle.
    const rng = augment ? new Random(epochSeed(seed ^ AUGMENT_STREAM, pass)) : undefined;
    pass++;
    for (let i = 0; i < numBatches; i++) {
      const start = i * batchSize;
      yield makeBatch(order, start, Math.min(batchSize, n - start), rng);
    }
  }, numBatches);
}

const AUGMENT_STREAM = 0x5bd1e995;

interface CheckedAugmentation {
  shift: number;
  flip: boolean;
  height: number;
  width: number;
  channels: number;
}

function checkAugment(op: string, a: ImageAugmentation | undefined, xShape: readonly number[]): CheckedAugmentation | undefined {
  if (a === undefined) return undefined;
  if (a === null || typeof a !== 'object') throw new TesseraError(`${op}: augment must be an object like { shift: 2, flipHorizontal: true }, got ${String(a)}`);
  const unknown = Object.keys(a).filter((k) => !AUGMENT_NAMES.includes(k));
  if (unknown.length > 0) throw new TesseraError(`${op}: unknown augment option(s) ${unknown.map((k) => `'${k}'`).join(', ')}; expected ${AUGMENT_NAMES.join(', ')}`);
  if (xShape.length !== 3 && xShape.length !== 4) {
    throw new TesseraError(`${op}: augment needs image rows, x of shape [n, height, width] or [n, height, width, channels]; got x of shape ${fmtShape(xShape)}`);
  }
  const [, height, width, channels = 1] = xShape as [number, number, number, number?];
  const { shift = 0, flipHorizontal = false } = a;
  if (!Number.isInteger(shift) || shift < 0 || shift >= Math.min(height, width)) {
    throw new TesseraError(`${op}: augment.shift must be a whole number of pixels in [0, ${Math.min(height, width) - 1}] for ${height}×${width} images, got ${shift}`);
  }
  if (typeof flipHorizontal !== 'boolean') throw new TesseraError(`${op}: augment.flipHorizontal must be true or false, got ${String(flipHorizontal)}`);
  if (shift === 0 && !flipHorizontal) return undefined;
  return { shift, flip: flipHorizontal, height, width, channels };
}

/**
 * Writes `row` (one height×width×channels image) into `out` at `at`, scaled, shifted by a drawn
 * (dy, dx) and maybe mirrored: out[y][x] = row[y - dy][x' - dx] with x' = x or width-1-x.
 */
function augmentRow(row: NumericArray, out: Float32Array | Int32Array, at: number, scale: number, a: CheckedAugmentation, rng: Random): void {
  const { height: h, width: w, channels: c } = a;
  const dy = a.shift > 0 ? rng.int(2 * a.shift + 1) - a.shift : 0;
  const dx = a.shift > 0 ? rng.int(2 * a.shift + 1) - a.shift : 0;
  const flip = a.flip && rng.next() < 0.5;
  out.fill(0, at, at + h * w * c);
  for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
    const src = (y - dy) * w;
    for (let x = Math.max(0, dx); x < Math.min(w, w + dx); x++) {
      const sx = x - dx;
      const dst = at + (y * w + (flip ? w - 1 - x : x)) * c;
      for (let ch = 0; ch < c; ch++) out[dst + ch] = row[(src + sx) * c + ch]! * scale;
    }
  }
}
