// Scalar math in double precision, rounded once to float32 by the caller, so results match the
// cpu backend (which computes in JS doubles) to the last float32 bit in nearly every case.

const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
const INV_SQRT_PI: f64 = 0.5641895835477563;

/** Never exponentiates a positive number, so neither tail overflows. */
// @ts-ignore: decorator
@inline export function sigmoid(v: f64): f64 {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** log(1 + eˣ) = max(x, 0) + log1p(e^−|x|). */
// @ts-ignore: decorator
@inline export function softplus(v: f64): f64 {
  return (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

/**
 * erf for x ≥ 0 below 2.5: (2/√π)·e^(−x²)·Σ (2x²)ⁿ·x / (1·3·…·(2n+1)). Every term is positive, so
 * nothing cancels; at most ~45 terms are needed at the top of the range.
 */
function erfSeries(x: f64): f64 {
  const x2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= x2 / <f64>(2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
}

/**
 * erfc for x ≥ 2.5 from its continued fraction e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
 * evaluated bottom-up with a fixed depth that is ample at x = 2.5.
 */
function erfcFraction(x: f64): f64 {
  let f: f64 = x;
  for (let k = 60; k >= 1; k--) f = x + (<f64>k * 0.5) / f;
  return (INV_SQRT_PI * Math.exp(-x * x)) / f;
}

export function erf(x: f64): f64 {
  if (isNaN<f64>(x)) return x;
  const ax = Math.abs(x);
  let r: f64;
  if (ax < 2.5) r = erfSeries(ax);
  else if (ax < 6) r = 1 - erfcFraction(ax);
  else r = 1;
  return x < 0 ? -r : r;
}

/** Floor modulo with the sign of the divisor; a zero result takes b's sign, x mod 0 is NaN. */
// @ts-ignore: decorator
@inline export function floorMod(a: f64, b: f64): f64 {
  const r = a % b;
  if (r == 0) return b < 0 ? -0.0 : 0.0;
  return (r < 0) != (b < 0) ? r + b : r;
}

/** Integer floor modulo; x mod 0 is 0 (what NaN becomes in an int32 store). */
// @ts-ignore: decorator
@inline export function floorModInt(a: i32, b: i32): i32 {
  if (b == 0) return 0;
  const r = a % b;
  if (r == 0) return 0;
  return (r < 0) != (b < 0) ? r + b : r;
}

/** Math.pow with JavaScript's special cases, which differ from C's: 1 ** NaN and (±1) ** ±∞ are NaN. */
// @ts-ignore: decorator
@inline export function jsPow(a: f64, b: f64): f64 {
  if (isNaN<f64>(b)) return b;
  if (!isFinite<f64>(b) && Math.abs(a) == 1) return NaN;
  return Math.pow(a, b);
}

/** ToInt32 of a float: truncation, then wrap-around modulo 2³², non-finite values become 0. */
// @ts-ignore: decorator
@inline export function toInt32(v: f64): i32 {
  if (!isFinite<f64>(v)) return 0;
  const t = trunc<f64>(v);
  // |t| ≥ 2⁶³ only happens for multiples of 2⁴⁰ here, which are 0 modulo 2³².
  if (Math.abs(t) >= 9.2e18) return 0;
  return <i32><i64>t;
}
