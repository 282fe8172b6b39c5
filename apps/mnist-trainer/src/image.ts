// Minimal readers for the digit images the `predict` command accepts: PGM (P2/P5) and PNG
// (8/16-bit greyscale, grey+alpha, RGB, RGBA, palette; non-interlaced), decoded to greyscale.
import { inflateSync } from 'node:zlib';
import type { GreyImage } from '@tessera/zoo';

// toMnistInput (the MNIST preprocessing) lives in @tessera/zoo, shared with the playground's drawing pad.
export { toMnistInput, type GreyImage } from '@tessera/zoo';

/**
 * The most pixels an image may declare (about 8000 × 8000): its header is checked against this
 * before anything is allocated, so a header claiming 100000 × 100000 is an error, not 40 GB.
 */
export const MAX_PIXELS = 64 * 2 ** 20;

function checkDimensions(name: string, format: string, width: number, height: number): void {
  if (!(Number.isSafeInteger(width) && Number.isSafeInteger(height) && width > 0 && height > 0)) {
    throw new Error(`${name}: bad ${format} header (width ${width}, height ${height})`);
  }
  if (width * height > MAX_PIXELS) {
    throw new Error(`${name}: the ${format} header declares ${width}×${height} pixels, more than the ${MAX_PIXELS.toLocaleString('en-US')} this reader accepts (a digit needs 28×28)`);
  }
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
  if (!(maxVal > 0 && maxVal < 65536)) throw new Error(`${name}: bad PGM header (width ${width}, height ${height}, maxval ${maxVal})`);
  checkDimensions(name, 'PGM', width, height);
  const n = width * height;
  const bpp = maxVal < 256 ? 1 : 2;
  // The data must be there before the pixels are allocated (a binary pixel is 1–2 bytes, a text one at least 2).
  const need = binary ? n * bpp : 2 * n - 1;
  if (buf.length - pos - 1 < need) {
    throw new Error(`${name}: PGM data is truncated: the header declares ${width}×${height} pixels (${need} bytes or more), the file has ${Math.max(0, buf.length - pos - 1)} after it`);
  }
  const pixels = new Float32Array(n);
  if (binary) {
    pos++;
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
  checkDimensions(name, 'PNG', width, height);
  const bpp = channels * (depth / 8);
  const stride = width * bpp;
  // Inflate no more than the declared image holds: a small file that inflates to gigabytes stops here.
  const expected = height * (stride + 1);
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected });
  } catch (e) {
    const tooLarge = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError;
    throw new Error(
      tooLarge
        ? `${name}: the PNG image data inflates to more than the ${expected.toLocaleString('en-US')} bytes its ${width}×${height} header declares`
        : `${name}: the PNG image data is corrupt (${(e as Error).message})`,
    );
  }
  if (raw.length < expected) throw new Error(`${name}: PNG image data is truncated (${raw.length} of ${expected} bytes)`);
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
