import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
import { dispose, memory, type Tensor } from '@tessera/core';
import { Dataset, Tokenizer, batchesFromArrays, nextTokenArrays, nextTokenBatches, type Batch } from '../src/index.js';

const range = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

/** Each batch as nested arrays, with its dtypes and shapes checked; disposes the batches. */
async function read(ds: Dataset<Batch>): Promise<{ xs: number[][]; ys: number[][] }[]> {
  const out: { xs: number[][]; ys: number[][] }[] = [];
  const rows = (t: Tensor): number[][] => {
    const [b, steps] = t.shape as [number, number];
    const v = [...t.dataSync()];
    return Array.from({ length: b }, (_, i) => v.slice(i * steps, (i + 1) * steps));
  };
  for await (const { xs, ys } of ds) {
    expect([xs.dtype, ys.dtype]).toEqual(['int32', 'int32']);
    expect(xs.shape).toEqual(ys.shape);
    out.push({ xs: rows(xs), ys: rows(ys) });
    dispose([xs, ys]);
  }
  return out;
}

describe('nextTokenBatches, contiguous layout', () => {
  it('gives each batch row its own stream, continued by the same row of the next batch', async () => {
    // 21 tokens: 20 next-token pairs, 2 streams of 10: x 0..9 and 10..19.
    const ds = nextTokenBatches(range(21), { batchSize: 2, seqLength: 3 });
    expect(ds.size).toBe(4);
    expect(await read(ds)).toEqual([
      { xs: [[0, 1, 2], [10, 11, 12]], ys: [[1, 2, 3], [11, 12, 13]] },
      { xs: [[3, 4, 5], [13, 14, 15]], ys: [[4, 5, 6], [14, 15, 16]] },
      { xs: [[6, 7, 8], [16, 17, 18]], ys: [[7, 8, 9], [17, 18, 19]] },
      { xs: [[9], [19]], ys: [[10], [20]] },
    ]);
    const dropped = nextTokenBatches(range(21), { batchSize: 2, seqLength: 3, dropRemainder: true });
    expect(dropped.size).toBe(3);
    expect((await read(dropped)).map((b) => b.xs[0]![0])).toEqual([0, 3, 6]);
  });

  it('predicts every token but the first once, leaving out the (n − 1) % batchSize at the end', async () => {
    const batches = await read(nextTokenBatches(Array.from(range(24)), { batchSize: 3, seqLength: 4 }));
    // 23 pairs, 3 streams of 7: tokens 1..21 are predicted, 22 and 23 are left out.
    const predicted = batches.flatMap((b) => b.ys.flat()).sort((a, b) => a - b);
    expect(predicted).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(batches.map((b) => b.xs[0]!.length)).toEqual([4, 3]);
  });

  it('is the same every pass', async () => {
    const ds = nextTokenBatches(range(30), { batchSize: 2, seqLength: 5 });
    expect(await read(ds)).toEqual(await read(ds));
  });
});

describe('nextTokenBatches, windows layout', () => {
  it('cuts windows every stride tokens, in order without shuffle', async () => {
    const ds = nextTokenBatches(range(11), { batchSize: 2, seqLength: 3, layout: 'windows', shuffle: false });
    expect(ds.size).toBe(2);
    expect(await read(ds)).toEqual([
      { xs: [[0, 1, 2], [3, 4, 5]], ys: [[1, 2, 3], [4, 5, 6]] },
      { xs: [[6, 7, 8]], ys: [[7, 8, 9]] },
    ]);
    const overlapping = await read(nextTokenBatches(range(6), { batchSize: 8, seqLength: 3, layout: 'windows', shuffle: false, stride: 1 }));
    expect(overlapping[0]!.xs).toEqual([[0, 1, 2], [1, 2, 3], [2, 3, 4]]);
  });

  it('shuffles the windows by the seed: every window once per pass, a new order each pass, the same for the same seed', async () => {
    const opts = { batchSize: 4, seqLength: 2, layout: 'windows' as const, stride: 1, seed: 5 };
    const starts = async (ds: Dataset<Batch>): Promise<number[]> => (await read(ds)).flatMap((b) => b.xs.map((r, i) => {
      expect(r.map((v) => v + 1)).toEqual(b.ys[i]);
      return r[0]!;
    }));
    const ds = nextTokenBatches(range(41), opts);
    const first = await starts(ds);
    const second = await starts(ds);
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 39 }, (_, i) => i));
    expect(first).not.toEqual(second);
    expect(first).not.toEqual([...first].sort((a, b) => a - b));
    const again = nextTokenBatches(range(41), opts);
    expect(await starts(again)).toEqual(first);
    expect(await starts(again)).toEqual(second);
    expect(await starts(nextTokenBatches(range(41), { ...opts, seed: 6 }))).not.toEqual(first);
  });

  it('drops a short last batch on request', async () => {
    const ds = nextTokenBatches(range(11), { batchSize: 2, seqLength: 3, layout: 'windows', dropRemainder: true, seed: 1 });
    expect(ds.size).toBe(1);
    expect((await read(ds)).map((b) => b.xs.length)).toEqual([2]);
  });
});

