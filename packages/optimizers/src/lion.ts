import { add, mul, sign, sub, type Tensor, type Variable } from '@tessera/core';
import { Optimizer, type OptimizerOptions, type Slots } from './optimizer.js';
import { numberOption } from './validate.js';

export interface LionOptions extends OptimizerOptions {
  /** Mix of momentum and gradient whose sign is the update (default 0.9; in (0, 1]). */
  beta1?: number;
  /** Decay of the momentum (default 0.99). */
  beta2?: number;
}

/**
 * Lion (Chen et al. 2023) with Keras's update and defaults (lr 0.001, β₁ 0.9, β₂ 0.99):
 *   w ← w − lr·sign(β₁m + (1 − β₁)g);  m ← β₂m + (1 − β₂)g
 * Every element moves by ±lr (0 where the mix is 0): use a rate 3–10× smaller than AdamW's.
 */
export class Lion extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;

  constructor(options: LionOptions = {}) {
    super('Lion', options, 0.001);
    // beta1 = 0 would be sign descent on the raw gradient, which Keras refuses too.
    this.beta1 = numberOption('Lion', 'beta1', options.beta1, 0.9, { min: 0, minExclusive: true, max: 1 });
    this.beta2 = numberOption('Lion', 'beta2', options.beta2, 0.99, { min: 0, max: 1 });
    this.rejectUnknownOptions(options);
  }

  protected slotNames(): readonly string[] {
    return ['momentum'];
  }

  protected updateVariable(w: Variable, g: Tensor, slots: Slots, lr: number): void {
    const m = slots['momentum']!;
    const update = sign(add(mul(m, this.beta1), mul(g, 1 - this.beta1)));
    w.assign(sub(w, mul(update, lr)));
    m.assign(add(mul(m, this.beta2), mul(g, 1 - this.beta2)));
  }

  protected hyperparameters(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2 };
  }
}
