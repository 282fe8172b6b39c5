import { add, div, mul, sqrt, square, sub, type Tensor, type Variable } from '@tessera/core';
import { Optimizer, type OptimizerOptions, type Slots } from './optimizer.js';
import { numberOption } from './validate.js';

export interface AdaGradOptions extends OptimizerOptions {
  /** Starting value of the squared-gradient accumulator (default 0.1). */
  initialAccumulatorValue?: number;
  /** Added under the square root (default 1e-7). */
  epsilon?: number;
}

/**
 * AdaGrad, with Keras's update (default lr 0.001; epsilon inside the square root):
 *   a ← a + g²;  w ← w − lr·g / √(a + ε)
 */
export class AdaGrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(options: AdaGradOptions = {}) {
    super('AdaGrad', options, 0.001);
    this.initialAccumulatorValue = numberOption('AdaGrad', 'initialAccumulatorValue', options.initialAccumulatorValue, 0.1, { min: 0 });
    this.epsilon = numberOption('AdaGrad', 'epsilon', options.epsilon, 1e-7, { min: 0 });
    this.rejectUnknownOptions(options);
  }

  protected slotNames(): readonly string[] {
    return ['accumulator'];
  }

  protected override slotInitialValue(): number {
    return this.initialAccumulatorValue;
  }

  protected updateVariable(w: Variable, g: Tensor, slots: Slots, lr: number): void {
    const a = slots['accumulator']!;
    a.assign(add(a, square(g)));
    w.assign(sub(w, div(mul(g, lr), sqrt(add(a, this.epsilon)))));
  }

  protected hyperparameters(): Record<string, number | boolean> {
    return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
