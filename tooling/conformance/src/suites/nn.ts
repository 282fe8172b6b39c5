import { avgPool2d, conv2d, conv2dTranspose, depthwiseConv2d, div, fusedConv2d, logSoftmax, maxPool2d, softmax, softmaxCrossEntropy, sum, tidy, type FusedActivation, type Padding } from '@tessera/core';
import { caseSuite, type OpCase, type SuiteContext } from '../harness.js';
import { choice, ints, uniform, type InputSpec } from '../inputs.js';
import * as R from '../reference.js';

const unit = uniform(-1, 1);

/** Tolerance scale where logits are large: absolute errors grow with ulp(|x|). */
const LARGE = 200;

function softmaxCases(name: 'softmax' | 'logSoftmax'): OpCase[] {
  const f = name === 'softmax' ? softmax : logSoftmax;
  const ref = name === 'softmax' ? R.softmax : R.logSoftmax;
  const c = (label: string, input: InputSpec, axis?: number, tolScale = 5): OpCase => ({
    name: `${name} ${label}${axis === undefined ? '' : ` axis ${axis}`}`,
    inputs: [input],
    run: (x) => (axis === undefined ? f(x!) : f(x!, axis)),
    ref: (x) => ref(x!, axis ?? -1),
    tolScale,
  });
  return [
    c('[7]', { shape: [7], gen: uniform(-5, 5) }),
    c('[4,9] (default last axis)', { shape: [4, 9], gen: uniform(-5, 5) }),
    c('[4,9]', { shape: [4, 9], gen: uniform(-5, 5) }, 0),
    ...[0, 1, 2, -1, -2].map((axis) => c('[2,3,5]', { shape: [2, 3, 5], gen: uniform(-5, 5) }, axis)),
    c('[3,1] over a size-1 axis', { shape: [3, 1] }, 1),
    // float32 logits near 1000 are only known to ±3e-5, so x − logSumExp(x) is only that exact.
    c('large logits ±1000 stay finite', { shape: [3, 6], gen: uniform(-1000, 1000) }, undefined, LARGE),
    c('large equal logits', { shape: [2, 4], values: [1000, 1000, 1000, 1000, -1000, -1000, -1000, -1000] }, undefined, LARGE),
    c('large logits', { shape: [5, 3], gen: uniform(200, 900) }, 0, LARGE),
    c('int32 logits → float32', { shape: [3, 4], dtype: 'int32', gen: ints(-5, 5) }),
    c('size-0 batch [0,4]', { shape: [0, 4] }),
  ];
}

/** Labels are made row-normalised (probabilities) inside the case, from positive draws. */
function crossEntropy(label: string, shape: number[], logitGen = uniform(-5, 5), labelGen = uniform(0.01, 1), tolScale = 10): OpCase {
  return {
    name: `softmaxCrossEntropy ${label}`,
    inputs: [{ shape, gen: labelGen }, { shape, gen: logitGen }],
    run: (raw, logits) => tidy(() => softmaxCrossEntropy(div(raw!, sum(raw!, -1, true)), logits!)),
    ref: (raw, logits) => {
      const labels = R.binary(raw!, R.reduce(raw!, -1, true, R.sumOf), (p, q) => p / q);
      return R.softmaxCrossEntropy(labels, logits!);
    },
    tolScale,
  };
}

const SOFTMAX: OpCase[] = [
  ...softmaxCases('softmax'),
  ...softmaxCases('logSoftmax'),
  crossEntropy('[5,7]', [5, 7]),
  crossEntropy('one-hot labels [4,3]', [4, 3], uniform(-5, 5), choice([0, 0, 1])),
  crossEntropy('rank 3 [2,3,4]', [2, 3, 4]),
  crossEntropy('rank 1 [6]', [6]),
  crossEntropy('large logits ±1000 stay finite', [3, 5], uniform(-1000, 1000), uniform(0.01, 1), LARGE),
  crossEntropy('[1,1]', [1, 1]),
];

type RefPadding = 'valid' | 'same' | [[number, number], [number, number]];

function refPadding(p: Padding): RefPadding {
  if (p === 'valid' || p === 'same') return p;
  if (typeof p === 'number') return [[p, p], [p, p]];
  return p;
}

interface ConvSpec {
  label: string;
  x: number[];
  f: number[];
  strides?: number | [number, number];
  padding?: Padding;
  dilations?: number | [number, number];
}

const pairOf = (v: number | [number, number] | undefined): [number, number] => (v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : v);

