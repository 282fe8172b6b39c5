import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
import { add, dispose, matmul, mean, randomNormal, square, sub, tensor, tidy, variable, type Tensor } from '@tessera/core';
import { adadelta, adagrad, adam, adamax, adamw, lion, nadam, rmsprop, schedules, sgd, type Optimizer } from '../src/index.js';

// Noise-free linear regression: the optimum is W = [2, -3], b = 1 with zero loss.
const TRUE_W = [2, -3];
const TRUE_B = 1;

function fit(makeOptimizer: () => Optimizer, steps: number): { first: number; last: number; w: number[]; b: number } {
  const x = randomNormal([64, 2], 0, 1, 'float32', 7);
  const y = tidy(() => add(matmul(x, tensor([[TRUE_W[0]!], [TRUE_W[1]!]])), TRUE_B));
  const w = variable([[0], [0]], true, 'regression_w');
  const b = variable([0], true, 'regression_b');
  const opt = makeOptimizer();
  const loss = (): Tensor => mean(square(sub(add(matmul(x, w), b), y)));
  let first = NaN;
  let last = NaN;
  for (let i = 0; i < steps; i++) {
    const cost = opt.minimize(loss, true, [w, b]);
    last = cost.dataSync()[0]!;
    if (i === 0) first = last;
    cost.dispose();
  }
  const result = { first, last, w: Array.from(w.dataSync()), b: b.dataSync()[0]! };
  opt.dispose();
  dispose([x, y, w, b]);
  return result;
}

const cases: [string, () => Optimizer, number][] = [
  ['sgd', () => sgd(0.1), 200],
  ['sgd + momentum', () => sgd({ learningRate: 0.05, momentum: 0.9 }), 200],
  ['sgd + nesterov', () => sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), 200],
  ['adagrad', () => adagrad(1), 300],
  ['rmsprop', () => rmsprop({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.05, decaySteps: 100, decayRate: 0.5 }) }), 400],
  ['rmsprop centered + momentum', () => rmsprop({ learningRate: 0.01, centered: true, momentum: 0.5 }), 400],
  ['adam', () => adam(0.1), 400],
  ['adam amsgrad', () => adam({ learningRate: 0.1, amsgrad: true }), 400],
  ['adamw', () => adamw({ learningRate: 0.1, weightDecay: 1e-4 }), 400],
  ['adamax', () => adamax(0.2), 400],
  ['nadam', () => nadam(0.1), 400],
  // Adadelta's first steps are about lr·√ε: the paper's lr 1 with a larger epsilon.
  ['adadelta', () => adadelta({ learningRate: 1, epsilon: 1e-3 }), 400],
  // Lion moves every weight by ±lr each step: it settles only as the rate decays.
  ['lion', () => lion(schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 50, decayRate: 0.5 })), 400],
];

describe('each optimizer fits a linear regression', () => {
  it.each(cases)('%s', (_name, make, steps) => {
    const r = fit(make, steps);
    expect(r.first).toBeGreaterThan(5);
    expect(r.last).toBeLessThan(1e-3);
    expect(Math.abs(r.w[0]! - TRUE_W[0]!)).toBeLessThan(0.02);
    expect(Math.abs(r.w[1]! - TRUE_W[1]!)).toBeLessThan(0.02);
    expect(Math.abs(r.b - TRUE_B)).toBeLessThan(0.02);
  });
});
