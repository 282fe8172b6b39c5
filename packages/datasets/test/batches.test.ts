import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
import { dispose, memory, setSeed } from '@tessera/core';
import { batchesFromArrays, type Batch, type Dataset } from '../src/index.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** x row i = [i, 100 + i]; y row i = i. */
function data(n: number): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = 100 + i;
  }
  return { x, y: Int32Array.from(range(n)) };
}

/** Row ids of each batch (read from ys), checking that xs rows match them; disposes the batches. */
async function epochRows(ds: Dataset<Batch>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const { xs, ys } of ds) {
    const ids = [...ys.dataSync()];
    const xv = xs.dataSync();
    ids.forEach((id, k) => expect([xv[2 * k], xv[2 * k + 1]]).toEqual([id, 100 + id]));
    out.push(ids);
    dispose([xs, ys]);
  }
  return out;
}

describe('batchesFromArrays', () => {
  it('yields batches in order with the remainder last, or drops it', async () => {
    const { x, y } = data(10);
    const ds = batchesFromArrays(x, [10, 2], y, [10], { batchSize: 4 });
    expect(ds.size).toBe(3);
    expect(await epochRows(ds)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const dropped = batchesFromArrays(x, [10, 2], y, [10], { batchSize: 4, dropRemainder: true });
    expect(dropped.size).toBe(2);
    expect(await epochRows(dropped)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  it('gives tensors of the right shapes and dtypes', async () => {
    const { x, y } = data(6);
    const [b] = await batchesFromArrays(x, [6, 1, 2], y, [6], { batchSize: 4 }).take(1).toArray();
    expect(b!.xs.shape).toEqual([4, 1, 2]);
    expect(b!.xs.dtype).toBe('float32');
    expect(b!.ys.shape).toEqual([4]);
    expect(b!.ys.dtype).toBe('int32');
    dispose(b);
  });

  it('shuffles every row exactly once per epoch, reproducibly from the seed, differently each epoch', async () => {
    const { x, y } = data(50);
    const make = (seed: number): Dataset<Batch> => batchesFromArrays(x, [50, 2], y, [50], { batchSize: 8, shuffle: true, seed });
    const a = make(11);
    const b = make(11);
    const a1 = (await epochRows(a)).flat();
    const a2 = (await epochRows(a)).flat();
    expect([...a1].sort((p, q) => p - q)).toEqual(range(50));
    expect(a1).not.toEqual(range(50));
    expect(a2).not.toEqual(a1);
    expect((await epochRows(b)).flat()).toEqual(a1);
    expect((await epochRows(b)).flat()).toEqual(a2);
    expect((await epochRows(make(12))).flat()).not.toEqual(a1);
  });

  it('without a seed follows core setSeed', async () => {
    const { x, y } = data(30);
    setSeed(5);
    const first = (await epochRows(batchesFromArrays(x, [30, 2], y, [30], { batchSize: 30, shuffle: true }))).flat();
    setSeed(5);
    const again = (await epochRows(batchesFromArrays(x, [30, 2], y, [30], { batchSize: 30, shuffle: true }))).flat();
    expect(again).toEqual(first);
  });

  it('scales byte pixels, one-hot encodes labels, keeps float labels', async () => {
    const x = new Uint8Array([0, 255, 51, 102]);
    const labels = new Uint8Array([2, 0]);
    const [b] = await batchesFromArrays(x, [2, 2], labels, [2], { batchSize: 2, xScale: 1 / 255, oneHot: 3 }).toArray();
    expect(b!.xs.dtype).toBe('float32');
    expect([...b!.xs.dataSync()].map((v) => Math.round(v * 100) / 100)).toEqual([0, 1, 0.2, 0.4]);
    expect(b!.ys.shape).toEqual([2, 3]);
    expect([...b!.ys.dataSync()]).toEqual([0, 0, 1, 1, 0, 0]);
    dispose(b);
    const [r] = await batchesFromArrays(new Int32Array([1, 2]), [2, 1], new Float32Array([0.5, -1.5]), [2, 1], { batchSize: 2 }).toArray();
    expect(r!.xs.dtype).toBe('int32');
    expect(r!.ys.dtype).toBe('float32');
    expect([...r!.ys.dataSync()]).toEqual([0.5, -1.5]);
    dispose(r);
  });

  it('checks its arguments', () => {
    const { x, y } = data(4);
    expect(() => batchesFromArrays(x, [4, 3], y, [4], { batchSize: 2 })).toThrow(/x has 8 values, expected 12 to fill shape \[4,3\]/);
    expect(() => batchesFromArrays(x, [4, 2], y.subarray(0, 3), [3], { batchSize: 2 })).toThrow(/x has 4 rows .* but y has 3/);
    expect(() => batchesFromArrays(x, [4, 2], y, [4], { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => batchesFromArrays(x, [4, 2], y, [4], { batchSize: 2, oneHot: 3 })).toThrow(/label 3 at row 3 is not an integer in \[0, 3\)/);
  });

  it('keeps memory flat over an epoch of a 6000-row set when the consumer disposes each batch', async () => {
    const n = 6000;
    const x = new Float32Array(n * 784).map((_, i) => (i % 255) / 255);
    const y = new Uint8Array(n).map((_, i) => i % 10);
    const ds = batchesFromArrays(x, [n, 784], y, [n], { batchSize: 128, shuffle: true, seed: 1, oneHot: 10 });
    const before = memory();
    let batches = 0;
    for await (const b of ds) {
      expect(memory().numTensors).toBe(before.numTensors + 2);
      dispose(b);
      batches++;
    }
    expect(batches).toBe(Math.ceil(n / 128));
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });
});
