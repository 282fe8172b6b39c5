// NHWC pooling. Windows are clipped to the input, so padding cells never take part: they never
// win a max and are not counted in a mean. A window lying wholly in the padding gives −Infinity
// for max and 0 for mean. Channels are the innermost loop everywhere, so every read walks memory
// contiguously; per-channel running values live in the caller's scratch (8 bytes per channel).

/** The geometry words the caller writes: see `poolGeometry` in src/kernels/pool.ts. */
class P {
  n: i32; h: i32; w: i32; c: i32;
  fh: i32; fw: i32; oh: i32; ow: i32;
  sh: i32; sw: i32; pt: i32; pl: i32;
}

const MAX_POOL = 0;
const MAX_POOL_GRAD = 1;
const AVG_POOL = 2;

/**
 * MaxPool's values alone (no positions): four channels at a time with f32x4.max, which like
 * f32.max gives NaN when either side is NaN, so a NaN in the window wins as in maxPoolGrad.
 */
function maxPoolValues(out: usize, x: usize, g: P): void {
  const n = g.n, h = g.h, w = g.w, c = g.c, oh = g.oh, ow = g.ow;
  const ninf = f32x4.splat(-Infinity);
  let o = out;
  for (let img = 0; img < n; img++) {
    const base = x + (<usize>(img * h * w * c) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const ys = oy * g.sh - g.pt;
      const y0 = max(0, ys);
      const y1 = max(y0, min(h, ys + g.fh));
      for (let ox = 0; ox < ow; ox++, o += <usize>c << 2) {
        const xs = ox * g.sw - g.pl;
        const x0 = max(0, xs);
        const x1 = max(x0, min(w, xs + g.fw));
        // Four channels a step; a remainder of 1–3 channels (c = 6: channels 4, 5) is the last four
        // channels again when there are four, recomputing two or three of them to the same values.
        for (let ch = 0; ch < c; ch += 4) {
          if (ch + 4 > c) {
            if (c < 4) break;
            ch = c - 4;
          }
          let m = ninf;
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) m = f32x4.max(m, v128.load(base + (<usize>((yy * w + xx) * c + ch) << 2)));
          }
          v128.store(o + (<usize>ch << 2), m);
        }
        if (c >= 4) continue;
        for (let ch = 0; ch < c; ch++) {
          // One channel in lane 0 of a vector: V8 compiles a scalar f32.max with branches that
          // random data mispredicts (3× slower than this).
          let m = ninf;
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) m = f32x4.max(m, v128.load32_zero(base + (<usize>((yy * w + xx) * c + ch) << 2)));
          }
          store<f32>(o + (<usize>ch << 2), f32x4.extract_lane(m, 0));
        }
      }
    }
  }
}

/**
 * MaxPool's gradient: every window's dy goes to the first cell holding the window's maximum (the
 * first NaN when there is one), as the cpu backend does. Branch-free, four channels a step: the
 * maximum first (f32x4.max), then a pass over the cells that adds dy where a lane equals it and
 * has not matched before. A remainder of 1–3 channels is the last four channels again with the
 * already-done lanes masked off; fewer than 4 channels go one at a time in lane 0.
 */
