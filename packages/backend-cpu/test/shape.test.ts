import { ENGINE, Random, gather, tensor, type DataType, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { ints, sizeOf, strides, uniform, unravel, useBackend, values } from './helpers.js';

useBackend();

const run = (name: string, inputs: Tensor[], attrs: Record<string, unknown>): Tensor => ENGINE.runKernel(name, inputs, attrs)[0]!;

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

/** out[idx] = x[idx permuted back], by coordinates. */
function transposeRef(x: number[], shape: number[], perm: number[]): number[] {
  const outShape = perm.map((p) => shape[p]!);
  const st = strides(shape);
  return Array.from({ length: x.length }, (_, i) => {
    const idx = unravel(i, outShape);
    return x[idx.reduce((acc, v, d) => acc + v * st[perm[d]!]!, 0)]!;
  });
}

describe('Transpose', () => {
  const r = new Random(21);
  for (const shape of [[2, 3, 4], [3, 1, 5], [2, 3, 4, 5], [1, 4, 1, 3]]) {
    it(`every permutation of ${JSON.stringify(shape)}`, () => {
      const x = tensor(uniform(r, sizeOf(shape)), shape);
      for (const perm of permutations(shape.length)) {
        const y = run('Transpose', [x], { perm });
        expect(y.shape).toEqual(perm.map((p) => shape[p]));
        expect(values(y)).toEqual(transposeRef(values(x), shape, perm));
      }
    });
  }

  it('large and odd-sized matrices (tiled path), batched, int32 and bool', () => {
    for (const [shape, perm] of [[[67, 130], [1, 0]], [[3, 45, 33], [0, 2, 1]], [[33, 5, 70], [2, 1, 0]]] as [number[], number[]][]) {
      for (const dtype of ['float32', 'int32', 'bool'] as DataType[]) {
        const x = tensor(ints(r, sizeOf(shape), 0, dtype === 'bool' ? 2 : 1000), shape, dtype);
        const y = run('Transpose', [x], { perm });
        expect(y.dtype).toBe(dtype);
        expect(values(y)).toEqual(transposeRef(values(x), shape, perm));
      }
    }
  });

  it('size 0', () => {
    expect(run('Transpose', [tensor([], [2, 0, 3])], { perm: [2, 0, 1] }).shape).toEqual([3, 2, 0]);
  });
});

describe('Slice, Concat, Pad, Tile', () => {
  const r = new Random(22);

  it('Slice takes the block at begin of the given size', () => {
    const shape = [4, 5, 6];
    const x = tensor(uniform(r, sizeOf(shape)), shape);
    const xv = values(x);
    for (const [begin, size] of [[[1, 2, 3], [2, 3, 3]], [[0, 0, 0], [4, 5, 1]], [[3, 4, 0], [1, 1, 6]], [[1, 0, 2], [0, 5, 2]]]) {
      const y = run('Slice', [x], { begin, size });
      expect(y.shape).toEqual(size);
      const want = Array.from({ length: sizeOf(size!) }, (_, i) => {
        const idx = unravel(i, size!).map((v, d) => v + begin![d]!);
        return xv[idx.reduce((acc, v, d) => acc * shape[d]! + v, 0)];
      });
      expect(values(y)).toEqual(want);
    }
    // Long rows take the typed-array copy path.
    const wide = tensor(uniform(r, 3 * 200), [3, 200]);
    expect(values(run('Slice', [wide], { begin: [1, 10], size: [2, 150] }))).toEqual([
      ...values(wide).slice(210, 360),
      ...values(wide).slice(410, 560),
    ]);
  });

  it('Concat joins along each axis, including empty parts', () => {
    const aShape = [2, 3, 4];
    const a = tensor(uniform(r, sizeOf(aShape)), aShape);
    const flat = (idx: number[], shape: number[]): number => idx.reduce((acc, v, d) => acc * shape[d]! + v, 0);
    for (let axis = 0; axis < 3; axis++) {
      const bShape = aShape.map((d, i) => (i === axis ? 2 : d));
      const b = tensor(uniform(r, sizeOf(bShape)), bShape);
      const e = tensor([], aShape.map((d, i) => (i === axis ? 0 : d)));
      const y = run('Concat', [a, e, b], { axis });
      const outShape = aShape.map((d, i) => (i === axis ? d + 2 : d));
      expect(y.shape).toEqual(outShape);
      const [av, bv] = [values(a), values(b)];
      expect(values(y)).toEqual(Array.from({ length: sizeOf(outShape) }, (_, i) => {
        const idx = unravel(i, outShape);
        if (idx[axis]! < aShape[axis]!) return av[flat(idx, aShape)];
        idx[axis] = idx[axis]! - aShape[axis]!;
        return bv[flat(idx, bShape)];
      }));
    }
  });

  it('Pad fills with the value around the input (float, int, bool)', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(values(run('Pad', [x], { paddings: [[1, 0], [0, 2]], value: 0 }))).toEqual([0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0]);
    const xi = tensor([7, 8], [2], 'int32');
    const yi = run('Pad', [xi], { paddings: [[2, 1]], value: -1 });
    expect(yi.dtype).toBe('int32');
    expect(values(yi)).toEqual([-1, -1, 7, 8, -1]);
    expect(values(run('Pad', [tensor([false], [1], 'bool')], { paddings: [[1, 1]], value: 1 }))).toEqual([1, 0, 1]);
    expect(values(run('Pad', [tensor([], [0, 2])], { paddings: [[1, 0], [0, 1]], value: 5 }))).toEqual([5, 5, 5]);
  });

  it('Tile repeats along every axis', () => {
    const shape = [2, 3, 2];
    const x = tensor(uniform(r, sizeOf(shape)), shape);
    const xv = values(x);
    for (const reps of [[1, 1, 1], [2, 1, 3], [3, 2, 1], [1, 0, 2]]) {
      const outShape = shape.map((d, i) => d * reps[i]!);
      const y = run('Tile', [x], { reps });
      expect(y.shape).toEqual(outShape);
      expect(values(y)).toEqual(Array.from({ length: sizeOf(outShape) }, (_, i) => {
        const idx = unravel(i, outShape).map((v, d) => v % shape[d]!);
        return xv[idx.reduce((acc, v, d) => acc * shape[d]! + v, 0)];
      }));
    }
    expect(values(run('Tile', [tensor(3)], { reps: [] }))).toEqual([3]);
  });
});

