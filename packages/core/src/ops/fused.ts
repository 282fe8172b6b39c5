// The activations the fused kernels (FusedMatMul, FusedConv2D) apply, and the same activation
// composed from ops where a backend has no fused kernel. Internal: not re-exported by the index.
import type { FusedActivation } from '../kernel_names.js';
import { TesseraError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { relu, sigmoid, tanh } from './elementwise.js';

export const FUSED_ACTIVATIONS: readonly string[] = ['linear', 'relu', 'sigmoid', 'tanh'];

/** Throws, naming the op, unless `activation` is one of FUSED_ACTIVATIONS. */
export function checkFusedActivation(op: string, activation: unknown): asserts activation is FusedActivation {
  if (!FUSED_ACTIVATIONS.includes(activation as string)) {
    throw new TesseraError(`${op}: unknown activation '${String(activation)}' (expected linear, relu, sigmoid or tanh)`);
  }
}

/** `activation(y)` for one of FUSED_ACTIVATIONS; anything else is an error naming the op. */
export function applyFusedActivation(op: string, y: Tensor, activation: FusedActivation): Tensor {
  switch (activation) {
    case 'relu':
      return relu(y);
    case 'sigmoid':
      return sigmoid(y);
    case 'tanh':
      return tanh(y);
    case 'linear':
      return y;
    default:
      checkFusedActivation(op, activation);
      return y;
  }
}
