import { TesseraError, checkOptions } from '@tessera/core';
import type { Model } from './model.js';

/** Metric values by name ('loss', 'acc', 'val_loss', ...). */
export type Logs = Record<string, number>;

export interface TrainingParams {
  epochs: number;
  initialEpoch: number;
  /** Batches per epoch (undefined for a dataset of unknown length). */
  steps: number | undefined;
  samples: number | undefined;
  batchSize: number | undefined;
  verbose: number;
  metrics: string[];
}

/** Hooks called by `fit`. Every hook may be async; `fit` awaits it. */
export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

// Declaration merging gives the class the optional hooks without implementing them.
export interface Callback extends CallbackHooks {}

/** Base class for callbacks: `model` and `params` are set before training starts. */
export abstract class Callback {
  model!: Model;
  params!: TrainingParams;
  setModel(model: Model): void {
    this.model = model;
  }
  setParams(params: TrainingParams): void {
    this.params = params;
  }
}

/** Wraps plain hook objects (`{ onEpochEnd: (e, logs) => ... }`) as a callback. */
export class CustomCallback extends Callback {
  constructor(private hooks: CallbackHooks) {
    super();
    for (const k of Object.keys(hooks)) {
      if (!HOOK_NAMES.includes(k as keyof CallbackHooks)) {
        throw new TesseraError(`CustomCallback: unknown hook '${k}' (expected one of ${HOOK_NAMES.join(', ')})`);
      }
    }
  }
  override onTrainBegin(logs?: Logs) { return this.hooks.onTrainBegin?.(logs); }
  override onTrainEnd(logs?: Logs) { return this.hooks.onTrainEnd?.(logs); }
  override onEpochBegin(epoch: number, logs?: Logs) { return this.hooks.onEpochBegin?.(epoch, logs); }
  override onEpochEnd(epoch: number, logs?: Logs) { return this.hooks.onEpochEnd?.(epoch, logs); }
  override onBatchBegin(batch: number, logs?: Logs) { return this.hooks.onBatchBegin?.(batch, logs); }
  override onBatchEnd(batch: number, logs?: Logs) { return this.hooks.onBatchEnd?.(batch, logs); }
}

const HOOK_NAMES: (keyof CallbackHooks)[] = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'];

/** Runs a list of callbacks in order. */
export class CallbackList {
  readonly callbacks: Callback[];
  constructor(callbacks: (Callback | CallbackHooks)[]) {
    this.callbacks = callbacks.map((c) => (c instanceof Callback ? c : new CustomCallback(c)));
  }
  setModel(m: Model): void {
    for (const c of this.callbacks) c.setModel(m);
  }
  setParams(p: TrainingParams): void {
    for (const c of this.callbacks) c.setParams(p);
  }
  async trainBegin(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin?.(logs);
  }
  async trainEnd(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd?.(logs);
  }
  async epochBegin(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin?.(epoch, logs);
  }
  async epochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd?.(epoch, logs);
  }
  async batchBegin(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin?.(batch, logs);
  }
  async batchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd?.(batch, logs);
  }
}

/** The record `fit` returns: one entry per epoch for every logged quantity. */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  override setParams(p: TrainingParams): void {
    super.setParams(p);
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

type Mode = 'min' | 'max' | 'auto';

function resolveMode(mode: Mode, monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|precision|recall|auc/.test(monitor) ? 'max' : 'min';
}

function monitored(cb: string, monitor: string, logs: Logs | undefined): number | undefined {
  const v = logs?.[monitor];
  if (v === undefined) {
    console.warn(`${cb}: '${monitor}' is not in the epoch logs (available: ${Object.keys(logs ?? {}).join(', ') || 'none'}); skipping`);
  }
  return v;
}

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: Mode;
  baseline?: number;
  restoreBestWeights?: boolean;
  verbose?: number;
}

/** Stops training when the monitored value stops improving for `patience` epochs. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  private minDelta: number;
  private patience: number;
  private mode: 'min' | 'max';
  private baseline: number | undefined;
  private restoreBestWeights: boolean;
  private verbose: number;
  private wait = 0;
  private best = Infinity;
  private bestWeights: import('@tessera/core').Tensor[] | null = null;
  /** Epoch at which training was stopped (-1 if it ran to the end). */
  stoppedEpoch = -1;
  bestEpoch = -1;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    checkOptions('EarlyStopping', args, ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'verbose']);
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    this.mode = resolveMode(args.mode ?? 'auto', this.monitor);
    this.baseline = args.baseline;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.verbose = args.verbose ?? 0;
  }

  private improved(v: number, ref: number): boolean {
    return this.mode === 'min' ? v < ref - this.minDelta : v > ref + this.minDelta;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.bestEpoch = -1;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.disposeBest();
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const v = monitored('EarlyStopping', this.monitor, logs);
    if (v === undefined) return;
    if (this.bestEpoch < 0 || this.improved(v, this.best)) {
      const beatsBaseline = this.baseline === undefined || this.improved(v, this.baseline);
      this.best = v;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) {
        this.disposeBest();
        this.bestWeights = this.model.getWeights();
      }
      if (beatsBaseline) {
        this.wait = 0;
        return;
      }
    }
    this.wait++;
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch >= 0 && this.verbose > 0) {
      console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping (best ${this.monitor} ${this.best.toFixed(5)} at epoch ${this.bestEpoch + 1})`);
    }
    if (this.restoreBestWeights && this.bestWeights) {
      this.model.setWeights(this.bestWeights);
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch (${this.bestEpoch + 1}).`);
    }
    this.disposeBest();
  }

  private disposeBest(): void {
    this.bestWeights?.forEach((t) => t.dispose());
    this.bestWeights = null;
  }
}

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  mode?: Mode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
  verbose?: number;
}

