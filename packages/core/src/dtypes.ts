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

export function bytesPerElement(dtype: DataType): number {
  return dtype === 'bool' ? 1 : 4;
}

export function makeTypedArray(dtype: DataType, size: number, float64 = false): TypedArray {
  switch (dtype) {
    case 'float32':
      return float64 ? new Float64Array(size) : new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
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
