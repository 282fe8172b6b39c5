import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
import { dispose, memory } from '@tessera/core';
import { blobs, labelCounts, moons, spirals, toTensors, xor, type SyntheticSet } from '../src/index.js';

function centroid(d: SyntheticSet, cls: number): number[] {
  const dims = d.xsShape[1]!;
  const sum = new Array<number>(dims).fill(0);
  let n = 0;
  d.ys.forEach((c, i) => {
    if (c !== cls) return;
    n++;
    for (let j = 0; j < dims; j++) sum[j]! += d.xs[i * dims + j]!;
  });
  return sum.map((s) => s / n);
}

describe('synthetic sets', () => {
  it('spirals: shapes, balanced classes, seeded and shuffled', () => {
    const d = spirals(300, 3, 0.05, 1);
    expect(d.xsShape).toEqual([300, 2]);
    expect(d.ysShape).toEqual([300]);
    expect(d.numClasses).toBe(3);
    expect(labelCounts(d.ys, 3)).toEqual([100, 100, 100]);
    expect(labelCounts(spirals(301, 3, 0.05, 1).ys, 3)).toEqual([101, 100, 100]);
    expect(spirals(300, 3, 0.05, 1)).toEqual(d);
    expect(spirals(300, 3, 0.05, 2).xs).not.toEqual(d.xs);
    // Rows are mixed, not class after class.
    expect([...d.ys.subarray(0, 100)].some((c) => c !== d.ys[0])).toBe(true);
    // Points lie within the unit disc up to the noise.
    for (let i = 0; i < 300; i++) expect(Math.hypot(d.xs[2 * i]!, d.xs[2 * i + 1]!)).toBeLessThan(1.3);
  });

  it('moons: two classes, the upper one above the lower one on average', () => {
    const d = moons(200, 0.05, 3);
    expect(d.xsShape).toEqual([200, 2]);
    expect(labelCounts(d.ys, 2)).toEqual([100, 100]);
    const [, y0] = centroid(d, 0);
    const [, y1] = centroid(d, 1);
    expect(y0!).toBeGreaterThan(y1! + 0.5);
  });

  it('blobs: centres on a circle of radius 5, any dimension count', () => {
    const d = blobs(400, 4, 0.5, 9, 3);
    expect(d.xsShape).toEqual([400, 3]);
    expect(labelCounts(d.ys, 4)).toEqual([100, 100, 100, 100]);
    const c1 = centroid(d, 1);
    expect(c1[0]!).toBeCloseTo(0, 0);
    expect(c1[1]!).toBeCloseTo(5, 0);
    expect(Math.abs(c1[2]!)).toBeLessThan(0.3);
    expect(() => blobs(10, 2, 1, 0, 1)).toThrow(/dims must be an integer >= 2/);
  });

  it('xor: class 1 exactly where the signs differ (no noise), balanced', () => {
    const d = xor(100, 0, 4);
    expect(labelCounts(d.ys, 2)).toEqual([50, 50]);
    for (let i = 0; i < 100; i++) {
      const differ = d.xs[2 * i]! * d.xs[2 * i + 1]! < 0;
      expect(d.ys[i]).toBe(differ ? 1 : 0);
    }
  });

  it('checks arguments and converts to tensors', () => {
    expect(() => spirals(0)).toThrow(/n must be a positive integer, got 0/);
    expect(() => moons(10, -1)).toThrow(/noise must be a finite number >= 0, got -1/);
    const before = memory().numTensors;
    const t = toTensors(spirals(20, 2, 0, 0), { oneHot: 2 });
    expect(t.xs.shape).toEqual([20, 2]);
    expect(t.ys.shape).toEqual([20, 2]);
    expect([...t.ys.dataSync()].reduce((a, b) => a + b, 0)).toBe(20);
    const sparse = toTensors(xor(8, 0, 1));
    expect(sparse.ys.dtype).toBe('int32');
    dispose([t, sparse]);
    expect(memory().numTensors).toBe(before);
  });
});
