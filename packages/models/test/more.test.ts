import '@tessera/backend-cpu';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, setSeed, slice, tensor, tidy, type Tensor } from '@tessera/core';
import { Dense } from '@tessera/layers';
import { adam, sgd } from '@tessera/optimizers';
import { afterAll, describe, expect, it } from 'vitest';
import { LearningRateScheduler, ModelCheckpoint, loadModel, sequential, type Batch } from '../src/node.js';
import { twoSpirals } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-more-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function batches(x: Tensor, y: Tensor, size: number): Iterable<Batch> {
  return {
    *[Symbol.iterator]() {
      for (let s = 0; s < x.shape[0]!; s += size) {
        const n = Math.min(size, x.shape[0]! - s);
        yield tidy(() => ({ xs: slice(x, [s], [n]), ys: slice(y, [s], [n]) }));
      }
    },
  };
}

describe('fit variants', () => {
  it('ModelCheckpoint saves the best epochs only, and the saved model loads', async () => {
    setSeed(21);
    const { x, y } = twoSpirals(40, 11);
    const model = sequential({ layers: [new Dense({ units: 8, activation: 'tanh', inputShape: [2] }), new Dense({ units: 1, activation: 'sigmoid' })] });
    model.compile({ optimizer: adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const ck = new ModelCheckpoint({ filepath: join(dir, 'ck-{epoch}'), monitor: 'loss', saveBestOnly: true });
    await model.fit(x, y, { epochs: 4, batchSize: 80, verbose: 0, callbacks: [ck] });
    expect(ck.saved.length).toBeGreaterThanOrEqual(1);
    expect(ck.saved[0]).toBe(join(dir, 'ck-01'));
    for (const p of ck.saved) expect(existsSync(join(p, 'model.json'))).toBe(true);
    const m = await loadModel(ck.saved.at(-1)!);
    expect(m.countParams()).toBe(model.countParams());
    [m, model].forEach((t) => t.dispose());
    [x, y].forEach((t) => t.dispose());
  });

  it('classWeight scales each sample loss by its class weight', async () => {
    const x = tensor([[1, 0], [0, 1]]);
    const y = tensor([[1], [0]]);
    const make = () => {
      setSeed(22);
      const m = sequential({ layers: [new Dense({ units: 1, activation: 'sigmoid', inputShape: [2], kernelInitializer: 'ones', biasInitializer: 'zeros' })] });
      m.compile({ optimizer: sgd(0), loss: 'binaryCrossentropy' });
      return m;
    };
    const plain = make();
    const weighted = make();
    const h1 = await plain.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, shuffle: false });
    const h2 = await weighted.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, shuffle: false, classWeight: { 0: 3, 1: 1 } });
    // Both samples have loss -log(sigmoid(1))·... : sample 0 (class 1) -log σ(1), sample 1 (class 0) -log(1-σ(1)).
    const s = 1 / (1 + Math.exp(-1));
    expect(h1.history['loss']![0]).toBeCloseTo((-Math.log(s) - Math.log(1 - s)) / 2, 5);
    expect(h2.history['loss']![0]).toBeCloseTo((-Math.log(s) - 3 * Math.log(1 - s)) / 2, 5);
    [plain, weighted].forEach((m) => m.dispose());
    [x, y].forEach((t) => t.dispose());
  });

  it('compiles a loss given as { name, labelSmoothing } and trains against the smoothed targets', async () => {
    const x = tensor([[1, 0], [0, 1]]);
    const y = tensor([[1, 0, 0], [0, 0, 1]]);
    setSeed(23);
    const m = sequential({ layers: [new Dense({ units: 3, activation: 'softmax', inputShape: [2], kernelInitializer: 'zeros' })] });
    m.compile({ optimizer: sgd(0), loss: { name: 'categoricalCrossentropy', labelSmoothing: 0.3 } });
    const h = await m.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, shuffle: false });
    // Zero weights predict 1/3 for every class; the targets sum to 1 either way, so the loss is ln 3.
    expect(h.history['loss']![0]).toBeCloseTo(Math.log(3), 5);
    // With a non-uniform prediction the smoothed targets (0.8, 0.1, 0.1) weigh every class's log.
    const weights = [tensor([[1, 0, 0], [0, 0, 1]]), tensor([0, 0, 0])];
    m.layers[0]!.setWeights(weights);
    weights.forEach((w) => w.dispose());
    const { loss } = await m.evaluate(x, y, { batchSize: 2 });
    const e = Math.E;
    const logs = [Math.log(e / (e + 2)), Math.log(1 / (e + 2))];
    expect(loss).toBeCloseTo(-(0.8 * logs[0]! + 0.2 * logs[1]!), 5);
    m.dispose();
    [x, y].forEach((t) => t.dispose());
  });

  it('fits a dataset of batches with dataset validation, and LearningRateScheduler sets the rate per epoch', async () => {
    setSeed(23);
    const { x, y } = twoSpirals(60, 12);
    const model = sequential({ layers: [new Dense({ units: 16, activation: 'relu', inputShape: [2] }), new Dense({ units: 1, activation: 'sigmoid' })] });
    model.compile({ optimizer: sgd(0.1), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const before = memory().numTensors;
    const h = await model.fit(batches(x, y, 25), {
      epochs: 3,
      verbose: 0,
      validationData: batches(x, y, 50),
      callbacks: [new LearningRateScheduler((epoch) => 0.1 / (epoch + 1))],
    });
    expect(memory().numTensors).toBe(before);
    expect(h.history['lr']).toEqual([0.1, 0.05, 0.1 / 3]);
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'lr', 'val_accuracy', 'val_loss']);
    await expect(model.fit(batches(x, y, 25), { epochs: 1, verbose: 0, batchesPerEpoch: 100 })).rejects.toThrow(/ran out after 5 batches/);
    model.dispose();
    [x, y].forEach((t) => t.dispose());
  });

  it('gives clear errors for misuse', async () => {
    const model = sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    const x = tensor([[1, 2]]);
    const y = tensor([[1], [2]]);
    await expect(model.fit(x, y)).rejects.toThrow(/call compile\(\{ optimizer, loss \}\) first/);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(model.fit(x, y)).rejects.toThrow(/x and y must have the same number of samples \(first dimension\): x \w+ \[1,2\], y \w+ \[2,1\]/);
    await expect(model.fit(x, tensor([[1]]), { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => model.compile({ optimizer: 'sgdd', loss: 'mse' })).toThrow(/sgdd/);
    expect(() => model.compile({ optimizer: 'sgd', loss: 'msee' })).toThrow(/msee/);
    expect(() => model.predict(tensor([[1, 2, 3]]))).toThrow(/dense/);
    model.dispose();
  });
});
