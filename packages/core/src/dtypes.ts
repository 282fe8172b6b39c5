import { OutOfMemoryError, TesseraError } from './errors.js';

/** The element types a Tensor can hold. */
export type DataType = 'float32' | 'int32' | 'bool';

/** The typed array behind each dtype (bool is stored as 0/1 bytes). */
export interface DataTypeMap {
  float32: Float32Array;
  int32: Int32Array;
  bool: Uint8Array;
}

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Nested JS arrays accepted by `tensor()`. */
export type NestedArray = number | boolean | NestedArray[];

export type TensorLikeValues = TypedArray | NestedArray;

export const DTYPES: readonly DataType[] = ['float32', 'int32', 'bool'];

export function isDataType(x: unknown): x is DataType {
  return x === 'float32' || x === 'int32' || x === 'bool';
}

/**
 * The one dtype check of the op boundary: every op and creation function that takes a dtype calls
 * it before using it, so a wrong string ('float64', 'int') is an error naming the op, never a crash
 * inside or a tensor of an unknown dtype.
 */
export function assertDataType(op: string, dtype: unknown, argName = 'dtype'): asserts dtype is DataType {
  if (!isDataType(dtype)) {
    const got = typeof dtype === 'string' ? `'${dtype}'` : String(dtype);
    throw new TesseraError(`${op}: unknown ${argName} ${got} (expected 'float32', 'int32' or 'bool')`);
  }
}

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Why the JS value `v` cannot be stored as `dtype`, or null if it can: an int32 must be an integer
 * in [-2³¹, 2³¹−1] (nothing wraps), a float32 must not overflow to ±Infinity (Infinity and NaN
 * themselves are kept). Anything converts to bool (x ≠ 0), as `cast` does. `float64` skips the
 * float32 range (the cpu64 backend stores doubles).
 */
export function valueProblem(v: number, dtype: DataType, float64 = false): string | null {
  if (dtype === 'int32') {
    if (!Number.isInteger(v)) return `${v} is not an integer, expected int32 values (cast explicitly if truncation is intended)`;
    if (v < INT32_MIN || v > INT32_MAX) return `${v} is outside the int32 range [-2147483648, 2147483647] (use float32 for larger values)`;
  } else if (dtype === 'float32' && !float64 && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
    return `${v} overflows float32 (its largest finite value is ${FLOAT32_MAX})`;
  }
  return null;
}

export function bytesPerElement(dtype: DataType): number {
  return dtype === 'bool' ? 1 : 4;
}

export function makeTypedArray(dtype: DataType, size: number, float64 = false): TypedArray {
  assertDataType('makeTypedArray', dtype);
  switch (dtype) {
    case 'float32':
      return float64 ? new Float64Array(size) : new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** Matches the RangeErrors JavaScript throws when it cannot make an array of a given length. */
const ALLOCATION_FAILURE = /invalid (typed )?array (buffer )?length|array buffer allocation failed|out of memory/i;

/** Whether `e` is JavaScript refusing to allocate an array (not some other RangeError). */
export function isAllocationFailure(e: unknown): boolean {
  return e instanceof RangeError && ALLOCATION_FAILURE.test(e.message);
}

/**
 * A zeroed host array for a new tensor of `shape`; when JavaScript cannot allocate it, an
 * OutOfMemoryError naming the op, the dtype, the shape and the bytes (the form the backends use).
 */
export function allocateFor(op: string, dtype: DataType, shape: readonly number[], float64 = false): TypedArray {
  assertDataType(op, dtype);
  let size = 1;
  for (const d of shape) size *= d;
  try {
    return makeTypedArray(dtype, size, float64);
  } catch (e) {
    if (!isAllocationFailure(e)) throw e;
    const bytes = size * (dtype === 'bool' ? 1 : float64 && dtype === 'float32' ? 8 : 4);
    throw new OutOfMemoryError(
      `${op}: out of memory: a ${dtype} tensor of shape [${shape.join(',')}] needs ${bytes} bytes (${size} elements), more than JavaScript can allocate here`,
    );
  }
}

/**
 * Result dtype of a binary arithmetic op: the wider of the two, with bool < int32 < float32
 * (the same order as NumPy for these three types).
 */
export function upcastType(a: DataType, b: DataType): DataType {
  if (a === 'float32' || b === 'float32') return 'float32';
  if (a === 'int32' || b === 'int32') return 'int32';
  return 'bool';
}

export function isFloatDtype(dtype: DataType): boolean {
  return dtype === 'float32';
}
