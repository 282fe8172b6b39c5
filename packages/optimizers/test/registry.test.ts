import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
import { dispose, mul, sign, square, sub, sum, tensor, type Tensor, type Variable } from '@tessera/core';
import {
  AdaGrad, Adadelta, Adam, Adamax, AdamW, Lion, Nadam, Optimizer, RMSProp, SGD, adadelta, adam, getOptimizer, lion, nadam, optimizers, schedules, sgd,
  type Slots,
} from '../src/index.js';
import { expectClose, freshVariable } from './helpers.js';

describe('optimizers.get', () => {
  it('knows the Keras names, in any case, with Keras defaults', () => {
    const table: [string, new () => Optimizer, number][] = [
      ['sgd', SGD, 0.01],
      ['adam', Adam, 0.001],
      ['adamw', AdamW, 0.001],
      ['adamax', Adamax, 0.001],
      ['nadam', Nadam, 0.001],
      ['Adadelta', Adadelta, 0.001],
      ['lion', Lion, 0.001],
      ['rmsprop', RMSProp, 0.001],
      ['adagrad', AdaGrad, 0.001],
      ['RMSprop', RMSProp, 0.001],
      ['Adagrad', AdaGrad, 0.001],
    ];
    for (const [name, cls, lr] of table) {
      const opt = optimizers.get(name);
      expect(opt).toBeInstanceOf(cls);
      expect(opt.learningRate).toBe(lr);
    }
    expect((getOptimizer('adam') as Adam).epsilon).toBe(1e-7);
    expect((getOptimizer('adamw') as AdamW).weightDecay).toBe(0.004);
    expect((getOptimizer('adagrad') as AdaGrad).initialAccumulatorValue).toBe(0.1);
    expect(getOptimizer('nadam').getConfig()).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(getOptimizer('adadelta').getConfig()).toEqual({ learningRate: 0.001, rho: 0.95, epsilon: 1e-7 });
    expect(getOptimizer('LION').getConfig()).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.99 });
    expect(nadam(0.01).learningRate).toBe(0.01);
    expect(adadelta({ learningRate: 1 }).learningRate).toBe(1);
    expect(lion(3e-4)).toBeInstanceOf(Lion);
  });

  it('returns an optimizer instance as is', () => {
    const opt = sgd(0.3);
    expect(getOptimizer(opt)).toBe(opt);
  });

  it('round-trips serialize() through JSON, schedule and clipping included', () => {
    const list: Optimizer[] = [
      sgd({ learningRate: 0.2, momentum: 0.5, nesterov: true, clipValue: 2 }),
      new AdaGrad({ learningRate: 0.3, initialAccumulatorValue: 0.2, epsilon: 1e-6, clipNorm: 3 }),
      new RMSProp({ rho: 0.8, momentum: 0.1, centered: true, globalClipNorm: 1 }),
      adam({ learningRate: schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 100, alpha: 0.1 }), amsgrad: true, beta1: 0.8 }),
      new AdamW({ weightDecay: 0.1, beta2: 0.99 }),
      new Adamax({ beta1: 0.7 }),
      new Nadam({ beta1: 0.8, epsilon: 1e-6, clipValue: 1 }),
      new Adadelta({ learningRate: 1, rho: 0.9 }),
      new Lion({ beta1: 0.95, beta2: 0.98 }),
    ];
    for (const opt of list) {
      const json = JSON.parse(JSON.stringify(optimizers.serialize(opt)));
      const copy = optimizers.deserialize(json);
      expect(copy.constructor).toBe(opt.constructor);
      expect(copy.getConfig()).toEqual(opt.getConfig());
      expect(copy.currentLearningRate()).toBe(opt.currentLearningRate());
    }
    expect(list[3]!.getConfig()).toEqual({
      learningRate: { className: 'CosineDecay', config: { initialLearningRate: 0.01, decaySteps: 100, alpha: 0.1 } },
      beta1: 0.8,
      beta2: 0.999,
      epsilon: 1e-7,
      amsgrad: true,
    });
  });

  it('names the problem: unknown optimizer, unknown option, bad values', () => {
    expect(() => getOptimizer({ className: 'Nadam', config: { beta1: 1 } })).toThrow(/Nadam: 'beta1' must be in \[0, 1\), got 1/);
    expect(() => getOptimizer({ className: 'Adadelta', config: { rho: -0.1 } })).toThrow(/Adadelta: 'rho' must be in \[0, 1\), got -0.1/);
    expect(() => getOptimizer({ className: 'Adadelta', config: { epsilon: 0 } })).toThrow(/Adadelta: 'epsilon' must be in \(0, inf\), got 0/);
    expect(() => getOptimizer({ className: 'Lion', config: { beta1: 0 } })).toThrow(/Lion: 'beta1' must be in \(0, 1\], got 0/);
    expect(() => lion({ beta2: 1.5 })).toThrow(/Lion: 'beta2' must be in \[0, 1\], got 1.5/);
    expect(() => getOptimizer('adamm')).toThrow(/unknown optimizer 'adamm' \(known: SGD, AdaGrad, RMSProp, Adam, AdamW, Adamax, Nadam, Adadelta, Lion/);
    expect(() => getOptimizer({ className: 'Adam', config: { beta_1: 0.9 } })).toThrow(/Adam: unknown option 'beta_1' \(did you mean 'beta1'\?\)/);
    expect(() => getOptimizer({ className: 'Adam', config: { beta1: 1 } })).toThrow(/Adam: 'beta1' must be in \[0, 1\), got 1/);
    expect(() => getOptimizer({ className: 'SGD', config: { momentum: 'high' } })).toThrow(/SGD: 'momentum' must be a finite number, got the string 'high'/);
    expect(() => sgd(-1)).toThrow(/'learningRate' must be in \[0, inf\)/);
    expect(() => getOptimizer(42 as unknown as string)).toThrow(/expected an optimizer name/);
  });

  it('accepts custom optimizer classes through optimizers.register', () => {
    // Sign descent: w -= lr * sign(g).
    class SignSGD extends Optimizer {
      constructor(options: { learningRate?: number } = {}) {
        super('SignSGD', options, 0.1);
      }
      protected slotNames(): readonly string[] {
        return [];
      }
      protected updateVariable(w: Variable, g: Tensor, _slots: Slots, lr: number): void {
        w.assign(sub(w, mul(sign(g), lr)));
      }
      protected hyperparameters(): Record<string, number | boolean> {
        return {};
      }
    }
    optimizers.register('SignSGD', (c) => new SignSGD(c as { learningRate?: number }));
    const opt = getOptimizer({ className: 'signsgd', config: { learningRate: 0.5 } });
    const w = freshVariable([1, 1]);
    const g = tensor([3, -0.1]);
    opt.applyGradients([{ variable: w, grad: g }]);
    expectClose(w.dataSync(), [0.5, 1.5]);
    expect(optimizers.names()).toContain('SignSGD');
    dispose([w, g]);
  });
});

