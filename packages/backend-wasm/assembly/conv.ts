// Convolutions as matrix products (NHWC input, HWIO filter). Each output pixel is a row: im2col
// copies its receptive field into a row of length fh·fw·C, in the (ky, kx, c) order of the filter's
// [fh·fw·C, O] layout, so
//   y = col · F,    dcol = dy · Fᵀ (then col2im adds it back),    dF = colᵀ · dy.
// The column buffer holds `chunk` rows at a time to bound its memory; 1×1 stride-1 unpadded
// convolutions skip it, since there the input already is the column matrix.
import { gemm } from './gemm';

/** The geometry words the caller writes: see `Geometry` in src/kernels/conv.ts. */
class G {
  n: i32; h: i32; w: i32; c: i32;
  fh: i32; fw: i32; o: i32;
  oh: i32; ow: i32;
  sh: i32; sw: i32; dh: i32; dw: i32;
  pt: i32; pl: i32; pointwise: i32; chunk: i32;
}

// @ts-ignore: decorator
@inline function geom(p: usize): G {
  return changetype<G>(p);
}

/** Copies n floats; short runs (a few channels) are cheaper as plain loads than as memory.copy. */
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  if (n >= 16) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  for (let t = 0; t < n; t++) store<f32>(dst + (<usize>t << 2), load<f32>(src + (<usize>t << 2)));
}

// @ts-ignore: decorator
@inline function zeroFloats(dst: usize, n: i32): void {
  if (n >= 16) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  for (let t = 0; t < n; t++) store<f32>(dst + (<usize>t << 2), 0);
}

/**
 * Copies the receptive fields of output rows [r0, r1) into col, zeros where they overlap the
 * padding. Where a filter row lies inside the input without dilation, its fw·C values are one
 * contiguous run of x (what keeps few-channel inputs, like images, cheap).
 */
function im2col(x: usize, g: G, r0: i32, r1: i32, col: usize): void {
  const h = g.h, w = g.w, c = g.c, fh = g.fh, fw = g.fw, oh = g.oh, ow = g.ow;
  const plane = oh * ow;
  let img = r0 / plane;
  let oy = (r0 - img * plane) / ow;
  let ox = r0 - img * plane - oy * ow;
  const cb = <usize>c << 2;
  const run = fw * c;
  let ci = col;
  for (let r = r0; r < r1; r++) {
    const base = img * h * w * c;
    const iy0 = oy * g.sh - g.pt;
    const ix0 = ox * g.sw - g.pl;
    const inside = g.dw == 1 && ix0 >= 0 && ix0 + fw <= w;
    for (let ky = 0; ky < fh; ky++) {
      const iy = iy0 + ky * g.dh;
      if (iy < 0 || iy >= h) {
        zeroFloats(ci, run);
        ci += <usize>run << 2;
        continue;
      }
      const rowBase = base + iy * w * c;
      if (inside) {
        copyFloats(ci, x + (<usize>(rowBase + ix0 * c) << 2), run);
        ci += <usize>run << 2;
        continue;
      }
      for (let kx = 0; kx < fw; kx++, ci += cb) {
        const ix = ix0 + kx * g.dw;
        if (ix < 0 || ix >= w) zeroFloats(ci, c);
        else copyFloats(ci, x + (<usize>(rowBase + ix * c) << 2), c);
      }
    }
    if (++ox == ow) {
      ox = 0;
      if (++oy == oh) {
        oy = 0;
        img++;
      }
    }
  }
}