describe('Gather and UnsortedSegmentSum', () => {
  const r = new Random(23);

  it('Gather picks slices along each axis with indices of any rank', () => {
    const shape = [3, 4, 5];
    const x = tensor(uniform(r, sizeOf(shape)), shape);
    const xv = values(x);
    for (let axis = 0; axis < 3; axis++) {
      const idxShape = [2, 3];
      const idx = tensor(ints(r, 6, 0, shape[axis]!), idxShape, 'int32');
      const iv = values(idx);
      const y = run('Gather', [x, idx], { axis });
      const outShape = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
      expect(y.shape).toEqual(outShape);
      expect(values(y)).toEqual(Array.from({ length: sizeOf(outShape) }, (_, i) => {
        const o = unravel(i, outShape);
        const which = iv[o[axis]! * 3 + o[axis + 1]!]!;
        const src = [...o.slice(0, axis), which, ...o.slice(axis + 2)];
        return xv[src.reduce((acc, v, d) => acc * shape[d]! + v, 0)];
      }));
    }
    expect(run('Gather', [x, tensor([], [0], 'int32')], { axis: 1 }).shape).toEqual([3, 0, 5]);
  });

  it('Gather throws a clear error naming the op, the index and the valid range', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    expect(() => run('Gather', [x, tensor([0, 3], [2], 'int32')], { axis: 0 })).toThrow(/Gather: index 3 .*valid range is \[0, 2\]/);
    expect(() => run('Gather', [x, tensor([-1], [1], 'int32')], { axis: 1 })).toThrow(/index -1 .*\[0, 1\]/);
    expect(() => gather(x, tensor([5], [1], 'int32'), 0)).toThrow(Error);
    expect(() => run('Gather', [tensor([], [0, 2]), tensor([0], [1], 'int32')], { axis: 0 })).toThrow(/axis is empty/);
  });

  it('UnsortedSegmentSum sums rows by id and drops ids out of range', () => {
    const x = tensor(uniform(r, 6 * 3), [6, 3]);
    const ids = [2, 0, 2, -1, 5, 0];
    const y = run('UnsortedSegmentSum', [x, tensor(ids, [6], 'int32')], { numSegments: 4 });
    expect(y.shape).toEqual([4, 3]);
    const xv = values(x);
    const want = new Array<number>(12).fill(0);
    ids.forEach((id, j) => {
      if (id >= 0 && id < 4) for (let c = 0; c < 3; c++) want[id * 3 + c] += xv[j * 3 + c]!;
    });
    const got = values(y);
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
    const yi = run('UnsortedSegmentSum', [tensor([1, 2, 3], [3], 'int32'), tensor([1, 1, 0], [3], 'int32')], { numSegments: 3 });
    expect(yi.dtype).toBe('int32');
    expect(values(yi)).toEqual([3, 3, 0]);
    expect(values(run('UnsortedSegmentSum', [tensor([], [0, 2]), tensor([], [0], 'int32')], { numSegments: 2 }))).toEqual([0, 0, 0, 0]);
  });
});
