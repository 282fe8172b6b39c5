// Convolutions as matrix products (NHWC input, HWIO filter). Each output pixel is a row: im2col
// copies its receptive field into a row of length fh·fw·C, in the (ky, kx, c) order of the filter's
// [fh·fw·C, O] layout, so
//   y = col · F,    dcol = dy · Fᵀ (then col2im adds it back),    dF = colᵀ · dy.
// The column buffer holds `chunk` rows at a time to bound its memory; 1×1 stride-1 unpadded
// convolutions skip it, since there the input already is the column matrix.
import { gemm } from './gemm';
import { madd } from './madd';

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

/** Whether `conv2dImage` applies: one input channel, at most 8 filters, stride 1, no padding or dilation. */
// @ts-ignore: decorator
@inline function imageConv(g: G): bool {
  return g.c == 1 && g.o <= 8 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.pt == 0 && g.pl == 0 &&
    g.oh == g.h - g.fh + 1 && g.ow == g.w - g.fw + 1 && g.fh * g.fw <= 64;
}

/** Stores the 4 lanes of `a` (filter k at 4 adjacent pixels) into NHWC rows of o values. */
// @ts-ignore: decorator
@inline function put4(yo: usize, o: i32, k: i32, a: v128): void {
  if (k >= o) return;
  const ob = <usize>o << 2;
  const p = yo + (<usize>k << 2);
  store<f32>(p, f32x4.extract_lane(a, 0));
  store<f32>(p + ob, f32x4.extract_lane(a, 1));
  store<f32>(p + 2 * ob, f32x4.extract_lane(a, 2));
  store<f32>(p + 3 * ob, f32x4.extract_lane(a, 3));
}

/**
 * The first layer on grayscale images (see `imageConv`): four adjacent output pixels at a time,
 * one vector load of the input per filter tap, multiplied by each filter's weight for that tap
 * (splatted once into `ws`, 8 vectors a tap). im2col + gemm spends its time there on a product
 * only o ≤ 8 columns wide. Taps are summed in the filter's order, as the gemm path does.
 */
function conv2dImage(y: usize, x: usize, f: usize, g: G, ws: usize): void {
  const h = g.h, w = g.w, fh = g.fh, fw = g.fw, o = g.o, oh = g.oh, ow = g.ow;
  const taps = fh * fw;
  for (let t = 0; t < taps; t++) {
    for (let k = 0; k < 8; k++) {
      v128.store(ws + (<usize>(t * 8 + k) << 4), f32x4.splat(k < o ? load<f32>(f + (<usize>(t * o + k) << 2)) : 0));
    }
  }
  const zero = f32x4.splat(0);
  for (let img = 0; img < g.n; img++) {
    const xi = x + (<usize>(img * h * w) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const yrow = y + (<usize>((img * oh + oy) * ow * o) << 2);
      let ox = 0;
      for (; ox + 4 <= ow; ox += 4) {
        let a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
        for (let ky = 0; ky < fh; ky++) {
          const xr = xi + (<usize>((oy + ky) * w + ox) << 2);
          const wr = ws + (<usize>(ky * fw * 8) << 4);
          for (let kx = 0; kx < fw; kx++) {
            const v = v128.load(xr + (<usize>kx << 2));
            const wt = wr + (<usize>(kx * 8) << 4);
            a0 = madd(v, v128.load(wt), a0);
            a1 = madd(v, v128.load(wt, 16), a1);
            a2 = madd(v, v128.load(wt, 32), a2);
            a3 = madd(v, v128.load(wt, 48), a3);
            a4 = madd(v, v128.load(wt, 64), a4);
            a5 = madd(v, v128.load(wt, 80), a5);
            a6 = madd(v, v128.load(wt, 96), a6);
            a7 = madd(v, v128.load(wt, 112), a7);
          }
        }
        const yo = yrow + (<usize>(ox * o) << 2);
        put4(yo, o, 0, a0); put4(yo, o, 1, a1); put4(yo, o, 2, a2); put4(yo, o, 3, a3);
        put4(yo, o, 4, a4); put4(yo, o, 5, a5); put4(yo, o, 6, a6); put4(yo, o, 7, a7);
      }
      for (; ox < ow; ox++) {
        for (let k = 0; k < o; k++) {
          let s: f32 = 0;
          for (let ky = 0; ky < fh; ky++) {
            for (let kx = 0; kx < fw; kx++) {
              s += load<f32>(xi + (<usize>((oy + ky) * w + ox + kx) << 2)) * load<f32>(f + (<usize>((ky * fw + kx) * o + k) << 2));
            }
          }
          store<f32>(yrow + (<usize>(ox * o + k) << 2), s);
        }
      }
    }
  }
}

/**
 * Whether `conv2dNarrow` applies: output channels in whole blocks of 16 and a receptive field of at
 * most 64 values (fh·fw·C), not pointwise. The mirror of this test is in src/kernels/conv.ts.
 */
// @ts-ignore: decorator
@inline function narrowConv(g: G): bool {
  return (g.o & 15) == 0 && g.fh * g.fw * g.c <= 64 && !g.pointwise;
}

/**
 * Convolutions with few output channels over a shallow receptive field (LeNet-5's 6 → 16, a
 * CNN's 1 → 32): im2col + gemm spends as long copying and packing as multiplying there. This reads
 * the input in place: per block of 16 output channels and per pair of adjacent output pixels it
 * keeps 2×4 f32x4 accumulators, and per tap and input channel splats one input value of each pixel
 * against the filter's 16 weights (4 vector loads). Pixels whose window leaves the input (padding)
 * go one at a time, skipping the taps outside. Taps are summed in the filter's order, as gemm does.
 */
