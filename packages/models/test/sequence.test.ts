import '@tessera/backend-cpu';
import { memory, setSeed, tensor, type Tensor } from '@tessera/core';
import {
  Bidirectional, Dense, Embedding, Flatten, GRU, GlobalAveragePooling1D, LSTM, Masking, MultiHeadAttention, PositionalEmbedding, SimpleRNN, TokenAndPositionEmbedding,
  TransformerEncoderBlock, input, sparseCategoricalAccuracy, type Metric, type SymbolicTensor,
} from '@tessera/layers';
import { adam } from '@tessera/optimizers';
import { describe, expect, it } from 'vitest';
import { loadModel, memoryHandler, model, sequential, type Model } from '../src/index.js';

const ids = (): Tensor => tensor([[1, 2, 0, 0], [3, 4, 5, 0], [2, 0, 0, 0]], [3, 4], 'int32');
const labels = (): Tensor => tensor([[1, 2, 9, 9], [0, 1, 2, 9], [3, 9, 9, 9]], [3, 4], 'int32');
const UNMASKED = [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2], [2, 0]];

/** Cross-entropy and argmax hits of the unmasked positions, from the model's probabilities [3, 4, 4]. */
async function reference(probs: Tensor, y: Tensor): Promise<{ loss: number; accuracy: number }> {
  const p = await probs.data();
  const l = await y.data();
  let loss = 0;
  let hits = 0;
  for (const [b, t] of UNMASKED) {
    const row = Array.from(p.slice((b! * 4 + t!) * 4, (b! * 4 + t!) * 4 + 4));
    const label = l[b! * 4 + t!]!;
    loss -= Math.log(row[label]!);
    if (row.indexOf(Math.max(...row)) === label) hits++;
  }
  return { loss: loss / UNMASKED.length, accuracy: hits / UNMASKED.length };
}

describe('masked losses and metrics', () => {
  it('count only the unmasked positions, in a Sequential model and a functional one', async () => {
    setSeed(1);
    const seq = sequential({ layers: [new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [4] }), new Dense({ units: 4, activation: 'softmax' })] });
    const x = input({ shape: [4], dtype: 'int32' });
    const fn = model({ inputs: x, outputs: new Dense({ units: 4, activation: 'softmax' }).apply(new Embedding({ inputDim: 6, outputDim: 3, maskZero: true }).apply(x)) });
    expect(fn.outputs[0]!.masked).toBe(true);
    for (const m of [seq, fn] as Model[]) {
      m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy', 'sparse_top_k_categorical_accuracy'] });
      const [xs, ys] = [ids(), labels()];
      const probs = m.predict(xs) as Tensor;
      const ref = await reference(probs, ys);
      // Labels 9 at masked positions are out of range: they are never looked at.
      const logs = await m.evaluate(xs, ys, { batchSize: 3 });
      expect(logs['loss']).toBeCloseTo(ref.loss, 5);
      expect(logs['accuracy']).toBeCloseTo(ref.accuracy, 6);
      expect(logs['sparse_top_k_categorical_accuracy']).toBe(1);
      [xs, ys, probs].forEach((t) => t.dispose());
      m.dispose();
    }
  });

  it('a masked regression loss is the mean over unmasked steps of the per-step mean', async () => {
    const m = sequential({ layers: [new Masking({ maskValue: 0, inputShape: [3, 2] }), new Dense({ units: 2, kernelInitializer: 'ones', useBias: false })] });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const x = tensor([1, 2, 0, 0, 3, 1, 0, 0, 0, 0, 2, 2], [2, 3, 2]);
    const y = tensor([0, 1, 50, 50, 4, 4, 50, 50, 50, 50, 3, 3], [2, 3, 2]);
    // Outputs (x·ones): [3, 3], [4, 4], [4, 4] at the unmasked steps.
    const errors = [[9, 4], [0, 0], [1, 1]];
    const logs = await m.evaluate(x, y);
    expect(logs['loss']).toBeCloseTo(errors.flat().reduce((a, b) => a + b, 0) / 6, 5);
    expect(logs['mae']).toBeCloseTo((3 + 2 + 0 + 0 + 1 + 1) / 6, 5);
    [x, y].forEach((t) => t.dispose());
    m.dispose();
  });

  it('training ignores the targets of masked positions, and memory stays flat', async () => {
    const run = async (padLabel: number): Promise<number[]> => {
      setSeed(2);
      const m = sequential({ layers: [new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [4] }), new LSTM({ units: 4, returnSequences: true }), new Dense({ units: 4 })] });
      m.compile({ optimizer: adam(0.05), loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true } });
      const xs = ids();
      const ys = tensor([[1, 2, padLabel, padLabel], [0, 1, 2, padLabel], [3, padLabel, padLabel, padLabel]], [3, 4], 'int32');
      const first = await m.fit(xs, ys, { epochs: 1, batchSize: 2, verbose: 0, seed: 4 });
      // After the first epoch made the optimizer's slots, training allocates nothing that stays.
      const before = memory().numTensors;
      const rest = await m.fit(xs, ys, { epochs: 3, initialEpoch: 1, batchSize: 2, verbose: 0, seed: 4 });
      expect(memory().numTensors).toBe(before);
      [xs, ys].forEach((t) => t.dispose());
      m.dispose();
      return [...(first.history['loss'] as number[]), ...(rest.history['loss'] as number[])];
    };
    const a = await run(0);
    const b = await run(3);
    expect(b).toEqual(a);
    expect(a[2]!).toBeLessThan(a[0]!);
  });

  it('a metric that cannot take the mask is an error; one that takes it gets 0/1 weights', async () => {
    const m = sequential({ layers: [new Embedding({ inputDim: 6, outputDim: 4, maskZero: true, inputShape: [4] })] });
    const twoArgs: Metric = { name: 'count', statistics: (t, p) => tensor([p.size]), result: (v) => v[0]! };
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: [twoArgs] });
    const [xs, ys] = [ids(), tensor([[1, 2, 0, 0], [0, 1, 2, 0], [3, 0, 0, 0]], [3, 4], 'int32')];
    await expect(m.evaluate(xs, ys)).rejects.toThrow(/metric 'count' of output '.*' takes \(yTrue, yPred\), but the output carries a mask: a metric must take the mask as its third argument/);
    const weighted: Metric = { name: 'count', statistics: (t, p, w) => tensor([w ? (w.dataSync() as Float32Array).reduce((a, b) => a + b, 0) : -1]), result: (v) => v[0]! };
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: [weighted, sparseCategoricalAccuracy()] });
    expect((await m.evaluate(xs, ys))['count']).toBe(6);
    await expect(m.evaluate(xs, tensor([1, 2, 3], [3], 'int32'))).rejects.toThrow(/carries a mask of shape \[3,4\], so its targets must start with those axes: got targets \[3\] for predictions \[3,4,4\]/);
    [xs, ys].forEach((t) => t.dispose());
    m.dispose();
  });
});

