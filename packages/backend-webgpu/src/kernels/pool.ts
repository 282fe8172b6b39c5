import type { PoolAttrs, TensorInfo } from '@tessera/core';
import { groupsFor, type WebGPUBackend } from '../backend.js';
import { WG, bindings, flatMain } from '../wgsl.js';
import type { WebGPUKernel, WebGPUKernelFn } from './kernel.js';
import { sizeOf } from './kernel.js';

/**
 * NHWC pooling, one thread per output value (forward) or per input value (gradients, which gather
 * from the windows that contain their cell instead of scattering into it). Windows are clipped to
 * the input, so padding never wins a max nor counts in a mean; the first max of a window (row-major,
 * NaN beating numbers) takes its gradient, as on the cpu backend.
 *
 * P = [count, H, W, C, oh, ow, fh, fw, sh, sw, pt, pl]
 */

const WINDOW = /* wgsl */ `
struct Win { y0: i32, y1: i32, x0: i32, x1: i32 }
fn window(oy: i32, ox: i32) -> Win {
  let ys = oy * P[8] - P[10];
  let xs = ox * P[9] - P[11];
  let y0 = max(0, ys);
  let x0 = max(0, xs);
  return Win(y0, max(y0, min(P[1], ys + P[6])), x0, max(x0, min(P[2], xs + P[7])));
}
// Flat input offset of the first max of channel c in a window of image img; -1 if it is empty.
fn argmaxIn(img: i32, c: i32, w: Win) -> i32 {
  var best = 0.0;
  var at = -1;
  for (var y = w.y0; y < w.y1; y = y + 1) {
    for (var x = w.x0; x < w.x1; x = x + 1) {
      let j = ((img * P[1] + y) * P[2] + x) * P[3] + c;
      let v = XM[j];
      if (at < 0 || v > best || (isnan_(v) && !isnan_(best))) { best = v; at = j; }
    }
  }
  return at;
}
`;

/** Decomposes the flat index i of an [N, A, B, C] tensor. */
const NHWC = (a: string, b: string): string => `  let C = P[3];
  let c = i % C;
  let ${b} = (i / C) % ${b === 'ox' ? 'P[5]' : 'P[2]'};
  let ${a} = (i / (C * ${b === 'ox' ? 'P[5]' : 'P[2]'})) % ${a === 'oy' ? 'P[4]' : 'P[1]'};
  let img = i / (C * ${b === 'ox' ? 'P[5]' : 'P[2]'} * ${a === 'oy' ? 'P[4]' : 'P[1]'});`;

const MAX_POOL = `${bindings('f32', ['f32'])}
${WINDOW.replaceAll('XM[j]', 'X0[j]')}
${flatMain(
  WG,
  `${NHWC('oy', 'ox')}
  let at = argmaxIn(img, c, window(oy, ox));
  if (at < 0) { Y[i] = -inf_(); } else { Y[i] = X0[at]; }`,
)}`;

// The output windows [oy0, oy1] × [ox0, ox1] that cover input pixel (iy, ix): shared by both
// pooling gradients, which gather over them instead of scattering.
const COVERING_WINDOWS = `  let sh = P[8];
  let sw = P[9];
  let lo_y = iy + P[10] - P[6] + 1;
  let lo_x = ix + P[11] - P[7] + 1;
  let oy0 = select(0, (lo_y + sh - 1) / sh, lo_y > 0);
  let ox0 = select(0, (lo_x + sw - 1) / sw, lo_x > 0);
  let oy1 = min(P[4] - 1, (iy + P[10]) / sh);
  let ox1 = min(P[5] - 1, (ix + P[11]) / sw);`;

// inputs [dy, x]
const MAX_POOL_GRAD = `${bindings('f32', ['f32', 'f32'])}
${WINDOW.replaceAll('XM[j]', 'X1[j]')}
${flatMain(
  WG,
  `${NHWC('iy', 'ix')}
${COVERING_WINDOWS}
  var acc = 0.0;
  for (var oy = oy0; oy <= oy1; oy = oy + 1) {
    for (var ox = ox0; ox <= ox1; ox = ox + 1) {
      if (argmaxIn(img, c, window(oy, ox)) == i) { acc = acc + X0[((img * P[4] + oy) * P[5] + ox) * C + c]; }
    }
  }
  Y[i] = acc;`,
)}`;

