import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
import { dispose, scalar, tensor } from '@tessera/core';
import { AdaGrad, Adadelta, Adam, Adamax, AdamW, Lion, Nadam, RMSProp, SGD, type Optimizer } from '../src/index.js';
import { GRADS, W0, expectClose, freshVariable, reference, runSteps } from './helpers.js';

// Each case states the textbook/Keras rule once more, per element, in float64.
function check(opt: Optimizer, expected: number[][]): void {
  const w = freshVariable(W0);
  const got = runSteps(opt, w, GRADS);
  got.forEach((values, k) => expectClose(values, expected[k]!));
  expect(opt.iterations).toBe(GRADS.length);
  opt.dispose();
  dispose(w);
}

describe('SGD', () => {
  it('plain: w -= lr g', () => {
    check(new SGD({ learningRate: 0.1 }), reference(W0, GRADS, (w, g) => w - 0.1 * g));
  });

  it('momentum: m = mu m - lr g; w += m', () => {
    const expected = reference(
      W0, GRADS,
      (w, g, _t, s) => {
        s.m = 0.9 * s.m! - 0.1 * g;
        return w + s.m;
      },
      () => ({ m: 0 }),
    );
    check(new SGD({ learningRate: 0.1, momentum: 0.9 }), expected);
  });

  it('nesterov: m = mu m - lr g; w += mu m - lr g', () => {
    const expected = reference(
      W0, GRADS,
      (w, g, _t, s) => {
        s.m = 0.9 * s.m! - 0.1 * g;
        return w + 0.9 * s.m - 0.1 * g;
      },
      () => ({ m: 0 }),
    );
    check(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), expected);
  });

  it('keeps no slot without momentum', async () => {
    const opt = new SGD({ learningRate: 0.1 });
    const w = freshVariable(W0);
    runSteps(opt, w, GRADS);
    const weights = await opt.getWeights();
    expect(weights.map((x) => x.name)).toEqual(['iter']);
    dispose([w, weights.map((x) => x.tensor)]);
  });
});

describe('AdaGrad', () => {
  it('a += g^2; w -= lr g / sqrt(a + eps), a starting at initialAccumulatorValue', () => {
    const expected = reference(
      W0, GRADS,
      (w, g, _t, s) => {
        s.a = s.a! + g * g;
        return w - (0.5 * g) / Math.sqrt(s.a + 0.01);
      },
      () => ({ a: 0.2 }),
    );
    check(new AdaGrad({ learningRate: 0.5, initialAccumulatorValue: 0.2, epsilon: 0.01 }), expected);
  });
});

describe('RMSProp', () => {
  const rho = 0.8;
  const lr = 0.05;
  // A large epsilon, so that where it goes (inside the square root) shows in the numbers.
  const eps = 1e-3;

  it('plain: v = rho v + (1-rho) g^2; w -= lr g / sqrt(v + eps)', () => {
    const expected = reference(
      W0, GRADS,
      (w, g, _t, s) => {
        s.v = rho * s.v! + (1 - rho) * g * g;
        return w - (lr * g) / Math.sqrt(s.v + eps);
      },
      () => ({ v: 0 }),
    );
    check(new RMSProp({ learningRate: lr, rho, epsilon: eps }), expected);
  });

  it('momentum: m = mu m + lr g / sqrt(v + eps); w -= m', () => {
    const expected = reference(
      W0, GRADS,
      (w, g, _t, s) => {
        s.v = rho * s.v! + (1 - rho) * g * g;
        s.m = 0.7 * s.m! + (lr * g) / Math.sqrt(s.v + eps);
        return w - s.m;
      },
      () => ({ v: 0, m: 0 }),
    );
    check(new RMSProp({ learningRate: lr, rho, momentum: 0.7, epsilon: eps }), expected);
  });

  it('centered: divides by sqrt(v - mean(g)^2 + eps)', () => {
    const expected = reference(
      W0, GRADS,
      (w, g, _t, s) => {
        s.v = rho * s.v! + (1 - rho) * g * g;
        s.avg = rho * s.avg! + (1 - rho) * g;
        return w - (lr * g) / Math.sqrt(s.v - s.avg * s.avg + eps);
      },
      () => ({ v: 0, avg: 0 }),
    );
    check(new RMSProp({ learningRate: lr, rho, centered: true, epsilon: eps }), expected);
  });

  it('centered with momentum', () => {
    const expected = reference(
      W0, GRADS,
      (w, g, _t, s) => {
        s.v = rho * s.v! + (1 - rho) * g * g;
        s.avg = rho * s.avg! + (1 - rho) * g;
        s.m = 0.5 * s.m! + (lr * g) / Math.sqrt(s.v - s.avg * s.avg + eps);
        return w - s.m;
      },
      () => ({ v: 0, avg: 0, m: 0 }),
    );
    check(new RMSProp({ learningRate: lr, rho, centered: true, momentum: 0.5, epsilon: eps }), expected);
  });
});

