import { add, mul, sub, type Tensor, type Variable } from '@tessera/core';
import { Optimizer, type OptimizerOptions, type Slots } from './optimizer.js';
import { booleanOption, numberOption } from './validate.js';

export interface SGDOptions extends OptimizerOptions {
  /** Velocity decay in [0, 1]; 0 (default) is plain gradient descent and keeps no state. */
  momentum?: number;
  /** Nesterov momentum: step along the updated velocity's look-ahead. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent, with Keras's update (default lr 0.01):
 *   plain:     w ← w − lr·g
 *   momentum:  m ← μ·m − lr·g;  w ← w + m
 *   nesterov:  m ← μ·m − lr·g;  w ← w + μ·m − lr·g
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SGDOptions = {}) {
    super('SGD', options, 0.01);
    this.momentum = numberOption('SGD', 'momentum', options.momentum, 0, { min: 0, max: 1 });
    this.nesterov = booleanOption('SGD', 'nesterov', options.nesterov, false);
    this.rejectUnknownOptions(options);
  }

  protected slotNames(): readonly string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  protected updateVariable(w: Variable, g: Tensor, slots: Slots, lr: number): void {
    const step = mul(g, lr);
    if (this.momentum === 0) {
      w.assign(sub(w, step));
      return;
    }
    const m = slots['momentum']!;
    m.assign(sub(mul(m, this.momentum), step));
    w.assign(this.nesterov ? add(w, sub(mul(m, this.momentum), step)) : add(w, m));
  }

  protected hyperparameters(): Record<string, number | boolean> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}
