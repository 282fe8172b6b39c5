import type { Conv2DAttrs, FusedConv2DAttrs, TensorInfo } from '@tessera/core';
import type { WasmBackend } from '../backend.js';
import type { ThreadPool } from '../threads.js';
import type { WasmKernel, WasmKernelFn } from './kernel.js';
import { sizeOf } from './kernel.js';
import { biasActivation } from './matmul.js';

/** Values of the column buffer per chunk (4 MiB): the im2col matrix is built this many values at a time. */
const COL_BUDGET = 1 << 20;

/**
 * The geometry words assembly/conv.ts reads (class G): n h w c, fh fw o, oh ow, sh sw, dh dw,
 * pt pl, pointwise, chunk.
 */
interface Geometry {
  words: number[];
  /** Values of the column buffer (0: pointwise, the input is its own column matrix). */
  colValues: number;
  /** Output pixels N·oh·ow: the rows of every product. */
  rows: number;
  /** fh·fw·C: the depth of the forward product. */
  depth: number;
  /** Rows per column-buffer chunk. */
  chunk: number;
}

function geometry(xShape: readonly number[], fShape: readonly number[], oh: number, ow: number, attrs: Conv2DAttrs): Geometry {
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [fh, fw, , o] = fShape as [number, number, number, number];
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const [pt, pb, pl, pr] = attrs.pad;
  const depth = fh * fw * c;
  const rows = n * oh * ow;
  const pointwise = fh === 1 && fw === 1 && sh === 1 && sw === 1 && pt === 0 && pb === 0 && pl === 0 && pr === 0;
  const chunk = Math.max(1, Math.min(rows, Math.max(4, Math.floor(COL_BUDGET / Math.max(depth, 1)))));
  const words = [n, h, w, c, fh, fw, o, oh, ow, sh, sw, dh, dw, pt, pl, pointwise ? 1 : 0, chunk];
  return { words, colValues: pointwise ? 0 : chunk * depth, rows, depth, chunk };
}

/** Multiply-adds below which a convolution stays on the calling thread. */
const THREADED_WORK = 1 << 21;

/**
 * The worker pool when there is one, the work (multiply-adds) is worth splitting and there are at
 * least `perThread` of the units it is split by (product rows, or images) for every thread.
 */
function poolFor(backend: WasmBackend, units: number, work: number, perThread = 8): ThreadPool | null {
  const pool = backend.pool;
  return pool && work >= THREADED_WORK && units >= perThread * pool.threads ? pool : null;
}

/** Runs `fn` with the column buffer (when the convolution needs one) and the gemm scratch. */
function withColumns(backend: WasmBackend, colValues: number, fn: (col: number, scratch: number) => void): void {
  const scratch = backend.gemmScratch();
  if (colValues === 0) fn(0, scratch);
  else backend.withScratch(colValues * 4, (col) => fn(col, scratch));
}

const conv2d: WasmKernelFn<Conv2DAttrs> = ({ inputs: [x, f], attrs, backend }) => {
  const [n, h, w] = x!.shape as [number, number, number];
  const [fh, fw, , o] = f!.shape as [number, number, number, number];
  const eff = (k: number, d: number): number => (k - 1) * d + 1;
  const oh = Math.floor((h + attrs.pad[0] + attrs.pad[1] - eff(fh, attrs.dilations[0])) / attrs.strides[0]) + 1;
  const ow = Math.floor((w + attrs.pad[2] + attrs.pad[3] - eff(fw, attrs.dilations[1])) / attrs.strides[1]) + 1;
  const y = backend.empty([n, oh, ow, o], 'float32');
  if (sizeOf(y.shape) === 0) return y;
  const g = geometry(x!.shape, f!.shape, oh, ow, attrs);
  // One input channel and at most 8 filters, stride 1, unpadded: the module's direct image
  // convolution (one thread, no column buffer) beats im2col + a gemm 8 columns wide.
  const image = x!.shape[3] === 1 && o <= 8 && fh * fw <= 64 && attrs.strides.every((v) => v === 1) && attrs.dilations.every((v) => v === 1) && attrs.pad.every((v) => v === 0);
  // Output channels in blocks of 16 over a receptive field of at most 64 values: the module's
  // narrow direct convolution reads the input in place instead of im2col + gemm (threads split it
  // by image). The mirror of the module's narrowConv test.
  const narrow = o % 16 === 0 && g.depth <= 64 && g.colValues > 0;
  const direct = image || narrow;
  const pool = image ? null : narrow ? poolFor(backend, n, g.rows * o * g.depth, 1) : poolFor(backend, g.rows, g.rows * o * g.depth);
  withColumns(backend, direct ? 0 : g.colValues, (col, scratch) => {
    const words = backend.args(g.words);
    if (narrow && pool) return pool.convNarrow(backend.kernels, backend.ptr(y), backend.ptr(x!), backend.ptr(f!), words, n);
    if (!pool) {
      backend.kernels.conv2d(backend.ptr(y), backend.ptr(x!), backend.ptr(f!), words, col, scratch);
      return;
    }
    // y = col · F, one chunk of rows at a time, each product split across the threads.
    const [px, pf, py] = [backend.ptr(x!), backend.ptr(f!), backend.ptr(y)];
    if (g.colValues === 0) return pool.gemm(backend.kernels, g.rows, o, g.depth, px, g.depth, 1, pf, o, 1, py, o, false);
    for (let r0 = 0; r0 < g.rows; r0 += g.chunk) {
      const r1 = Math.min(g.rows, r0 + g.chunk);
      backend.kernels.im2colRows(px, words, r0, r1, col);
      pool.gemm(backend.kernels, r1 - r0, o, g.depth, col, g.depth, 1, pf, o, 1, py + r0 * o * 4, o, false);
    }
  });
  return y;
};

