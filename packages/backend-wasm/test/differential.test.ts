// The wasm kernels against the cpu backend on inputs large enough to take the fast paths the
// conformance suite's small cases never reach: SIMD rows with remainders, packed matmul blocks
// and edge tiles, tiled transposes, chunked im2col.
import '../src/node.js';
import '@tessera/backend-cpu';
import { Random, runKernel, setBackend, tensor, type DataType } from '@tessera/core';
import { expectClose } from '@tessera/conformance';
import { afterAll, describe, it } from 'vitest';

interface Input {
  shape: number[];
  dtype?: DataType;
  values?: number[];
}

function draw(spec: Input, r: Random): number[] {
  const n = spec.shape.reduce((p, d) => p * d, 1);
  if (spec.values) return spec.values;
  if (spec.dtype === 'int32') return Array.from({ length: n }, () => r.int(41) - 20);
  if (spec.dtype === 'bool') return Array.from({ length: n }, () => (r.next() < 0.5 ? 1 : 0));
  return Array.from({ length: n }, () => Math.fround(r.uniform(-2, 2)));
}

async function runOn(backend: string, kernel: string, inputs: Input[], data: number[][], attrs: Record<string, unknown>): Promise<{ shape: number[]; values: number[] }> {
  await setBackend(backend);
  const xs = inputs.map((s, i) => tensor(data[i]!, s.shape, s.dtype ?? 'float32'));
  try {
    const y = runKernel(kernel, xs, attrs);
    const values = Array.from(await y.data());
    const shape = [...y.shape];
    y.dispose();
    return { shape, values };
  } finally {
    xs.forEach((t) => t.dispose());
  }
}

function check(name: string, kernel: string, inputs: Input[], attrs: Record<string, unknown> = {}, rtol = 1e-5, atol = 1e-5): void {
  it(name, async () => {
    const r = new Random(name.length * 7919 + 1);
    const data = inputs.map((s) => draw(s, r));
    const want = await runOn('cpu', kernel, inputs, data, attrs);
    const got = await runOn('wasm', kernel, inputs, data, attrs);
    if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) throw new Error(`${name}: shape ${got.shape} vs ${want.shape}`);
    expectClose(got.values, want.values, { rtol, atol, op: name, shape: want.shape });
  });
}

afterAll(async () => {
  await setBackend('cpu');
});

describe('elementwise on long rows (SIMD bodies and remainders)', () => {
  for (const k of ['Add', 'Sub', 'Mul', 'Div', 'Maximum', 'Minimum', 'Pow', 'Mod']) {
    check(`${k} [1027]`, k, [{ shape: [1027] }, { shape: [1027] }]);
    check(`${k} [33,67] with [67]`, k, [{ shape: [33, 67] }, { shape: [67] }]);
    check(`${k} scalar with [259]`, k, [{ shape: [] }, { shape: [259] }]);
    // A per-channel operand over rows of a few channels: tiled into long SIMD rows (with a remainder of rows).
    check(`${k} [301,6] with [6]`, k, [{ shape: [301, 6] }, { shape: [6] }]);
    check(`${k} [6] with [7,43,6]`, k, [{ shape: [6] }, { shape: [7, 43, 6] }]);
    check(`${k} [4,5,9,13] with [13]`, k, [{ shape: [4, 5, 9, 13] }, { shape: [13] }]);
  }
  for (const k of ['Add', 'Sub', 'Mul', 'Maximum', 'Minimum', 'Mod']) {
    check(`${k} int32 [1031] with [1031]`, k, [{ shape: [1031], dtype: 'int32' }, { shape: [1031], dtype: 'int32', values: Array.from({ length: 1031 }, (_, i) => (i % 7) - 3) }]);
  }
  for (const k of ['Neg', 'Abs', 'Square', 'Sqrt', 'Floor', 'Ceil', 'Round', 'Relu', 'Exp', 'Tanh', 'Sigmoid', 'Erf', 'Softplus']) {
    check(`${k} [1029]`, k, [{ shape: [1029] }]);
  }
  check('Erf far tails', 'Erf', [{ shape: [8], values: [-7, -4, -2.6, -2.4, 2.4, 2.6, 4, 7] }]);
  check('Cast float → int32 (wrapping like ToInt32)', 'Cast', [{ shape: [6], values: [3.7, -3.7, 3e9, -3e9, 1e20, -0.5] }], { dtype: 'int32' });
  check('Select [40,1] ? [40,37] : [37]', 'Select', [{ shape: [40, 1], dtype: 'bool' }, { shape: [40, 37] }, { shape: [37] }]);
  check('Less [300] vs [300]', 'Less', [{ shape: [300] }, { shape: [300] }]);
});

