import { ENGINE, Random, argMax, tensor, type DataType, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { expectClose, ints, sizeOf, uniform, unravel, useBackend, values } from './helpers.js';

useBackend();

const run = (name: string, inputs: Tensor[], attrs: Record<string, unknown>): Tensor => ENGINE.runKernel(name, inputs, attrs)[0]!;

/** Every non-empty subset of [0, rank). */
function subsets(rank: number): number[][] {
  const out: number[][] = [];
  for (let mask = 1; mask < 1 << rank; mask++) out.push([...Array(rank).keys()].filter((a) => mask & (1 << a)));
  return out;
}

/** Naive reduction: visits every element and folds it into its output cell. */
function reduceRef(x: number[], shape: number[], axes: number[], init: number, f: (acc: number, v: number) => number): { shape: number[]; values: number[] } {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = kept.map((i) => shape[i]!);
  const out = new Array<number>(sizeOf(outShape)).fill(init);
  x.forEach((v, i) => {
    const idx = unravel(i, shape);
    const o = kept.reduce((acc, d) => acc * shape[d]! + idx[d]!, 0);
    out[o] = f(out[o]!, v);
  });
  return { shape: outShape, values: out };
}

const REDUCERS: Record<string, { init: number; f: (a: number, v: number) => number }> = {
  Sum: { init: 0, f: (a, v) => a + v },
  Prod: { init: 1, f: (a, v) => a * v },
  Max: { init: -Infinity, f: Math.max },
  Min: { init: Infinity, f: Math.min },
};

describe('reductions over every axis subset', () => {
  const r = new Random(11);
  for (const shape of [[3, 4, 5], [2, 1, 7], [1, 6, 1]]) {
    for (const [name, { init, f }] of Object.entries(REDUCERS)) {
      it(`${name} of ${JSON.stringify(shape)} (float32)`, () => {
        const x = tensor(uniform(r, sizeOf(shape), 0.5, 1.5).map((v, i) => (i % 3 ? v : -v)), shape);
        for (const axes of subsets(shape.length)) {
          const y = run(name, [x], { axes });
          const want = reduceRef(values(x), shape, axes, init, f);
          expect(y.shape).toEqual(want.shape);
          expectClose(values(y), want.values, 1e-6);
        }
      });
    }
    it(`Sum/Max/Min/Prod of ${JSON.stringify(shape)} (int32) and All/Any (bool)`, () => {
      const xi = tensor(ints(r, sizeOf(shape), -3, 4), shape, 'int32');
      const xb = tensor(ints(r, sizeOf(shape), 0, 2), shape, 'bool');
      for (const axes of subsets(shape.length)) {
        for (const [name, { init, f }] of Object.entries(REDUCERS)) {
          const y = run(name, [xi], { axes });
          expect(y.dtype).toBe('int32');
          // int32 products wrap: the reference multiplies with Math.imul as well.
          expect(values(y)).toEqual(reduceRef(values(xi), shape, axes, init, name === 'Prod' ? Math.imul : f).values);
        }
        const all = run('All', [xb], { axes });
        const any = run('Any', [xb], { axes });
        expect(all.dtype).toBe('bool');
        expect(values(all)).toEqual(reduceRef(values(xb), shape, axes, 1, (a, v) => a & v).values);
        expect(values(any)).toEqual(reduceRef(values(xb), shape, axes, 0, (a, v) => a | v).values);
      }
    });
  }

  it('a rank-4 tensor with alternating kept and reduced axes', () => {
    const shape = [3, 2, 4, 5];
    const x = tensor(uniform(r, sizeOf(shape)), shape);
    for (const axes of [[0, 2], [1, 3], [0, 3], [1, 2]]) {
      expectClose(values(run('Sum', [x], { axes })), reduceRef(values(x), shape, axes, 0, (a, v) => a + v).values, 1e-6);
    }
  });

  it('empty reductions give the identity; empty outputs are empty', () => {
    const x = tensor([], [2, 0, 3]);
    const axes = [1];
    expect(values(run('Sum', [x], { axes }))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(values(run('Prod', [x], { axes }))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(values(run('Max', [x], { axes }))).toEqual(new Array(6).fill(-Infinity));
    expect(values(run('Min', [x], { axes }))).toEqual(new Array(6).fill(Infinity));
    // int32 has no infinities: its extremes stand in.
    expect(values(run('Max', [tensor([], [0], 'int32')], { axes: [0] }))).toEqual([-2147483648]);
    expect(values(run('Min', [tensor([], [0], 'int32')], { axes: [0] }))).toEqual([2147483647]);
    expect(values(run('All', [tensor([], [0], 'bool')], { axes: [0] }))).toEqual([1]);
    expect(values(run('Any', [tensor([], [0], 'bool')], { axes: [0] }))).toEqual([0]);
    const y = run('Sum', [x], { axes: [2] });
    expect(y.shape).toEqual([2, 0]);
  });

  it('sums float32 in double precision and int32 with wrap-around', () => {
    const n = 100_000;
    const x = tensor(new Float32Array(n).fill(0.1));
    expect(values(run('Sum', [x], { axes: [0] }))[0]).toBeCloseTo(Math.fround(0.1) * n, 1);
    const big = tensor([2147483647, 1, 5], [3], 'int32');
    expect(values(run('Sum', [big], { axes: [0] }))).toEqual([-2147483643]);
    expect(values(run('Prod', [tensor([65536, 65536, 3], [3], 'int32')], { axes: [0] }))).toEqual([0]);
  });

  it('Max and Min propagate NaN', () => {
    expect(values(run('Max', [tensor([1, NaN, 3])], { axes: [0] }))).toEqual([NaN]);
    expect(values(run('Min', [tensor([[1, 2], [NaN, 0]])], { axes: [0] }))).toEqual([NaN, 0]);
  });
});

describe('ArgMax and ArgMin', () => {
  const r = new Random(12);
  function argRef(x: number[], shape: number[], axis: number, better: (v: number, b: number) => boolean): number[] {
    const outShape = shape.filter((_, i) => i !== axis);
    const best = new Array<number>(sizeOf(outShape)).fill(NaN);
    const at = new Array<number>(sizeOf(outShape)).fill(-1);
    x.forEach((v, i) => {
      const idx = unravel(i, shape);
      const o = idx.filter((_, d) => d !== axis).reduce((acc, k, j) => acc * outShape[j]! + k, 0);
      if (at[o] === -1 || better(v, best[o]!)) {
        best[o] = v;
        at[o] = idx[axis]!;
      }
    });
    return at;
  }
  for (const dtype of ['float32', 'int32'] as DataType[]) {
    it(`first index wins ties, every axis of a rank-3 ${dtype} tensor`, () => {
      const shape = [4, 5, 6];
      // Values from a small set: many ties.
      const x = tensor(ints(r, sizeOf(shape), -3, 4), shape, dtype);
      for (let axis = 0; axis < 3; axis++) {
        const mx = run('ArgMax', [x], { axis });
        expect(mx.dtype).toBe('int32');
        expect(mx.shape).toEqual(shape.filter((_, i) => i !== axis));
        expect(values(mx)).toEqual(argRef(values(x), shape, axis, (v, b) => v > b));
        expect(values(run('ArgMin', [x], { axis }))).toEqual(argRef(values(x), shape, axis, (v, b) => v < b));
      }
    });
  }

  it('picks the first NaN like NumPy, and works through the public op', () => {
    expect(values(run('ArgMax', [tensor([1, NaN, 5, NaN])], { axis: 0 }))).toEqual([1]);
    expect(values(run('ArgMin', [tensor([[1, 0], [NaN, -1], [NaN, -1]])], { axis: 0 }))).toEqual([1, 1]);
    expect(values(argMax(tensor([[1, 9, 9], [7, 7, 2]]), 1))).toEqual([1, 0]);
    expect(run('ArgMax', [tensor([], [0, 4])], { axis: 1 }).shape).toEqual([0]);
  });
});
