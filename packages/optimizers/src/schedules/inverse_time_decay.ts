import { booleanOption, requireNumber } from '../validate.js';
import { LearningRateSchedule, type ScheduleConfig } from './schedule.js';

export interface InverseTimeDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  /** Use whole periods of `decaySteps` (a step function). */
  staircase?: boolean;
}

/** Keras `InverseTimeDecay`: lr0 / (1 + decayRate · step / decaySteps), the ratio floored when `staircase`. */
export class InverseTimeDecay extends LearningRateSchedule {
  readonly className = 'InverseTimeDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;

  constructor(options: InverseTimeDecayOptions) {
    super();
    const o = options ?? ({} as InverseTimeDecayOptions);
    this.initialLearningRate = requireNumber(this.className, 'initialLearningRate', o.initialLearningRate, { min: 0 });
    this.decaySteps = requireNumber(this.className, 'decaySteps', o.decaySteps, { min: 0, minExclusive: true });
    this.decayRate = requireNumber(this.className, 'decayRate', o.decayRate, { min: 0 });
    this.staircase = booleanOption(this.className, 'staircase', o.staircase, false);
  }

  valueAt(step: number): number {
    const p = step / this.decaySteps;
    return this.initialLearningRate / (1 + this.decayRate * (this.staircase ? Math.floor(p) : p));
  }

  getConfig(): ScheduleConfig {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate, staircase: this.staircase };
  }
}
