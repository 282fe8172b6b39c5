import { sum, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Cropping2D, Dense, Permute, RepeatVector, UpSampling2D, ZeroPadding2D } from '../src/index.js';
import { expectClose, randomTensor, values } from './helpers.js';
import { expectNoLeaks, expectRoundTrip } from './roundtrip.js';
import { variableGrads } from '@tessera/autograd';

const dispose = (...ts: Tensor[]): void => ts.forEach((t) => t.dispose());

/** 1, 2, ..., n: pixel values that name their position. */
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('RepeatVector', () => {
  it('repeats each sample n times', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const layer = new RepeatVector({ n: 3 });
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 3, 2]);
    expect(values(y)).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
    expect(layer.computeOutputShape([null, 7])).toEqual([null, 3, 7]);
    dispose(x, y);
  });

  it('rejects other ranks and bad n', () => {
    const x = randomTensor([2, 3, 2], 1);
    expect(() => new RepeatVector({ n: 2 }).apply(x)).toThrow(/repeat_vector(_\d+)? \(RepeatVector\): expects inputs of rank 2 \[batch, features\], got \[null,3,2\]/);
    expect(() => new RepeatVector({ n: 0 })).toThrow(/RepeatVector: n must be a positive integer, got number 0/);
    x.dispose();
  });
});

describe('Permute', () => {
  it('permutes the sample axes and keeps the batch first', () => {
    const x = randomTensor([2, 3, 4, 5], 2);
    const layer = new Permute({ dims: [3, 1, 2] });
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 5, 3, 4]);
    expect(layer.computeOutputShape([null, 3, null, 5])).toEqual([null, 5, 3, null]);
    const xv = values(x);
    const yv = values(y);
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++)
          for (let k = 0; k < 5; k++) expect(yv[((b * 5 + k) * 3 + i) * 4 + j]).toBe(xv[((b * 3 + i) * 4 + j) * 5 + k]);
    dispose(x, y);
  });

  it('rejects dims that are not a permutation of 1..n and inputs of another rank', () => {
    expect(() => new Permute({ dims: [0, 1] })).toThrow(/Permute: dims must be a permutation of 1..n \(the sample axes, numbered from 1\), got an array of length 2 \[0,1\]/);
    expect(() => new Permute({ dims: [1, 1] })).toThrow(/dims must be a permutation/);
    expect(() => new Permute({ dims: 2 as unknown as number[] })).toThrow(/dims must be a permutation of 1..n .*got number 2/);
    const x = randomTensor([2, 3], 1);
    expect(() => new Permute({ dims: [2, 1] }).apply(x)).toThrow(/dims \[2,1\] permute 2 sample axes, so inputs must have rank 3, got \[null,3\]/);
    x.dispose();
  });
});

describe('Cropping2D and ZeroPadding2D', () => {
  it('crop the borders in each of Keras’s three forms', () => {
    const x = tensor(range(20), [1, 4, 5, 1]);
    const cases: [ConstructorParameters<typeof Cropping2D>[0], number[], number[]][] = [
      [{ cropping: 1 }, [1, 2, 3, 1], [7, 8, 9, 12, 13, 14]],
      [{ cropping: [1, 2] }, [1, 2, 1, 1], [8, 13]],
      [{ cropping: [[0, 1], [2, 0]] }, [1, 3, 3, 1], [3, 4, 5, 8, 9, 10, 13, 14, 15]],
      [{}, [1, 4, 5, 1], range(20)],
    ];
    for (const [args, shape, expected] of cases) {
      const layer = new Cropping2D(args);
      const y = layer.apply(x);
      expect(y.shape).toEqual(shape);
      expect(values(y)).toEqual(expected);
      expect(layer.computeOutputShape([null, 4, 5, 1])).toEqual([null, ...shape.slice(1)]);
      y.dispose();
    }
    x.dispose();
  });

  it('pad with zeros, asymmetric too', () => {
    const x = tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = new ZeroPadding2D().apply(x);
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expect(values(y)).toEqual([0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
    const layer = new ZeroPadding2D({ padding: [[1, 0], [0, 2]] });
    const z = layer.apply(x);
    expect(z.shape).toEqual([1, 3, 4, 1]);
    expect(values(z)).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]);
    expect(layer.computeOutputShape([null, null, 6, 3])).toEqual([null, null, 8, 3]);
    dispose(x, y, z);
  });

  it('reject amounts in other forms, crops that leave nothing, and non-NHWC inputs', () => {
    expect(() => new Cropping2D({ cropping: -1 })).toThrow(/Cropping2D: cropping must be a non-negative integer, \[height, width\] or \[\[top, bottom\], \[left, right\]\] of them, got number -1/);
    expect(() => new ZeroPadding2D({ padding: [1, 2, 3] as unknown as number })).toThrow(/ZeroPadding2D: padding must be .* got an array of length 3 \[1,2,3\]/);
    expect(() => new ZeroPadding2D({ padding: [[1, 2], [3]] as unknown as number })).toThrow(/ZeroPadding2D: padding must be/);
    expect(() => new Cropping2D({ cropping: [2, 0] }).build([null, 4, 5, 1])).toThrow(/cropping \[\[2,2\],\[0,0\]\] removes every row or column of inputs of shape \[null,4,5,1\]/);
    expect(() => new ZeroPadding2D().build([null, 4, 5])).toThrow(/ZeroPadding2D\): expects inputs of rank 4 \[batch, height, width, channels\]/);
  });
});

