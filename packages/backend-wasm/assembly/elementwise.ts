// Elementwise kernels: unary, binary with broadcasting, select, cast.
import {
  B_ADD, B_AND, B_DIV, B_EQ, B_GE, B_GT, B_LE, B_LT, B_MAX, B_MIN, B_MOD, B_MUL, B_NE, B_OR, B_POW, B_SUB,
  DT_BOOL, DT_F32, DT_I32,
  U_ABS, U_CEIL, U_COS, U_ERF, U_EXP, U_EXPM1, U_FLOOR, U_LOG, U_LOG1P, U_NEG, U_NOT, U_RECIPROCAL, U_RELU, U_ROUND,
  U_RSQRT, U_SIGMOID, U_SIGN, U_SIN, U_SOFTPLUS, U_SQRT, U_SQUARE, U_TANH,
} from '../src/opcodes';
import { erf, floorMod, floorModInt, jsPow, sigmoid, softplus, toInt32 } from './math';

// ------------------------------------------------------------------------------------ unary

// @ts-ignore: decorator
@inline function unaryF(op: i32, v: f32): f32 {
  const x = <f64>v;
  switch (op) {
    case U_EXP: return <f32>Math.exp(x);
    case U_LOG: return <f32>Math.log(x);
    case U_LOG1P: return <f32>Math.log1p(x);
    case U_EXPM1: return <f32>Math.expm1(x);
    case U_SQRT: return sqrt<f32>(v);
    case U_RSQRT: return <f32>(1 / Math.sqrt(x));
    case U_RECIPROCAL: return <f32>(1 / x);
    case U_SIN: return <f32>Math.sin(x);
    case U_COS: return <f32>Math.cos(x);
    case U_TANH: return <f32>Math.tanh(x);
    case U_SIGMOID: return <f32>sigmoid(x);
    case U_SOFTPLUS: return <f32>softplus(x);
    case U_ERF: return <f32>erf(x);
    case U_NEG: return -v;
    case U_ABS: return abs<f32>(v);
    case U_SQUARE: return v * v;
    // NaN and ±0 come back unchanged.
    case U_SIGN: return v > 0 ? 1 : v < 0 ? -1 : v;
    // `v < 0 ? 0 : v` keeps NaN, as NumPy's maximum(x, 0) does.
    case U_RELU: return v < 0 ? 0 : v;
    case U_FLOOR: return floor<f32>(v);
    case U_CEIL: return ceil<f32>(v);
    // f32.nearest is round-half-to-even.
    case U_ROUND: return nearest<f32>(v);
  }
  return v;
}

// @ts-ignore: decorator
@inline function unaryI(op: i32, v: i32): i32 {
  switch (op) {
    case U_NEG: return -v;
    case U_ABS: return v < 0 ? -v : v;
    case U_SQUARE: return v * v;
    case U_SIGN: return v > 0 ? 1 : v < 0 ? -1 : 0;
    case U_RELU: return v < 0 ? 0 : v;
  }
  // Floor, Ceil and Round of an integer are the integer.
  return v;
}

// @ts-ignore: decorator
@inline function unaryLoopF(op: i32, out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), unaryF(op, load<f32>(x + (<usize>i << 2))));
}

// @ts-ignore: decorator
@inline function unaryLoopI(op: i32, out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), unaryI(op, load<i32>(x + (<usize>i << 2))));
}

/** Float unary ops whose SIMD form is exact: one instruction per four values. */
function unarySimdF(op: i32, out: usize, x: usize, n: i32): i32 {
  let i = 0;
  const zero = f32x4.splat(0);
  switch (op) {
    case U_NEG: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), f32x4.neg(v128.load(x + (<usize>i << 2)))); break;
    case U_ABS: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), f32x4.abs(v128.load(x + (<usize>i << 2)))); break;
    case U_SQUARE: for (; i + 4 <= n; i += 4) { const v = v128.load(x + (<usize>i << 2)); v128.store(out + (<usize>i << 2), f32x4.mul(v, v)); } break;
    case U_SQRT: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), f32x4.sqrt(v128.load(x + (<usize>i << 2)))); break;
    case U_FLOOR: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), f32x4.floor(v128.load(x + (<usize>i << 2)))); break;
    case U_CEIL: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), f32x4.ceil(v128.load(x + (<usize>i << 2)))); break;
    case U_ROUND: for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), f32x4.nearest(v128.load(x + (<usize>i << 2)))); break;
    case U_RELU:
      for (; i + 4 <= n; i += 4) {
        const v = v128.load(x + (<usize>i << 2));
        // Lanes below zero become 0; NaN lanes compare false and stay NaN.
        v128.store(out + (<usize>i << 2), v128.bitselect(zero, v, f32x4.lt(v, zero)));
      }
      break;
  }
  return i;
}

