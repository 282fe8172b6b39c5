import { describe, expect, it } from 'vitest';
import {
  BatchNormalization, Dense, Dropout, EarlyStopping, ReduceLROnPlateau, adam, getBackend, loadModel, memory, type Sequential,
  memoryHandler, schedules, sequential, setSeed, spirals, tensor, tidy, oneHot,
} from '../src/index.js';

describe('the umbrella package', () => {
  it('registers the cpu backend on import', () => {
    expect(getBackend()).toBe('cpu');
  });

  it('runs the docs/models.md workflow end to end', async () => {
    setSeed(42);
    const data = spirals(600, 3, 0.02, 7);
    const x = tensor(data.xs, data.xsShape);
    const y = tidy(() => oneHot(tensor(data.ys, [data.ys.length], "int32"), 3));
    const model = sequential();
    model.add(new Dense({ units: 64, activation: 'relu', inputShape: [2], kernelRegularizer: 'l2' }));
    model.add(new BatchNormalization());
    model.add(new Dropout({ rate: 0.1 }));
    model.add(new Dense({ units: 3, activation: 'softmax' }));
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    expect(lines.join('\n')).toContain('Non-trainable params: 128');
    model.compile({
      optimizer: adam({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.02, decaySteps: 100, decayRate: 0.9 }), clipNorm: 1 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy', 'precision'],
    });
    const before = memory().numTensors;
    const history = await model.fit(x, y, {
      epochs: 40,
      batchSize: 32,
      validationSplit: 0.2,
      seed: 7,
      verbose: 0,
      callbacks: [new EarlyStopping({ monitor: 'val_loss', patience: 8, restoreBestWeights: true }), new ReduceLROnPlateau({ monitor: 'val_loss', patience: 100 })],
    });
    // Nothing leaks; Adam's two slots (m, v) per trainable weight now exist.
    expect(memory().numTensors).toBe(before + 2 * model.trainableWeights.length);
    expect(history.history["val_accuracy"]!.at(-1)!).toBeGreaterThan(0.85);
    const logs = await model.evaluate(x, y, { batchSize: 256 });
    expect(Object.keys(logs)).toEqual(['loss', 'accuracy', 'precision']);
    const h = memoryHandler();
    await model.save(h);
    const again = await loadModel<Sequential>(h);
    const [p1, p2] = [model.predict(x), again.predict(x)];
    expect(Array.from(await p2.data())).toEqual(Array.from(await p1.data()));
    [p1, p2, x, y].forEach((t) => t.dispose());
    model.dispose();
    again.dispose();
  });
});
