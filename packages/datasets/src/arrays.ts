import { TesseraError, fmtShape, tensor, type DataType, type Tensor } from '@tessera/core';

/** The typed arrays datasets hold examples in. Uint8Array holds raw bytes (pixels, labels), not bools. */
export type NumericArray = Float32Array | Int32Array | Uint8Array;

/**
 * Examples as flat row-major typed arrays: row i of `xs` is `xs[i * rowSize, (i + 1) * rowSize)`
 * with `rowSize` the product of `xsShape.slice(1)`; likewise for `ys`. Both shapes start with the
 * example count.
 */
export interface LabeledArrays<X extends NumericArray = NumericArray, Y extends NumericArray = NumericArray> {
  xs: X;
  xsShape: number[];
  ys: Y;
  ysShape: number[];
}

/** Product of a shape's dimensions after the first (the values per row). */
export function rowSize(shape: readonly number[]): number {
  let n = 1;
  for (let i = 1; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Throws unless `values` fills `shape` exactly and the shape has a leading row dimension. */
export function checkRows(op: string, name: string, values: ArrayLike<number>, shape: readonly number[]): number {
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TesseraError(`${op}: ${name} shape ${JSON.stringify(shape)} must be a non-empty list of non-negative integers starting with the row count`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (values.length !== size) {
    throw new TesseraError(`${op}: ${name} has ${values.length} values, expected ${size} to fill shape ${fmtShape(shape)}`);
  }
  return shape[0]!;
}

/** Checks that xs and ys describe the same number of rows; returns it. */
export function checkLabeled(op: string, data: LabeledArrays): number {
  const n = checkRows(op, 'xs', data.xs, data.xsShape);
  const m = checkRows(op, 'ys', data.ys, data.ysShape);
  if (n !== m) throw new TesseraError(`${op}: xs has ${n} rows (shape ${fmtShape(data.xsShape)}) but ys has ${m} (shape ${fmtShape(data.ysShape)})`);
  return n;
}

/** The tensor dtype a typed array becomes: Float32Array → float32, integer arrays → int32. */
export function dtypeFor(values: NumericArray): DataType {
  return values instanceof Float32Array ? 'float32' : 'int32';
}

/**
 * A tensor over a typed array (copied). Uint8Array becomes int32 (as in `tensor()`): datasets
 * store labels and pixels as bytes.
 */
export function arrayToTensor(values: NumericArray, shape: readonly number[]): Tensor {
  if (values instanceof Uint8Array) return tensor(Int32Array.from(values), shape, 'int32');
  return tensor(values, shape, dtypeFor(values));
}

/**
 * One-hot rows for integer labels: a Float32Array [n, numClasses]. Throws on a label that is not an
 * integer in [0, numClasses), naming its index.
 */
export function oneHotLabels(labels: ArrayLike<number>, numClasses: number): Float32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new TesseraError(`oneHotLabels: numClasses must be a positive integer, got ${numClasses}`);
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new TesseraError(`oneHotLabels: label ${c} at index ${i} is not an integer in [0, ${numClasses})`);
    }
    out[i * numClasses + c] = 1;
  }
  return out;
}

/** Counts of each label value in [0, numClasses): a class-balance check. */
export function labelCounts(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new TesseraError(`labelCounts: label ${c} at index ${i} is not an integer in [0, ${numClasses})`);
    }
    counts[c]!++;
  }
  return counts;
}

export interface ToTensorsOptions {
  /** Encode integer labels as one-hot float32 rows of this many classes. */
  oneHot?: number;
}

/** `{ xs, ys }` tensors over labeled arrays (copied); the caller disposes them. */
export function toTensors(data: LabeledArrays, options: ToTensorsOptions = {}): { xs: Tensor; ys: Tensor } {
  const n = checkLabeled('toTensors', data);
  const xs = arrayToTensor(data.xs, data.xsShape);
  try {
    const ys =
      options.oneHot === undefined ? arrayToTensor(data.ys, data.ysShape) : tensor(oneHotLabels(data.ys, options.oneHot), [n, options.oneHot], 'float32');
    return { xs, ys };
  } catch (e) {
    xs.dispose();
    throw e;
  }
}

/** Copies rows `order[k]` of `src` (rows of `size` values) into row k of a new array of the same type. */
export function gatherRows<A extends NumericArray>(src: A, size: number, order: ArrayLike<number>): A {
  const out = new (src.constructor as new (n: number) => A)(order.length * size);
  for (let k = 0; k < order.length; k++) {
    const r = order[k]!;
    out.set(src.subarray(r * size, (r + 1) * size), k * size);
  }
  return out;
}
