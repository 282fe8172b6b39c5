import { ENGINE } from '../engine.js';
import { INT32_MAX, INT32_MIN, allocateFor, assertDataType, valueProblem, type DataType, type NestedArray, type TypedArray } from '../dtypes.js';
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

/**
 * The dtype a typed array gives when none is asked for: bytes (Uint8Array, Uint8ClampedArray:
 * image data) are int32 values 0..255, as in TF.js, not bools.
 */
function dtypeOfArray(values: TypedArray | Uint8ClampedArray): DataType {
  return values instanceof Float32Array || values instanceof Float64Array ? 'float32' : 'int32';
}

/** Converts JS values to the storage array for a dtype (float32 rounds unless the backend is float64). */
export function toStorageArray(values: ArrayLike<number>, dtype: DataType, op = 'tensor'): TypedArray {
  const float64 = dtype === 'float32' && ENGINE.backend.floatPrecision === 64;
  const out = allocateFor(op, dtype, [values.length], float64);
  if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
    return out;
  }
  // Values that already have the storage type (or a narrower one) cannot be out of range.
  const exact = dtype === 'int32' ? values instanceof Int32Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray : !(values instanceof Float64Array || Array.isArray(values));
  if (!exact || float64) {
    for (let i = 0; i < values.length; i++) {
      const problem = valueProblem(values[i]!, dtype, float64);
      if (problem !== null) throw new TesseraError(`${op}: value ${problem.replace(/^\S+/, (v) => `${v} at flat index ${i}`)}`);
    }
  }
  out.set(values);
  return out;
}

/** Checks that one JS number can be stored as `dtype`; throws naming the op and the argument if not. */
export function checkValue(op: string, argName: string, v: number, dtype: DataType): void {
  if (typeof v !== 'number' && typeof v !== 'boolean') throw new TesseraError(`${op}: ${argName} must be a number, got ${v === null ? 'null' : typeof v}`);
  const problem = valueProblem(Number(v), dtype, dtype === 'float32' && ENGINE.backend.floatPrecision === 64);
  if (problem !== null) throw new TesseraError(`${op}: ${argName} ${problem}`);
}

/**
 * Makes a tensor from nested arrays, a typed array or a number. The shape is inferred (and checked
 * against `shape` if given); the dtype is inferred from the values unless given: booleans give
 * bool, Int32Array and byte arrays (Uint8Array, Uint8ClampedArray) int32, other numbers float32.
 * Values that do not fit the dtype (a fraction or a number beyond ±2³¹ for int32, a finite number
 * beyond float32's range) are an error, never rounded, wrapped or turned into Infinity.
 */
