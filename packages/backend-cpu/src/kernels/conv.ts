import type { Conv2DAttrs, FusedConv2DAttrs, TensorInfo } from '@tessera/core';
import type { FloatArray } from '../backend.js';
import { gemm, type Epilogue } from './gemm.js';
import type { CpuKernel, CpuKernelFn } from './kernel.js';

/**
 * Convolutions as matrix products (NHWC input, HWIO filter). Each output pixel is a row: im2col
 * copies its receptive field into a row of length fh·fw·C, whose order (ky, kx, c) matches the
 * filter's [fh·fw·C, O] layout, so
 *   y  = col · F,     dcol = dy · Fᵀ (then col2im scatters it back),     dF = colᵀ · dy.
 * The column buffer is built for a chunk of rows at a time to bound its memory; 1×1 stride-1
 * unpadded convolutions skip it, since there the input already is the column matrix.
 */

/** Values of the column buffer per chunk (4 MiB as float32). */
const COL_BUDGET = 1 << 20;

interface Geometry {
  h: number;
  w: number;
  c: number;
  fh: number;
  fw: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
  /** Output pixels: N·oh·ow. */
  rows: number;
  /** Length of a column row: fh·fw·C. */
  depth: number;
  /** Rows per column-buffer chunk. */
  chunk: number;
  /** The input is its own column matrix. */
  pointwise: boolean;
}

function geometry(xShape: readonly number[], fShape: readonly number[], oh: number, ow: number, attrs: Conv2DAttrs): Geometry {
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [fh, fw] = fShape as [number, number];
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const [pt, pb, pl, pr] = attrs.pad;
  const depth = fh * fw * c;
  const rows = n * oh * ow;
  const pointwise = fh === 1 && fw === 1 && sh === 1 && sw === 1 && pt === 0 && pb === 0 && pl === 0 && pr === 0;
  const chunk = Math.min(rows, Math.max(4, Math.floor(COL_BUDGET / Math.max(depth, 1))));
  return { h, w, c, fh, fw, oh, ow, sh, sw, dh, dw, pt, pl, rows, depth, chunk, pointwise };
}

/** Where output row r0 starts: its image and output coordinates. */
function rowStart(g: Geometry, r0: number): [number, number, number] {
  const plane = g.oh * g.ow;
  const img = Math.floor(r0 / plane);
  const oy = Math.floor((r0 - img * plane) / g.ow);
  return [img, oy, r0 - img * plane - oy * g.ow];
}

/**
 * Copies the receptive fields of output rows [r0, r1) into col, zeros where they overlap the
 * padding. The output coordinates advance incrementally; nothing is divided per element.
 */
function im2col(x: FloatArray, g: Geometry, r0: number, r1: number, col: FloatArray): void {
  const { h, w, c, fh, fw, oh, ow, sh, sw, dh, dw, pt, pl } = g;
  let [img, oy, ox] = rowStart(g, r0);
  let ci = 0;
  for (let r = r0; r < r1; r++) {
    const base = img * h * w * c;
    const iy0 = oy * sh - pt;
    const ix0 = ox * sw - pl;
    for (let ky = 0; ky < fh; ky++) {
      const iy = iy0 + ky * dh;
      if (iy < 0 || iy >= h) {
        col.fill(0, ci, ci + fw * c);
        ci += fw * c;
        continue;
      }
      const rowBase = base + iy * w * c;
      for (let kx = 0; kx < fw; kx++, ci += c) {
        const ix = ix0 + kx * dw;
        if (ix < 0 || ix >= w) for (let t = 0; t < c; t++) col[ci + t] = 0;
        else for (let t = 0, xi = rowBase + ix * c; t < c; t++) col[ci + t] = x[xi + t]!;
      }
    }
    if (++ox === ow) {
      ox = 0;
      if (++oy === oh) {
        oy = 0;
        img++;
      }
    }
  }
}

/** The adjoint of im2col: adds every column entry back onto the input cell it was copied from. */
function col2im(col: FloatArray, g: Geometry, r0: number, r1: number, dx: FloatArray): void {
  const { h, w, c, fh, fw, oh, ow, sh, sw, dh, dw, pt, pl } = g;
  let [img, oy, ox] = rowStart(g, r0);
  let ci = 0;
  for (let r = r0; r < r1; r++) {
    const base = img * h * w * c;
    const iy0 = oy * sh - pt;
    const ix0 = ox * sw - pl;
    for (let ky = 0; ky < fh; ky++) {
      const iy = iy0 + ky * dh;
      if (iy < 0 || iy >= h) {
        ci += fw * c;
        continue;
      }
      const rowBase = base + iy * w * c;
      for (let kx = 0; kx < fw; kx++, ci += c) {
        const ix = ix0 + kx * dw;
        if (ix >= 0 && ix < w) for (let t = 0, xi = rowBase + ix * c; t < c; t++) dx[xi + t] += col[ci + t]!;
      }
    }
    if (++ox === ow) {
      ox = 0;
      if (++oy === oh) {
        oy = 0;
        img++;
      }
    }
  }
}