describe('applyGradients', () => {
  it('resolves a Record by variable name and a list by variable', () => {
    const a = freshVariable([1, 2], 'apply_a');
    const b = freshVariable([3], 'apply_b');
    const ga = tensor([1, 1]);
    const gb = tensor([2]);
    const opt = sgd(0.5);
    opt.applyGradients({ apply_a: ga, apply_b: gb });
    opt.applyGradients([{ variable: b, grad: gb }]);
    expectClose(a.dataSync(), [0.5, 1.5]);
    expectClose(b.dataSync(), [1]);
    expect(opt.iterations).toBe(2);
    opt.applyGradients({});
    expect(opt.iterations).toBe(2);
    dispose([a, b, ga, gb]);
  });

  it('throws clear errors and changes nothing when a gradient is wrong', () => {
    const a = freshVariable([1, 2, 3], 'err_a');
    const good = tensor([1, 1, 1]);
    const short = tensor([1, 1]);
    const opt = sgd(1);
    expect(() => opt.applyGradients({ err_a: good, err_missing: good })).toThrow(
      /SGD\.applyGradients: got a gradient for 'err_missing', but no live variable has that name/,
    );
    expect(() => opt.applyGradients({ err_a: short })).toThrow(/the gradient for 'err_a' has shape \[2\], but the variable is \[3\]/);
    expect(() => opt.applyGradients([{ variable: a, grad: good }, { variable: a, grad: good }])).toThrow(/'err_a' has more than one gradient/);
    const ints = tensor([1, 1, 1], [3], 'int32');
    expect(() => opt.applyGradients({ err_a: ints })).toThrow(/the gradient for 'err_a' is int32, expected float32/);
    expect(Array.from(a.dataSync())).toEqual([1, 2, 3]);
    expect(opt.iterations).toBe(0);
    good.dispose();
    expect(() => opt.applyGradients({ err_a: good })).toThrow(/was disposed/);
    dispose([a, short, ints]);
  });

  it('uses a learning rate set between steps (as ReduceLROnPlateau does)', () => {
    const w = freshVariable([0]);
    const g = tensor([1]);
    const opt = sgd(1);
    opt.applyGradients([{ variable: w, grad: g }]);
    opt.learningRate = 0.25;
    expect(opt.learningRate).toBe(0.25);
    expect(opt.getConfig()['learningRate']).toBe(0.25);
    opt.applyGradients([{ variable: w, grad: g }]);
    expectClose(w.dataSync(), [-1.25]);
    expect(() => {
      opt.learningRate = Number.NaN;
    }).toThrow(/'learningRate' must be a finite number/);
    dispose([w, g]);
  });
});