export function unary(op: i32, dtype: i32, out: usize, x: usize, n: i32): void {
  if (op == U_NOT) {
    for (let i = 0; i < n; i++) store<u8>(out + <usize>i, load<u8>(x + <usize>i) ^ 1);
    return;
  }
  if (dtype == DT_I32) {
    switch (op) {
      case U_NEG: unaryLoopI(U_NEG, out, x, n); break;
      case U_ABS: unaryLoopI(U_ABS, out, x, n); break;
      case U_SQUARE: unaryLoopI(U_SQUARE, out, x, n); break;
      case U_SIGN: unaryLoopI(U_SIGN, out, x, n); break;
      case U_RELU: unaryLoopI(U_RELU, out, x, n); break;
      default: memory.copy(out, x, <usize>n << 2);
    }
    return;
  }
  const done = unarySimdF(op, out, x, n);
  const o = out + (<usize>done << 2);
  const s = x + (<usize>done << 2);
  const m = n - done;
  switch (op) {
    case U_EXP: unaryLoopF(U_EXP, o, s, m); break;
    case U_LOG: unaryLoopF(U_LOG, o, s, m); break;
    case U_LOG1P: unaryLoopF(U_LOG1P, o, s, m); break;
    case U_EXPM1: unaryLoopF(U_EXPM1, o, s, m); break;
    case U_SQRT: unaryLoopF(U_SQRT, o, s, m); break;
    case U_RSQRT: unaryLoopF(U_RSQRT, o, s, m); break;
    case U_RECIPROCAL: unaryLoopF(U_RECIPROCAL, o, s, m); break;
    case U_SIN: unaryLoopF(U_SIN, o, s, m); break;
    case U_COS: unaryLoopF(U_COS, o, s, m); break;
    case U_TANH: unaryLoopF(U_TANH, o, s, m); break;
    case U_SIGMOID: unaryLoopF(U_SIGMOID, o, s, m); break;
    case U_SOFTPLUS: unaryLoopF(U_SOFTPLUS, o, s, m); break;
    case U_ERF: unaryLoopF(U_ERF, o, s, m); break;
    case U_NEG: unaryLoopF(U_NEG, o, s, m); break;
    case U_ABS: unaryLoopF(U_ABS, o, s, m); break;
    case U_SQUARE: unaryLoopF(U_SQUARE, o, s, m); break;
    case U_SIGN: unaryLoopF(U_SIGN, o, s, m); break;
    case U_RELU: unaryLoopF(U_RELU, o, s, m); break;
    case U_FLOOR: unaryLoopF(U_FLOOR, o, s, m); break;
    case U_CEIL: unaryLoopF(U_CEIL, o, s, m); break;
    case U_ROUND: unaryLoopF(U_ROUND, o, s, m); break;
  }
}

// ------------------------------------------------------------------------------------ binary

// @ts-ignore: decorator
@inline function binF(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_POW: return <f32>jsPow(<f64>a, <f64>b);
    case B_MAX: return max<f32>(a, b);
    case B_MIN: return min<f32>(a, b);
    case B_MOD: return <f32>floorMod(<f64>a, <f64>b);
  }
  return 0;
}

// @ts-ignore: decorator
@inline function binI(op: i32, a: i32, b: i32): i32 {
  switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_MAX: return a > b ? a : b;
    case B_MIN: return a < b ? a : b;
    case B_MOD: return floorModInt(a, b);
  }
  return 0;
}

// @ts-ignore: decorator
@inline function cmp<T>(op: i32, a: T, b: T): u8 {
  switch (op) {
    case B_EQ: return <u8>(a == b);
    case B_NE: return <u8>(a != b);
    case B_LT: return <u8>(a < b);
    case B_LE: return <u8>(a <= b);
    case B_GT: return <u8>(a > b);
    case B_GE: return <u8>(a >= b);
  }
  return 0;
}

