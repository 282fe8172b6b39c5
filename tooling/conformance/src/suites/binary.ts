import {
  add, div, equal, greater, greaterEqual, less, lessEqual, logicalAnd, logicalNot, logicalOr, logicalXor, maximum,
  minimum, mod, mul, notEqual, pow, squaredDifference, sub, where, type DataType, type Tensor, type TensorLike,
} from '@tessera/core';
import { caseSuite, type OpCase, type SuiteContext } from '../harness.js';
import { awayFromZero, choice, ints, uniform, type Gen, type InputSpec } from '../inputs.js';
import * as R from '../reference.js';

type BinaryFn = (a: TensorLike, b: TensorLike) => Tensor;

interface BinaryOp {
  name: string;
  f: BinaryFn;
  ref: (a: number, b: number) => number;
  genA: Gen;
  genB: Gen;
  /** int32 operands valid for the op (absent: the op is not run on ints here). */
  intA?: Gen;
  intB?: Gen;
  /** dtype of int32 ⊕ int32. */
  intOut?: DataType;
}

const BINARY: BinaryOp[] = [
  { name: 'add', f: add, ref: (a, b) => a + b, genA: uniform(-5, 5), genB: uniform(-5, 5), intA: ints(-50, 50), intB: ints(-50, 50), intOut: 'int32' },
  { name: 'sub', f: sub, ref: (a, b) => a - b, genA: uniform(-5, 5), genB: uniform(-5, 5), intA: ints(-50, 50), intB: ints(-50, 50), intOut: 'int32' },
  { name: 'mul', f: mul, ref: (a, b) => a * b, genA: uniform(-5, 5), genB: uniform(-5, 5), intA: ints(-50, 50), intB: ints(-50, 50), intOut: 'int32' },
  { name: 'div', f: div, ref: (a, b) => a / b, genA: uniform(-5, 5), genB: awayFromZero(0.1, 5), intA: ints(-50, 50), intB: awayFromZeroInt(7), intOut: 'float32' },
  { name: 'pow', f: pow, ref: Math.pow, genA: uniform(0.05, 4), genB: uniform(-3, 3), intA: ints(1, 6), intB: ints(0, 5), intOut: 'float32' },
  { name: 'maximum', f: maximum, ref: Math.max, genA: choiceOr(uniform(-5, 5)), genB: choiceOr(uniform(-5, 5)), intA: ints(-5, 5), intB: ints(-5, 5), intOut: 'int32' },
  { name: 'minimum', f: minimum, ref: Math.min, genA: choiceOr(uniform(-5, 5)), genB: choiceOr(uniform(-5, 5)), intA: ints(-5, 5), intB: ints(-5, 5), intOut: 'int32' },
  { name: 'mod (floor mod)', f: mod, ref: R.floorMod, genA: uniform(-10, 10), genB: awayFromZero(0.7, 4), intA: ints(-30, 30), intB: awayFromZeroInt(7), intOut: 'int32' },
  {
    name: 'squaredDifference',
    f: squaredDifference,
    ref: (a, b) => (a - b) * (a - b),
    genA: uniform(-5, 5),
    genB: uniform(-5, 5),
    intA: ints(-50, 50),
    intB: ints(-50, 50),
    intOut: 'int32',
  },
];

function awayFromZeroInt(n: number): Gen {
  return (r) => (r.next() < 0.5 ? -1 : 1) * (1 + r.int(n));
}

/** Uniform values with frequent exact ties between operands. */
function choiceOr(g: Gen): Gen {
  const tie = choice([-1, 0, 2]);
  return (r) => (r.next() < 0.3 ? tie(r) : g(r));
}

