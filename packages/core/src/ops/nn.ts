import { ENGINE } from '../engine.js';
import type { Conv2DAttrs, FusedActivation, PoolAttrs } from '../kernel_names.js';
import { TesseraError, fmtShape } from '../errors.js';
import { parseAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, erf, exp, expm1, greater, maximum, minimum, mul, neg, relu, sigmoid, sub, tanh, where } from './elementwise.js';
import { logSumExp, max, sum } from './reduce.js';
import { cast, pad, reshape, slice } from './shape_ops.js';
import { tidy } from '../globals.js';
import { applyFusedActivation, checkFusedActivation } from './fused.js';
import { checkValue } from './creation.js';
import { convert, op, runKernel, type TensorLike } from './op.js';

function floatArg(name: string, x: TensorLike, arg = 'x'): Tensor {
  const t = convert(name, x, arg);
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

/** Clamps values to [lo, hi]. */
export const clipByValue = op('clipByValue', (x: TensorLike, lo: number, hi: number): Tensor => {
  if (!(lo <= hi)) throw new TesseraError(`clipByValue: min (${lo}) must be <= max (${hi})`);
  checkValue('clipByValue', 'min', lo, 'float32');
  checkValue('clipByValue', 'max', hi, 'float32');
  const t = convert('clipByValue', x, 'x');
  return minimum(maximum(t, lo), hi);
});
export const clip = clipByValue;

export const relu6 = op('relu6', (x: TensorLike): Tensor => minimum(relu(convert('relu6', x, 'x')), 6));

/** x for x > 0, alpha·x otherwise. */
export const leakyRelu = op('leakyRelu', (x: TensorLike, alpha = 0.2): Tensor => {
  const t = floatArg('leakyRelu', x);
  return where(greater(t, 0), t, mul(t, alpha));
});

/** x for x > 0, alpha·(exp(x) − 1) otherwise. */
export const elu = op('elu', (x: TensorLike, alpha = 1): Tensor => {
  const t = floatArg('elu', x);
  return where(greater(t, 0), t, mul(expm1(minimum(t, 0)), alpha));
});

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
export const selu = op('selu', (x: TensorLike): Tensor => mul(elu(x, SELU_ALPHA), SELU_SCALE));

/** Gaussian error linear unit: exact (erf) by default, or the tanh approximation. */
export const gelu = op('gelu', (x: TensorLike, approximate = false): Tensor => {
  const t = floatArg('gelu', x);
  if (approximate) {
    const c = Math.sqrt(2 / Math.PI);
    const inner = mul(add(t, mul(mul(mul(t, t), t), 0.044715)), c);
    return mul(mul(t, 0.5), add(1, tanh(inner)));
  }
  return mul(mul(t, 0.5), add(1, erf(mul(t, Math.SQRT1_2))));
});

export const swish = op('swish', (x: TensorLike): Tensor => {
  const t = floatArg('swish', x);
  return mul(t, sigmoid(t));
});

/** Softmax along an axis (default the last), stable for large logits. */
export const softmax = op('softmax', (logits: TensorLike, axis = -1): Tensor => {
  const t = floatArg('softmax', logits, 'logits');
  if (t.rank === 0) throw new TesseraError('softmax: expected a tensor of rank >= 1, got a scalar');
  const a = parseAxis('softmax', axis, t.rank);
  if (a === t.rank - 1 && ENGINE.hasKernel('Softmax')) return runKernel('Softmax', [t]);
  const e = exp(sub(t, max(t, a, true)));
  return div(e, sum(e, a, true));
});

export const logSoftmax = op('logSoftmax', (logits: TensorLike, axis = -1): Tensor => {
  const t = floatArg('logSoftmax', logits, 'logits');
  if (t.rank === 0) throw new TesseraError('logSoftmax: expected a tensor of rank >= 1, got a scalar');
  const a = parseAxis('logSoftmax', axis, t.rank);
  return sub(t, logSumExp(t, a, true));
});

/**
 * Per-example softmax cross-entropy: −Σ labels · logSoftmax(logits) over the last axis.
 * `labels` are probabilities of the logits' shape. One kernel where the backend has it.
 */
export const softmaxCrossEntropy = op('softmaxCrossEntropy', (labels: TensorLike, logits: TensorLike): Tensor => {
  const lg = floatArg('softmaxCrossEntropy', logits, 'logits');
  const lb = floatArg('softmaxCrossEntropy', labels, 'labels');
  if (lg.rank < 1 || lb.shape.length !== lg.shape.length || lb.shape.some((d, i) => d !== lg.shape[i])) {
    throw new TesseraError(`softmaxCrossEntropy: labels ${fmtShape(lb.shape)} and logits ${fmtShape(lg.shape)} must have the same shape of rank >= 1`);
  }
  const c = lg.shape[lg.rank - 1]!;
  if (ENGINE.hasKernel('SoftmaxCrossEntropy')) {
    const y = runKernel('SoftmaxCrossEntropy', [reshape(lg, [-1, c]), reshape(lb, [-1, c])]);
    return reshape(y, lg.shape.slice(0, -1));
  }
  return neg(sum(mul(lb, logSoftmax(lg, -1)), -1));
});

export type Padding = 'valid' | 'same' | number | [[number, number], [number, number]];

function pair(name: string, v: number | [number, number], what: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.some((x) => !Number.isInteger(x) || x < 1)) throw new TesseraError(`${name}: ${what} must be positive integers, got ${JSON.stringify(v)}`);
  return p;
}

