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

  it('refuses unknown options by name', () => {
    const { x, y } = data(4);
    expect(() => batchesFromArrays(x, [4, 2], y, [4], { batchSize: 2, suffle: true } as never)).toThrow(/unknown option\(s\) 'suffle'; expected batchSize, shuffle/);
  });
});

describe('batchesFromArrays augment', () => {
  /** n images of h×w×c where pixel (y, x, ch) of image i is 1 + i*1000 + y*100 + x*10 + ch (no zeros). */
  function images(n: number, h: number, w: number, c: number): Float32Array {
    const out = new Float32Array(n * h * w * c);
    for (let i = 0; i < n; i++) for (let yy = 0; yy < h; yy++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) out[((i * h + yy) * w + xx) * c + ch] = 1 + i * 1000 + yy * 100 + xx * 10 + ch;
    return out;
  }

  /** Reads back (dy, dx, flip) of each augmented image by locating its pixels; checks the rest is 0. */
  function decode(img: Float32Array, i: number, h: number, w: number, c: number): { dy: number; dx: number; flip: boolean } {
    const at = (yy: number, xx: number, ch: number): number => img[(yy * w + xx) * c + ch]!;
    let found: { dy: number; dx: number; flip: boolean } | undefined;
    for (let yy = 0; yy < h && !found; yy++) {
      for (let xx = 0; xx < w && !found; xx++) {
        const v = at(yy, xx, 0);
        if (v === 0) continue;
        const sy = Math.floor((v - 1 - i * 1000) / 100);
        const sx = Math.floor(((v - 1 - i * 1000) % 100) / 10);
        // The neighbour to the right tells the direction: source x + 1 unflipped, x - 1 mirrored.
        const right = xx + 1 < w ? at(yy, xx + 1, 0) : 0;
        const flip = right !== 0 ? right < v : false;
        found = { dy: yy - sy, dx: flip ? w - 1 - xx - sx : xx - sx, flip };
      }
    }
    expect(found).toBeDefined();
    const { dy, dx, flip } = found!;
    for (let yy = 0; yy < h; yy++) {
      for (let xx = 0; xx < w; xx++) {
        const ux = flip ? w - 1 - xx : xx;
        const [sy, sx] = [yy - dy, ux - dx];
        for (let ch = 0; ch < c; ch++) {
          const want = sy >= 0 && sy < h && sx >= 0 && sx < w ? 1 + i * 1000 + sy * 100 + sx * 10 + ch : 0;
          expect(at(yy, xx, ch)).toBe(want);
        }
      }
    }
    return found!;
  }

  it('shifts by whole pixels within ±shift and mirrors about half the images, filling with 0, labels untouched', async () => {
    const [n, h, w, c] = [200, 6, 7, 2];
    const x = images(n, h, w, c);
    const y = Int32Array.from(range(n));
    const ds = batchesFromArrays(x, [n, h, w, c], y, [n], { batchSize: 50, seed: 3, augment: { shift: 2, flipHorizontal: true } });
    const seen = { dy: new Set<number>(), dx: new Set<number>(), flips: 0, moved: 0 };
    for await (const { xs, ys } of ds) {
      const xv = xs.dataSync() as Float32Array;
      const ids = [...ys.dataSync()];
      expect(xs.shape).toEqual([50, h, w, c]);
      ids.forEach((id, k) => {
        const got = decode(xv.subarray(k * h * w * c, (k + 1) * h * w * c), id, h, w, c);
        expect(Math.abs(got.dy)).toBeLessThanOrEqual(2);
        expect(Math.abs(got.dx)).toBeLessThanOrEqual(2);
        seen.dy.add(got.dy);
        seen.dx.add(got.dx);
        if (got.flip) seen.flips++;
        if (got.dy !== 0 || got.dx !== 0) seen.moved++;
      });
      dispose([xs, ys]);
    }
    expect([...seen.dy].sort()).toEqual([-1, -2, 0, 1, 2]);
    expect([...seen.dx].sort()).toEqual([-1, -2, 0, 1, 2]);
    expect(seen.flips).toBeGreaterThan(70);
    expect(seen.flips).toBeLessThan(130);
    expect(seen.moved).toBeGreaterThan(150); // 24 of 25 (dy, dx) pairs move the image
  });

  it('draws anew each pass, reproducibly from the seed, without changing the shuffle', async () => {
    const [n, h, w] = [40, 5, 5];
    const x = images(n, h, w, 1);
    const y = Int32Array.from(range(n));
    const run = async (augment: { shift: number } | undefined): Promise<number[][]> => {
      const ds = batchesFromArrays(x, [n, h, w], y, [n], { batchSize: 40, shuffle: true, seed: 9, ...(augment ? { augment } : {}) });
      const passes: number[][] = [];
      for (let p = 0; p < 2; p++) {
        for await (const { xs, ys } of ds) {
          passes.push([...ys.dataSync(), ...xs.dataSync()]);
          dispose([xs, ys]);
        }
      }
      return passes;
    };
    const [a, b, plain] = [await run({ shift: 1 }), await run({ shift: 1 }), await run(undefined)];
    expect(a).toEqual(b);
    expect(a[0]!.slice(n * h * w)).not.toEqual(a[1]!.slice(n * h * w));
    expect(a.map((p) => p.slice(0, n))).toEqual(plain.map((p) => p.slice(0, n)));
  });

  it('applies xScale to byte pixels as it moves them', async () => {
    const x = Uint8Array.from([10, 20, 30, 40]);
    const ds = batchesFromArrays(x, [1, 2, 2], Int32Array.from([0]), [1], { batchSize: 1, xScale: 0.1, augment: { flipHorizontal: true }, seed: 0 });
    const got = new Set<string>();
    for (let p = 0; p < 12; p++) {
      for await (const { xs, ys } of ds) {
        got.add([...xs.dataSync()].map((v) => v.toFixed(1)).join(','));
        dispose([xs, ys]);
      }
    }
    expect([...got].sort()).toEqual(['1.0,2.0,3.0,4.0', '2.0,1.0,4.0,3.0']);
  });

  it('refuses what it cannot do, naming the option', () => {
    const { x, y } = data(4);
    const img = new Float32Array(4 * 9);
    expect(() => batchesFromArrays(x, [4, 2], y, [4], { batchSize: 2, augment: { shift: 1 } })).toThrow(/augment needs image rows, x of shape \[n, height, width\] or \[n, height, width, channels\]; got x of shape \[4,2\]/);
    expect(() => batchesFromArrays(img, [4, 3, 3], y, [4], { batchSize: 2, augment: { shift: 3 } })).toThrow(/augment.shift must be a whole number of pixels in \[0, 2\] for 3×3 images, got 3/);
    expect(() => batchesFromArrays(img, [4, 3, 3], y, [4], { batchSize: 2, augment: { shift: 0.5 } })).toThrow(/augment.shift .* got 0.5/);
    expect(() => batchesFromArrays(img, [4, 3, 3], y, [4], { batchSize: 2, augment: { flip: true } as never })).toThrow(/unknown augment option\(s\) 'flip'; expected shift, flipHorizontal/);
    expect(() => batchesFromArrays(img, [4, 3, 3], y, [4], { batchSize: 2, augment: { flipHorizontal: 1 } as never })).toThrow(/flipHorizontal must be true or false, got 1/);
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
