import { ENGINE, Random, setBackend, tensor, type DataType, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { erfBySeries } from '../src/kernels/math.js';
import { expectClose, ints, sizeOf, strides, uniform, unravel, useBackend, values } from './helpers.js';

useBackend();

const run = (name: string, inputs: Tensor[], attrs: Record<string, unknown> = {}): Tensor => ENGINE.runKernel(name, inputs, attrs)[0]!;

/** Broadcasts shapes NumPy-style and maps an output flat index to each input's flat index. */
function broadcastRef(shapes: number[][]): { out: number[]; index: (i: number) => number[] } {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = Array.from({ length: rank }, (_, d) => {
    const ds = shapes.map((s) => s[d - rank + s.length] ?? 1);
    return ds.find((v) => v !== 1) ?? 1;
  });
  const st = shapes.map(strides);
  return {
    out,
    index: (i) => {
      const idx = unravel(i, out);
      return shapes.map((s, k) => s.reduce((acc, dim, j) => acc + (dim === 1 ? 0 : idx[j + rank - s.length]! * st[k]![j]!), 0));
    },
  };
}

function floorMod(a: number, b: number): number {
  const r = a - Math.floor(a / b) * b;
  return r;
}

const SHAPE_PAIRS: [number[], number[]][] = [
  [[2, 3, 4], [2, 3, 4]],
  [[2, 3, 4], []],
  [[], [2, 3, 4]],
  [[2, 3, 4], [4]],
  [[2, 1, 4], [3, 1]],
  [[1, 3, 1], [2, 1, 5]],
  [[5, 1], [1, 6]],
  [[2, 3, 4, 5], [3, 1, 5]],
  [[7, 1, 1, 3], [1, 4, 2, 1]],
  [[0, 3], [3]],
  [[0, 3], [1, 1]],
  [[3, 0], [3, 1]],
];

describe('unary float kernels', () => {
  const r = new Random(1);
  const cases: [string, (v: number) => number, number, number][] = [
    ['Exp', Math.exp, -5, 5],
    ['Log', Math.log, 0.01, 10],
    ['Log1p', Math.log1p, -0.9, 10],
    ['Expm1', Math.expm1, -3, 3],
    ['Sqrt', Math.sqrt, 0, 10],
    ['Rsqrt', (v) => 1 / Math.sqrt(v), 0.01, 10],
    ['Reciprocal', (v) => 1 / v, 0.1, 10],
    ['Sin', Math.sin, -10, 10],
    ['Cos', Math.cos, -10, 10],
    ['Tanh', Math.tanh, -5, 5],
    ['Sigmoid', (v) => 1 / (1 + Math.exp(-v)), -10, 10],
    ['Softplus', (v) => Math.log(1 + Math.exp(v)), -10, 10],
    ['Erf', erfBySeries, 0, 4],
  ];
  for (const [name, ref, lo, hi] of cases) {
    it(`${name} matches a float64 reference on random inputs`, () => {
      const x = tensor(uniform(r, 300, lo, hi), [3, 100]);
      const input = values(x);
      const y = run(name, [x]);
      expect(y.shape).toEqual([3, 100]);
      expect(y.dtype).toBe('float32');
      const want = name === 'Erf' ? input.map((v) => Math.sign(v) * erfBySeries(Math.abs(v))) : input.map(ref);
      expectClose(values(y), want, 1e-6);
    });
  }

  it('Erf is odd and handles tails, zero and NaN', () => {
    const y = values(run('Erf', [tensor([-1, -0.3, 0, 1e-20, 7, -30, Infinity, NaN])]));
    expectClose(y, [-0.8427007929497149, -0.3286267594591112, 0, 1.1283791670955127e-20, 1, -1, 1, NaN], 1e-7);
  });

  it('Sigmoid and Softplus stay finite and exact for large |x|', () => {
    const x = tensor([-1000, -80, -30, 0, 30, 80, 1000]);
    expectClose(values(run('Sigmoid', [x])), [0, Math.exp(-80), 1 / (1 + Math.exp(30)), 0.5, 1, 1, 1], 1e-6);
    const sp = values(run('Softplus', [x]));
    expectClose(sp, [0, Math.exp(-80), Math.log1p(Math.exp(-30)), Math.LN2, 30, 80, 1000], 1e-6);
    expect(sp[0]).toBe(0);
    expect(sp[1]! / Math.exp(-80)).toBeCloseTo(1, 5);
  });

  it('size-0 inputs give size-0 outputs', () => {
    const y = run('Exp', [tensor([], [0, 3])]);
    expect(y.shape).toEqual([0, 3]);
    expect(y.size).toBe(0);
  });
});

describe('Erf in float64 mode', () => {
  it('is accurate to ~1e-15 and its finite differences match its derivative', async () => {
    expect(await setBackend('cpu64')).toBe(true);
    try {
      const known: [number, number][] = [
        [0.1, 0.1124629160182849],
        [0.5, 0.5204998778130465],
        [1, 0.8427007929497149],
        [2, 0.9953222650189527],
        [3, 0.9999779095030014],
      ];
      expectClose(values(run('Erf', [tensor(known.map((k) => k[0]))])), known.map((k) => k[1]), 1e-15);
      const r = new Random(2);
      const xs = uniform(r, 400, -4.5, 4.5);
      const h = 1e-5;
      const up = values(run('Erf', [tensor(xs.map((v) => v + h))]));
      const down = values(run('Erf', [tensor(xs.map((v) => v - h))]));
      const slope = xs.map((_, i) => (up[i]! - down[i]!) / (2 * h));
      expectClose(slope, xs.map((v) => (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v)), 1e-9);
    } finally {
      await setBackend('cpu');
    }
  });
});

describe('dtype-keeping unary kernels', () => {
  const r = new Random(3);
  const refs: [string, (v: number) => number][] = [
    ['Neg', (v) => -v],
    ['Abs', Math.abs],
    ['Square', (v) => v * v],
    ['Sign', Math.sign],
    ['Relu', (v) => Math.max(v, 0)],
    ['Floor', Math.floor],
    ['Ceil', Math.ceil],
  ];
  for (const [name, ref] of refs) {
    it(`${name} on float32 and int32`, () => {
      const xf = tensor(uniform(r, 64, -5, 5), [8, 8]);
      expectClose(values(run(name, [xf])), values(xf).map(ref), 1e-6);
      const xi = tensor(ints(r, 64, -1000, 1000), [8, 8], 'int32');
      const yi = run(name, [xi]);
      expect(yi.dtype).toBe('int32');
      expect(values(yi)).toEqual(values(xi).map(ref).map((v) => v | 0));
    });
  }

  it('Round is half to even', () => {
    const y = values(run('Round', [tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.6, -2.6, 7])]));
    expect(y).toEqual([0, 2, 2, -0, -2, -2, 2, 3, -3, 7]);
  });

  it('int32 wraps like int32 arithmetic', () => {
    const x = tensor([-2147483648, 65536, 46341], [3], 'int32');
    expect(values(run('Neg', [x]))).toEqual([-2147483648, -65536, -46341]);
    expect(values(run('Square', [x]))).toEqual([0, 0, Math.imul(46341, 46341)]);
    expect(values(run('Abs', [x]))).toEqual([-2147483648, 65536, 46341]);
  });

  it('Relu keeps NaN', () => {
    expect(values(run('Relu', [tensor([NaN, -1, 2])]))).toEqual([NaN, 0, 2]);
  });
});