function convCase(s: ConvSpec): OpCase {
  const padding = s.padding ?? 'valid';
  return {
    name: `conv2d ${s.label}: x [${s.x}] filter [${s.f}]`,
    inputs: [{ shape: s.x, gen: unit }, { shape: s.f, gen: unit }],
    run: (x, f) => conv2d(x!, f!, s.strides ?? 1, padding, s.dilations ?? 1),
    ref: (x, f) => {
      const batched = x!.shape.length === 4 ? x! : R.reshape(x!, [1, ...x!.shape]);
      const [, h, w] = batched.shape as [number, number, number, number];
      const g = R.convGeometry(h, w, f!.shape[0]!, f!.shape[1]!, pairOf(s.strides), refPadding(padding), pairOf(s.dilations));
      const y = R.conv2d(batched, f!, g);
      return x!.shape.length === 4 ? y : R.reshape(y, y.shape.slice(1));
    },
    tolScale: 10,
  };
}

const CONV: OpCase[] = [
  { label: 'valid', x: [2, 6, 7, 3], f: [3, 3, 3, 4] },
  { label: 'same', x: [2, 6, 7, 3], f: [3, 3, 3, 4], padding: 'same' },
  { label: 'stride 2 same', x: [1, 7, 8, 2], f: [3, 2, 2, 3], strides: 2, padding: 'same' },
  { label: 'stride 2 valid (odd sizes)', x: [1, 9, 7, 2], f: [3, 3, 2, 2], strides: 2 },
  { label: 'strides [2,1] valid', x: [2, 7, 6, 1], f: [2, 3, 1, 2], strides: [2, 1] },
  { label: 'dilation 2 valid', x: [1, 8, 8, 2], f: [3, 3, 2, 2], dilations: 2 },
  { label: 'dilations [2,1] same', x: [1, 7, 6, 2], f: [3, 2, 2, 3], padding: 'same', dilations: [2, 1] },
  { label: 'explicit padding [[1,2],[0,1]] stride 2', x: [1, 6, 5, 2], f: [3, 3, 2, 2], strides: 2, padding: [[1, 2], [0, 1]] },
  { label: 'numeric padding 1', x: [1, 5, 5, 3], f: [3, 3, 3, 1], padding: 1 },
  { label: 'rank-3 input (one image)', x: [5, 6, 2], f: [2, 2, 2, 3] },
  { label: '1x1 filter', x: [2, 4, 4, 5], f: [1, 1, 5, 3] },
  { label: 'filter larger than input, same', x: [1, 2, 2, 1], f: [3, 3, 1, 2], padding: 'same' },
  { label: 'single output pixel', x: [3, 3, 3, 2], f: [3, 3, 2, 4] },
].map((s) => convCase(s as ConvSpec));

CONV.push({
  name: 'conv2d int32 input → float32',
  inputs: [{ shape: [1, 4, 4, 1], dtype: 'int32', gen: ints(-3, 3) }, { shape: [2, 2, 1, 1], gen: unit }],
  run: (x, f) => conv2d(x!, f!),
  ref: (x, f) => R.conv2d(x!, f!, R.convGeometry(4, 4, 2, 2, [1, 1], 'valid', [1, 1])),
});

/** conv2dTranspose is Conv2DBackpropInput with x as dy: s.x is its output shape, s.f [fh,fw,outC,inC]. */
function convTransposeCase(s: ConvSpec): OpCase {
  const padding = s.padding ?? 'valid';
  const [n, h, w] = s.x as [number, number, number, number];
  const g = R.convGeometry(h, w, s.f[0]!, s.f[1]!, pairOf(s.strides), refPadding(padding), pairOf(s.dilations));
  return {
    name: `conv2dTranspose ${s.label}: output [${s.x}] filter [${s.f}]`,
    inputs: [{ shape: [n, g.outH, g.outW, s.f[3]!], gen: unit }, { shape: s.f, gen: unit }],
    run: (x, f) => conv2dTranspose(x!, f!, s.x, s.strides ?? 1, padding, s.dilations ?? 1),
    ref: (x, f) => R.conv2dBackpropInput(x!, f!, s.x, g),
    tolScale: 10,
  };
}

const CONV_TRANSPOSE: OpCase[] = [
  { label: 'valid', x: [2, 6, 5, 3], f: [3, 3, 3, 2] },
  { label: 'stride 2 same', x: [1, 8, 7, 2], f: [3, 3, 2, 4], strides: 2, padding: 'same' },
  { label: 'stride 2 valid (kernel 2, the usual upsampling)', x: [2, 6, 4, 1], f: [2, 2, 1, 3], strides: 2 },
  { label: 'strides [2,3] valid with an extra row and column', x: [1, 8, 9, 2], f: [3, 2, 2, 2], strides: [2, 3] },
  { label: 'dilation 2 same', x: [1, 6, 6, 2], f: [3, 3, 2, 2], padding: 'same', dilations: 2 },
  { label: 'explicit padding [[1,0],[2,1]] stride 2', x: [1, 7, 6, 1], f: [3, 3, 1, 2], strides: 2, padding: [[1, 0], [2, 1]] },
].map((s) => convTransposeCase(s as ConvSpec));

