// Method-style ops (`x.add(y).relu()`) and longer chains whose intermediates change layout.
import { slice, tidy, type Tensor } from '@tessera/core';
import { caseSuite, type OpCase, type SuiteContext } from '../harness.js';
import { uniform, type InputSpec } from '../inputs.js';
import * as R from '../reference.js';

const A: InputSpec = { shape: [3, 4], gen: uniform(-2, 2) };
const POS: InputSpec = { shape: [3, 4], gen: uniform(0.1, 3) };

const un = (name: string, run: (x: Tensor) => Tensor, f: (v: number) => number, input: InputSpec = A): OpCase => ({
  name: `x.${name}`,
  inputs: [input],
  run: (x) => run(x!),
  ref: (x) => R.map(x!, f),
});

const bin = (name: string, run: (a: Tensor, b: Tensor) => Tensor, f: (a: number, b: number) => number, dtype?: 'bool'): OpCase => ({
  name: `a.${name}(b)`,
  inputs: [A, { shape: [4], gen: uniform(0.5, 2) }],
  run: (a, b) => run(a!, b!),
  ref: (a, b) => R.binary(a!, b!, f),
  dtype,
});

const METHODS: OpCase[] = [
  bin('add', (a, b) => a.add(b), (p, q) => p + q),
  bin('sub', (a, b) => a.sub(b), (p, q) => p - q),
  bin('mul', (a, b) => a.mul(b), (p, q) => p * q),
  bin('div', (a, b) => a.div(b), (p, q) => p / q),
  bin('maximum', (a, b) => a.maximum(b), Math.max),
  bin('minimum', (a, b) => a.minimum(b), Math.min),
  bin('equal', (a, b) => a.equal(b), (p, q) => (p === q ? 1 : 0), 'bool'),
  bin('greater', (a, b) => a.greater(b), (p, q) => (p > q ? 1 : 0), 'bool'),
  bin('less', (a, b) => a.less(b), (p, q) => (p < q ? 1 : 0), 'bool'),
  { name: 'a.pow(b)', inputs: [POS, A], run: (a, b) => a!.pow(b!), ref: (a, b) => R.binary(a!, b!, Math.pow) },
  un('neg()', (x) => x.neg(), (v) => -v),
  un('abs()', (x) => x.abs(), Math.abs),
  un('exp()', (x) => x.exp(), Math.exp),
  un('log()', (x) => x.log(), Math.log, POS),
  un('sqrt()', (x) => x.sqrt(), Math.sqrt, POS),
  un('square()', (x) => x.square(), (v) => v * v),
  un('relu()', (x) => x.relu(), (v) => Math.max(v, 0)),
  un('sigmoid()', (x) => x.sigmoid(), R.sigmoid),
  un('tanh()', (x) => x.tanh(), Math.tanh),
  { name: 'x.softmax(0)', inputs: [A], run: (x) => x!.softmax(0), ref: (x) => R.softmax(x!, 0) },
  { name: 'x.sum(1, true)', inputs: [A], run: (x) => x!.sum(1, true), ref: (x) => R.reduce(x!, 1, true, R.sumOf) },
  { name: 'x.mean()', inputs: [A], run: (x) => x!.mean(), ref: (x) => R.reduce(x!, undefined, false, R.meanOf) },
  { name: 'x.max([0, 1])', inputs: [A], run: (x) => x!.max([0, 1]), ref: (x) => R.reduce(x!, [0, 1], false, R.maxOf) },
  { name: 'x.min(0)', inputs: [A], run: (x) => x!.min(0), ref: (x) => R.reduce(x!, 0, false, R.minOf) },
  { name: 'x.argMax(1)', inputs: [A], run: (x) => x!.argMax(1), ref: (x) => R.argReduce(x!, 1, (p, q) => p > q), dtype: 'int32' },
  { name: 'x.flatten()', inputs: [A], run: (x) => x!.flatten(), ref: (x) => R.reshape(x!, [12]) },
  { name: 'x.expandDims(1)', inputs: [A], run: (x) => x!.expandDims(1), ref: (x) => R.reshape(x!, [3, 1, 4]) },
  { name: 'x.squeeze()', inputs: [{ shape: [1, 4, 1] }], run: (x) => x!.squeeze(), ref: (x) => R.reshape(x!, [4]) },
  { name: 'x.transpose()', inputs: [A], run: (x) => x!.transpose(), ref: (x) => R.transpose(x!, [1, 0]) },
];

/** Longer pipelines: every intermediate is itself a kernel output with its own layout. */
const CHAINS: OpCase[] = [
  {
    name: 'transpose → slice → add → relu → sum',
    inputs: [{ shape: [4, 5, 3] }, { shape: [3] }],
    run: (x, b) => tidy(() => slice(x!.transpose([2, 0, 1]), [0, 1, 0], [3, 2, -1]).add(b!.reshape([3, 1, 1])).relu().sum(2)),
    ref: (x, b) => {
      const t = R.slice(R.transpose(x!, [2, 0, 1]), [0, 1, 0], [3, 2, 5]);
      const y = R.binary(t, R.reshape(b!, [3, 1, 1]), (p, q) => Math.max(p + q, 0));
      return R.reduce(y, 2, false, R.sumOf);
    },
    tolScale: 5,
  },
  {
    name: 'matmul of a sliced transpose with a transposed slice, then softmax',
    inputs: [{ shape: [6, 5] }, { shape: [4, 7] }],
    run: (a, b) => tidy(() => slice(a!.transpose(), [1, 0], [3, -1]).matmul(slice(b!, [0, 1], [-1, 6]).transpose()).softmax(0)),
    ref: (a, b) => {
      const left = R.slice(R.transpose(a!, [1, 0]), [1, 0], [3, 6]);
      const right = R.transpose(R.slice(b!, [0, 1], [4, 6]), [1, 0]);
      return R.softmax(R.matmul(left, right), 0);
    },
    tolScale: 10,
  },
];

export function methodSuite(ctx: SuiteContext): void {
  caseSuite(ctx, 'tensor methods', METHODS);
  caseSuite(ctx, 'chains of ops over changing layouts', CHAINS, ['transposed']);
}
