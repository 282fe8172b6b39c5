// A training step failing at every stage (forward, loss, backward, metric, optimizer) leaves the
// live tensors and bytes as they were, and the model keeps training afterwards; training calls on
// one model never overlap.
import '@tessera/backend-cpu';
import { customGrad } from '@tessera/autograd';
import { backendInstance, clone, memory, setSeed, tensor, type Tensor } from '@tessera/core';
import { Dense, Layer, type Metric } from '@tessera/layers';
import { SGD } from '@tessera/optimizers';
import { afterEach, describe, expect, it } from 'vitest';
import { sequential, type Sequential } from '../src/node.js';

type Stage = 'forward' | 'loss' | 'backward' | 'metric' | 'optimizer' | null;
let failAt: Stage = null;

function fail(stage: Stage): void {
  if (failAt === stage) throw new Error(`injected failure in the ${stage}`);
}

/** Identity whose forward or backward pass fails on demand. */
class Faulty extends Layer<Tensor> {
  call(x: Tensor): Tensor {
    fail('forward');
    return customGrad((v: Tensor) => ({
      value: clone(v),
      gradFunc: (dy: Tensor) => {
        fail('backward');
        return clone(dy);
      },
    }))(x);
  }
}

class FaultySGD extends SGD {
  override applyGradients(grads: Record<string, Tensor>): void {
    fail('optimizer');
    super.applyGradients(grads);
  }
}

const faultyMetric: Metric = {
  name: 'faulty',
  statistics: (yTrue: Tensor, yPred: Tensor) => {
    fail('metric');
    return yPred.sub(yTrue).abs().mean().reshape([1]);
  },
  result: (s: number[]) => s[0]!,
} as unknown as Metric;

function model(): Sequential {
  setSeed(3);
  const m = sequential({ layers: [new Dense({ units: 4, activation: 'tanh', inputShape: [2] }), new Faulty(), new Dense({ units: 1 })] });
  m.compile({
    optimizer: new FaultySGD({ learningRate: 0.05 }),
    loss: (yTrue: Tensor, yPred: Tensor) => {
      fail('loss');
      return yPred.sub(yTrue).square().mean(-1);
    },
    metrics: [faultyMetric],
  });
  return m;
}

afterEach(() => {
  failAt = null;
});

const counts = (): [number, number] => [memory().numTensors, memory().numBytes];

describe('a failing training step', () => {
  const stages: Stage[] = ['forward', 'loss', 'backward', 'metric', 'optimizer'];

  it.each(stages)('in the %s: fit, trainOnBatch and evaluate free everything and the model trains on', async (stage) => {
    const m = model();
    const x = tensor([[0, 1], [1, 0], [1, 1], [0, 0]]);
    const y = tensor([[1], [1], [0], [0]]);
    const before = counts();
    failAt = stage;
    await expect(m.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 })).rejects.toThrow(`injected failure in the ${stage}`);
    expect(counts()).toEqual(before);
    await expect(m.trainOnBatch(x, y)).rejects.toThrow(`injected failure in the ${stage}`);
    expect(counts()).toEqual(before);
    await expect(m.fitDataset([{ xs: clone(x), ys: clone(y) }], { verbose: 0 })).rejects.toThrow(`injected failure in the ${stage}`);
    expect(counts()).toEqual(before);
    if (stage === 'forward' || stage === 'loss' || stage === 'metric') {
      await expect(m.evaluate(x, y, { batchSize: 2 })).rejects.toThrow(`injected failure in the ${stage}`);
      expect(counts()).toEqual(before);
    }
    failAt = null;
    const history = await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, shuffle: false });
    expect(history.history['loss']![2]!).toBeLessThan(history.history['loss']![0]!);
    expect(counts()).toEqual(before);
    m.dispose();
    x.dispose();
    y.dispose();
  });
});

describe('training calls on one model', () => {
  it('refuse a second fit while one runs, and take the next one once it is done', async () => {
    const m = model();
    const x = tensor([[0, 1], [1, 0]]);
    const y = tensor([[1], [0]]);
    const first = m.fit(x, y, { epochs: 3, verbose: 0 });
    await expect(m.fit(x, y, { epochs: 1, verbose: 0 })).rejects.toThrow(
      `fit: model '${m.name}' is already training (a fit() call has not finished); await it before starting another`,
    );
    await expect(m.trainOnBatch(x, y)).rejects.toThrow(/trainOnBatch: .* is already training \(a fit\(\) call/);
    await expect(m.fitDataset([{ xs: x, ys: y }], { verbose: 0 })).rejects.toThrow(/fitDataset: .* is already training/);
    await first;
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    m.dispose();
    x.dispose();
    y.dispose();
  });

  it('say that a Sequential model takes one input tensor when fit gets an array of tensors', async () => {
    const m = model();
    const x = tensor([[0, 1]]);
    const y = tensor([[1]]);
    await expect(m.fit([x, x] as never, y as never)).rejects.toThrow(
      'fit: x is an array of 2 tensors, but a Sequential model takes one input tensor: pass fit(x, y) with one tensor each, or a dataset of { xs, ys } batches',
    );
    m.dispose();
    x.dispose();
    y.dispose();
  });
});

describe('sparse categorical labels outside the classes', () => {
  function classifier(): Sequential {
    setSeed(4);
    const m = sequential({ layers: [new Dense({ units: 3, activation: 'softmax', inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  }
  const x = (): Tensor => tensor([[0, 1], [1, 0], [1, 1]]);

  it('stop fit and evaluate with the label named, instead of training on a loss of 0', async () => {
    const m = classifier();
    const [xs, ys] = [x(), tensor([0, 7, 1], [3], 'int32')];
    const before = counts();
    await expect(m.fit(xs, ys, { epochs: 1, verbose: 0, shuffle: false })).rejects.toThrow('label 7 at index 1 is outside the valid range [0, 3) of the 3 classes');
    await expect(m.evaluate(xs, ys)).rejects.toThrow('label 7 at index 1 is outside the valid range [0, 3)');
    expect(counts()).toEqual(before);
    [m, xs, ys].forEach((t) => t.dispose());
  });

  it('are named by fit and evaluate on a backend that cannot read synchronously, and leave the weights finite', async () => {
    const m = classifier();
    const [xs, ys] = [x(), tensor([0, -1, 1], [3], 'int32')];
    const backend = backendInstance() as { readSync?: unknown };
    const readSync = backend.readSync;
    const read = (backend as unknown as { read: (id: unknown) => Promise<unknown> }).read.bind(backend);
    Object.assign(backend, { readSync: undefined, read: async (id: unknown) => (readSync as (id: unknown) => unknown).call(backend, id) });
    try {
      await expect(m.fit(xs, ys, { epochs: 1, verbose: 0, shuffle: false })).rejects.toThrow('fit: label -1 at index 1 is outside the valid range [0, 3) of the 3 classes');
      await expect(m.evaluate(xs, ys)).rejects.toThrow('evaluate: label -1 at index 1 is outside the valid range [0, 3)');
    } finally {
      Object.assign(backend, { readSync, read });
      delete (backend as { readSync?: unknown }).readSync;
      delete (backend as { read?: unknown }).read;
    }
    for (const w of m.weights) expect(Array.from(w.dataSync()).every(Number.isFinite)).toBe(true);
    [m, xs, ys].forEach((t) => t.dispose());
  });
});