/** Output size and [before, after] padding of one spatial dimension. */
function spatial(name: string, inSize: number, k: number, stride: number, dilation: number, padding: Padding, dim: 0 | 1): [number, number, number] {
  const eff = (k - 1) * dilation + 1;
  let before: number;
  let after: number;
  if (padding === 'valid') {
    before = after = 0;
  } else if (padding === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + eff - inSize, 0);
    before = Math.floor(total / 2);
    after = total - before;
  } else if (typeof padding === 'number') {
    before = after = padding;
  } else if (Array.isArray(padding) && padding.length === 2) {
    [before, after] = padding[dim];
  } else {
    throw new TesseraError(`${name}: padding must be 'valid', 'same', a number or [[top, bottom], [left, right]], got ${JSON.stringify(padding)}`);
  }
  if (!Number.isInteger(before) || !Number.isInteger(after) || before < 0 || after < 0) {
    throw new TesseraError(`${name}: explicit padding must be non-negative integers, got ${JSON.stringify(padding)}`);
  }
  const out = Math.floor((inSize + before + after - eff) / stride) + 1;
  return [out, before, after];
}

export interface Conv2DInfo {
  attrs: Conv2DAttrs;
  outShape: [number, number, number, number];
}

export function conv2dInfo(
  name: string,
  xShape: readonly number[],
  fShape: readonly number[],
  strides: number | [number, number],
  padding: Padding,
  dilations: number | [number, number],
): Conv2DInfo {
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [fh, fw, fc, o] = fShape as [number, number, number, number];
  if (c !== fc) {
    throw new TesseraError(`${name}: input channels differ: x is ${fmtShape(xShape)} (NHWC, ${c} channels), filter is ${fmtShape(fShape)} (HWIO, ${fc} in-channels)`);
  }
  const s = pair(name, strides, 'strides');
  const d = pair(name, dilations, 'dilations');
  const [oh, pt, pb] = spatial(name, h, fh, s[0], d[0], padding, 0);
  const [ow, pl, pr] = spatial(name, w, fw, s[1], d[1], padding, 1);
  if (oh <= 0 || ow <= 0) {
    throw new TesseraError(`${name}: the ${fh}x${fw} filter (dilation ${d}) does not fit the ${h}x${w} input with padding ${JSON.stringify(padding)}: output would be ${oh}x${ow}`);
  }
  return { attrs: { strides: s, pad: [pt, pb, pl, pr], dilations: d }, outShape: [n, oh, ow, o] };
}