describe('special values match the cpu backend exactly', () => {
  const special = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, -7, 1e-30, 1e30, 88.5, -88.5, 100, -100];
  const n = special.length;
  const a = { shape: [n, n], values: special.flatMap((v) => special.map(() => v)) };
  const b = { shape: [n, n], values: special.flatMap(() => special) };
  for (const k of ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Maximum', 'Minimum', 'Mod', 'Less', 'Equal', 'GreaterEqual']) {
    check(`${k} on every pair of special values`, k, [a, b], {}, 0, 0);
  }
  const ints = [0, 1, -1, 7, -7, 2147483647, -2147483648, 3, -3, 1000000];
  const ia = { shape: [10, 10], dtype: 'int32' as const, values: ints.flatMap((v) => ints.map(() => v)) };
  const ib = { shape: [10, 10], dtype: 'int32' as const, values: ints.flatMap(() => ints) };
  for (const k of ['Add', 'Sub', 'Mul', 'Maximum', 'Minimum', 'Mod']) check(`${k} int32 wrap-around and zero divisors`, k, [ia, ib], {}, 0, 0);
  for (const k of ['Neg', 'Abs', 'Square', 'Sign', 'Relu']) check(`${k} int32 extremes`, k, [{ shape: [10], dtype: 'int32', values: ints }], {}, 0, 0);
  const u = { shape: [n], values: special };
  for (const k of ['Neg', 'Abs', 'Square', 'Sign', 'Relu', 'Floor', 'Ceil', 'Round', 'Sqrt', 'Rsqrt', 'Reciprocal', 'Exp', 'Log', 'Log1p', 'Expm1', 'Sin', 'Cos', 'Tanh', 'Sigmoid', 'Softplus', 'Erf']) {
    check(`${k} of special values`, k, [u], {}, 1e-6, 0);
  }
  check('Cast special values to int32', 'Cast', [u], { dtype: 'int32' }, 0, 0);
  check('Cast special values to bool', 'Cast', [u], { dtype: 'bool' }, 0, 0);
  check('Max and Min with NaN rows', 'Max', [{ shape: [4, 3], values: [1, NaN, 2, 3, 4, 5, -Infinity, -Infinity, -Infinity, NaN, NaN, 0] }], { axes: [1] }, 0, 0);
  check('ArgMax with NaN and ties', 'ArgMax', [{ shape: [4, 3], values: [1, NaN, 2, 5, 5, 5, -Infinity, -Infinity, -Infinity, 2, NaN, NaN] }], { axis: 1 }, 0, 0);
  check('MaxPool with NaN and -Infinity', 'MaxPool', [{ shape: [1, 2, 4, 1], values: [NaN, 1, -Infinity, -Infinity, 2, 3, -Infinity, -Infinity] }], { filterSize: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0] }, 0, 0);
});

