// Float64 reference implementations in plain JS: the ground truth every backend is compared with.
// They share no code with core or any backend, and favour obviously-correct loops over speed.

/** A dense row-major array of float64 values. */
export interface Nd {
  shape: number[];
  data: number[];
}

export function nd(shape: readonly number[], data: ArrayLike<number>): Nd {
  const n = sizeOf(shape);
  if (data.length !== n) throw new Error(`reference: ${data.length} values for shape [${shape.join(',')}]`);
  return { shape: [...shape], data: Array.from(data) };
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Multi-index of a flat position. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    idx[i] = flat % d;
    flat = Math.floor(flat / d);
  }
  return idx;
}

function ravel(idx: readonly number[], strides: readonly number[]): number {
  let f = 0;
  for (let i = 0; i < idx.length; i++) f += idx[i]! * strides[i]!;
  return f;
}

// ------------------------------------------------------------------ scalar functions

/** erf to ~1e-15: Taylor series near 0, a continued fraction for erfc in the tails. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let total = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      total += add;
      if (Math.abs(add) < 1e-17 * Math.abs(total)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * total;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up.
  let frac = ax;
  for (let k = 80; k >= 1; k--) frac = ax + k / 2 / frac;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / frac;
  return Math.sign(x) * (1 - erfc);
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Round half to even (NumPy's `round`). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Floor modulo: the result takes the sign of the divisor. */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

export function selu(x: number): number {
  return SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
}

export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

export function elu(x: number, alpha = 1): number {
  return x > 0 ? x : alpha * Math.expm1(x);
}

/** Float → int32 conversion: truncation toward zero. */
export function truncInt(x: number): number {
  return Math.trunc(x);
}

// ------------------------------------------------------------------ elementwise

