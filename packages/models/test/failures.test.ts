// A training step failing at every stage (forward, loss, backward, metric, optimizer) leaves the
// live tensors and bytes as they were, and the model keeps training afterwards; training calls on
// one model never overlap.
import '@tessera/backend-cpu';
import { customGrad } from '@tessera/autograd';
import { backendInstance, clone, memory, setSeed, tensor, type Tensor } from '@tessera/core';
import { Dense, Layer, type Metric } from '@tessera/layers';
import { SGD } from '@tessera/optimizers';
import { afterEach, describe, expect, it } from 'vitest';
import { EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, TerminateOnNaN, sequential, type Sequential } from '../src/node.js';

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

  it('say that a one-input model takes one input tensor when fit gets an array of tensors', async () => {
    const m = model();
    const x = tensor([[0, 1]]);
    const y = tensor([[1]]);
    await expect(m.fit([x, x] as never, y as never)).rejects.toThrow(
      /^fit: x is a list of 2 tensors, but model 'sequential\w*' has 1 input \(\w+\): pass one tensor, or a dataset of \{ xs, ys \} batches$/,
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

describe('TerminateOnNaN', () => {
  it('stops at the first batch whose loss is not finite and says where', async () => {
    setSeed(5);
    const m = sequential({ layers: [new Dense({ units: 1, inputShape: [1] })] });
    m.compile({ optimizer: new SGD({ learningRate: 1e6 }), loss: 'meanSquaredError' }); // diverges within a few batches
    const x = tensor(Array.from({ length: 64 }, (_, i) => [i]), [64, 1]);
    const y = tensor(Array.from({ length: 64 }, (_, i) => [3 * i]), [64, 1]);
    const stop = new TerminateOnNaN(0);
    const history = await m.fit(x, y, { epochs: 20, batchSize: 8, verbose: 0, shuffle: false, callbacks: [stop] });
    expect(stop.stoppedAt).not.toBeNull();
    expect(Number.isFinite(stop.stoppedAt!.loss)).toBe(false);
    expect(history.epoch.length).toBe(stop.stoppedAt!.epoch + 1);
    m.dispose();
    x.dispose();
    y.dispose();
  });
});

describe('options from JavaScript', () => {
  it('an unknown option of fit, evaluate, compile, a callback or a layer is an error naming the closest known one', async () => {
    const m = model();
    const x = tensor([[0, 1]]);
    const y = tensor([[1]]);
    await expect(m.fit(x, y, { epoch: 2 } as never)).rejects.toThrow(/^fit: unknown option 'epoch' \(did you mean 'epochs'\?\)/);
    await expect(m.fit([{ xs: x, ys: y }], { classWeight: { 0: 1 } } as never)).rejects.toThrow(/fit \(on a dataset\): unknown option 'classWeight'/);
    await expect(m.evaluate(x, y, { batch_size: 2 } as never)).rejects.toThrow("evaluate: unknown option 'batch_size' (did you mean 'batchSize'?)");
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metric: ['mae'] } as never)).toThrow(/compile: unknown option 'metric' \(did you mean 'metrics'\?\)/);
    expect(() => new EarlyStopping({ patiance: 2 } as never)).toThrow("EarlyStopping: unknown option 'patiance' (did you mean 'patience'?)");
    expect(() => new ReduceLROnPlateau({ min_lr: 1e-4 } as never)).toThrow(/ReduceLROnPlateau: unknown option 'min_lr' \(did you mean 'minLr'\?\)/);
    expect(() => new ModelCheckpoint({ filepath: 'x', save_best_only: true } as never)).toThrow(/did you mean 'saveBestOnly'/);
    expect(() => sequential({ layers: [new Dense({ units: 2, inputShape: [2], kernel_initializer: 'zeros' } as never)] })).toThrow(
      "Dense: unknown option 'kernel_initializer' (did you mean 'kernelInitializer'?)",
    );
    m.dispose();
    x.dispose();
    y.dispose();
  });
});
