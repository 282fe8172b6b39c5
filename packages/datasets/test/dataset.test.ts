import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
import { dispose, memory, tensor, tensor2d, type Tensor } from '@tessera/core';
import { Dataset } from '../src/index.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Reads each batch's values and disposes it. */
async function batchValues(ds: Dataset<Tensor>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of ds) {
    out.push([...b.dataSync()]);
    b.dispose();
  }
  return out;
}

async function numbers(ds: Dataset<number>): Promise<number[]> {
  return ds.toArray();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('sources', () => {
  it('fromItems keeps order and is re-iterable', async () => {
    const ds = Dataset.fromItems(range(6));
    expect(ds.size).toBe(6);
    expect(await numbers(ds)).toEqual(range(6));
    expect(await numbers(ds)).toEqual(range(6));
  });

  it('fromItems hands out clones, so disposing them keeps the source tensors alive', async () => {
    const src = [tensor([1, 2]), tensor([3, 4])];
    const ds = Dataset.fromItems(src);
    for (let epoch = 0; epoch < 2; epoch++) {
      const got = await ds.toArray();
      expect(got.map((t) => [...t.dataSync()])).toEqual([[1, 2], [3, 4]]);
      expect(got[0]).not.toBe(src[0]);
      dispose(got);
    }
    expect(src.every((t) => !t.isDisposed)).toBe(true);
    dispose(src);
  });

  it('fromArrays yields row tensors from labeled arrays and from a record of shaped arrays', async () => {
    const xs = Float32Array.from(range(12));
    const ys = new Uint8Array([3, 1, 4]);
    const rows = await Dataset.fromArrays({ xs, xsShape: [3, 2, 2], ys, ysShape: [3] }).toArray();
    expect(rows).toHaveLength(3);
    expect(rows[1]!.xs.shape).toEqual([2, 2]);
    expect([...rows[1]!.xs.dataSync()]).toEqual([4, 5, 6, 7]);
    expect(rows[2]!.ys.shape).toEqual([]);
    expect(rows[2]!.ys.dtype).toBe('int32');
    expect(rows[2]!.ys.dataSync()[0]).toBe(4);
    dispose(rows);
    const rec = await Dataset.fromArrays({ a: { data: new Int32Array([1, 2, 3, 4]), shape: [2, 2] } }).toArray();
    expect(rec.map((r) => [...r.a.dataSync()])).toEqual([[1, 2], [3, 4]]);
    dispose(rec);
    expect(() => Dataset.fromArrays({ xs, xsShape: [4, 3], ys, ysShape: [3] })).toThrow(/xs has 12 values, expected 12|xs has 4 rows/);
    expect(() => Dataset.fromArrays({ xs, xsShape: [2, 5], ys, ysShape: [3] })).toThrow(/xs has 12 values, expected 10 to fill shape \[2,5\]/);
  });

  it('fromTensors slices rows of one tensor or of a record of tensors', async () => {
    const x = tensor2d([[1, 2], [3, 4], [5, 6]]);
    const y = tensor([7, 8, 9], [3], 'int32');
    const rows = await Dataset.fromTensors(x).toArray();
    expect(rows.map((r) => [...r.dataSync()])).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(rows[0]!.shape).toEqual([2]);
    dispose(rows);
    const pairs = await Dataset.fromTensors({ x, y }).toArray();
    expect(pairs.map((p) => p.y.dataSync()[0])).toEqual([7, 8, 9]);
    expect(pairs[2]!.y.shape).toEqual([]);
    dispose(pairs);
    expect(() => Dataset.fromTensors({ x, y: tensor([1, 2]) })).toThrow(/'y' has shape \[2\], expected 3 rows like 'x'/);
    dispose([x, y]);
  });

  it('fromGenerator calls the function once per pass; sync and async generators both work', async () => {
    let calls = 0;
    const ds = Dataset.fromGenerator(function* () {
      calls++;
      yield* [1, 2, 3];
    });
    expect(await numbers(ds)).toEqual([1, 2, 3]);
    expect(await numbers(ds)).toEqual([1, 2, 3]);
    expect(calls).toBe(2);
    const asyncDs = Dataset.fromGenerator(async function* () {
      await sleep(1);
      yield 'a';
      yield 'b';
    });
    expect(await asyncDs.toArray()).toEqual(['a', 'b']);
  });
});

describe('transformations', () => {
  it('batch stacks rows, keeps the remainder unless dropRemainder', async () => {
    const ds = Dataset.fromItems(range(10));
    expect(ds.batch(4).size).toBe(3);
    expect(await batchValues(ds.batch(4))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(ds.batch(4, { dropRemainder: true }).size).toBe(2);
    expect(await batchValues(ds.batch(4, { dropRemainder: true }))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(await batchValues(ds.batch(5, { dropRemainder: true }))).toEqual([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]);
    expect(await batchValues(ds.batch(20))).toEqual([range(10)]);
  });

  it('batch works leaf by leaf through objects and arrays', async () => {
    const x = tensor2d([[1, 2], [3, 4], [5, 6]]);
    const y = tensor([0, 1, 2], [3], 'int32');
    const batches = await Dataset.fromTensors({ x, y })
      .map(({ x: xi, y: yi }) => ({ pair: [xi, yi], w: 0.5 }))
      .batch(2)
      .toArray();
    expect(batches).toHaveLength(2);
    const [xb, yb] = batches[0]!.pair;
    expect(xb!.shape).toEqual([2, 2]);
    expect([...xb!.dataSync()]).toEqual([1, 2, 3, 4]);
    expect(yb!.dtype).toBe('int32');
    expect([...batches[1]!.pair[1]!.dataSync()]).toEqual([2]);
    expect([...batches[0]!.w.dataSync()]).toEqual([0.5, 0.5]);
    dispose([batches, x, y]);
  });

  it('batch reports rows that do not match row 0', async () => {
    const ds = Dataset.fromItems([tensor([1, 2]), tensor([1, 2, 3])]).batch(2);
    await expect(ds.toArray()).rejects.toThrow(/element of row 1 is float32 \[3\], expected float32 \[2\] like row 0/);
    const mixed = Dataset.fromItems<{ a: number } | { b: number }>([{ a: 1 }, { b: 2 }]).batch(2);
    await expect(mixed.toArray()).rejects.toThrow(/row 1 has no key 'a'/);
    await expect(Dataset.fromItems(['s']).batch(1).toArray()).rejects.toThrow(/only tensors and numbers/);
  });

  it('shuffle with a seed is reproducible, reshuffles each pass, and different seeds differ', async () => {
    const base = Dataset.fromItems(range(50));
    const a = base.shuffle(50, 42);
    const b = base.shuffle(50, 42);
    const a1 = await numbers(a);
    const a2 = await numbers(a);
    expect(await numbers(b)).toEqual(a1);
    expect(await numbers(b)).toEqual(a2);
    expect(a1).not.toEqual(a2);
    expect(a1).not.toEqual(range(50));
    expect([...a1].sort((p, q) => p - q)).toEqual(range(50));
    expect(await numbers(base.shuffle(50, 43))).not.toEqual(a1);
    const fixed = base.shuffle(50, 42, { reshuffleEachIteration: false });
    expect(await numbers(fixed)).toEqual(await numbers(fixed));
  });

  it('a small shuffle buffer only moves elements locally', async () => {
    const out = await numbers(Dataset.fromItems(range(100)).shuffle(4, 7));
    expect([...out].sort((p, q) => p - q)).toEqual(range(100));
    // Output i is drawn from the first i + bufferSize elements: nothing comes out more than bufferSize - 1 places early.
    out.forEach((v, i) => expect(v).toBeLessThanOrEqual(i + 3));
    expect(out.some((v, i) => v < i - 3)).toBe(true);
    expect(out).not.toEqual(range(100));
  });

  it('take, skip and repeat', async () => {
    const ds = Dataset.fromItems(range(10));
    expect(await numbers(ds.take(3))).toEqual([0, 1, 2]);
    expect(await numbers(ds.take(0))).toEqual([]);
    expect(await numbers(ds.take(30))).toEqual(range(10));
    expect(await numbers(ds.skip(7))).toEqual([7, 8, 9]);
    expect(await numbers(ds.skip(20))).toEqual([]);
    expect(await numbers(ds.take(3).repeat(2))).toEqual([0, 1, 2, 0, 1, 2]);
    expect(ds.repeat(3).size).toBe(30);
    expect(ds.repeat().size).toBe(Infinity);
    expect(await numbers(ds.repeat().take(25))).toEqual([...range(10), ...range(10), ...range(5)]);
    expect(await numbers(ds.take(0).repeat())).toEqual([]);
    await expect(ds.repeat().toArray()).rejects.toThrow(/endless/);
    expect(() => ds.take(-1)).toThrow(/count must be an integer >= 0, got -1/);
  });

  it('repeat reshuffles each pass of an upstream shuffle', async () => {
    const out = await numbers(Dataset.fromItems(range(20)).shuffle(20, 3).repeat(2));
    expect(out.slice(0, 20)).not.toEqual(out.slice(20));
    expect([...out.slice(20)].sort((p, q) => p - q)).toEqual(range(20));
  });

  it('map transforms elements and filter drops them', async () => {
    expect(await numbers(Dataset.fromItems(range(5)).map((v) => v * v))).toEqual([0, 1, 4, 9, 16]);
    expect(await numbers(Dataset.fromItems(range(10)).filter((v) => v % 3 === 0))).toEqual([0, 3, 6, 9]);
    const asyncMapped = await Dataset.fromItems(range(3))
      .mapAsync(async (v) => {
        await sleep(1);
        return v + 10;
      })
      .toArray();
    expect(asyncMapped).toEqual([10, 11, 12]);
    await expect(Dataset.fromItems([1]).map(async (v) => v).toArray()).rejects.toThrow(/use mapAsync/);
  });

  it('prefetch keeps order even when upstream work takes varying time', async () => {
    const delays = [5, 0, 3, 1, 4, 0, 2, 0];
    const ds = Dataset.fromItems(range(8))
      .mapAsync(async (v) => {
        await sleep(delays[v]!);
        return v;
      })
      .prefetch(3);
    expect(await numbers(ds)).toEqual(range(8));
    expect(await numbers(Dataset.fromItems(range(5)).prefetch(10))).toEqual(range(5));
    expect(await numbers(Dataset.fromItems(range(5)).prefetch(2).take(2))).toEqual([0, 1]);
  });

  it('prefetch requests elements ahead of the consumer', async () => {
    let produced = 0;
    const ds = Dataset.fromGenerator(function* () {
      for (let i = 0; i < 10; i++) {
        produced++;
        yield i;
      }
    }).prefetch(4);
    const it = ds[Symbol.asyncIterator]();
    await it.next();
    await sleep(0);
    expect(produced).toBeGreaterThanOrEqual(4);
    await it.return?.();
  });

  it('errors from upstream reach the consumer', async () => {
    const failing = Dataset.fromGenerator(function* () {
      yield 1;
      throw new Error('source broke');
    });
    await expect(failing.prefetch(2).toArray()).rejects.toThrow('source broke');
    await expect(failing.map((v) => v).batch(2).toArray()).rejects.toThrow('source broke');
  });
});

describe('memory stays flat', () => {
  function source(): { x: Tensor; y: Tensor } {
    const n = 100;
    return {
      x: tensor(Float32Array.from(range(n * 3)), [n, 3]),
      y: tensor(Int32Array.from(range(n).map((i) => i % 4)), [n], 'int32'),
    };
  }

  it('over a full epoch of fromTensors → shuffle → map → batch → prefetch when the consumer disposes each batch', async () => {
    const { x, y } = source();
    const ds = Dataset.fromTensors({ x, y })
      .shuffle(32, 1)
      .map(({ x: xi, y: yi }) => ({ xs: xi, ys: yi }))
      .batch(16)
      .prefetch(2);
    const before = memory().numTensors;
    let rows = 0;
    for (let epoch = 0; epoch < 2; epoch++) {
      for await (const b of ds) {
        rows += b.xs.shape[0]!;
        dispose(b);
      }
      expect(memory().numTensors).toBe(before);
    }
    expect(rows).toBe(200);
    dispose([x, y]);
  });

  it('when map replaces tensors (inputs and intermediates are freed)', async () => {
    const { x, y } = source();
    const before = memory().numTensors;
    await Dataset.fromTensors({ x, y })
      .map(({ x: xi, y: yi }) => ({ xs: xi.mul(2).add(1), ys: yi }))
      .batch(10)
      .forEachAsync((b) => {
        expect(b.xs.shape).toEqual([10, 3]);
      });
    expect(memory().numTensors).toBe(before);
    dispose([x, y]);
  });

  it('when the consumer stops early (buffers of shuffle, batch and prefetch are freed)', async () => {
    const { x, y } = source();
    const before = memory().numTensors;
    const ds = Dataset.fromTensors({ x, y }).shuffle(50, 2).batch(8).prefetch(3);
    let seen = 0;
    for await (const b of ds) {
      dispose(b);
      if (++seen === 2) break;
    }
    expect(memory().numTensors).toBe(before);
    const firstTwo = await ds.take(2).toArray();
    expect(memory().numTensors).toBe(before + 4);
    dispose(firstTwo);
    await ds.skip(11).forEachAsync(() => undefined);
    expect(memory().numTensors).toBe(before);
    dispose([x, y]);
  });

  it('when a pipeline fails part way', async () => {
    const { x, y } = source();
    const before = memory().numTensors;
    const ds = Dataset.fromTensors({ x, y })
      .shuffle(20, 5)
      .map((e) => {
        if (e.y.dataSync()[0] === 3 && e.x.dataSync()[0]! > 150) throw new Error('bad row');
        return e;
      })
      .batch(4);
    await expect(ds.forEachAsync(() => undefined)).rejects.toThrow('bad row');
    expect(memory().numTensors).toBe(before);
    dispose([x, y]);
  });
});
