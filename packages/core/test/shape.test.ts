import { describe, expect, it } from 'vitest';
import { broadcastShapes, broadcastedAxes, inferReshape, parseAxes, reducedShape, stridesOf } from '../src/shape.js';
import { upcastType } from '../src/dtypes.js';

describe('shape utilities', () => {
  it('broadcasts NumPy-style from the right', () => {
    expect(broadcastShapes('add', [2, 3], [3])).toEqual([2, 3]);
    expect(broadcastShapes('add', [2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShapes('add', [], [5])).toEqual([5]);
    expect(broadcastShapes('add', [0, 1], [1, 3])).toEqual([0, 3]);
  });

  it('names the op, both shapes and the clashing dimension', () => {
    expect(() => broadcastShapes('add', [2, 3], [4, 3])).toThrow('add: shapes [2,3] and [4,3] cannot be broadcast: dimension -2 is 2 vs 4');
  });

  it('finds the axes an input was broadcast along', () => {
    expect(broadcastedAxes([3], [2, 3])).toEqual([0]);
    expect(broadcastedAxes([2, 1], [2, 5])).toEqual([1]);
    expect(broadcastedAxes([1, 1], [1, 4])).toEqual([1]);
    expect(broadcastedAxes([], [2, 2])).toEqual([0, 1]);
  });

  it('parses axes: negatives, defaults, repeats and range errors', () => {
    expect(parseAxes('sum', undefined, 3)).toEqual([0, 1, 2]);
    expect(parseAxes('sum', [-1, 0], 3)).toEqual([0, 2]);
    expect(() => parseAxes('sum', 3, 3)).toThrow('sum: axis 3 is out of range for a tensor of rank 3');
    expect(() => parseAxes('sum', [1, -2], 3)).toThrow('repeated');
  });

  it('infers one -1 in reshape and rejects impossible targets', () => {
    expect(inferReshape('reshape', [2, 3, 4], [-1, 4])).toEqual([6, 4]);
    expect(() => inferReshape('reshape', [2, 3], [4, -1])).toThrow('reshape: cannot reshape [2,3] (size 6) to [4,-1]: 6 is not divisible by 4');
    expect(() => inferReshape('reshape', [2, 3], [5])).toThrow('(size 5)');
    expect(() => inferReshape('reshape', [2, 3], [-1, -1])).toThrow('at most one -1');
  });

  it('computes strides and reduced shapes', () => {
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(reducedShape([2, 3, 4], [1], true)).toEqual([2, 1, 4]);
    expect(reducedShape([2, 3, 4], [0, 2], false)).toEqual([3]);
  });

  it('upcasts bool < int32 < float32', () => {
    expect(upcastType('bool', 'int32')).toBe('int32');
    expect(upcastType('int32', 'float32')).toBe('float32');
    expect(upcastType('bool', 'bool')).toBe('bool');
  });
});
