import { TesseraError } from '@tessera/core';

/** A shape whose dimensions may be unknown (null), e.g. the batch dimension. */
export type SymbolicShape = (number | null)[];

export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'function') return `a function${x.name ? ` (${x.name})` : ''}`;
  if (typeof x === 'object') return `an object (${(x as object).constructor?.name ?? 'Object'})`;
  if (typeof x === 'number') return `number ${String(x)}`; // NaN and ±Infinity, not JSON's null
  return `${typeof x} ${JSON.stringify(x)}`;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** 'binary_crossentropy', 'binaryCrossentropy' and 'BinaryCrossentropy' all become 'binarycrossentropy'. */
export function normalizeName(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

export function fmtSymbolic(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

export function checkPositiveInt(where: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new TesseraError(`${where}: ${what} must be a positive integer, got ${describeValue(v)}`);
  return v;
}

export function checkNumber(where: string, what: string, v: unknown, ok: (n: number) => boolean = Number.isFinite, expected = 'a finite number'): number {
  if (typeof v !== 'number' || !ok(v)) throw new TesseraError(`${where}: ${what} must be ${expected}, got ${describeValue(v)}`);
  return v;
}

export function checkBoolean(where: string, what: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TesseraError(`${where}: ${what} must be true or false, got ${describeValue(v)}`);
  return v;
}

export function checkOneOf<T extends string>(where: string, what: string, v: unknown, options: readonly T[]): T {
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
    throw new TesseraError(`${where}: ${what} must be one of ${options.map((o) => `'${o}'`).join(', ')}, got ${describeValue(v)}`);
  }
  return v as T;
}

/** A positive integer or a pair of them (kernel sizes, strides). */
export function checkPair(where: string, what: string, v: unknown): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || p.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 1)) {
    throw new TesseraError(`${where}: ${what} must be a positive integer or a pair of them, got ${describeValue(v)}`);
  }
  return [p[0] as number, p[1] as number];
}

/** Product of the dimensions, or null if one is unknown. */
export function knownSize(dims: readonly (number | null)[]): number | null {
  let n = 1;
  for (const d of dims) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}