/** One row of a float op; steps sa/sb are 0 (broadcast) or 1. */
// @ts-ignore: decorator
@inline function rowF(op: i32, o: usize, a: usize, sa: i32, b: usize, sb: i32, n: i32): void {
  let i = 0;
  if (op == B_ADD || op == B_SUB || op == B_MUL || op == B_DIV || op == B_MAX || op == B_MIN) {
    // SIMD where both sides walk or one is a scalar splat across the row.
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        v128.store(o + off, simdF(op, v128.load(a + off), v128.load(b + off)));
      }
    } else if (sa == 1) {
      const vb = v128.load32_splat(b);
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        v128.store(o + off, simdF(op, v128.load(a + off), vb));
      }
    } else if (sb == 1) {
      const va = v128.load32_splat(a);
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        v128.store(o + off, simdF(op, va, v128.load(b + off)));
      }
    }
  }
  for (; i < n; i++) {
    store<f32>(o + (<usize>i << 2), binF(op, load<f32>(a + (<usize>(i * sa) << 2)), load<f32>(b + (<usize>(i * sb) << 2))));
  }
}

// @ts-ignore: decorator
@inline function simdF(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD: return f32x4.add(a, b);
    case B_SUB: return f32x4.sub(a, b);
    case B_MUL: return f32x4.mul(a, b);
    case B_DIV: return f32x4.div(a, b);
    case B_MAX: return f32x4.max(a, b);
  }
  return f32x4.min(a, b);
}

// @ts-ignore: decorator
@inline function simdI(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD: return i32x4.add(a, b);
    case B_SUB: return i32x4.sub(a, b);
    case B_MUL: return i32x4.mul(a, b);
    case B_MAX: return i32x4.max_s(a, b);
  }
  return i32x4.min_s(a, b);
}

// @ts-ignore: decorator
@inline function rowI(op: i32, o: usize, a: usize, sa: i32, b: usize, sb: i32, n: i32): void {
  let i = 0;
  if (op != B_MOD && sa == 1 && sb == 1) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(o + off, simdI(op, v128.load(a + off), v128.load(b + off)));
    }
  }
  for (; i < n; i++) {
    store<i32>(o + (<usize>i << 2), binI(op, load<i32>(a + (<usize>(i * sa) << 2)), load<i32>(b + (<usize>(i * sb) << 2))));
  }
}

// @ts-ignore: decorator
@inline function rowCmp<T>(op: i32, o: usize, a: usize, sa: i32, b: usize, sb: i32, n: i32): void {
  const sh = <usize>alignof<T>();
  for (let i = 0; i < n; i++) {
    store<u8>(o + <usize>i, cmp<T>(op, load<T>(a + (<usize>(i * sa) << sh)), load<T>(b + (<usize>(i * sb) << sh))));
  }
}

// @ts-ignore: decorator
@inline function rowLogic(op: i32, o: usize, a: usize, sa: i32, b: usize, sb: i32, n: i32): void {
  if (op == B_AND) for (let i = 0; i < n; i++) store<u8>(o + <usize>i, load<u8>(a + <usize>(i * sa)) & load<u8>(b + <usize>(i * sb)));
  else for (let i = 0; i < n; i++) store<u8>(o + <usize>i, load<u8>(a + <usize>(i * sa)) | load<u8>(b + <usize>(i * sb)));
}

