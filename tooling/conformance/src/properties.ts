// Property-based tests of the op boundary (fast-check): random shapes, dtypes, values and arguments,
// good and bad. Every call either returns tensors of the documented shape and dtype or throws a
// TesseraError — never a TypeError or RangeError from inside — and leaves the memory counts as they
// were (outputs aside). A fixed seed and a bounded number of runs keep it to a few seconds.
import * as tf from '@tessera/core';
import { OutOfMemoryError, TesseraError, memory, setBackend, type DataType, type Tensor } from '@tessera/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

export interface PropertyOptions {
  /** Runs per op (default 60). */
  numRuns?: number;
  /** fast-check's seed (default 20240615). */
  seed?: number;
}

const DTYPES: DataType[] = ['float32', 'int32', 'bool'];
/** Mostly valid dtypes, sometimes strings no op accepts. */
const dtypeArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...DTYPES) }, { weight: 1, arbitrary: fc.constantFrom('float64', 'int', '', 'Float32') as unknown as fc.Arbitrary<DataType> });
const dimArb = fc.integer({ min: 0, max: 4 });
const shapeArb = fc.array(dimArb, { maxLength: 4 });
/** Dimensions an op should refuse, mixed into shape arguments now and then. */
const badDim = fc.constantFrom(-1, 1.5, Number.NaN, Infinity, 1e10);
const shapeArgArb = fc.oneof({ weight: 8, arbitrary: shapeArb }, { weight: 1, arbitrary: fc.array(fc.oneof(dimArb, badDim), { minLength: 1, maxLength: 3 }) });
/** Numbers at the edges of every dtype. */
const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 3, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0.5, -0.5, 2 ** 31, -(2 ** 31) - 1, 2147483647, -2147483648, 1e39, -1e300, Infinity, -Infinity, Number.NaN, 3.4e38) },
);
const axisArb = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -5, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(0.5, Number.NaN) });

interface TensorSpec {
  shape: number[];
  dtype: DataType;
  values: number[];
}

/** A valid tensor's description: values drawn to fit its dtype (they are the input, not the thing under test). */
const tensorArb = (shape: fc.Arbitrary<number[]> = shapeArb, dtypes: DataType[] = DTYPES): fc.Arbitrary<TensorSpec> =>
  fc.tuple(shape, fc.constantFrom(...dtypes)).chain(([s, dtype]) => {
    const n = s.reduce((p, d) => p * d, 1);
    const gen = dtype === 'bool' ? fc.constantFrom(0, 1) : dtype === 'int32' ? fc.integer({ min: -4, max: 4 }) : fc.oneof(fc.double({ min: -4, max: 4, noNaN: true }), fc.constantFrom(0, -Infinity, Infinity));
    return fc.array(gen, { minLength: n, maxLength: n }).map((values) => ({ shape: s, dtype, values: dtype === 'float32' ? values.map(Math.fround) : values }));
  });

function make(spec: TensorSpec): Tensor {
  return tf.tensor(spec.values, spec.shape, spec.dtype);
}

/** The documented result: shape and dtype of every output. */
type Expected = { shape: number[]; dtype: DataType }[];

interface OpProperty<A> {
  name: string;
  args: fc.Arbitrary<A>;
  /** Calls the op with tensors made from the specs; returns its result. */
  call: (args: A) => unknown;
  /** The documented outputs, or null where the arguments are invalid (then only a TesseraError will do). */
  expected: (args: A) => Expected | null;
}

// ------------------------------------------------------------- the documented shape rules (reference)

