import { add, div, mul, sqrt, sub, square, type Tensor, type Variable } from '@tessera/core';
import { Optimizer, type OptimizerOptions, type Slots } from './optimizer.js';
import { numberOption } from './validate.js';

export interface NadamOptions extends OptimizerOptions {
  /** Decay of the first-moment estimate, scaled by the momentum schedule (default 0.9). */
  beta1?: number;
  /** Decay of the second-moment estimate (default 0.999). */
  beta2?: number;
  /** Added to √v̂, outside the square root (default 1e-7). */
  epsilon?: number;
}

/**
 * Nadam (Adam with Nesterov momentum, Dozat 2015) with Keras's update and defaults (lr 0.001).
 * The momentum follows the schedule uₜ = β₁·(1 − ½·0.96ᵗ); Πₜ = u₁·…·uₜ. At step t:
 *   m ← m + (1 − β₁)(g − m);  v ← v + (1 − β₂)(g² − v)
 *   m̂ = uₜ₊₁·m / (1 − Πₜ·uₜ₊₁) + (1 − uₜ)·g / (1 − Πₜ);  v̂ = v / (1 − β₂ᵗ)
 *   w ← w − lr·m̂ / (√v̂ + ε)
 * Πₜ depends on t only, so the step counter ('iter') is all the state it needs beyond m and v.
 */
export class Nadam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Πₜ for the last step asked, so that consecutive steps cost one multiplication. */
  private product = { step: 0, value: 1 };

  constructor(options: NadamOptions = {}) {
    super('Nadam', options, 0.001);
    this.beta1 = numberOption('Nadam', 'beta1', options.beta1, 0.9, { min: 0, max: 1, maxExclusive: true });
    this.beta2 = numberOption('Nadam', 'beta2', options.beta2, 0.999, { min: 0, max: 1, maxExclusive: true });
    this.epsilon = numberOption('Nadam', 'epsilon', options.epsilon, 1e-7, { min: 0 });
    this.rejectUnknownOptions(options);
  }

  /** The momentum schedule uₜ. */
  private momentumAt(t: number): number {
    return this.beta1 * (1 - 0.5 * 0.96 ** t);
  }

  /** Πₜ = u₁·…·uₜ. */
  private productAt(t: number): number {
    let { step, value } = this.product;
    if (t < step) [step, value] = [0, 1];
    while (step < t) value *= this.momentumAt(++step);
    this.product = { step, value };
    return value;
  }

  protected slotNames(): readonly string[] {
    return ['momentum', 'velocity'];
  }

  protected updateVariable(w: Variable, g: Tensor, slots: Slots, lr: number, t: number): void {
    const m = slots['momentum']!;
    const v = slots['velocity']!;
    const uT = this.momentumAt(t);
    const uNext = this.momentumAt(t + 1);
    const prod = this.productAt(t);
    m.assign(add(m, mul(sub(g, m), 1 - this.beta1)));
    v.assign(add(v, mul(sub(square(g), v), 1 - this.beta2)));
    const mHat = add(mul(m, uNext / (1 - prod * uNext)), mul(g, (1 - uT) / (1 - prod)));
    const vHat = div(v, 1 - this.beta2 ** t);
    w.assign(sub(w, div(mul(mHat, lr), add(sqrt(vHat), this.epsilon))));
  }

  protected hyperparameters(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