/** y = conv(x, F), with the fused kernel's bias and activation applied in the gemm's store when given. */
function convForward({ inputs: [xInfo, fInfo], attrs, backend }: Parameters<CpuKernelFn<Conv2DAttrs>>[0], epilogue: Epilogue | null): TensorInfo {
  const [n, h, w] = xInfo!.shape as [number, number, number];
  const [fh, fw, , o] = fInfo!.shape as [number, number, number, number];
  const eff = (k: number, d: number): number => (k - 1) * d + 1;
  const oh = Math.floor((h + attrs.pad[0] + attrs.pad[1] - eff(fh, attrs.dilations[0])) / attrs.strides[0]) + 1;
  const ow = Math.floor((w + attrs.pad[2] + attrs.pad[3] - eff(fw, attrs.dilations[1])) / attrs.strides[1]) + 1;
  const g = geometry(xInfo!.shape, fInfo!.shape, oh, ow, attrs);
  const x = backend.floats(xInfo!);
  const f = backend.floats(fInfo!);
  const y = backend.floatArray(g.rows * o);
  if (g.pointwise) {
    gemm(g.rows, o, g.c, x, 0, false, f, 0, false, y, 0, false, epilogue);
  } else {
    const col = backend.floatArray(g.chunk * g.depth);
    for (let r0 = 0; r0 < g.rows; r0 += g.chunk) {
      const r1 = Math.min(g.rows, r0 + g.chunk);
      im2col(x, g, r0, r1, col);
      gemm(r1 - r0, o, g.depth, col, 0, false, f, 0, false, y, r0 * o, false, epilogue);
    }
  }
  return backend.output(y, [n, oh, ow, o], 'float32');
}

const conv2d: CpuKernelFn<Conv2DAttrs> = (args) => convForward(args, null);

const fusedConv2d: CpuKernelFn<FusedConv2DAttrs> = (args) => {
  const { inputs: [, , bias], attrs, backend } = args;
  return convForward(args, { bias: attrs.hasBias && bias ? backend.floats(bias) : null, activation: attrs.activation });
};

const conv2dBackpropInput: CpuKernelFn<Conv2DAttrs & { inputShape: number[] }> = ({ inputs: [dyInfo, fInfo], attrs, backend }) => {
  const [, oh, ow, o] = dyInfo!.shape as [number, number, number, number];
  const g = geometry(attrs.inputShape, fInfo!.shape, oh, ow, attrs);
  const dy = backend.floats(dyInfo!);
  const f = backend.floats(fInfo!);
  const dx = backend.floatArray(attrs.inputShape.reduce((p, d) => p * d, 1));
  if (g.pointwise) {
    gemm(g.rows, g.c, o, dy, 0, false, f, 0, true, dx, 0, false);
  } else {
    const col = backend.floatArray(g.chunk * g.depth);
    for (let r0 = 0; r0 < g.rows; r0 += g.chunk) {
      const r1 = Math.min(g.rows, r0 + g.chunk);
      gemm(r1 - r0, g.depth, o, dy, r0 * o, false, f, 0, true, col, 0, false);
      col2im(col, g, r0, r1, dx);
    }
  }
  return backend.output(dx, [...attrs.inputShape], 'float32');
};

const conv2dBackpropFilter: CpuKernelFn<Conv2DAttrs & { filterShape: number[] }> = ({ inputs: [xInfo, dyInfo], attrs, backend }) => {
  const [, oh, ow, o] = dyInfo!.shape as [number, number, number, number];
  const g = geometry(xInfo!.shape, attrs.filterShape, oh, ow, attrs);
  const x = backend.floats(xInfo!);
  const dy = backend.floats(dyInfo!);
  const df = backend.floatArray(g.depth * o);
  if (g.pointwise) {
    gemm(g.c, o, g.rows, x, 0, true, dy, 0, false, df, 0, false);
  } else {
    const col = backend.floatArray(g.chunk * g.depth);
    for (let r0 = 0; r0 < g.rows; r0 += g.chunk) {
      const r1 = Math.min(g.rows, r0 + g.chunk);
      im2col(x, g, r0, r1, col);
      gemm(g.depth, o, r1 - r0, col, 0, true, dy, r0 * o, false, df, 0, r0 > 0);
    }
  }
  return backend.output(df, [...attrs.filterShape], 'float32');
};

export const convKernels: CpuKernel[] = [
  { name: 'Conv2D', fn: conv2d },
  { name: 'FusedConv2D', fn: fusedConv2d },
  { name: 'Conv2DBackpropInput', fn: conv2dBackpropInput },
  { name: 'Conv2DBackpropFilter', fn: conv2dBackpropFilter },
];
