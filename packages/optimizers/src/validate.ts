import { TesseraError } from '@tessera/core';

export interface NumberRange {
  min?: number;
  max?: number;
  /** The bound itself is not allowed (e.g. beta < 1). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer?: boolean;
}

/** Reads an optional numeric hyperparameter, checking its type and range; `fallback` when absent. */
export function numberOption(owner: string, key: string, value: unknown, fallback: number, range: NumberRange = {}): number {
  if (value === undefined) return fallback;
  return requireNumber(owner, key, value, range);
}

/** A required numeric hyperparameter, checked like `numberOption`. */
export function requireNumber(owner: string, key: string, value: unknown, range: NumberRange = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TesseraError(`${owner}: '${key}' must be a finite number, got ${describeValue(value)}`);
  }
  const { min, max, minExclusive = false, maxExclusive = false, integer = false } = range;
  const belowMin = min !== undefined && (minExclusive ? value <= min : value < min);
  const aboveMax = max !== undefined && (maxExclusive ? value >= max : value > max);
  if (belowMin || aboveMax || (integer && !Number.isInteger(value))) {
    const lo = min === undefined ? '(-inf' : `${minExclusive ? '(' : '['}${min}`;
    const hi = max === undefined ? 'inf)' : `${max}${maxExclusive ? ')' : ']'}`;
    throw new TesseraError(`${owner}: '${key}' must be ${integer ? 'an integer ' : ''}in ${lo}, ${hi}, got ${value}`);
  }
  return value;
}

export function booleanOption(owner: string, key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TesseraError(`${owner}: '${key}' must be a boolean, got ${describeValue(value)}`);
  return value;
}

export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'string') return `the string '${x}'`;
  if (typeof x === 'object') return `an object (${(x as object).constructor?.name ?? 'Object'})`;
  return `${typeof x} ${String(x)}`;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}