const conv2dBackpropInput: WasmKernelFn<Conv2DAttrs & { inputShape: number[] }> = ({ inputs: [dy, f], attrs, backend }) => {
  const [, oh, ow] = dy!.shape as [number, number, number, number];
  const dx = backend.empty([...attrs.inputShape], 'float32');
  if (sizeOf(dx.shape) === 0) return dx;
  const o = dy!.shape[3]!;
  const g = geometry(attrs.inputShape, f!.shape, oh, ow, attrs);
  const pool = poolFor(backend, g.rows, g.rows * o * g.depth);
  withColumns(backend, g.colValues, (col, scratch) => {
    const words = backend.args(g.words);
    if (!pool) {
      backend.kernels.conv2dBackpropInput(backend.ptr(dx), backend.ptr(dy!), backend.ptr(f!), words, col, scratch);
      return;
    }
    // dcol = dy · Fᵀ on the threads, then col2im here.
    const [pdy, pf, pdx] = [backend.ptr(dy!), backend.ptr(f!), backend.ptr(dx)];
    if (g.colValues === 0) return pool.gemm(backend.kernels, g.rows, g.depth, o, pdy, o, 1, pf, 1, o, pdx, g.depth, false);
    backend.kernels.fill(4, pdx, 0, sizeOf(dx.shape));
    for (let r0 = 0; r0 < g.rows; r0 += g.chunk) {
      const r1 = Math.min(g.rows, r0 + g.chunk);
      pool.gemm(backend.kernels, r1 - r0, g.depth, o, pdy + r0 * o * 4, o, 1, pf, 1, o, col, g.depth, false);
      backend.kernels.col2imRows(col, words, r0, r1, pdx);
    }
  });
  return dx;
};

const conv2dBackpropFilter: WasmKernelFn<Conv2DAttrs & { filterShape: number[] }> = ({ inputs: [x, dy], attrs, backend }) => {
  const [, oh, ow] = dy!.shape as [number, number, number, number];
  const df = backend.empty([...attrs.filterShape], 'float32');
  if (sizeOf(df.shape) === 0) return df;
  const o = dy!.shape[3]!;
  const g = geometry(x!.shape, attrs.filterShape, oh, ow, attrs);
  // dF = colᵀ · dy has only fh·fw·C rows: threads help once there are enough of them.
  const pool = poolFor(backend, g.depth, g.rows * o * g.depth);
  withColumns(backend, g.colValues, (col, scratch) => {
    const words = backend.args(g.words);
    if (!pool) {
      backend.kernels.conv2dBackpropFilter(backend.ptr(df), backend.ptr(x!), backend.ptr(dy!), words, col, scratch);
      return;
    }
    const [px, pdy, pdf] = [backend.ptr(x!), backend.ptr(dy!), backend.ptr(df)];
    if (g.colValues === 0) return pool.gemm(backend.kernels, g.depth, o, g.rows, px, 1, g.depth, pdy, o, 1, pdf, o, false);
    for (let r0 = 0; r0 < g.rows; r0 += g.chunk) {
      const r1 = Math.min(g.rows, r0 + g.chunk);
      backend.kernels.im2colRows(px, words, r0, r1, col);
      pool.gemm(backend.kernels, g.depth, o, r1 - r0, col, 1, g.depth, pdy + r0 * o * 4, o, 1, pdf, o, r0 > 0);
    }
  });
  return df;
};

/** Conv2D, then bias and activation in one pass over its output (the Conv2D layer's forward). */
const fusedConv2d: WasmKernelFn<FusedConv2DAttrs> = (args) => {
  const { inputs: [, f, bias], attrs, backend } = args;
  const y = conv2d(args) as TensorInfo;
  const o = f!.shape[3]!;
  biasActivation(backend, y, sizeOf(y.shape) / Math.max(o, 1), o, attrs.hasBias ? bias : undefined, attrs.activation);
  return y;
};

export const convKernels: WasmKernel[] = [
  { name: 'Conv2D', fn: conv2d },
  { name: 'FusedConv2D', fn: fusedConv2d },
  { name: 'Conv2DBackpropInput', fn: conv2dBackpropInput },
  { name: 'Conv2DBackpropFilter', fn: conv2dBackpropFilter },
];
