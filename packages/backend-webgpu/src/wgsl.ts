// WGSL shared by the kernels: storage types, binding declarations, the flat-index prologue and a
// small float32 math library.
//
// The math is written out rather than taken from WGSL's builtins because the builtins' precision is
// the implementation's: Vulkan allows exp/log errors of a few ulp relative to the *argument*, sin/cos
// absolute errors of 2^-11 and tanh/log1p-style cancellations that the conformance suite rejects
// (rtol 1e-5). These versions reduce the argument exactly (Cody–Waite) and evaluate short
// polynomials, to about 1–2 ulp on any conforming GPU. NaN and infinity tests use the bit patterns,
// so a compiler that assumes finite math cannot fold them away.

import type { DataType } from '@tessera/core';

/** The WGSL element type a dtype is stored as. */
export function wgslType(dtype: DataType): 'f32' | 'i32' | 'u32' {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32';
}

/**
 * Bindings: P (params, array<i32>), Y (the output), X0… (inputs), in that order, then `extra`
 * declarations written by the kernel itself.
 */
export function bindings(out: string, inputs: readonly string[], extra = ''): string {
  const lines = [
    '@group(0) @binding(0) var<storage, read> P: array<i32>;',
    `@group(0) @binding(1) var<storage, read_write> Y: array<${out}>;`,
    ...inputs.map((t, i) => `@group(0) @binding(${i + 2}) var<storage, read> X${i}: array<${t}>;`),
  ];
  return `${lines.join('\n')}\n${extra}\n`;
}

/** The entry point of a one-thread-per-element kernel: `i` is the flat index, P[0] the element count. */
export function flatMain(wg: number, body: string): string {
  return `
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = i32(gid.x + gid.y * nwg.x * ${wg}u);
  if (i >= P[0]) { return; }
${body}
}
`;
}

/** Threads per workgroup of the elementwise kernels. */
export const WG = 64;

