import { TesseraError, checkOptions } from '@tessera/core';
import { Adadelta } from './adadelta.js';
import { AdaGrad } from './adagrad.js';
import { Adam } from './adam.js';
import { Adamax } from './adamax.js';
import { AdamW } from './adamw.js';
import { Lion } from './lion.js';
import { Nadam } from './nadam.js';
import { Optimizer, type OptimizerConfig, type OptimizerOptions, type SerializedOptimizer } from './optimizer.js';
import { RMSProp } from './rmsprop.js';
import { deserialize as deserializeSchedule, isSerializedSchedule } from './schedules/registry.js';
import { SGD } from './sgd.js';
import { describeValue, isPlainObject } from './validate.js';

/** Builds an optimizer from its config (with `learningRate` already a number or a schedule object). */
export type OptimizerFromConfig = (config: OptimizerOptions & Record<string, unknown>) => Optimizer;

const registry = new Map<string, { className: string; fromConfig: OptimizerFromConfig }>();

/** Makes `getOptimizer` know an optimizer class by name (matched case-insensitively). */
export function registerOptimizer(className: string, fromConfig: OptimizerFromConfig): void {
  if (typeof className !== 'string' || className.length === 0) throw new TesseraError('optimizers.register: className must be a non-empty string');
  registry.set(className.toLowerCase(), { className, fromConfig });
}

// Configs come from JSON: the constructors check every value's type and range.
registerOptimizer('SGD', (c) => new SGD(c));
registerOptimizer('AdaGrad', (c) => new AdaGrad(c));
registerOptimizer('RMSProp', (c) => new RMSProp(c));
registerOptimizer('Adam', (c) => new Adam(c));
registerOptimizer('AdamW', (c) => new AdamW(c));
registerOptimizer('Adamax', (c) => new Adamax(c));
registerOptimizer('Nadam', (c) => new Nadam(c));
registerOptimizer('Adadelta', (c) => new Adadelta(c));
registerOptimizer('Lion', (c) => new Lion(c));

export type OptimizerIdentifier = string | SerializedOptimizer | { className: string; config?: OptimizerConfig } | Optimizer;

/**
 * Resolves an optimizer: an instance is returned as is; a name ('sgd', 'adam', 'adamw', 'adamax',
 * 'nadam', 'rmsprop', 'adagrad', 'adadelta', 'lion', any case) gives one with Keras's defaults; `{ className, config }` (as
 * `serialize()` writes it) rebuilds one, its learning-rate schedule included.
 */
export function getOptimizer(identifier: OptimizerIdentifier): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  if (typeof identifier === 'string') return build(identifier, {});
  if (isPlainObject(identifier) && typeof identifier['className'] === 'string') {
    const config = identifier['config'] ?? {};
    if (!isPlainObject(config)) {
      throw new TesseraError(`optimizers.get: the config of '${identifier['className']}' must be an object, got ${describeValue(config)}`);
    }
    return build(identifier['className'], config);
  }
  throw new TesseraError(`optimizers.get: expected an optimizer name, { className, config } or an Optimizer, got ${describeValue(identifier)}`);
}

function build(name: string, config: Record<string, unknown>): Optimizer {
  const entry = registry.get(name.toLowerCase());
  if (!entry) {
    throw new TesseraError(
      `optimizers.get: unknown optimizer '${name}' (known: ${registeredOptimizers().join(', ')}; register custom ones with optimizers.register)`,
    );
  }
  const options: OptimizerOptions & Record<string, unknown> = { ...config };
  const lr = config['learningRate'];
  if (isSerializedSchedule(lr)) options.learningRate = deserializeSchedule(lr);
  const optimizer = entry.fromConfig(options);
  // Built-in optimizers reject unknown options in their constructors; this covers registered ones.
  try {
    checkOptions(`optimizers.get: ${entry.className}`, config, [...Object.keys(optimizer.getConfig()), 'clipValue', 'clipNorm', 'globalClipNorm']);
  } catch (e) {
    optimizer.dispose();
    throw e;
  }
  return optimizer;
}

/** Class names `getOptimizer` knows. */
export function registeredOptimizers(): string[] {
  return [...registry.values()].map((e) => e.className);
}

/** The optimizer registry, Keras style: `optimizers.get('adam')`, `optimizers.serialize(opt)`. */
export const optimizers = Object.freeze({
  get: getOptimizer,
  deserialize: (serialized: SerializedOptimizer): Optimizer => getOptimizer(serialized),
  serialize: (optimizer: Optimizer): SerializedOptimizer => {
    if (!(optimizer instanceof Optimizer)) throw new TesseraError(`optimizers.serialize: expected an Optimizer, got ${describeValue(optimizer)}`);
    return optimizer.serialize();
  },
  register: registerOptimizer,
  names: registeredOptimizers,
});
