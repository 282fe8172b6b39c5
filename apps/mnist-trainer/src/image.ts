// Minimal readers for the digit images the `predict` command accepts: PGM (P2/P5) and PNG
// (8/16-bit greyscale, grey+alpha, RGB, RGBA, palette; non-interlaced), decoded to greyscale.
import { inflateSync } from 'node:zlib';

export interface GreyImage {
  width: number;
  height: number;
  /** Row-major intensities in [0, 1]. */
  pixels: Float32Array;
}

export function decodeImage(buf: Uint8Array, name = 'image'): GreyImage {
  if (buf.length >= 8 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47) return decodePng(buf, name);
  if (buf.length >= 2 && buf[0] === 0x50 && (buf[1] === 0x35 || buf[1] === 0x32)) return decodePgm(buf, name);
  throw new Error(`${name}: not a PNG or PGM file (it starts with bytes ${Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`);
}

export function decodePgm(buf: Uint8Array, name = 'image'): GreyImage {
  const binary = buf[1] === 0x35;
  let pos = 2;
  const token = (): string => {
    for (;;) {
      while (pos < buf.length && /\s/.test(String.fromCharCode(buf[pos]!))) pos++;
      if (buf[pos] === 0x23) {
        while (pos < buf.length && buf[pos] !== 0x0a) pos++;
        continue;
      }
      break;
    }
    let s = '';
    while (pos < buf.length && !/\s/.test(String.fromCharCode(buf[pos]!))) s += String.fromCharCode(buf[pos++]!);
    return s;
  };
  const width = Number(token());
  const height = Number(token());
  const maxVal = Number(token());
  if (!(width > 0 && height > 0 && maxVal > 0 && maxVal < 65536)) throw new Error(`${name}: bad PGM header (width ${width}, height ${height}, maxval ${maxVal})`);
  const n = width * height;
  const pixels = new Float32Array(n);
  if (binary) {
    pos++;
    const bpp = maxVal < 256 ? 1 : 2;
    if (buf.length - pos < n * bpp) throw new Error(`${name}: PGM data is truncated (${buf.length - pos} bytes for ${n * bpp})`);
    for (let i = 0; i < n; i++) pixels[i] = (bpp === 1 ? buf[pos + i]! : (buf[pos + 2 * i]! << 8) | buf[pos + 2 * i + 1]!) / maxVal;
  } else {
    for (let i = 0; i < n; i++) {
      const t = token();
      if (t === '') throw new Error(`${name}: PGM data is truncated (${i} of ${n} values)`);
      pixels[i] = Number(t) / maxVal;
    }
  }
  return { width, height, pixels };
}

export function decodePng(buf: Uint8Array, name = 'image'): GreyImage {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = 0;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= buf.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...buf.subarray(pos + 4, pos + 8));
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (data.length !== len) throw new Error(`${name}: PNG chunk ${type} is truncated`);
    if (type === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      depth = data[8]!;
      colorType = data[9]!;
      if (data[12] !== 0) throw new Error(`${name}: interlaced PNGs are not supported; save it non-interlaced`);
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (!width || !height || channels === undefined || ![8, 16].includes(depth) && !(colorType === 3 && depth === 8)) {
    throw new Error(`${name}: unsupported PNG (color type ${colorType}, bit depth ${depth}); use 8/16-bit grey, RGB(A) or 8-bit palette`);
  }
  const raw = inflateSync(Buffer.concat(idat));
  const bpp = channels * (depth / 8);
  const stride = width * bpp;
  if (raw.length < height * (stride + 1)) throw new Error(`${name}: PNG image data is truncated`);
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? out.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? row[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      let v = src[i]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`${name}: bad PNG filter type ${filter} on row ${y}`);
      row[i] = v & 0xff;
    }
  }
  const pixels = new Float32Array(width * height);
  const sample = (i: number, ch: number): number => {
    const o = i * bpp + ch * (depth / 8);
    return depth === 8 ? out[o]! / 255 : ((out[o]! << 8) | out[o + 1]!) / 65535;
  };
  for (let i = 0; i < width * height; i++) {
    let grey: number;
    let alpha = 1;
    if (colorType === 3) {
      const k = out[i]! * 3;
      grey = palette ? (0.299 * palette[k]! + 0.587 * palette[k + 1]! + 0.114 * palette[k + 2]!) / 255 : 0;
    } else if (channels <= 2) {
      grey = sample(i, 0);
      if (channels === 2) alpha = sample(i, 1);
    } else {
      grey = 0.299 * sample(i, 0) + 0.587 * sample(i, 1) + 0.114 * sample(i, 2);
      if (channels === 4) alpha = sample(i, 3);
    }
    // Transparent pixels count as background (white paper).
    pixels[i] = grey * alpha + (1 - alpha);
  }
  return { width, height, pixels };
}

/**
 * Turns an arbitrary greyscale digit image into an MNIST-like 28x28 input: white-on-black, the
 * digit's bounding box scaled into 20x20 and centred by its centre of mass, as in the MNIST set.
 */
export function toMnistInput(img: GreyImage): Float32Array {
  const { width: w, height: h } = img;
  let mean = 0;
  for (const p of img.pixels) mean += p;
  mean /= img.pixels.length;
  // MNIST digits are light on dark: invert images that are mostly light (paper scans, drawings).
  const ink = Float32Array.from(img.pixels, (p) => (mean > 0.5 ? 1 - p : p));
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
