// Reductions over axes, ArgMax/ArgMin and UnsortedSegmentSum. Partial results live in a float64
// scratch buffer: float32 sums accumulate in double precision and int32 results wrap only where
// int32 arithmetic would.
import { DT_BOOL, DT_F32, DT_I32, R_ALL, R_ANY, R_MAX, R_MIN, R_PROD, R_SUM } from '../src/opcodes';

// @ts-ignore: decorator
@inline function readAs(dtype: i32, p: usize, i: i32): f64 {
  if (dtype == DT_F32) return <f64>load<f32>(p + (<usize>i << 2));
  if (dtype == DT_I32) return <f64>load<i32>(p + (<usize>i << 2));
  return <f64>load<u8>(p + <usize>i);
}

function identity(op: i32, dtype: i32): f64 {
  switch (op) {
    case R_SUM: return 0;
    case R_PROD: return 1;
    // int32 has no infinities: an empty max/min gives the dtype's extreme value instead.
    case R_MAX: return dtype == DT_I32 ? -2147483648.0 : -Infinity;
    case R_MIN: return dtype == DT_I32 ? 2147483647.0 : Infinity;
    case R_ALL: return 1;
  }
  return 0;
}

// @ts-ignore: decorator
@inline function fold(op: i32, isInt: bool, acc: f64, v: f64): f64 {
  switch (op) {
    case R_SUM: return isInt ? <f64>(<i32>acc + <i32>v) : acc + v;
    case R_PROD: return isInt ? <f64>(<i32>acc * <i32>v) : acc * v;
    // f64.max/min propagate NaN, as NumPy's max/min do.
    case R_MAX: return max<f64>(acc, v);
    case R_MIN: return min<f64>(acc, v);
    case R_ALL: return <f64>(<i32>acc & <i32>v);
  }
  return <f64>(<i32>acc | <i32>v);
}

/**
 * The float64 sum of n float32s at x, four at a time: each half of a vector widened to f64x2 and
 * added into its own accumulator (the order differs from one by one; every partial is float64).
 */
// @ts-ignore: decorator
@inline function sumRowF32(x: usize, n: i32): f64 {
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
  }
  const both = f64x2.add(lo, hi);
  let s = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
  for (; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  return s;
}

// @ts-ignore: decorator
@inline function reduceLoop(op: i32, dtype: i32, x: usize, xSize: i32, acc: usize, layout: usize, nd: i32): void {
  const isInt = dtype != DT_F32;
  const dims = layout;
  const outStrides = layout + (<usize>nd << 2);
  const idx = outStrides + (<usize>nd << 2);
  const last = nd - 1;
  const n = load<i32>(dims + (<usize>last << 2));
  const innerReduced = load<i32>(outStrides + (<usize>last << 2)) == 0;
  let oi = 0;
  for (let xi = 0; xi < xSize; xi += n) {
    if (innerReduced) {
      const p = acc + (<usize>oi << 3);
      if (op == R_SUM && dtype == DT_F32) {
        store<f64>(p, load<f64>(p) + sumRowF32(x + (<usize>xi << 2), n));
      } else {
        let s = load<f64>(p);
        for (let i = 0; i < n; i++) s = fold(op, isInt, s, readAs(dtype, x, xi + i));
        store<f64>(p, s);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const p = acc + (<usize>(oi + i) << 3);
        store<f64>(p, fold(op, isInt, load<f64>(p), readAs(dtype, x, xi + i)));
      }
    }
    for (let d = last - 1; d >= 0; d--) {
      const dd = <usize>d << 2;
      oi += load<i32>(outStrides + dd);
      const k = load<i32>(idx + dd) + 1;
      if (k < load<i32>(dims + dd)) {
        store<i32>(idx + dd, k);
        break;
      }
      store<i32>(idx + dd, 0);
      oi -= load<i32>(outStrides + dd) * load<i32>(dims + dd);
    }
  }
}

/**
 * Reduces x (xSize values) into out (outSize values of outDtype). `layout` describes x as nd
 * merged loop dimensions: their sizes, the output stride along each (0 where reduced), and nd
 * zeroed counters. `acc` is float64 scratch for outSize values.
 */
