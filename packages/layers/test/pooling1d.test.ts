import { tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from '../src/index.js';
import { expectClose, expectMatchesReference, globalPoolRef, poolRef, randomTensor, values, type Pad } from './helpers.js';
import { expectNoLeaks, expectRoundTrip } from './roundtrip.js';

/** The 2-D reference over a height-1 image: [n, steps, c] → [n, out, c]. */
function pool1dRef(x: number[], [n, steps, c]: number[], k: number, s: number, padding: Pad, kind: 'max' | 'avg'): { out: number[]; shape: number[] } {
  const { out, shape } = poolRef(x, [n, 1, steps, c], [1, k], [1, s], padding, kind);
  return { out, shape: [n, shape[2]!, c] };
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

  const cases: { pool: number; strides?: number; padding: Pad; input: number[] }[] = [
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
        expectMatchesReference(layer, x, () => pool1dRef(values(x), input, pool, strides ?? pool, padding, kind));
      }
      x.dispose();
    });
  }

  it('global pooling averages / maximises over the steps', () => {
    const x = randomTensor([2, 4, 3], 21);
    const avg = new GlobalAveragePooling1D().apply(x);
    const mx = new GlobalMaxPooling1D({ keepDims: true }).apply(x);
    expect(avg.shape).toEqual([2, 3]);
    expect(mx.shape).toEqual([2, 1, 3]);
    const ref = globalPoolRef(values(x), 2, 4, 3);
    expectClose(values(avg), ref.avg);
    expectClose(values(mx), ref.max);
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