export function tensor(values: NestedArray | TypedArray | Uint8ClampedArray, shape?: readonly number[], dtype?: DataType): Tensor {
  if (dtype !== undefined) assertDataType('tensor', dtype);
  let flat: ArrayLike<number>;
  let inferred: number[];
  let dt: DataType;
  if (ArrayBuffer.isView(values)) {
    if (!(values instanceof Float32Array || values instanceof Float64Array || values instanceof Int32Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray)) {
      throw new TesseraError(
        `tensor: unsupported typed array ${(values as ArrayBufferView).constructor.name} (use Float32Array, Float64Array, Int32Array, Uint8Array or Uint8ClampedArray)`,
      );
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
  return ENGINE.makeTensor(toStorageArray(flat, dt), finalShape, dt, 'tensor');
}

function firstLeaf(v: NestedArray): NestedArray {
  while (Array.isArray(v)) {
    if (v.length === 0) return 0;
    v = v[0]!;
  }
  return v;
}

export function scalar(value: number | boolean, dtype?: DataType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new TesseraError(`scalar: value must be a number or boolean, got ${value === null ? 'null' : typeof value}`);
  if (dtype !== undefined) assertDataType('scalar', dtype);
  return tensor(value, [], dtype);
}

export function tensor1d(values: number[] | TypedArray, dtype?: DataType): Tensor {
  if (dtype !== undefined) assertDataType('tensor1d', dtype);
  return tensor(values, undefined, dtype);
}

export function tensor2d(values: NestedArray | TypedArray, shape?: [number, number], dtype?: DataType): Tensor {
  if (dtype !== undefined) assertDataType('tensor2d', dtype);
  const t = tensor(values, shape, dtype);
  if (t.rank !== 2) {
    t.dispose();
    throw new TesseraError(`tensor2d: expected rank-2 values, got shape ${fmtShape(t.shape)}`);
  }
  return t;
}

/** A tensor of `shape` filled with `value`. */
export function fill(shape: readonly number[], value: number, dtype: DataType = 'float32'): Tensor {
  return filled('fill', shape, value, dtype);
}

export function zeros(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

export function ones(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

function filled(op: string, shape: readonly number[], value: number, dtype: DataType): Tensor {
  assertShapeArg(op, shape);
  assertDataType(op, dtype);
  checkValue(op, 'value', value, dtype);
  const arr = allocateFor(op, dtype, shape, dtype === 'float32' && ENGINE.backend.floatPrecision === 64);
  arr.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
  return ENGINE.makeTensor(arr, shape, dtype, op);
}

/** A shape argument: an array of non-negative integers. */
function assertShapeArg(op: string, shape: unknown): asserts shape is readonly number[] {
  if (!Array.isArray(shape)) throw new TesseraError(`${op}: shape must be an array of non-negative integers, got ${shape === null ? 'null' : typeof shape}`);
  assertValidShape(op, shape);
}

export function zerosLike(x: Tensor): Tensor {
  x.assertAlive('zerosLike');
  return filled('zerosLike', x.shape, 0, x.dtype);
}

export function onesLike(x: Tensor): Tensor {
  x.assertAlive('onesLike');
  return filled('onesLike', x.shape, 1, x.dtype);
}

/** Identity matrix [n, m] (m defaults to n). */
export function eye(n: number, m = n, dtype: DataType = 'float32'): Tensor {
  assertValidShape('eye', [n, m]);
  assertDataType('eye', dtype);
  const arr = allocateFor('eye', dtype, [n, m], dtype === 'float32' && ENGINE.backend.floatPrecision === 64);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return ENGINE.makeTensor(arr, [n, m], dtype, 'eye');
}

/** [start, stop) by step, like NumPy's arange. */
export function range(start: number, stop?: number, step = 1, dtype: DataType = 'float32'): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  assertDataType('range', dtype);
  for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TesseraError(`range: ${name} must be a finite number, got ${String(v)} (range(${start}, ${stop}, ${step}))`);
    if (dtype !== 'bool') checkValue('range', name, v, dtype);
  }
  if (step === 0) throw new TesseraError('range: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const arr = allocateFor('range', dtype, [n], dtype === 'float32' && ENGINE.backend.floatPrecision === 64);
  for (let i = 0; i < n; i++) {
    const v = start + i * step;
    arr[i] = dtype === 'bool' ? (v ? 1 : 0) : v;
  }
  if (dtype === 'int32' && n > 0) checkValue('range', 'its last value', start + (n - 1) * step, dtype);
  return ENGINE.makeTensor(arr, [n], dtype, 'range');
}

/** `num` evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new TesseraError(`linspace: num must be a non-negative integer, got ${num}`);
  checkValue('linspace', 'start', start, 'float32');
  checkValue('linspace', 'stop', stop, 'float32');
  const values = allocateFor('linspace', 'float32', [num], ENGINE.backend.floatPrecision === 64);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) values[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return ENGINE.makeTensor(values, [num], 'float32', 'linspace');
}

function randomTensor(op: string, shape: readonly number[], dtype: DataType, seed: number | undefined, draw: (r: Random) => number): Tensor {
  assertShapeArg(op, shape);
  assertDataType(op, dtype);
  if (dtype === 'bool') throw new TesseraError(`${op}: dtype bool is not supported, expected float32 or int32`);
  const r = rngFor(seed);
  const n = sizeFromShape(shape);
  const arr = allocateFor(op, dtype, shape, dtype === 'float32' && ENGINE.backend.floatPrecision === 64);
  for (let i = 0; i < n; i++) {
    const v = dtype === 'int32' ? Math.floor(draw(r)) : draw(r);
    if (dtype === 'int32' && (v < INT32_MIN || v > INT32_MAX)) {
      throw new TesseraError(`${op}: drew ${v} at flat index ${i}, outside the int32 range [-2147483648, 2147483647]: keep the distribution within it`);
    }
    arr[i] = v;
  }
  return ENGINE.makeTensor(arr, shape, dtype, op);
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
