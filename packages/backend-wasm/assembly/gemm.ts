// C = A·B (+ C) for row-major float32 matrices: the engine behind BatchMatMul, FusedMatMul and the
// convolutions.
//
// The classic packed GEMM (Goto & van de Geijn). B is copied panel by panel (KC×NC) into strips of
// NR = 8 columns and A block by block (MC×KC) into strips of MR = 4 rows, each laid out in the
// order the micro-kernel reads it. The micro-kernel holds a 4×8 tile of C in eight f32x4
// accumulators: per step of depth it loads 8 values of B as two vectors, splats 4 values of A, and
// does 8 vector multiply-adds (64 flops). Transposed operands only change how the packing reads,
// so a transpose never costs more than the packing's own pass.
import { ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_TANH } from '../src/opcodes';
import { madd } from './madd';
import { sigmoid } from './math';

const MR = 4;
const NR = 8;
/** Depth of a panel: one A strip and one B strip (KC·(MR+NR)·4 = 12 KiB) stay in L1. */
const KC = 256;
/** Rows of A per packed block (MC·KC·4 = 128 KiB, resident in L2). */
const MC = 128;
/** Columns of B per packed panel (KC·NC·4 = 1 MiB). */
const NC = 1024;
/** Below this many multiply-adds, packing costs more than it saves. */
const SMALL = 24 * 24 * 24;

/** Bytes of scratch one gemm call needs: the packed A block, the packed B panel and a spare tile. */
export function gemmScratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4;
}

/**
 * Packs rows [0, len) of a block of depth kc into strips of MR: dst[(s·kc + p)·MR + l] = row
 * s·MR + l at depth p, which is at src + (row·rs + p·ps)·4. Rows past len are zeros.
 */
function packA(dst: usize, src: usize, rs: i32, ps: i32, len: i32, kc: i32): void {
  for (let l0 = 0; l0 < len; l0 += MR) {
    let d = dst + (<usize>(l0 * kc) << 2);
    const rem = len - l0;
    if (rem >= MR && rs == 1) {
      // Transposed A: the four rows at one depth are adjacent in memory.
      let s = src + (<usize>l0 << 2);
      const step = <usize>ps << 2;
      for (let p = 0; p < kc; p++, d += 16, s += step) v128.store(d, v128.load(s));
    } else if (rem >= MR) {
      const s0 = src + (<usize>(l0 * rs) << 2);
      const s1 = s0 + (<usize>rs << 2);
      const s2 = s1 + (<usize>rs << 2);
      const s3 = s2 + (<usize>rs << 2);
      const step = <usize>ps << 2;
      let o: usize = 0;
      for (let p = 0; p < kc; p++, d += 16, o += step) {
        store<f32>(d, load<f32>(s0 + o));
        store<f32>(d, load<f32>(s1 + o), 4);
        store<f32>(d, load<f32>(s2 + o), 8);
        store<f32>(d, load<f32>(s3 + o), 12);
      }
    } else {
      for (let p = 0; p < kc; p++, d += 16) {
        for (let l = 0; l < MR; l++) {
          store<f32>(d + (<usize>l << 2), l < rem ? load<f32>(src + (<usize>((l0 + l) * rs + p * ps) << 2)) : 0);
        }
      }
    }
  }
}

/**
 * Packs columns [0, len) of a panel of depth kc into strips of NR: dst[(s·kc + p)·NR + l] =
 * column s·NR + l at depth p, which is at src + (p·ps + col·cs)·4. Columns past len are zeros.
 */