export function map(x: Nd, f: (v: number) => number): Nd {
  return { shape: [...x.shape], data: x.data.map(f) };
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`reference: cannot broadcast [${a}] and [${b}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Value of `x` at an index of the broadcast output shape. */
function broadcastReader(x: Nd, outShape: readonly number[]): (outIdx: readonly number[]) => number {
  const offset = outShape.length - x.shape.length;
  const strides = stridesOf(x.shape);
  return (outIdx) => {
    let f = 0;
    for (let i = 0; i < x.shape.length; i++) {
      const d = x.shape[i]!;
      f += (d === 1 ? 0 : outIdx[i + offset]!) * strides[i]!;
    }
    return x.data[f]!;
  };
}

export function broadcastMap(xs: readonly Nd[], f: (...v: number[]) => number): Nd {
  const shape = xs.map((x) => x.shape).reduce((p, s) => broadcastShape(p, s), [] as number[]);
  const readers = xs.map((x) => broadcastReader(x, shape));
  const n = sizeOf(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    data[i] = f(...readers.map((r) => r(idx)));
  }
  return { shape, data };
}

export function binary(a: Nd, b: Nd, f: (x: number, y: number) => number): Nd {
  return broadcastMap([a, b], f);
}

export function broadcastTo(x: Nd, shape: readonly number[]): Nd {
  const r = broadcastReader(x, shape);
  const n = sizeOf(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) data[i] = r(unravel(i, shape));
  return { shape: [...shape], data };
}

// ------------------------------------------------------------------ reductions

export function normAxes(axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].filter((a) => a < rank).sort((p, q) => p - q);
}

export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** Folds the values of each output cell; `f` receives every element reduced into it, in order. */
export function reduce(x: Nd, axis: number | readonly number[] | undefined, keepDims: boolean, f: (values: number[]) => number): Nd {
  const axes = normAxes(axis, x.shape.length);
  const outShape = reducedShape(x.shape, axes, keepDims);
  const keptShape = reducedShape(x.shape, axes, true);
  const groups: number[][] = Array.from({ length: sizeOf(outShape) }, () => []);
  const keptStrides = stridesOf(keptShape);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape);
    const o = ravel(idx.map((v, d) => (axes.includes(d) ? 0 : v)), keptStrides);
    groups[o]!.push(x.data[i]!);
  }
  return { shape: outShape, data: groups.map(f) };
}

export const sumOf = (v: number[]): number => v.reduce((p, q) => p + q, 0);
export const prodOf = (v: number[]): number => v.reduce((p, q) => p * q, 1);
export const maxOf = (v: number[]): number => v.reduce((p, q) => Math.max(p, q), -Infinity);
export const minOf = (v: number[]): number => v.reduce((p, q) => Math.min(p, q), Infinity);
export const meanOf = (v: number[]): number => sumOf(v) / v.length;
export const varianceOf = (v: number[]): number => {
  const m = meanOf(v);
  return meanOf(v.map((q) => (q - m) * (q - m)));
};
export const logSumExpOf = (v: number[]): number => {
  const m = maxOf(v);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(sumOf(v.map((q) => Math.exp(q - m))));
};

/** Index of the first max (or min) along one axis. */
export function argReduce(x: Nd, axis: number, better: (a: number, b: number) => boolean): Nd {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const outShape = x.shape.filter((_, i) => i !== a);
  const strides = stridesOf(x.shape);
  const n = sizeOf(outShape);
  const data = new Array<number>(n);
  for (let o = 0; o < n; o++) {
    const oi = unravel(o, outShape);
    const idx = [...oi.slice(0, a), 0, ...oi.slice(a)];
    let best = 0;
    let bestV = x.data[ravel(idx, strides)]!;
    for (let k = 1; k < x.shape[a]!; k++) {
      idx[a] = k;
      const v = x.data[ravel(idx, strides)]!;
      if (better(v, bestV)) {
        best = k;
        bestV = v;
      }
    }
    data[o] = best;
  }
  return { shape: outShape, data };
}

// ------------------------------------------------------------------ shape ops

export function reshape(x: Nd, shape: readonly number[]): Nd {
  return nd(shape, x.data);
}

export function transpose(x: Nd, perm: readonly number[]): Nd {
  const outShape = perm.map((p) => x.shape[p]!);
  const strides = stridesOf(x.shape);
  const n = sizeOf(outShape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const oi = unravel(i, outShape);
    let f = 0;
    for (let d = 0; d < perm.length; d++) f += oi[d]! * strides[perm[d]!]!;
    data[i] = x.data[f]!;
  }
  return { shape: outShape, data };
}

/** begin/size are full-rank and already resolved (no negatives, no -1). */
export function slice(x: Nd, begin: readonly number[], size: readonly number[]): Nd {
  const strides = stridesOf(x.shape);
  const n = sizeOf(size);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const oi = unravel(i, size);
    data[i] = x.data[ravel(oi.map((v, d) => v + begin[d]!), strides)]!;
  }
  return { shape: [...size], data };
}

export function concat(xs: readonly Nd[], axis: number): Nd {
  const rank = xs[0]!.shape.length;
  const a = axis < 0 ? axis + rank : axis;
  const outShape = [...xs[0]!.shape];
  outShape[a] = xs.reduce((p, x) => p + x.shape[a]!, 0);
  const n = sizeOf(outShape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const oi = unravel(i, outShape);
    let k = oi[a]!;
    let j = 0;
    while (k >= xs[j]!.shape[a]!) k -= xs[j++]!.shape[a]!;
    const src = xs[j]!;
    const si = [...oi];
    si[a] = k;
    data[i] = src.data[ravel(si, stridesOf(src.shape))]!;
  }
  return { shape: outShape, data };
}

export function pad(x: Nd, paddings: readonly (readonly [number, number])[], value: number): Nd {
  const outShape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const strides = stridesOf(x.shape);
  const n = sizeOf(outShape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const oi = unravel(i, outShape);
    const si = oi.map((v, d) => v - paddings[d]![0]);
    const inside = si.every((v, d) => v >= 0 && v < x.shape[d]!);
    data[i] = inside ? x.data[ravel(si, strides)]! : value;
  }
  return { shape: outShape, data };
}

export function tile(x: Nd, reps: readonly number[]): Nd {
  const outShape = x.shape.map((d, i) => d * reps[i]!);
  const strides = stridesOf(x.shape);
  const n = sizeOf(outShape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const oi = unravel(i, outShape);
    data[i] = x.data[ravel(oi.map((v, d) => v % x.shape[d]!), strides)]!;
  }
  return { shape: outShape, data };
}

export function gather(x: Nd, indices: Nd, axis: number): Nd {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const outShape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  const strides = stridesOf(x.shape);
  const ir = indices.shape.length;
  const n = sizeOf(outShape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const oi = unravel(i, outShape);
    const idxPart = oi.slice(a, a + ir);
    const which = indices.data[ravel(idxPart, stridesOf(indices.shape))]!;
    const si = [...oi.slice(0, a), which, ...oi.slice(a + ir)];
    data[i] = x.data[ravel(si, strides)]!;
  }
  return { shape: outShape, data };
}

export function oneHot(indices: Nd, depth: number, on: number, off: number): Nd {
  const data: number[] = [];
  for (const v of indices.data) for (let k = 0; k < depth; k++) data.push(v === k ? on : off);
  return { shape: [...indices.shape, depth], data };
}

export function unsortedSegmentSum(x: Nd, ids: readonly number[], numSegments: number): Nd {
  const rowShape = x.shape.slice(1);
  const row = sizeOf(rowShape);
  const data = new Array<number>(numSegments * row).fill(0);
  ids.forEach((id, r) => {
    if (id < 0 || id >= numSegments) return;
    for (let k = 0; k < row; k++) data[id * row + k]! += x.data[r * row + k]!;
  });
  return { shape: [numSegments, ...rowShape], data };
}

// ------------------------------------------------------------------ linear algebra

/** Matrix product over the last two dims with NumPy batch broadcasting. */
export function matmul(a: Nd, b: Nd, transposeA = false, transposeB = false): Nd {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [m, k] = transposeA ? [a.shape[ra - 1]!, a.shape[ra - 2]!] : [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const [k2, n] = transposeB ? [b.shape[rb - 1]!, b.shape[rb - 2]!] : [b.shape[rb - 2]!, b.shape[rb - 1]!];
  if (k !== k2) throw new Error(`reference matmul: ${k} vs ${k2}`);
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...batch, m, n];
  const nb = sizeOf(batch);
  const data = new Array<number>(nb * m * n).fill(0);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchOffset = (own: number[], bi: number[]): number => {
    const off = bi.length - own.length;
    const st = stridesOf(own);
    let f = 0;
    for (let i = 0; i < own.length; i++) f += (own[i] === 1 ? 0 : bi[i + off]!) * st[i]!;
    return f;
  };
  const aMat = a.shape[ra - 2]! * a.shape[ra - 1]!;
  const bMat = b.shape[rb - 2]! * b.shape[rb - 1]!;
  for (let bt = 0; bt < nb; bt++) {
    const bi = unravel(bt, batch);
    const ao = batchOffset(aBatch, bi) * aMat;
    const bo = batchOffset(bBatch, bi) * bMat;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a.data[ao + p * m + i]! : a.data[ao + i * k + p]!;
          const bv = transposeB ? b.data[bo + j * k + p]! : b.data[bo + p * n + j]!;
          s += av * bv;
        }
        data[bt * m * n + i * n + j] = s;
      }
    }
  }
  return { shape: outShape, data };
}

// ------------------------------------------------------------------ softmax family

export function softmax(x: Nd, axis: number): Nd {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const lse = reduce(x, a, true, logSumExpOf);
  return binary(x, lse, (v, l) => Math.exp(v - l));
}

export function logSoftmax(x: Nd, axis: number): Nd {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const lse = reduce(x, a, true, logSumExpOf);
  return binary(x, lse, (v, l) => v - l);
}

export function softmaxCrossEntropy(labels: Nd, logits: Nd): Nd {
  const ls = logSoftmax(logits, -1);
  const prod = binary(labels, ls, (p, q) => -p * q);
  return reduce(prod, -1, false, sumOf);
}

// ------------------------------------------------------------------ convolution and pooling

/** Output size and [before, after] padding of one spatial dim, TensorFlow's rules. */
export function spatialPadding(
  inSize: number,
  k: number,
  stride: number,
  dilation: number,
  padding: 'valid' | 'same' | [number, number],
): { out: number; before: number; after: number } {
  const eff = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((inSize - eff) / stride) + 1, before: 0, after: 0 };
  if (padding === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max(0, (out - 1) * stride + eff - inSize);
    return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
  }
  const [before, after] = padding;
  return { out: Math.floor((inSize + before + after - eff) / stride) + 1, before, after };
}

export interface ConvGeometry {
  strides: [number, number];
  dilations: [number, number];
  /** top, bottom, left, right */
  pad: [number, number, number, number];
  outH: number;
  outW: number;
}

export function convGeometry(
  h: number,
  w: number,
  fh: number,
  fw: number,
  strides: [number, number],
  padding: 'valid' | 'same' | [[number, number], [number, number]],
  dilations: [number, number],
): ConvGeometry {
  const ph = spatialPadding(h, fh, strides[0], dilations[0], padding === 'valid' || padding === 'same' ? padding : padding[0]);
  const pw = spatialPadding(w, fw, strides[1], dilations[1], padding === 'valid' || padding === 'same' ? padding : padding[1]);
  return { strides, dilations, pad: [ph.before, ph.after, pw.before, pw.after], outH: ph.out, outW: pw.out };
}

/**
 * Visits every filter tap that lands inside the input (padding cells never take part): for output
 * cell (b, oy, ox) and tap (ky, kx) reading input cell (b, iy, ix), `visit(out, at, tap)` with
 * out = (b·outH + oy)·outW + ox, at = (b·h + iy)·w + ix and tap = ky·fw + kx; each output cell's
 * taps come in (ky, kx) order.
 */
function forEachTap(inputShape: readonly number[], fh: number, fw: number, g: ConvGeometry, visit: (out: number, at: number, tap: number) => void): void {
  const [nb, h, w] = inputShape as [number, number, number];
  for (let b = 0; b < nb; b++)
    for (let oy = 0; oy < g.outH; oy++)
      for (let ox = 0; ox < g.outW; ox++)
        for (let ky = 0; ky < fh; ky++) {
          const iy = oy * g.strides[0] - g.pad[0] + ky * g.dilations[0];
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < fw; kx++) {
            const ix = ox * g.strides[1] - g.pad[2] + kx * g.dilations[1];
            if (ix < 0 || ix >= w) continue;
            visit((b * g.outH + oy) * g.outW + ox, (b * h + iy) * w + ix, ky * fw + kx);
          }
        }
}

/** NHWC input, HWIO filter. */
export function conv2d(x: Nd, f: Nd, g: ConvGeometry): Nd {
  const [nb, , , c] = x.shape as [number, number, number, number];
  const [fh, fw, , o] = f.shape as [number, number, number, number];
  const out = new Array<number>(nb * g.outH * g.outW * o).fill(0);
  forEachTap(x.shape, fh, fw, g, (cell, at, tap) => {
    for (let ic = 0; ic < c; ic++) for (let oc = 0; oc < o; oc++) out[cell * o + oc]! += x.data[at * c + ic]! * f.data[(tap * c + ic) * o + oc]!;
  });
  return { shape: [nb, g.outH, g.outW, o], data: out };
}

/** NHWC input, filter [fh, fw, C, M]: output channel c·M + m sees only input channel c. */
export function depthwiseConv2d(x: Nd, f: Nd, g: ConvGeometry): Nd {
  const [nb, , , c] = x.shape as [number, number, number, number];
  const [fh, fw, , m] = f.shape as [number, number, number, number];
  const out = new Array<number>(nb * g.outH * g.outW * c * m).fill(0);
  forEachTap(x.shape, fh, fw, g, (cell, at, tap) => {
    for (let ic = 0; ic < c; ic++) for (let q = 0; q < m; q++) out[(cell * c + ic) * m + q]! += x.data[at * c + ic]! * f.data[(tap * c + ic) * m + q]!;
  });
  return { shape: [nb, g.outH, g.outW, c * m], data: out };
}

/** dx of conv2d: every dy cell spreads back through the filter taps it came from. */
export function conv2dBackpropInput(dy: Nd, f: Nd, inputShape: readonly number[], g: ConvGeometry): Nd {
  const c = inputShape[3]!;
  const [fh, fw, , o] = f.shape as [number, number, number, number];
  const dx = new Array<number>(sizeOf(inputShape)).fill(0);
  forEachTap(inputShape, fh, fw, g, (cell, at, tap) => {
    for (let ic = 0; ic < c; ic++) for (let oc = 0; oc < o; oc++) dx[at * c + ic]! += dy.data[cell * o + oc]! * f.data[(tap * c + ic) * o + oc]!;
  });
  return { shape: [...inputShape], data: dx };
}

export function conv2dBackpropFilter(x: Nd, dy: Nd, filterShape: readonly number[], g: ConvGeometry): Nd {
  const c = x.shape[3]!;
  const [fh, fw, , o] = filterShape as [number, number, number, number];
  const df = new Array<number>(fh * fw * c * o).fill(0);
  forEachTap(x.shape, fh, fw, g, (cell, at, tap) => {
    for (let ic = 0; ic < c; ic++) for (let oc = 0; oc < o; oc++) df[(tap * c + ic) * o + oc]! += x.data[at * c + ic]! * dy.data[cell * o + oc]!;
  });
  return { shape: [...filterShape], data: df };
}

/** Visits each window's in-bounds cells (padding cells never take part). */
function forEachWindow(
  xShape: readonly number[],
  k: [number, number],
  g: ConvGeometry,
  visit: (outFlat: number, cells: number[]) => void,
): void {
  const [nb, h, w, c] = xShape as [number, number, number, number];
  for (let b = 0; b < nb; b++)
    for (let oy = 0; oy < g.outH; oy++)
      for (let ox = 0; ox < g.outW; ox++)
        for (let ch = 0; ch < c; ch++) {
          const cells: number[] = [];
          for (let ky = 0; ky < k[0]; ky++) {
            const iy = oy * g.strides[0] - g.pad[0] + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < k[1]; kx++) {
              const ix = ox * g.strides[1] - g.pad[2] + kx;
              if (ix < 0 || ix >= w) continue;
              cells.push(((b * h + iy) * w + ix) * c + ch);
            }
          }
          visit(((b * g.outH + oy) * g.outW + ox) * c + ch, cells);
        }
}

export function maxPool(x: Nd, k: [number, number], g: ConvGeometry): Nd {
  const [nb, , , c] = x.shape as [number, number, number, number];
  const out = new Array<number>(nb * g.outH * g.outW * c);
  forEachWindow(x.shape, k, g, (o, cells) => {
    out[o] = maxOf(cells.map((i) => x.data[i]!));
  });
  return { shape: [nb, g.outH, g.outW, c], data: out };
}

export function avgPool(x: Nd, k: [number, number], g: ConvGeometry): Nd {
  const [nb, , , c] = x.shape as [number, number, number, number];
  const out = new Array<number>(nb * g.outH * g.outW * c);
  forEachWindow(x.shape, k, g, (o, cells) => {
    out[o] = meanOf(cells.map((i) => x.data[i]!));
  });
  return { shape: [nb, g.outH, g.outW, c], data: out };
}

/** dy goes to the first maximum of each window (row-major order within the window). */
export function maxPoolGrad(dy: Nd, x: Nd, k: [number, number], g: ConvGeometry): Nd {
  const dx = new Array<number>(x.data.length).fill(0);
  forEachWindow(x.shape, k, g, (o, cells) => {
    let best = cells[0]!;
    for (const i of cells) if (x.data[i]! > x.data[best]!) best = i;
    dx[best]! += dy.data[o]!;
  });
  return { shape: [...x.shape], data: dx };
}

export function avgPoolGrad(dy: Nd, inputShape: readonly number[], k: [number, number], g: ConvGeometry): Nd {
  const dx = new Array<number>(sizeOf(inputShape)).fill(0);
  forEachWindow(inputShape, k, g, (o, cells) => {
    for (const i of cells) dx[i]! += dy.data[o]! / cells.length;
  });
  return { shape: [...inputShape], data: dx };
}
