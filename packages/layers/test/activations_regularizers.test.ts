import { tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import {
  Dense, L1L2, activations, getActivation, getRegularizer, l1, l1l2, l2, registerActivation, serializeActivation, serializeRegularizer,
} from '../src/index.js';
import { expectClose, values } from './helpers.js';

describe('activations', () => {
  it('resolves every documented name, functions pass through', () => {
    const names = ['relu', 'sigmoid', 'tanh', 'softmax', 'gelu', 'elu', 'selu', 'softplus', 'swish', 'leaky_relu', 'relu6', 'linear'];
    const x = tensor([[-2, 0.5, 3]]);
    for (const n of names) {
      const f = getActivation(n);
      expect(serializeActivation(f)).toBe(n);
      const y = f(x);
      expect(y.shape).toEqual([1, 3]);
    }
    expectClose(values(getActivation('softplus')(x)), [-2, 0.5, 3].map((v) => Math.log1p(Math.exp(v))));
    const custom = (t: Tensor): Tensor => t;
    expect(getActivation(custom)).toBe(custom);
    expect(activations.get('silu')).toBe(getActivation('swish'));
    expect(() => getActivation('sigmoidal')).toThrow(/unknown activation 'sigmoidal' \(known: linear, relu, sigmoid/);
    x.dispose();
  });

  it('custom functions serialise once registered', () => {
    const square = (t: Tensor): Tensor => t.mul(t);
    const d = new Dense({ units: 1, activation: square });
    expect(() => d.getConfig()).toThrow(/custom activation 'square' cannot be serialised; register it/);
    registerActivation('my_square', square);
    expect(d.getConfig().activation).toBe('my_square');
    expect(getActivation('my_square')).toBe(square);
  });
});

describe('regularizers', () => {
  const w = tensor([[1, -2], [3, -0.5]]);

  it('l1, l2 and l1l2 penalties', () => {
    expectClose(values(l1(0.1).penalty(w)), [0.1 * 6.5]);
    expectClose(values(l2(0.1).penalty(w)), [0.1 * (1 + 4 + 9 + 0.25)]);
    expectClose(values(l1l2({ l1: 0.1, l2: 0.2 }).penalty(w)), [0.65 + 0.2 * 14.25]);
    expectClose(values(new L1L2().penalty(w)), [0]);
  });

  it('resolves names with Keras defaults and round-trips serialization', () => {
    expect(getRegularizer('l1').getConfig()).toEqual({ l1: 0.01, l2: 0 });
    expect(getRegularizer('l2').getConfig()).toEqual({ l1: 0, l2: 0.01 });
    expect(getRegularizer('l1_l2').getConfig()).toEqual({ l1: 0.01, l2: 0.01 });
    const r = l1l2({ l1: 0.3, l2: 0.4 });
    const again = getRegularizer(JSON.parse(JSON.stringify(serializeRegularizer(r))));
    expect(again.getConfig()).toEqual(r.getConfig());
    expect(getRegularizer({ className: 'L2', config: { l2: 0.5 } }).getConfig()).toEqual({ l1: 0, l2: 0.5 });
    expect(() => getRegularizer('l3')).toThrow(/unknown regularizer 'l3'/);
    expect(() => getRegularizer({ className: 'L1L2', config: { l3: 1 } })).toThrow(/L1L2 has no option 'l3'/);
    expect(() => l2(-1)).toThrow(/l2 must be a number >= 0/);
  });
});