/** Shape pairs covering every broadcasting situation. */
const BROADCASTS: [string, number[], number[]][] = [
  ['same shape', [3, 4], [3, 4]],
  ['tensor ⊕ scalar', [3, 4], []],
  ['scalar ⊕ tensor', [], [3, 4]],
  ['scalar ⊕ scalar', [], []],
  ['row [3,4]⊕[4]', [3, 4], [4]],
  ['column [3,4]⊕[3,1]', [3, 4], [3, 1]],
  ['rank mismatch [2,3,4]⊕[3,1]', [2, 3, 4], [3, 1]],
  ['both sides [3,1,5]⊕[1,4,1]', [3, 1, 5], [1, 4, 1]],
  ['both sides [4,1]⊕[5]', [4, 1], [5]],
  ['size-1 dims [1,1]⊕[1]', [1, 1], [1]],
  ['size-0 [0,4]⊕[4]', [0, 4], [4]],
  ['size-0 [2,0]⊕[2,1]', [2, 0], [2, 1]],
];

function binaryCases(op: BinaryOp): OpCase[] {
  const cases: OpCase[] = BROADCASTS.map(([what, sa, sb]) => ({
    name: `${op.name} ${what}`,
    inputs: [{ shape: sa, gen: op.genA }, { shape: sb, gen: op.genB }],
    run: (a, b) => op.f(a!, b!),
    ref: (a, b) => R.binary(a!, b!, op.ref),
  }));
  if (op.intA && op.intB) {
    cases.push({
      name: `${op.name} int32 ⊕ int32 → ${op.intOut}`,
      inputs: [{ shape: [3, 5], dtype: 'int32', gen: op.intA }, { shape: [5], dtype: 'int32', gen: op.intB }],
      run: (a, b) => op.f(a!, b!),
      ref: (a, b) => R.binary(a!, b!, op.ref),
      dtype: op.intOut,
    });
    cases.push({
      name: `${op.name} int32 ⊕ float32 → float32`,
      inputs: [{ shape: [2, 3], dtype: 'int32', gen: op.intA }, { shape: [2, 3], gen: op.genB }],
      run: (a, b) => op.f(a!, b!),
      ref: (a, b) => R.binary(a!, b!, op.ref),
    });
  }
  return cases;
}

const spec = (shape: number[], dtype: DataType, gen?: Gen): InputSpec => ({ shape, dtype, gen });