/** Dispatches one row to the loop specialised for the op (op is a constant after inlining). */
function row(op: i32, dtype: i32, o: usize, a: usize, sa: i32, b: usize, sb: i32, n: i32): void {
  if (op >= B_AND) {
    rowLogic(op, o, a, sa, b, sb, n);
  } else if (op >= B_EQ) {
    if (dtype == DT_F32) {
      switch (op) {
        case B_EQ: rowCmp<f32>(B_EQ, o, a, sa, b, sb, n); break;
        case B_NE: rowCmp<f32>(B_NE, o, a, sa, b, sb, n); break;
        case B_LT: rowCmp<f32>(B_LT, o, a, sa, b, sb, n); break;
        case B_LE: rowCmp<f32>(B_LE, o, a, sa, b, sb, n); break;
        case B_GT: rowCmp<f32>(B_GT, o, a, sa, b, sb, n); break;
        default: rowCmp<f32>(B_GE, o, a, sa, b, sb, n);
      }
    } else if (dtype == DT_I32) {
      switch (op) {
        case B_EQ: rowCmp<i32>(B_EQ, o, a, sa, b, sb, n); break;
        case B_NE: rowCmp<i32>(B_NE, o, a, sa, b, sb, n); break;
        case B_LT: rowCmp<i32>(B_LT, o, a, sa, b, sb, n); break;
        case B_LE: rowCmp<i32>(B_LE, o, a, sa, b, sb, n); break;
        case B_GT: rowCmp<i32>(B_GT, o, a, sa, b, sb, n); break;
        default: rowCmp<i32>(B_GE, o, a, sa, b, sb, n);
      }
    } else {
      switch (op) {
        case B_EQ: rowCmp<u8>(B_EQ, o, a, sa, b, sb, n); break;
        case B_NE: rowCmp<u8>(B_NE, o, a, sa, b, sb, n); break;
        case B_LT: rowCmp<u8>(B_LT, o, a, sa, b, sb, n); break;
        case B_LE: rowCmp<u8>(B_LE, o, a, sa, b, sb, n); break;
        case B_GT: rowCmp<u8>(B_GT, o, a, sa, b, sb, n); break;
        default: rowCmp<u8>(B_GE, o, a, sa, b, sb, n);
      }
    }
  } else if (dtype == DT_F32) {
    switch (op) {
      case B_ADD: rowF(B_ADD, o, a, sa, b, sb, n); break;
      case B_SUB: rowF(B_SUB, o, a, sa, b, sb, n); break;
      case B_MUL: rowF(B_MUL, o, a, sa, b, sb, n); break;
      case B_DIV: rowF(B_DIV, o, a, sa, b, sb, n); break;
      case B_POW: rowF(B_POW, o, a, sa, b, sb, n); break;
      case B_MAX: rowF(B_MAX, o, a, sa, b, sb, n); break;
      case B_MIN: rowF(B_MIN, o, a, sa, b, sb, n); break;
      default: rowF(B_MOD, o, a, sa, b, sb, n);
    }
  } else {
    // int32; Div and Pow never get here (core casts them to float32).
    switch (op) {
      case B_ADD: rowI(B_ADD, o, a, sa, b, sb, n); break;
      case B_SUB: rowI(B_SUB, o, a, sa, b, sb, n); break;
      case B_MUL: rowI(B_MUL, o, a, sa, b, sb, n); break;
      case B_MAX: rowI(B_MAX, o, a, sa, b, sb, n); break;
      case B_MIN: rowI(B_MIN, o, a, sa, b, sb, n); break;
      default: rowI(B_MOD, o, a, sa, b, sb, n);
    }
  }
}

function dtypeShift(dtype: i32): usize {
  return dtype == DT_BOOL ? 0 : 2;
}

/**
 * out = a ⊕ b with NumPy broadcasting. `layout` holds nd loop dimensions (outermost first), the
 * element strides of a and of b along each (0 where broadcast), then nd zeroed counters; the
 * innermost dimension is one row whose steps are 0 or 1. The outer dimensions advance like an
 * odometer. Nothing is kept in static memory: instances on other threads share this memory.
 */
export function binary(op: i32, dtype: i32, out: usize, a: usize, b: usize, layout: usize, nd: i32, size: i32): void {
  if (size == 0) return;
  const inSh = dtypeShift(dtype);
  const outSh: usize = op >= B_EQ ? 0 : inSh;
  const r = nd - 1;
  const dims = layout;
  const stA = layout + (<usize>nd << 2);
  const stB = stA + (<usize>nd << 2);
  const n = load<i32>(dims + (<usize>r << 2));
  const sa = load<i32>(stA + (<usize>r << 2));
  const sb = load<i32>(stB + (<usize>r << 2));
  if (r == 0) {
    row(op, dtype, out, a, sa, b, sb, n);
    return;
  }
  // The odometer's counters: nd zeroed words after the strides.
  const idx = stB + (<usize>nd << 2);
  let ia = 0;
  let ib = 0;
  for (let oi = 0; oi < size; oi += n) {
    row(op, dtype, out + (<usize>oi << outSh), a + (<usize>ia << inSh), sa, b + (<usize>ib << inSh), sb, n);
    for (let d = r - 1; d >= 0; d--) {
      const dd = <usize>d << 2;
      ia += load<i32>(stA + dd);
      ib += load<i32>(stB + dd);
      const k = load<i32>(idx + dd) + 1;
      if (k < load<i32>(dims + dd)) {
        store<i32>(idx + dd, k);
        break;
      }
      store<i32>(idx + dd, 0);
      ia -= load<i32>(stA + dd) * load<i32>(dims + dd);
      ib -= load<i32>(stB + dd) * load<i32>(dims + dd);
    }
  }
}

