import { describe, expect, it } from 'vitest';
import { Random } from '@tessera/core';
import { BigramModel } from '../src/index.js';

// Ids: 0 <pad>, 1 a, 2 b, 3 c. Pairs: (a,b), (c,b), (a,c).
const train = [[1, 2], [3, 2], [1, 3]];
const TOL = 12;

describe('BigramModel with add-k smoothing', () => {
  it('is (c(v,w) + k) / (c(v) + k·V′) over the vocabulary without padding', () => {
    const m = BigramModel.fit(train, { vocabSize: 4, k: 0.5 });
    expect(Math.exp(m.logProb(1, 2))).toBeCloseTo((1 + 0.5) / (2 + 1.5), TOL);
    expect(Math.exp(m.logProb(1, 1))).toBeCloseTo(0.5 / 3.5, TOL);
    // b was never followed by anything: uniform over a, b, c.
    expect(Math.exp(m.logProb(2, 3))).toBeCloseTo(1 / 3, TOL);
    expect(m.smoothing).toBe('add-k');
    expect(m.parameter).toBe(0.5);
    expect(BigramModel.fit(train, { vocabSize: 4 }).parameter).toBe(1);
  });

  it('scores held-out pairs in nats per token, never across sequences', () => {
    const m = BigramModel.fit(train, { vocabSize: 4, k: 1 });
    const score = m.evaluate([[1, 2, 3], [3]]);
    const expected = -(Math.log((1 + 1) / (2 + 3)) + Math.log(1 / 3)) / 2;
    expect(score.tokens).toBe(2);
    expect(score.crossEntropy).toBeCloseTo(expected, TOL);
    expect(score.perplexity).toBeCloseTo(Math.exp(expected), TOL);
  });
});

describe('BigramModel with Kneser–Ney smoothing', () => {
  it('matches the interpolated formula worked by hand', () => {
    const m = BigramModel.fit(train, { vocabSize: 4, smoothing: 'kneser-ney', discount: 0.5 });
    // Continuation counts: b after {a, c} = 2, c after {a} = 1, a after nothing = 0; 3 distinct pairs, 2 tokens continued.
    const pc = { a: 0 / 3 + (0.5 * 2) / 3 / 3, b: 1.5 / 3 + 1 / 9, c: 0.5 / 3 + 1 / 9 };
    expect(pc.a + pc.b + pc.c).toBeCloseTo(1, TOL);
    // After a: c(a) = 2 over 2 distinct followers.
    expect(Math.exp(m.logProb(1, 2))).toBeCloseTo(0.5 / 2 + (0.5 * 2) / 2 * pc.b, TOL);
    expect(Math.exp(m.logProb(1, 3))).toBeCloseTo(0.5 / 2 + 0.5 * pc.c, TOL);
    expect(Math.exp(m.logProb(1, 1))).toBeCloseTo(0.5 * pc.a, TOL);
    // After b (never a context): the continuation probability.
    expect(Math.exp(m.logProb(2, 2))).toBeCloseTo(pc.b, TOL);
    expect(m.parameter).toBe(0.5);
    expect(BigramModel.fit(train, { vocabSize: 4, smoothing: 'kneser-ney' }).parameter).toBe(0.75);
  });

  it('gives every context a distribution that sums to 1, with no zero, for both smoothings', () => {
    const rng = new Random(4);
    const V = 12;
    const seqs = Array.from({ length: 30 }, () => Array.from({ length: 1 + rng.int(8) }, () => 1 + rng.int(Math.floor(rng.next() * (V - 1)) + 1)));
    for (const model of [
      BigramModel.fit(seqs, { vocabSize: V, smoothing: 'kneser-ney', discount: 0.8 }),
      BigramModel.fit(seqs, { vocabSize: V, k: 0.05 }),
    ]) {
      for (let v = 1; v < V; v++) {
        let sum = 0;
        for (let w = 1; w < V; w++) {
          const p = Math.exp(model.logProb(v, w));
          expect(p).toBeGreaterThan(0);
          sum += p;
        }
        expect(sum).toBeCloseTo(1, 10);
      }
    }
  });
});

