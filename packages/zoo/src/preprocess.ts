// MNIST-style preprocessing of a digit image (a scan, a PNG, a drawing on a canvas), shared by the
// trainer's `predict` and the playground's drawing pad.

export interface GreyImage {
  width: number;
  height: number;
  /** Row-major intensities in [0, 1]. */
  pixels: Float32Array;
}

/**
 * Turns an arbitrary greyscale digit image into an MNIST-like 28x28 input: white-on-black, the
 * digit's bounding box scaled into 20x20 and centred by its centre of mass, as in the MNIST set.
 */
export function toMnistInput(img: GreyImage): Float32Array {
  const { width: w, height: h, pixels } = img;
  // Indexed loops: `for…of` and `Float32Array.from(…, fn)` over a typed array are an order of
  // magnitude slower in V8 (15–40 ms for a 280×280 drawing pad, which the page runs per stroke).
  let mean = 0;
  for (let i = 0; i < pixels.length; i++) mean += pixels[i]!;
  mean /= pixels.length;
  // MNIST digits are light on dark: invert images that are mostly light (paper scans, drawings).
  const ink = new Float32Array(pixels.length);
  if (mean > 0.5) for (let i = 0; i < pixels.length; i++) ink[i] = 1 - pixels[i]!;
  else ink.set(pixels);
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ink[y * w + x]! > 0.2) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  const out = new Float32Array(28 * 28);
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const sw = Math.max(1, Math.round(bw * scale));
  const sh = Math.max(1, Math.round(bh * scale));
  // Area-average resampling of the bounding box into sw x sh.
  const small = new Float32Array(sw * sh);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const sx0 = x0 + (x * bw) / sw;
      const sx1 = x0 + ((x + 1) * bw) / sw;
      const sy0 = y0 + (y * bh) / sh;
      const sy1 = y0 + ((y + 1) * bh) / sh;
      let acc = 0;
      let area = 0;
      for (let yy = Math.floor(sy0); yy < Math.ceil(sy1); yy++) {
        for (let xx = Math.floor(sx0); xx < Math.ceil(sx1); xx++) {
          const a = (Math.min(xx + 1, sx1) - Math.max(xx, sx0)) * (Math.min(yy + 1, sy1) - Math.max(yy, sy0));
          acc += a * ink[yy * w + xx]!;
          area += a;
        }
      }
      small[y * sw + x] = area > 0 ? acc / area : 0;
    }
  }
  let cx = 0;
  let cy = 0;
  let mass = 0;
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const v = small[y * sw + x]!;
      cx += v * x;
      cy += v * y;
      mass += v;
    }
  }
  const ox = Math.round(14 - (mass > 0 ? cx / mass : sw / 2) - 0.5);
  const oy = Math.round(14 - (mass > 0 ? cy / mass : sh / 2) - 0.5);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const tx = x + ox;
      const ty = y + oy;
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = Math.min(1, small[y * sw + x]!);
    }
  }
  return out;
}
