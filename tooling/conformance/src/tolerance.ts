export interface Tolerance {
  /** Relative tolerance: |actual - expected| <= atol + rtol·|expected|. */
  rtol: number;
  atol: number;
}

export interface CloseOptions extends Partial<Tolerance> {
  /** Named in the failure message: the op (and case) being checked. */
  op?: string;
  /** When given, the failure message also shows the multi-index of the first mismatch. */
  shape?: readonly number[];
}

/** float32-appropriate defaults; backends with less precise math pass their own. */
export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6 };

function multiIndex(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    idx.unshift(flat % shape[i]!);
    flat = Math.floor(flat / shape[i]!);
  }
  return `[${idx.join(',')}]`;
}

function close(a: number, e: number, tol: Tolerance): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
}

/**
 * Asserts elementwise closeness. NaN matches only NaN and infinities match only themselves. The
 * error names the op, the first offending index and both values, and counts the mismatches.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, options: CloseOptions = {}): void {
  const tol: Tolerance = { rtol: options.rtol ?? DEFAULT_TOLERANCE.rtol, atol: options.atol ?? DEFAULT_TOLERANCE.atol };
  const op = options.op ?? 'values';
  if (actual.length !== expected.length) {
    throw new Error(`${op}: got ${actual.length} values, expected ${expected.length}`);
  }
  let first = -1;
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!close(actual[i]!, expected[i]!, tol)) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return;
  const a = actual[first]!;
  const e = expected[first]!;
  const where = options.shape ? ` ${multiIndex(first, options.shape)} of shape [${options.shape.join(',')}]` : '';
  throw new Error(
    `${op}: at flat index ${first}${where} got ${a}, expected ${e} ` +
      `(|diff| ${Math.abs(a - e)} > atol ${tol.atol} + rtol ${tol.rtol}·|expected|); ${count} of ${expected.length} values differ`,
  );
}

/** Exact equality (integer and bool results), with the same message. */
export function expectEqualValues(actual: ArrayLike<number>, expected: ArrayLike<number>, options: Omit<CloseOptions, 'rtol' | 'atol'> = {}): void {
  expectClose(actual, expected, { ...options, rtol: 0, atol: 0 });
}
