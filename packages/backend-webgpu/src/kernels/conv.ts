import type { Conv2DAttrs, FusedConv2DAttrs, TensorInfo } from '@tessera/core';
import { groupsFor, type GPUData, type WebGPUBackend } from '../backend.js';
import { WG, bindings, flatMain } from '../wgsl.js';
import type { WebGPUKernel, WebGPUKernelFn } from './kernel.js';
import { matmulInto, type Epilogue } from './matmul.js';

/**
 * Convolutions as matrix products over the column matrix (NHWC input, HWIO filter): row r of col
 * is output pixel r's receptive field in (ky, kx, c) order, matching the filter's [fh·fw·C, O]
 * layout, so
 *   y = col · F,   dcol = dy · Fᵀ (then col2im),   dF = colᵀ · dy.
 * im2col and col2im are one thread per element; col2im gathers (each input cell sums the column
 * entries copied from it) rather than scattering, so it needs no atomics. 1×1 stride-1 unpadded
 * convolutions skip both: the input already is the column matrix.
 */

interface Geometry {
  n: number;
  h: number;
  w: number;
  c: number;
  fh: number;
  fw: number;
  oh: number;
  ow: number;
  rows: number;
  depth: number;
  pointwise: boolean;
  /** h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, depth: the params after the element count. */
  params: number[];
}

function geometry(xShape: readonly number[], fShape: readonly number[], oh: number, ow: number, attrs: Conv2DAttrs): Geometry {
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [fh, fw] = fShape as [number, number];
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const [pt, pb, pl, pr] = attrs.pad;
  const depth = fh * fw * c;
  const pointwise = fh === 1 && fw === 1 && sh === 1 && sw === 1 && pt === 0 && pb === 0 && pl === 0 && pr === 0;
  return { n, h, w, c, fh, fw, oh, ow, rows: n * oh * ow, depth, pointwise, params: [h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, depth] };
}

// P = [count, H, W, C, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, depth]
const IM2COL = `${bindings('f32', ['f32'])}${flatMain(
  WG,
  `  let C = P[3];
  let depth = P[14];
  let r = i / depth;
  let d = i % depth;
  let c = d % C;
  let kx = (d / C) % P[7];
  let ky = d / (C * P[7]);
  let ow = P[5];
  let ox = r % ow;
  let oy = (r / ow) % P[4];
  let img = r / (ow * P[4]);
  let iy = oy * P[8] - P[12] + ky * P[10];
  let ix = ox * P[9] - P[13] + kx * P[11];
  if (iy < 0 || iy >= P[1] || ix < 0 || ix >= P[2]) { Y[i] = 0.0; return; }
  Y[i] = X0[((img * P[1] + iy) * P[2] + ix) * C + c];`,
)}`;

const COL2IM = `${bindings('f32', ['f32'])}${flatMain(
  WG,
  `  let H = P[1];
  let W = P[2];
  let C = P[3];
  let oh = P[4];
  let ow = P[5];
  let sh = P[8];
  let sw = P[9];
  let depth = P[14];
  let c = i % C;
  let ix = (i / C) % W;
  let iy = (i / (C * W)) % H;
  let img = i / (C * W * H);
  var acc = 0.0;
  for (var ky = 0; ky < P[6]; ky = ky + 1) {
    let ty = iy + P[12] - ky * P[10];
    if (ty < 0 || ty % sh != 0 || ty / sh >= oh) { continue; }
    let oy = ty / sh;
    for (var kx = 0; kx < P[7]; kx = kx + 1) {
      let tx = ix + P[13] - kx * P[11];
      if (tx < 0 || tx % sw != 0 || tx / sw >= ow) { continue; }
      let r = (img * oh + oy) * ow + tx / sw;
      acc = acc + X0[r * depth + (ky * P[7] + kx) * C + c];
    }
  }
  Y[i] = acc;`,
)}`;

/** The column matrix of x, in a temporary buffer the caller disposes. */
function im2col(backend: WebGPUBackend, x: GPUData, g: Geometry): GPUData {
  const col = backend.makeData([g.rows, g.depth], 'float32');
  const count = g.rows * g.depth;
  backend.run('im2col', () => IM2COL, col, [x], [count, ...g.params], groupsFor(count, WG));
  return col;
}

