import { ENGINE } from '../engine.js';
import { makeTypedArray, type DataType, type NestedArray, type TypedArray, isDataType } from '../dtypes.js';
import { TesseraError, fmtShape } from '../errors.js';
import { rngFor, type Random } from '../random.js';
import { assertValidShape, sizeFromShape } from '../shape.js';
import { Tensor } from '../tensor.js';

function inferShape(values: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let cur: NestedArray = values;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedArray;
  }
  // Validate that every branch has the same shape.
  const check = (v: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (Array.isArray(v)) throw new TesseraError(`${op}: ragged nested array: element ${path} is an array, expected a number`);
      if (typeof v !== 'number' && typeof v !== 'boolean') {
        throw new TesseraError(`${op}: element ${path || '[]'} is ${v === null ? 'null' : typeof v}, expected a number or boolean`);
      }
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new TesseraError(
        `${op}: ragged nested array: element ${path || '[]'} has ${Array.isArray(v) ? `length ${v.length}` : 'no length'}, expected length ${shape[dim]} (shape ${fmtShape(shape)})`,
      );
    }
    v.forEach((x, i) => check(x, dim + 1, `${path}[${i}]`));
  };
  check(values, 0, '');
  return shape;
}

function flatten(values: NestedArray, out: number[]): void {
  if (Array.isArray(values)) for (const v of values) flatten(v, out);
  else out.push(typeof values === 'boolean' ? (values ? 1 : 0) : values);
}

function dtypeOfArray(values: TypedArray): DataType {
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'bool';
  return 'float32';
}

/** Converts JS values to the storage array for a dtype (float32 rounds unless the backend is float64). */
export function toStorageArray(values: ArrayLike<number>, dtype: DataType, op = 'tensor'): TypedArray {
  const out = makeTypedArray(dtype, values.length, dtype === 'float32' && ENGINE.backend.floatPrecision === 64);
  if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v)) {
        throw new TesseraError(`${op}: value ${v} at flat index ${i} is not an integer, expected int32 values (cast explicitly if truncation is intended)`);
      }
      out[i] = v;
    }
  } else if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else out.set(values as ArrayLike<number>);
  return out;
}

/**
 * Makes a tensor from nested arrays, a typed array or a number. The shape is inferred (and checked
 * against `shape` if given); the dtype is inferred from the values unless given.
 */
export function tensor(values: NestedArray | TypedArray, shape?: readonly number[], dtype?: DataType): Tensor {
  if (dtype !== undefined && !isDataType(dtype)) throw new TesseraError(`tensor: unknown dtype '${String(dtype)}' (expected float32, int32 or bool)`);
  let flat: ArrayLike<number>;
  let inferred: number[];
  let dt: DataType;
  if (ArrayBuffer.isView(values)) {
    if (!(values instanceof Float32Array || values instanceof Float64Array || values instanceof Int32Array || values instanceof Uint8Array)) {
      throw new TesseraError(`tensor: unsupported typed array ${(values as ArrayBufferView).constructor.name} (use Float32Array, Int32Array or Uint8Array)`);
    }
    flat = values;
    inferred = [values.length];
    dt = dtype ?? dtypeOfArray(values);
  } else {
    inferred = inferShape(values, 'tensor');
    const list: number[] = [];
    flatten(values, list);
    flat = list;
    dt = dtype ?? (typeof firstLeaf(values) === 'boolean' ? 'bool' : 'float32');
  }
  let finalShape = inferred;
  if (shape !== undefined) {
    assertValidShape('tensor', shape);
    if (sizeFromShape(shape) !== flat.length) {
      throw new TesseraError(`tensor: ${flat.length} values do not fill shape ${fmtShape(shape)} (size ${sizeFromShape(shape)})`);
    }
    if (!ArrayBuffer.isView(values) && Array.isArray(values) && inferred.length > 1 && sizeFromShape(shape) !== sizeFromShape(inferred)) {
      throw new TesseraError(`tensor: values of shape ${fmtShape(inferred)} do not match shape ${fmtShape(shape)}`);
    }
    finalShape = [...shape];
  }
  return ENGINE.makeTensor(toStorageArray(flat, dt), finalShape, dt);
}

function firstLeaf(v: NestedArray): NestedArray {
  while (Array.isArray(v)) {
    if (v.length === 0) return 0;
    v = v[0]!;
  }
  return v;
}

