import { describe, expect, it } from 'vitest';
import { AveragePooling2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from '../src/index.js';
import { expectClose, expectGradientsFlow, expectMatchesReference, forEachTap, geometry, globalPoolRef, poolRef, randomTensor, values, type Pad } from './helpers.js';

/** Direct NHWC cross-correlation with an HWIO filter. */
function conv2dRef(
  x: number[], [n, h, w, c]: number[], f: number[], [kh, kw, , o]: number[], strides: number[], dilation: number[], padding: Pad,
): { out: number[]; shape: number[] } {
  const [oh] = geometry(h, kh, strides[0]!, dilation[0]!, padding);
  const [ow] = geometry(w, kw, strides[1]!, dilation[1]!, padding);
  const out = new Array<number>(n * oh * ow * o).fill(0);
  forEachTap([n, h, w], [kh, kw], strides, dilation, padding, (cell, at, tap) => {
    for (let ch = 0; ch < c; ch++) for (let q = 0; q < o; q++) out[cell * o + q]! += x[at * c + ch]! * f[(tap * c + ch) * o + q]!;
  });
  return { out, shape: [n, oh, ow, o] };
}

describe('Conv2D', () => {
  const cases: { kernel: [number, number]; strides: [number, number]; dilation: [number, number]; padding: Pad; input: number[] }[] = [
    { kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'valid', input: [2, 6, 5, 3] },
    { kernel: [3, 2], strides: [2, 1], dilation: [1, 1], padding: 'same', input: [1, 7, 6, 2] },
    { kernel: [2, 2], strides: [1, 1], dilation: [2, 2], padding: 'valid', input: [2, 6, 6, 1] },
    { kernel: [3, 3], strides: [2, 2], dilation: [1, 1], padding: 'same', input: [1, 5, 4, 2] },
  ];
  for (const { kernel, strides, dilation, padding, input } of cases) {
    it(`kernel ${kernel} stride ${strides} dilation ${dilation} ${padding} matches a naive convolution`, () => {
      const filters = 4;
      const layer = new Conv2D({ filters, kernelSize: kernel, strides, dilationRate: dilation, padding, activation: 'relu', biasInitializer: 'randomNormal' });
      const x = randomTensor(input, input.reduce((a, b) => a + b, 0));
      expectMatchesReference(layer, x, (l) => {
        const ref = conv2dRef(values(x), input, values(l.kernel!), [...kernel, input[3]!, filters], strides, dilation, padding);
        const b = values(l.bias!);
        return { out: ref.out.map((v, i) => Math.max(0, v + b[i % filters]!)), shape: ref.shape };
      });
      x.dispose();
    });
  }

  it('keeps unknown spatial sizes unknown and checks that the kernel fits', () => {
    const c = new Conv2D({ filters: 2, kernelSize: 5 });
    expect(c.computeOutputShape([null, null, 9, 3])).toEqual([null, null, 5, 2]);
    expect(() => c.build([null, 4, 4, 1])).toThrow(/5x5 kernel.*does not fit inputs of shape \[null,4,4,1\]/);
    expect(() => c.build([null, 4, 4])).toThrow(/expects NHWC inputs of rank 4/);
    expect(() => new Conv2D({ filters: 2, kernelSize: [3, 0] })).toThrow(/kernelSize must be a positive integer or a pair/);
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, padding: 'full' as 'same' })).toThrow(/padding must be one of 'valid', 'same'/);
    c.dispose();
  });

  it('gradients reach kernel and bias', () => {
    const c = new Conv2D({ filters: 3, kernelSize: 2, padding: 'same', activation: 'tanh' });
    const x = randomTensor([2, 4, 4, 2], 8);
    expectGradientsFlow(c, x);
    x.dispose();
    c.dispose();
  });
});

describe('pooling', () => {
  const cases: { pool: [number, number]; strides?: [number, number]; padding: Pad; input: number[] }[] = [
    { pool: [2, 2], padding: 'valid', input: [2, 6, 4, 3] },
    { pool: [3, 3], strides: [2, 2], padding: 'same', input: [1, 5, 7, 2] },
    { pool: [2, 3], strides: [1, 2], padding: 'valid', input: [1, 4, 7, 1] },
  ];
  for (const { pool, strides, padding, input } of cases) {
    it(`max and average ${pool} stride ${strides ?? pool} ${padding} match references`, () => {
      const x = randomTensor(input, 17 + input[1]!);
      for (const kind of ['max', 'avg'] as const) {
        const layer = kind === 'max' ? new MaxPooling2D({ poolSize: pool, strides, padding }) : new AveragePooling2D({ poolSize: pool, strides, padding });
        expectMatchesReference(layer, x, () => poolRef(values(x), input, pool, strides ?? pool, padding, kind));
      }
      x.dispose();
    });
  }

  it('global pooling averages / maximises over height and width', () => {
    const x = randomTensor([2, 3, 4, 5], 21);
    const avg = new GlobalAveragePooling2D().apply(x);
    const mx = new GlobalMaxPooling2D({ keepDims: true }).apply(x);
    expect(avg.shape).toEqual([2, 5]);
    expect(mx.shape).toEqual([2, 1, 1, 5]);
    const ref = globalPoolRef(values(x), 2, 12, 5);
    expectClose(values(avg), ref.avg);
    expectClose(values(mx), ref.max);
    expect(new GlobalAveragePooling2D().computeOutputShape([null, 7, 7, 32])).toEqual([null, 32]);
    [x, avg, mx].forEach((t) => t.dispose());
  });

  it('rejects windows that do not fit and non-NHWC inputs', () => {
    expect(() => new MaxPooling2D({ poolSize: 3 }).build([null, 2, 2, 1])).toThrow(/3x3 window does not fit/);
    const x = randomTensor([2, 4, 4], 1);
    expect(() => new AveragePooling2D().apply(x)).toThrow(/expects NHWC inputs of rank 4/);
    x.dispose();
  });
});
