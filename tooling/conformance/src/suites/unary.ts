import {
  abs, ceil, clip, clipByValue, cos, elu, erf, exp, expm1, floor, gelu, leakyRelu, log, log1p, neg, reciprocal, relu,
  relu6, round, rsqrt, selu, sigmoid, sign, sin, softplus, sqrt, square, swish, tanh, type Tensor,
} from '@tessera/core';
import { caseSuite, type OpCase, type SuiteContext } from '../harness.js';
import { awayFromZero, bools, ints, uniform, type Gen } from '../inputs.js';
import * as R from '../reference.js';

interface UnaryOp {
  name: string;
  f: (x: Tensor) => Tensor;
  ref: (v: number) => number;
  /** Float inputs in the op's interesting range. */
  gen: Gen;
  /** 'keep' ops return int32 for int32/bool input; 'float' ops always return float32. */
  kind: 'keep' | 'float';
  /** int32 inputs valid for the op. */
  intGen?: Gen;
  tolScale?: number;
}

/** Mostly uniform draws with some exact zeros (sign, relu and friends branch on 0). */
const withZeros = (g: Gen): Gen => (r) => (r.next() < 0.15 ? 0 : g(r));
/** Exact halves (round's ties), integers and ordinary values. */
const halves: Gen = (r) => {
  const k = r.next();
  if (k < 0.4) return (r.int(21) - 10) + 0.5;
  if (k < 0.55) return r.int(21) - 10;
  return Math.fround(r.uniform(-10, 10));
};

