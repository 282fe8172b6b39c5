import {
  all, any, argMax, argMin, logSumExp, max, mean, min, moments, prod, sum, variance, type Tensor, type TensorLike,
} from '@tessera/core';
import { axisSubsets, caseSuite, fmtAxes, type OpCase, type SuiteContext } from '../harness.js';
import { bools, choice, ints, uniform, type Gen } from '../inputs.js';
import * as R from '../reference.js';

type Axes = number | number[] | undefined;
type ReduceFn = (x: TensorLike, axis?: Axes, keepDims?: boolean) => Tensor;

interface ReduceOp {
  name: string;
  f: ReduceFn;
  fold: (values: number[]) => number;
  gen: Gen;
  /** Output dtype for float32 input. */
  out?: 'float32' | 'bool';
  inDtype?: 'float32' | 'bool';
  /** Sums and products accumulate rounding. */
  tolScale?: number;
}

const REDUCE: ReduceOp[] = [
  { name: 'sum', f: sum, fold: R.sumOf, gen: uniform(-3, 3), tolScale: 10 },
  { name: 'mean', f: mean, fold: R.meanOf, gen: uniform(-3, 3), tolScale: 10 },
  { name: 'prod', f: prod, fold: R.prodOf, gen: (r) => Math.fround((r.next() < 0.2 ? -1 : 1) * r.uniform(0.6, 1.5)), tolScale: 10 },
  { name: 'max', f: max, fold: R.maxOf, gen: choiceMix },
  { name: 'min', f: min, fold: R.minOf, gen: choiceMix },
  { name: 'logSumExp', f: logSumExp, fold: R.logSumExpOf, gen: uniform(-5, 5), tolScale: 10 },
  { name: 'variance', f: variance, fold: R.varianceOf, gen: uniform(-3, 3), tolScale: 10 },
  { name: 'all', f: all, fold: (v) => (v.every((q) => q !== 0) ? 1 : 0), gen: bools(0.85), out: 'bool', inDtype: 'bool' },
  { name: 'any', f: any, fold: (v) => (v.some((q) => q !== 0) ? 1 : 0), gen: bools(0.1), out: 'bool', inDtype: 'bool' },
];

function choiceMix(r: Parameters<Gen>[0]): number {
  return r.next() < 0.3 ? choice([-1, 2])(r) : Math.fround(r.uniform(-3, 3));
}

const SHAPE = [3, 4, 5];

function everyAxisSubset(op: ReduceOp): OpCase[] {
  const cases: OpCase[] = [];
  for (const axes of axisSubsets(SHAPE.length)) {
    for (const keepDims of [false, true]) {
      cases.push({
        name: `${op.name} axes ${fmtAxes(axes)}${keepDims ? ' keepDims' : ''}`,
        inputs: [{ shape: SHAPE, dtype: op.inDtype ?? 'float32', gen: op.gen }],
        run: (x) => op.f(x!, axes, keepDims),
        ref: (x) => R.reduce(x!, axes, keepDims, op.fold),
        dtype: op.out ?? 'float32',
        tolScale: op.tolScale,
      });
    }
  }
  return cases;
}

function momentsCases(): OpCase[] {
  return axisSubsets(SHAPE.length).flatMap((axes) =>
    [false, true].map(
      (keepDims): OpCase => ({
        name: `moments axes ${fmtAxes(axes)}${keepDims ? ' keepDims' : ''}`,
        inputs: [{ shape: SHAPE }],
        run: (x) => {
          const m = moments(x!, axes, keepDims);
          return [m.mean, m.variance];
        },
        ref: (x) => [R.reduce(x!, axes, keepDims, R.meanOf), R.reduce(x!, axes, keepDims, R.varianceOf)],
        tolScale: 10,
      }),
    ),
  );
}