/** The adjoint of im2col: adds every column entry back onto the input cell it was copied from. */
function col2im(col: usize, g: G, r0: i32, r1: i32, dx: usize): void {
  const h = g.h, w = g.w, c = g.c, fh = g.fh, fw = g.fw, oh = g.oh, ow = g.ow;
  const plane = oh * ow;
  let img = r0 / plane;
  let oy = (r0 - img * plane) / ow;
  let ox = r0 - img * plane - oy * ow;
  const cb = <usize>c << 2;
  let ci = col;
  for (let r = r0; r < r1; r++) {
    const base = img * h * w * c;
    const iy0 = oy * g.sh - g.pt;
    const ix0 = ox * g.sw - g.pl;
    for (let ky = 0; ky < fh; ky++) {
      const iy = iy0 + ky * g.dh;
      if (iy < 0 || iy >= h) {
        ci += <usize>fw * cb;
        continue;
      }
      const rowBase = base + iy * w * c;
      for (let kx = 0; kx < fw; kx++, ci += cb) {
        const ix = ix0 + kx * g.dw;
        if (ix < 0 || ix >= w) continue;
        const d = dx + (<usize>(rowBase + ix * c) << 2);
        let t = 0;
        for (; t + 4 <= c; t += 4) {
          const o = <usize>t << 2;
          v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(ci + o)));
        }
        for (; t < c; t++) {
          const o = <usize>t << 2;
          store<f32>(d + o, load<f32>(d + o) + load<f32>(ci + o));
        }
      }
    }
    if (++ox == ow) {
      ox = 0;
      if (++oy == oh) {
        oy = 0;
        img++;
      }
    }
  }
}

export function conv2d(y: usize, x: usize, f: usize, gp: usize, col: usize, scratch: usize): void {
  const g = geom(gp);
  const rows = g.n * g.oh * g.ow;
  const depth = g.fh * g.fw * g.c;
  if (g.pointwise) {
    gemm(rows, g.o, g.c, x, g.c, 1, f, g.o, 1, y, g.o, false, scratch);
    return;
  }
  for (let r0 = 0; r0 < rows; r0 += g.chunk) {
    const r1 = min(rows, r0 + g.chunk);
    im2col(x, g, r0, r1, col);
    gemm(r1 - r0, g.o, depth, col, depth, 1, f, g.o, 1, y + (<usize>(r0 * g.o) << 2), g.o, false, scratch);
  }
}

export function conv2dBackpropInput(dx: usize, dy: usize, f: usize, gp: usize, col: usize, scratch: usize): void {
  const g = geom(gp);
  const rows = g.n * g.oh * g.ow;
  const depth = g.fh * g.fw * g.c;
  if (g.pointwise) {
    gemm(rows, g.c, g.o, dy, g.o, 1, f, 1, g.o, dx, g.c, false, scratch);
    return;
  }
  memory.fill(dx, 0, <usize>(g.n * g.h * g.w * g.c) << 2);
  for (let r0 = 0; r0 < rows; r0 += g.chunk) {
    const r1 = min(rows, r0 + g.chunk);
    gemm(r1 - r0, depth, g.o, dy + (<usize>(r0 * g.o) << 2), g.o, 1, f, 1, g.o, col, depth, false, scratch);
    col2im(col, g, r0, r1, dx);
  }
}

export function conv2dBackpropFilter(df: usize, x: usize, dy: usize, gp: usize, col: usize, scratch: usize): void {
  const g = geom(gp);
  const rows = g.n * g.oh * g.ow;
  const depth = g.fh * g.fw * g.c;
  if (g.pointwise) {
    gemm(g.c, g.o, rows, x, 1, g.c, dy, g.o, 1, df, g.o, false, scratch);
    return;
  }
  if (rows == 0) memory.fill(df, 0, <usize>(depth * g.o) << 2);
  for (let r0 = 0; r0 < rows; r0 += g.chunk) {
    const r1 = min(rows, r0 + g.chunk);
    im2col(x, g, r0, r1, col);
    gemm(depth, g.o, r1 - r0, col, 1, depth, dy + (<usize>(r0 * g.o) << 2), g.o, 1, df, g.o, r0 > 0, scratch);
  }
}

/** im2col of output rows [r0, r1) on its own, for callers that run the products on several threads. */
export function im2colRows(x: usize, gp: usize, r0: i32, r1: i32, col: usize): void {
  im2col(x, geom(gp), r0, r1, col);
}

/** col2im of output rows [r0, r1) on its own (dx is accumulated into, not cleared). */
export function col2imRows(col: usize, gp: usize, r0: i32, r1: i32, dx: usize): void {
  col2im(col, geom(gp), r0, r1, dx);
}
