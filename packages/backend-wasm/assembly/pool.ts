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
 * Finds the first maximum of every channel of the window rows [y0, y1), columns [x0, x1) of the
 * image at `base`: values go to best[ch] (f32) and input offsets to at[ch] (−1 for an empty
 * window). NaN beats numbers and the first NaN wins.
 */
function windowArgMax(x: usize, base: i32, w: i32, c: i32, y0: i32, y1: i32, x0: i32, x1: i32, best: usize, at: usize): void {
  for (let ch = 0; ch < c; ch++) {
    store<f32>(best + (<usize>ch << 2), -Infinity);
    store<i32>(at + (<usize>ch << 2), -1);
  }
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0; xx < x1; xx++) {
      const s = base + (yy * w + xx) * c;
      for (let ch = 0; ch < c; ch++) {
        const v = load<f32>(x + (<usize>(s + ch) << 2));
        const bp = best + (<usize>ch << 2);
        const ap = at + (<usize>ch << 2);
        const b = load<f32>(bp);
        if (v > b || (v != v && b == b) || load<i32>(ap) == -1) {
          store<f32>(bp, v);
          store<i32>(ap, s + ch);
        }
      }
    }
  }
}

/**
 * MaxPool's values alone (no positions): four channels at a time with f32x4.max, which like
 * f32.max gives NaN when either side is NaN, so a NaN in the window wins as in windowArgMax.
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
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          let m = ninf;
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) m = f32x4.max(m, v128.load(base + (<usize>((yy * w + xx) * c + ch) << 2)));
          }
          v128.store(o + (<usize>ch << 2), m);
        }
        for (; ch < c; ch++) {
          let m: f32 = -Infinity;
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) m = max<f32>(m, load<f32>(base + (<usize>((yy * w + xx) * c + ch) << 2)));
          }
          store<f32>(o + (<usize>ch << 2), m);
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
  const at = scratch + (<usize>c << 2);
  const sums = scratch;
  if (mode == MAX_POOL) {
    maxPoolValues(out, a, g);
    return;
  }
  if (mode == MAX_POOL_GRAD || mode > AVG_POOL) memory.fill(out, 0, <usize>(n * h * w * c) << 2);
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
        if (mode == MAX_POOL) {
          windowArgMax(a, base, w, c, y0, y1, x0, x1, best, at);
          for (let ch = 0; ch < c; ch++) store<f32>(o + (<usize>ch << 2), load<f32>(best + (<usize>ch << 2)));
        } else if (mode == MAX_POOL_GRAD) {
          windowArgMax(b, base, w, c, y0, y1, x0, x1, best, at);
          const dy = a + (<usize>(((img * oh + oy) * ow + ox) * c) << 2);
          for (let ch = 0; ch < c; ch++) {
            const i = load<i32>(at + (<usize>ch << 2));
            if (i < 0) continue;
            const d = out + (<usize>i << 2);
            store<f32>(d, load<f32>(d) + load<f32>(dy + (<usize>ch << 2)));
          }
        } else if (mode == AVG_POOL) {
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
