import '@tessera/backend-cpu';
import { tensor, variable, type Tensor, type Variable } from '@tessera/core';
import { expect } from 'vitest';
import type { Optimizer } from '../src/index.js';

/** float32 kernels against float64 references: relative to max(1, |expected|). */
export const TOL = 1e-6;

export function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol = TOL): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const err = Math.abs(actual[i]! - e);
    if (!(err <= tol * Math.max(1, Math.abs(e)))) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${e} (error ${err}, tolerance ${tol})`);
    }
  }
}

export const W0 = [1, -2, 3];
/** Three fixed gradients for W0-shaped variables. */
export const GRADS = [
  [0.5, -1, 2],
  [-0.3, 0.8, 1.5],
  [1.2, -0.4, -0.7],
];

let counter = 0;
export function freshVariable(values: number[], name = `w${counter++}`): Variable {
  return variable(values, true, name);
}

/** Applies `grads` one step at a time and returns the variable's values after each step. */
export function runSteps(opt: Optimizer, w: Variable, grads: number[][]): number[][] {
  const out: number[][] = [];
  for (const g of grads) {
    const gt: Tensor = tensor(g);
    opt.applyGradients({ [w.name]: gt });
    gt.dispose();
    out.push(Array.from(w.dataSync()));
  }
  return out;
}

/**
 * Runs an elementwise float64 reference update over the same gradient sequence. `step` gets the
 * 1-based step number and a per-element state object it may keep values in.
 */
export function reference(
  w0: readonly number[],
  grads: number[][],
  step: (w: number, g: number, t: number, s: Record<string, number>) => number,
  init: () => Record<string, number> = () => ({}),
): number[][] {
  const w = [...w0];
  const states = w0.map(() => init());
  return grads.map((g, k) => {
    for (let i = 0; i < w.length; i++) w[i] = step(w[i]!, g[i]!, k + 1, states[i]!);
    return [...w];
  });
}
