import '@tessera/backend-cpu';
import { memory, setSeed, tensor, tidy, oneHot, Random, type Tensor } from '@tessera/core';
import { Conv2D, Dense, Flatten, LSTM, MaxPooling2D } from '@tessera/layers';
import { adam, sgd } from '@tessera/optimizers';
import { describe, expect, it } from 'vitest';
import { EarlyStopping, ReduceLROnPlateau, Sequential, sequential } from '../src/index.js';
import { shapes, twoSpirals } from './helpers.js';

async function accuracy(model: Sequential, x: Tensor, y: Tensor): Promise<number> {
  const logs = await model.evaluate(x, y, { batchSize: 256 });
  return logs['accuracy'] ?? logs['acc']!;
}

describe('training real small problems', () => {
  it('learns XOR to 100%', async () => {
    setSeed(1);
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tensor([[0], [1], [1], [0]]);
    const model = sequential({
      layers: [new Dense({ units: 8, activation: 'tanh', inputShape: [2] }), new Dense({ units: 1, activation: 'sigmoid' })],
    });
    model.compile({ optimizer: adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 300, batchSize: 4, verbose: 0, seed: 1 });
    expect(h.history['loss']!.at(-1)!).toBeLessThan(0.05);
    expect(await accuracy(model, x, y)).toBe(1);
    const p = await model.predict(x).data();
    expect(Array.from(p, (v) => Math.round(v))).toEqual([0, 1, 1, 0]);
    model.dispose();
    [x, y].forEach((t) => t.dispose());
  });

  it('classifies two spirals to >= 97% with an MLP', async () => {
    setSeed(2);
    const { x, y } = twoSpirals(200, 3);
    const model = sequential({
      layers: [
        new Dense({ units: 64, activation: 'relu', inputShape: [2] }),
        new Dense({ units: 64, activation: 'relu' }),
        new Dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: adam(0.01), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 150, batchSize: 32, verbose: 0, validationSplit: 0.2, seed: 3 });
    expect(h.history['val_accuracy']!.at(-1)!).toBeGreaterThanOrEqual(0.97);
    expect(await accuracy(model, x, y)).toBeGreaterThanOrEqual(0.97);
    model.dispose();
    [x, y].forEach((t) => t.dispose());
  });

  it('trains a tiny CNN on synthetic shapes to >= 95%', async () => {
    setSeed(3);
    const train = shapes(300, 4);
    const test = shapes(150, 5);
    const model = sequential({
      layers: [
        new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same', inputShape: [8, 8, 1] }),
        new MaxPooling2D({ poolSize: 2 }),
        new Flatten(),
        new Dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(train.x, train.y, { epochs: 15, batchSize: 32, verbose: 0, seed: 4 });
    expect(await accuracy(model, test.x, test.y)).toBeGreaterThanOrEqual(0.95);
    model.dispose();
    [train.x, train.y, test.x, test.y].forEach((t) => t.dispose());
  });

  it('an LSTM learns to predict the next element of a periodic sequence', async () => {
    setSeed(4);
    const period = [0, 1, 2, 3, 2, 1];
    const steps = 6;
    const n = 120;
    const r = new Random(5);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = r.int(period.length);
      for (let t = 0; t < steps; t++) xs.push(period[(start + t) % period.length]! / 3);
      ys.push(period[(start + steps) % period.length]!);
    }
    const x = tensor(xs, [n, steps, 1]);
    const y = tidy(() => oneHot(tensor(ys, [n], 'int32'), 4));
    const model = sequential({ layers: [new LSTM({ units: 16, inputShape: [steps, 1] }), new Dense({ units: 4, activation: 'softmax' })] });
    model.compile({ optimizer: adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 60, batchSize: 20, verbose: 0, seed: 6 });
    expect(h.history['loss']!.at(-1)!).toBeLessThan(h.history['loss']![0]! / 10);
    expect(await accuracy(model, x, y)).toBe(1);
    model.dispose();
    [x, y].forEach((t) => t.dispose());
  });
});

describe('callbacks act', () => {
  it('EarlyStopping stops a run whose validation loss stalls and restores the best weights', async () => {
    setSeed(5);
    const { x, y } = twoSpirals(40, 7);
    const model = sequential({ layers: [new Dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
    model.compile({ optimizer: sgd(0), loss: 'binaryCrossentropy' });
    const es = new EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const h = await model.fit(x, y, { epochs: 50, batchSize: 16, validationSplit: 0.25, verbose: 0, callbacks: [es] });
    // lr 0: the loss never improves, so training stops after patience epochs.
    expect(h.epoch.length).toBe(3);
    expect(es.stoppedEpoch).toBe(2);
    model.dispose();
    [x, y].forEach((t) => t.dispose());
  });

  it('ReduceLROnPlateau lowers the learning rate when the loss plateaus', async () => {
    setSeed(6);
    const { x, y } = twoSpirals(40, 8);
    const model = sequential({ layers: [new Dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
    model.compile({ optimizer: sgd(1e-9), loss: 'binaryCrossentropy' });
    const rl = new ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minDelta: 1e-3 });
    const h = await model.fit(x, y, { epochs: 4, batchSize: 80, verbose: 0, callbacks: [rl] });
    // The first epoch sets the best loss; each later epoch fails to improve by minDelta.
    expect(rl.reductions.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(model.optimizer.learningRate).toBe(1e-9 / 8);
    // 'lr' in the logs is the rate each epoch trained with.
    expect(h.history['lr']).toEqual([1e-9, 1e-9, 1e-9 / 2, 1e-9 / 4]);
    model.dispose();
    [x, y].forEach((t) => t.dispose());
  });

  it('calls user hooks in order and stops on model.stopTraining', async () => {
    const { x, y } = twoSpirals(20, 9);
    const model = sequential({ layers: [new Dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const calls: string[] = [];
    await model.fit(x, y, {
      epochs: 5,
      batchSize: 20,
      verbose: 0,
      callbacks: [
        {
          onTrainBegin: () => void calls.push('trainBegin'),
          onEpochBegin: (e) => void calls.push(`epochBegin ${e}`),
          onBatchEnd: (b, logs) => void calls.push(`batchEnd ${b} ${typeof logs?.['loss']}`),
          onEpochEnd: (e) => {
            calls.push(`epochEnd ${e}`);
            if (e === 1) model.stopTraining = true;
          },
          onTrainEnd: () => void calls.push('trainEnd'),
        },
      ],
    });
    expect(calls).toEqual([
      'trainBegin', 'epochBegin 0', 'batchEnd 0 number', 'batchEnd 1 number', 'epochEnd 0',
      'epochBegin 1', 'batchEnd 0 number', 'batchEnd 1 number', 'epochEnd 1', 'trainEnd',
    ]);
    model.dispose();
    [x, y].forEach((t) => t.dispose());
  });
});

describe('memory', () => {
  it('keeps the live-tensor count flat from epoch to epoch', async () => {
    const { x, y } = twoSpirals(64, 10);
    const model = sequential({
      layers: [new Dense({ units: 16, activation: 'relu', inputShape: [2] }), new Dense({ units: 1, activation: 'sigmoid' })],
    });
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy', 'precision'] });
    const counts: number[] = [];
    const bytes: number[] = [];
    await model.fit(x, y, {
      epochs: 5,
      batchSize: 16,
      verbose: 0,
      validationSplit: 0.25,
      callbacks: [{ onEpochEnd: () => void (counts.push(memory().numTensors), bytes.push(memory().numBytes)) }],
    });
    expect(new Set(counts).size).toBe(1);
    expect(new Set(bytes).size).toBe(1);
    const before = memory().numTensors;
    const p = model.predict(x, { batchSize: 10 });
    p.dispose();
    await model.evaluate(x, y);
    expect(memory().numTensors).toBe(before);
    model.dispose();
    [x, y].forEach((t) => t.dispose());
  });
});