const MATH_LIBRARY = /* wgsl */ `
var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NAN_BITS: u32 = 0x7fc00000u;
fn inf_() -> f32 { return bitcast<f32>(INF_BITS); }
fn nan_() -> f32 { return bitcast<f32>(NAN_BITS); }
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn nonzero_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) != 0u; }

// x * 2^k for k in [-152, 128], in two steps so that neither factor leaves the normal range.
fn scale2_(x: f32, k: i32) -> f32 {
  var y = x;
  var kk = k;
  if (kk > 127) { y = y * 2.0; kk = kk - 1; }
  if (kk < -126) { y = y * 5.9604644775390625e-8; kk = kk + 24; }
  return y * bitcast<f32>(u32(kk + 127) << 23u);
}

fn exp_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (x > 88.72284) { return inf_(); }
  if (x < -103.97208) { return 0.0; }
  let k = round(x * 1.4426950408889634);
  let r = (x - k * 0.693145751953125) - k * 1.4286068202862268e-6;
  let p = 1.0 + r * (1.0 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664
    + r * (0.008333333333333333 + r * (0.001388888888888889 + r * 0.0001984126984126984))))));
  return scale2_(p, i32(k));
}

// log(m·2^e) = e·ln2 + log(m), m in [√½, √2): log(1+f) = f − (f²/2 − s(f²/2 + R)), s = f/(2+f).
fn log_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (x < 0.0) { return nan_(); }
  if (x == 0.0) { return -inf_(); }
  if (isinf_(x)) { return x; }
  var v = x;
  var e = 0;
  if (v < 1.1754943508222875e-38) { v = v * 16777216.0; e = -24; }
  let bits = bitcast<u32>(v);
  e = e + i32((bits >> 23u) & 0xffu) - 127;
  var m = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
  if (m > 1.4142135623730951) { m = m * 0.5; e = e + 1; }
  let f = m - 1.0;
  let s = f / (2.0 + f);
  let z = s * s;
  let R = z * (0.6666666666666666 + z * (0.4 + z * (0.2857142857142857 + z * (0.2222222222222222 + z * 0.18181818181818182))));
  let hfsq = 0.5 * f * f;
  let logm = f - (hfsq - s * (hfsq + R));
  let fe = f32(e);
  return fe * 0.693145751953125 + (logm + fe * 1.4286068202862268e-6);
}

fn log1p_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (x < -1.0) { return nan_(); }
  if (x == -1.0) { return -inf_(); }
  if (abs(x) < 1e-4) { return x * (1.0 - x * (0.5 - x * 0.3333333333333333)); }
  let u = 1.0 + x;
  if (isinf_(u)) { return u; }
  // log(u) is log(1+x) up to the rounding of u; (x − (u − 1))/u puts that rounding back.
  return log_(u) + (x - (u - 1.0)) / u;
}

fn expm1_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (0.16666666666666666 + x * (0.041666666666666664 + x * (0.008333333333333333
      + x * (0.001388888888888889 + x * (0.0001984126984126984 + x * (2.48015873015873e-5 + x * 2.7557319223985893e-6))))))));
  }
  if (x < -20.0) { return -1.0; }
  return exp_(x) - 1.0;
}

// sin (wantCos false) or cos of x: x = k·π/2 + r with π/2 in three parts, then the quadrant's series.
fn sincos_(x: f32, wantCos: bool) -> f32 {
  if (isnan_(x) || isinf_(x)) { return nan_(); }
  let k = round(x * 0.6366197723675814);
  let r = ((x - k * 1.5703125) - k * 0.0004838705062866211) - k * -4.371138828673793e-8;
  var q = i32(k) & 3;
  if (wantCos) { q = (q + 1) & 3; }
  let z = r * r;
  let s = r + r * z * (-0.16666666666666666 + z * (0.008333333333333333 + z * (-0.0001984126984126984
    + z * (2.755731922398589e-6 + z * -2.505210838544172e-8))));
  let c = 1.0 - 0.5 * z + z * z * (0.041666666666666664 + z * (-0.001388888888888889 + z * (2.48015873015873e-5
    + z * (-2.755731922398589e-7 + z * 2.08767569878681e-9))));
  if (q == 0) { return s; }
  if (q == 1) { return c; }
  if (q == 2) { return -s; }
  return -c;
}

fn tanh_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let a = abs(x);
  var t = 1.0;
  if (a < 9.0) {
    let e = expm1_(2.0 * a);
    t = e / (e + 2.0);
  }
  return select(t, -t, x < 0.0);
}

// Never exponentiates a positive number, so neither tail overflows.
fn sigmoid_(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp_(-x)); }
  let e = exp_(x);
  return e / (1.0 + e);
}

fn softplus_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  return max(x, 0.0) + log1p_(exp_(-abs(x)));
}

// Maclaurin series below 0.5; above, Abramowitz–Stegun 7.1.26 (absolute error 1.5e-7).
fn erf_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let a = abs(x);
  if (a < 0.5) {
    let z = x * x;
    return x * (1.1283791670955126 + z * (-0.37612638903183754 + z * (0.11283791670955126 + z * (-0.026866170645131252
      + z * (0.005223977625442188 + z * (-0.0008548327023450852 + z * 0.00012055332981789664))))));
  }
  var y = 1.0;
  if (a < 4.0) {
    let t = 1.0 / (1.0 + 0.3275911 * a);
    let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    y = 1.0 - poly * exp_(-a * a);
  }
  return select(y, -y, x < 0.0);
}

// Half to even: floor, then step up past .5, and on an exact .5 only to an even number.
fn round_(x: f32) -> f32 {
  let f = floor(x);
  let d = x - f;
  if (d > 0.5) { return f + 1.0; }
  if (d < 0.5) { return f; }
  return select(f + 1.0, f, f * 0.5 == floor(f * 0.5));
}

fn sign_(x: f32) -> f32 {
  if (isnan_(x) || x == 0.0) { return x; }
  return select(-1.0, 1.0, x > 0.0);
}

fn max_(a: f32, b: f32) -> f32 {
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  return max(a, b);
}

fn min_(a: f32, b: f32) -> f32 {
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  return min(a, b);
}

fn pow_(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (isnan_(x) || isnan_(y)) { return nan_(); }
  if (y == 1.0) { return x; }
  if (y == 2.0) { return x * x; }
  let ax = abs(x);
  if (ax == 0.0) {
    let oddInt = floor(y) == y && floor(y * 0.5) != y * 0.5;
    if (y > 0.0) { return select(0.0, x, oddInt); }
    return select(inf_(), select(inf_(), -inf_(), bitcast<u32>(x) != 0u), oddInt);
  }
  var r = 0.0;
  if (isinf_(ax)) { r = select(0.0, inf_(), y > 0.0); }
  else { r = exp_(y * log_(ax)); }
  if (x < 0.0) {
    if (floor(y) != y) { return nan_(); }
    if (floor(y * 0.5) != y * 0.5) { return -r; }
  }
  return r;
}

// Floor modulo (the sign of the divisor), as NumPy's mod.
fn fmod_(a: f32, b: f32) -> f32 {
  if (isnan_(a) || isnan_(b) || isinf_(a) || b == 0.0) { return nan_(); }
  if (isinf_(b)) {
    if (a == 0.0 || (a < 0.0) == (b < 0.0)) { return a; }
    return b;
  }
  let q = trunc(a / b);
  var r = a - q * b;
  // a/b can round to the next integer: step the quotient back into range.
  if (abs(r) >= abs(b)) { r = a - (q - sign(q)) * b; }
  if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { r = r + b; }
  if (r == 0.0) { return select(0.0, -0.0, b < 0.0); }
  return r;
}

fn imod_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  if (b == -1) { return 0; }
  let r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { return r + b; }
  return r;
}
`;

interface MathFn {
  name: string;
  text: string;
}

/** The library split into its declarations, each named by what it defines. */
const PIECES: MathFn[] = (() => {
  const out: MathFn[] = [];
  let comment = '';
  const lines = MATH_LIBRARY.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    if (line.startsWith('//')) {
      comment += `${line}\n`;
      continue;
    }
    const v = /^var<private> (\w+)/.exec(line);
    if (v) {
      out.push({ name: v[1]!, text: `${line}\n` });
      continue;
    }
    const f = /^fn (\w+)/.exec(line);
    if (!f) continue;
    let text = comment + line + '\n';
    comment = '';
    if (!line.trimEnd().endsWith('}')) {
      while (k + 1 < lines.length) {
        const next = lines[++k]!;
        text += `${next}\n`;
        if (next === '}') break;
      }
    }
    out.push({ name: f[1]!, text });
  }
  return out;
})();

/**
 * The math functions `code` uses, with the ones they use in turn, in library order (each piece
 * only calls earlier ones). Shaders carry no unused math: on SwiftShader every line is compiled
 * by LLVM, and pipeline creation dominates the cost of a first call.
 */
export function mathFor(code: string): string {
  const used = new Set<string>();
  const visit = (text: string): void => {
    for (const p of PIECES) {
      if (used.has(p.name)) continue;
      if (new RegExp(`\\b${p.name}\\b`).test(text)) {
        used.add(p.name);
        visit(p.text);
      }
    }
  };
  visit(code);
  return PIECES.filter((p) => used.has(p.name)).map((p) => p.text).join('');
}

/** `code` with the math it needs prepended. */
export function withMath(code: string): string {
  return `${mathFor(code)}\n${code}`;
}
