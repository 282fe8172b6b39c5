import { abs, add, div, maximum, mul, sub, type Tensor, type Variable } from '@tessera/core';
import { Optimizer, type OptimizerOptions, type Slots } from './optimizer.js';
import { numberOption } from './validate.js';

export interface AdamaxOptions extends OptimizerOptions {
  /** Decay of the first-moment estimate (default 0.9). */
  beta1?: number;
  /** Decay of the infinity norm (default 0.999). */
  beta2?: number;
  /** Added to the norm (default 1e-7). */
  epsilon?: number;
}

/**
 * Adamax (Adam with the infinity norm), with Keras's update (default lr 0.001), at step t:
 *   m ← m + (1 − β₁)(g − m);  u ← max(β₂·u, |g|)
 *   w ← w − lr·m / ((1 − β₁ᵗ)(u + ε))
 */
export class Adamax extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(options: AdamaxOptions = {}) {
    super('Adamax', options, 0.001);
    this.beta1 = numberOption('Adamax', 'beta1', options.beta1, 0.9, { min: 0, max: 1, maxExclusive: true });
    this.beta2 = numberOption('Adamax', 'beta2', options.beta2, 0.999, { min: 0, max: 1, maxExclusive: true });
    this.epsilon = numberOption('Adamax', 'epsilon', options.epsilon, 1e-7, { min: 0 });
    this.rejectUnknownOptions(options);
  }

  protected slotNames(): readonly string[] {
    return ['momentum', 'norm'];
  }

  protected updateVariable(w: Variable, g: Tensor, slots: Slots, lr: number, step: number): void {
    const m = slots['momentum']!;
    const u = slots['norm']!;
    m.assign(add(m, mul(sub(g, m), 1 - this.beta1)));
    u.assign(maximum(mul(u, this.beta2), abs(g)));
    w.assign(sub(w, div(mul(m, lr), mul(add(u, this.epsilon), 1 - this.beta1 ** step))));
  }

  protected hyperparameters(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
