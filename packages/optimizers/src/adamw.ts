import { mul, sub, type Tensor, type Variable } from '@tessera/core';
import { adamSlotNames, adamUpdate, readAdamOptions, type AdamOptions } from './adam.js';
import { Optimizer, type Slots } from './optimizer.js';
import { numberOption } from './validate.js';

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay coefficient (default 0.004, as in Keras). */
  weightDecay?: number;
}

/**
 * AdamW (Loshchilov & Hutter), as Keras applies it (default lr 0.001): the decay, scaled by the
 * learning rate, shrinks the weights before and apart from the Adam step, instead of being added
 * to the gradient as L2 regularisation would:
 *   w ← w − w·λ·lr;  then the Adam step of `adamUpdate`.
 */
export class AdamW extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  readonly weightDecay: number;

  constructor(options: AdamWOptions = {}) {
    super('AdamW', options, 0.001);
    ({ beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad } = readAdamOptions('AdamW', options));
    this.weightDecay = numberOption('AdamW', 'weightDecay', options.weightDecay, 0.004, { min: 0 });
    this.rejectUnknownOptions(options);
  }

  protected slotNames(): readonly string[] {
    return adamSlotNames(this);
  }

  protected updateVariable(w: Variable, g: Tensor, slots: Slots, lr: number, step: number): void {
    if (this.weightDecay > 0) w.assign(sub(w, mul(w, this.weightDecay * lr)));
    adamUpdate(w, g, slots, lr, step, this);
  }

  protected hyperparameters(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad, weightDecay: this.weightDecay };
  }
}