CONV_TRANSPOSE.push({
  name: 'conv2dTranspose rank-3 input with outputShape [H,W,C]',
  inputs: [{ shape: [3, 3, 2], gen: unit }, { shape: [2, 2, 3, 2], gen: unit }],
  run: (x, f) => conv2dTranspose(x!, f!, [6, 6, 3], 2),
  ref: (x, f) => {
    const y = R.conv2dBackpropInput(R.reshape(x!, [1, 3, 3, 2]), f!, [1, 6, 6, 3], R.convGeometry(6, 6, 2, 2, [2, 2], 'valid', [1, 1]));
    return R.reshape(y, [6, 6, 3]);
  },
  tolScale: 10,
});

function depthwiseCase(s: ConvSpec): OpCase {
  const padding = s.padding ?? 'valid';
  return {
    name: `depthwiseConv2d ${s.label}: x [${s.x}] filter [${s.f}]`,
    inputs: [{ shape: s.x, gen: unit }, { shape: s.f, gen: unit }],
    run: (x, f) => depthwiseConv2d(x!, f!, s.strides ?? 1, padding, s.dilations ?? 1),
    ref: (x, f) => {
      const batched = x!.shape.length === 4 ? x! : R.reshape(x!, [1, ...x!.shape]);
      const [, h, w] = batched.shape as [number, number, number, number];
      const g = R.convGeometry(h, w, f!.shape[0]!, f!.shape[1]!, pairOf(s.strides), refPadding(padding), pairOf(s.dilations));
      const y = R.depthwiseConv2d(batched, f!, g);
      return x!.shape.length === 4 ? y : R.reshape(y, y.shape.slice(1));
    },
    tolScale: 10,
  };
}

const DEPTHWISE: OpCase[] = [
  { label: 'valid', x: [2, 6, 5, 3], f: [3, 3, 3, 1] },
  { label: 'same, channel multiplier 2', x: [1, 5, 6, 2], f: [3, 3, 2, 2], padding: 'same' },
  { label: 'stride 2 same (odd sizes)', x: [1, 7, 5, 2], f: [3, 3, 2, 1], strides: 2, padding: 'same' },
  { label: 'strides [2,1] valid, multiplier 3', x: [2, 7, 6, 2], f: [2, 3, 2, 3], strides: [2, 1] },
  { label: 'dilation 2 same', x: [1, 7, 7, 3], f: [3, 3, 3, 1], padding: 'same', dilations: 2 },
  { label: 'explicit padding [[1,2],[0,1]] stride 2', x: [1, 6, 5, 2], f: [3, 3, 2, 2], strides: 2, padding: [[1, 2], [0, 1]] },
  { label: 'rank-3 input (one image)', x: [5, 4, 2], f: [2, 2, 2, 1] },
  { label: '1x1 filter', x: [2, 3, 3, 4], f: [1, 1, 4, 2] },
].map((s) => depthwiseCase(s as ConvSpec));

const CONV_ACTIVATIONS: Record<FusedActivation, (v: number) => number> = {
  linear: (v) => v,
  relu: (v) => Math.max(v, 0),
  sigmoid: R.sigmoid,
  tanh: Math.tanh,
};

/** fusedConv2d: the fused kernel where a backend has it, conv2d + bias + activation where not. */
function fusedConvCase(s: ConvSpec, activation: FusedActivation, withBias: boolean): OpCase {
  const padding = s.padding ?? 'valid';
  const o = s.f[3]!;
  const conv = convCase(s);
  return {
    name: `fusedConv2d ${activation}${withBias ? ' + bias' : ''} ${s.label}: x [${s.x}] filter [${s.f}]`,
    inputs: withBias ? [...conv.inputs, { shape: [o], gen: unit }] : conv.inputs,
    run: (x, f, bias) => fusedConv2d({ x: x!, filter: f!, strides: s.strides, padding, dilations: s.dilations, bias, activation }),
    ref: (x, f, bias) => {
      let y = conv.ref(x!, f!) as R.Nd;
      if (bias) y = R.binary(y, bias, (p, q) => p + q);
      return R.map(y, CONV_ACTIVATIONS[activation]);
    },
    tolScale: 10,
  };
}

