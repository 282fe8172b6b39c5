import { add, div, mul, neg, sqrt, square, type Tensor, type Variable } from '@tessera/core';
import { Optimizer, type OptimizerOptions, type Slots } from './optimizer.js';
import { numberOption } from './validate.js';

export interface AdadeltaOptions extends OptimizerOptions {
  /** Decay of both running averages (default 0.95). */
  rho?: number;
  /** Added inside both square roots (default 1e-7). */
  epsilon?: number;
}

/**
 * Adadelta (Zeiler 2012) with Keras's update and defaults: lr 0.001 (the paper's form is lr 1),
 * rho 0.95. With a ← accumulated g², d ← accumulated squared updates:
 *   a ← ρa + (1 − ρ)g²;  Δ = −√(d + ε)·g / √(a + ε);  d ← ρd + (1 − ρ)Δ²;  w ← w + lr·Δ
 */
export class Adadelta extends Optimizer {
  readonly rho: number;
  readonly epsilon: number;

  constructor(options: AdadeltaOptions = {}) {
    super('Adadelta', options, 0.001);
    this.rho = numberOption('Adadelta', 'rho', options.rho, 0.95, { min: 0, max: 1, maxExclusive: true });
    this.epsilon = numberOption('Adadelta', 'epsilon', options.epsilon, 1e-7, { min: 0, minExclusive: true });
    this.rejectUnknownOptions(options);
  }

  protected slotNames(): readonly string[] {
    return ['accumulatedGrad', 'accumulatedDelta'];
  }

  protected updateVariable(w: Variable, g: Tensor, slots: Slots, lr: number): void {
    const a = slots['accumulatedGrad']!;
    const d = slots['accumulatedDelta']!;
    const rho = this.rho;
    a.assign(add(mul(a, rho), mul(square(g), 1 - rho)));
    const delta = neg(div(mul(sqrt(add(d, this.epsilon)), g), sqrt(add(a, this.epsilon))));
    d.assign(add(mul(d, rho), mul(square(delta), 1 - rho)));
    w.assign(add(w, mul(delta, lr)));
  }

  protected hyperparameters(): Record<string, number | boolean> {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}
