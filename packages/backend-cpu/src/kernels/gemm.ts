import type { FusedActivation } from '@tessera/core';
import type { FloatArray } from '../backend.js';
import { sigmoid } from './math.js';

/**
 * C = A·B (+ C) for row-major float matrices, the engine behind BatchMatMul, FusedMatMul and the
 * convolutions.
 *
 * The structure is the classic packed GEMM (Goto & van de Geijn): B is copied panel by panel
 * (KC×NC) into NR-column strips and A block by block (MC×KC) into MR-row strips, both laid out in
 * the order the micro-kernel reads them. The micro-kernel keeps an MR×NR tile of C in local
 * variables (registers, once V8 has compiled it) and streams one strip of each through them, so
 * each loaded value feeds 4 multiply-adds. Transposed operands are handled by the packing, which
 * reads them through strides; the micro-kernel never sees a difference.
 *
 * Packed panels are Float64Array: JS arithmetic is double anyway, so the inner loop has no
 * float32 conversions, and the float64 backend gets full precision from the same code.
 */

const MR = 4;
const NR = 4;
/** Depth of a packed panel: one A strip + one B strip (2·KC·4 doubles = 16 KiB) stay in L1. */
const KC = 256;
/** Rows of A per packed block (MC·KC doubles = 256 KiB, resident in L2). */
const MC = 128;
/** Columns of B per packed panel (KC·NC doubles = 2 MiB). */
const NC = 1024;
/** Below this many multiply-adds, packing costs more than it saves. */
const SMALL = 32 * 32 * 32;

/** What happens to an output value once its whole sum is known: + bias[column], then the activation. */
export interface Epilogue {
  bias: FloatArray | null;
  activation: FusedActivation;
}

let packA: Float64Array | null = null;
let packB: Float64Array | null = null;
/** The micro-kernel's result tile, handed to `storeTile`. */
const tile = new Float64Array(MR * NR);

function activate(v: number, activation: FusedActivation): number {
  switch (activation) {
    case 'relu':
      return v < 0 ? 0 : v;
    case 'sigmoid':
      return sigmoid(v);
    case 'tanh':
      return Math.tanh(v);
    default:
      return v;
  }
}

/**
 * C[m×n] (=|+=) A[m×k]·B[k×n], then the epilogue if given.
 * A is read at a[aOff + i·k + p], or a[aOff + p·m + i] when transA (A stored as [k, m]);
 * B at b[bOff + p·n + j], or b[bOff + j·k + p] when transB (B stored as [n, k]);
 * C is written at c[cOff + i·n + j]. With `accumulate` the product is added to C.
 */
export function gemm(
  m: number, n: number, k: number,
  a: FloatArray, aOff: number, transA: boolean,
  b: FloatArray, bOff: number, transB: boolean,
  c: FloatArray, cOff: number,
  accumulate: boolean,
  epilogue: Epilogue | null = null,
): void {
  if (m === 0 || n === 0) return;
  // Element (i, p) of A is at aOff + i·ars + p·acs; element (p, j) of B at bOff + p·brs + j·bcs.
  const ars = transA ? 1 : k;
  const acs = transA ? m : 1;
  const brs = transB ? 1 : n;
  const bcs = transB ? k : 1;
  if (k === 0 || m * n * k <= SMALL || m === 1 || n === 1) {
    gemmSmall(m, n, k, a, aOff, ars, acs, b, bOff, brs, bcs, c, cOff, accumulate, epilogue);
    return;
  }
  const pa = (packA ??= new Float64Array(MC * KC));
  const pb = (packB ??= new Float64Array(KC * NC));
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      const add = accumulate || pc > 0;
      const ep = pc + kc === k ? epilogue : null;
      packPanel(pb, b, bOff + pc * brs + jc * bcs, bcs, brs, nc, kc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packPanel(pa, a, aOff + ic * ars + pc * acs, ars, acs, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            microKernel(kc, pa, ir * kc, pb, jr * kc);
            storeTile(c, cOff + (ic + ir) * n + jc + jr, n, Math.min(MR, mc - ir), nr, add, ep, jc + jr);
          }
        }
      }
    }
  }
}

/**
 * Packs `len` lines (rows of A, or columns of B) of depth kc into strips of 4 lines (MR = NR = 4):
 * dst[s·kc·4 + p·4 + l] = line 4s+l at depth p. Lines past the end are zero-filled so the
 * micro-kernel never branches; storeTile drops their results. Line l, depth p is at
 * src[base + l·ls + p·ps].
 */