/** A convolution's float32 operands: x as a batch (a rank-3 x is one image), the filter as HWIO. */
function convOperands(name: string, x: TensorLike, filter: TensorLike): { t: Tensor; f: Tensor; unbatched: boolean } {
  let t = floatArg(name, x);
  const f = floatArg(name, filter, 'filter');
  const unbatched = t.rank === 3;
  if (unbatched) t = reshape(t, [1, ...t.shape]);
  if (t.rank !== 4) throw new TesseraError(`${name}: x must be rank 4 (NHWC) or 3 (HWC), got ${fmtShape(t.shape)}`);
  if (f.rank !== 4) throw new TesseraError(`${name}: filter must be rank 4 [height, width, inChannels, outChannels], got ${fmtShape(f.shape)}`);
  return { t, f, unbatched };
}

/**
 * 2-D convolution (cross-correlation) of NHWC input with an HWIO filter. A rank-3 input is one image.
 */
export const conv2d = op(
  'conv2d',
  (x: TensorLike, filter: TensorLike, strides: number | [number, number] = 1, padding: Padding = 'valid', dilations: number | [number, number] = 1): Tensor => {
    const { t, f, unbatched } = convOperands('conv2d', x, filter);
    const info = conv2dInfo('conv2d', t.shape, f.shape, strides, padding, dilations);
    const y = runKernel('Conv2D', [t, f], { ...info.attrs });
    return unbatched ? reshape(y, y.shape.slice(1)) : y;
  },
);

export interface FusedConv2DArgs {
  x: TensorLike;
  filter: TensorLike;
  strides?: number | [number, number];
  padding?: Padding;
  dilations?: number | [number, number];
  /** One value per output channel: shape [outChannels]. */
  bias?: TensorLike;
  activation?: FusedActivation;
}

/**
 * activation(conv2d(x, filter) + bias), in one kernel where the backend has 'FusedConv2D' (the
 * Conv2D layer's forward pass), else composed from conv2d, add and the activation.
 */
export const fusedConv2d = op('fusedConv2d', (args: FusedConv2DArgs): Tensor => {
  const { strides = 1, padding = 'valid', dilations = 1, activation = 'linear' } = args;
  const { t, f, unbatched } = convOperands('fusedConv2d', args.x, args.filter);
  const info = conv2dInfo('fusedConv2d', t.shape, f.shape, strides, padding, dilations);
  const o = f.shape[3]!;
  let bias: Tensor | undefined;
  if (args.bias !== undefined) {
    bias = floatArg('fusedConv2d', args.bias, 'bias');
    if (bias.rank !== 1 || bias.shape[0] !== o) throw new TesseraError(`fusedConv2d: bias of shape ${fmtShape(bias.shape)} does not match the ${o} output channels: expected [${o}]`);
  }
  checkFusedActivation('fusedConv2d', activation);
  let y: Tensor;
  if (ENGINE.hasKernel('FusedConv2D')) {
    y = runKernel('FusedConv2D', bias ? [t, f, bias] : [t, f], { ...info.attrs, activation, hasBias: bias !== undefined });
  } else {
    y = runKernel('Conv2D', [t, f], { ...info.attrs });
    if (bias) y = add(y, bias);
    y = applyFusedActivation('fusedConv2d', y, activation);
  }
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
});

const fmtPad = (p: Padding): string => (typeof p === 'string' ? `'${p}'` : JSON.stringify(p));

/**
 * Transposed 2-D convolution (conv2d's gradient with respect to its input, also called
 * deconvolution), as TF.js's conv2dTranspose: x [N,h,w,inChannels] and a filter [fh,fw,outChannels,
 * inChannels] make a tensor of `outputShape` ([N,H,W,outChannels], or [H,W,outChannels] for a rank-3
 * x). `outputShape` is the input of the conv2d being transposed: conv2d of an [H,W] image with these
 * strides, padding and dilations must give x's [h,w]. Its gradients are conv2d and its filter backprop.
 */