function packB(dst: usize, src: usize, ps: i32, cs: i32, len: i32, kc: i32): void {
  for (let l0 = 0; l0 < len; l0 += NR) {
    let d = dst + (<usize>(l0 * kc) << 2);
    const rem = len - l0;
    if (rem >= NR && cs == 1) {
      let s = src + (<usize>l0 << 2);
      const step = <usize>ps << 2;
      for (let p = 0; p < kc; p++, d += 32, s += step) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else if (rem >= NR) {
      // Transposed B: each column is contiguous along the depth; read it down, write it across.
      for (let l = 0; l < NR; l++) {
        let s = src + (<usize>((l0 + l) * cs) << 2);
        const step = <usize>ps << 2;
        let o = d + (<usize>l << 2);
        for (let p = 0; p < kc; p++, o += 32, s += step) store<f32>(o, load<f32>(s));
      }
    } else {
      for (let p = 0; p < kc; p++, d += 32) {
        for (let l = 0; l < NR; l++) {
          store<f32>(d + (<usize>l << 2), l < rem ? load<f32>(src + (<usize>(p * ps + (l0 + l) * cs) << 2)) : 0);
        }
      }
    }
  }
}

/**
 * The 4×8 register tile over depth kc, written to C at c (row stride ldc values) — added to what
 * is there when `add` — or, for a partial tile, to `tile` for the caller to clip.
 */
// @ts-ignore: decorator
@inline function microKernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  const rs = <usize>ldc << 2;
  let r = c;
  if (add) {
    c00 = f32x4.add(c00, v128.load(r)); c01 = f32x4.add(c01, v128.load(r, 16)); r += rs;
    c10 = f32x4.add(c10, v128.load(r)); c11 = f32x4.add(c11, v128.load(r, 16)); r += rs;
    c20 = f32x4.add(c20, v128.load(r)); c21 = f32x4.add(c21, v128.load(r, 16)); r += rs;
    c30 = f32x4.add(c30, v128.load(r)); c31 = f32x4.add(c31, v128.load(r, 16));
    r = c;
  }
  v128.store(r, c00); v128.store(r, c01, 16); r += rs;
  v128.store(r, c10); v128.store(r, c11, 16); r += rs;
  v128.store(r, c20); v128.store(r, c21, 16); r += rs;
  v128.store(r, c30); v128.store(r, c31, 16);
}

/**
 * C[m×n] (= or +=) A[m×k]·B[k×n]. Element (i, p) of A is at a + (i·ars + p·acs)·4, element
 * (p, j) of B at b + (p·brs + j·bcs)·4, element (i, j) of C at c + (i·ldc + j)·4. `scratch`
 * holds gemmScratchBytes() bytes, private to the caller (one per thread).
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32,
  accumulate: bool, scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k == 0 || <i64>m * <i64>n * <i64>k <= SMALL || m < MR || n < 4) {
    gemmSmall(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate);
    return;
  }
  const pa = scratch;
  const pb = pa + (<usize>(MC * KC) << 2);
  const tile = pb + (<usize>(KC * NC) << 2);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const add = accumulate || pc > 0;
      packB(pb, b + (<usize>(pc * brs + jc * bcs) << 2), brs, bcs, nc, kc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(pa, a + (<usize>(ic * ars + pc * acs) << 2), ars, acs, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pbs = pb + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pas = pa + (<usize>(ir * kc) << 2);
            const ct = c + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            if (mr == MR && nr == NR) {
              microKernel(kc, pas, pbs, ct, ldc, add);
            } else {
              microKernel(kc, pas, pbs, tile, NR, false);
              for (let i = 0; i < mr; i++) {
                for (let j = 0; j < nr; j++) {
                  const cp = ct + (<usize>(i * ldc + j) << 2);
                  const v = load<f32>(tile + (<usize>(i * NR + j) << 2));
                  store<f32>(cp, add ? load<f32>(cp) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Unpacked product for small, thin and empty-depth cases. With B's rows contiguous, rows of B are
 * scaled into C four values at a time; with B transposed, each value is a dot product along k.
 */
