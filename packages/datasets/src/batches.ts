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
}

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
  const seed = resolveSeed(options.seed);
  const numBatches = dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  let pass = 0;

  function makeBatch(order: Int32Array, start: number, b: number): Batch {
    const xb = xFloat ? new Float32Array(b * xRow) : new Int32Array(b * xRow);
    for (let k = 0; k < b; k++) {
      const r = order[start + k]!;
      const row = x.subarray(r * xRow, (r + 1) * xRow);
      if (scale === undefined) xb.set(row, k * xRow);
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
    const order = permutation(n, shuffle ? new Random(epochSeed(seed, pass++)) : undefined);
    for (let i = 0; i < numBatches; i++) {
      const start = i * batchSize;
      yield makeBatch(order, start, Math.min(batchSize, n - start));
    }
  }, numBatches);
}