/** The dtype rules: bool < int32 < float32, true division, plain numbers adopt the tensor's dtype. */
const DTYPE_RULES: OpCase[] = [
  { name: 'bool + bool → int32', inputs: [spec([6], 'bool'), spec([6], 'bool')], run: (a, b) => add(a!, b!), ref: (a, b) => R.binary(a!, b!, (p, q) => p + q), dtype: 'int32' },
  { name: 'bool * float32 → float32', inputs: [spec([2, 3], 'bool'), spec([3], 'float32')], run: (a, b) => mul(a!, b!), ref: (a, b) => R.binary(a!, b!, (p, q) => p * q) },
  { name: 'bool - int32 → int32', inputs: [spec([4], 'bool'), spec([2, 4], 'int32')], run: (a, b) => sub(a!, b!), ref: (a, b) => R.binary(a!, b!, (p, q) => p - q), dtype: 'int32' },
  { name: 'maximum(bool, bool) → int32', inputs: [spec([5], 'bool'), spec([5], 'bool')], run: (a, b) => maximum(a!, b!), ref: (a, b) => R.binary(a!, b!, Math.max), dtype: 'int32' },
  { name: 'int32 + 2 (number adopts int32)', inputs: [spec([5], 'int32')], run: (a) => add(a!, 2), ref: (a) => R.map(a!, (v) => v + 2), dtype: 'int32' },
  { name: '3 - int32 (number on the left adopts int32)', inputs: [spec([5], 'int32')], run: (a) => sub(3, a!), ref: (a) => R.map(a!, (v) => 3 - v), dtype: 'int32' },
  { name: 'int32 + 2.5 → float32', inputs: [spec([5], 'int32')], run: (a) => add(a!, 2.5), ref: (a) => R.map(a!, (v) => v + 2.5) },
  { name: 'float32 * 3 → float32', inputs: [spec([5], 'float32')], run: (a) => mul(a!, 3), ref: (a) => R.map(a!, (v) => v * 3) },
  { name: 'bool + 2 → int32 (an integer number cannot be bool, so it is int32)', inputs: [spec([6], 'bool')], run: (a) => add(a!, 2), ref: (a) => R.map(a!, (v) => v + 2), dtype: 'int32' },
  { name: 'bool * 0.5 → float32', inputs: [spec([6], 'bool')], run: (a) => mul(a!, 0.5), ref: (a) => R.map(a!, (v) => v * 0.5) },
  { name: 'int32 + [1, 2, 3] (an integer array adopts int32)', inputs: [spec([2, 3], 'int32')], run: (a) => add(a!, [1, 2, 3]), ref: (a) => R.binary(a!, R.nd([3], [1, 2, 3]), (p, q) => p + q), dtype: 'int32' },
  { name: 'bool + 1 → int32', inputs: [spec([6], 'bool')], run: (a) => add(a!, 1), ref: (a) => R.map(a!, (v) => v + 1), dtype: 'int32' },
  { name: 'int32 / 2 → float32 (true division)', inputs: [spec([7], 'int32')], run: (a) => div(a!, 2), ref: (a) => R.map(a!, (v) => v / 2) },
  { name: 'int32 / int32 → float32', inputs: [spec([7], 'int32', ints(-20, 20)), spec([7], 'int32', awayFromZeroInt(6))], run: (a, b) => div(a!, b!), ref: (a, b) => R.binary(a!, b!, (p, q) => p / q) },
  { name: 'pow(int32, 2) → float32', inputs: [spec([7], 'int32')], run: (a) => pow(a!, 2), ref: (a) => R.map(a!, (v) => v * v) },
  { name: 'mod(int32, 3) → int32 (floor mod)', inputs: [spec([9], 'int32', ints(-20, 20))], run: (a) => mod(a!, 3), ref: (a) => R.map(a!, (v) => R.floorMod(v, 3)), dtype: 'int32' },
  { name: 'mod(int32, -3) → int32 (sign of the divisor)', inputs: [spec([9], 'int32', ints(-20, 20))], run: (a) => mod(a!, -3), ref: (a) => R.map(a!, (v) => R.floorMod(v, -3)), dtype: 'int32' },
  {
    name: 'pow with a negative base and integer exponents',
    inputs: [{ shape: [6], values: [-2, -3, -0.5, -2, -1.5, 0] }, { shape: [6], values: [3, 2, -1, 0, 2, 2] }],
    run: (a, b) => pow(a!, b!),
    ref: (a, b) => R.binary(a!, b!, Math.pow),
  },
  { name: 'pow(x, 0) is 1, pow(0, y>0) is 0', inputs: [{ shape: [4], values: [0, 3, -2, 0] }, { shape: [4], values: [0, 0, 0, 2.5] }], run: (a, b) => pow(a!, b!), ref: (a, b) => R.binary(a!, b!, Math.pow) },
  { name: 'division by zero gives ±Infinity and NaN', inputs: [{ shape: [3], values: [1, -1, 0] }, { shape: [3], values: [0, 0, 0] }], run: (a, b) => div(a!, b!), ref: (a, b) => R.binary(a!, b!, (p, q) => p / q) },
];

const COMPARE: [string, BinaryFn, (a: number, b: number) => boolean][] = [
  ['equal', equal, (a, b) => a === b],
  ['notEqual', notEqual, (a, b) => a !== b],
  ['less', less, (a, b) => a < b],
  ['lessEqual', lessEqual, (a, b) => a <= b],
  ['greater', greater, (a, b) => a > b],
  ['greaterEqual', greaterEqual, (a, b) => a >= b],
];

const ties = choice([-2, -1, 0, 0.5, 1, 2]);

