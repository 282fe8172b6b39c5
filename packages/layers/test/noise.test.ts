import { setSeed, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { GaussianNoise, SpatialDropout2D, type Layer } from '../src/index.js';
import { randomTensor, values } from './helpers.js';
import { expectNoLeaks, expectRoundTrip } from './roundtrip.js';

/** Output values of `calls` training calls of the layer on x. */
function draws(layer: Layer, x: Tensor, calls = 2): number[][] {
  return Array.from({ length: calls }, () => {
    const y = layer.apply(x, { training: true }) as Tensor;
    const v = values(y);
    y.dispose();
    return v;
  });
}

/** Checks that a layer's draws repeat for a seed and under setSeed, and resume from getRandomState. */
function expectSeededLikeDropout(make: (seed?: number) => Layer, x: Tensor): void {
  const a = draws(make(9), x);
  expect(draws(make(9), x)).toEqual(a);
  expect(a[0]).not.toEqual(a[1]);
  setSeed(11);
  const c = draws(make(), x);
  setSeed(11);
  expect(draws(make(), x)).toEqual(c);
  // A layer restored to the position after one call draws what the first layer drew second.
  const first = make(9);
  draws(first, x, 1);
  const resumed = make(123);
  resumed.setRandomState(first.getRandomState()!);
  expect(draws(resumed, x, 1)[0]).toEqual(a[1]);
}

describe('SpatialDropout2D', () => {
  it('drops whole channels while training, scales the rest by 1/(1 - rate), and is the identity at inference', () => {
    const layer = new SpatialDropout2D({ rate: 0.25, seed: 1 });
    const [n, h, w, c] = [50, 2, 3, 40];
    const x = randomTensor([n, h, w, c], 2, 0.5, 1.5);
    const inf = layer.apply(x);
    expect(values(inf)).toEqual(values(x));
    const y = layer.apply(x, { training: true });
    const xv = values(x);
    const yv = values(y);
    let dropped = 0;
    for (let b = 0; b < n; b++)
      for (let ch = 0; ch < c; ch++) {
        const idx = Array.from({ length: h * w }, (_, p) => (b * h * w + p) * c + ch);
        const zero = yv[idx[0]!] === 0;
        if (zero) dropped++;
        for (const i of idx) {
          if (zero) expect(yv[i]).toBe(0);
          else expect(Math.abs(yv[i]! - xv[i]! / 0.75)).toBeLessThan(1e-5);
        }
      }
    // 2000 channel draws: the dropped fraction is within 3.5 sigma (~0.034) of the rate.
    expect(Math.abs(dropped / (n * c) - 0.25)).toBeLessThan(0.034);
    [x, inf, y].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('draws a new mask each call, repeatable by seed, setSeed or the saved random state', () => {
    const x = randomTensor([2, 2, 2, 16], 3, 1, 2);
    expectSeededLikeDropout((seed) => new SpatialDropout2D({ rate: 0.5, seed }), x);
    x.dispose();
  });

  it('rejects bad rates, seeds and non-NHWC inputs', () => {
    expect(() => new SpatialDropout2D({ rate: 1 })).toThrow(/SpatialDropout2D: rate must be a number in \[0, 1\), got number 1/);
    expect(() => new SpatialDropout2D({ rate: 0.5, seed: 1.5 })).toThrow(/SpatialDropout2D: seed must be an integer, got number 1.5/);
    const x = randomTensor([2, 3, 4], 1);
    expect(() => new SpatialDropout2D({ rate: 0.5 }).apply(x, { training: true })).toThrow(/spatial_dropout2d(_\d+)? \(SpatialDropout2D\): expects inputs of rank 4/);
    x.dispose();
  });
});

describe('GaussianNoise', () => {
  it('adds zero-mean noise of the given deviation while training and nothing at inference', () => {
    const layer = new GaussianNoise({ stddev: 0.5, seed: 4 });
    const x = randomTensor([100, 100], 5);
    const inf = layer.apply(x);
    expect(values(inf)).toEqual(values(x));
    const y = layer.apply(x, { training: true });
    const xv = values(x);
    const noise = values(y).map((v, i) => v - xv[i]!);
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    const std = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length);
    // 10 000 draws: the mean is within 4 standard errors (0.02) of 0, the deviation within 2%.
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(std - 0.5)).toBeLessThan(0.01);
    [x, inf, y].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('draws new noise each call, repeatable by seed, setSeed or the saved random state', () => {
    const x = randomTensor([3, 4], 6);
    expectSeededLikeDropout((seed) => new GaussianNoise({ stddev: 1, seed }), x);
    x.dispose();
  });

  it('rejects negative or missing deviations', () => {
    expect(() => new GaussianNoise({ stddev: -0.1 })).toThrow(/GaussianNoise: stddev must be a finite number >= 0, got number -0.1/);
    expect(() => new GaussianNoise({} as { stddev: number })).toThrow(/GaussianNoise: stddev must be a finite number >= 0, got undefined/);
  });
});

describe('serialisation of the noise layers', () => {
  it('round-trips through JSON; a copy given the random state draws the same', () => {
    expectRoundTrip(new SpatialDropout2D({ rate: 0.4, seed: 2 }), [2, 2, 2, 8], true);
    expectRoundTrip(new GaussianNoise({ stddev: 0.3 }), [2, 5], true);
    expectRoundTrip(new GaussianNoise({ stddev: 0.3, seed: 7 }), [2, 5]);
  });
});

describe('memory', () => {
  it('the noise layers leave no tensors behind, forward or backward', () => {
    expectNoLeaks(new SpatialDropout2D({ rate: 0.5 }), [2, 2, 2, 3]);
    expectNoLeaks(new GaussianNoise({ stddev: 0.1 }), [2, 3]);
  });
});