describe('minimize', () => {
  // f = w² · c, so df/dw = 2wc and df/dc = w².
  const f = (w: Tensor, c: Tensor) => (): Tensor => sum(mul(square(w), c));

  it('differentiates f w.r.t. varList (default: all trainable variables) and can return the cost', () => {
    const w = freshVariable([3], 'min_w');
    const c = freshVariable([5], 'min_c');
    c.trainable = false;
    const opt = sgd(0.25);
    const cost = opt.minimize(f(w, c), true);
    expectClose(cost.dataSync(), [45]);
    expectClose(w.dataSync(), [3 - 0.25 * 30]);
    expectClose(c.dataSync(), [5]);
    expect(opt.minimize(f(w, c), false, [c])).toBeNull();
    expectClose(c.dataSync(), [5 - 0.25 * (-4.5) ** 2]);
    expect(opt.iterations).toBe(2);
    dispose([w, c, cost]);
  });
});

describe('optimizer options from JavaScript', () => {
  it('an unknown option is an error naming the closest known one, for every optimizer', () => {
    expect(() => new Adam({ learning_rate: 0.1 } as never)).toThrow("Adam: unknown option 'learning_rate' (did you mean 'learningRate'?)");
    expect(() => new SGD({ momentum: 0.9, nesterow: true } as never)).toThrow(/SGD: unknown option 'nesterow' \(did you mean 'nesterov'\?\)/);
    expect(() => new RMSProp({ beta1: 0.9 } as never)).toThrow(/RMSProp: unknown option 'beta1'/);
    expect(() => new AdamW({ weight_decay: 0.1 } as never)).toThrow(/did you mean 'weightDecay'/);
    expect(() => new AdaGrad({ rho: 0.9 } as never)).toThrow(/AdaGrad: unknown option 'rho'/);
    expect(() => new Adamax({ amsgrad: true } as never)).toThrow(/Adamax: unknown option 'amsgrad'/);
    expect(() => new Nadam({ beta_2: 0.99 } as never)).toThrow(/Nadam: unknown option 'beta_2' \(did you mean 'beta2'\?\)/);
    expect(() => new Adadelta({ beta1: 0.9 } as never)).toThrow(/Adadelta: unknown option 'beta1'/);
    expect(() => new Lion({ epsilon: 1e-7 } as never)).toThrow(/Lion: unknown option 'epsilon'/);
    expect(() => new Adam({ learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 1e-6, amsgrad: true, clipNorm: 1 })).not.toThrow();
  });
});