describe('UpSampling2D', () => {
  it('nearest repeats every pixel size[0] x size[1] times', () => {
    const x = tensor([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    const layer = new UpSampling2D({ size: [1, 2] });
    const y = layer.apply(x);
    expect(y.shape).toEqual([1, 2, 4, 2]);
    expect(values(y)).toEqual([1, 10, 1, 10, 2, 20, 2, 20, 3, 30, 3, 30, 4, 40, 4, 40]);
    expect(new UpSampling2D().computeOutputShape([null, 3, null, 5])).toEqual([null, 6, null, 5]);
    dispose(x, y);
  });

  it("bilinear matches tf.image.resize's half-pixel values", () => {
    const x = tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = new UpSampling2D({ interpolation: 'bilinear' }).apply(x);
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expectClose(values(y), [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
    const col = tensor([0, 4], [1, 2, 1, 1]);
    const z = new UpSampling2D({ size: [2, 3], interpolation: 'bilinear' }).apply(col);
    expect(z.shape).toEqual([1, 4, 3, 1]);
    expectClose(values(z), [0, 0, 0, 1, 1, 1, 3, 3, 3, 4, 4, 4]);
    dispose(x, y, col, z);
  });

  it('passes gradients back to the layer below (each input pixel gets the sum of its copies)', () => {
    const dense = new Dense({ units: 2, kernelInitializer: 'ones', useBias: false });
    const up = new UpSampling2D({ size: 2 });
    const x = tensor([1, 2], [1, 1, 1, 2]);
    dense.build([null, 1, 1, 2]);
    const { value, grads } = variableGrads(() => sum(up.apply(dense.apply(x))), [dense.kernel!]);
    // y has 4 copies of each of the 2 units; d sum / d kernel[i, j] = 4 · x[i].
    expect(values(grads[dense.kernel!.name]!)).toEqual([4, 4, 8, 8]);
    dispose(value, x, ...Object.values(grads));
    dense.dispose();
  });

  it('rejects bad sizes and interpolations', () => {
    expect(() => new UpSampling2D({ size: 0 })).toThrow(/UpSampling2D: size must be a positive integer or a pair/);
    expect(() => new UpSampling2D({ interpolation: 'bicubic' as 'nearest' })).toThrow(/UpSampling2D: interpolation must be one of 'nearest', 'bilinear', got string "bicubic"/);
    const x = randomTensor([2, 3], 1);
    expect(() => new UpSampling2D().apply(x)).toThrow(/expects inputs of rank 4/);
    x.dispose();
  });
});

describe('serialisation of the reshaping layers', () => {
  it('round-trips through JSON', () => {
    expectRoundTrip(new RepeatVector({ n: 2 }), [2, 3]);
    expectRoundTrip(new Permute({ dims: [2, 3, 1] }), [2, 2, 3, 4]);
    expectRoundTrip(new Cropping2D({ cropping: [[1, 0], [0, 2]] }), [1, 4, 5, 2]);
    expectRoundTrip(new ZeroPadding2D({ padding: [2, 1] }), [1, 2, 3, 2]);
    expectRoundTrip(new UpSampling2D({ size: [2, 3], interpolation: 'bilinear' }), [1, 2, 2, 2]);
  });
});

describe('memory', () => {
  it('the reshaping layers leave no tensors behind, forward or backward', () => {
    expectNoLeaks(new RepeatVector({ n: 2 }), [2, 3]);
    expectNoLeaks(new Permute({ dims: [2, 1] }), [2, 3, 4]);
    expectNoLeaks(new Cropping2D({ cropping: 1 }), [1, 4, 4, 2]);
    expectNoLeaks(new ZeroPadding2D(), [1, 2, 2, 2]);
    expectNoLeaks(new UpSampling2D(), [1, 2, 2, 2]);
    expectNoLeaks(new UpSampling2D({ interpolation: 'bilinear', size: [3, 2] }), [1, 2, 3, 2]);
  });
});