export function reduce(op: i32, dtype: i32, outDtype: i32, out: usize, x: usize, xSize: i32, outSize: i32, acc: usize, layout: usize, nd: i32): void {
  const init = identity(op, dtype);
  for (let i = 0; i < outSize; i++) store<f64>(acc + (<usize>i << 3), init);
  if (xSize > 0) {
    // One instantiation per (op, dtype) pair, so the fold is resolved at compile time.
    switch (op) {
      case R_SUM:
        if (dtype == DT_F32) reduceLoop(R_SUM, DT_F32, x, xSize, acc, layout, nd);
        else reduceLoop(R_SUM, DT_I32, x, xSize, acc, layout, nd);
        break;
      case R_PROD:
        if (dtype == DT_F32) reduceLoop(R_PROD, DT_F32, x, xSize, acc, layout, nd);
        else reduceLoop(R_PROD, DT_I32, x, xSize, acc, layout, nd);
        break;
      case R_MAX:
        if (dtype == DT_F32) reduceLoop(R_MAX, DT_F32, x, xSize, acc, layout, nd);
        else reduceLoop(R_MAX, DT_I32, x, xSize, acc, layout, nd);
        break;
      case R_MIN:
        if (dtype == DT_F32) reduceLoop(R_MIN, DT_F32, x, xSize, acc, layout, nd);
        else reduceLoop(R_MIN, DT_I32, x, xSize, acc, layout, nd);
        break;
      case R_ALL: reduceLoop(R_ALL, DT_BOOL, x, xSize, acc, layout, nd); break;
      default: reduceLoop(R_ANY, DT_BOOL, x, xSize, acc, layout, nd);
    }
  }
  for (let i = 0; i < outSize; i++) {
    const v = load<f64>(acc + (<usize>i << 3));
    if (outDtype == DT_F32) store<f32>(out + (<usize>i << 2), <f32>v);
    else if (outDtype == DT_I32) store<i32>(out + (<usize>i << 2), <i32>v);
    else store<u8>(out + <usize>i, <u8>(v != 0));
  }
}

/**
 * Index of the max (sign 1) or min (sign −1) along the middle dimension of x viewed as
 * [outer, n, inner]; the first index wins ties and a NaN beats numbers (the first NaN), as in
 * NumPy. `best` is float64 scratch for `inner` values.
 */
export function argReduce(sign: f64, dtype: i32, out: usize, x: usize, outer: i32, n: i32, inner: i32, best: usize): void {
  if (n == 0) {
    memory.fill(out, 0, <usize>(outer * inner) << 2);
    return;
  }
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    const ob = o * inner;
    for (let i = 0; i < inner; i++) {
      store<f64>(best + (<usize>i << 3), sign * readAs(dtype, x, base + i));
      store<i32>(out + (<usize>(ob + i) << 2), 0);
    }
    for (let k = 1; k < n; k++) {
      const rowStart = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const v = sign * readAs(dtype, x, rowStart + i);
        const bp = best + (<usize>i << 3);
        const b = load<f64>(bp);
        if (v > b || (v != v && b == b)) {
          store<f64>(bp, v);
          store<i32>(out + (<usize>(ob + i) << 2), k);
        }
      }
    }
  }
}

/**
 * out[id] += x[row] for each of the `rows` rows of `inner` values whose id is in range; ids out of
 * range are dropped. Float sums accumulate in `acc` (float64 scratch, numSegments·inner values).
 */
export function segmentSum(dtype: i32, out: usize, x: usize, ids: usize, rows: i32, inner: i32, numSegments: i32, acc: usize): void {
  const total = numSegments * inner;
  if (dtype == DT_I32) {
    memory.fill(out, 0, <usize>total << 2);
    for (let j = 0; j < rows; j++) {
      const id = load<i32>(ids + (<usize>j << 2));
      if (id < 0 || id >= numSegments) continue;
      const o = out + (<usize>(id * inner) << 2);
      const s = x + (<usize>(j * inner) << 2);
      for (let i = 0; i < inner; i++) store<i32>(o + (<usize>i << 2), load<i32>(o + (<usize>i << 2)) + load<i32>(s + (<usize>i << 2)));
    }
    return;
  }
  memory.fill(acc, 0, <usize>total << 3);
  for (let j = 0; j < rows; j++) {
    const id = load<i32>(ids + (<usize>j << 2));
    if (id < 0 || id >= numSegments) continue;
    const o = acc + (<usize>(id * inner) << 3);
    const s = x + (<usize>(j * inner) << 2);
    for (let i = 0; i < inner; i++) store<f64>(o + (<usize>i << 3), load<f64>(o + (<usize>i << 3)) + <f64>load<f32>(s + (<usize>i << 2)));
  }
  for (let i = 0; i < total; i++) store<f32>(out + (<usize>i << 2), <f32>load<f64>(acc + (<usize>i << 3)));
}