const FUSED_CONV: OpCase[] = [
  ...(['linear', 'relu', 'sigmoid', 'tanh'] as const).flatMap((a) => [
    fusedConvCase({ label: 'valid', x: [2, 6, 7, 3], f: [3, 3, 3, 4] }, a, true),
    fusedConvCase({ label: 'same', x: [2, 6, 7, 3], f: [3, 3, 3, 4], padding: 'same' }, a, false),
  ]),
  // Shapes the wasm backend takes special paths for, and biases of 6 and 5 channels (not whole vectors).
  fusedConvCase({ label: 'LeNet-5 conv2 (16 filters over 6 channels)', x: [2, 13, 13, 6], f: [3, 3, 6, 16] }, 'relu', true),
  fusedConvCase({ label: 'one channel into 6 filters', x: [2, 10, 9, 1], f: [3, 3, 1, 6] }, 'relu', true),
  fusedConvCase({ label: 'stride 2 same, 5 filters', x: [1, 7, 6, 3], f: [2, 2, 3, 5], strides: 2, padding: 'same' }, 'relu', true),
  fusedConvCase({ label: 'dilation 2, 3 filters', x: [1, 8, 8, 2], f: [3, 3, 2, 3], dilations: 2 }, 'linear', true),
  fusedConvCase({ label: 'rank-3 input (one image)', x: [5, 6, 2], f: [2, 2, 2, 3] }, 'tanh', true),
];

interface PoolSpec {
  label: string;
  x: number[];
  size: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  gen?: InputSpec['gen'];
}

function poolCase(kind: 'max' | 'avg', s: PoolSpec): OpCase {
  const padding = s.padding ?? 'valid';
  const k = pairOf(s.size);
  const strides = s.strides === undefined ? k : pairOf(s.strides);
  return {
    name: `${kind}Pool2d ${s.label}: x [${s.x}] window [${k}] strides [${strides}]`,
    inputs: [{ shape: s.x, gen: s.gen ?? uniform(-3, 3) }],
    run: (x) => (kind === 'max' ? maxPool2d : avgPool2d)(x!, s.size, s.strides, padding),
    ref: (x) => {
      const batched = x!.shape.length === 4 ? x! : R.reshape(x!, [1, ...x!.shape]);
      const [, h, w] = batched.shape as [number, number, number, number];
      const g = R.convGeometry(h, w, k[0], k[1], strides, refPadding(padding), [1, 1]);
      const y = kind === 'max' ? R.maxPool(batched, k, g) : R.avgPool(batched, k, g);
      return x!.shape.length === 4 ? y : R.reshape(y, y.shape.slice(1));
    },
    tolScale: 5,
  };
}

const POOLS: PoolSpec[] = [
  { label: '2x2 default strides', x: [2, 6, 6, 3], size: 2 },
  { label: '3x3 stride 2 same', x: [1, 7, 7, 2], size: 3, strides: 2, padding: 'same' },
  { label: '3x3 stride 1 same', x: [1, 5, 6, 2], size: 3, strides: 1, padding: 'same' },
  { label: '2x2 stride 2 same on odd input', x: [2, 5, 5, 1], size: 2, strides: 2, padding: 'same' },
  { label: '[2,3] window strides [1,2] valid', x: [1, 6, 7, 2], size: [2, 3], strides: [1, 2] },
  { label: 'explicit padding 1', x: [1, 4, 4, 2], size: 3, strides: 1, padding: 1 },
  { label: 'rank-3 input', x: [6, 4, 3], size: 2 },
  { label: 'window 1', x: [1, 3, 3, 2], size: 1 },
  { label: 'all-negative input with same padding (padding never wins)', x: [1, 5, 5, 1], size: 3, strides: 2, padding: 'same', gen: uniform(-5, -1) },
];

export function nnSuite(ctx: SuiteContext): void {
  caseSuite(ctx, 'softmax, logSoftmax, softmaxCrossEntropy', SOFTMAX);
  caseSuite(ctx, 'softmax on transposed inputs', SOFTMAX.filter((c) => c.name.startsWith('softmax [2,3,5]')), ['transposed']);
  caseSuite(ctx, 'conv2d (NHWC)', CONV);
  caseSuite(ctx, 'conv2d on transposed and sliced inputs', CONV.slice(0, 2), ['transposed', 'sliced']);
  caseSuite(ctx, 'conv2dTranspose (Conv2DBackpropInput of x)', CONV_TRANSPOSE);
  caseSuite(ctx, 'depthwiseConv2d (composed)', DEPTHWISE);
  caseSuite(ctx, 'depthwiseConv2d on transposed and sliced inputs', DEPTHWISE.slice(0, 2), ['transposed', 'sliced']);
  caseSuite(ctx, 'fusedConv2d (conv2d + bias + activation)', FUSED_CONV);
  caseSuite(ctx, 'fusedConv2d on sliced inputs', FUSED_CONV.slice(2, 3), ['sliced']);
  caseSuite(ctx, 'maxPool2d', POOLS.map((s) => poolCase('max', s)), ['sliced']);
  caseSuite(ctx, 'avgPool2d (mean over the cells inside the input)', POOLS.map((s) => poolCase('avg', s)), ['sliced']);
}
