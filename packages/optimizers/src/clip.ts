import { Tensor, TesseraError, add, clipByValue, div, maximum, mul, op, sqrt, square, sum } from '@tessera/core';
import { requireNumber } from './validate.js';

/** Gradients as a list, or keyed by variable name: the clipping helpers return the same form. */
export type GradientCollection = Tensor[] | Record<string, Tensor>;

function entries(op: string, grads: GradientCollection): [string, Tensor][] {
  if (grads === null || typeof grads !== 'object') throw new TesseraError(`${op}: expected an array or a Record of gradient tensors`);
  const list: [string, Tensor][] = Array.isArray(grads) ? grads.map((g, i) => [String(i), g]) : Object.entries(grads);
  for (const [key, g] of list) {
    if (!(g instanceof Tensor)) throw new TesseraError(`${op}: gradient ${key} is not a Tensor`);
    g.assertAlive(op);
  }
  return list;
}

function rebuild<G extends GradientCollection>(grads: G, list: [string, Tensor][]): G {
  if (Array.isArray(grads)) return list.map(([, g]) => g) as G;
  return Object.fromEntries(list) as G;
}

function checkMax(op: string, name: string, value: number): number {
  return requireNumber(op, name, value, { min: 0, minExclusive: true });
}

/** The L2 norm of all the values of all the tensors, as a scalar tensor. */
export const globalNorm = op('globalNorm', (grads: GradientCollection): Tensor => {
  const list = entries('globalNorm', grads);
  if (list.length === 0) throw new TesseraError('globalNorm: expected at least one tensor');
  return sqrt(list.map(([, g]) => sum(square(g))).reduce((a, b) => add(a, b)));
});

/** Rescales x so that its L2 norm is at most maxNorm: x · maxNorm / max(‖x‖₂, maxNorm). */
export const clipByNorm = op('clipByNorm', (x: Tensor, maxNorm: number): Tensor => {
  checkMax('clipByNorm', 'maxNorm', maxNorm);
  if (!(x instanceof Tensor)) throw new TesseraError('clipByNorm: x must be a Tensor');
  return div(mul(x, maxNorm), maximum(sqrt(sum(square(x))), maxNorm));
});

/** Clamps every element of every gradient to [-clipValue, clipValue]. */
export const clipGradsByValue = op('clipGradsByValue', <G extends GradientCollection>(grads: G, clipValue: number): G => {
  checkMax('clipGradsByValue', 'clipValue', clipValue);
  const list = entries('clipGradsByValue', grads);
  return rebuild(grads, list.map(([k, g]) => [k, clipByValue(g, -clipValue, clipValue)]));
});

/** Clips each gradient to an L2 norm of at most maxNorm, separately (`clipByNorm` per tensor). */
export const clipGradsByNorm = op('clipGradsByNorm', <G extends GradientCollection>(grads: G, maxNorm: number): G => {
  checkMax('clipGradsByNorm', 'maxNorm', maxNorm);
  const list = entries('clipGradsByNorm', grads);
  return rebuild(grads, list.map(([k, g]) => [k, clipByNorm(g, maxNorm)]));
});

/**
 * Scales all gradients by one factor, maxNorm / max(globalNorm, maxNorm), so that their joint L2
 * norm is at most maxNorm and their direction is kept. Returns the clipped gradients (same form as
 * given) and the global norm before clipping.
 */
export const clipByGlobalNorm = op(
  'clipByGlobalNorm',
  <G extends GradientCollection>(grads: G, maxNorm: number): { grads: G; globalNorm: Tensor } => {
    checkMax('clipByGlobalNorm', 'maxNorm', maxNorm);
    const list = entries('clipByGlobalNorm', grads);
    if (list.length === 0) throw new TesseraError('clipByGlobalNorm: expected at least one gradient');
    const norm = globalNorm(list.map(([, g]) => g));
    const scale = div(maxNorm, maximum(norm, maxNorm));
    return { grads: rebuild(grads, list.map(([k, g]) => [k, mul(g, scale)])), globalNorm: norm };
  },
);
