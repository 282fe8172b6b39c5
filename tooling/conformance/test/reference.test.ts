// The references are the ground truth of the suite, so they are checked against hand-computed values.
import { describe, expect, it } from 'vitest';
import * as R from '../src/reference.js';
import { expectClose } from '../src/tolerance.js';

describe('float64 references', () => {
  it('erf matches tabulated values in both regimes', () => {
    const table: [number, number][] = [
      [0, 0],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [-2, -0.9953222650189527],
      [2.4, 0.999311486103355],
      [3, 0.9999779095030014],
      [-4.5, -0.9999999998033839],
    ];
    for (const [x, e] of table) expect(R.erf(x)).toBeCloseTo(e, 14);
  });

  it('roundHalfEven, floorMod and the stable activations', () => {
    // (+ 0 folds -0 into 0: the sign of a zero result is not part of the contract)
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6, -2.4].map((v) => R.roundHalfEven(v) + 0)).toEqual([-2, -2, 0, 0, 2, 2, 3, -2]);
    expect([R.floorMod(-7, 3), R.floorMod(7, -3), R.floorMod(-7, -3), R.floorMod(6, 3), R.floorMod(-1.5, 1)]).toEqual([2, -2, -1, 0, 0.5]);
    expect(R.softplus(1000)).toBe(1000);
    expect(R.softplus(-1000)).toBe(0);
    expect(R.sigmoid(-1000)).toBe(0);
    expect(R.softplus(0)).toBeCloseTo(Math.LN2, 15);
  });

  it('broadcasts, reduces and finds first extrema', () => {
    const a = R.nd([2, 1], [1, 2]);
    const b = R.nd([3], [10, 20, 30]);
    expect(R.binary(a, b, (p, q) => p + q)).toEqual(R.nd([2, 3], [11, 21, 31, 12, 22, 32]));
    const x = R.nd([2, 3], [1, 5, 5, 7, -1, 7]);
    expect(R.reduce(x, 1, false, R.sumOf)).toEqual(R.nd([2], [11, 13]));
    expect(R.reduce(x, [0], true, R.maxOf)).toEqual(R.nd([1, 3], [7, 5, 7]));
    expect(R.reduce(x, undefined, false, R.minOf)).toEqual(R.nd([], [-1]));
    expect(R.argReduce(x, 1, (p, q) => p > q)).toEqual(R.nd([2], [1, 0]));
  });

  it('matmul with transposes and batch broadcasting', () => {
    const a = R.nd([2, 2], [1, 2, 3, 4]);
    const b = R.nd([2, 2], [5, 6, 7, 8]);
    expect(R.matmul(a, b)).toEqual(R.nd([2, 2], [19, 22, 43, 50]));
    expect(R.matmul(a, b, true, false)).toEqual(R.nd([2, 2], [26, 30, 38, 44]));
    expect(R.matmul(a, b, false, true)).toEqual(R.nd([2, 2], [17, 23, 39, 53]));
    const batched = R.matmul(R.nd([2, 1, 2], [1, 0, 0, 1]), b);
    expect(batched).toEqual(R.nd([2, 1, 2], [5, 6, 7, 8]));
  });

  it('layout ops', () => {
    const x = R.nd([2, 3], [0, 1, 2, 3, 4, 5]);
    expect(R.transpose(x, [1, 0])).toEqual(R.nd([3, 2], [0, 3, 1, 4, 2, 5]));
    expect(R.slice(x, [1, 1], [1, 2])).toEqual(R.nd([1, 2], [4, 5]));
    expect(R.concat([x, R.nd([2, 1], [9, 9])], 1)).toEqual(R.nd([2, 4], [0, 1, 2, 9, 3, 4, 5, 9]));
    expect(R.pad(R.nd([1], [7]), [[1, 2]], 0)).toEqual(R.nd([4], [0, 7, 0, 0]));
    expect(R.tile(R.nd([2], [1, 2]), [2])).toEqual(R.nd([4], [1, 2, 1, 2]));
    expect(R.gather(x, R.nd([2], [2, 0]), 1)).toEqual(R.nd([2, 2], [2, 0, 5, 3]));
  });

  it('conv2d, pooling and TensorFlow SAME padding', () => {
    expect(R.spatialPadding(5, 3, 2, 1, 'same')).toEqual({ out: 3, before: 1, after: 1 });
    expect(R.spatialPadding(6, 3, 2, 1, 'same')).toEqual({ out: 3, before: 0, after: 1 });
    expect(R.spatialPadding(7, 3, 1, 2, 'valid')).toEqual({ out: 3, before: 0, after: 0 });
    const x = R.nd([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const f = R.nd([2, 2, 1, 1], [1, 0, 0, -1]);
    const g = R.convGeometry(3, 3, 2, 2, [1, 1], 'valid', [1, 1]);
    expect(R.conv2d(x, f, g)).toEqual(R.nd([1, 2, 2, 1], [-4, -4, -4, -4]));
    const same = R.convGeometry(3, 3, 2, 2, [2, 2], 'same', [1, 1]);
    expect(R.avgPool(x, [2, 2], same)).toEqual(R.nd([1, 2, 2, 1], [3, 4.5, 7.5, 9]));
    expect(R.maxPool(R.nd([1, 2, 2, 1], [-5, -6, -7, -8]), [3, 3], R.convGeometry(2, 2, 3, 3, [1, 1], 'same', [1, 1]))).toEqual(
      R.nd([1, 2, 2, 1], [-5, -5, -5, -5]),
    );
  });

  it('depthwiseConv2d convolves each channel with its own taps', () => {
    // Channel 0 [1,2,3] with taps [1,-1]; channel 1 [10,20,30] with taps [2,0.5].
    const x = R.nd([1, 3, 1, 2], [1, 10, 2, 20, 3, 30]);
    const f = R.nd([2, 1, 2, 1], [1, 2, -1, 0.5]);
    expect(R.depthwiseConv2d(x, f, R.convGeometry(3, 1, 2, 1, [1, 1], 'valid', [1, 1]))).toEqual(R.nd([1, 2, 1, 2], [-1, 30, -1, 55]));
  });

  it('conv2d backprop references are the adjoints of conv2d', () => {
    // <conv2d(x, f), dy> == <x, dx(dy, f)> == <f, df(x, dy)> for any x, f, dy.
    const x = R.nd([1, 4, 5, 2], Array.from({ length: 40 }, (_, i) => Math.sin(i)));
    const f = R.nd([3, 2, 2, 3], Array.from({ length: 36 }, (_, i) => Math.cos(i)));
    const g = R.convGeometry(4, 5, 3, 2, [2, 1], 'same', [1, 2]);
    const y = R.conv2d(x, f, g);
    const dy = R.nd(y.shape, y.data.map((_, i) => Math.sin(3 * i + 1)));
    const dot = (p: R.Nd, q: R.Nd): number => p.data.reduce((s, v, i) => s + v * q.data[i]!, 0);
    expect(dot(x, R.conv2dBackpropInput(dy, f, x.shape, g))).toBeCloseTo(dot(y, dy), 10);
    expect(dot(f, R.conv2dBackpropFilter(x, dy, f.shape, g))).toBeCloseTo(dot(y, dy), 10);
  });
});

describe('expectClose', () => {
  it('passes within tolerance and treats NaN and infinities as values', () => {
    expect(() => expectClose([1, NaN, Infinity], [1 + 1e-7, NaN, Infinity], { rtol: 1e-6, atol: 0 })).not.toThrow();
  });

  it('names the op, the index, both values and the mismatch count', () => {
    expect(() => expectClose([1, 2, 3.5, 9], [1, 2, 3, 4], { op: 'add', shape: [2, 2], rtol: 0, atol: 0.1 })).toThrow(
      'add: at flat index 2 [1,0] of shape [2,2] got 3.5, expected 3 (|diff| 0.5 > atol 0.1 + rtol 0·|expected|); 2 of 4 values differ',
    );
    expect(() => expectClose([NaN], [0], { op: 'exp' })).toThrow('exp: at flat index 0 got NaN, expected 0');
    expect(() => expectClose([1], [1, 2], { op: 'slice' })).toThrow('slice: got 1 values, expected 2');
  });
});
