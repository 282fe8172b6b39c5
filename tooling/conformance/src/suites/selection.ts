// topk and multinomial: composed ops (max/argMax/equal/where/gather; Gumbel-max over argMax) whose
// results must be the same on every backend, NaN, ±Infinity and ties included.
import { Random, multinomial, setSeed, tensor, topk, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { caseSuite, counts, expectCounts, storable, type OpCase, type SuiteContext } from '../harness.js';
import { choice, ints, values, type InputSpec } from '../inputs.js';
import { nd, type Nd } from '../reference.js';

/** Descending by value, equal values in index order, NaN above everything. */
function topkRef(x: Nd, k: number): [Nd, Nd] {
  const n = x.shape[x.shape.length - 1]!;
  const outer = x.shape.slice(0, -1);
  const vals: number[] = [];
  const idx: number[] = [];
  const key = (v: number): number => (Number.isNaN(v) ? Infinity : v);
  for (let r = 0; r < x.data.length / n; r++) {
    const row = x.data.slice(r * n, r * n + n);
    const order = row.map((_, i) => i).sort((a, b) => {
      const [ka, kb] = [key(row[a]!), key(row[b]!)];
      return ka > kb ? -1 : ka < kb ? 1 : a - b;
    });
    for (const i of order.slice(0, k)) {
      vals.push(row[i]!);
      idx.push(i);
    }
  }
  return [nd([...outer, k], vals), nd([...outer, k], idx)];
}

const topkCase = (name: string, input: InputSpec, k: number): OpCase => ({
  name: `topk ${name}`,
  inputs: [input],
  run: (x) => {
    const r = topk(x!, k);
    return [r.values, r.indices];
  },
  ref: (x) => topkRef(x!, k),
  dtype: [input.dtype ?? 'float32', 'int32'],
});

const TOPK: OpCase[] = [
  topkCase('k 3 of [4, 7]', { shape: [4, 7] }, 3),
  topkCase('k 1 of a vector', { shape: [9] }, 1),
  topkCase('k = n sorts the row', { shape: [3, 5] }, 5),
  topkCase('k 2 of [2, 3, 6]', { shape: [2, 3, 6] }, 2),
  topkCase('with ties (index order)', { shape: [5, 6], gen: choice([-1, 0, 2, 2]) }, 4),
  topkCase('of int32 with ties', { shape: [4, 6], dtype: 'int32', gen: ints(-2, 2) }, 3),
  topkCase('with ±Infinity and NaN (NaN first)', { shape: [3, 4], values: [-Infinity, 1, -Infinity, 2, NaN, Infinity, 0, NaN, -Infinity, -Infinity, -Infinity, -Infinity] }, 4),
  topkCase('past the last finite value of a row', { shape: [1, 3], values: [5, -Infinity, -Infinity] }, 3),
  topkCase('of int32 at the int32 limits', { shape: [1, 4], dtype: 'int32', values: [-2147483648, 7, -2147483648, 2147483647] }, 4),
  topkCase('k 0', { shape: [2, 3] }, 0),
];

/** Gumbel-max with Tessera's generator, as multinomial draws it, in the backend's float precision. */
function multinomialRef(logits: Nd, numSamples: number, seed: number): Nd {
  const classes = logits.shape[logits.shape.length - 1]!;
  const batch = logits.data.length / classes;
  const r = new Random(seed);
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < numSamples; s++) {
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < classes; c++) {
        const g = storable(-Math.log(-Math.log((r.nextU32() + 0.5) / 4294967296)));
        const score = storable(logits.data[b * classes + c]! + g);
        if (best < 0 || score > bestScore) [best, bestScore] = [c, score];
      }
      out.push(best);
    }
  }
  return nd(logits.shape.length === 1 ? [numSamples] : [batch, numSamples], out);
}

const MULTINOMIAL: OpCase[] = [
  { name: 'multinomial [3, 5] × 4 samples, seed 7', inputs: [{ shape: [3, 5] }], run: (l) => multinomial(l!, 4, { seed: 7 }), ref: (l) => multinomialRef(l!, 4, 7), dtype: 'int32' },
  { name: 'multinomial [6] × 10 samples, seed 123', inputs: [{ shape: [6] }], run: (l) => multinomial(l!, 10, { seed: 123 }), ref: (l) => multinomialRef(l!, 10, 123), dtype: 'int32' },
  {
    name: 'multinomial never draws a class with logit -Infinity',
    inputs: [{ shape: [2, 4], values: [0, -Infinity, 1, -Infinity, -Infinity, -Infinity, 3, -Infinity] }],
    run: (l) => multinomial(l!, 6, { seed: 1 }),
    ref: (l) => multinomialRef(l!, 6, 1),
    dtype: 'int32',
  },
];