function gemmSmall(
  m: i32, n: i32, k: i32,
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32,
  accumulate: bool,
): void {
  for (let i = 0; i < m; i++) {
    const ci = c + (<usize>(i * ldc) << 2);
    const ai = a + (<usize>(i * ars) << 2);
    if (bcs == 1 || k == 0) {
      if (!accumulate) memory.fill(ci, 0, <usize>n << 2);
      for (let p = 0; p < k; p++) {
        const av = load<f32>(ai + (<usize>(p * acs) << 2));
        const bp = b + (<usize>(p * brs) << 2);
        const va = f32x4.splat(av);
        let j = 0;
        for (; j + 4 <= n; j += 4) {
          const o = <usize>j << 2;
          v128.store(ci + o, madd(va, v128.load(bp + o), v128.load(ci + o)));
        }
        for (; j < n; j++) {
          const o = <usize>j << 2;
          store<f32>(ci + o, load<f32>(ci + o) + av * load<f32>(bp + o));
        }
      }
    } else {
      for (let j = 0; j < n; j++) {
        const bj = b + (<usize>(j * bcs) << 2);
        let s: f32 = 0;
        for (let p = 0; p < k; p++) s += load<f32>(ai + (<usize>(p * acs) << 2)) * load<f32>(bj + (<usize>(p * brs) << 2));
        const cp = ci + (<usize>j << 2);
        store<f32>(cp, accumulate ? load<f32>(cp) + s : s);
      }
    }
  }
}

/**
 * A stack of products [batch, m, n] = A·B where A and B advance by strideA/strideB values per
 * batch entry (0 broadcasts one matrix). A shared B against a stack of row-major A's is one tall
 * product: fewer, larger panels.
 */
export function batchMatMul(
  c: usize, a: usize, b: usize,
  batch: i32, strideA: i32, strideB: i32,
  m: i32, n: i32, k: i32, transA: bool, transB: bool, scratch: usize,
): void {
  const ars = transA ? 1 : k;
  const acs = transA ? m : 1;
  const brs = transB ? 1 : n;
  const bcs = transB ? k : 1;
  if (strideB == 0 && !transA && strideA == m * k && batch > 1) {
    gemm(batch * m, n, k, a, ars, acs, b, brs, bcs, c, n, false, scratch);
    return;
  }
  for (let i = 0; i < batch; i++) {
    gemm(
      m, n, k,
      a + (<usize>(i * strideA) << 2), ars, acs,
      b + (<usize>(i * strideB) << 2), brs, bcs,
      c + (<usize>(i * m * n) << 2), n, false, scratch,
    );
  }
}

/**
 * The fused kernels' epilogue (FusedMatMul, FusedConv2D) over rows×n values of C: + bias[column]
 * (when bias ≠ 0), then the activation. Linear and relu go four values a step over the flat array,
 * against the bias as a pattern of lcm(n, 4) values: the bias itself when n is a multiple of 4,
 * else `tile`, the bias repeated by the caller (a conv bias over 6 channels: 12 values; 0 stays
 * scalar). relu is f32x4.pmax(v, 0) = v < 0 ? 0 : v, as the scalar path (NaN stays NaN).
 */
export function biasActivation(c: usize, rows: i32, n: i32, bias: usize, act: i32, tile: usize): void {
  const total = rows * n;
  const pattern = (n & 3) == 0 ? bias : tile;
  let start = 0;
  if ((act == ACT_LINEAR || act == ACT_RELU) && (bias == 0 || pattern != 0)) {
    const zero = f32x4.splat(0);
    const period = (n & 1) != 0 ? n * 4 : (n & 3) != 0 ? n * 2 : n;
    const end = total - total % period;
    for (let i = 0; i < end; i += period) {
      const p0 = c + (<usize>i << 2);
      for (let k = 0; k < period; k += 4) {
        const p = p0 + (<usize>k << 2);
        let v = v128.load(p);
        if (bias != 0) v = f32x4.add(v, v128.load(pattern + (<usize>k << 2)));
        if (act == ACT_RELU) v = f32x4.pmax(v, zero);
        v128.store(p, v);
      }
    }
    start = end;
  }
  for (let i = start; i < total; i++) {
    const p = c + (<usize>i << 2);
    let v = load<f32>(p);
    if (bias != 0) v += load<f32>(bias + (<usize>(i % n) << 2));
    if (act == ACT_RELU) v = v < 0 ? 0 : v;
    else if (act == ACT_SIGMOID) v = <f32>sigmoid(<f64>v);
    else if (act == ACT_TANH) v = <f32>Math.tanh(<f64>v);
    store<f32>(p, v);
  }
}
