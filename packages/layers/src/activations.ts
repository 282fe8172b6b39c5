import {
  TesseraError, add, clipByValue, elu, gelu, leakyRelu, mul, relu, relu6, selu, sigmoid, softmax, softplus, swish, tanh, type FusedActivation, type Tensor,
} from '@tessera/core';
import { describeValue } from './util.js';

/** An elementwise (or, for softmax, last-axis) activation. */
export type ActivationFn = (x: Tensor) => Tensor;

export type ActivationName =
  | 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'gelu' | 'elu' | 'selu' | 'softplus' | 'swish' | 'leaky_relu' | 'relu6' | 'hard_sigmoid_tfjs';

export type ActivationIdentifier = ActivationName | ActivationFn | (string & {});

const linear: ActivationFn = (x) => x;

// One function object per name, so a layer's activation can be serialised back to its name.
const byName = new Map<string, ActivationFn>();
const nameOf = new Map<ActivationFn, string>();

/** Makes `getActivation(name)` return `fn`, and lets layers using `fn` be serialised as `name`. */
export function registerActivation(name: string, fn: ActivationFn): void {
  if (typeof name !== 'string' || name.length === 0) throw new TesseraError('registerActivation: name must be a non-empty string');
  if (typeof fn !== 'function') throw new TesseraError(`registerActivation: '${name}' must be given a function, got ${describeValue(fn)}`);
  byName.set(name, fn);
  if (!nameOf.has(fn)) nameOf.set(fn, name);
}

registerActivation('linear', linear);
registerActivation('relu', (x) => relu(x));
registerActivation('sigmoid', (x) => sigmoid(x));
registerActivation('tanh', (x) => tanh(x));
registerActivation('softmax', (x) => softmax(x, -1));
registerActivation('gelu', (x) => gelu(x));
registerActivation('elu', (x) => elu(x));
registerActivation('selu', (x) => selu(x));
registerActivation('softplus', (x) => softplus(x));
registerActivation('swish', (x) => swish(x));
registerActivation('leaky_relu', (x) => leakyRelu(x));
registerActivation('relu6', (x) => relu6(x));
// TF.js's (and Keras 2's) hard sigmoid, clip(0.2·x + 0.5, 0, 1): the default recurrent activation of
// TF.js's LSTM and GRU, so that imported TF.js models run unchanged. (Keras 3's hard_sigmoid is x/6 + 0.5.)
registerActivation('hard_sigmoid_tfjs', (x) => clipByValue(add(mul(x, 0.2), 0.5), 0, 1));

const ALIASES: Record<string, string> = { leakyRelu: 'leaky_relu', silu: 'swish', none: 'linear' };

/** Resolves an activation by name ('relu', 'leaky_relu' or 'leakyRelu', ...) or returns a function as is. */
export function getActivation(identifier: ActivationIdentifier | null | undefined): ActivationFn {
  if (identifier === null || identifier === undefined) return linear;
  if (typeof identifier === 'function') return identifier;
  if (typeof identifier === 'string') {
    const fn = byName.get(identifier) ?? byName.get(ALIASES[identifier] ?? '');
    if (fn) return fn;
    throw new TesseraError(`getActivation: unknown activation '${identifier}' (known: ${[...byName.keys()].join(', ')})`);
  }
  throw new TesseraError(`getActivation: expected an activation name or function, got ${describeValue(identifier)}`);
}

/** The registered name of an activation function; throws for an unregistered custom function. */
export function serializeActivation(fn: ActivationFn): string {
  const name = nameOf.get(fn);
  if (name === undefined) {
    throw new TesseraError(
      `serializeActivation: the custom activation ${fn.name ? `'${fn.name}'` : '(anonymous function)'} cannot be serialised; register it with registerActivation(name, fn) first`,
    );
  }
  return name;
}

/** The fused-kernel name of an activation when fusedMatMul can apply it, else null. */
export function fusedActivation(fn: ActivationFn): FusedActivation | null {
  const name = nameOf.get(fn);
  return name === 'linear' || name === 'relu' || name === 'sigmoid' || name === 'tanh' ? name : null;
}

/** Registered activation names. */
export function registeredActivations(): string[] {
  return [...byName.keys()];
}

/** Keras-style namespace: `activations.get('relu')`. */
export const activations = Object.freeze({ get: getActivation, serialize: serializeActivation, register: registerActivation });