describe('reductions and layout kernels', () => {
  check('Sum over axis 1 of [7,300,5]', 'Sum', [{ shape: [7, 300, 5] }], { axes: [1] }, 1e-5, 1e-4);
  // Contiguous rows: the f64x2 SIMD sum, with remainders.
  check('Sum over axis 1 of [5,1027]', 'Sum', [{ shape: [5, 1027] }], { axes: [1] }, 1e-5, 1e-4);
  check('Sum of all [100003]', 'Sum', [{ shape: [100003] }], { axes: [0] }, 1e-5, 1e-3);
  check('Sum of all [3] (no full vector)', 'Sum', [{ shape: [3] }], { axes: [0] });
  check('Max over axes [0,2] of [9,8,7]', 'Max', [{ shape: [9, 8, 7] }], { axes: [0, 2] });
  check('Prod int32 over axis 0', 'Prod', [{ shape: [5, 11], dtype: 'int32' }], { axes: [0] });
  check('ArgMin over axis 1 of [6,50,3]', 'ArgMin', [{ shape: [6, 50, 3] }], { axis: 1 });
  check('Transpose [70,90] (tiled)', 'Transpose', [{ shape: [70, 90] }], { perm: [1, 0] });
  check('Transpose [3,40,50,2] perm [0,2,1,3]', 'Transpose', [{ shape: [3, 40, 50, 2] }], { perm: [0, 2, 1, 3] });
  check('Transpose [5,6,7] perm [2,0,1]', 'Transpose', [{ shape: [5, 6, 7] }], { perm: [2, 0, 1] });
  check('Transpose bool [33,35]', 'Transpose', [{ shape: [33, 35], dtype: 'bool' }], { perm: [1, 0] });
  check('Slice [20,30,4] → [5,17,3]', 'Slice', [{ shape: [20, 30, 4] }], { begin: [3, 10, 1], size: [5, 17, 3] });
  check('Pad [4,5,6] int32', 'Pad', [{ shape: [4, 5, 6], dtype: 'int32' }], { paddings: [[1, 2], [0, 3], [2, 0]], value: 7 });
  check('Tile [3,4,5] by [2,1,3]', 'Tile', [{ shape: [3, 4, 5] }], { reps: [2, 1, 3] });
  check('Concat axis 1', 'Concat', [{ shape: [4, 3, 5] }, { shape: [4, 6, 5] }, { shape: [4, 1, 5] }], { axis: 1 });
  check('Gather axis 1 of [3,50,4]', 'Gather', [{ shape: [3, 50, 4] }, { shape: [7, 2], dtype: 'int32', values: [0, 49, 3, 3, 10, 20, 30, 40, 1, 2, 5, 8, 13, 21] }], { axis: 1 });
  check('UnsortedSegmentSum [60,9] into 5', 'UnsortedSegmentSum', [{ shape: [60, 9] }, { shape: [60], dtype: 'int32', values: Array.from({ length: 60 }, (_, i) => (i * 7) % 6) }], { numSegments: 5 });
});

describe('matmul through the packed path', () => {
  const sizes: [number, number, number][] = [
    [64, 64, 64],
    [131, 259, 67],
    [5, 300, 1030],
    [257, 70, 9],
  ];
  for (const [m, k, n] of sizes) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = { shape: ta ? [1, k, m] : [1, m, k] };
      const b = { shape: tb ? [1, n, k] : [1, k, n] };
      check(`[${m},${k}]@[${k},${n}] ta=${ta} tb=${tb}`, 'BatchMatMul', [a, b], { transposeA: ta, transposeB: tb }, 1e-4, 1e-4);
    }
  }
  check('batched [3,40,50]@[1,50,60]', 'BatchMatMul', [{ shape: [3, 40, 50] }, { shape: [1, 50, 60] }], { transposeA: false, transposeB: false }, 1e-4, 1e-4);
  check('batched [1,40,50]@[3,60,50] tb', 'BatchMatMul', [{ shape: [1, 40, 50] }, { shape: [3, 60, 50] }], { transposeA: false, transposeB: true }, 1e-4, 1e-4);
  for (const activation of ['linear', 'relu', 'sigmoid', 'tanh']) {
    check(`FusedMatMul ${activation} with bias`, 'FusedMatMul', [{ shape: [2, 33, 40] }, { shape: [2, 40, 29] }, { shape: [29] }], { transposeA: false, transposeB: false, activation, hasBias: true }, 1e-4, 1e-4);
  }
});