function packPanel(dst: Float64Array, src: FloatArray, base: number, ls: number, ps: number, len: number, kc: number): void {
  for (let l0 = 0; l0 < len; l0 += 4) {
    const d = l0 * kc;
    const s0 = base + l0 * ls;
    if (len - l0 >= 4) {
      const s1 = s0 + ls;
      const s2 = s1 + ls;
      const s3 = s2 + ls;
      for (let p = 0, q = d, o = 0; p < kc; p++, q += 4, o += ps) {
        dst[q] = src[s0 + o]!;
        dst[q + 1] = src[s1 + o]!;
        dst[q + 2] = src[s2 + o]!;
        dst[q + 3] = src[s3 + o]!;
      }
    } else {
      const rem = len - l0;
      for (let p = 0; p < kc; p++) {
        for (let l = 0; l < 4; l++) dst[d + p * 4 + l] = l < rem ? src[s0 + l * ls + p * ps]! : 0;
      }
    }
  }
}

/** tile = (4 rows of packed A) · (4 columns of packed B) over depth kc, in 16 local accumulators. */
function microKernel(kc: number, pa: Float64Array, ai: number, pb: Float64Array, bi: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++, ai += 4, bi += 4) {
    const a0 = pa[ai]!, a1 = pa[ai + 1]!, a2 = pa[ai + 2]!, a3 = pa[ai + 3]!;
    let b = pb[bi]!;
    c00 += a0 * b; c10 += a1 * b; c20 += a2 * b; c30 += a3 * b;
    b = pb[bi + 1]!;
    c01 += a0 * b; c11 += a1 * b; c21 += a2 * b; c31 += a3 * b;
    b = pb[bi + 2]!;
    c02 += a0 * b; c12 += a1 * b; c22 += a2 * b; c32 += a3 * b;
    b = pb[bi + 3]!;
    c03 += a0 * b; c13 += a1 * b; c23 += a2 * b; c33 += a3 * b;
  }
  tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
  tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
  tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
  tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
}

/** Writes the valid mr×nr corner of `tile` to C at ci (row stride ldc); col0 is the first column's index for the bias. */
function storeTile(c: FloatArray, ci: number, ldc: number, mr: number, nr: number, add: boolean, ep: Epilogue | null, col0: number): void {
  for (let i = 0; i < mr; i++, ci += ldc) {
    const t = i * NR;
    if (ep === null) {
      if (add) for (let j = 0; j < nr; j++) c[ci + j] += tile[t + j]!;
      else for (let j = 0; j < nr; j++) c[ci + j] = tile[t + j]!;
    } else {
      for (let j = 0; j < nr; j++) {
        let v = tile[t + j]!;
        if (add) v += c[ci + j]!;
        if (ep.bias !== null) v += ep.bias[col0 + j]!;
        c[ci + j] = activate(v, ep.activation);
      }
    }
  }
}

/**
 * Unpacked product for small, empty-depth and vector cases, with the loop order chosen so the
 * innermost loop reads B contiguously: dot products along k when B is transposed, otherwise
 * rows of B scaled into a double-precision row accumulator.
 */
function gemmSmall(
  m: number, n: number, k: number,
  a: FloatArray, aOff: number, ars: number, acs: number,
  b: FloatArray, bOff: number, brs: number, bcs: number,
  c: FloatArray, cOff: number,
  accumulate: boolean,
  ep: Epilogue | null,
): void {
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * ars;
    if (bcs === 1 || k === 0) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const av = a[ai + p * acs]!;
        const bp = bOff + p * brs;
        for (let j = 0; j < n; j++) row[j] += av * b[bp + j]!;
      }
    } else {
      for (let j = 0; j < n; j++) {
        let s = 0;
        const bj = bOff + j * bcs;
        for (let p = 0; p < k; p++) s += a[ai + p * acs]! * b[bj + p * brs]!;
        row[j] = s;
      }
    }
    const ci = cOff + i * n;
    for (let j = 0; j < n; j++) {
      let v = row[j]!;
      if (accumulate) v += c[ci + j]!;
      if (ep !== null) {
        if (ep.bias !== null) v += ep.bias[j]!;
        v = activate(v, ep.activation);
      }
      c[ci + j] = v;
    }
  }
}