/** Multiplies the optimizer's learning rate by `factor` when the monitored value plateaus. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  private factor: number;
  private patience: number;
  private mode: 'min' | 'max';
  private minDelta: number;
  private cooldown: number;
  private minLr: number;
  private verbose: number;
  private wait = 0;
  private cooldownCounter = 0;
  private best = Infinity;
  /** Epochs at which the rate was reduced, with the new rate. */
  readonly reductions: { epoch: number; lr: number }[] = [];

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    checkOptions('ReduceLROnPlateau', args, ['monitor', 'factor', 'patience', 'mode', 'minDelta', 'cooldown', 'minLr', 'verbose']);
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = args.factor ?? 0.1;
    if (!(this.factor < 1 && this.factor > 0)) throw new TesseraError(`ReduceLROnPlateau: factor must be in (0, 1), got ${this.factor}`);
    this.patience = args.patience ?? 10;
    this.mode = resolveMode(args.mode ?? 'auto', this.monitor);
    this.minDelta = args.minDelta ?? 1e-4;
    this.cooldown = args.cooldown ?? 0;
    this.minLr = args.minLr ?? 0;
    this.verbose = args.verbose ?? 0;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.cooldownCounter = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const opt = this.model.optimizer;
    if (logs) logs['lr'] = opt.learningRate;
    const v = monitored('ReduceLROnPlateau', this.monitor, logs);
    if (v === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    const better = this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
    if (better) {
      this.best = v;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait++;
      if (this.wait >= this.patience) {
        const old = opt.learningRate;
        if (old > this.minLr) {
          const lr = Math.max(old * this.factor, this.minLr);
          opt.learningRate = lr;
          this.reductions.push({ epoch, lr });
          if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${lr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/**
 * Stops training at the end of the first batch whose loss is NaN or infinite (Keras's
 * TerminateOnNaN), and says where: training on from there would only spread NaN into every weight.
 */
export class TerminateOnNaN extends Callback {
  /** Where training was stopped, or null if every loss was finite. */
  stoppedAt: { epoch: number; batch: number; loss: number } | null = null;
  private epoch = 0;

  constructor(private readonly verbose = 1) {
    super();
  }

  override onTrainBegin(): void {
    this.stoppedAt = null;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override onBatchEnd(batch: number, logs?: Logs): void {
    const loss = logs?.['loss'];
    if (loss === undefined || Number.isFinite(loss)) return;
    this.stoppedAt = { epoch: this.epoch, batch, loss };
    this.model.stopTraining = true;
    if (this.verbose > 0) console.warn(`Epoch ${this.epoch + 1}, batch ${batch + 1}: invalid loss ${loss}, terminating training (TerminateOnNaN)`);
  }
}

/** Sets the learning rate at the start of each epoch from `schedule(epoch, currentLr)`. */
export class LearningRateScheduler extends Callback {
  constructor(private schedule: (epoch: number, lr: number) => number, private verbose = 0) {
    super();
  }
  override onEpochBegin(epoch: number): void {
    const opt = this.model.optimizer;
    const lr = this.schedule(epoch, opt.learningRate);
    if (!(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)) {
      throw new TesseraError(`LearningRateScheduler: the schedule returned ${lr} for epoch ${epoch}; expected a finite number >= 0`);
    }
    opt.learningRate = lr;
    if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }
  override onEpochEnd(_epoch: number, logs?: Logs): void {
    if (logs) logs['lr'] = this.model.optimizer.learningRate;
  }
}

export interface ModelCheckpointArgs {
  /** Directory (Node) to save into; `{epoch}` and any log name in braces are substituted. */
  filepath: string;
  monitor?: string;
  saveBestOnly?: boolean;
  mode?: Mode;
  verbose?: number;
}

/** Saves the model after every epoch, or only when the monitored value improves. */
export class ModelCheckpoint extends Callback {
  private best: number;
  private mode: 'min' | 'max';
  readonly saved: string[] = [];
  constructor(private args: ModelCheckpointArgs) {
    super();
    checkOptions('ModelCheckpoint', args, ['filepath', 'monitor', 'saveBestOnly', 'mode', 'verbose']);
    this.mode = resolveMode(args.mode ?? 'auto', args.monitor ?? 'val_loss');
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }
  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const monitor = this.args.monitor ?? 'val_loss';
    if (this.args.saveBestOnly) {
      const v = monitored('ModelCheckpoint', monitor, logs);
      if (v === undefined) return;
      const better = this.mode === 'min' ? v < this.best : v > this.best;
      if (!better) return;
      this.best = v;
    }
    const path = this.args.filepath.replace(/\{(\w+)(?::[^}]*)?\}/g, (m, key: string) => {
      if (key === 'epoch') return String(epoch + 1).padStart(2, '0');
      const v = logs[key];
      return v === undefined ? m : v.toFixed(4);
    });
    await this.model.save(path);
    this.saved.push(path);
    if ((this.args.verbose ?? 0) > 0) console.log(`Epoch ${epoch + 1}: saved model to ${path}`);
  }
}
