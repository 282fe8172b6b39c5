import { describe, expect, it } from 'vitest';
import { Random } from '../src/random.js';
import { formatTensor } from '../src/format.js';

describe('Random (xoshiro128**)', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Random(1);
    const b = new Random(1);
    const c = new Random(2);
    const xa = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xa);
  });

  it('getState/setState continue the same sequence, through JSON, with the normal spare', () => {
    const a = new Random(77);
    for (let i = 0; i < 1000; i++) a.nextU32();
    a.normal(); // leaves a Box–Muller spare behind
    const saved = JSON.parse(JSON.stringify(a.getState())) as ReturnType<Random['getState']>;
    expect(saved.words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)).toBe(true);
    expect(saved.spare).not.toBeNull();
    const b = new Random(1);
    b.setState(saved);
    const draw = (r: Random): number[] => [r.normal(), r.nextU32(), r.next(), r.normal(), r.normal()];
    expect(draw(b)).toEqual(draw(a));
    expect(() => b.setState({ words: [1, 2, 3], spare: null })).toThrow(/Random.setState: expected \{ words: four 32-bit unsigned integers/);
    expect(() => b.setState({ words: [1, 2, 3, -1], spare: null })).toThrow(/Random.setState/);
    expect(() => b.setState({ words: [1, 2, 3, 4], spare: NaN })).toThrow(/a number or null/);
  });

  it('gives uniform values in [0,1) with the right moments', () => {
    const r = new Random(123);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const v = r.next();
      s += v;
      s2 += v * v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(s / n).toBeCloseTo(0.5, 2);
    expect(s2 / n - (s / n) ** 2).toBeCloseTo(1 / 12, 2);
  });

  it('gives normal values with mean 0 and std 1, and truncated ones within 2σ', () => {
    const r = new Random(9);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      s += v;
      s2 += v * v;
    }
    expect(s / n).toBeCloseTo(0, 2);
    expect(Math.sqrt(s2 / n)).toBeCloseTo(1, 2);
    for (let i = 0; i < 10_000; i++) expect(Math.abs(r.truncatedNormal(0, 1))).toBeLessThanOrEqual(2);
  });
});

describe('formatTensor', () => {
  it('prints like NumPy', () => {
    expect(formatTensor(new Float32Array([1, 2.5, -3, 4, 5, 6]), [2, 3], 'float32')).toBe('[[ 1., 2.5, -3.],\n [ 4.,  5.,  6.]]');
    expect(formatTensor(new Int32Array([7]), [], 'int32')).toBe('7');
    expect(formatTensor(new Uint8Array([1, 0]), [2], 'bool')).toBe('[ true, false]');
  });

  it('summarises large tensors with ellipses', () => {
    const s = formatTensor(new Float32Array(2000).map((_, i) => i), [2000], 'float32');
    expect(s).toBe('[   0.,    1.,    2., ..., 1997., 1998., 1999.]');
  });
});