describe('binary kernels broadcast NumPy-style', () => {
  const r = new Random(4);
  const floatOps: [string, (a: number, b: number) => number][] = [
    ['Add', (a, b) => a + b],
    ['Sub', (a, b) => a - b],
    ['Mul', (a, b) => a * b],
    ['Div', (a, b) => a / b],
    ['Pow', (a, b) => Math.pow(a, b)],
    ['Maximum', Math.max],
    ['Minimum', Math.min],
    ['Mod', floorMod],
  ];
  for (const [name, ref] of floatOps) {
    it(`${name} (float32) over ${SHAPE_PAIRS.length} shape pairs`, () => {
      for (const [sa, sb] of SHAPE_PAIRS) {
        // Positive bases keep Pow real; divisors away from zero keep Div and Mod well-conditioned.
        const a = tensor(uniform(r, sizeOf(sa), name === 'Pow' ? 0.1 : -3, 3), sa);
        const b = tensor(uniform(r, sizeOf(sb), 0.5, 2).map((v, i) => (i % 2 && name !== 'Pow' ? -v : v)), sb);
        const y = run(name, [a, b]);
        const { out, index } = broadcastRef([sa, sb]);
        expect(y.shape).toEqual(out);
        const av = values(a);
        const bv = values(b);
        const want = Array.from({ length: sizeOf(out) }, (_, i) => {
          const [ia, ib] = index(i);
          return ref(av[ia!]!, bv[ib!]!);
        });
        expectClose(values(y), want, 1e-5);
      }
    });
  }

  const intOps: [string, (a: number, b: number) => number][] = [
    ['Add', (a, b) => (a + b) | 0],
    ['Sub', (a, b) => (a - b) | 0],
    ['Mul', Math.imul],
    ['Maximum', Math.max],
    ['Minimum', Math.min],
    ['Mod', floorMod],
  ];
  for (const [name, ref] of intOps) {
    it(`${name} (int32) over ${SHAPE_PAIRS.length} shape pairs`, () => {
      for (const [sa, sb] of SHAPE_PAIRS) {
        const a = tensor(ints(r, sizeOf(sa), -50, 50), sa, 'int32');
        const b = tensor(ints(r, sizeOf(sb), 1, 9).map((v, i) => (i % 2 ? -v : v)), sb, 'int32');
        const y = run(name, [a, b]);
        expect(y.dtype).toBe('int32');
        const { out, index } = broadcastRef([sa, sb]);
        const av = values(a);
        const bv = values(b);
        expect(values(y)).toEqual(Array.from({ length: sizeOf(out) }, (_, i) => {
          const [ia, ib] = index(i);
          return ref(av[ia!]!, bv[ib!]!);
        }));
      }
    });
  }

  it('Mod is floor mod with the sign of the divisor, for float and int', () => {
    const a = [5, -5, 5, -5, 7, -7, 0];
    const b = [3, 3, -3, -3, 7, 2, -3];
    const want = [2, 1, -1, -2, 0, 1, -0];
    expect(values(run('Mod', [tensor(a), tensor(b)]))).toEqual(want);
    expect(values(run('Mod', [tensor(a, [7], 'int32'), tensor(b, [7], 'int32')]))).toEqual(want.map((v) => v | 0));
    expectClose(values(run('Mod', [tensor([5.5, -5.5, 1]), tensor([2, 2, 0])])), [1.5, 0.5, NaN]);
    expect(values(run('Mod', [tensor([5], [1], 'int32'), tensor([0], [1], 'int32')]))).toEqual([0]);
  });

  it('int32 Mul and Add wrap around', () => {
    const a = tensor([2147483647, 65536, -2147483648], [3], 'int32');
    const b = tensor([2, 65536, -1], [3], 'int32');
    expect(values(run('Mul', [a, b]))).toEqual([-2, 0, -2147483648]);
    expect(values(run('Add', [a, b]))).toEqual([-2147483647, 131072, 2147483647]);
  });
});

