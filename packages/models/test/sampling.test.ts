import '@tessera/backend-cpu';
import { Random, memory, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { sampleLogits } from '../src/index.js';

const logits = tensor([[Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]]);

/** Frequencies of each token over n single draws from one generator. */
async function frequencies(opts: Parameters<typeof sampleLogits>[1], n = 3000): Promise<number[]> {
  const rng = new Random(1);
  const counts = [0, 0, 0, 0];
  const batch = tensor(Array.from({ length: n }, () => Array.from(logits.dataSync())).flat(), [n, 4]);
  const s = sampleLogits(batch, { ...opts, seed: rng });
  for (const v of await s.data()) counts[v]!++;
  [batch, s].forEach((t) => t.dispose());
  return counts.map((c) => c / n);
}

describe('sampleLogits', () => {
  it('draws from softmax(logits / temperature)', async () => {
    const f = await frequencies({});
    [0.5, 0.3, 0.15, 0.05].forEach((p, i) => expect(Math.abs(f[i]! - p)).toBeLessThan(0.03));
    // Temperature 0.5 squares the probabilities (renormalised).
    const sq = [0.25, 0.09, 0.0225, 0.0025];
    const z = sq.reduce((a, b) => a + b, 0);
    const g = await frequencies({ temperature: 0.5 });
    sq.forEach((p, i) => expect(Math.abs(g[i]! - p / z)).toBeLessThan(0.03));
  });

  it('topK keeps the k most likely tokens, topP the nucleus, temperature 0 the most likely', async () => {
    const k2 = await frequencies({ topK: 2 });
    expect(k2[2]! + k2[3]!).toBe(0);
    expect(Math.abs(k2[0]! - 0.5 / 0.8)).toBeLessThan(0.03);
    // p = 0.7: 0.5 alone is not enough, 0.5 + 0.3 is: tokens 0 and 1.
    const p7 = await frequencies({ topP: 0.7 });
    expect(p7[2]! + p7[3]!).toBe(0);
    expect(p7[1]!).toBeGreaterThan(0.3);
    const p4 = await frequencies({ topP: 0.4 });
    expect(p4[0]).toBe(1);
    const greedy = sampleLogits(tensor([[0.1, 2, -1], [3, 0, 0]]), { temperature: 0 });
    expect(Array.from(await greedy.data())).toEqual([1, 0]);
    greedy.dispose();
  });

  it('is repeatable: one seed, or one generator passed along a loop, repeats the draws', async () => {
    const run = async (): Promise<number[]> => {
      const rng = new Random(42);
      const out: number[] = [];
      for (let i = 0; i < 20; i++) {
        const s = sampleLogits(logits, { seed: rng, topP: 0.9 });
        out.push((await s.data())[0]!);
        s.dispose();
      }
      return out;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1);
    const before = memory().numTensors;
    const x = sampleLogits(logits, { seed: 3, topK: 3, topP: 0.8, temperature: 0.7 });
    x.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('rejects bad options with what was expected', () => {
    expect(() => sampleLogits(logits, { topK: 5 })).toThrow(/topK must be an integer from 1 to the vocabulary size 4, got 5/);
    expect(() => sampleLogits(logits, { topP: 0 })).toThrow(/topP must be in \(0, 1\], got 0/);
    expect(() => sampleLogits(logits, { temperature: -1 })).toThrow(/temperature must be a finite number >= 0/);
    expect(() => sampleLogits(logits, { top_k: 3 } as never)).toThrow(/unknown option 'top_k'/);
    expect(() => sampleLogits(tensor([[[1]]]), {})).toThrow(/logits must be \[vocab\] or \[batch, vocab\], got \[1,1,1\]/);
  });
});