// Keras's Adam: bias correction in the step size, epsilon added outside the square root.
function adamReference(lr: number, b1: number, b2: number, eps: number, amsgrad: boolean, decay = 0): number[][] {
  return reference(
    W0, GRADS,
    (w, g, t, s) => {
      w -= w * decay * lr;
      s.m = b1 * s.m! + (1 - b1) * g;
      s.v = b2 * s.v! + (1 - b2) * g * g;
      s.vHat = Math.max(s.vHat!, s.v);
      const second = amsgrad ? s.vHat : s.v;
      const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      return w - (alpha * s.m) / (Math.sqrt(second) + eps);
    },
    () => ({ m: 0, v: 0, vHat: 0 }),
  );
}

describe('Adam', () => {
  it('matches the Keras update', () => {
    check(new Adam({ learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 1e-3 }), adamReference(0.1, 0.8, 0.9, 1e-3, false));
  });

  it('amsgrad divides by the running maximum of v', () => {
    // The third gradient is smaller than the second for element 2, so v falls below its maximum.
    const expected = adamReference(0.1, 0.8, 0.5, 1e-3, true);
    expect(expected).not.toEqual(adamReference(0.1, 0.8, 0.5, 1e-3, false));
    check(new Adam({ learningRate: 0.1, beta1: 0.8, beta2: 0.5, epsilon: 1e-3, amsgrad: true }), expected);
  });

  it('keeps m and v as slots named after the variable', () => {
    const opt = new Adam({ learningRate: 0.1 });
    const w = freshVariable(W0, 'adam_slots_w');
    runSteps(opt, w, GRADS.slice(0, 1));
    const m = opt.getSlot(w, 'momentum')!;
    expect(m.name).toBe('adam_slots_w/momentum');
    expect(m.trainable).toBe(false);
    expectClose(m.dataSync(), GRADS[0]!.map((g) => 0.1 * g));
    expectClose(opt.getSlot(w, 'velocity')!.dataSync(), GRADS[0]!.map((g) => 0.001 * g * g));
    opt.dispose();
    expect(m.isDisposed).toBe(true);
    dispose(w);
  });
});

describe('AdamW', () => {
  it('decays the weights by lr * weightDecay before the Adam step', () => {
    const expected = adamReference(0.1, 0.9, 0.999, 1e-7, false, 0.05);
    expect(expected).not.toEqual(adamReference(0.1, 0.9, 0.999, 1e-7, false));
    check(new AdamW({ learningRate: 0.1, weightDecay: 0.05 }), expected);
  });

  it('with amsgrad', () => {
    check(new AdamW({ learningRate: 0.1, beta2: 0.5, weightDecay: 0.05, amsgrad: true }), adamReference(0.1, 0.9, 0.5, 1e-7, true, 0.05));
  });
});

describe('Adamax', () => {
  it('m = b1 m + (1-b1) g; u = max(b2 u, |g|); w -= lr m / ((1 - b1^t)(u + eps))', () => {
    const expected = reference(
      W0, GRADS,
      (w, g, t, s) => {
        s.m = 0.8 * s.m! + 0.2 * g;
        s.u = Math.max(0.95 * s.u!, Math.abs(g));
        return w - (0.1 * s.m) / ((1 - 0.8 ** t) * (s.u + 0.01));
      },
      () => ({ m: 0, u: 0 }),
    );
    check(new Adamax({ learningRate: 0.1, beta1: 0.8, beta2: 0.95, epsilon: 0.01 }), expected);
  });
});