describe('convolutions and pools at training sizes', () => {
  const conv = { strides: [1, 1], pad: [1, 1, 1, 1], dilations: [1, 1] };
  check('Conv2D [2,14,14,8] * [3,3,8,16] same', 'Conv2D', [{ shape: [2, 14, 14, 8] }, { shape: [3, 3, 8, 16] }], conv, 1e-4, 1e-4);
  check('Conv2D pointwise', 'Conv2D', [{ shape: [2, 9, 9, 12] }, { shape: [1, 1, 12, 20] }], { strides: [1, 1], pad: [0, 0, 0, 0], dilations: [1, 1] }, 1e-4, 1e-4);
  check('Conv2DBackpropInput', 'Conv2DBackpropInput', [{ shape: [2, 14, 14, 16] }, { shape: [3, 3, 8, 16] }], { ...conv, inputShape: [2, 14, 14, 8] }, 1e-4, 1e-4);
  check('Conv2DBackpropFilter', 'Conv2DBackpropFilter', [{ shape: [2, 14, 14, 8] }, { shape: [2, 14, 14, 16] }], { ...conv, filterShape: [3, 3, 8, 16] }, 1e-4, 1e-3);
  check('Conv2DBackpropInput pointwise', 'Conv2DBackpropInput', [{ shape: [2, 9, 9, 20] }, { shape: [1, 1, 12, 20] }], { strides: [1, 1], pad: [0, 0, 0, 0], dilations: [1, 1], inputShape: [2, 9, 9, 12] }, 1e-4, 1e-4);
  check('Conv2DBackpropFilter pointwise', 'Conv2DBackpropFilter', [{ shape: [2, 9, 9, 12] }, { shape: [2, 9, 9, 20] }], { strides: [1, 1], pad: [0, 0, 0, 0], dilations: [1, 1], filterShape: [1, 1, 12, 20] }, 1e-4, 1e-3);
  check('Conv2D stride 2 dilation 2 (many im2col chunks)', 'Conv2D', [{ shape: [1, 40, 40, 300] }, { shape: [3, 3, 300, 4] }], { strides: [2, 2], pad: [2, 2, 2, 2], dilations: [2, 2] }, 1e-4, 1e-4);
  check('Conv2D one channel 5×5 (image input, 6 filters: narrow packed tiles)', 'Conv2D', [{ shape: [4, 28, 28, 1] }, { shape: [5, 5, 1, 6] }], { strides: [1, 1], pad: [2, 2, 2, 2], dilations: [1, 1] }, 1e-4, 1e-4);
  // One channel, ≤ 8 filters, unpadded stride 1: the direct image convolution (4-pixel blocks and a remainder).
  const valid = { strides: [1, 1], pad: [0, 0, 0, 0], dilations: [1, 1] };
  check('Conv2D one channel 3×3 valid, 6 filters (direct)', 'Conv2D', [{ shape: [3, 28, 28, 1] }, { shape: [3, 3, 1, 6] }], valid, 1e-5, 1e-5);
  check('Conv2D one channel 5×4 valid, 8 filters (direct)', 'Conv2D', [{ shape: [2, 13, 11, 1] }, { shape: [5, 4, 1, 8] }], valid, 1e-5, 1e-5);
  check('Conv2D one channel 2×2 valid, 1 filter, width 3 (direct, remainder only)', 'Conv2D', [{ shape: [2, 5, 4, 1] }, { shape: [2, 2, 1, 1] }], valid, 1e-5, 1e-5);
  check('Conv2DBackpropFilter one channel 5×5', 'Conv2DBackpropFilter', [{ shape: [4, 28, 28, 1] }, { shape: [4, 28, 28, 6] }], { strides: [1, 1], pad: [2, 2, 2, 2], dilations: [1, 1], filterShape: [5, 5, 1, 6] }, 1e-4, 1e-3);
  // Output channels in blocks of 16, receptive field ≤ 64 values: the narrow direct convolution
  // (pixel pairs inside the input, single pixels at padded borders and odd widths).
  check('Conv2D LeNet-5 conv2 [3,13,13,6] * [3,3,6,16] valid (narrow)', 'Conv2D', [{ shape: [3, 13, 13, 6] }, { shape: [3, 3, 6, 16] }], valid, 1e-5, 1e-5);
  check('Conv2D [2,28,28,1] * [3,3,1,32] same (narrow, two channel blocks, borders)', 'Conv2D', [{ shape: [2, 28, 28, 1] }, { shape: [3, 3, 1, 32] }], conv, 1e-5, 1e-5);
  check('Conv2D strides [2,1] dilations [1,2] asymmetric pad (narrow)', 'Conv2D', [{ shape: [2, 15, 14, 3] }, { shape: [3, 3, 3, 16] }], { strides: [2, 1], pad: [1, 0, 2, 1], dilations: [1, 2] }, 1e-5, 1e-5);
  check('Conv2D stride 3, window wider than the stride gaps (narrow)', 'Conv2D', [{ shape: [1, 17, 16, 2] }, { shape: [4, 5, 2, 16] }], { strides: [3, 3], pad: [2, 1, 2, 2], dilations: [1, 1] }, 1e-5, 1e-5);
  check('Conv2D receptive field of exactly 64 values (narrow)', 'Conv2D', [{ shape: [1, 9, 9, 16] }, { shape: [2, 2, 16, 32] }], valid, 1e-5, 1e-5);
  // FusedConv2D: each conv path, then the epilogue (bias of 16, 6 and 5 channels: whole vectors, a
  // 12-value tile, a 20-value tile) for relu/linear, and the scalar sigmoid/tanh epilogue.
  const fusedConv = (activation: string, hasBias = true) => ({ ...valid, activation, hasBias });
  check('FusedConv2D narrow relu + bias 16', 'FusedConv2D', [{ shape: [3, 13, 13, 6] }, { shape: [3, 3, 6, 16] }, { shape: [16] }], fusedConv('relu'), 1e-5, 1e-5);
  check('FusedConv2D image relu + bias 6', 'FusedConv2D', [{ shape: [3, 12, 11, 1] }, { shape: [3, 3, 1, 6] }, { shape: [6] }], fusedConv('relu'), 1e-5, 1e-5);
  check('FusedConv2D gemm linear + bias 5 (same padding)', 'FusedConv2D', [{ shape: [2, 9, 9, 20] }, { shape: [3, 3, 20, 5] }, { shape: [5] }], { ...conv, activation: 'linear', hasBias: true }, 1e-4, 1e-4);
  check('FusedConv2D sigmoid + bias 6', 'FusedConv2D', [{ shape: [2, 8, 8, 3] }, { shape: [3, 3, 3, 6] }, { shape: [6] }], fusedConv('sigmoid'), 1e-5, 1e-5);
  check('FusedConv2D tanh without bias', 'FusedConv2D', [{ shape: [2, 8, 8, 3] }, { shape: [3, 3, 3, 6] }], fusedConv('tanh', false), 1e-5, 1e-5);
  check('FusedConv2D relu without bias, 7 channels', 'FusedConv2D', [{ shape: [2, 8, 8, 3] }, { shape: [3, 3, 3, 7] }], fusedConv('relu', false), 1e-5, 1e-5);
  const pool = { filterSize: [3, 3], strides: [2, 2], pad: [1, 1, 1, 1] };
  check('MaxPool', 'MaxPool', [{ shape: [2, 15, 15, 6] }], pool);
  const special = Array.from({ length: 2 * 9 * 9 * 5 }, (_, i) => (i % 37 === 0 ? NaN : i % 41 === 0 ? Infinity : i % 43 === 0 ? -Infinity : Math.sin(i)));
  check('MaxPool with NaN and ±Infinity (4 + 1 channels)', 'MaxPool', [{ shape: [2, 9, 9, 5], values: special }], pool);
  check('AvgPool', 'AvgPool', [{ shape: [2, 15, 15, 6] }], pool);
  check('MaxPoolGrad', 'MaxPoolGrad', [{ shape: [2, 8, 8, 6] }, { shape: [2, 15, 15, 6] }], pool);
  // Ties (values from {0, 1, 2}), NaN and ±Infinity: the gradient goes to the first maximum (the
  // first NaN), over overlapping windows, for 5 channels (a masked remainder), 4, 3 and 1.
  const tied = (n: number, nan: boolean): number[] => Array.from({ length: n }, (_, i) => (nan && i % 53 === 0 ? NaN : nan && i % 59 === 0 ? Infinity : nan && i % 61 === 0 ? -Infinity : (i * 7) % 3));
  for (const c of [5, 4, 3, 1]) {
    check(`MaxPoolGrad ties, NaN, ±Infinity, ${c} channel(s)`, 'MaxPoolGrad', [{ shape: [2, 4, 4, c] }, { shape: [2, 9, 9, c], values: tied(2 * 9 * 9 * c, true) }], { filterSize: [3, 3], strides: [2, 2], pad: [1, 1, 1, 1] });
    check(`MaxPoolGrad 2×2 ties, ${c} channel(s)`, 'MaxPoolGrad', [{ shape: [3, 5, 5, c] }, { shape: [3, 10, 10, c], values: tied(3 * 10 * 10 * c, false) }], { filterSize: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0] });
  }
  for (const c of [1, 2, 3]) check(`MaxPool ${c} channel(s) (lane 0)`, 'MaxPool', [{ shape: [2, 9, 9, c], values: tied(2 * 9 * 9 * c, true) }], pool);
  check('MaxPool 7 channels (overlapping remainder)', 'MaxPool', [{ shape: [2, 9, 9, 7] }], pool);
  check('AvgPoolGrad', 'AvgPoolGrad', [{ shape: [2, 8, 8, 6] }], { ...pool, inputShape: [2, 15, 15, 6] });
  check('Softmax [13,1000]', 'Softmax', [{ shape: [13, 1000] }]);
});
