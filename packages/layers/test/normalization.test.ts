import { ENGINE, tensor } from '@tessera/core';
import { Tape } from '@tessera/autograd';
import { describe, expect, it } from 'vitest';
import { BatchNormalization, Embedding, LayerNormalization } from '../src/index.js';
import { expectClose, expectGradientsFlow, randomTensor, values } from './helpers.js';

/** Per-channel mean and biased variance of [rows, c] data. */
function channelStats(v: number[], c: number): { mean: number[]; variance: number[] } {
  const rows = v.length / c;
  const mean = Array.from({ length: c }, (_, j) => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += v[r * c + j]!;
    return s / rows;
  });
  const variance = mean.map((m, j) => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += (v[r * c + j]! - m) ** 2;
    return s / rows;
  });
  return { mean, variance };
}

describe('BatchNormalization', () => {
  it('normalises with batch statistics while training and updates the moving ones', () => {
    const c = 3;
    const bn = new BatchNormalization({ momentum: 0.8, epsilon: 1e-3, gammaInitializer: { className: 'Constant', config: { value: 2 } }, betaInitializer: 'ones' });
    const x = randomTensor([4, 5, c], 1, -2, 3); // statistics over batch and the middle axis
    const xv = values(x);
    const { mean, variance } = channelStats(xv, c);
    const y = bn.apply(x, { training: true });
    expectClose(values(y), xv.map((v, i) => ((v - mean[i % c]!) / Math.sqrt(variance[i % c]! + 1e-3)) * 2 + 1));
    // moving = moving·momentum + batch·(1 − momentum), from 0 and 1.
    expectClose(values(bn.movingMean!), mean.map((m) => 0.2 * m));
    expectClose(values(bn.movingVariance!), variance.map((s) => 0.8 + 0.2 * s));
    // A second step keeps averaging.
    bn.apply(x, { training: true }).dispose();
    expectClose(values(bn.movingMean!), mean.map((m) => 0.2 * m * 0.8 + 0.2 * m));
    [x, y].forEach((t) => t.dispose());
    bn.dispose();
  });

  it('uses the moving statistics at inference and when frozen, and leaves them unchanged', () => {
    const bn = new BatchNormalization({ epsilon: 0.01 });
    bn.build([null, 2]);
    const mm = tensor([1, -1]);
    const mv = tensor([4, 0.25]);
    const gamma = tensor([1, 3]);
    const beta = tensor([0, 0.5]);
    bn.setWeights([gamma, beta, mm, mv]);
    const x = tensor([[3, 0], [1, -2]]);
    const ref = [(3 - 1) / Math.sqrt(4.01), (0 + 1) / Math.sqrt(0.26) * 3 + 0.5, 0, (-2 + 1) / Math.sqrt(0.26) * 3 + 0.5];
    const y = bn.apply(x);
    expectClose(values(y), ref);
    bn.trainable = false;
    const frozen = bn.apply(x, { training: true });
    expectClose(values(frozen), ref);
    expect(values(bn.movingMean!)).toEqual([1, -1]);
    expect(values(bn.movingVariance!)).toEqual([4, 0.25]);
    [mm, mv, gamma, beta, x, y, frozen].forEach((t) => t.dispose());
    bn.dispose();
  });

  it('does not record the moving-statistics update on a gradient tape', () => {
    const bn = new BatchNormalization();
    const x = randomTensor([6, 2], 3);
    bn.build([null, 2]);
    const tape = new Tape();
    tape.watch(bn.movingMean!);
    tape.watch(x);
    const prev = ENGINE.tapes;
    ENGINE.tapes = [...prev, tape];
    let y;
    try {
      y = bn.apply(x, { training: true });
    } finally {
      ENGINE.tapes = prev;
    }
    // Recorded nodes exist for the forward pass, none writes into the moving statistics' values.
    expect(tape.nodes.length).toBeGreaterThan(0);
    expect(tape.nodes.every((n) => !n.inputIds.includes(bn.movingMean!.id))).toBe(true);
    tape.dispose();
    y.dispose();
    x.dispose();
    bn.dispose();
  });

  it('normalises over a non-last axis', () => {
    const bn = new BatchNormalization({ axis: 1, center: false, scale: false });
    const x = randomTensor([3, 2, 4], 5); // channels on axis 1
    const xv = values(x);
    const y = bn.apply(x, { training: true });
    const expected: number[] = new Array(xv.length);
    for (let ch = 0; ch < 2; ch++) {
      const idx: number[] = [];
      for (let b = 0; b < 3; b++) for (let k = 0; k < 4; k++) idx.push(b * 8 + ch * 4 + k);
      const m = idx.reduce((s, i) => s + xv[i]!, 0) / idx.length;
      const v = idx.reduce((s, i) => s + (xv[i]! - m) ** 2, 0) / idx.length;
      idx.forEach((i) => (expected[i] = (xv[i]! - m) / Math.sqrt(v + 1e-3)));
    }
    expectClose(values(y), expected);
    expect(bn.weights.map((w) => w.name.split('/')[1])).toEqual(['moving_mean', 'moving_variance']);
    expect(() => new BatchNormalization({ axis: 0 }).build([null, 3])).toThrow(/batch axis 0 cannot be normalised over/);
    [x, y].forEach((t) => t.dispose());
    bn.dispose();
  });

  it('gradients reach gamma and beta', () => {
    const bn = new BatchNormalization();
    const x = randomTensor([5, 3], 4);
    expectGradientsFlow(bn, x, true);
    x.dispose();
    bn.dispose();
  });
});

