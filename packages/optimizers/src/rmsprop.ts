import { add, div, mul, sqrt, square, sub, type Tensor, type Variable } from '@tessera/core';
import { Optimizer, type OptimizerOptions, type Slots } from './optimizer.js';
import { booleanOption, numberOption } from './validate.js';

export interface RMSPropOptions extends OptimizerOptions {
  /** Decay of the squared-gradient average (default 0.9). */
  rho?: number;
  /** Momentum on the increments (default 0: no momentum state). */
  momentum?: number;
  /** Normalise by the gradient's estimated variance instead of its second moment. */
  centered?: boolean;
  /** Added under the square root (default 1e-7). */
  epsilon?: number;
}

/**
 * RMSProp, with Keras's update (default lr 0.001; epsilon inside the square root):
 *   v ← ρ·v + (1 − ρ)·g²
 *   centered: ḡ ← ρ·ḡ + (1 − ρ)·g;  d = v − ḡ² + ε      otherwise d = v + ε
 *   Δ = lr·g / √d
 *   momentum μ > 0: m ← μ·m + Δ;  w ← w − m              otherwise w ← w − Δ
 */
export class RMSProp extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly centered: boolean;
  readonly epsilon: number;

  constructor(options: RMSPropOptions = {}) {
    super('RMSProp', options, 0.001);
    this.rho = numberOption('RMSProp', 'rho', options.rho, 0.9, { min: 0, max: 1 });
    this.momentum = numberOption('RMSProp', 'momentum', options.momentum, 0, { min: 0, max: 1 });
    this.centered = booleanOption('RMSProp', 'centered', options.centered, false);
    this.epsilon = numberOption('RMSProp', 'epsilon', options.epsilon, 1e-7, { min: 0 });
    this.rejectUnknownOptions(options);
  }

  protected slotNames(): readonly string[] {
    return ['velocity', ...(this.momentum > 0 ? ['momentum'] : []), ...(this.centered ? ['averageGradient'] : [])];
  }

  protected updateVariable(w: Variable, g: Tensor, slots: Slots, lr: number): void {
    const { rho } = this;
    const v = slots['velocity']!;
    v.assign(add(mul(v, rho), mul(square(g), 1 - rho)));
    let denominator: Tensor;
    if (this.centered) {
      const avg = slots['averageGradient']!;
      avg.assign(add(mul(avg, rho), mul(g, 1 - rho)));
      denominator = add(sub(v, square(avg)), this.epsilon);
    } else {
      denominator = add(v, this.epsilon);
    }
    const increment = div(mul(g, lr), sqrt(denominator));
    if (this.momentum > 0) {
      const m = slots['momentum']!;
      m.assign(add(mul(m, this.momentum), increment));
      w.assign(sub(w, m));
    } else {
      w.assign(sub(w, increment));
    }
  }

  protected hyperparameters(): Record<string, number | boolean> {
    return { rho: this.rho, momentum: this.momentum, centered: this.centered, epsilon: this.epsilon };
  }
}