function conv2dNarrow(y: usize, x: usize, f: usize, g: G, img0: i32, img1: i32): void {
  const h = g.h, w = g.w, c = g.c, fh = g.fh, fw = g.fw, o = g.o, oh = g.oh, ow = g.ow;
  const sw = g.sw, dh = g.dh, dw = g.dw;
  const ob = <usize>o << 2;
  const tapBytes = <usize>(dw * c) << 2;
  const rowBytes = <usize>(dh * w * c) << 2;
  const pairBytes = <usize>(sw * c) << 2;
  // Output columns whose window lies inside the input horizontally: oxLo ≤ ox ≤ oxHi.
  const oxLo = (g.pl + sw - 1) / sw;
  const span = (fw - 1) * dw;
  const oxHi = w - 1 - span + g.pl < 0 ? -1 : (w - 1 - span + g.pl) / sw;
  const zero = f32x4.splat(0);
  for (let img = img0; img < img1; img++) {
    const xi = x + (<usize>(img * h * w * c) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * g.sh - g.pt;
      const rowsInside = iy0 >= 0 && iy0 + (fh - 1) * dh < h;
      const yrow = y + (<usize>((img * oh + oy) * ow * o) << 2);
      for (let o0 = 0; o0 < o; o0 += 16) {
        const fb = f + (<usize>o0 << 2);
        let ox = 0;
        while (ox < ow) {
          const ix0 = ox * sw - g.pl;
          const yo = yrow + (<usize>(ox * o + o0) << 2);
          if (rowsInside && ox >= oxLo && ox + 1 <= oxHi) {
            let a0 = zero, a1 = zero, a2 = zero, a3 = zero, b0 = zero, b1 = zero, b2 = zero, b3 = zero;
            let xr = xi + (<usize>((iy0 * w + ix0) * c) << 2);
            let fp = fb;
            for (let ky = 0; ky < fh; ky++, xr += rowBytes) {
              let xp = xr;
              for (let kx = 0; kx < fw; kx++, xp += tapBytes) {
                for (let ci = 0; ci < c; ci++, fp += ob) {
                  const q = xp + (<usize>ci << 2);
                  const u = f32x4.splat(load<f32>(q));
                  const v = f32x4.splat(load<f32>(q + pairBytes));
                  const f0 = v128.load(fp), f1 = v128.load(fp, 16), f2 = v128.load(fp, 32), f3 = v128.load(fp, 48);
                  a0 = madd(u, f0, a0);
                  a1 = madd(u, f1, a1);
                  a2 = madd(u, f2, a2);
                  a3 = madd(u, f3, a3);
                  b0 = madd(v, f0, b0);
                  b1 = madd(v, f1, b1);
                  b2 = madd(v, f2, b2);
                  b3 = madd(v, f3, b3);
                }
              }
            }
            v128.store(yo, a0); v128.store(yo, a1, 16); v128.store(yo, a2, 32); v128.store(yo, a3, 48);
            const yn = yo + ob;
            v128.store(yn, b0); v128.store(yn, b1, 16); v128.store(yn, b2, 32); v128.store(yn, b3, 48);
            ox += 2;
            continue;
          }
          let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
          for (let ky = 0; ky < fh; ky++) {
            const iy = iy0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < fw; kx++) {
              const ix = ix0 + kx * dw;
              if (ix < 0 || ix >= w) continue;
              const xp = xi + (<usize>((iy * w + ix) * c) << 2);
              let fp = fb + (<usize>((ky * fw + kx) * c) * ob);
              for (let ci = 0; ci < c; ci++, fp += ob) {
                const u = f32x4.splat(load<f32>(xp + (<usize>ci << 2)));
                a0 = madd(u, v128.load(fp), a0);
                a1 = madd(u, v128.load(fp, 16), a1);
                a2 = madd(u, v128.load(fp, 32), a2);
                a3 = madd(u, v128.load(fp, 48), a3);
              }
            }
          }
          v128.store(yo, a0); v128.store(yo, a1, 16); v128.store(yo, a2, 32); v128.store(yo, a3, 48);
          ox++;
        }
      }
    }
  }
}

export function conv2d(y: usize, x: usize, f: usize, gp: usize, col: usize, scratch: usize): void {
  const g = geom(gp);
  if (imageConv(g)) {
    conv2dImage(y, x, f, g, scratch);
    return;
  }
  if (narrowConv(g)) {
    conv2dNarrow(y, x, f, g, 0, g.n);
    return;
  }
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

/** The narrow direct convolution (see `narrowConv`) of images [img0, img1) only, for the thread pool. */
export function conv2dNarrowImages(y: usize, x: usize, f: usize, gp: usize, img0: i32, img1: i32): void {
  conv2dNarrow(y, x, f, geom(gp), img0, img1);
}

/** im2col of output rows [r0, r1) on its own, for callers that run the products on several threads. */
export function im2colRows(x: usize, gp: usize, r0: i32, r1: i32, col: usize): void {
  im2col(x, geom(gp), r0, r1, col);
}

/** col2im of output rows [r0, r1) on its own (dx is accumulated into, not cleared). */
export function col2imRows(col: usize, gp: usize, r0: i32, r1: i32, dx: usize): void {
  col2im(col, geom(gp), r0, r1, dx);
}