const UNARY: UnaryOp[] = [
  { name: 'neg', f: neg, ref: (v) => -v, gen: uniform(-5, 5), kind: 'keep', intGen: ints(-9, 9) },
  { name: 'abs', f: abs, ref: Math.abs, gen: withZeros(uniform(-5, 5)), kind: 'keep', intGen: ints(-9, 9) },
  { name: 'square', f: square, ref: (v) => v * v, gen: uniform(-5, 5), kind: 'keep', intGen: ints(-99, 99) },
  { name: 'sign', f: sign, ref: (v) => (v > 0 ? 1 : v < 0 ? -1 : 0), gen: withZeros(uniform(-5, 5)), kind: 'keep', intGen: ints(-3, 3) },
  { name: 'relu', f: relu, ref: (v) => Math.max(v, 0), gen: withZeros(uniform(-5, 5)), kind: 'keep', intGen: ints(-9, 9) },
  { name: 'relu6', f: relu6, ref: (v) => Math.min(Math.max(v, 0), 6), gen: withZeros(uniform(-4, 10)), kind: 'keep', intGen: ints(-9, 9) },
  { name: 'floor', f: floor, ref: Math.floor, gen: halves, kind: 'keep', intGen: ints(-9, 9) },
  { name: 'ceil', f: ceil, ref: Math.ceil, gen: halves, kind: 'keep', intGen: ints(-9, 9) },
  { name: 'round (half to even)', f: round, ref: R.roundHalfEven, gen: halves, kind: 'keep', intGen: ints(-9, 9) },
  {
    name: 'clipByValue(-1.5, 2)',
    f: (x) => clipByValue(x, -1.5, 2),
    ref: (v) => Math.min(Math.max(v, -1.5), 2),
    gen: uniform(-4, 4),
    kind: 'float',
  },
  { name: 'clipByValue(-2, 3) int', f: (x) => clipByValue(x, -2, 3), ref: (v) => Math.min(Math.max(v, -2), 3), gen: uniform(-4, 4), kind: 'keep', intGen: ints(-9, 9) },
  { name: 'clip (alias)', f: (x) => clip(x, 0, 1), ref: (v) => Math.min(Math.max(v, 0), 1), gen: uniform(-2, 2), kind: 'float' },
  { name: 'exp', f: exp, ref: Math.exp, gen: uniform(-10, 10), kind: 'float', intGen: ints(-9, 9) },
  { name: 'log', f: log, ref: Math.log, gen: uniform(0.001, 100), kind: 'float', intGen: ints(1, 99) },
  { name: 'log1p', f: log1p, ref: Math.log1p, gen: uniform(-0.99, 10), kind: 'float', intGen: ints(0, 99) },
  { name: 'expm1', f: expm1, ref: Math.expm1, gen: uniform(-5, 5), kind: 'float', intGen: ints(-9, 9) },
  { name: 'sqrt', f: sqrt, ref: Math.sqrt, gen: withZeros(uniform(0, 100)), kind: 'float', intGen: ints(0, 99) },
  { name: 'rsqrt', f: rsqrt, ref: (v) => 1 / Math.sqrt(v), gen: uniform(0.01, 100), kind: 'float', intGen: ints(1, 99) },
  { name: 'reciprocal', f: reciprocal, ref: (v) => 1 / v, gen: awayFromZero(0.05, 20), kind: 'float', intGen: ints(1, 9) },
  { name: 'sin', f: sin, ref: Math.sin, gen: uniform(-10, 10), kind: 'float', intGen: ints(-9, 9) },
  { name: 'cos', f: cos, ref: Math.cos, gen: uniform(-10, 10), kind: 'float', intGen: ints(-9, 9) },
  { name: 'tanh', f: tanh, ref: Math.tanh, gen: uniform(-6, 6), kind: 'float', intGen: ints(-9, 9) },
  { name: 'sigmoid', f: sigmoid, ref: R.sigmoid, gen: uniform(-12, 12), kind: 'float', intGen: ints(-9, 9) },
  { name: 'softplus', f: softplus, ref: R.softplus, gen: uniform(-12, 12), kind: 'float', intGen: ints(-9, 9) },
  { name: 'erf', f: erf, ref: R.erf, gen: uniform(-4, 4), kind: 'float', intGen: ints(-3, 3) },
  { name: 'leakyRelu (default alpha 0.2)', f: (x) => leakyRelu(x), ref: (v) => (v > 0 ? v : 0.2 * v), gen: withZeros(uniform(-5, 5)), kind: 'float', intGen: ints(-9, 9) },
  { name: 'leakyRelu (alpha 0.01)', f: (x) => leakyRelu(x, 0.01), ref: (v) => (v > 0 ? v : 0.01 * v), gen: uniform(-5, 5), kind: 'float' },
  { name: 'elu', f: (x) => elu(x), ref: (v) => R.elu(v), gen: withZeros(uniform(-6, 4)), kind: 'float', intGen: ints(-9, 9) },
  { name: 'elu (alpha 0.5)', f: (x) => elu(x, 0.5), ref: (v) => R.elu(v, 0.5), gen: uniform(-6, 4), kind: 'float' },
  { name: 'selu', f: selu, ref: R.selu, gen: uniform(-6, 4), kind: 'float', intGen: ints(-9, 9) },
  { name: 'gelu (erf form)', f: (x) => gelu(x), ref: R.gelu, gen: uniform(-5, 5), kind: 'float', intGen: ints(-5, 5) },
  { name: 'gelu (tanh approximation)', f: (x) => gelu(x, true), ref: R.geluTanh, gen: uniform(-5, 5), kind: 'float', intGen: ints(-5, 5) },
  { name: 'swish', f: swish, ref: (v) => v * R.sigmoid(v), gen: uniform(-8, 8), kind: 'float', intGen: ints(-9, 9) },
];