function broadcast(a: number[], b: number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

function wider(a: DataType, b: DataType, floor?: DataType): DataType {
  const order = ['bool', 'int32', 'float32'];
  return order[Math.max(order.indexOf(a), order.indexOf(b), floor ? order.indexOf(floor) : 0)] as DataType;
}

/** Sorted axes for an axis argument, or null if invalid. */
function axesOf(axis: number | number[] | undefined, rank: number): number[] | null {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = new Set<number>();
  for (const a of list) {
    if (!Number.isInteger(a) || a < -Math.max(rank, 1) || a >= Math.max(rank, 1)) return null;
    const n = a < 0 ? a + Math.max(rank, 1) : a;
    if (out.has(n)) return null;
    out.add(n);
  }
  return [...out].filter((a) => a < rank).sort((x, y) => x - y);
}

function oneAxis(axis: number, rank: number): number | null {
  return Number.isInteger(axis) && axis >= -rank && axis < rank ? (axis < 0 ? axis + rank : axis) : null;
}

const validShape = (s: number[]): boolean => s.every((d) => Number.isInteger(d) && d >= 0);
const validDtype = (d: string): d is DataType => (DTYPES as string[]).includes(d);
/** Whether v can be stored as dtype (the documented value rule). */
function fits(v: number, dtype: DataType): boolean {
  if (dtype === 'int32') return Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
  if (dtype === 'float32') return !Number.isFinite(v) || Number.isFinite(Math.fround(v));
  return true;
}
const one = (shape: number[], dtype: DataType): Expected => [{ shape, dtype }];

// ------------------------------------------------------------- the ops

const unaryFloat = ['exp', 'log', 'log1p', 'sqrt', 'sigmoid', 'tanh', 'softplus', 'erf', 'sin', 'reciprocal', 'gelu', 'elu', 'swish'] as const;
const unaryKeep = ['neg', 'abs', 'square', 'sign', 'relu', 'floor', 'ceil', 'round'] as const;
const binaryArith = ['add', 'sub', 'mul', 'maximum', 'minimum', 'mod'] as const;
const binaryFloat = ['div', 'pow'] as const;
const compare = ['equal', 'notEqual', 'less', 'greaterEqual'] as const;
const reductions = ['sum', 'prod', 'max', 'min'] as const;

type Fn = (...args: unknown[]) => unknown;
const opFn = (name: string): Fn => (tf as unknown as Record<string, Fn>)[name]!;

function properties(): OpProperty<any>[] {
  const props: OpProperty<any>[] = [];
  for (const name of unaryFloat) {
    props.push({ name, args: tensorArb(), call: (x: TensorSpec) => opFn(name)(make(x)), expected: (x: TensorSpec) => one(x.shape, 'float32') });
  }
  for (const name of unaryKeep) {
    props.push({ name, args: tensorArb(), call: (x: TensorSpec) => opFn(name)(make(x)), expected: (x: TensorSpec) => one(x.shape, x.dtype === 'bool' ? 'int32' : x.dtype) });
  }
  const pair = fc.tuple(tensorArb(), tensorArb());
  /** Arithmetic keeps the wider dtype (bool counts as int32), division and powers give float32, comparisons bool. */
  const binaryDtype = (name: string, a: TensorSpec, b: TensorSpec): DataType =>
    (compare as readonly string[]).includes(name) ? 'bool' : (binaryArith as readonly string[]).includes(name) ? wider(a.dtype, b.dtype, 'int32') : 'float32';
  for (const name of [...binaryArith, ...binaryFloat, ...compare]) {
    props.push({
      name,
      args: pair,
      call: ([a, b]: [TensorSpec, TensorSpec]) => opFn(name)(make(a), make(b)),
      expected: ([a, b]: [TensorSpec, TensorSpec]) => {
        const s = broadcast(a.shape, b.shape);
        return s && one(s, binaryDtype(name, a, b));
      },
    });
  }
  props.push({
    name: 'add of a tensor and a number',
    args: fc.tuple(tensorArb(), valueArb),
    call: ([a, v]: [TensorSpec, number]) => tf.add(make(a), v),
    // A number adopts the tensor's dtype where it fits, else the result is float32.
    expected: ([a, v]: [TensorSpec, number]) => (fits(v, 'float32') ? one(a.shape, a.dtype === 'float32' || !fits(v, 'int32') ? 'float32' : 'int32') : null),
  });
  props.push({
    name: 'where',
    args: fc.tuple(tensorArb(shapeArb, ['bool']), tensorArb(), tensorArb()),
    call: ([c, a, b]: TensorSpec[]) => tf.where(make(c!), make(a!), make(b!)),
    expected: ([c, a, b]: TensorSpec[]) => {
      const ab = broadcast(a!.shape, b!.shape);
      const s = ab && broadcast(c!.shape, ab);
      return s && one(s, wider(a!.dtype, b!.dtype));
    },
  });
  const axisOrList = fc.oneof(fc.constant(undefined), axisArb, fc.array(axisArb, { maxLength: 3 }));
  for (const name of [...reductions, 'mean', 'logSumExp', 'all', 'any']) {
    props.push({
      name,
      args: fc.tuple(tensorArb(), axisOrList, fc.boolean()),
      call: ([x, axis, keep]: [TensorSpec, number | number[] | undefined, boolean]) => opFn(name)(make(x), axis, keep),
      expected: ([x, axis, keep]: [TensorSpec, number | number[] | undefined, boolean]) => {
        const axes = axesOf(axis, x.shape.length);
        if (!axes) return null;
        const shape = x.shape.flatMap((d, i) => (axes.includes(i) ? (keep ? [1] : []) : [d]));
        const dtype = name === 'all' || name === 'any' ? 'bool' : name === 'mean' || name === 'logSumExp' ? 'float32' : x.dtype === 'bool' ? 'int32' : x.dtype;
        return one(shape, dtype);
      },
    });
  }
  for (const name of ['argMax', 'argMin', 'softmax', 'logSoftmax']) {
    props.push({
      name,
      args: fc.tuple(tensorArb(), axisArb),
      call: ([x, axis]: [TensorSpec, number]) => opFn(name)(make(x), axis),
      expected: ([x, axis]: [TensorSpec, number]) => {
        const a = oneAxis(axis, x.shape.length);
        if (a === null) return null;
        if (name === 'softmax' || name === 'logSoftmax') return one(x.shape, 'float32');
        return x.shape[a] === 0 ? null : one(x.shape.filter((_, i) => i !== a), 'int32');
      },
    });
  }
  props.push({
    name: 'expandDims',
    args: fc.tuple(tensorArb(), axisArb),
    call: ([x, axis]: [TensorSpec, number]) => tf.expandDims(make(x), axis),
    expected: ([x, axis]: [TensorSpec, number]) => {
      const a = oneAxis(axis, x.shape.length + 1);
      if (a === null) return null;
      const s = [...x.shape];
      s.splice(a, 0, 1);
      return one(s, x.dtype);
    },
  });
  props.push({
    name: 'reshape',
    args: fc.tuple(tensorArb(), fc.array(fc.oneof(dimArb, fc.constant(-1), badDim), { maxLength: 4 })),
    call: ([x, shape]: [TensorSpec, number[]]) => tf.reshape(make(x), shape),
    expected: ([x, shape]: [TensorSpec, number[]]) => {
      const size = x.shape.reduce((p, d) => p * d, 1);
      const free = shape.filter((d) => d === -1).length;
      if (free > 1 || shape.some((d) => d !== -1 && !(Number.isInteger(d) && d >= 0))) return null;
      const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
      if (free === 1) return known !== 0 && size % known === 0 ? one(shape.map((d) => (d === -1 ? size / known : d)), x.dtype) : null;
      return known === size ? one(shape, x.dtype) : null;
    },
  });
  props.push({
    name: 'transpose',
    args: fc.tuple(tensorArb(), fc.option(fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 4 }), { nil: undefined })),
    call: ([x, perm]: [TensorSpec, number[] | undefined]) => tf.transpose(make(x), perm),
    expected: ([x, perm]: [TensorSpec, number[] | undefined]) => {
      const r = x.shape.length;
      const p = perm ?? x.shape.map((_, i) => r - 1 - i);
      const sorted = [...p].sort((a, b) => a - b);
      if (p.length !== r || sorted.some((v, i) => v !== i)) return null;
      return one(p.map((i) => x.shape[i]!), x.dtype);
    },
  });
  props.push({
    name: 'slice',
    args: fc.tuple(tensorArb(), fc.array(fc.integer({ min: -3, max: 4 }), { maxLength: 4 }), fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 4 })),
    call: ([x, begin, size]: [TensorSpec, number[], number[]]) => tf.slice(make(x), begin, size),
    expected: ([x, begin, size]: [TensorSpec, number[], number[]]) => {
      if (begin.length > x.shape.length || size.length > x.shape.length) return null;
      const out: number[] = [];
      for (let i = 0; i < x.shape.length; i++) {
        const d = x.shape[i]!;
        let b = begin[i] ?? 0;
        if (b < 0) b += d;
        const s = size[i] === undefined || size[i] === -1 ? d - b : size[i]!;
        if (b < 0 || s < 0 || b + s > d) return null;
        out.push(s);
      }
      return one(out, x.dtype);
    },
  });
  props.push({
    name: 'concat',
    args: fc.tuple(fc.array(tensorArb(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 0, maxLength: 3 })), { minLength: 1, maxLength: 3 }), axisArb),
    call: ([xs, axis]: [TensorSpec[], number]) => tf.concat(xs.map(make), axis),
    expected: ([xs, axis]: [TensorSpec[], number]) => {
      const r = xs[0]!.shape.length;
      const a = r === 0 ? null : oneAxis(axis, r);
      if (a === null) return null;
      if (xs.some((x) => x.shape.length !== r || x.shape.some((d, j) => j !== a && d !== xs[0]!.shape[j]))) return null;
      const shape = [...xs[0]!.shape];
      shape[a] = xs.reduce((p, x) => p + x.shape[a]!, 0);
      return one(shape, xs.map((x) => x.dtype).reduce((p, d) => wider(p, d)));
    },
  });
  props.push({
    name: 'tile',
    args: fc.tuple(tensorArb(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })), fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), badDim), { maxLength: 3 })),
    call: ([x, reps]: [TensorSpec, number[]]) => tf.tile(make(x), reps),
    expected: ([x, reps]: [TensorSpec, number[]]) =>
      reps.length === x.shape.length && reps.every((r) => Number.isInteger(r) && r >= 0) ? one(x.shape.map((d, i) => d * reps[i]!), x.dtype) : null,
  });
  props.push({
    name: 'pad',
    args: fc.tuple(tensorArb(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })), fc.array(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: 0, max: 2 })), { maxLength: 3 }), valueArb),
    call: ([x, paddings, value]: [TensorSpec, [number, number][], number]) => tf.pad(make(x), paddings, value),
    expected: ([x, paddings, value]: [TensorSpec, [number, number][], number]) =>
      paddings.length === x.shape.length && paddings.every(([a, b]) => a >= 0 && b >= 0) && fits(value, x.dtype)
        ? one(x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]), x.dtype)
        : null,
  });
  props.push({
    name: 'gather',
    args: fc.tuple(tensorArb(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 })), fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 4 }), axisArb, fc.constantFrom(0, 0, 0, 1)),
    call: ([x, idx, axis, batchDims]: [TensorSpec, number[], number, number]) => tf.gather(make(x), tf.tensor(idx, [idx.length], 'int32'), axis, batchDims),
    expected: ([x, idx, axis, batchDims]: [TensorSpec, number[], number, number]) => {
      const a = oneAxis(axis, x.shape.length);
      if (a === null || batchDims !== 0 || idx.some((i) => i < 0 || i >= x.shape[a]!)) return null;
      return one([...x.shape.slice(0, a), idx.length, ...x.shape.slice(a + 1)], x.dtype);
    },
  });
  props.push({
    name: 'oneHot',
    args: fc.tuple(fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 4 }), fc.oneof(fc.integer({ min: -1, max: 4 }), fc.constant(1.5)), valueArb, valueArb, dtypeArb),
    call: ([idx, depth, on, off, dtype]: [number[], number, number, number, DataType]) => tf.oneHot(tf.tensor(idx, [idx.length], 'int32'), depth, on, off, dtype),
    expected: ([idx, depth, on, off, dtype]: [number[], number, number, number, DataType]) =>
      validDtype(dtype) && Number.isInteger(depth) && depth >= 1 && fits(on, dtype) && fits(off, dtype) ? one([idx.length, depth], dtype) : null,
  });
  props.push({
    name: 'cast',
    args: fc.tuple(tensorArb(), dtypeArb),
    call: ([x, dtype]: [TensorSpec, DataType]) => tf.cast(make(x), dtype),
    expected: ([x, dtype]: [TensorSpec, DataType]) => (validDtype(dtype) ? one(x.shape, dtype) : null),
  });
  props.push({
    name: 'matmul',
    args: fc.tuple(tensorArb(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 })), tensorArb(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 })), fc.boolean(), fc.boolean()),
    call: ([a, b, ta, tb]: [TensorSpec, TensorSpec, boolean, boolean]) => tf.matmul(make(a), make(b), ta, tb),
    expected: ([a, b, ta, tb]: [TensorSpec, TensorSpec, boolean, boolean]) => {
      if (a.shape.length < 2 || b.shape.length < 2) return null;
      const [m, ka] = ta ? [a.shape.at(-1)!, a.shape.at(-2)!] : [a.shape.at(-2)!, a.shape.at(-1)!];
      const [kb, n] = tb ? [b.shape.at(-1)!, b.shape.at(-2)!] : [b.shape.at(-2)!, b.shape.at(-1)!];
      const batch = broadcast(a.shape.slice(0, -2), b.shape.slice(0, -2));
      return ka === kb && batch ? one([...batch, m, n], 'float32') : null;
    },
  });
  props.push({
    name: 'clipByValue',
    args: fc.tuple(tensorArb(), valueArb, valueArb),
    call: ([x, lo, hi]: [TensorSpec, number, number]) => tf.clipByValue(make(x), lo, hi),
    expected: ([x, lo, hi]: [TensorSpec, number, number]) => {
      if (!(lo <= hi) || !fits(lo, 'float32') || !fits(hi, 'float32')) return null;
      const dtype = x.dtype === 'float32' || !fits(lo, 'int32') || !fits(hi, 'int32') ? 'float32' : 'int32';
      return one(x.shape, dtype);
    },
  });
  // Creation: the values, shapes and dtypes are the thing under test here.
  props.push({
    name: 'tensor',
    args: fc.tuple(fc.array(valueArb, { maxLength: 6 }), fc.option(dtypeArb, { nil: undefined })),
    call: ([values, dtype]: [number[], DataType | undefined]) => tf.tensor(values, undefined, dtype),
    expected: ([values, dtype]: [number[], DataType | undefined]) => {
      const d = dtype ?? 'float32';
      return validDtype(d) && values.every((v) => fits(v, d)) ? one([values.length], d) : null;
    },
  });
  props.push({
    name: 'tensor of a typed array',
    args: fc.tuple(fc.constantFrom('Float32Array', 'Int32Array', 'Uint8Array', 'Uint8ClampedArray', 'Float64Array'), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 5 })),
    call: ([kind, values]: [string, number[]]) => tf.tensor(new (globalThis as unknown as Record<string, new (v: number[]) => Float32Array>)[kind]!(values)),
    expected: ([kind, values]: [string, number[]]) => one([values.length], kind.startsWith('Float') ? 'float32' : 'int32'),
  });
  for (const name of ['zeros', 'ones'] as const) {
    props.push({
      name,
      args: fc.tuple(shapeArgArb, dtypeArb),
      call: ([shape, dtype]: [number[], DataType]) => tf[name](shape, dtype),
      expected: ([shape, dtype]: [number[], DataType]) => (validShape(shape) && validDtype(dtype) ? one(shape, dtype) : null),
    });
  }
  props.push({
    name: 'fill',
    args: fc.tuple(shapeArgArb, valueArb, dtypeArb),
    call: ([shape, v, dtype]: [number[], number, DataType]) => tf.fill(shape, v, dtype),
    expected: ([shape, v, dtype]: [number[], number, DataType]) => (validShape(shape) && validDtype(dtype) && fits(v, dtype) ? one(shape, dtype) : null),
  });
  props.push({
    name: 'eye',
    args: fc.tuple(fc.oneof(dimArb, badDim), fc.oneof(dimArb, badDim), dtypeArb),
    call: ([n, m, dtype]: [number, number, DataType]) => tf.eye(n, m, dtype),
    expected: ([n, m, dtype]: [number, number, DataType]) => (validShape([n, m]) && validDtype(dtype) ? one([n, m], dtype) : null),
  });
  props.push({
    name: 'range',
    // Spans that would allocate gigabytes are left out (they would only test the machine).
    args: fc
      .tuple(valueArb, valueArb, fc.oneof(fc.constantFrom(1, -1, 0.5, 0, 2), valueArb), fc.constantFrom<DataType>('float32', 'int32'))
      .filter(([start, stop, step]) => !(Math.abs((stop - start) / step) > 1e7)),
    call: ([start, stop, step, dtype]: [number, number, number, DataType]) => tf.range(start, stop, step, dtype),
    expected: ([start, stop, step, dtype]: [number, number, number, DataType]) => {
      if (![start, stop, step].every((v) => Number.isFinite(v) && fits(v, dtype)) || step === 0) return null;
      return one([Math.max(0, Math.ceil((stop - start) / step))], dtype);
    },
  });
  return props;
}