function maxPoolGrad(dx: usize, dy: usize, x: usize, g: P): void {
  const n = g.n, h = g.h, w = g.w, c = g.c, oh = g.oh, ow = g.ow;
  const ninf = f32x4.splat(-Infinity);
  const all = i32x4.splat(-1);
  const lane0 = i32x4(-1, 0, 0, 0);
  const lanes = i32x4(0, 1, 2, 3);
  const cb = <usize>c << 2;
  let d = dy;
  for (let img = 0; img < n; img++) {
    const xb = x + (<usize>(img * h * w * c) << 2);
    const db = dx + (<usize>(img * h * w * c) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const ys = oy * g.sh - g.pt;
      const y0 = max(0, ys);
      const y1 = max(y0, min(h, ys + g.fh));
      for (let ox = 0; ox < ow; ox++, d += cb) {
        const xs = ox * g.sw - g.pl;
        const x0 = max(0, xs);
        const x1 = max(x0, min(w, xs + g.fw));
        const wide = c >= 4;
        for (let ch = 0; ch < c; ch += wide ? 4 : 1) {
          let keep = all;
          if (!wide) keep = lane0;
          else if (ch + 4 > c) {
            keep = i32x4.ge_s(lanes, i32x4.splat(ch - (c - 4)));
            ch = c - 4;
          }
          const off = <usize>ch << 2;
          let m = ninf;
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) {
              const p = xb + (<usize>((yy * w + xx) * c) << 2) + off;
              m = f32x4.max(m, wide ? v128.load(p) : v128.load32_zero(p));
            }
          }
          const mNaN = f32x4.ne(m, m);
          const dv = v128.and(wide ? v128.load(d + off) : v128.load32_zero(d + off), keep);
          let found = v128.not(keep);
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) {
              const cell = <usize>((yy * w + xx) * c) << 2;
              const p = xb + cell + off;
              const v = wide ? v128.load(p) : v128.load32_zero(p);
              const take = v128.andnot(v128.or(f32x4.eq(v, m), v128.and(mNaN, f32x4.ne(v, v))), found);
              found = v128.or(found, take);
              const q = db + cell + off;
              if (wide) v128.store(q, f32x4.add(v128.load(q), v128.and(dv, take)));
              else store<f32>(q, load<f32>(q) + f32x4.extract_lane(v128.and(dv, take), 0));
            }
          }
        }
      }
    }
  }
}

/**
 * Runs one of the four pool kernels. mode 0: MaxPool (out = y, a = x); 1: MaxPoolGrad (out = dx,
 * a = dy, b = x); 2: AvgPool (out = y, a = x); 3: AvgPoolGrad (out = dx, a = dy).
 */
export function pool(mode: i32, out: usize, a: usize, b: usize, gp: usize, scratch: usize): void {
  const g = changetype<P>(gp);
  const n = g.n, h = g.h, w = g.w, c = g.c, oh = g.oh, ow = g.ow;
  const best = scratch;
  const sums = scratch;
  if (mode == MAX_POOL) {
    maxPoolValues(out, a, g);
    return;
  }
  if (mode == MAX_POOL_GRAD || mode > AVG_POOL) memory.fill(out, 0, <usize>(n * h * w * c) << 2);
  if (mode == MAX_POOL_GRAD) {
    maxPoolGrad(out, a, b, g);
    return;
  }
  for (let img = 0; img < n; img++) {
    const base = img * h * w * c;
    for (let oy = 0; oy < oh; oy++) {
      const ys = oy * g.sh - g.pt;
      const y0 = max(0, ys);
      const y1 = max(y0, min(h, ys + g.fh));
      for (let ox = 0; ox < ow; ox++) {
        const xs = ox * g.sw - g.pl;
        const x0 = max(0, xs);
        const x1 = max(x0, min(w, xs + g.fw));
        const o = out + (<usize>(((img * oh + oy) * ow + ox) * c) << 2);
        const count = (y1 - y0) * (x1 - x0);
        if (mode == AVG_POOL) {
          if (count == 0) {
            for (let ch = 0; ch < c; ch++) store<f32>(o + (<usize>ch << 2), 0);
            continue;
          }
          for (let ch = 0; ch < c; ch++) store<f64>(sums + (<usize>ch << 3), 0);
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) {
              const s = a + (<usize>(base + (yy * w + xx) * c) << 2);
              for (let ch = 0; ch < c; ch++) {
                const sp = sums + (<usize>ch << 3);
                store<f64>(sp, load<f64>(sp) + <f64>load<f32>(s + (<usize>ch << 2)));
              }
            }
          }
          for (let ch = 0; ch < c; ch++) store<f32>(o + (<usize>ch << 2), <f32>(load<f64>(sums + (<usize>ch << 3)) / <f64>count));
        } else {
          if (count == 0) continue;
          // Each window spreads dy/count evenly over its cells inside the input.
          const dy = a + (<usize>(((img * oh + oy) * ow + ox) * c) << 2);
          for (let ch = 0; ch < c; ch++) store<f32>(best + (<usize>ch << 2), <f32>(<f64>load<f32>(dy + (<usize>ch << 2)) / <f64>count));
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) {
              const d = out + (<usize>(base + (yy * w + xx) * c) << 2);
              for (let ch = 0; ch < c; ch++) {
                const dp = d + (<usize>ch << 2);
                store<f32>(dp, load<f32>(dp) + load<f32>(best + (<usize>ch << 2)));
              }
            }
          }
        }
      }
    }
  }
}
