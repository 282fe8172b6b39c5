import { TesseraError } from '@tessera/core';
import { describeValue, isPlainObject } from '../validate.js';
import { CosineDecay, type CosineDecayOptions } from './cosine_decay.js';
import { ExponentialDecay, type ExponentialDecayOptions } from './exponential_decay.js';
import { InverseTimeDecay, type InverseTimeDecayOptions } from './inverse_time_decay.js';
import { LinearWarmup } from './linear_warmup.js';
import { PiecewiseConstantDecay, type PiecewiseConstantDecayOptions } from './piecewise_constant_decay.js';
import { PolynomialDecay, type PolynomialDecayOptions } from './polynomial_decay.js';
import { LearningRateSchedule, type ScheduleConfig, type SerializedSchedule } from './schedule.js';

/**
 * Rebuilds a schedule from its config. `deserialize` turns nested serialised schedules (a
 * wrapper's inner schedule) back into objects.
 */
export type ScheduleFromConfig = (config: ScheduleConfig, deserialize: (x: unknown) => LearningRateSchedule | number) => LearningRateSchedule;

// Configs come from JSON: the constructors check every value's type and range.
const registry = new Map<string, { className: string; fromConfig: ScheduleFromConfig }>();

/** Makes `deserialize` know a schedule class by its className (matched case-insensitively). */
export function register(className: string, fromConfig: ScheduleFromConfig): void {
  if (typeof className !== 'string' || className.length === 0) throw new TesseraError('schedules.register: className must be a non-empty string');
  registry.set(className.toLowerCase(), { className, fromConfig });
}

register('ExponentialDecay', (c) => new ExponentialDecay(c as unknown as ExponentialDecayOptions));
register('InverseTimeDecay', (c) => new InverseTimeDecay(c as unknown as InverseTimeDecayOptions));
register('PiecewiseConstantDecay', (c) => new PiecewiseConstantDecay(c as unknown as PiecewiseConstantDecayOptions));
register('CosineDecay', (c) => new CosineDecay(c as unknown as CosineDecayOptions));
register('PolynomialDecay', (c) => new PolynomialDecay(c as unknown as PolynomialDecayOptions));
register('LinearWarmup', (c, deserialize) => {
  const { schedule, warmupSteps, initialLearningRate } = c;
  return new LinearWarmup({
    schedule: deserialize(schedule),
    warmupSteps: warmupSteps as number,
    initialLearningRate: initialLearningRate as number | undefined,
  });
});

export function serialize(schedule: LearningRateSchedule): SerializedSchedule {
  if (!(schedule instanceof LearningRateSchedule)) {
    throw new TesseraError(`schedules.serialize: expected a LearningRateSchedule, got ${describeValue(schedule)}`);
  }
  return schedule.serialize();
}

export function isSerializedSchedule(x: unknown): x is SerializedSchedule {
  return isPlainObject(x) && typeof x['className'] === 'string';
}

/**
 * A schedule from `{ className, config }` (as `serialize` writes it). A schedule object is
 * returned as is; so is a plain number (a constant rate), which nested configs may hold.
 */
export function deserialize(x: unknown): LearningRateSchedule | number {
  if (x instanceof LearningRateSchedule) return x;
  if (typeof x === 'number') return x;
  if (!isSerializedSchedule(x)) {
    throw new TesseraError(`schedules.deserialize: expected { className, config }, a schedule or a number, got ${describeValue(x)}`);
  }
  const entry = registry.get(x.className.toLowerCase());
  if (!entry) {
    throw new TesseraError(
      `schedules.deserialize: unknown schedule '${x.className}' (known: ${[...registry.values()].map((e) => e.className).join(', ')}; ` +
        `register custom ones with schedules.register)`,
    );
  }
  const config = x.config ?? {};
  if (!isPlainObject(config)) throw new TesseraError(`schedules.deserialize: the config of '${x.className}' must be an object, got ${describeValue(config)}`);
  const schedule = entry.fromConfig(config, deserialize);
  const known = new Set(Object.keys(schedule.getConfig()));
  const unknown = Object.keys(config).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new TesseraError(`schedules.deserialize: '${x.className}' has no option ${unknown.map((k) => `'${k}'`).join(', ')} (options: ${[...known].join(', ')})`);
  }
  return schedule;
}

/** Class names `deserialize` knows. */
export function registeredNames(): string[] {
  return [...registry.values()].map((e) => e.className);
}