function compareCases([name, f, ref]: (typeof COMPARE)[number]): OpCase[] {
  const r = (a: R.Nd, b: R.Nd): R.Nd => R.binary(a, b, (p, q) => (ref(p, q) ? 1 : 0));
  const run = (a?: Tensor, b?: Tensor): Tensor => f(a!, b!);
  return [
    { name: `${name} float32 with ties`, inputs: [spec([4, 5], 'float32', ties), spec([4, 5], 'float32', ties)], run, ref: (a, b) => r(a!, b!), dtype: 'bool' },
    { name: `${name} broadcast [3,1,4]⊕[2,1]`, inputs: [spec([3, 1, 4], 'float32', ties), spec([2, 1], 'float32', ties)], run, ref: (a, b) => r(a!, b!), dtype: 'bool' },
    { name: `${name} int32 with ties`, inputs: [spec([12], 'int32', ints(-2, 2)), spec([12], 'int32', ints(-2, 2))], run, ref: (a, b) => r(a!, b!), dtype: 'bool' },
    { name: `${name} bool`, inputs: [spec([8], 'bool'), spec([8], 'bool')], run, ref: (a, b) => r(a!, b!), dtype: 'bool' },
    { name: `${name} int32 vs float32 (compared as float)`, inputs: [spec([10], 'int32', ints(-2, 2)), spec([10], 'float32', ties)], run, ref: (a, b) => r(a!, b!), dtype: 'bool' },
    { name: `${name} int32 vs 0.5`, inputs: [spec([6], 'int32', ints(-2, 2))], run: (a) => f(a!, 0.5), ref: (a) => r(a!, R.nd([], [0.5])), dtype: 'bool' },
    { name: `${name} scalar vs tensor`, inputs: [spec([], 'float32', ties), spec([2, 3], 'float32', ties)], run, ref: (a, b) => r(a!, b!), dtype: 'bool' },
    { name: `${name} size-0`, inputs: [spec([0, 3], 'float32'), spec([3], 'float32')], run, ref: (a, b) => r(a!, b!), dtype: 'bool' },
  ];
}

const b2 = (f: (a: boolean, b: boolean) => boolean) => (a: R.Nd, b: R.Nd): R.Nd => R.binary(a, b, (p, q) => (f(p !== 0, q !== 0) ? 1 : 0));

const LOGIC: OpCase[] = [
  { name: 'logicalAnd', inputs: [spec([3, 4], 'bool'), spec([3, 4], 'bool')], run: (a, b) => logicalAnd(a!, b!), ref: (a, b) => b2((p, q) => p && q)(a!, b!), dtype: 'bool' },
  { name: 'logicalAnd broadcast [3,1]⊕[4]', inputs: [spec([3, 1], 'bool'), spec([4], 'bool')], run: (a, b) => logicalAnd(a!, b!), ref: (a, b) => b2((p, q) => p && q)(a!, b!), dtype: 'bool' },
  { name: 'logicalOr', inputs: [spec([3, 4], 'bool'), spec([3, 4], 'bool')], run: (a, b) => logicalOr(a!, b!), ref: (a, b) => b2((p, q) => p || q)(a!, b!), dtype: 'bool' },
  { name: 'logicalOr broadcast with scalar', inputs: [spec([2, 3], 'bool'), spec([], 'bool')], run: (a, b) => logicalOr(a!, b!), ref: (a, b) => b2((p, q) => p || q)(a!, b!), dtype: 'bool' },
  { name: 'logicalOr with a plain boolean', inputs: [spec([5], 'bool')], run: (a) => logicalOr(a!, false), ref: (a) => R.map(a!, (v) => (v ? 1 : 0)), dtype: 'bool' },
  { name: 'logicalXor broadcast [2,1,3]⊕[4,1]', inputs: [spec([2, 1, 3], 'bool'), spec([4, 1], 'bool')], run: (a, b) => logicalXor(a!, b!), ref: (a, b) => b2((p, q) => p !== q)(a!, b!), dtype: 'bool' },
  { name: 'logicalNot', inputs: [spec([2, 5], 'bool')], run: (a) => logicalNot(a!), ref: (a) => R.map(a!, (v) => (v ? 0 : 1)), dtype: 'bool' },
  { name: 'logicalNot size-0', inputs: [spec([0], 'bool')], run: (a) => logicalNot(a!), ref: (a) => R.map(a!, (v) => (v ? 0 : 1)), dtype: 'bool' },
];

