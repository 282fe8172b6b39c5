// Shared option handling for layer constructors and configs.
import { getActivation, serializeActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier, type SerializedInitializer } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier, type SerializedRegularizer } from '../regularizers.js';

export function initializerOption(v: InitializerIdentifier | null | undefined, fallback: InitializerIdentifier): Initializer {
  return getInitializer(v === undefined || v === null ? fallback : v);
}

export function regularizerOption(v: RegularizerIdentifier | null | undefined): Regularizer | null {
  return v === undefined || v === null ? null : getRegularizer(v);
}

export function activationOption(v: ActivationIdentifier | null | undefined, fallback: ActivationIdentifier): ActivationFn {
  return getActivation(v === undefined || v === null ? fallback : v);
}

export function initializerConfig(i: Initializer): SerializedInitializer {
  return serializeInitializer(i);
}

export function regularizerConfig(r: Regularizer | null): SerializedRegularizer | null {
  return r ? serializeRegularizer(r) : null;
}

export function activationConfig(fn: ActivationFn): string {
  return serializeActivation(fn);
}