/** Negative axes, size-1 dims, scalars, empty reductions and the dtype rules. */
const SPECIAL: OpCase[] = [
  { name: 'sum axis -1', inputs: [{ shape: [2, 3, 4] }], run: (x) => sum(x!, -1), ref: (x) => R.reduce(x!, -1, false, R.sumOf) },
  { name: 'max axes [-1, 0] keepDims', inputs: [{ shape: [2, 3, 4] }], run: (x) => max(x!, [-1, 0], true), ref: (x) => R.reduce(x!, [2, 0], true, R.maxOf) },
  { name: 'mean axis -2 on [2,1,3,1]', inputs: [{ shape: [2, 1, 3, 1] }], run: (x) => mean(x!, -2), ref: (x) => R.reduce(x!, 2, false, R.meanOf) },
  { name: 'sum over size-1 axes [1,3] of [2,1,3,1]', inputs: [{ shape: [2, 1, 3, 1] }], run: (x) => sum(x!, [1, 3]), ref: (x) => R.reduce(x!, [1, 3], false, R.sumOf) },
  { name: 'sum rank-4 axes [0,2]', inputs: [{ shape: [2, 3, 4, 5] }], run: (x) => sum(x!, [0, 2]), ref: (x) => R.reduce(x!, [0, 2], false, R.sumOf), tolScale: 10 },
  { name: 'sum of a scalar', inputs: [{ shape: [] }], run: (x) => sum(x!), ref: (x) => x! },
  { name: 'max of a scalar with axis 0', inputs: [{ shape: [] }], run: (x) => max(x!, 0), ref: (x) => x! },
  { name: 'sum of 1000 values', inputs: [{ shape: [1000], gen: uniform(0, 1) }], run: (x) => sum(x!), ref: (x) => R.reduce(x!, undefined, false, R.sumOf), tolScale: 20 },
  { name: 'mean of [37, 129] axis 1 (odd sizes)', inputs: [{ shape: [37, 129] }], run: (x) => mean(x!, 1), ref: (x) => R.reduce(x!, 1, false, R.meanOf), tolScale: 20 },
  { name: 'logSumExp of large logits stays finite', inputs: [{ shape: [3, 6], gen: uniform(500, 1000) }], run: (x) => logSumExp(x!, 1), ref: (x) => R.reduce(x!, 1, false, R.logSumExpOf) },
  { name: 'logSumExp of very negative logits stays finite', inputs: [{ shape: [3, 6], gen: uniform(-1000, -500) }], run: (x) => logSumExp(x!, 1), ref: (x) => R.reduce(x!, 1, false, R.logSumExpOf) },
  { name: 'sum of int32 → int32', inputs: [{ shape: [4, 5], dtype: 'int32', gen: ints(-100, 100) }], run: (x) => sum(x!, 1), ref: (x) => R.reduce(x!, 1, false, R.sumOf), dtype: 'int32' },
  { name: 'sum of bool → int32', inputs: [{ shape: [4, 5], dtype: 'bool' }], run: (x) => sum(x!), ref: (x) => R.reduce(x!, undefined, false, R.sumOf), dtype: 'int32' },
  { name: 'prod of int32 → int32', inputs: [{ shape: [3, 4], dtype: 'int32', gen: ints(-3, 3) }], run: (x) => prod(x!, 1), ref: (x) => R.reduce(x!, 1, false, R.prodOf), dtype: 'int32' },
  { name: 'max of int32 → int32', inputs: [{ shape: [3, 4], dtype: 'int32', gen: ints(-9, 9) }], run: (x) => max(x!, 0), ref: (x) => R.reduce(x!, 0, false, R.maxOf), dtype: 'int32' },
  { name: 'min of bool → int32', inputs: [{ shape: [3, 4], dtype: 'bool' }], run: (x) => min(x!, 1), ref: (x) => R.reduce(x!, 1, false, R.minOf), dtype: 'int32' },
  { name: 'mean of int32 → float32', inputs: [{ shape: [3, 4], dtype: 'int32', gen: ints(-9, 9) }], run: (x) => mean(x!, 1), ref: (x) => R.reduce(x!, 1, false, R.meanOf) },
  { name: 'variance of int32 → float32', inputs: [{ shape: [3, 4], dtype: 'int32', gen: ints(-9, 9) }], run: (x) => variance(x!, 0), ref: (x) => R.reduce(x!, 0, false, R.varianceOf) },
  { name: 'all of float32 (x != 0)', inputs: [{ shape: [4, 3], gen: choice([0, 1.5, -2]) }], run: (x) => all(x!, 1), ref: (x) => R.reduce(x!, 1, false, (v) => (v.every((q) => q !== 0) ? 1 : 0)), dtype: 'bool' },
  { name: 'any of int32 (x != 0)', inputs: [{ shape: [4, 3], dtype: 'int32', gen: choice([0, 0, 0, 3]) }], run: (x) => any(x!, 0), ref: (x) => R.reduce(x!, 0, false, (v) => (v.some((q) => q !== 0) ? 1 : 0)), dtype: 'bool' },
  // Empty reductions give each op's identity.
  { name: 'sum over an empty axis is 0', inputs: [{ shape: [0, 3] }], run: (x) => sum(x!, 0), ref: () => R.nd([3], [0, 0, 0]) },
  { name: 'prod over an empty axis is 1', inputs: [{ shape: [0, 3] }], run: (x) => prod(x!, 0), ref: () => R.nd([3], [1, 1, 1]) },
  { name: 'max over an empty axis is -Infinity', inputs: [{ shape: [0, 2] }], run: (x) => max(x!, 0), ref: () => R.nd([2], [-Infinity, -Infinity]) },
  { name: 'min over an empty axis is +Infinity', inputs: [{ shape: [2, 0] }], run: (x) => min(x!, 1), ref: () => R.nd([2], [Infinity, Infinity]) },
  { name: 'all over an empty axis is true', inputs: [{ shape: [0, 2], dtype: 'bool' }], run: (x) => all(x!, 0), ref: () => R.nd([2], [1, 1]), dtype: 'bool' },
  { name: 'any over an empty axis is false', inputs: [{ shape: [0, 2], dtype: 'bool' }], run: (x) => any(x!, 0), ref: () => R.nd([2], [0, 0]), dtype: 'bool' },
  { name: 'sum of a size-0 tensor over a non-empty axis', inputs: [{ shape: [0, 3] }], run: (x) => sum(x!, 1), ref: () => R.nd([0], []) },
  { name: 'logSumExp over an empty axis is -Infinity', inputs: [{ shape: [2, 0] }], run: (x) => logSumExp(x!, 1), ref: () => R.nd([2], [-Infinity, -Infinity]) },
  // The max that keeps logSumExp stable is ±Infinity in these rows: x − max would be NaN.
  {
    name: 'logSumExp of a row of -Infinity is -Infinity, of a row holding +Infinity +Infinity',
    inputs: [{ shape: [4, 3], values: [-Infinity, -Infinity, -Infinity, Infinity, 1, -2, -Infinity, 0, Infinity, 0.5, -Infinity, 1.5] }],
    run: (x) => logSumExp(x!, 1),
    ref: () => R.nd([4], [-Infinity, Infinity, Infinity, R.logSumExpOf([0.5, -Infinity, 1.5])]),
  },
  {
    name: 'logSumExp over all axes of -Infinity keeping dims',
    inputs: [{ shape: [2, 2], values: [-Infinity, -Infinity, -Infinity, -Infinity] }],
    run: (x) => logSumExp(x!, undefined, true),
    ref: () => R.nd([1, 1], [-Infinity]),
  },
];