describe('comparison and logic kernels', () => {
  const r = new Random(5);
  const cmp: [string, (a: number, b: number) => boolean][] = [
    ['Equal', (a, b) => a === b],
    ['NotEqual', (a, b) => a !== b],
    ['Less', (a, b) => a < b],
    ['LessEqual', (a, b) => a <= b],
    ['Greater', (a, b) => a > b],
    ['GreaterEqual', (a, b) => a >= b],
  ];
  for (const [name, ref] of cmp) {
    for (const dtype of ['float32', 'int32', 'bool'] as DataType[]) {
      it(`${name} on ${dtype} outputs bool`, () => {
        for (const [sa, sb] of SHAPE_PAIRS) {
          // Few distinct values so that ties are common.
          const gen = (n: number): number[] => ints(r, n, dtype === 'bool' ? 0 : -2, dtype === 'bool' ? 2 : 3);
          const a = tensor(gen(sizeOf(sa)), sa, dtype);
          const b = tensor(gen(sizeOf(sb)), sb, dtype);
          const y = run(name, [a, b]);
          expect(y.dtype).toBe('bool');
          const { out, index } = broadcastRef([sa, sb]);
          const av = values(a);
          const bv = values(b);
          expect(values(y)).toEqual(Array.from({ length: sizeOf(out) }, (_, i) => {
            const [ia, ib] = index(i);
            return ref(av[ia!]!, bv[ib!]!) ? 1 : 0;
          }));
        }
      });
    }
  }

  it('Equal treats NaN as unequal to itself', () => {
    expect(values(run('Equal', [tensor([NaN, 1]), tensor([NaN, 1])]))).toEqual([0, 1]);
    expect(values(run('NotEqual', [tensor([NaN, 1]), tensor([NaN, 1])]))).toEqual([1, 0]);
  });

  it('LogicalAnd, LogicalOr, LogicalNot', () => {
    const a = tensor([[true], [false]]);
    const b = tensor([true, false, true]);
    expect(values(run('LogicalAnd', [a, b]))).toEqual([1, 0, 1, 0, 0, 0]);
    expect(values(run('LogicalOr', [a, b]))).toEqual([1, 1, 1, 1, 0, 1]);
    expect(values(run('LogicalNot', [b]))).toEqual([0, 1, 0]);
  });

  it('Select broadcasts condition, a and b together and keeps their dtype', () => {
    for (const dtype of ['float32', 'int32', 'bool'] as DataType[]) {
      const shapes = [[2, 1, 3], [4, 1], []];
      const cond = tensor(ints(r, 6, 0, 2), shapes[0], 'bool');
      const a = tensor(ints(r, 4, 0, 2), shapes[1], dtype);
      const b = tensor(ints(r, 1, 0, 2), shapes[2], dtype);
      const y = run('Select', [cond, a, b]);
      expect(y.dtype).toBe(dtype);
      const { out, index } = broadcastRef(shapes);
      expect(y.shape).toEqual(out);
      const [cv, av, bv] = [values(cond), values(a), values(b)];
      expect(values(y)).toEqual(Array.from({ length: sizeOf(out) }, (_, i) => {
        const [ic, ia, ib] = index(i);
        return cv[ic!] ? av[ia!] : bv[ib!];
      }));
    }
  });
});

describe('Cast', () => {
  it('truncates float to int and maps nonzero (and NaN) to true', () => {
    const x = tensor([1.7, -1.7, 2.5, -0.2, 0, -0, NaN]);
    expect(values(run('Cast', [x], { dtype: 'int32' }))).toEqual([1, -1, 2, 0, 0, 0, 0]);
    expect(values(run('Cast', [x], { dtype: 'bool' }))).toEqual([1, 1, 1, 1, 0, 0, 1]);
    const i = tensor([3, 0, -2], [3], 'int32');
    expect(run('Cast', [i], { dtype: 'float32' }).dataSync()).toEqual(new Float32Array([3, 0, -2]));
    expect(values(run('Cast', [i], { dtype: 'bool' }))).toEqual([1, 0, 1]);
    const b = tensor([true, false]);
    expect(values(run('Cast', [b], { dtype: 'float32' }))).toEqual([1, 0]);
    expect(values(run('Cast', [b], { dtype: 'int32' }))).toEqual([1, 0]);
    expect(run('Cast', [tensor([], [2, 0])], { dtype: 'int32' }).shape).toEqual([2, 0]);
  });
});