async function read(t: Tensor): Promise<number[]> {
  try {
    return await values(t);
  } finally {
    t.dispose();
  }
}

export function selectionSuite(ctx: SuiteContext): void {
  caseSuite(ctx, 'topk', TOPK, ['transposed']);
  caseSuite(ctx, 'multinomial', MULTINOMIAL, ['transposed']);

  describe('topk and multinomial: options, frequencies and errors', () => {
    it('topk takes sorted as an option or a boolean (TF.js), and checks k, dtype and options', async () => {
      const start = counts();
      const x = tensor([[3, 1, 2]]);
      for (const sorted of [undefined, true, false]) {
        const r = sorted === undefined ? topk(x, 2) : topk(x, 2, { sorted });
        expect(await read(r.values)).toEqual([3, 2]);
        expect(await read(r.indices)).toEqual([0, 2]);
      }
      const b = topk(x, 1, false);
      expect(await read(b.values)).toEqual([3]);
      b.indices.dispose();
      expect(() => topk(x, 4)).toThrow('topk: k must be an integer in [0, 3] (the size of the last axis of [1,3]), got 4');
      expect(() => topk(x, 1.5)).toThrow(/topk: k must be an integer in \[0, 3\]/);
      const two = tensor(2);
      const flags = tensor([true, false]);
      expect(() => topk(two, 1)).toThrow('topk: x must have at least one axis, got a scalar');
      expect(() => topk(flags, 1)).toThrow('topk: x must be float32 or int32, got bool [2]');
      expect(() => topk(x, 1, { sort: true } as never)).toThrow(/topk: unknown option 'sort' \(did you mean 'sorted'\?\)/);
      dispose([x, two, flags]);
      expectCounts(counts(), start, 'topk');
    });

    it('multinomial: a seed repeats the draw, another seed (or none) draws anew, setSeed makes unseeded draws repeatable', async () => {
      const logits = tensor([[0, 0, 0, 0, 0, 0, 0, 0]]);
      const a = await read(multinomial(logits, 32, { seed: 5 }));
      expect(await read(multinomial(logits, 32, 5))).toEqual(a); // TF.js's positional seed
      expect(await read(multinomial(logits, 32, { seed: 6 }))).not.toEqual(a);
      setSeed(99);
      const b = await read(multinomial(logits, 32));
      expect(await read(multinomial(logits, 32))).not.toEqual(b);
      setSeed(99);
      expect(await read(multinomial(logits, 32))).toEqual(b);
      logits.dispose();
    });

    it('multinomial draws classes with the softmax probabilities (and normalized takes probabilities)', async () => {
      const probs = [0.1, 0.2, 0.7];
      const logits = tensor([probs.map(Math.log), [0, 0, Math.log(3)]]);
      const n = 3000;
      const drawn = await read(multinomial(logits, n, { seed: 2024 }));
      const freq = (row: number, c: number): number => drawn.slice(row * n, row * n + n).filter((v) => v === c).length / n;
      // Three standard deviations of a frequency from 3000 draws: at most 0.025.
      probs.forEach((p, c) => expect(Math.abs(freq(0, c) - p), `class ${c}`).toBeLessThan(0.025));
      [0.2, 0.2, 0.6].forEach((p, c) => expect(Math.abs(freq(1, c) - p), `row 2 class ${c}`).toBeLessThan(0.025));
      const p = tensor([probs]);
      const fromProbs = await read(multinomial(p, n, { seed: 2024, normalized: true }));
      expect(fromProbs).toEqual(drawn.slice(0, n));
      dispose([logits, p]);
    });

    it('multinomial checks its arguments', () => {
      const start = counts();
      const l = tensor([[1, 2]]);
      const cube = tensor([[[1]]]);
      const empty = tensor([[]]);
      const flags = tensor([true]);
      expect(() => multinomial(l, 0)).toThrow('multinomial: numSamples must be a positive integer, got 0');
      expect(() => multinomial(cube, 1)).toThrow('multinomial: logits must be [classes] or [batch, classes], got float32 [1,1,1]');
      expect(() => multinomial(empty, 1)).toThrow('multinomial: logits [1,0] have no classes to draw from');
      expect(() => multinomial(flags, 1)).toThrow('multinomial: logits must be float32 or int32, got bool [1]');
      expect(() => multinomial(l, 2, { seed: 1.5 })).toThrow('multinomial: seed must be an integer, got 1.5');
      expect(() => multinomial(l, 2, { sed: 1 } as never)).toThrow(/multinomial: unknown option 'sed' \(did you mean 'seed'\?\)/);
      dispose([l, cube, empty, flags]);
      expectCounts(counts(), start, 'multinomial errors');
    });
  });
}

function dispose(ts: Tensor[]): void {
  for (const t of ts) t.dispose();
}
