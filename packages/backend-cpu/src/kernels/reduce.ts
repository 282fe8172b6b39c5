import { reduceLoops, type REDUCE_KERNELS, type TypedArray } from '@tessera/core';
import type { CpuKernel, CpuKernelFn } from './kernel.js';
import { sizeOf } from './kernel.js';

/**
 * One reduction. Partial results live in a Float64Array, so float32 sums accumulate in double
 * precision and int32 results wrap only where int32 arithmetic would.
 */
interface Reducer {
  /** The identity: the result of an empty reduction. */
  init: number;
  /** Folds x[xi .. xi+n) into acc (the innermost loop dimension is reduced). */
  row(x: TypedArray, xi: number, n: number, acc: number): number;
  /** acc[ai + j] ⊕= x[xi + j] for j < n (the innermost loop dimension is kept). */
  cols(acc: Float64Array, ai: number, x: TypedArray, xi: number, n: number): void;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const sumFloat: Reducer = {
  init: 0,
  row: (x, xi, n, acc) => { for (let i = 0; i < n; i++) acc += x[xi + i]!; return acc; },
  cols: (acc, ai, x, xi, n) => { for (let i = 0; i < n; i++) acc[ai + i] += x[xi + i]!; },
};
// `| 0` after every step is exactly int32's wrap-around, however many terms there are.
const sumInt: Reducer = {
  init: 0,
  row: (x, xi, n, acc) => { for (let i = 0; i < n; i++) acc = (acc + x[xi + i]!) | 0; return acc; },
  cols: (acc, ai, x, xi, n) => { for (let i = 0; i < n; i++) acc[ai + i] = (acc[ai + i]! + x[xi + i]!) | 0; },
};
const prodFloat: Reducer = {
  init: 1,
  row: (x, xi, n, acc) => { for (let i = 0; i < n; i++) acc *= x[xi + i]!; return acc; },
  cols: (acc, ai, x, xi, n) => { for (let i = 0; i < n; i++) acc[ai + i] *= x[xi + i]!; },
};
const prodInt: Reducer = {
  init: 1,
  row: (x, xi, n, acc) => { for (let i = 0; i < n; i++) acc = Math.imul(acc, x[xi + i]!); return acc; },
  cols: (acc, ai, x, xi, n) => { for (let i = 0; i < n; i++) acc[ai + i] = Math.imul(acc[ai + i]!, x[xi + i]!); },
};
// Math.max/min propagate NaN, as NumPy's max/min do.
const maxFloat: Reducer = {
  init: -Infinity,
  row: (x, xi, n, acc) => { for (let i = 0; i < n; i++) acc = Math.max(acc, x[xi + i]!); return acc; },
  cols: (acc, ai, x, xi, n) => { for (let i = 0; i < n; i++) acc[ai + i] = Math.max(acc[ai + i]!, x[xi + i]!); },
};
const minFloat: Reducer = {
  init: Infinity,
  row: (x, xi, n, acc) => { for (let i = 0; i < n; i++) acc = Math.min(acc, x[xi + i]!); return acc; },
  cols: (acc, ai, x, xi, n) => { for (let i = 0; i < n; i++) acc[ai + i] = Math.min(acc[ai + i]!, x[xi + i]!); },
};
const all: Reducer = {
  init: 1,
  row: (x, xi, n, acc) => { for (let i = 0; i < n; i++) acc &= x[xi + i]!; return acc; },
  cols: (acc, ai, x, xi, n) => { for (let i = 0; i < n; i++) acc[ai + i] = acc[ai + i]! & x[xi + i]!; },
};
const any: Reducer = {
  init: 0,
  row: (x, xi, n, acc) => { for (let i = 0; i < n; i++) acc |= x[xi + i]!; return acc; },
  cols: (acc, ai, x, xi, n) => { for (let i = 0; i < n; i++) acc[ai + i] = acc[ai + i]! | x[xi + i]!; },
};

/** int32 has no infinities: an empty max/min gives the dtype's extreme value instead. */
const REDUCERS: Record<(typeof REDUCE_KERNELS)[number], { float: Reducer; int: Reducer }> = {
  Sum: { float: sumFloat, int: sumInt },
  Prod: { float: prodFloat, int: prodInt },
  Max: { float: maxFloat, int: { ...maxFloat, init: INT32_MIN } },
  Min: { float: minFloat, int: { ...minFloat, init: INT32_MAX } },
  All: { float: all, int: all },
  Any: { float: any, int: any },
};

/**
 * Reduces `axes` of a contiguous x into acc (length = size of the kept dimensions, prefilled with
 * the identity). Size-1 dimensions are dropped and neighbours that are both kept or both reduced
 * merged; the outer dimensions then advance like an odometer and the innermost one is a flat loop.
 */
function reduceInto(r: Reducer, x: TypedArray, shape: readonly number[], axes: readonly number[], acc: Float64Array): void {
  if (x.length === 0) return;
  const { dims, reduced, outStrides } = reduceLoops(shape, axes);
  const last = dims.length - 1;
  const n = dims[last]!;
  const innerReduced = reduced[last]!;
  const idx = new Int32Array(last);
  let oi = 0;
  for (let xi = 0; xi < x.length; xi += n) {
    if (innerReduced) acc[oi] = r.row(x, xi, n, acc[oi]!);
    else r.cols(acc, oi, x, xi, n);
    for (let d = last - 1; d >= 0; d--) {
      oi += outStrides[d]!;
      if (++idx[d]! < dims[d]!) break;
      idx[d] = 0;
      oi -= outStrides[d]! * dims[d]!;
    }
  }
}

const reduceKernel = (kinds: { float: Reducer; int: Reducer }, boolOut: boolean): CpuKernelFn<{ axes: number[] }> =>
  ({ inputs: [x], attrs: { axes }, backend }) => {
    const r = x!.dtype === 'float32' ? kinds.float : kinds.int;
    const outShape = x!.shape.filter((_, i) => !axes.includes(i));
    const acc = new Float64Array(sizeOf(outShape)).fill(r.init);
    reduceInto(r, backend.data(x!.dataId), x!.shape, axes, acc);
    const dtype = boolOut ? 'bool' : x!.dtype;
    const out = backend.alloc(dtype, acc.length);
    out.set(acc);
    return backend.output(out, outShape, dtype);
  };

/**
 * Index of the max (sign 1) or min (sign −1) along one axis; the first index wins ties, and a NaN
 * wins over numbers (the first NaN), as in NumPy.
 */
const argKernel = (sign: 1 | -1): CpuKernelFn<{ axis: number }> =>
  ({ inputs: [xInfo], attrs: { axis }, backend }) => {
    const x = backend.data(xInfo!.dataId);
    const shape = xInfo!.shape;
    const n = shape[axis]!;
    const outer = sizeOf(shape.slice(0, axis));
    const inner = sizeOf(shape.slice(axis + 1));
    const out = new Int32Array(outer * inner);
    if (n > 0 && inner === 1) {
      for (let o = 0; o < outer; o++) {
        const base = o * n;
        let best = sign * x[base]!;
        let bi = 0;
        for (let k = 1; k < n; k++) {
          const v = sign * x[base + k]!;
          if (v > best || (v !== v && best === best)) {
            best = v;
            bi = k;
          }
        }
        out[o] = bi;
      }
    } else if (n > 0) {
      const best = new Float64Array(inner);
      for (let o = 0; o < outer; o++) {
        const base = o * n * inner;
        const ob = o * inner;
        for (let i = 0; i < inner; i++) best[i] = sign * x[base + i]!;
        for (let k = 1; k < n; k++) {
          const row = base + k * inner;
          for (let i = 0; i < inner; i++) {
            const v = sign * x[row + i]!;
            const b = best[i]!;
            if (v > b || (v !== v && b === b)) {
              best[i] = v;
              out[ob + i] = k;
            }
          }
        }
      }
    }
    return backend.output(out, shape.filter((_, i) => i !== axis), 'int32');
  };

export const reduceKernels: CpuKernel[] = [
  ...Object.entries(REDUCERS).map(([name, kinds]) => ({
    name: name as CpuKernel['name'],
    fn: reduceKernel(kinds, name === 'All' || name === 'Any'),
  })),
  { name: 'ArgMax', fn: argKernel(1) },
  { name: 'ArgMin', fn: argKernel(-1) },
];
