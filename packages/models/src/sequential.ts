import {
  ENGINE, Random, Tensor, TesseraError, add, checkOptions, concat, fmtShape, gather, keep, mul, mean, reshape, slice, tensor, tidy,
  type Variable, cast, argMax, squeeze,
} from '@tessera/core';
import { variableGrads } from '@tessera/autograd';
import {
  Layer, deserializeLayer, findInvalidClassIndex, getLoss, getMetric, invalidClassIndexError, lossName, serializeLayer, type LossFn, type LossIdentifier, type Metric,
} from '@tessera/layers';
import { Optimizer, getOptimizer } from '@tessera/optimizers';
import { CallbackList, History, type Callback, type CallbackHooks, type Logs } from './callbacks.js';
import { ProgressLogger } from './progress.js';

/** A loss name, a loss function, or `{ name, fromLogits?, labelSmoothing?, delta? }` (the layers package's). */
export type { LossIdentifier };
export type OptimizerIdentifier = string | Optimizer | { className: string; config?: Record<string, unknown> };

export interface CompileArgs {
  optimizer: OptimizerIdentifier;
  loss: LossIdentifier;
  metrics?: (string | Metric)[];
}

/** A batch of training data as datasets yield it. */
export interface Batch {
  xs: Tensor;
  ys: Tensor;
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Reshuffle the training samples every epoch (seeded: see `seed`). */
  shuffle?: boolean;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  validationData?: [Tensor, Tensor] | AsyncIterable<Batch> | Iterable<Batch>;
  callbacks?: (Callback | CallbackHooks)[];
  /** 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose?: number;
  /** Epoch to start at (resuming): epochs counts the final epoch index, as in Keras. */
  initialEpoch?: number;
  /** Weight of each class in the loss: { classIndex: weight }. */
  classWeight?: Record<number, number>;
  /** Seed of the shuffle; epoch e uses an order derived from (seed, e) alone, so resumed runs repeat it. */
  seed?: number;
}

export interface FitDatasetArgs extends Omit<FitArgs, 'batchSize' | 'shuffle' | 'validationSplit' | 'seed' | 'classWeight'> {
  /** Batches per epoch; by default one full pass of the dataset. */
  batchesPerEpoch?: number;
}

// The options each call takes, checked at run time (JavaScript callers get no type errors).
const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'callbacks', 'verbose', 'initialEpoch', 'classWeight', 'seed'];
const FIT_DATASET_OPTIONS = ['epochs', 'validationData', 'callbacks', 'verbose', 'initialEpoch', 'batchesPerEpoch'];

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

interface Compiled {
  optimizer: Optimizer;
  loss: LossFn;
  lossName: string;
  metrics: { key: string; metric: Metric }[];
  config: { optimizer: unknown; loss: unknown; metrics: unknown[] };
}

let modelCount = 0;

/** A linear stack of layers with Keras's compile/fit/evaluate/predict workflow. */
export class Sequential {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** Set to true (e.g. by a callback) to stop `fit` after the current batch's epoch. */
  stopTraining = false;
  private compiled: Compiled | null = null;
  /** The training call running now ('fit', 'fitDataset', 'trainOnBatch'), if any. */
  private training: string | null = null;
  private inputShape: (number | null)[] | null = null;

  constructor(args: SequentialArgs = {}) {
    checkOptions('Sequential', args, ['layers', 'name']);
    this.name = args.name ?? (modelCount++ === 0 ? 'sequential' : `sequential_${modelCount - 1}`);
    for (const l of args.layers ?? []) this.add(l);
  }