const argRef = (better: (a: number, b: number) => boolean, axis: number) => (x?: R.Nd): R.Nd => R.argReduce(x!, axis, better);
const gt = (a: number, b: number): boolean => a > b;
const lt = (a: number, b: number): boolean => a < b;
const tieGen = choice([-1, 0, 3, 3]);

const ARG: OpCase[] = [
  ...[0, 1, 2, -1].flatMap((axis): OpCase[] => [
    { name: `argMax axis ${axis} with ties (first wins)`, inputs: [{ shape: [3, 4, 5], gen: tieGen }], run: (x) => argMax(x!, axis), ref: argRef(gt, axis), dtype: 'int32' },
    { name: `argMin axis ${axis} with ties (first wins)`, inputs: [{ shape: [3, 4, 5], gen: tieGen }], run: (x) => argMin(x!, axis), ref: argRef(lt, axis), dtype: 'int32' },
    { name: `argMax axis ${axis} random`, inputs: [{ shape: [3, 4, 5] }], run: (x) => argMax(x!, axis), ref: argRef(gt, axis), dtype: 'int32' },
  ]),
  { name: 'argMax default axis 0', inputs: [{ shape: [5, 3] }], run: (x) => argMax(x!), ref: argRef(gt, 0), dtype: 'int32' },
  { name: 'argMin rank 1', inputs: [{ shape: [17] }], run: (x) => argMin(x!), ref: argRef(lt, 0), dtype: 'int32' },
  { name: 'argMax of int32', inputs: [{ shape: [4, 6], dtype: 'int32', gen: ints(-3, 3) }], run: (x) => argMax(x!, 1), ref: argRef(gt, 1), dtype: 'int32' },
  { name: 'argMin of bool', inputs: [{ shape: [4, 6], dtype: 'bool' }], run: (x) => argMin(x!, 1), ref: argRef(lt, 1), dtype: 'int32' },
  { name: 'argMax over a size-1 axis', inputs: [{ shape: [3, 1] }], run: (x) => argMax(x!, 1), ref: argRef(gt, 1), dtype: 'int32' },
  { name: 'argMax with -Infinity entries', inputs: [{ shape: [2, 3], values: [-Infinity, -Infinity, -Infinity, -Infinity, 2, -Infinity] }], run: (x) => argMax(x!, 1), ref: argRef(gt, 1), dtype: 'int32' },
];

export function reduceSuite(ctx: SuiteContext): void {
  for (const op of REDUCE) caseSuite(ctx, `${op.name} over every axis subset`, everyAxisSubset(op));
  caseSuite(ctx, 'moments over every axis subset', momentsCases());
  caseSuite(ctx, 'reductions: negative axes, scalars, empty axes, dtypes', SPECIAL);
  const onLayouts = new Set(['sum axis -1', 'sum rank-4 axes [0,2]', 'sum of int32 → int32', 'max axes [-1, 0] keepDims']);
  caseSuite(ctx, 'reductions on transposed and sliced inputs', SPECIAL.filter((c) => onLayouts.has(c.name)), ['transposed', 'sliced']);
  caseSuite(ctx, 'argMax / argMin', ARG, ['transposed']);
}
