import { booleanOption, requireNumber } from '../validate.js';
import { LearningRateSchedule, type ScheduleConfig } from './schedule.js';

export interface ExponentialDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  /** Decay in whole periods of `decaySteps` (a step function) instead of continuously. */
  staircase?: boolean;
}

/** Keras `ExponentialDecay`: lr0 · decayRate^(step / decaySteps), the exponent floored when `staircase`. */
export class ExponentialDecay extends LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;

  constructor(options: ExponentialDecayOptions) {
    super();
    const o = options ?? ({} as ExponentialDecayOptions);
    this.initialLearningRate = requireNumber(this.className, 'initialLearningRate', o.initialLearningRate, { min: 0 });
    this.decaySteps = requireNumber(this.className, 'decaySteps', o.decaySteps, { min: 0, minExclusive: true });
    this.decayRate = requireNumber(this.className, 'decayRate', o.decayRate, { min: 0 });
    this.staircase = booleanOption(this.className, 'staircase', o.staircase, false);
  }

  valueAt(step: number): number {
    const p = step / this.decaySteps;
    return this.initialLearningRate * this.decayRate ** (this.staircase ? Math.floor(p) : p);
  }

  getConfig(): ScheduleConfig {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate, staircase: this.staircase };
  }
}
