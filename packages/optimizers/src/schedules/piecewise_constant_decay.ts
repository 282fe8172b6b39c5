import { TesseraError } from '@tessera/core';
import { describeValue, requireNumber } from '../validate.js';
import { LearningRateSchedule, type ScheduleConfig } from './schedule.js';

export interface PiecewiseConstantDecayOptions {
  /** Strictly increasing steps at which the rate changes. */
  boundaries: number[];
  /** One more rate than boundaries. */
  values: number[];
}

/**
 * Keras `PiecewiseConstantDecay` (step decay): `values[0]` while step <= boundaries[0],
 * `values[i]` while boundaries[i-1] < step <= boundaries[i], and the last value after the last
 * boundary.
 */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  readonly boundaries: readonly number[];
  readonly values: readonly number[];

  constructor(options: PiecewiseConstantDecayOptions) {
    super();
    const o = options ?? ({} as PiecewiseConstantDecayOptions);
    if (!Array.isArray(o.boundaries) || !Array.isArray(o.values)) {
      throw new TesseraError(
        `${this.className}: 'boundaries' and 'values' must be arrays of numbers, got ${describeValue(o.boundaries)} and ${describeValue(o.values)}`,
      );
    }
    if (o.values.length !== o.boundaries.length + 1) {
      throw new TesseraError(
        `${this.className}: 'values' must have one more entry than 'boundaries' (got ${o.values.length} values for ${o.boundaries.length} boundaries)`,
      );
    }
    this.boundaries = o.boundaries.map((b, i) => requireNumber(this.className, `boundaries[${i}]`, b));
    this.values = o.values.map((v, i) => requireNumber(this.className, `values[${i}]`, v, { min: 0 }));
    for (let i = 1; i < this.boundaries.length; i++) {
      if (!(this.boundaries[i]! > this.boundaries[i - 1]!)) {
        throw new TesseraError(`${this.className}: 'boundaries' must be strictly increasing, got [${this.boundaries.join(', ')}]`);
      }
    }
  }

  valueAt(step: number): number {
    const i = this.boundaries.findIndex((b) => step <= b);
    return this.values[i < 0 ? this.values.length - 1 : i]!;
  }

  getConfig(): ScheduleConfig {
    return { boundaries: [...this.boundaries], values: [...this.values] };
  }
}