export const conv2dTranspose = op(
  'conv2dTranspose',
  (
    x: TensorLike,
    filter: TensorLike,
    outputShape: readonly number[],
    strides: number | [number, number] = 1,
    padding: Padding = 'valid',
    dilations: number | [number, number] = 1,
  ): Tensor => {
    const name = 'conv2dTranspose';
    let t = floatArg(name, x);
    const f = floatArg(name, filter, 'filter');
    const unbatched = t.rank === 3;
    if (unbatched) t = reshape(t, [1, ...t.shape]);
    if (t.rank !== 4) throw new TesseraError(`${name}: x must be rank 4 (NHWC) or 3 (HWC), got ${fmtShape(t.shape)}`);
    if (f.rank !== 4) throw new TesseraError(`${name}: filter must be rank 4 [height, width, outChannels, inChannels], got ${fmtShape(f.shape)}`);
    const [n, h, w, c] = t.shape as [number, number, number, number];
    const [fh, fw, fo, fi] = f.shape as [number, number, number, number];
    if (fi !== c) {
      throw new TesseraError(`${name}: x ${fmtShape(t.shape)} has ${c} channels but the filter ${fmtShape(f.shape)} ([height, width, outChannels, inChannels]) expects ${fi}`);
    }
    const okShape = Array.isArray(outputShape) && (outputShape.length === 4 || outputShape.length === 3) && outputShape.every((d) => Number.isInteger(d) && d >= 1);
    if (!okShape) throw new TesseraError(`${name}: outputShape must be [batch, height, width, channels] or [height, width, channels] of positive integers, got ${JSON.stringify(outputShape)}`);
    const out = outputShape.length === 3 ? [n, ...outputShape] : [...outputShape];
    const [on, oh, ow, oc] = out as [number, number, number, number];
    if (on !== n || oc !== fo) {
      throw new TesseraError(`${name}: outputShape ${JSON.stringify(outputShape)} must have x's batch ${n} and the filter's ${fo} outChannels (filter ${fmtShape(f.shape)}, x ${fmtShape(t.shape)})`);
    }
    const s = pair(name, strides, 'strides');
    const d = pair(name, dilations, 'dilations');
    const [fwdH] = spatial(name, oh, fh, s[0], d[0], padding, 0);
    const [fwdW] = spatial(name, ow, fw, s[1], d[1], padding, 1);
    if (fwdH !== h || fwdW !== w) {
      throw new TesseraError(
        `${name}: outputShape ${JSON.stringify(outputShape)} does not match x ${fmtShape(t.shape)}: conv2d of a ${oh}x${ow} input with the ${fh}x${fw} filter ` +
          `(strides ${s}, dilations ${d}, padding ${fmtPad(padding)}) gives ${fwdH}x${fwdW}, not x's ${h}x${w}`,
      );
    }
    const info = conv2dInfo(name, out, [fh, fw, fo, fi], s, padding, d);
    const y = runKernel('Conv2DBackpropInput', [t, f], { ...info.attrs, inputShape: out });
    return unbatched ? reshape(y, y.shape.slice(1)) : y;
  },
);

/**
 * Depthwise 2-D convolution, as TF.js's depthwiseConv2d: each input channel is convolved with its own
 * channelMultiplier filters. x [N,H,W,C], filter [fh,fw,C,M] → [N,outH,outW,C·M], output channel
 * c·M + m from input channel c and filter [:,:,c,m]. Composed (one strided window per filter tap times
 * that tap's weights, summed), so it runs on every backend and autograd differentiates it.
 */
