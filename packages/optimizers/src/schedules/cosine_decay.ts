import { numberOption, requireNumber } from '../validate.js';
import { LearningRateSchedule, type ScheduleConfig } from './schedule.js';

export interface CosineDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  /** The final rate as a fraction of the initial one (default 0). */
  alpha?: number;
}

/**
 * Keras `CosineDecay` (SGDR without restarts): with s = min(step, decaySteps),
 * lr0 · ((1 − alpha) · ½(1 + cos(π · s / decaySteps)) + alpha). Wrap it in `LinearWarmup` for a
 * warmup phase.
 */
export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;

  constructor(options: CosineDecayOptions) {
    super();
    const o = options ?? ({} as CosineDecayOptions);
    this.initialLearningRate = requireNumber(this.className, 'initialLearningRate', o.initialLearningRate, { min: 0 });
    this.decaySteps = requireNumber(this.className, 'decaySteps', o.decaySteps, { min: 0, minExclusive: true });
    this.alpha = numberOption(this.className, 'alpha', o.alpha, 0, { min: 0, max: 1 });
  }

  valueAt(step: number): number {
    const s = Math.min(step, this.decaySteps);
    const cosine = 0.5 * (1 + Math.cos((Math.PI * s) / this.decaySteps));
    return this.initialLearningRate * ((1 - this.alpha) * cosine + this.alpha);
  }

  getConfig(): ScheduleConfig {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, alpha: this.alpha };
  }
}