function casesFor(u: UnaryOp): OpCase[] {
  const ref = (x: R.Nd): R.Nd => R.map(x, u.ref);
  const base = { run: u.f, ref, tolScale: u.tolScale };
  const cases: OpCase[] = [
    { ...base, name: `${u.name} [3,4,5]`, inputs: [{ shape: [3, 4, 5], gen: u.gen }] },
    { ...base, name: `${u.name} scalar`, inputs: [{ shape: [], gen: u.gen }] },
    { ...base, name: `${u.name} size-0 [2,0,3]`, inputs: [{ shape: [2, 0, 3], gen: u.gen }] },
    { ...base, name: `${u.name} size-1 dims [1,7,1]`, inputs: [{ shape: [1, 7, 1], gen: u.gen }] },
  ];
  if (u.intGen) {
    const out = u.kind === 'keep' ? 'int32' : 'float32';
    cases.push({ ...base, name: `${u.name} int32 → ${out}`, inputs: [{ shape: [4, 6], dtype: 'int32', gen: u.intGen }], dtype: out });
    if (u.kind === 'keep') {
      cases.push({ ...base, name: `${u.name} bool → int32`, inputs: [{ shape: [9], dtype: 'bool', gen: bools() }], dtype: 'int32' });
    }
  }
  return cases;
}

function edge(name: string, f: (x: Tensor) => Tensor, ref: (v: number) => number, xs: number[]): OpCase {
  return { name: `${name} at ${JSON.stringify(xs)}`, inputs: [{ shape: [xs.length], values: xs }], run: f, ref: (x) => R.map(x, ref) };
}

/** Fixed inputs where naive formulas overflow, cancel or lose precision. */
const EDGE: OpCase[] = [
  edge('sigmoid', sigmoid, R.sigmoid, [-1000, -100, -30, -1e-4, 0, 1e-4, 30, 100, 1000]),
  edge('softplus', softplus, R.softplus, [-1000, -100, -30, -1e-4, 0, 1e-4, 20, 30, 100, 1000]),
  edge('tanh', tanh, Math.tanh, [-1000, -50, -1e-5, 0, 1e-5, 50, 1000]),
  edge('exp', exp, Math.exp, [-1000, -100, 0, 1e-6, 80, 100]),
  edge('log', log, Math.log, [0, 1e-30, 1, 1e30]),
  edge('log1p (tiny x keeps precision)', log1p, Math.log1p, [-1e-7, 1e-7, 3e-6, -1, 1e30]),
  edge('expm1 (tiny x keeps precision)', expm1, Math.expm1, [-1e-7, 1e-7, 3e-6, -100, 50]),
  edge('sqrt', sqrt, Math.sqrt, [0, 1e-30, 4, 1e30]),
  edge('reciprocal', reciprocal, (v) => 1 / v, [1e-30, -1e30, 0.5]),
  edge('erf', erf, R.erf, [-10, -1e-6, 0, 1e-6, 10]),
  edge('gelu', (x) => gelu(x), R.gelu, [-30, -1e-6, 0, 1e-6, 30]),
  edge('elu', (x) => elu(x), (v) => R.elu(v), [-100, -1e-6, 0, 1e-6, 100]),
];

const NAN_CASES: OpCase[] = [
  { name: 'log of a negative is NaN', inputs: [{ shape: [2], values: [-1, -0.5] }], run: log, ref: (x) => R.map(x, () => NaN) },
  { name: 'sqrt of a negative is NaN', inputs: [{ shape: [2], values: [-4, -1e-3] }], run: sqrt, ref: (x) => R.map(x, () => NaN) },
  { name: 'reciprocal of 0 is Infinity', inputs: [{ shape: [1], values: [0] }], run: reciprocal, ref: (x) => R.map(x, () => Infinity) },
  { name: 'neg of NaN is NaN', inputs: [{ shape: [1], values: [NaN] }], run: neg, ref: (x) => R.map(x, () => NaN) },
];

export function unarySuite(ctx: SuiteContext): void {
  caseSuite(ctx, 'unary ops on random inputs', UNARY.flatMap(casesFor).filter((c) => !c.name.endsWith('[3,4,5]')));
  // The main cases also run on inputs produced by transpose and slice kernels.
  caseSuite(ctx, 'unary ops on transposed and sliced inputs', UNARY.flatMap(casesFor).filter((c) => c.name.endsWith('[3,4,5]')), ['transposed', 'sliced']);
  caseSuite(ctx, 'unary ops at extreme values', [...EDGE, ...NAN_CASES]);
}