  /** Appends a layer; builds it at once when the input shape is known. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new TesseraError(`Sequential.add: expected a Layer, got ${layer === null ? 'null' : typeof layer}`);
    layer.assertKnownOptions();
    if (this.layers.includes(layer)) throw new TesseraError(`Sequential.add: layer '${layer.name}' is already in the model`);
    if (this.layers.some((l) => l.name === layer.name)) {
      throw new TesseraError(`Sequential.add: a layer named '${layer.name}' is already in the model; layer names must be unique`);
    }
    if (this.layers.length === 0) {
      const declared = layer.batchInputShape;
      if (declared) this.inputShape = [...declared];
    }
    this.layers.push(layer);
    if (this.inputShape) this.buildFrom(this.inputShape);
  }

  /** Removes the last layer. */
  pop(): Layer {
    const l = this.layers.pop();
    if (!l) throw new TesseraError('Sequential.pop: the model has no layers');
    return l;
  }

  private buildFrom(inputShape: (number | null)[]): (number | null)[] {
    let shape = inputShape;
    for (const l of this.layers) {
      if (!l.built) l.build(shape);
      shape = l.computeOutputShape(shape);
    }
    return shape;
  }

  /** Builds every layer for inputs of this shape (batch dimension first, may be null). */
  build(inputShape: (number | null)[]): void {
    this.inputShape = [...inputShape];
    this.buildFrom(this.inputShape);
  }

  get built(): boolean {
    return this.layers.length > 0 && this.layers.every((l) => l.built);
  }

  get outputShape(): (number | null)[] {
    if (!this.inputShape) throw new TesseraError(`${this.name}: the model is not built yet; give the first layer an inputShape or call build()`);
    let s = this.inputShape;
    for (const l of this.layers) s = l.computeOutputShape(s);
    return s;
  }

  /** Runs the layers in order. */
  apply(x: Tensor, { training = false }: { training?: boolean } = {}): Tensor {
    if (this.layers.length === 0) throw new TesseraError(`${this.name}: the model has no layers`);
    if (!this.inputShape) this.inputShape = [null, ...x.shape.slice(1)];
    let h = x;
    for (const l of this.layers) {
      const out = l.apply(h, { training });
      if (Array.isArray(out)) {
        throw new TesseraError(`${this.name}: layer '${l.name}' returns ${out.length} tensors; a Sequential model needs one output per layer (returnState is for functional use)`);
      }
      h = out;
    }
    return h;
  }