describe('Nadam', () => {
  // Keras's Nadam: u_t = b1 (1 - 0.5 * 0.96^t), prod_t = u_1 ... u_t.
  function nadamReference(lr: number, b1: number, b2: number, eps: number): number[][] {
    const u = (t: number): number => b1 * (1 - 0.5 * 0.96 ** t);
    return reference(
      W0, GRADS,
      (w, g, t, s) => {
        let prod = 1;
        for (let i = 1; i <= t; i++) prod *= u(i);
        s.m = b1 * s.m! + (1 - b1) * g;
        s.v = b2 * s.v! + (1 - b2) * g * g;
        const mHat = (u(t + 1) * s.m) / (1 - prod * u(t + 1)) + ((1 - u(t)) * g) / (1 - prod);
        const vHat = s.v / (1 - b2 ** t);
        return w - (lr * mHat) / (Math.sqrt(vHat) + eps);
      },
      () => ({ m: 0, v: 0 }),
    );
  }

  it('follows the Keras update with the momentum schedule', () => {
    const expected = nadamReference(0.1, 0.8, 0.9, 1e-3);
    check(new Nadam({ learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 1e-3 }), expected);
  });

  it('the first step by hand, at the defaults', () => {
    // t = 1: u1 = 0.9 * 0.52 = 0.468, u2 = 0.9 * (1 - 0.5 * 0.9216) = 0.48528; m = 0.1 g, v = 0.001 g^2,
    // m_hat = u2 * 0.1 g / (1 - u1 u2) + (1 - u1) g / (1 - u1), v_hat = g^2: w moves by lr * m_hat / (|g| + eps).
    const u1 = 0.468;
    const u2 = 0.48528;
    const mHatOverG = (u2 * 0.1) / (1 - u1 * u2) + 1;
    const w = freshVariable([1]);
    const opt = new Nadam();
    runSteps(opt, w, [[2]]);
    expectClose(w.dataSync(), [1 - (0.001 * mHatOverG * 2) / (2 + 1e-7)]);
    opt.dispose();
    dispose(w);
  });

  it('gives the same steps again after iterations are set back to 0 (the schedule product is recomputed)', async () => {
    const opt = new Nadam({ learningRate: 0.1 });
    const w = freshVariable(W0, 'nadam_rewind_w');
    const first = runSteps(opt, w, GRADS);
    const zero = scalar(0, 'int32');
    await opt.setWeights([{ name: 'iter', tensor: zero }]);
    opt.dispose(); // fresh slots
    const w0 = tensor(W0);
    w.assign(w0);
    expect(runSteps(opt, w, GRADS)).toEqual(first);
    opt.dispose();
    dispose([w, w0, zero]);
  });
});

describe('Adadelta', () => {
  it('a = rho a + (1-rho) g^2; delta = -sqrt(d + eps) g / sqrt(a + eps); d = rho d + (1-rho) delta^2; w += lr delta', () => {
    const rho = 0.8;
    const eps = 1e-2;
    const expected = reference(
      W0, GRADS,
      (w, g, _t, s) => {
        s.a = rho * s.a! + (1 - rho) * g * g;
        const delta = (-Math.sqrt(s.d! + eps) * g) / Math.sqrt(s.a + eps);
        s.d = rho * s.d! + (1 - rho) * delta * delta;
        return w + 0.5 * delta;
      },
      () => ({ a: 0, d: 0 }),
    );
    check(new Adadelta({ learningRate: 0.5, rho, epsilon: eps }), expected);
  });

  it('the first step by hand, at the defaults: lr * sqrt(eps) * g / sqrt(0.05 g^2 + eps)', () => {
    const w = freshVariable([1]);
    const opt = new Adadelta();
    runSteps(opt, w, [[2]]);
    expectClose(w.dataSync(), [1 - (0.001 * Math.sqrt(1e-7) * 2) / Math.sqrt(0.05 * 4 + 1e-7)]);
    opt.dispose();
    dispose(w);
  });
});

describe('Lion', () => {
  it('w -= lr sign(b1 m + (1-b1) g); m = b2 m + (1-b2) g', () => {
    const expected = reference(
      W0, GRADS,
      (w, g, _t, s) => {
        const next = w - 0.1 * Math.sign(0.8 * s.m! + 0.2 * g);
        s.m = 0.7 * s.m! + 0.3 * g;
        return next;
      },
      () => ({ m: 0 }),
    );
    check(new Lion({ learningRate: 0.1, beta1: 0.8, beta2: 0.7 }), expected);
  });

  it('moves every element by exactly lr, and not at all where the mix is 0', () => {
    const w = freshVariable([1, 1, 1]);
    const opt = new Lion({ learningRate: 0.25 });
    runSteps(opt, w, [[1e-3, -50, 0]]);
    expect(Array.from(w.dataSync())).toEqual([0.75, 1.25, 1]);
    opt.dispose();
    dispose(w);
  });
});
