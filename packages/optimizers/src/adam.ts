import { add, div, maximum, mul, sqrt, square, sub, type Tensor, type Variable } from '@tessera/core';
import { Optimizer, type OptimizerOptions, type Slots } from './optimizer.js';
import { booleanOption, numberOption } from './validate.js';

export interface AdamOptions extends OptimizerOptions {
  /** Decay of the first-moment estimate (default 0.9). */
  beta1?: number;
  /** Decay of the second-moment estimate (default 0.999). */
  beta2?: number;
  /** Added to √v̂, outside the square root (default 1e-7). */
  epsilon?: number;
  /** AMSGrad: divide by the running maximum of the second moment. */
  amsgrad?: boolean;
}

export interface AdamHyperparameters {
  beta1: number;
  beta2: number;
  epsilon: number;
  amsgrad: boolean;
}

export function readAdamOptions(owner: string, o: AdamOptions): AdamHyperparameters {
  return {
    beta1: numberOption(owner, 'beta1', o.beta1, 0.9, { min: 0, max: 1, maxExclusive: true }),
    beta2: numberOption(owner, 'beta2', o.beta2, 0.999, { min: 0, max: 1, maxExclusive: true }),
    epsilon: numberOption(owner, 'epsilon', o.epsilon, 1e-7, { min: 0 }),
    amsgrad: booleanOption(owner, 'amsgrad', o.amsgrad, false),
  };
}

export function adamSlotNames(hp: AdamHyperparameters): readonly string[] {
  return hp.amsgrad ? ['momentum', 'velocity', 'velocityHat'] : ['momentum', 'velocity'];
}

/**
 * Keras's Adam step t (bias correction folded into the rate, epsilon outside the square root):
 *   m ← m + (1 − β₁)(g − m);  v ← v + (1 − β₂)(g² − v)
 *   amsgrad: v̂ ← max(v̂, v) and v̂ replaces v below
 *   α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ);  w ← w − α·m / (√v + ε)
 */
export function adamUpdate(w: Variable, g: Tensor, slots: Slots, lr: number, t: number, hp: AdamHyperparameters): void {
  const m = slots['momentum']!;
  const v = slots['velocity']!;
  m.assign(add(m, mul(sub(g, m), 1 - hp.beta1)));
  v.assign(add(v, mul(sub(square(g), v), 1 - hp.beta2)));
  let second: Tensor = v;
  if (hp.amsgrad) {
    const vHat = slots['velocityHat']!;
    vHat.assign(maximum(vHat, v));
    second = vHat;
  }
  const alpha = (lr * Math.sqrt(1 - hp.beta2 ** t)) / (1 - hp.beta1 ** t);
  w.assign(sub(w, div(mul(m, alpha), add(sqrt(second), hp.epsilon))));
}

/** Adam (Kingma & Ba), with Keras's update and defaults (lr 0.001); see `adamUpdate`. */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  constructor(options: AdamOptions = {}) {
    super('Adam', options, 0.001);
    ({ beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad } = readAdamOptions('Adam', options));
    this.rejectUnknownOptions(options);
  }

  protected slotNames(): readonly string[] {
    return adamSlotNames(this);
  }

  protected updateVariable(w: Variable, g: Tensor, slots: Slots, lr: number, step: number): void {
    adamUpdate(w, g, slots, lr, step, this);
  }

  protected hyperparameters(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}