describe('models with the sequence layers', () => {
  it('a masked transformer + RNN classifier trains, saves and loads with the same outputs', async () => {
    setSeed(3);
    const x = input({ shape: [4], dtype: 'int32' });
    let h = new TokenAndPositionEmbedding({ vocabularySize: 6, sequenceLength: 4, embeddingDim: 4, maskZero: true }).apply(x);
    h = new TransformerEncoderBlock({ numHeads: 2, intermediateDim: 8, dropout: 0.1, seed: 1 }).apply(h);
    h = new MultiHeadAttention({ numHeads: 1, keyDim: 4, dropout: 0.2 }).apply([h, h], { useCausalMask: true }) as SymbolicTensor;
    h = new Bidirectional({ layer: new GRU({ units: 3, returnSequences: true, dropout: 0.1, recurrentDropout: 0.1 }) }).apply(h) as SymbolicTensor;
    h = new PositionalEmbedding({ sequenceLength: 6 }).apply(h);
    const out = new Dense({ units: 2, activation: 'softmax' }).apply(new GlobalAveragePooling1D().apply(h));
    const m = model({ inputs: x, outputs: out });
    m.compile({ optimizer: adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const [xs, ys] = [ids(), tensor([0, 1, 1], [3], 'int32')];
    await m.fit(xs, ys, { epochs: 2, batchSize: 2, verbose: 0 });
    const mem = memoryHandler();
    await m.save(mem);
    const loaded = await loadModel(mem);
    const [p1, p2] = [m.predict(xs) as Tensor, loaded.predict(xs) as Tensor];
    expect(Array.from(await p2.data())).toEqual(Array.from(await p1.data()));
    expect(await loaded.evaluate(xs, ys)).toEqual(await m.evaluate(xs, ys));
    // The dropout generators were saved too: the next training epoch is the same in both.
    const [h1, h2] = [await m.fit(xs, ys, { epochs: 1, batchSize: 2, verbose: 0, seed: 9 }), await loaded.fit(xs, ys, { epochs: 1, batchSize: 2, verbose: 0, seed: 9 })];
    expect(h2.history['loss']).toEqual(h1.history['loss']);
    [xs, ys, p1, p2].forEach((t) => t.dispose());
    [m, loaded].forEach((l) => l.dispose());
  });

  it('an initial state from another layer is part of the graph, and survives saving', async () => {
    setSeed(4);
    const enc = input({ shape: [3, 2], name: 'enc_in' });
    const dec = input({ shape: [2, 2], name: 'dec_in' });
    const [, hState, cState] = new LSTM({ units: 3, returnState: true }).apply(enc) as SymbolicTensor[];
    const decoded = new LSTM({ units: 3, returnSequences: true }).apply(dec, { initialState: [hState!, cState!] }) as SymbolicTensor;
    const m = model({ inputs: [enc, dec], outputs: new Dense({ units: 1 }).apply(decoded) });
    const xe = tensor(Array.from({ length: 12 }, (_, i) => Math.sin(i)), [2, 3, 2]);
    const xd = tensor(Array.from({ length: 8 }, (_, i) => Math.cos(i)), [2, 2, 2]);
    const xeOther = tensor(Array.from({ length: 12 }, (_, i) => Math.cos(3 * i)), [2, 3, 2]);
    const p = m.predict([xe, xd]) as Tensor;
    const other = m.predict([xeOther, xd]) as Tensor;
    expect(Array.from(await other.data())).not.toEqual(Array.from(await p.data()));
    const config = m.getConfig() as unknown as { layers: { inboundNodes?: { tensorKwargs?: unknown }[] }[] };
    expect(config.layers.some((l) => l.inboundNodes?.some((n) => n.tensorKwargs !== undefined))).toBe(true);
    const mem = memoryHandler();
    await m.save(mem);
    const loaded = await loadModel(mem);
    const q = loaded.predict([xe, xd]) as Tensor;
    expect(Array.from(await q.data())).toEqual(Array.from(await p.data()));
    [xe, xd, xeOther, p, other, q].forEach((t) => t.dispose());
    [m, loaded].forEach((l) => l.dispose());
  });

  it('a stateful RNN carries state across batches in fit and refuses another batch size', async () => {
    setSeed(5);
    const rnn = new SimpleRNN({ units: 3, stateful: true, batchInputShape: [2, 3, 1] });
    const m = sequential({ layers: [rnn, new Dense({ units: 1 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tensor(Array.from({ length: 12 }, (_, i) => i / 12), [4, 3, 1]);
    const y = tensor([0, 1, 0, 1], [4, 1]);
    await m.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 });
    expect(rnn.states).not.toBeNull();
    rnn.states!.forEach((s) => s.dispose());
    await expect(m.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0 })).rejects.toThrow(/is stateful with batch size 2, got a batch of 3/);
    rnn.resetStates();
    expect(rnn.states).toBeNull();
    [x, y].forEach((t) => t.dispose());
    m.dispose();
  });

  it('a model used as a layer passes masks in and out', async () => {
    setSeed(6);
    const emb = new Embedding({ inputDim: 6, outputDim: 3, maskZero: true });
    const rnn = new LSTM({ units: 4, returnSequences: true });
    const inner = sequential({ layers: [emb, rnn] });
    inner.build([null, 4]);
    const x = input({ shape: [4], dtype: 'int32' });
    const head = new Dense({ units: 4, activation: 'softmax' });
    const inside = inner.apply(x) as SymbolicTensor;
    expect(inside.masked).toBe(true);
    const nested = model({ inputs: x, outputs: head.apply(inside) });
    const x2 = input({ shape: [4], dtype: 'int32' });
    const flat = model({ inputs: x2, outputs: head.apply(rnn.apply(emb.apply(x2)) as SymbolicTensor) });
    for (const m of [nested, flat]) m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const [xs, ys] = [ids(), labels()];
    const [a, b] = [await nested.evaluate(xs, ys), await flat.evaluate(xs, ys)];
    expect(a['loss']).toBeCloseTo(b['loss']!, 6);
    const masked = new Masking().apply(input({ shape: [4, 2] }));
    const noMasks = sequential({ layers: [new Dense({ units: 2, inputShape: [4, 2] }), new GlobalAveragePooling1D()] });
    expect(noMasks.apply(masked).masked).toBe(false);
    const consuming = sequential({ layers: [new Dense({ units: 2, inputShape: [4, 2] }), new LSTM({ units: 2 }), new Dense({ units: 1 })] });
    expect(consuming.apply(masked).masked).toBe(false);
    const refusing = sequential({ layers: [new Dense({ units: 2, inputShape: [4, 2] }), new Flatten({ name: 'flat_inside' })] });
    expect(() => refusing.apply(masked)).toThrow(/flat_inside \(Flatten\): its input from '.*' \(inside model '.*'\) carries a mask/);
    [xs, ys].forEach((t) => t.dispose());
    [nested, flat].forEach((l) => l.dispose());
  });
});
