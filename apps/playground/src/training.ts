// The training loop the page's worker runs, and the throughput measurement: platform neutral, so
// scripts/bench.ts runs the very same code in Node to compare.
import { argMax, oneHot, tensor, tidy, type Tensor } from '@tessera/core';
import { batchesFromArrays, imagesToFloat32, type MnistData } from '@tessera/datasets';
import type { Logs, Model } from '@tessera/models';
import { RECIPES, makeOptimizer, mlp, type ModelName, type OptimizerName } from '@tessera/zoo';

/** A one-input, one-output network: a recipe's Sequential or functional model. */
export type Net = Model<Tensor, Tensor>;

export interface TrainConfig {
  model: ModelName;
  optimizer: OptimizerName;
  lr: number;
  batchSize: number;
  epochs: number;
  /** Training images used (the first N of the 60000). */
  trainImages: number;
  /** Images after those, held out for the validation curves. */
  validationImages: number;
  seed: number;
}

export interface BatchReport {
  step: number;
  epoch: number;
  /** Mean loss and accuracy of the batches since the last report. */
  loss: number;
  accuracy: number;
  samplesPerSec: number;
  numTensors: number;
  numBytes: number;
  /** Held-out metrics, where this report ran them. */
  valLoss?: number;
  valAccuracy?: number;
}

export interface TestReport {
  accuracy: number;
  confusion: number[][];
  /** Test images the model got wrong (first 48): pixels, true and predicted class. */
  wrong: { pixels: Uint8Array; label: number; predicted: number }[];
}

export function rowShape(model: ModelName): number[] {
  return RECIPES[model].input === 'flat' ? [784] : [28, 28, 1];
}

export function compileRecipe(model: Net, config: Pick<TrainConfig, 'model' | 'optimizer' | 'lr'>): void {
  const labelSmoothing = RECIPES[config.model].labelSmoothing;
  model.compile({ optimizer: makeOptimizer(config.optimizer, config.lr), loss: { name: 'categoricalCrossentropy', labelSmoothing }, metrics: ['accuracy'] });
}

/** Pixels as a float tensor of the model's input layout. */
export function imagesTensor(images: Uint8Array, n: number, shape: number[]): Tensor {
  return tensor(imagesToFloat32(images.subarray(0, n * 784)), [n, ...shape]);
}

export interface LoopControl {
  /** Called after every batch; the loop stops when it resolves false (may wait: pause). */
  afterBatch(step: number, epoch: number, logs: Logs): Promise<boolean> | boolean;
  /** Runs each step (the worker passes its lock, so that no predict or save lands inside a step). */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** Trains `model` on the configured part of `data`, one `trainOnBatch` per batch. */
export async function trainLoop(model: Net, data: MnistData, config: TrainConfig, control: LoopControl): Promise<void> {
  const shape = rowShape(config.model);
  const n = Math.min(config.trainImages, data.train.labels.length);
  const batches = batchesFromArrays(data.train.images.subarray(0, n * 784), [n, ...shape], data.train.labels.subarray(0, n), [n], {
    batchSize: config.batchSize, shuffle: true, seed: config.seed, xScale: 1 / 255, oneHot: 10,
  });
  let step = 0;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    for await (const { xs, ys } of batches) {
      let logs: Logs;
      try {
        logs = control.exclusive ? await control.exclusive(() => model.trainOnBatch(xs, ys)) : await model.trainOnBatch(xs, ys);
      } finally {
        xs.dispose();
        ys.dispose();
      }
      step++;
      if (!(await control.afterBatch(step, epoch, logs))) return;
    }
  }
}

/** Loss and accuracy on held-out images. */
export async function evaluateOn(model: Net, images: Uint8Array, labels: Uint8Array, shape: number[]): Promise<{ loss: number; accuracy: number }> {
  const x = imagesTensor(images, labels.length, shape);
  const y = tidy(() => oneHot(tensor(Int32Array.from(labels), [labels.length], 'int32'), 10));
  try {
    const logs = await model.evaluate(x, y, { batchSize: 500 });
    return { loss: logs['loss']!, accuracy: logs['accuracy']! };
  } finally {
    x.dispose();
    y.dispose();
  }
}

/** Accuracy, confusion matrix and the wrongly classified images of the test set. */
export async function testReport(model: Net, data: MnistData, shape: number[]): Promise<TestReport> {
  const n = data.test.labels.length;
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  const wrong: TestReport['wrong'] = [];
  let correct = 0;
  for (let start = 0; start < n; start += 1000) {
    const count = Math.min(1000, n - start);
    const x = imagesTensor(data.test.images.subarray(start * 784), count, shape);
    const predicted = tidy(() => argMax(model.predict(x, { batchSize: 500 }), -1));
    const pred = await predicted.data();
    predicted.dispose();
    x.dispose();
    for (let i = 0; i < count; i++) {
      const label = data.test.labels[start + i]!;
      const p = pred[i]!;
      confusion[label]![p]!++;
      if (label === p) correct++;
      else if (wrong.length < 48) wrong.push({ pixels: data.test.images.slice((start + i) * 784, (start + i + 1) * 784), label, predicted: p });
    }
  }
  return { accuracy: correct / n, confusion, wrong };
}


export interface ThroughputResult {
  samplesPerSec: number;
  steps: number;
  seconds: number;
}

/**
 * Training samples/s of MLP 784-`units`-10 (Adam) at `batchSize` on the active backend: `warmup`
 * steps, then `steps` timed ones, through the same loop as training in the page.
 */
export async function measureThroughput(data: MnistData, { units = 128, batchSize = 128, warmup = 20, steps = 200 } = {}): Promise<ThroughputResult> {
  const model = mlp(units);
  compileRecipe(model, { model: 'mlp', optimizer: 'adam', lr: 1e-3 });
  const config: TrainConfig = { model: 'mlp', optimizer: 'adam', lr: 1e-3, batchSize, epochs: 1000, trainImages: data.train.labels.length, validationImages: 0, seed: 1 };
  let t0 = 0;
  await trainLoop(model, data, config, {
    afterBatch: (step) => {
      if (step === warmup) t0 = performance.now();
      return step < warmup + steps;
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  return { samplesPerSec: (steps * batchSize) / seconds, steps, seconds };
}