describe('LayerNormalization', () => {
  it('normalises each sample over the last axis', () => {
    const ln = new LayerNormalization({ epsilon: 1e-5, gammaInitializer: { className: 'RandomNormal', config: { seed: 1, stddev: 1 } }, betaInitializer: { className: 'RandomNormal', config: { seed: 2 } } });
    const x = randomTensor([3, 2, 6], 6, -3, 3);
    const y = ln.apply(x);
    const xv = values(x);
    const g = values(ln.gamma!);
    const b = values(ln.beta!);
    const ref: number[] = [];
    for (let r = 0; r < 6; r++) {
      const row = xv.slice(r * 6, r * 6 + 6);
      const m = row.reduce((a, q) => a + q, 0) / 6;
      const v = row.reduce((a, q) => a + (q - m) ** 2, 0) / 6;
      row.forEach((q, j) => ref.push(((q - m) / Math.sqrt(v + 1e-5)) * g[j]! + b[j]!));
    }
    expectClose(values(y), ref);
    expect(ln.countParams()).toBe(12);
    [x, y].forEach((t) => t.dispose());
    ln.dispose();
  });

  it('normalises over several axes', () => {
    const ln = new LayerNormalization({ axis: [1, 2], center: false, scale: false });
    const x = randomTensor([2, 3, 4], 7);
    const y = ln.apply(x);
    const xv = values(x);
    const ref: number[] = [];
    for (let b = 0; b < 2; b++) {
      const row = xv.slice(b * 12, b * 12 + 12);
      const m = row.reduce((a, q) => a + q, 0) / 12;
      const v = row.reduce((a, q) => a + (q - m) ** 2, 0) / 12;
      row.forEach((q) => ref.push((q - m) / Math.sqrt(v + 1e-3)));
    }
    expectClose(values(y), ref);
    [x, y].forEach((t) => t.dispose());
    ln.dispose();
  });

  it('gradients reach gamma and beta', () => {
    const ln = new LayerNormalization();
    const x = randomTensor([4, 5], 8);
    expectGradientsFlow(ln, x);
    x.dispose();
    ln.dispose();
  });
});

describe('Embedding', () => {
  it('looks up rows for integer indices of any rank', () => {
    const e = new Embedding({ inputDim: 10, outputDim: 3 });
    const idx = tensor([[1, 4, 9], [0, 1, 1]], [2, 3], 'int32');
    const y = e.apply(idx);
    expect(y.shape).toEqual([2, 3, 3]);
    expect(e.computeOutputShape([null, 3])).toEqual([null, 3, 3]);
    const table = values(e.embeddings!);
    const expected = [1, 4, 9, 0, 1, 1].flatMap((i) => table.slice(i * 3, i * 3 + 3));
    expect(values(y)).toEqual(expected);
    // Keras's default 'uniform' initializer: ±0.05.
    expect(table.every((v) => Math.abs(v) <= 0.05)).toBe(true);
    // Float indices are cast; other sequence lengths are fine.
    const f = tensor([[2, 3, 4, 5, 6]]);
    const yf = e.apply(f);
    expect(yf.shape).toEqual([1, 5, 3]);
    expect(values(yf).slice(0, 3)).toEqual(table.slice(6, 9));
    expect(e.countParams()).toBe(30);
    [idx, y, f, yf].forEach((t) => t.dispose());
    e.dispose();
  });

  it('rejects indices outside the vocabulary', () => {
    const e = new Embedding({ inputDim: 4, outputDim: 2 });
    const idx = tensor([[1, 4]], [1, 2], 'int32');
    expect(() => e.apply(idx)).toThrow();
    expect(() => new Embedding({ inputDim: 0, outputDim: 2 })).toThrow(/inputDim must be a positive integer/);
    idx.dispose();
    e.dispose();
  });

  it('gradients reach the rows that were looked up', () => {
    const e = new Embedding({ inputDim: 6, outputDim: 4 });
    const idx = tensor([[0, 2], [2, 5]], [2, 2], 'int32');
    expectGradientsFlow(e, idx);
    idx.dispose();
    e.dispose();
  });
});
