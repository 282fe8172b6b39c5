import type { Attrs, Tensor } from '@tessera/core';

/**
 * A gradient rule: given the upstream gradients of a kernel's outputs and its saved inputs and
 * outputs, returns the gradient for each input (null where the input is not differentiable).
 * Rules are written with core ops, so they run on every backend and are themselves differentiable.
 */
export type GradRule = (dys: Tensor[], saved: SavedTensors, attrs: Attrs) => (Tensor | null)[];

export interface SavedTensors {
  inputs: Tensor[];
  outputs: Tensor[];
  /** needs[i] is false when no gradient for input i is wanted: a rule may skip computing it. */
  needs: boolean[];
}

const rules = new Map<string, GradRule>();

export function registerGradient(kernel: string, rule: GradRule): void {
  rules.set(kernel, rule);
}

export function getGradient(kernel: string): GradRule | undefined {
  return rules.get(kernel);
}

export function registeredGradients(): string[] {
  return [...rules.keys()];
}