function outSize(h: number, w: number, fh: number, fw: number, attrs: Conv2DAttrs): [number, number] {
  const eff = (k: number, d: number): number => (k - 1) * d + 1;
  const oh = Math.floor((h + attrs.pad[0] + attrs.pad[1] - eff(fh, attrs.dilations[0])) / attrs.strides[0]) + 1;
  const ow = Math.floor((w + attrs.pad[2] + attrs.pad[3] - eff(fw, attrs.dilations[1])) / attrs.strides[1]) + 1;
  return [oh, ow];
}

/** y = col · F, with the fused kernel's bias and activation applied by the product's store when given. */
function convForward({ inputs: [xInfo, fInfo], attrs, backend }: Parameters<WebGPUKernelFn<Conv2DAttrs>>[0], epilogue: Epilogue | null): TensorInfo {
  const [n, h, w] = xInfo!.shape as [number, number, number];
  const [fh, fw, , o] = fInfo!.shape as [number, number, number, number];
  const [oh, ow] = outSize(h, w, fh, fw, attrs);
  const g = geometry(xInfo!.shape, fInfo!.shape, oh, ow, attrs);
  const out: TensorInfo = backend.output([n, oh, ow, o], 'float32');
  if (g.rows * o === 0) return out;
  const x = backend.data(xInfo!);
  const col = g.pointwise ? x : im2col(backend, x, g);
  matmulInto(backend, col, backend.data(fInfo!), backend.data(out), { batch: 1, m: g.rows, n: o, k: g.depth, batchA: 1, batchB: 1 }, false, false, epilogue);
  if (col !== x) backend.disposeData(col);
  return out;
}

const conv2d: WebGPUKernelFn<Conv2DAttrs> = (args) => convForward(args, null);

const fusedConv2d: WebGPUKernelFn<FusedConv2DAttrs> = (args) => {
  const { inputs: [, , bias], attrs, backend } = args;
  return convForward(args, { bias: attrs.hasBias && bias ? backend.data(bias) : null, activation: attrs.activation });
};

const conv2dBackpropInput: WebGPUKernelFn<Conv2DAttrs & { inputShape: number[] }> = ({ inputs: [dyInfo, fInfo], attrs, backend }) => {
  const [, oh, ow, o] = dyInfo!.shape as [number, number, number, number];
  const g = geometry(attrs.inputShape, fInfo!.shape, oh, ow, attrs);
  const out = backend.output([...attrs.inputShape], 'float32');
  const dx = backend.data(out);
  const count = g.n * g.h * g.w * g.c;
  if (count === 0) return out;
  const dy = backend.data(dyInfo!);
  const f = backend.data(fInfo!);
  if (g.pointwise) {
    matmulInto(backend, dy, f, dx, { batch: 1, m: g.rows, n: g.c, k: o, batchA: 1, batchB: 1 }, false, true);
    return out;
  }
  const dcol = backend.makeData([g.rows, g.depth], 'float32');
  matmulInto(backend, dy, f, dcol, { batch: 1, m: g.rows, n: g.depth, k: o, batchA: 1, batchB: 1 }, false, true);
  backend.run('col2im', () => COL2IM, dx, [dcol], [count, ...g.params], groupsFor(count, WG));
  backend.disposeData(dcol);
  return out;
};

const conv2dBackpropFilter: WebGPUKernelFn<Conv2DAttrs & { filterShape: number[] }> = ({ inputs: [xInfo, dyInfo], attrs, backend }) => {
  const [, oh, ow, o] = dyInfo!.shape as [number, number, number, number];
  const g = geometry(xInfo!.shape, attrs.filterShape, oh, ow, attrs);
  const out = backend.output([...attrs.filterShape], 'float32');
  if (g.depth * o === 0) return out;
  const x = backend.data(xInfo!);
  const col = g.pointwise ? x : im2col(backend, x, g);
  matmulInto(backend, col, backend.data(dyInfo!), backend.data(out), { batch: 1, m: g.depth, n: o, k: g.rows, batchA: 1, batchB: 1 }, true, false);
  if (col !== x) backend.disposeData(col);
  return out;
};

export const convKernels: WebGPUKernel[] = [
  { name: 'Conv2D', fn: conv2d },
  { name: 'FusedConv2D', fn: fusedConv2d },
  { name: 'Conv2DBackpropInput', fn: conv2dBackpropInput },
  { name: 'Conv2DBackpropFilter', fn: conv2dBackpropFilter },
];