export function scalar(value: number | boolean, dtype?: DataType): Tensor {
  return tensor(value, [], dtype);
}

export function tensor1d(values: number[] | TypedArray, dtype?: DataType): Tensor {
  return tensor(values, undefined, dtype);
}

export function tensor2d(values: NestedArray | TypedArray, shape?: [number, number], dtype?: DataType): Tensor {
  const t = tensor(values, shape, dtype);
  if (t.rank !== 2) {
    t.dispose();
    throw new TesseraError(`tensor2d: expected rank-2 values, got shape ${fmtShape(t.shape)}`);
  }
  return t;
}

/** A tensor of `shape` filled with `value`. */
export function fill(shape: readonly number[], value: number, dtype: DataType = 'float32'): Tensor {
  assertValidShape('fill', shape);
  if (dtype === 'int32' && !Number.isInteger(value)) throw new TesseraError(`fill: value ${value} is not an integer, expected an int32 value`);
  const arr = makeTypedArray(dtype, sizeFromShape(shape), dtype === 'float32' && ENGINE.backend.floatPrecision === 64);
  arr.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
  return ENGINE.makeTensor(arr, shape, dtype);
}

export function zeros(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
  return fill(shape, 0, dtype);
}

export function ones(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

export function zerosLike(x: Tensor): Tensor {
  x.assertAlive('zerosLike');
  return fill(x.shape, 0, x.dtype);
}

export function onesLike(x: Tensor): Tensor {
  x.assertAlive('onesLike');
  return fill(x.shape, 1, x.dtype);
}

/** Identity matrix [n, m] (m defaults to n). */
export function eye(n: number, m = n, dtype: DataType = 'float32'): Tensor {
  assertValidShape('eye', [n, m]);
  const arr = makeTypedArray(dtype, n * m, dtype === 'float32' && ENGINE.backend.floatPrecision === 64);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return ENGINE.makeTensor(arr, [n, m], dtype);
}

/** [start, stop) by step, like NumPy's arange. */
export function range(start: number, stop?: number, step = 1, dtype: DataType = 'float32'): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0) throw new TesseraError('range: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const values = new Array<number>(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return ENGINE.makeTensor(toStorageArray(values, dtype, 'range'), [n], dtype);
}

/** `num` evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new TesseraError(`linspace: num must be a non-negative integer, got ${num}`);
  const values = new Array<number>(num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) values[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return ENGINE.makeTensor(toStorageArray(values, 'float32'), [num], 'float32');
}

function randomTensor(op: string, shape: readonly number[], dtype: DataType, seed: number | undefined, draw: (r: Random) => number): Tensor {
  assertValidShape(op, shape);
  if (dtype === 'bool') throw new TesseraError(`${op}: dtype bool is not supported, expected float32 or int32`);
  const r = rngFor(seed);
  const n = sizeFromShape(shape);
  const arr = makeTypedArray(dtype, n, dtype === 'float32' && ENGINE.backend.floatPrecision === 64);
  for (let i = 0; i < n; i++) arr[i] = dtype === 'int32' ? Math.floor(draw(r)) : draw(r);
  return ENGINE.makeTensor(arr, shape, dtype);
}

/** Uniform in [minval, maxval). */
export function randomUniform(shape: readonly number[], minval = 0, maxval = 1, dtype: DataType = 'float32', seed?: number): Tensor {
  if (!(maxval > minval)) throw new TesseraError(`randomUniform: maxval (${maxval}) must be greater than minval (${minval})`);
  return randomTensor('randomUniform', shape, dtype, seed, (r) => r.uniform(minval, maxval));
}

export function randomNormal(shape: readonly number[], mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: number): Tensor {
  if (!(stdDev >= 0)) throw new TesseraError(`randomNormal: stdDev must be >= 0, got ${stdDev}`);
  return randomTensor('randomNormal', shape, dtype, seed, (r) => r.normal(mean, stdDev));
}

/** Normal draws with everything beyond two standard deviations redrawn. */
export function truncatedNormal(shape: readonly number[], mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: number): Tensor {
  if (!(stdDev >= 0)) throw new TesseraError(`truncatedNormal: stdDev must be >= 0, got ${stdDev}`);
  return randomTensor('truncatedNormal', shape, dtype, seed, (r) => r.truncatedNormal(mean, stdDev));
}