export const depthwiseConv2d = op(
  'depthwiseConv2d',
  (x: TensorLike, filter: TensorLike, strides: number | [number, number] = 1, padding: Padding = 'valid', dilations: number | [number, number] = 1): Tensor => {
    const name = 'depthwiseConv2d';
    let t = floatArg(name, x);
    const f = floatArg(name, filter, 'filter');
    const unbatched = t.rank === 3;
    if (unbatched) t = reshape(t, [1, ...t.shape]);
    if (t.rank !== 4) throw new TesseraError(`${name}: x must be rank 4 (NHWC) or 3 (HWC), got ${fmtShape(t.shape)}`);
    if (f.rank !== 4) throw new TesseraError(`${name}: filter must be rank 4 [height, width, inChannels, channelMultiplier], got ${fmtShape(f.shape)}`);
    const [n, , , c] = t.shape as [number, number, number, number];
    const [fh, fw, fc, m] = f.shape as [number, number, number, number];
    if (fc !== c) {
      throw new TesseraError(`${name}: input channels differ: x is ${fmtShape(t.shape)} (NHWC, ${c} channels), filter is ${fmtShape(f.shape)} ([height, width, inChannels, channelMultiplier], ${fc} in-channels)`);
    }
    // The geometry (output size, padding) of a conv2d with this window.
    const { attrs, outShape } = conv2dInfo(name, t.shape, [fh, fw, c, c * m], strides, padding, dilations);
    const [, oh, ow] = outShape;
    const [sh, sw] = attrs.strides;
    const [dh, dw] = attrs.dilations;
    const [pt, pb, pl, pr] = attrs.pad;
    // Pad so that every tap's window of oh·sh rows (ow·sw columns) lies inside, then keep every
    // stride-th row and column of it.
    const hp = t.shape[1]! + pt + pb;
    const wp = t.shape[2]! + pl + pr;
    const extraH = Math.max(0, (fh - 1) * dh + oh * sh - hp);
    const extraW = Math.max(0, (fw - 1) * dw + ow * sw - wp);
    const padded = pad(t, [[0, 0], [pt, pb + extraH], [pl, pr + extraW], [0, 0]]);
    const taps = reshape(f, [fh, fw, 1, 1, 1, c, m]);
    let acc: Tensor | null = null;
    for (let ky = 0; ky < fh; ky++) {
      for (let kx = 0; kx < fw; kx++) {
        const prev: Tensor | null = acc;
        acc = tidy(() => {
          let win = slice(padded, [0, ky * dh, kx * dw, 0], [n, oh * sh, ow * sw, c]);
          if (sh > 1 || sw > 1) win = slice(reshape(win, [n, oh, sh, ow, sw, c]), [0, 0, 0, 0, 0, 0], [n, oh, 1, ow, 1, c]);
          const term = mul(reshape(win, [n, oh, ow, c, 1]), reshape(slice(taps, [ky, kx], [1, 1]), [1, 1, 1, c, m]));
          return prev ? add(prev, term) : term;
        });
        prev?.dispose();
      }
    }
    const y = reshape(acc!, [n, oh, ow, c * m]);
    return unbatched ? reshape(y, y.shape.slice(1)) : y;
  },
);

function poolInfo(name: string, xShape: readonly number[], poolSize: number | [number, number], strides: number | [number, number] | undefined, padding: Padding): { attrs: PoolAttrs } {
  const k = pair(name, poolSize, 'poolSize');
  const s = pair(name, strides ?? k, 'strides');
  const [, h, w] = xShape as [number, number, number, number];
  const [oh, pt, pb] = spatial(name, h, k[0], s[0], 1, padding, 0);
  const [ow, pl, pr] = spatial(name, w, k[1], s[1], 1, padding, 1);
  if (oh <= 0 || ow <= 0) throw new TesseraError(`${name}: the ${k[0]}x${k[1]} window does not fit the ${h}x${w} input with padding ${JSON.stringify(padding)}`);
  return { attrs: { filterSize: k, strides: s, pad: [pt, pb, pl, pr] } };
}

const pool = /* @__NO_SIDE_EFFECTS__ */ (name: string, kernel: string) =>
  op(name, (x: TensorLike, poolSize: number | [number, number] = 2, strides?: number | [number, number], padding: Padding = 'valid'): Tensor => {
    let t = floatArg(name, x);
    const unbatched = t.rank === 3;
    if (unbatched) t = reshape(t, [1, ...t.shape]);
    if (t.rank !== 4) throw new TesseraError(`${name}: x must be rank 4 (NHWC) or 3 (HWC), got ${fmtShape(t.shape)}`);
    const { attrs } = poolInfo(name, t.shape, poolSize, strides, padding);
    const y = runKernel(kernel, [t], attrs as unknown as Record<string, unknown>);
    return unbatched ? reshape(y, y.shape.slice(1)) : y;
  });

/** Max over each window (NHWC). Strides default to the pool size. */
export const maxPool2d = pool('maxPool2d', 'MaxPool');
/** Mean over each window's cells inside the input (NHWC). */
export const avgPool2d = pool('avgPool2d', 'AvgPool');
