import { booleanOption, numberOption, requireNumber } from '../validate.js';
import { LearningRateSchedule, type ScheduleConfig } from './schedule.js';

export interface PolynomialDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  /** The rate reached at `decaySteps` (default 1e-4, as in Keras). */
  endLearningRate?: number;
  /** 1 (default) is a linear ramp. */
  power?: number;
  /** Restart the decay every `decaySteps` (with a longer period each time) instead of holding the end rate. */
  cycle?: boolean;
}

/**
 * Keras `PolynomialDecay`: (lr0 − lrEnd) · (1 − s / D)^power + lrEnd with s = min(step, D),
 * D = decaySteps; with `cycle`, D = decaySteps · ceil(step / decaySteps) (at least decaySteps) and s = step.
 */
export class PolynomialDecay extends LearningRateSchedule {
  readonly className = 'PolynomialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly endLearningRate: number;
  readonly power: number;
  readonly cycle: boolean;

  constructor(options: PolynomialDecayOptions) {
    super();
    const o = options ?? ({} as PolynomialDecayOptions);
    this.initialLearningRate = requireNumber(this.className, 'initialLearningRate', o.initialLearningRate, { min: 0 });
    this.decaySteps = requireNumber(this.className, 'decaySteps', o.decaySteps, { min: 0, minExclusive: true });
    this.endLearningRate = numberOption(this.className, 'endLearningRate', o.endLearningRate, 1e-4, { min: 0 });
    this.power = numberOption(this.className, 'power', o.power, 1, { min: 0, minExclusive: true });
    this.cycle = booleanOption(this.className, 'cycle', o.cycle, false);
  }

  valueAt(step: number): number {
    let decaySteps = this.decaySteps;
    let s = step;
    if (this.cycle) decaySteps *= Math.max(1, Math.ceil(step / this.decaySteps));
    else s = Math.min(step, decaySteps);
    const frac = 1 - s / decaySteps;
    return (this.initialLearningRate - this.endLearningRate) * frac ** this.power + this.endLearningRate;
  }

  getConfig(): ScheduleConfig {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      endLearningRate: this.endLearningRate,
      power: this.power,
      cycle: this.cycle,
    };
  }
}
