// Scalar math shared by the kernels: written once here so the elementwise, fused and pooling
// kernels agree on edge cases.

/**
 * erf to about one ulp of double precision, which the float64 gradient checker needs (finite
 * differences amplify any error in erf by 1/eps).
 *
 * [0, 6] is split into intervals of width 1/4 centred on c = k/4; on each, erf is its Taylor series
 * around c. The derivatives are closed-form, erf⁽ⁿ⁾(x) = (2/√π)·(−1)ⁿ⁻¹·Hₙ₋₁(x)·e^(−x²) with
 * Hermite polynomials H, so the coefficients are computed here once. With |x − c| ≤ 1/8 the
 * terms fall below 1e-17 by the 14th, and the interval around 0 keeps full relative accuracy for
 * tiny x because its expansion has no constant term. Beyond 6.125, erf is ±1 in double precision.
 */

const STEP = 0.25;
const CENTERS = 25;
const TERMS = 16;
const LIMIT = (CENTERS - 0.5) * STEP;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf(x) for x ≥ 0 from the series (2/√π)·e^(−x²)·Σ (2x²)ⁿ·x / (1·3·…·(2n+1)). Its terms are all
 * positive, so unlike the alternating Maclaurin series it loses nothing to cancellation. It needs
 * ~x² terms, too slow per element but fine for the 25 table centres.
 */
export function erfBySeries(x: number): number {
  const x2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; term > sum * 1e-18; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
}

const COEFFS = (() => {
  const t = new Float64Array(CENTERS * TERMS);
  for (let k = 0; k < CENTERS; k++) {
    const c = k * STEP;
    const base = k * TERMS;
    t[base] = erfBySeries(c);
    const g = TWO_OVER_SQRT_PI * Math.exp(-c * c);
    let hPrev = 0;
    let h = 1; // H_{n-1}(c), starting at H_0
    let factorial = 1;
    for (let n = 1; n < TERMS; n++) {
      factorial *= n;
      t[base + n] = ((n - 1) % 2 === 0 ? g : -g) * (h / factorial);
      const next = 2 * c * h - 2 * (n - 1) * hPrev;
      hPrev = h;
      h = next;
    }
  }
  return t;
})();

export function erf(x: number): number {
  const ax = Math.abs(x);
  if (!(ax < LIMIT)) return x !== x ? x : x > 0 ? 1 : -1;
  const k = (ax * (1 / STEP) + 0.5) | 0;
  const t = ax - k * STEP;
  const b = k * TERMS;
  const c = COEFFS;
  // Horner, unrolled: TurboFan keeps the sum in a register and drops the loop bookkeeping.
  let s = c[b + 15]! * t + c[b + 14]!;
  s = s * t + c[b + 13]!;
  s = s * t + c[b + 12]!;
  s = s * t + c[b + 11]!;
  s = s * t + c[b + 10]!;
  s = s * t + c[b + 9]!;
  s = s * t + c[b + 8]!;
  s = s * t + c[b + 7]!;
  s = s * t + c[b + 6]!;
  s = s * t + c[b + 5]!;
  s = s * t + c[b + 4]!;
  s = s * t + c[b + 3]!;
  s = s * t + c[b + 2]!;
  s = s * t + c[b + 1]!;
  s = s * t + c[b]!;
  return x < 0 ? -s : s;
}

/** Never exponentiates a positive number: exp(−x) would overflow to Infinity for very negative x. */
export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** log(1 + eˣ) = max(x, 0) + log1p(e^−|x|): no overflow for large x, no underflow to 0 for very negative x. */
export function softplus(v: number): number {
  return (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

/** Round half to even, like NumPy: Math.round rounds halves up, so a tie landing on an odd number steps back. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Floor modulo with the sign of the divisor (NumPy's `mod`): fmod, then shifted by b when the
 * signs disagree. A zero result takes b's sign; x mod 0 is NaN (stored as 0 in int32, like NumPy).
 */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  if (r === 0) return b < 0 ? -0 : 0;
  return r < 0 !== b < 0 ? r + b : r;
}