const AVG_POOL = `${bindings('f32', ['f32'])}
${WINDOW.slice(0, WINDOW.indexOf('// Flat'))}
${flatMain(
  WG,
  `${NHWC('oy', 'ox')}
  let w = window(oy, ox);
  let count = (w.y1 - w.y0) * (w.x1 - w.x0);
  var s = 0.0;
  for (var y = w.y0; y < w.y1; y = y + 1) {
    for (var x = w.x0; x < w.x1; x = x + 1) { s = s + X0[((img * P[1] + y) * P[2] + x) * C + c]; }
  }
  if (count == 0) { Y[i] = 0.0; } else { Y[i] = s / f32(count); }`,
)}`;

// inputs [dy]
const AVG_POOL_GRAD = `${bindings('f32', ['f32'])}
${WINDOW.slice(0, WINDOW.indexOf('// Flat'))}
${flatMain(
  WG,
  `${NHWC('iy', 'ix')}
${COVERING_WINDOWS}
  var acc = 0.0;
  for (var oy = oy0; oy <= oy1; oy = oy + 1) {
    for (var ox = ox0; ox <= ox1; ox = ox + 1) {
      let w = window(oy, ox);
      let count = (w.y1 - w.y0) * (w.x1 - w.x0);
      if (count > 0) { acc = acc + X0[((img * P[4] + oy) * P[5] + ox) * C + c] / f32(count); }
    }
  }
  Y[i] = acc;`,
)}`;

function outSize(inShape: readonly number[], attrs: PoolAttrs): [number, number] {
  const [, h, w] = inShape as [number, number, number];
  const oh = Math.floor((h + attrs.pad[0] + attrs.pad[1] - attrs.filterSize[0]) / attrs.strides[0]) + 1;
  const ow = Math.floor((w + attrs.pad[2] + attrs.pad[3] - attrs.filterSize[1]) / attrs.strides[1]) + 1;
  return [oh, ow];
}

function params(count: number, inShape: readonly number[], oh: number, ow: number, attrs: PoolAttrs): number[] {
  const [, h, w, c] = inShape as [number, number, number, number];
  return [count, h, w, c, oh, ow, attrs.filterSize[0], attrs.filterSize[1], attrs.strides[0], attrs.strides[1], attrs.pad[0], attrs.pad[2]];
}

function runPool(backend: WebGPUBackend, key: string, code: string, out: TensorInfo, inputs: TensorInfo[], inShape: readonly number[], oh: number, ow: number, attrs: PoolAttrs): TensorInfo {
  const count = sizeOf(out.shape);
  if (count === 0) return out;
  backend.run(key, () => code, backend.data(out), inputs.map((t) => backend.data(t)), params(count, inShape, oh, ow, attrs), groupsFor(count, WG));
  return out;
}

const maxPool: WebGPUKernelFn<PoolAttrs> = ({ inputs: [x], attrs, backend }) => {
  const [oh, ow] = outSize(x!.shape, attrs);
  const out = backend.output([x!.shape[0]!, oh, ow, x!.shape[3]!], 'float32');
  return runPool(backend, 'maxpool', MAX_POOL, out, [x!], x!.shape, oh, ow, attrs);
};

const maxPoolGrad: WebGPUKernelFn<PoolAttrs> = ({ inputs: [dy, x], attrs, backend }) => {
  const out = backend.output([...x!.shape], 'float32');
  return runPool(backend, 'maxpoolgrad', MAX_POOL_GRAD, out, [dy!, x!], x!.shape, dy!.shape[1]!, dy!.shape[2]!, attrs);
};

const avgPool: WebGPUKernelFn<PoolAttrs> = ({ inputs: [x], attrs, backend }) => {
  const [oh, ow] = outSize(x!.shape, attrs);
  const out = backend.output([x!.shape[0]!, oh, ow, x!.shape[3]!], 'float32');
  return runPool(backend, 'avgpool', AVG_POOL, out, [x!], x!.shape, oh, ow, attrs);
};

const avgPoolGrad: WebGPUKernelFn<PoolAttrs & { inputShape: number[] }> = ({ inputs: [dy], attrs, backend }) => {
  const out = backend.output([...attrs.inputShape], 'float32');
  return runPool(backend, 'avgpoolgrad', AVG_POOL_GRAD, out, [dy!], attrs.inputShape, dy!.shape[1]!, dy!.shape[2]!, attrs);
};

export const poolKernels: WebGPUKernel[] = [
  { name: 'MaxPool', fn: maxPool },
  { name: 'MaxPoolGrad', fn: maxPoolGrad },
  { name: 'AvgPool', fn: avgPool },
  { name: 'AvgPoolGrad', fn: avgPoolGrad },
];