const sel = (c: R.Nd, a: R.Nd, b: R.Nd): R.Nd => R.broadcastMap([c, a, b], (p, q, s) => (p ? q : s));

const WHERE: OpCase[] = [
  { name: 'where same shape', inputs: [spec([3, 4], 'bool'), spec([3, 4], 'float32'), spec([3, 4], 'float32')], run: (c, a, b) => where(c!, a!, b!), ref: (c, a, b) => sel(c!, a!, b!) },
  { name: 'where broadcast cond [3,1], a [4], b []', inputs: [spec([3, 1], 'bool'), spec([4], 'float32'), spec([], 'float32')], run: (c, a, b) => where(c!, a!, b!), ref: (c, a, b) => sel(c!, a!, b!) },
  { name: 'where broadcast cond [5] over a [2,5]', inputs: [spec([5], 'bool'), spec([2, 5], 'float32'), spec([2, 1], 'float32')], run: (c, a, b) => where(c!, a!, b!), ref: (c, a, b) => sel(c!, a!, b!) },
  { name: 'where int32 branches → int32', inputs: [spec([6], 'bool'), spec([6], 'int32'), spec([6], 'int32')], run: (c, a, b) => where(c!, a!, b!), ref: (c, a, b) => sel(c!, a!, b!), dtype: 'int32' },
  { name: 'where int32 vs float32 → float32', inputs: [spec([6], 'bool'), spec([6], 'int32'), spec([6], 'float32')], run: (c, a, b) => where(c!, a!, b!), ref: (c, a, b) => sel(c!, a!, b!) },
  { name: 'where bool branches → bool', inputs: [spec([6], 'bool'), spec([6], 'bool'), spec([6], 'bool')], run: (c, a, b) => where(c!, a!, b!), ref: (c, a, b) => sel(c!, a!, b!), dtype: 'bool' },
  { name: 'where(c, int32, 0) keeps int32', inputs: [spec([2, 3], 'bool'), spec([2, 3], 'int32')], run: (c, a) => where(c!, a!, 0), ref: (c, a) => sel(c!, a!, R.nd([], [0])), dtype: 'int32' },
  { name: 'where(c, 1, -1) from numbers', inputs: [spec([7], 'bool')], run: (c) => where(c!, 1, -1), ref: (c) => R.map(c!, (v) => (v ? 1 : -1)) },
  { name: 'where scalar cond', inputs: [spec([], 'bool'), spec([2, 2], 'float32'), spec([2, 2], 'float32')], run: (c, a, b) => where(c!, a!, b!), ref: (c, a, b) => sel(c!, a!, b!) },
];

export function binarySuite(ctx: SuiteContext): void {
  const all = BINARY.flatMap(binaryCases);
  caseSuite(ctx, 'binary ops with broadcasting', all.filter((c) => !c.name.endsWith('same shape') && !c.name.includes('column')));
  caseSuite(ctx, 'binary ops on transposed and sliced inputs', all.filter((c) => c.name.endsWith('same shape') || c.name.includes('column')), ['transposed', 'sliced']);
  caseSuite(ctx, 'dtype rules of binary ops', DTYPE_RULES);
  caseSuite(ctx, 'comparisons', COMPARE.flatMap(compareCases));
  caseSuite(ctx, 'logical ops', LOGIC, ['sliced']);
  caseSuite(ctx, 'where', WHERE, ['sliced']);
}
