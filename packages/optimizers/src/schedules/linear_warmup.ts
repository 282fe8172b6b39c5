import { TesseraError } from '@tessera/core';
import { describeValue, numberOption, requireNumber } from '../validate.js';
import { LearningRateSchedule, type ScheduleConfig } from './schedule.js';

export interface LinearWarmupOptions {
  /** Steps of the linear ramp; the wrapped schedule starts (at its own step 0) after them. */
  warmupSteps: number;
  /** What follows the warmup: a schedule, or a constant rate. */
  schedule: LearningRateSchedule | number;
  /** The rate at step 0 (default 0). */
  initialLearningRate?: number;
}

/**
 * Linear warmup in front of another schedule: for step < warmupSteps the rate goes linearly from
 * `initialLearningRate` to the wrapped schedule's first value, schedule(0); from then on it is
 * schedule(step − warmupSteps). (Keras's CosineDecay warmup, generalised to any schedule.)
 */
export class LinearWarmup extends LearningRateSchedule {
  readonly className = 'LinearWarmup';
  readonly warmupSteps: number;
  readonly schedule: LearningRateSchedule | number;
  readonly initialLearningRate: number;

  constructor(options: LinearWarmupOptions) {
    super();
    const o = options ?? ({} as LinearWarmupOptions);
    this.warmupSteps = requireNumber(this.className, 'warmupSteps', o.warmupSteps, { min: 0, integer: true });
    if (!(o.schedule instanceof LearningRateSchedule)) {
      if (typeof o.schedule !== 'number') {
        throw new TesseraError(`${this.className}: 'schedule' must be a LearningRateSchedule or a number, got ${describeValue(o.schedule)}`);
      }
      requireNumber(this.className, 'schedule', o.schedule, { min: 0 });
    }
    this.schedule = o.schedule;
    this.initialLearningRate = numberOption(this.className, 'initialLearningRate', o.initialLearningRate, 0, { min: 0 });
  }

  private scheduleAt(step: number): number {
    return typeof this.schedule === 'number' ? this.schedule : this.schedule.valueAt(step);
  }

  valueAt(step: number): number {
    if (step < this.warmupSteps) {
      const target = this.scheduleAt(0);
      return this.initialLearningRate + ((target - this.initialLearningRate) * step) / this.warmupSteps;
    }
    return this.scheduleAt(step - this.warmupSteps);
  }

  getConfig(): ScheduleConfig {
    return {
      warmupSteps: this.warmupSteps,
      schedule: typeof this.schedule === 'number' ? this.schedule : this.schedule.serialize(),
      initialLearningRate: this.initialLearningRate,
    };
  }
}
