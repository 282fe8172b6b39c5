import '@tessera/backend-cpu';
import { Random, concat, logSoftmax, memory, setSeed, slice, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '@tessera/datasets';
import { buildModel, crossEntropySum, lmParts, makeStepper, sampleIds, scoreStreamLstm, startIds, type ArchitectureOptions } from '../src/index.js';

const base: ArchitectureOptions = {
  kind: 'lstm', vocabSize: 7, steps: 6, embeddingDim: 4, units: 5, layers: 2, heads: 2, dropout: 0.2, statefulBatch: null, maskZero: true,
};
const IDS = [[2, 4, 5, 6, 3, 4], [2, 6, 6, 5, 4, 3]];

async function close(a: Tensor, b: Tensor, tol = 1e-5): Promise<void> {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [await a.data(), await b.data()];
  x.forEach((v, i) => expect(Math.abs(v - y[i]!), `element ${i}`).toBeLessThan(tol));
}

/** Logits of the steps fed in pieces [0, 3), [3, 4), [4, 6) through the stepper, joined. */
function stepped(o: ArchitectureOptions): { full: Tensor; pieces: Tensor; dispose(): void } {
  setSeed(11);
  const m = buildModel(o);
  const ids = tensor(IDS.flat(), [2, 6], 'int32');
  const full = m.predict(ids) as Tensor;
  const stepper = makeStepper(lmParts(m, 'test'));
  const parts = [[0, 3], [3, 1], [4, 2]].map(([s, n]) => {
    const piece = slice(ids, [0, s!], [-1, n!]);
    const out = stepper.forward(piece);
    piece.dispose();
    return out;
  });
  expect(stepper.position).toBe(6);
  const pieces = concat(parts, 1);
  parts.forEach((p) => p.dispose());
  return {
    full, pieces, dispose: () => {
      [ids, full, pieces].forEach((t) => t.dispose());
      stepper.dispose();
      m.dispose();
    },
  };
}

describe('step-by-step generation matches the model run over the whole sequence', () => {
  it('the LSTM, carrying its states between calls (two stacked LSTMs, dropout off at inference)', async () => {
    const before = memory().numTensors;
    const r = stepped(base);
    await close(r.pieces, r.full);
    r.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('a stateful LSTM trained in fixed batches steps with any batch size', async () => {
    setSeed(3);
    const m = buildModel({ ...base, statefulBatch: 4, maskZero: false, layers: 1 });
    const stepper = makeStepper(lmParts(m, 'test'));
    const ids = tensor([2, 4, 5], [1, 3], 'int32');
    const out = stepper.forward(ids);
    expect(out.shape).toEqual([1, 3, 7]);
    // The trained model itself refuses that batch.
    expect(() => m.predict(ids)).toThrow(/is stateful with batch size 4, got a batch of 1/);
    [ids, out].forEach((t) => t.dispose());
    stepper.dispose();
    m.dispose();
  });

  it('the transformer, with its key/value cache', async () => {
    const before = memory().numTensors;
    const r = stepped({ ...base, kind: 'transformer', embeddingDim: 8, units: 16, heads: 2, layers: 2, steps: 6 });
    await close(r.pieces, r.full);
    r.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it("the transformer refuses to go past its context, naming it", () => {
    setSeed(4);
    const m = buildModel({ ...base, kind: 'transformer', embeddingDim: 8, units: 16, steps: 4 });
    const stepper = makeStepper(lmParts(m, 'test'));
    const ids = tensor([2, 4, 5], [1, 3], 'int32');
    stepper.forward(ids).dispose();
    expect(() => stepper.forward(ids)).toThrow("generate: the transformer's context is 4 tokens (its position table); 6 tokens do not fit");
    ids.dispose();
    stepper.dispose();
    m.dispose();
  });
});

describe('sampling and scoring', () => {
  it('one seed gives the same samples; banned ids are never drawn; rows stop at the stop id', async () => {
    setSeed(5);
    const m = buildModel(base);
    const stepper = makeStepper(lmParts(m, 'test'));
    const run = (seed: number): Promise<number[][]> =>
      sampleIds(stepper, { count: 6, start: new Int32Array([2, 4]), maxLength: 12, temperature: 1.5, rng: new Random(seed), stopId: 3, banned: [0, 1, 2] });
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
    for (const row of a) {
      expect(row.length).toBeLessThanOrEqual(12);
      row.forEach((id) => expect([4, 5, 6]).toContain(id));
    }
    stepper.dispose();
    m.dispose();
  });

  it('crossEntropySum is Σ −log p(target) over the non-padding targets', async () => {
    const logits = tensor([0.1, 2, -1, 0.5, 0.5, 0.5, 3, 0, 1, -2, 1, 0], [2, 2, 3]);
    const ys = tensor([1, 2, 0, 1], [2, 2], 'int32');
    const lp = await logSoftmax(logits, -1).data();
    const r = await crossEntropySum(logits, ys);
    expect(r.count).toBe(3);
    expect(r.sum).toBeCloseTo(-(lp[1]! + lp[5]! + lp[10]!), 5);
    [logits, ys].forEach((t) => t.dispose());
  });
});

describe('streams and prompts', () => {
  it('scoring a stream in windows with carried states equals scoring it in one piece', async () => {
    setSeed(6);
    const m = buildModel({ ...base, maskZero: false, layers: 1 });
    const stepper = makeStepper(lmParts(m, 'test'));
    const stream = Int32Array.from([2, 4, 5, 6, 3, 4, 6, 6, 5, 4]);
    const windowed = await scoreStreamLstm(stepper, stream, 1, 3);
    const x = tensor(stream.subarray(0, 9), [1, 9], 'int32');
    const y = tensor(stream.subarray(1), [1, 9], 'int32');
    const logits = m.predict(x) as Tensor;
    const whole = await crossEntropySum(logits, y);
    expect(windowed.tokens).toBe(9);
    expect(windowed.crossEntropy).toBeCloseTo(whole.sum / 9, 5);
    // Two streams side by side: the second starts from zero states, so the score differs.
    expect((await scoreStreamLstm(stepper, stream, 2, 2)).tokens).toBe(8);
    [x, y, logits].forEach((t) => t.dispose());
    stepper.dispose();
    m.dispose();
  });

  it('startIds: the start token then the prompt; unknown and special tokens are errors that name them', () => {
    const words = Tokenizer.fit([['the', 'cat', 'sat', '<eos>', 'the', 'dog']], { level: 'word', reserved: ['<eos>'], lowercase: true });
    expect(Array.from(startIds(words, '<eos>', 'The cat'))).toEqual([words.idOf('<eos>'), words.idOf('the'), words.idOf('cat')]);
    expect(Array.from(startIds(words, '<eos>', ''))).toEqual([words.idOf('<eos>')]);
    expect(() => startIds(words, '<eos>', 'the zebra sat on the aardvark')).toThrow(
      'generate: the prompt "the zebra sat on the aardvark" has words the model never saw — 3 words outside the vocabulary of 7 tokens: "zebra", "on", "aardvark"',
    );
    expect(() => startIds(words, '<eos>', 'the <eos> cat')).toThrow('generate: the prompt "the <eos> cat" contains the special token "<eos>"; give plain text');
  });
});
