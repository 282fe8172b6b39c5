import { tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from '../src/index.js';
import { expectClose, randomTensor, values } from './helpers.js';
import { expectNoLeaks, expectRoundTrip } from './roundtrip.js';

/** Max or mean over each window of [n, steps, c], counting only the steps inside the input (TF's 'same'). */
function pool1dRef(x: number[], [n, steps, c]: number[], k: number, s: number, padding: 'valid' | 'same', kind: 'max' | 'avg'): { out: number[]; shape: number[] } {
  const out = padding === 'valid' ? Math.floor((steps - k) / s) + 1 : Math.ceil(steps / s);
  const before = padding === 'valid' ? 0 : Math.floor(Math.max((out - 1) * s + k - steps, 0) / 2);
  const res: number[] = [];
  for (let b = 0; b < n; b++)
    for (let t = 0; t < out; t++)
      for (let ch = 0; ch < c; ch++) {
        const cells: number[] = [];
        for (let u = 0; u < k; u++) {
          const i = t * s + u - before;
          if (i >= 0 && i < steps) cells.push(x[(b * steps + i) * c + ch]!);
        }
        res.push(kind === 'max' ? Math.max(...cells) : cells.reduce((p, q) => p + q, 0) / cells.length);
      }
  return { out: res, shape: [n, out, c] };
}

describe('1-D pooling', () => {
  it('hand-computed: pool size 2 over 5 steps', () => {
    const x = tensor([1, -1, 3, 5, 2, 0, -4, 4, 6, 7], [1, 5, 2]);
    const mx = new MaxPooling1D().apply(x);
    const avg = new AveragePooling1D({ padding: 'same' }).apply(x);
    expect(mx.shape).toEqual([1, 2, 2]);
    expect(values(mx)).toEqual([3, 5, 2, 4]);
    expect(avg.shape).toEqual([1, 3, 2]);
    expect(values(avg)).toEqual([2, 2, -1, 2, 6, 7]); // the last window holds one step
    [x, mx, avg].forEach((t) => t.dispose());
  });

  const cases: { pool: number; strides?: number; padding: 'valid' | 'same'; input: number[] }[] = [
    { pool: 2, padding: 'valid', input: [2, 7, 3] },
    { pool: 3, strides: 2, padding: 'same', input: [1, 8, 2] },
    { pool: 3, strides: 1, padding: 'same', input: [2, 5, 1] },
    { pool: 2, strides: 3, padding: 'valid', input: [1, 9, 2] },
  ];
  for (const { pool, strides, padding, input } of cases) {
    it(`max and average pool ${pool} stride ${strides ?? pool} ${padding} match references`, () => {
      const x = randomTensor(input, 30 + input[1]!);
      for (const kind of ['max', 'avg'] as const) {
        const layer = kind === 'max' ? new MaxPooling1D({ poolSize: pool, strides, padding }) : new AveragePooling1D({ poolSize: [pool], strides, padding });
        const y = layer.apply(x);
        const ref = pool1dRef(values(x), input, pool, strides ?? pool, padding, kind);
        expect(y.shape).toEqual(ref.shape);
        expect(layer.computeOutputShape([null, ...input.slice(1)])).toEqual([null, ...ref.shape.slice(1)]);
        expectClose(values(y), ref.out);
        y.dispose();
        layer.dispose();
      }
      x.dispose();
    });
  }

  it('global pooling averages / maximises over the steps', () => {
    const x = randomTensor([2, 4, 3], 21);
    const v = values(x);
    const avg = new GlobalAveragePooling1D().apply(x);
    const mx = new GlobalMaxPooling1D({ keepDims: true }).apply(x);
    expect(avg.shape).toEqual([2, 3]);
    expect(mx.shape).toEqual([2, 1, 3]);
    const refAvg: number[] = [];
    const refMax: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 3; c++) {
        const cells = Array.from({ length: 4 }, (_, t) => v[(b * 4 + t) * 3 + c]!);
        refAvg.push(cells.reduce((a, q) => a + q, 0) / 4);
        refMax.push(Math.max(...cells));
      }
    expectClose(values(avg), refAvg);
    expectClose(values(mx), refMax);
    expect(new GlobalMaxPooling1D().computeOutputShape([null, null, 8])).toEqual([null, 8]);
    expect(new GlobalAveragePooling1D({ keepDims: true }).computeOutputShape([null, 5, 8])).toEqual([null, 1, 8]);
    [x, avg, mx].forEach((t) => t.dispose());
  });

  it('rejects windows that do not fit, other ranks and bad options', () => {
    expect(() => new MaxPooling1D({ poolSize: 4 }).build([null, 3, 2])).toThrow(/max_pooling1d(_\d+)? \(MaxPooling1D\): the window of 4 steps does not fit inputs of shape \[null,3,2\]/);
    const x = randomTensor([2, 4, 4, 1], 1);
    expect(() => new AveragePooling1D().apply(x)).toThrow(/expects inputs of rank 3 \[batch, steps, channels\], got \[null,4,4,1\]/);
    expect(() => new GlobalAveragePooling1D().apply(x)).toThrow(/GlobalAveragePooling1D\): expects inputs of rank 3/);
    x.dispose();
    expect(() => new MaxPooling1D({ poolSize: 0 })).toThrow(/MaxPooling1D: poolSize must be a positive integer or an array of one, got number 0/);
    expect(() => new AveragePooling1D({ padding: 'causal' as 'same' })).toThrow(/AveragePooling1D: padding must be one of 'valid', 'same'/);
    expect(() => new GlobalMaxPooling1D({ keepDims: 1 as unknown as boolean })).toThrow(/keepDims must be true or false/);
  });

  it('leaves no tensors behind, forward or backward', () => {
    expectNoLeaks(new MaxPooling1D({ poolSize: 3, strides: 2, padding: 'same' }), [2, 7, 2]);
    expectNoLeaks(new AveragePooling1D(), [2, 6, 2]);
    expectNoLeaks(new GlobalAveragePooling1D(), [2, 6, 2]);
    expectNoLeaks(new GlobalMaxPooling1D({ keepDims: true }), [2, 6, 2]);
  });

  it('round-trips through JSON', () => {
    expectRoundTrip(new MaxPooling1D({ poolSize: 3, strides: 2, padding: 'same' }), [2, 7, 2]);
    expectRoundTrip(new AveragePooling1D({ poolSize: [2] }), [1, 6, 3]);
    expectRoundTrip(new GlobalAveragePooling1D({ keepDims: true }), [2, 5, 3]);
    expectRoundTrip(new GlobalMaxPooling1D(), [2, 5, 3]);
  });
});