  get weights(): Variable[] {
    return this.layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.trainableWeights);
  }

  get nonTrainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.nonTrainableWeights);
  }

  countParams(): number {
    return this.layers.reduce((s, l) => s + l.countParams(), 0);
  }

  /** Copies of every weight, in layer order. */
  getWeights(): Tensor[] {
    return this.layers.flatMap((l) => l.getWeights());
  }

  setWeights(weights: Tensor[]): void {
    const total = this.weights.length;
    if (weights.length !== total) throw new TesseraError(`${this.name}.setWeights: got ${weights.length} tensors, the model has ${total} weights`);
    let k = 0;
    for (const l of this.layers) {
      const n = l.weights.length;
      l.setWeights(weights.slice(k, k + n));
      k += n;
    }
  }

  /** Prints (or passes to printFn) a table of layers, output shapes and parameter counts. */
  summary(printFn: (line: string) => void = console.log): void {
    const rows: [string, string, string][] = [['Layer (type)', 'Output Shape', 'Param #']];
    let shape = this.inputShape;
    for (const l of this.layers) {
      let out = 'unknown (not built)';
      if (shape) {
        shape = l.computeOutputShape(shape);
        out = `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}${shape.length === 1 ? ',' : ''})`;
      }
      rows.push([`${l.name} (${l.constructor.name})`, out, l.built ? l.countParams().toLocaleString('en-US') : '0 (unbuilt)']);
    }
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)) + 3);
    const total = widths.reduce((a, b) => a + b, 0);
    const line = (r: [string, string, string]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('').trimEnd();
    const trainable = this.trainableWeights.reduce((s, w) => s + w.size, 0);
    const nonTrainable = this.nonTrainableWeights.reduce((s, w) => s + w.size, 0);
    printFn(`Model: "${this.name}"`);
    printFn('_'.repeat(total));
    printFn(line(rows[0]!));
    printFn('='.repeat(total));
    rows.slice(1).forEach((r, i) => {
      printFn(line(r));
      printFn(i === rows.length - 2 ? '='.repeat(total) : '_'.repeat(total));
    });
    if (rows.length === 1) printFn('='.repeat(total));
    printFn(`Total params: ${(trainable + nonTrainable).toLocaleString('en-US')}`);
    printFn(`Trainable params: ${trainable.toLocaleString('en-US')}`);
    printFn(`Non-trainable params: ${nonTrainable.toLocaleString('en-US')}`);
    printFn('_'.repeat(total));
  }

  // ------------------------------------------------------------------ compile

  compile(args: CompileArgs): void {
    if (!args || args.optimizer === undefined || args.loss === undefined) {
      throw new TesseraError(`${this.name}.compile: expected { optimizer, loss, metrics? }`);
    }
    checkOptions(`${this.name}.compile`, args, ['optimizer', 'loss', 'metrics']);
    const optimizer = getOptimizer(args.optimizer as Parameters<typeof getOptimizer>[0]);
    const lossName = typeof args.loss === 'string' ? args.loss : typeof args.loss === 'function' ? args.loss.name || 'custom' : args.loss.name;
    const loss = getLoss(args.loss);
    const metrics = (args.metrics ?? []).map((m) => {
      const metric = getMetric(m, lossName);
      return { key: typeof m === 'string' ? m : metric.name, metric };
    });
    const keys = metrics.map((m) => m.key);
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup) throw new TesseraError(`${this.name}.compile: metric '${dup}' is listed twice`);
    this.compiled = {
      optimizer,
      loss,
      lossName,
      metrics,
      config: {
        optimizer: optimizer.serialize(),
        loss: typeof args.loss === 'function' ? null : args.loss,
        metrics: (args.metrics ?? []).map((m) => (typeof m === 'string' ? m : m.name)),
      },
    };
  }

  get isCompiled(): boolean {
    return this.compiled !== null;
  }

  get optimizer(): Optimizer {
    return this.requireCompiled('optimizer').optimizer;
  }

  /** Names of the logged quantities: loss then metrics. */
  get metricsNames(): string[] {
    return ['loss', ...(this.compiled?.metrics.map((m) => m.key) ?? [])];
  }

  /** @internal */
  get compileConfig(): Compiled['config'] | null {
    return this.compiled?.config ?? null;
  }

  private requireCompiled(what: string): Compiled {
    if (!this.compiled) throw new TesseraError(`${this.name}.${what}: call compile({ optimizer, loss }) first`);
    return this.compiled;
  }

  // ------------------------------------------------------------------ training

  private checkXY(what: string, x: Tensor, y: Tensor): void {
    if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new TesseraError(`${this.name}.${what}: x and y must be Tensors`);
    x.assertAlive(what);
    y.assertAlive(what);
    if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
      throw new TesseraError(`${this.name}.${what}: x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)} must have the same number of samples (first dimension)`);
    }
  }

  /** Per-sample weights from classWeight: looks up each sample's class (argmax of one-hot, or the int label). */
  private sampleWeights(y: Tensor, classWeight: Record<number, number>): Tensor {
    return tidy(() => {
      let labels: Tensor;
      if (y.rank >= 2 && y.shape[y.rank - 1]! > 1) labels = argMax(y, -1);
      else labels = cast(y.rank >= 2 ? squeeze(y, -1) : y, 'int32');
      const maxClass = Math.max(...Object.keys(classWeight).map(Number));
      const table = new Float32Array(maxClass + 1).fill(1);
      for (const [k, v] of Object.entries(classWeight)) table[Number(k)] = v;
      const tableT = tensor(table);
      const l = labels.dataSync();
      for (let i = 0; i < l.length; i++) {
        if (l[i]! > maxClass) throw new TesseraError(`fit: classWeight has no entry for class ${l[i]} (it has ${Object.keys(classWeight).join(', ')})`);
      }
      return gather(tableT, cast(labels, 'int32'));
    });
  }

  /**
   * One optimisation step on a batch: returns [loss, ...metric statistics] as numbers.
   * Everything the step creates is freed before it returns.
   */
  private async step(xb: Tensor, yb: Tensor, sw: Tensor | null): Promise<number[]> {
    const c = this.requireCompiled('fit');
    // Kept outside variableGrads' scope: freed here however the step ends (a throwing backward
    // pass or optimizer must not leave it behind).
    let stats: Tensor | null = null;
    let result: { value: Tensor; grads: Record<string, Tensor> } | null = null;
    let classes = 0;
    try {
      result = variableGrads(() => {
        const yPred = this.apply(xb, { training: true });
        classes = yPred.shape[yPred.rank - 1] ?? 0;
        let per = c.loss(yb, yPred);
        if (sw) per = mul(per, sw);
        let loss = mean(per);
        for (const l of this.layers) {
          const r = l.regularizationLoss();
          if (r) loss = add(loss, r);
        }
        stats = keep(ENGINE.withoutTapes(() => this.batchStats(loss, yb, yPred)));
        return loss;
      }, this.trainableWeights);
      c.optimizer.applyGradients(result.grads);
      const values = Array.from(await (stats as Tensor | null)!.data());
      await this.explainNaNLoss('fit', values, yb, classes);
      return values;
    } finally {
      (stats as Tensor | null)?.dispose();
      if (result) {
        result.value.dispose();
        for (const g of Object.values(result.grads)) g.dispose();
      }
    }
  }

  /**
   * A NaN loss from sparse categorical cross-entropy on a backend that cannot check labels while
   * computing (WebGPU marks a bad label's loss NaN): read the labels and name the bad one.
   */
  private async explainNaNLoss(op: string, values: number[], labels: Tensor, classes: number): Promise<void> {
    if (!Number.isNaN(values[0]) || lossName(this.requireCompiled(op).lossName) !== 'sparseCategoricalCrossentropy') return;
    const bad = findInvalidClassIndex(await labels.data(), classes);
    if (bad) throw invalidClassIndexError(op, bad, classes);
  }

  /** [loss, ...statistics of every metric] in one small tensor, so a batch costs one read. */
  private batchStats(loss: Tensor, y: Tensor, yPred: Tensor): Tensor {
    return tidy(() => {
      const parts = [reshape(loss, [1])];
      for (const { metric } of this.requireCompiled('fit').metrics) {
        const st = metric.statistics(y, yPred);
        metricWidth.set(metric, st.size);
        parts.push(st);
      }
      return concat(parts.map((p) => (p.dtype === 'float32' ? p : cast(p, 'float32'))));
    });
  }

  /** Turns summed [loss·n, stats...] into logs. */
  private logsFrom(totals: number[], samples: number, prefix = ''): Logs {
    const c = this.requireCompiled('fit');
    const logs: Logs = { [`${prefix}loss`]: totals[0]! / Math.max(samples, 1) };
    let k = 1;
    for (const { key, metric } of c.metrics) {
      const n = metricWidth.get(metric) ?? 0;
      logs[`${prefix}${key}`] = metric.result(totals.slice(k, k + n));
      k += n;
    }
    return logs;
  }

  /** Adds a batch's [mean loss, statistics...] to the running totals (loss weighted by batch size). */
  private accumulate(totals: number[] | null, values: number[], batch: number): number[] {
    const t = totals ?? new Array<number>(values.length).fill(0);
    t[0]! += values[0]! * batch;
    for (let i = 1; i < values.length; i++) t[i]! += values[i]!;
    return t;
  }

  /**
   * Trains for a number of epochs on in-memory tensors (Keras `fit`), or on a dataset of
   * `{xs, ys}` batches when `x` is an (async) iterable. Returns the History.
   */
  async fit(x: Tensor, y: Tensor, args?: FitArgs): Promise<History>;
  async fit(dataset: AsyncIterable<Batch> | Iterable<Batch>, args?: FitDatasetArgs): Promise<History>;
  async fit(x: Tensor | AsyncIterable<Batch> | Iterable<Batch>, yOrArgs?: Tensor | FitDatasetArgs, maybeArgs: FitArgs = {}): Promise<History> {
    if (Array.isArray(x) && x.some((e) => e instanceof Tensor)) {
      throw new TesseraError(
        `fit: x is an array of ${x.length} tensors, but a Sequential model takes one input tensor: pass fit(x, y) with one tensor each, ` +
          'or a dataset of { xs, ys } batches',
      );
    }
    if (!(x instanceof Tensor)) return this.exclusively('fit', () => this.fitBatches(x, (yOrArgs as FitDatasetArgs) ?? {}));
    return this.exclusively('fit', () => this.fitTensors(x, yOrArgs as Tensor, maybeArgs));
  }

  /**
   * Runs a training call alone: a second fit (or trainOnBatch) while one is running would
   * interleave updates on the same weights, so it is refused (as TF.js does).
   */
  private async exclusively<T>(op: string, fn: () => Promise<T>): Promise<T> {
    if (this.training) {
      throw new TesseraError(
        `${op}: model '${this.name}' is already training (a ${this.training}() call has not finished); await it before starting another — ` +
          'two at once would interleave their updates of the same weights',
      );
    }
    this.training = op;
    try {
      return await fn();
    } finally {
      this.training = null;
    }
  }

  private async fitTensors(x: Tensor, y: Tensor, args: FitArgs): Promise<History> {
    checkOptions('fit', args, FIT_OPTIONS);
    this.requireCompiled('fit');
    this.checkXY('fit', x, y);
    const { epochs = 1, batchSize = 32, shuffle = true, validationSplit = 0, verbose = 1, initialEpoch = 0 } = args;
    checkPositiveInt('fit', 'batchSize', batchSize);
    checkPositiveInt('fit', 'epochs', epochs);
    if (!(validationSplit >= 0 && validationSplit < 1)) throw new TesseraError(`fit: validationSplit must be in [0, 1), got ${validationSplit}`);
    if (args.validationData && validationSplit > 0) throw new TesseraError('fit: give validationData or validationSplit, not both');
    const seed = args.seed ?? Math.floor(Math.random() * 2 ** 31);

    const owned: Tensor[] = [];
    let xTrain = x;
    let yTrain = y;
    let validation: [Tensor, Tensor] | AsyncIterable<Batch> | Iterable<Batch> | null = args.validationData ?? null;
    if (validationSplit > 0) {
      const n = x.shape[0]!;
      const split = Math.floor(n * (1 - validationSplit));
      if (split <= 0 || split >= n) throw new TesseraError(`fit: validationSplit ${validationSplit} leaves no samples for training or validation (${n} samples)`);
      xTrain = keep(slice(x, [0], [split]));
      yTrain = keep(slice(y, [0], [split]));
      const xv = keep(slice(x, [split], [-1]));
      const yv = keep(slice(y, [split], [-1]));
      validation = [xv, yv];
      owned.push(xTrain, yTrain, xv, yv);
    }
    const sw = args.classWeight ? keep(this.sampleWeights(yTrain, args.classWeight)) : null;
    if (sw) owned.push(sw);

    const n = xTrain.shape[0]!;
    const steps = Math.ceil(n / batchSize);
    const history = new History();
    const callbacks = new CallbackList([...(args.callbacks ?? []), ...(verbose > 0 ? [new ProgressLogger(verbose)] : []), history]);
    callbacks.setModel(this);
    callbacks.setParams({ epochs, initialEpoch, steps, samples: n, batchSize, verbose, metrics: this.metricsNames });
    this.stopTraining = false;
    try {
      await callbacks.trainBegin({});
      for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
        await callbacks.epochBegin(epoch, {});
        const order = Int32Array.from({ length: n }, (_, i) => i);
        if (shuffle) new Random(mixSeed(seed, epoch)).shuffle(order);
        let totals: number[] | null = null;
        let seen = 0;
        for (let b = 0; b < steps; b++) {
          const start = b * batchSize;
          const size = Math.min(batchSize, n - start);
          await callbacks.batchBegin(b, { batch: b, size });
          const { xb, yb, swb } = tidy(() => {
            if (!shuffle) {
              return { xb: slice(xTrain, [start], [size]), yb: slice(yTrain, [start], [size]), swb: sw ? slice(sw, [start], [size]) : null };
            }
            const idx = tensor(order.subarray(start, start + size), [size], 'int32');
            return { xb: gather(xTrain, idx), yb: gather(yTrain, idx), swb: sw ? gather(sw, idx) : null };
          });
          let values: number[];
          try {
            values = await this.step(xb, yb, swb);
          } finally {
            xb.dispose();
            yb.dispose();
            swb?.dispose();
          }
          totals = this.accumulate(totals, values, size);
          seen += size;
          const batchLogs: Logs = { batch: b, size, ...this.logsFrom(values.map((v, i) => (i === 0 ? v * size : v)), size) };
          await callbacks.batchEnd(b, batchLogs);
          if (this.stopTraining) break;
        }
        const logs = this.logsFrom(totals ?? [0], seen);
        if (validation) Object.assign(logs, await this.evaluateAny(validation, batchSize, 'val_'));
        await callbacks.epochEnd(epoch, logs);
      }
      await callbacks.trainEnd({});
    } finally {
      owned.forEach((t) => t.dispose());
    }
    return history;
  }

  /** Trains on a dataset of {xs, ys} batches; each epoch iterates it afresh. */
  async fitDataset(dataset: AsyncIterable<Batch> | Iterable<Batch>, args: FitDatasetArgs = {}): Promise<History> {
    return this.exclusively('fitDataset', () => this.fitBatches(dataset, args));
  }

  private async fitBatches(dataset: AsyncIterable<Batch> | Iterable<Batch>, args: FitDatasetArgs): Promise<History> {
    checkOptions('fit (on a dataset)', args, FIT_DATASET_OPTIONS);
    this.requireCompiled('fitDataset');
    const { epochs = 1, verbose = 1, initialEpoch = 0, batchesPerEpoch } = args;
    checkPositiveInt('fitDataset', 'epochs', epochs);
    const history = new History();
    const callbacks = new CallbackList([...(args.callbacks ?? []), ...(verbose > 0 ? [new ProgressLogger(verbose)] : []), history]);
    callbacks.setModel(this);
    callbacks.setParams({ epochs, initialEpoch, steps: batchesPerEpoch, samples: undefined, batchSize: undefined, verbose, metrics: this.metricsNames });
    this.stopTraining = false;
    await callbacks.trainBegin({});
    let iterator: AsyncIterator<Batch> | Iterator<Batch> | null = null;
    for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
      await callbacks.epochBegin(epoch, {});
      if (!batchesPerEpoch || !iterator) iterator = iterate(dataset);
      let totals: number[] | null = null;
      let seen = 0;
      for (let b = 0; batchesPerEpoch === undefined || b < batchesPerEpoch; b++) {
        const next = await iterator.next();
        if (next.done) {
          if (batchesPerEpoch !== undefined) {
            throw new TesseraError(`fitDataset: the dataset ran out after ${b} batches in epoch ${epoch + 1}, expected batchesPerEpoch = ${batchesPerEpoch} (use .repeat())`);
          }
          break;
        }
        const { xs, ys } = checkBatch(next.value);
        let values: number[];
        let size: number;
        // The batch is fit's once yielded: freed however the step ends.
        try {
          this.checkXY('fitDataset', xs, ys);
          size = xs.shape[0]!;
          await callbacks.batchBegin(b, { batch: b, size });
          values = await this.step(xs, ys, null);
        } finally {
          xs.dispose();
          ys.dispose();
        }
        totals = this.accumulate(totals, values, size);
        seen += size;
        await callbacks.batchEnd(b, { batch: b, size, ...this.logsFrom(values.map((v, i) => (i === 0 ? v * size : v)), size) });
        if (this.stopTraining) break;
      }
      if (seen === 0) throw new TesseraError(`fitDataset: the dataset yielded no batches in epoch ${epoch + 1}`);
      const logs = this.logsFrom(totals!, seen);
      if (args.validationData) Object.assign(logs, await this.evaluateAny(args.validationData, 32, 'val_'));
      await callbacks.epochEnd(epoch, logs);
      // A fresh pass starts next epoch: let the old one release what it buffered.
      if (!batchesPerEpoch) await iterator.return?.();
    }
    if (batchesPerEpoch) await iterator?.return?.();
    await callbacks.trainEnd({});
    return history;
  }

  /** One optimisation step on one batch; returns the batch's loss and metrics. */
  async trainOnBatch(x: Tensor, y: Tensor): Promise<Logs> {
    return this.exclusively('trainOnBatch', async () => {
      this.checkXY('trainOnBatch', x, y);
      const values = await this.step(x, y, null);
      const size = x.shape[0]!;
      return this.logsFrom(values.map((v, i) => (i === 0 ? v * size : v)), size);
    });
  }

  // ------------------------------------------------------------------ inference

  private async evaluateAny(data: [Tensor, Tensor] | AsyncIterable<Batch> | Iterable<Batch>, batchSize: number, prefix: string): Promise<Logs> {
    if (Array.isArray(data)) {
      const [xv, yv] = data as [Tensor, Tensor];
      return this.evaluateTensors(xv, yv, batchSize, prefix);
    }
    let totals: number[] | null = null;
    let seen = 0;
    for await (const batch of data as AsyncIterable<Batch>) {
      const { xs, ys } = checkBatch(batch);
      let values: number[];
      try {
        values = await this.evalBatch(xs, ys);
      } finally {
        xs.dispose();
        ys.dispose();
      }
      totals = this.accumulate(totals, values, xs.shape[0]!);
      seen += xs.shape[0]!;
    }
    if (!totals) throw new TesseraError('evaluate: the dataset yielded no batches');
    return this.logsFrom(totals, seen, prefix);
  }

  private async evalBatch(xb: Tensor, yb: Tensor): Promise<number[]> {
    const c = this.requireCompiled('evaluate');
    let classes = 0;
    const stats = tidy(() => {
      const yPred = this.apply(xb, { training: false });
      classes = yPred.shape[yPred.rank - 1] ?? 0;
      return this.batchStats(mean(c.loss(yb, yPred)), yb, yPred);
    });
    try {
      const values = Array.from(await stats.data());
      await this.explainNaNLoss('evaluate', values, yb, classes);
      return values;
    } finally {
      stats.dispose();
    }
  }

  private async evaluateTensors(x: Tensor, y: Tensor, batchSize: number, prefix: string): Promise<Logs> {
    this.checkXY('evaluate', x, y);
    const n = x.shape[0]!;
    let totals: number[] | null = null;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const [xb, yb] = tidy(() => [slice(x, [start], [size]), slice(y, [start], [size])]);
      let values: number[];
      try {
        values = await this.evalBatch(xb!, yb!);
      } finally {
        xb!.dispose();
        yb!.dispose();
      }
      totals = this.accumulate(totals, values, size);
    }
    return this.logsFrom(totals ?? [0], n, prefix);
  }

  /** Loss and metrics on the given data, batched (inference mode). */
  async evaluate(x: Tensor, y: Tensor, options: { batchSize?: number } = {}): Promise<Logs> {
    checkOptions('evaluate', options, ['batchSize']);
    const { batchSize = 32 } = options;
    checkPositiveInt('evaluate', 'batchSize', batchSize);
    return this.evaluateTensors(x, y, batchSize, '');
  }

  /** Evaluates on a dataset of {xs, ys} batches. */
  async evaluateDataset(dataset: AsyncIterable<Batch> | Iterable<Batch>): Promise<Logs> {
    return this.evaluateAny(dataset, 32, '');
  }

  /** Outputs for x in inference mode, computed in batches of `batchSize`. */
  predict(x: Tensor, { batchSize = 32 }: { batchSize?: number } = {}): Tensor {
    checkPositiveInt('predict', 'batchSize', batchSize);
    if (!(x instanceof Tensor)) throw new TesseraError(`${this.name}.predict: x must be a Tensor`);
    x.assertAlive('predict');
    const n = x.shape[0]!;
    if (n <= batchSize) return tidy(() => this.apply(x, { training: false }));
    return tidy(() => {
      const parts: Tensor[] = [];
      for (let start = 0; start < n; start += batchSize) {
        parts.push(this.apply(slice(x, [start], [Math.min(batchSize, n - start)]), { training: false }));
      }
      return concat(parts, 0);
    });
  }

  /** Predictions for one batch, without splitting. */
  predictOnBatch(x: Tensor): Tensor {
    return tidy(() => this.apply(x, { training: false }));
  }

  // ------------------------------------------------------------------ serialisation

  getConfig(): { name: string; layers: { className: string; config: Record<string, unknown> }[]; inputShape: (number | null)[] | null } {
    return { name: this.name, layers: this.layers.map((l) => serializeLayer(l)), inputShape: this.inputShape };
  }

  static fromConfig(config: ReturnType<Sequential['getConfig']>): Sequential {
    const m = new Sequential({ name: config.name });
    try {
      for (const l of config.layers) m.add(deserializeLayer(l));
      if (config.inputShape && !m.built) m.build(config.inputShape);
    } catch (e) {
      // The layers built before the one that failed hold weights: free them.
      m.dispose();
      throw e;
    }
    return m;
  }

  /** Saves topology, weights and optimizer state (see io.ts): a directory path in Node, or an IO handler. */
  async save(target: string | import('./io.js').IOHandler): Promise<import('./io.js').SaveResult> {
    const io = await import('./io.js');
    return io.saveModel(this, target);
  }

  /** Frees every weight and the optimizer's state. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.compiled?.optimizer.dispose();
  }
}

/** Statistic widths per metric, learned from their first batch (metrics return fixed-size vectors). */
const metricWidth = new WeakMap<Metric, number>();

function checkPositiveInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new TesseraError(`${op}: ${name} must be a positive integer, got ${v}`);
}

function mixSeed(seed: number, epoch: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(epoch + 1, 0xc2b2ae35)) >>> 0;
}

function iterate(ds: AsyncIterable<Batch> | Iterable<Batch>): AsyncIterator<Batch> | Iterator<Batch> {
  if (Symbol.asyncIterator in ds) return (ds as AsyncIterable<Batch>)[Symbol.asyncIterator]();
  if (Symbol.iterator in ds) return (ds as Iterable<Batch>)[Symbol.iterator]();
  throw new TesseraError('fit: a dataset must be an iterable or async iterable of { xs, ys } batches');
}

function checkBatch(b: unknown): Batch {
  const v = b as Partial<Batch> | null;
  if (!v || !(v.xs instanceof Tensor) || !(v.ys instanceof Tensor)) {
    throw new TesseraError('fit: each dataset element must be { xs: Tensor, ys: Tensor }');
  }
  return v as Batch;
}

/** `sequential({ layers })`, like tf.sequential. */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