/**
 * out = cond ? a : b, all three broadcast; `layout` holds dims, the strides of cond, a and b, then counters.
 * Values are moved as raw 1- or 4-byte words, so one loop serves every dtype.
 */
export function select(dtype: i32, out: usize, c: usize, a: usize, b: usize, layout: usize, nd: i32, size: i32): void {
  if (size == 0) return;
  const sh = dtypeShift(dtype);
  const r = nd - 1;
  const dims = layout;
  const stC = layout + (<usize>nd << 2);
  const stA = stC + (<usize>nd << 2);
  const stB = stA + (<usize>nd << 2);
  const n = load<i32>(dims + (<usize>r << 2));
  const sc = load<i32>(stC + (<usize>r << 2));
  const sa = load<i32>(stA + (<usize>r << 2));
  const sb = load<i32>(stB + (<usize>r << 2));
  const idx = stB + (<usize>nd << 2);
  let ic = 0;
  let ia = 0;
  let ib = 0;
  for (let oi = 0; oi < size; oi += n) {
    const o = out + (<usize>oi << sh);
    if (sh == 0) {
      for (let i = 0; i < n; i++) {
        const v = load<u8>(c + <usize>(ic + i * sc)) ? load<u8>(a + <usize>(ia + i * sa)) : load<u8>(b + <usize>(ib + i * sb));
        store<u8>(o + <usize>i, v);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = load<u8>(c + <usize>(ic + i * sc)) ? load<u32>(a + (<usize>(ia + i * sa) << 2)) : load<u32>(b + (<usize>(ib + i * sb) << 2));
        store<u32>(o + (<usize>i << 2), v);
      }
    }
    for (let d = r - 1; d >= 0; d--) {
      const dd = <usize>d << 2;
      ic += load<i32>(stC + dd);
      ia += load<i32>(stA + dd);
      ib += load<i32>(stB + dd);
      const k = load<i32>(idx + dd) + 1;
      if (k < load<i32>(dims + dd)) {
        store<i32>(idx + dd, k);
        break;
      }
      store<i32>(idx + dd, 0);
      ic -= load<i32>(stC + dd) * load<i32>(dims + dd);
      ia -= load<i32>(stA + dd) * load<i32>(dims + dd);
      ib -= load<i32>(stB + dd) * load<i32>(dims + dd);
    }
  }
}

// ------------------------------------------------------------------------------------ cast

/** float→int truncates toward zero (wrapping like ToInt32), anything→bool is x ≠ 0. */
export function cast(from: i32, to: i32, out: usize, x: usize, n: i32): void {
  if (from == to) {
    memory.copy(out, x, <usize>n << dtypeShift(from));
    return;
  }
  for (let i = 0; i < n; i++) {
    const oi = <usize>i;
    if (from == DT_F32) {
      const v = load<f32>(x + (oi << 2));
      if (to == DT_I32) store<i32>(out + (oi << 2), toInt32(<f64>v));
      else store<u8>(out + oi, <u8>(v != 0));
    } else if (from == DT_I32) {
      const v = load<i32>(x + (oi << 2));
      if (to == DT_F32) store<f32>(out + (oi << 2), <f32>v);
      else store<u8>(out + oi, <u8>(v != 0));
    } else {
      const v = load<u8>(x + oi);
      if (to == DT_F32) store<f32>(out + (oi << 2), <f32>v);
      else store<i32>(out + (oi << 2), <i32>v);
    }
  }
}