describe('nextTokenBatches errors and memory', () => {
  it('names bad options and too-short streams', () => {
    expect(() => nextTokenBatches(range(10), { batchSize: 2, seqLen: 3 } as never)).toThrow(
      "nextTokenBatches: unknown option 'seqLen'; known options: batchSize, dropRemainder, layout, seed, seqLength, shuffle, stride",
    );
    expect(() => nextTokenBatches(range(10), { batchSize: 0, seqLength: 3 })).toThrow('nextTokenBatches: batchSize must be a positive integer, got 0');
    expect(() => nextTokenBatches(range(10), { batchSize: 2, seqLength: 3, seed: 1 })).toThrow("nextTokenBatches: 'seed' applies to the 'windows' layout only");
    expect(() => nextTokenBatches(range(10), { batchSize: 2, seqLength: 3, layout: 'bptt' as never })).toThrow("nextTokenBatches: layout must be 'contiguous' or 'windows', got \"bptt\"");
    expect(() => nextTokenBatches(range(4), { batchSize: 4, seqLength: 3 })).toThrow('nextTokenBatches: 4 tokens give no next-token pair to each of 4 streams; use a smaller batchSize (at most 3)');
    expect(() => nextTokenBatches(range(6), { batchSize: 2, seqLength: 3, dropRemainder: true })).toThrow(
      'nextTokenBatches: streams of 2 tokens are shorter than seqLength 3 and dropRemainder drops them all',
    );
    expect(() => nextTokenBatches(range(3), { batchSize: 1, seqLength: 3, layout: 'windows' })).toThrow('nextTokenBatches: 3 tokens are too few for one window of seqLength 3 (it needs 4)');
    expect(() => nextTokenBatches([1, 2.5, 3], { batchSize: 1, seqLength: 1 })).toThrow('nextTokenBatches: token id 2.5 at position 1 is not a non-negative integer');
    expect(() => nextTokenBatches(Int32Array.of(1, -2, 3), { batchSize: 1, seqLength: 1 })).toThrow('nextTokenBatches: token id -2 at position 1 is negative');
  });

  it('leaves no tensor behind over an epoch or when the consumer stops early', async () => {
    const before = memory().numTensors;
    const ds = nextTokenBatches(range(100), { batchSize: 3, seqLength: 5, layout: 'windows', seed: 2 });
    await ds.forEachAsync(() => undefined);
    for await (const b of ds) {
      dispose(b);
      break;
    }
    expect(memory().numTensors).toBe(before);
  });
});

describe('nextTokenArrays', () => {
  it('pads next-token rows with 0 to the longest sequence', () => {
    const a = nextTokenArrays([Int32Array.of(2, 5, 6, 3), [2, 7, 3]]);
    expect(a.xsShape).toEqual([2, 3]);
    expect(a.ysShape).toEqual([2, 3]);
    expect([...a.xs]).toEqual([2, 5, 6, 2, 7, 0]);
    expect([...a.ys]).toEqual([5, 6, 3, 7, 3, 0]);
    const wide = nextTokenArrays([[2, 3]], { length: 4, padId: 9 });
    expect([...wide.xs]).toEqual([2, 9, 9, 9]);
    expect([...wide.ys]).toEqual([3, 9, 9, 9]);
  });

  it('names sequences it cannot take', () => {
    expect(() => nextTokenArrays([[2, 5, 6, 3]], { length: 2 })).toThrow('nextTokenArrays: sequence 0 has 4 tokens, more than length 2 + 1');
    expect(() => nextTokenArrays([[2, 3], [2]])).toThrow('nextTokenArrays: sequence 1 has 1 token; a next-token pair needs 2');
    expect(() => nextTokenArrays([[2, 0, 3]])).toThrow('nextTokenArrays: sequence 0 holds the padding id 0 at position 1; padding would hide it from the loss');
    expect(() => nextTokenArrays([])).toThrow('nextTokenArrays: expected a non-empty array of token id sequences');
    expect(() => nextTokenArrays([[2, 3]], { pad: 0 } as never)).toThrow("nextTokenArrays: unknown option 'pad'");
  });

  it('feeds batchesFromArrays: names as <bos> name <eos>, padded, shuffled into int32 batches', async () => {
    const names = ['ada', 'bo', 'cyrilla'];
    const tok = Tokenizer.fit(names, { level: 'char', reserved: ['<bos>', '<eos>'] });
    const [bos, eos] = [tok.idOf('<bos>'), tok.idOf('<eos>')];
    const a = nextTokenArrays(names.map((n) => Int32Array.of(bos, ...tok.encode(n), eos)));
    expect(a.xsShape).toEqual([3, 8]);
    const batches = await read(batchesFromArrays(a.xs, a.xsShape, a.ys, a.ysShape, { batchSize: 3, shuffle: true, seed: 3 }));
    const byFirstTarget = batches[0]!.ys.map((row) => tok.decode(row)).sort();
    expect(byFirstTarget).toEqual(['ada<eos>', 'bo<eos>', 'cyrilla<eos>']);
    for (const [i, row] of batches[0]!.xs.entries()) expect(row.slice(1).filter((v) => v !== 0)).toEqual(batches[0]!.ys[i]!.filter((v) => v !== 0 && v !== eos));
  });
});
