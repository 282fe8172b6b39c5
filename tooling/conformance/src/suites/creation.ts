import {
  OutOfMemoryError, Random, TesseraError, div, eye, fill, linspace, matmul, oneHot, ones, onesLike, randomNormal, randomUniform, range, scalar,
  setSeed, tensor, tensor1d, tensor2d, tile, truncatedNormal, variable, zeros, zerosLike, type DataType, type Tensor,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { counts, expectCounts, floatPrecision, storable, type SuiteContext } from '../harness.js';
import { values } from '../inputs.js';
import { expectClose } from '../tolerance.js';

/** Checks shape, dtype and values of a created tensor, then disposes it. */
async function expectTensor(ctx: SuiteContext, t: Tensor, shape: number[], dtype: DataType, expected: number[], what: string, exact = false): Promise<void> {
  try {
    expect([...t.shape], `${what}: shape`).toEqual(shape);
    expect(t.dtype, `${what}: dtype`).toBe(dtype);
    const got = await values(t);
    const want = dtype === 'float32' ? expected.map(storable) : expected;
    if (exact || dtype !== 'float32') expectClose(got, want, { rtol: 0, atol: 0, op: what, shape });
    else expectClose(got, want, { ...ctx.tol, op: what, shape });
  } finally {
    t.dispose();
  }
}

function stats(v: number[]): { mean: number; std: number } {
  const mean = v.reduce((p, q) => p + q, 0) / v.length;
  const variance = v.reduce((p, q) => p + (q - mean) * (q - mean), 0) / v.length;
  return { mean, std: Math.sqrt(variance) };
}

export function creationSuite(ctx: SuiteContext): void {
  describe('tensor(): shape and dtype inference', () => {
    it('infers the shape of nested arrays', async () => {
      await expectTensor(ctx, tensor([[1, 2, 3], [4, 5, 6]]), [2, 3], 'float32', [1, 2, 3, 4, 5, 6], '2-D nested');
      await expectTensor(ctx, tensor([[[1], [2]], [[3], [4]], [[5], [6]]]), [3, 2, 1], 'float32', [1, 2, 3, 4, 5, 6], '3-D nested');
      await expectTensor(ctx, tensor([0.1, -2.5e-3, 7e20]), [3], 'float32', [0.1, -2.5e-3, 7e20], '1-D', true);
    });

    it('makes scalars from numbers and booleans', async () => {
      await expectTensor(ctx, tensor(3.25), [], 'float32', [3.25], 'number');
      await expectTensor(ctx, tensor(true), [], 'bool', [1], 'boolean');
      await expectTensor(ctx, scalar(7, 'int32'), [], 'int32', [7], 'scalar int32');
      await expectTensor(ctx, scalar(false), [], 'bool', [0], 'scalar bool');
    });

    it('infers bool from nested booleans', async () => {
      await expectTensor(ctx, tensor([[true, false], [false, true]]), [2, 2], 'bool', [1, 0, 0, 1], 'nested booleans');
    });

    it('makes empty tensors', async () => {
      await expectTensor(ctx, tensor([]), [0], 'float32', [], 'empty list');
      await expectTensor(ctx, tensor([[], []]), [2, 0], 'float32', [], 'list of empty lists');
      await expectTensor(ctx, tensor([], [3, 0, 2], 'int32'), [3, 0, 2], 'int32', [], 'empty with shape');
    });

    it('takes the dtype of typed arrays', async () => {
      await expectTensor(ctx, tensor(new Float32Array([1.5, -2])), [2], 'float32', [1.5, -2], 'Float32Array');
      await expectTensor(ctx, tensor(new Int32Array([3, -4, 5])), [3], 'int32', [3, -4, 5], 'Int32Array');
      // Bytes are numbers (image data), as in TF.js: int32, not bool.
      await expectTensor(ctx, tensor(new Uint8Array([1, 0, 255])), [3], 'int32', [1, 0, 255], 'Uint8Array');
      await expectTensor(ctx, tensor(new Uint8ClampedArray([0, 128, 255])), [3], 'int32', [0, 128, 255], 'Uint8ClampedArray');
      await expectTensor(ctx, tensor(new Uint8Array([1, 0, 2]), undefined, 'bool'), [3], 'bool', [1, 0, 1], 'Uint8Array as bool when asked');
      await expectTensor(ctx, tensor(new Float64Array([0.1, 1 / 3])), [2], 'float32', [0.1, 1 / 3], 'Float64Array (rounded to float32 storage)', true);
    });

    it('reshapes flat values and typed arrays to a given shape', async () => {
      await expectTensor(ctx, tensor([1, 2, 3, 4, 5, 6], [3, 2]), [3, 2], 'float32', [1, 2, 3, 4, 5, 6], 'flat with shape');
      await expectTensor(ctx, tensor(new Int32Array([1, 2, 3, 4]), [2, 1, 2]), [2, 1, 2], 'int32', [1, 2, 3, 4], 'typed with shape');
      await expectTensor(ctx, tensor([[1, 2], [3, 4]], [4]), [4], 'float32', [1, 2, 3, 4], 'nested with an equal-size shape');
    });

    it('converts values to a requested dtype', async () => {
      await expectTensor(ctx, tensor([1, 2, -3], undefined, 'int32'), [3], 'int32', [1, 2, -3], 'int32 from numbers');
      await expectTensor(ctx, tensor([0, 2, -1], undefined, 'bool'), [3], 'bool', [0, 1, 1], 'bool from numbers');
      await expectTensor(ctx, tensor([true, false], undefined, 'float32'), [2], 'float32', [1, 0], 'float32 from booleans');
      await expectTensor(ctx, tensor1d([4, 5], 'int32'), [2], 'int32', [4, 5], 'tensor1d');
      await expectTensor(ctx, tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), [2, 3], 'float32', [1, 2, 3, 4, 5, 6], 'tensor2d');
    });

    it('rejects values that do not match the shape or dtype', () => {
      const start = counts();
      expect(() => tensor([1, 2, 3], [2, 2])).toThrow('tensor: 3 values do not fill shape [2,2] (size 4)');
      expect(() => tensor([1.5, 2], undefined, 'int32')).toThrow(/tensor: value 1\.5 at flat index 0 is not an integer/);
      expect(() => tensor([1], [-1])).toThrow(/tensor: invalid shape \[-1\]/);
      expect(() => tensor([1], undefined, 'float64' as DataType)).toThrow(/tensor: unknown dtype 'float64'/);
      expect(() => tensor(new Int16Array(2) as unknown as Int32Array)).toThrow(/tensor: unsupported typed array Int16Array/);
      expect(() => tensor(null as unknown as number[])).toThrow(TesseraError);
      expect(() => tensor2d([1, 2, 3])).toThrow('tensor2d: expected rank-2 values, got shape [3]');
      expectCounts(counts(), start, 'rejected creations');
    });
  });

  describe('values must fit the dtype; dtypes must exist', () => {
    it('image bytes divide as numbers', async () => {
      const bytes = tensor(new Uint8Array([0, 51, 255]));
      const scaled = div(bytes, 255);
      await expectTensor(ctx, scaled, [3], 'float32', [0, 0.2, 1], 'Uint8Array / 255');
      bytes.dispose();
    });

    it('int32 values beyond ±2^31 are an error, never wrapped', async () => {
      const start = counts();
      expect(() => tensor([2 ** 31], [1], 'int32')).toThrow(/^tensor: value 2147483648 at flat index 0 is outside the int32 range \[-2147483648, 2147483647\]/);
      expect(() => tensor([0, -(2 ** 31) - 1], undefined, 'int32')).toThrow(/^tensor: value -2147483649 at flat index 1 is outside the int32 range/);
      expect(() => tensor(new Float64Array([1, 3e9]), undefined, 'int32')).toThrow(/^tensor: value 3000000000 at flat index 1 is outside the int32 range/);
      expect(() => scalar(2 ** 40, 'int32')).toThrow(TesseraError);
      expect(() => fill([2], 2 ** 31, 'int32')).toThrow(/^fill: value 2147483648 is outside the int32 range/);
      expect(() => range(2 ** 31 - 2, 2 ** 31 + 1, 1, 'int32')).toThrow(/^range: stop 2147483649 is outside the int32 range/);
      expect(() => randomUniform([3], 0, 2 ** 33, 'int32', 1)).toThrow(/^randomUniform: drew \d+ at flat index \d+, outside the int32 range/);
      expectCounts(counts(), start, 'rejected int32 values');
      await expectTensor(ctx, tensor([2147483647, -2147483648], undefined, 'int32'), [2], 'int32', [2147483647, -2147483648], 'the int32 limits');
    });

    it('finite numbers beyond float32 are an error; Infinity and NaN are kept', async () => {
      if (floatPrecision() === 32) {
        expect(() => tensor([1, 1e39])).toThrow(/^tensor: value 1e\+39 at flat index 1 overflows float32/);
        expect(() => fill([2], -1e300)).toThrow(/^fill: value -1e\+300 overflows float32/);
      }
      const t = tensor([Infinity, -Infinity, NaN, 3.4e38]);
      expect(await values(t)).toEqual([Infinity, -Infinity, NaN, Math.fround(3.4e38)]);
      t.dispose();
    });

    it("an unknown dtype string is an error naming the op, for every function that takes a dtype", () => {
      const start = counts();
      const bad = 'float64' as DataType;
      const calls: [string, () => unknown][] = [
        ['tensor', () => tensor([1], undefined, bad)],
        ['scalar', () => scalar(1, bad)],
        ['zeros', () => zeros([2], bad)],
        ['ones', () => ones([2], bad)],
        ['fill', () => fill([2], 1, bad)],
        ['eye', () => eye(2, 2, bad)],
        ['range', () => range(0, 3, 1, bad)],
        ['randomUniform', () => randomUniform([2], 0, 1, bad)],
        ['randomNormal', () => randomNormal([2], 0, 1, bad)],
        ['truncatedNormal', () => truncatedNormal([2], 0, 1, bad)],
        ['oneHot', () => oneHot([1], 3, 1, 0, bad)],
        ['variable', () => variable([1], true, undefined, bad)],
      ];
      for (const [op, call] of calls) {
        expect(call, op).toThrow(TesseraError);
        expect(call, op).toThrow(new RegExp(`^${op}: unknown dtype 'float64' \\(expected 'float32', 'int32' or 'bool'\\)$`));
      }
      expectCounts(counts(), start, 'unknown dtypes');
    });

    it('range needs finite bounds', () => {
      expect(() => range(0, Infinity)).toThrow(/^range: stop must be a finite number, got Infinity/);
      expect(() => range(NaN)).toThrow(/^range: stop must be a finite number, got NaN/);
      expect(() => range(0, 1, -Infinity)).toThrow(/^range: step must be a finite number, got -Infinity/);
    });

    it('a tensor too large to allocate is an OutOfMemoryError naming the op and the shape', () => {
      const start = counts();
      expect(() => zeros([1e5, 1e5])).toThrow(OutOfMemoryError);
      expect(() => zeros([1e5, 1e5])).toThrow(/^zeros: out of memory: a float32 tensor of shape \[100000,100000\] needs 40000000000 bytes/);
      expect(() => fill([1e5, 1e5], 1, 'int32')).toThrow(/^fill: out of memory: a int32 tensor of shape \[100000,100000\]/);
      expect(() => range(0, 1e10)).toThrow(/^range: out of memory: a float32 tensor of shape \[10000000000\]/);
      expectCounts(counts(), start, 'huge creations');
    });

    it('a kernel output too large to allocate is an OutOfMemoryError naming the op, the backend and the kernel', () => {
      const a = zeros([1e5, 1]);
      const b = zeros([1, 1e5]);
      const one = zeros([1, 1]);
      const start = counts();
      expect(() => matmul(a, b)).toThrow(OutOfMemoryError);
      expect(() => matmul(a, b)).toThrow(new RegExp(`^matmul: backend '${ctx.backend}': out of memory: .*\\(kernel 'BatchMatMul' on inputs \\[1,100000,1\\] float32, \\[1,1,100000\\] float32\\)$`));
      expect(() => tile(one, [1e5, 1e5])).toThrow(new RegExp(`^tile: backend '${ctx.backend}': out of memory: .*\\(kernel 'Tile' on inputs \\[1,1\\] float32\\)$`));
      expectCounts(counts(), start, 'huge kernel outputs');
      [a, b, one].forEach((t) => t.dispose());
    });
  });

  describe('zeros, ones, fill, eye, range, linspace', () => {
    it('fills every dtype', async () => {
      await expectTensor(ctx, zeros([2, 3]), [2, 3], 'float32', [0, 0, 0, 0, 0, 0], 'zeros');
      await expectTensor(ctx, ones([3], 'int32'), [3], 'int32', [1, 1, 1], 'ones int32');
      await expectTensor(ctx, ones([2], 'bool'), [2], 'bool', [1, 1], 'ones bool');
      await expectTensor(ctx, zeros([]), [], 'float32', [0], 'zeros scalar');
      await expectTensor(ctx, zeros([0, 4]), [0, 4], 'float32', [], 'zeros size-0');
      await expectTensor(ctx, fill([2, 2], -1.25), [2, 2], 'float32', [-1.25, -1.25, -1.25, -1.25], 'fill float32');
      await expectTensor(ctx, fill([3], 7, 'int32'), [3], 'int32', [7, 7, 7], 'fill int32');
      await expectTensor(ctx, fill([2], 5, 'bool'), [2], 'bool', [1, 1], 'fill bool with a non-zero number');
    });

    it('zerosLike and onesLike keep shape and dtype', async () => {
      const x = tensor([[1, 2, 3]], undefined, 'int32');
      await expectTensor(ctx, zerosLike(x), [1, 3], 'int32', [0, 0, 0], 'zerosLike');
      await expectTensor(ctx, onesLike(x), [1, 3], 'int32', [1, 1, 1], 'onesLike');
      x.dispose();
    });

    it('eye', async () => {
      await expectTensor(ctx, eye(3), [3, 3], 'float32', [1, 0, 0, 0, 1, 0, 0, 0, 1], 'eye(3)');
      await expectTensor(ctx, eye(2, 4), [2, 4], 'float32', [1, 0, 0, 0, 0, 1, 0, 0], 'eye(2, 4)');
      await expectTensor(ctx, eye(3, 2, 'int32'), [3, 2], 'int32', [1, 0, 0, 1, 0, 0], 'eye(3, 2, int32)');
    });

    it('range like NumPy arange', async () => {
      await expectTensor(ctx, range(5), [5], 'float32', [0, 1, 2, 3, 4], 'range(5)');
      await expectTensor(ctx, range(2, 9, 3), [3], 'float32', [2, 5, 8], 'range(2, 9, 3)');
      await expectTensor(ctx, range(5, 0, -1.5), [4], 'float32', [5, 3.5, 2, 0.5], 'range(5, 0, -1.5)');
      await expectTensor(ctx, range(0, 1, 0.25), [4], 'float32', [0, 0.25, 0.5, 0.75], 'range(0, 1, 0.25)');
      await expectTensor(ctx, range(-3, 3, 2, 'int32'), [3], 'int32', [-3, -1, 1], 'range int32');
      await expectTensor(ctx, range(5, 2), [0], 'float32', [], 'empty range');
    });

    it('linspace includes both ends', async () => {
      await expectTensor(ctx, linspace(0, 1, 5), [5], 'float32', [0, 0.25, 0.5, 0.75, 1], 'linspace(0, 1, 5)');
      await expectTensor(ctx, linspace(-1, 2, 7), [7], 'float32', [-1, -0.5, 0, 0.5, 1, 1.5, 2], 'linspace(-1, 2, 7)');
      await expectTensor(ctx, linspace(3, 9, 1), [1], 'float32', [3], 'linspace num 1');
      await expectTensor(ctx, linspace(3, 9, 0), [0], 'float32', [], 'linspace num 0');
    });
  });

  describe('random ops: the exact stream of core Random on every backend', () => {
    const n = 1000;
    const stream = (seed: number, drawOne: (r: Random) => number, dtype: DataType = 'float32'): number[] => {
      const r = new Random(seed);
      return Array.from({ length: n }, () => (dtype === 'int32' ? Math.floor(drawOne(r)) : storable(drawOne(r))));
    };

    it('randomUniform with a seed', async () => {
      await expectTensor(ctx, randomUniform([n], 0, 1, 'float32', 11), [n], 'float32', stream(11, (r) => r.uniform(0, 1)), 'randomUniform [0,1)', true);
      await expectTensor(ctx, randomUniform([10, 100], -2, 5, 'float32', 12), [10, 100], 'float32', stream(12, (r) => r.uniform(-2, 5)), 'randomUniform [-2,5)', true);
      await expectTensor(ctx, randomUniform([n], 0, 10, 'int32', 13), [n], 'int32', stream(13, (r) => r.uniform(0, 10), 'int32'), 'randomUniform int32');
    });

    it('randomNormal with a seed', async () => {
      await expectTensor(ctx, randomNormal([n], 0, 1, 'float32', 21), [n], 'float32', stream(21, (r) => r.normal(0, 1)), 'randomNormal', true);
      await expectTensor(ctx, randomNormal([25, 40], 2, 0.5, 'float32', 22), [25, 40], 'float32', stream(22, (r) => r.normal(2, 0.5)), 'randomNormal(2, 0.5)', true);
    });

    it('truncatedNormal with a seed', async () => {
      await expectTensor(ctx, truncatedNormal([n], 0, 1, 'float32', 31), [n], 'float32', stream(31, (r) => r.truncatedNormal(0, 1)), 'truncatedNormal', true);
      await expectTensor(ctx, truncatedNormal([n], -1, 3, 'float32', 32), [n], 'float32', stream(32, (r) => r.truncatedNormal(-1, 3)), 'truncatedNormal(-1, 3)', true);
    });

    it('the same seed gives the same values, another seed others', async () => {
      const a = randomNormal([50], 0, 1, 'float32', 5);
      const b = randomNormal([50], 0, 1, 'float32', 5);
      const c = randomNormal([50], 0, 1, 'float32', 6);
      const [va, vb, vc] = await Promise.all([values(a), values(b), values(c)]);
      expect(vb).toEqual(va);
      expect(vc).not.toEqual(va);
      [a, b, c].forEach((t) => t.dispose());
    });

    it('unseeded ops draw their seed from the global generator (setSeed)', async () => {
      setSeed(1234);
      const expected = stream(new Random(1234).nextU32(), (r) => r.uniform(0, 1)).slice(0, 20);
      await expectTensor(ctx, randomUniform([20]), [20], 'float32', expected, 'randomUniform after setSeed(1234)', true);
    });

    it('have sane statistics', async () => {
      const m = 20000;
      const u = randomUniform([m], -1, 3, 'float32', 41);
      const g = randomNormal([m], 1, 2, 'float32', 42);
      const tn = truncatedNormal([m], 0, 1, 'float32', 43);
      const [vu, vg, vt] = await Promise.all([values(u), values(g), values(tn)]);
      [u, g, tn].forEach((t) => t.dispose());
      expect(Math.min(...vu)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...vu)).toBeLessThan(3);
      const su = stats(vu);
      expect(Math.abs(su.mean - 1)).toBeLessThan(0.03);
      expect(Math.abs(su.std - 4 / Math.sqrt(12))).toBeLessThan(0.02);
      const sg = stats(vg);
      expect(Math.abs(sg.mean - 1)).toBeLessThan(0.05);
      expect(Math.abs(sg.std - 2)).toBeLessThan(0.05);
      const st = stats(vt);
      expect(Math.max(...vt.map(Math.abs))).toBeLessThanOrEqual(2);
      expect(Math.abs(st.mean)).toBeLessThan(0.03);
      // The standard deviation of a unit normal truncated at ±2.
      expect(Math.abs(st.std - 0.8796)).toBeLessThan(0.02);
    });
  });

}