describe('BigramModel.tune', () => {
  it('keeps the value with the lowest validation cross-entropy and lists every score', () => {
    const validation = [[1, 2], [1, 3], [3, 2]];
    const { model, value, scores } = BigramModel.tune(train, validation, { vocabSize: 4, smoothing: 'kneser-ney', values: [0.1, 0.5, 0.9] });
    expect(scores.map((s) => s.value)).toEqual([0.1, 0.5, 0.9]);
    for (const s of scores) {
      expect(s.crossEntropy).toBeCloseTo(BigramModel.fit(train, { vocabSize: 4, smoothing: 'kneser-ney', discount: s.value }).evaluate(validation).crossEntropy, TOL);
    }
    const best = scores.reduce((a, b) => (b.crossEntropy < a.crossEntropy ? b : a));
    expect(value).toBe(best.value);
    expect(model.parameter).toBe(value);
    // The validation pairs were all seen in training: the smallest discount wins.
    expect(value).toBe(0.1);
    // Only unseen pairs after a seen context: more pseudo-count is better.
    const addK = BigramModel.tune(train, [[1, 1, 1]], { vocabSize: 4, values: [0.01, 100] });
    expect(addK.value).toBe(100);
  });
});

describe('BigramModel errors', () => {
  it('names bad options, ids and padding', () => {
    expect(() => BigramModel.fit(train, { vocabSize: 1 })).toThrow('BigramModel.fit: vocabSize must be an integer >= 2, got 1');
    expect(() => BigramModel.fit(train, { vocabSize: 4, smoothing: 'witten-bell' as never })).toThrow(
      "BigramModel.fit: smoothing must be 'add-k' or 'kneser-ney', got \"witten-bell\"",
    );
    expect(() => BigramModel.fit(train, { vocabSize: 4, discount: 0.5 })).toThrow("BigramModel.fit: 'discount' is Kneser–Ney's; add-k smoothing takes k");
    expect(() => BigramModel.fit(train, { vocabSize: 4, smoothing: 'kneser-ney', discount: 1 })).toThrow('BigramModel.fit: discount must be in (0, 1), got 1');
    expect(() => BigramModel.fit(train, { vocabSize: 4, k: 0 })).toThrow('BigramModel.fit: k must be a finite number > 0, got 0');
    expect(() => BigramModel.fit(train, { vocabSize: 4, alpha: 1 } as never)).toThrow("BigramModel.fit: unknown option 'alpha'");
    expect(() => BigramModel.fit([[1, 4]], { vocabSize: 4 })).toThrow('BigramModel.fit: token id 4 at sequence 0, position 1 is not in [0, 4)');
    expect(() => BigramModel.fit([[1, 2, 0, 0]], { vocabSize: 4 })).toThrow(
      'BigramModel.fit: sequence 0, position 2 is the padding id 0; pass sequences without padding',
    );
    expect(() => BigramModel.fit([[1], [2]], { vocabSize: 4 })).toThrow('BigramModel.fit: the training sequences hold no next-token pair');
    const m = BigramModel.fit(train, { vocabSize: 4 });
    expect(() => m.evaluate([[3]])).toThrow('BigramModel.evaluate: the sequences hold no next-token pair');
    expect(() => m.evaluate([[3, 9]])).toThrow('BigramModel.evaluate: token id 9 at sequence 0, position 1 is not in [0, 4)');
    expect(() => m.logProb(0, 1)).toThrow('BigramModel.logProb: prev is the padding id 0');
    expect(() => BigramModel.tune(train, train, { vocabSize: 4, values: [] })).toThrow('BigramModel.tune: values must be a non-empty array of k values');
    expect(() => BigramModel.tune(train, train, { vocabSize: 4, smoothing: 'kneser-ney', values: [0.5, 2] })).toThrow('BigramModel.tune: discount must be in (0, 1), got 2');
  });
});