/** Every output of a result, or null if it is not a tensor or an array of tensors. */
function outputsOf(result: unknown): Tensor[] | null {
  if (result instanceof tf.Tensor) return [result];
  if (Array.isArray(result) && result.every((r) => r instanceof tf.Tensor)) return result as Tensor[];
  return null;
}

/**
 * Defines the op-boundary properties for a registered backend. Each op gets `numRuns` random calls
 * (fixed seed); a failure prints fast-check's shrunk counterexample and the seed to replay it.
 */
export function describeProperties(backendName: string, options: PropertyOptions = {}): void {
  const numRuns = options.numRuns ?? 60;
  const seed = options.seed ?? 20240615;
  describe(`op boundary properties on '${backendName}'`, () => {
    beforeAll(async () => {
      if (!(await setBackend(backendName))) throw new Error(`describeProperties: backend '${backendName}' could not be initialised`);
    });
    for (const p of properties()) {
      it(`${p.name}: a tensor of the documented shape and dtype, or a TesseraError`, () => {
        fc.assert(
          fc.property(p.args, (args) => {
            const before = memory().numTensors;
            let result: unknown;
            let thrown: unknown = null;
            // Inputs are made inside, so that the whole call (conversion included) is under test.
            const made = tf.tidy(() => {
              try {
                result = p.call(args);
              } catch (e) {
                thrown = e;
              }
              return outputsOf(result) ?? [];
            });
            const expected = p.expected(args);
            try {
              if (thrown !== null) {
                // A TypeError or RangeError from inside fails here, with its message.
                expect(thrown, `${p.name} threw ${(thrown as Error)?.name}: ${(thrown as Error)?.message}`).toBeInstanceOf(TesseraError);
                // Valid arguments may still ask for more memory than there is.
                if (thrown instanceof OutOfMemoryError && expected?.some((o) => o.shape.reduce((q, d) => q * d, 1) > 1e6)) return;
                expect(expected, `${p.name} refused arguments it documents as valid: ${(thrown as Error).message}`).toBeNull();
                return;
              }
              expect(expected, `${p.name} accepted arguments it should refuse`).not.toBeNull();
              const outs = outputsOf(result);
              expect(outs, `${p.name} returned something other than tensors`).not.toBeNull();
              expect(outs!.map((t) => ({ shape: [...t.shape], dtype: t.dtype }))).toEqual(expected);
            } finally {
              tf.dispose(made);
              expect(memory().numTensors, `${p.name} left tensors behind`).toBe(before);
            }
          }),
          { numRuns, seed, endOnFailure: true },
        );
      });
    }
  });
}
