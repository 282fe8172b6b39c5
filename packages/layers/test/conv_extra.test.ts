import { tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, convTransposeOutputSize } from '../src/index.js';
import { expectClose, expectGradientsFlow, expectMatchesReference, forEachTap, geometry, randomTensor, values, type Pad } from './helpers.js';
import { expectNoLeaks, expectRoundTrip } from './roundtrip.js';

/** Direct 1-D convolution of [n, steps, c] with a [k, c, f] kernel; `before` zeros are padded in front. */
function conv1dRef(x: number[], [n, steps, c]: number[], kernel: number[], [k, , f]: number[], s: number, d: number, before: number, outSteps: number): number[] {
  const out = new Array<number>(n * outSteps * f).fill(0);
  for (let b = 0; b < n; b++)
    for (let t = 0; t < outSteps; t++)
      for (let q = 0; q < f; q++) {
        let sum = 0;
        for (let u = 0; u < k; u++) {
          const i = t * s + u * d - before;
          if (i < 0 || i >= steps) continue;
          for (let ch = 0; ch < c; ch++) sum += x[(b * steps + i) * c + ch]! * kernel[(u * c + ch) * f + q]!;
        }
        out[(b * outSteps + t) * f + q] = sum;
      }
  return out;
}

/** Depthwise NHWC convolution with a [kh, kw, c, m] kernel; output channel ch · m + q. */
function depthwiseRef(
  x: number[], [n, h, w, c]: number[], kernel: number[], [kh, kw, , m]: number[], strides: number[], dilation: number[], padding: Pad,
): { out: number[]; shape: number[] } {
  const [oh] = geometry(h, kh, strides[0]!, dilation[0]!, padding);
  const [ow] = geometry(w, kw, strides[1]!, dilation[1]!, padding);
  const out = new Array<number>(n * oh * ow * c * m).fill(0);
  forEachTap([n, h, w], [kh, kw], strides, dilation, padding, (cell, at, tap) => {
    for (let ch = 0; ch < c; ch++) for (let q = 0; q < m; q++) out[(cell * c + ch) * m + q]! += x[at * c + ch]! * kernel[(tap * c + ch) * m + q]!;
  });
  return { out, shape: [n, oh, ow, c * m] };
}

/**
 * Transposed convolution by scattering: each tap of the forward conv2d over the output (its padding
 * on the output size) that reads output cell `at` from input pixel `cell` adds x · kernel[u, v, :, ci] there.
 */
function convTransposeRef(
  x: number[], [n, h, w, c]: number[], kernel: number[], [kh, kw, f]: number[], strides: number[], dilation: number[], padding: Pad, [oh, ow]: number[],
): number[] {
  expect([geometry(oh, kh, strides[0]!, dilation[0]!, padding)[0], geometry(ow, kw, strides[1]!, dilation[1]!, padding)[0]]).toEqual([h, w]);
  const out = new Array<number>(n * oh * ow * f).fill(0);
  forEachTap([n, oh, ow], [kh, kw], strides, dilation, padding, (cell, at, tap) => {
    for (let ci = 0; ci < c; ci++) for (let co = 0; co < f; co++) out[at * f + co]! += x[cell * c + ci]! * kernel[(tap * f + co) * c + ci]!;
  });
  return out;
}

const dispose = (...ts: Tensor[]): void => ts.forEach((t) => t.dispose());

describe('Conv1D', () => {
  it('causal padding: step t sees inputs up to t (hand-computed, with dilation)', () => {
    const x = tensor([1, 2, 3, 4], [1, 4, 1]);
    for (const [dilationRate, expected] of [[1, [10, 21, 32, 43]], [2, [10, 20, 31, 42]]] as const) {
      const c = new Conv1D({ filters: 1, kernelSize: 2, padding: 'causal', dilationRate, useBias: false });
      c.build([null, 4, 1]);
      const k = tensor([1, 10], [2, 1, 1]); // tap 0 (the older step) 1, tap 1 (the current step) 10
      c.setWeights([k]);
      const y = c.apply(x);
      expect(y.shape).toEqual([1, 4, 1]);
      expect(values(y)).toEqual(expected);
      dispose(k, y);
      c.dispose();
    }
    x.dispose();
  });

  const cases: { kernel: number; strides: number; dilation: number; padding: 'valid' | 'same' | 'causal'; input: number[] }[] = [
    { kernel: 3, strides: 1, dilation: 1, padding: 'valid', input: [2, 7, 3] },
    { kernel: 3, strides: 2, dilation: 1, padding: 'same', input: [1, 8, 2] },
    { kernel: 2, strides: 1, dilation: 3, padding: 'valid', input: [2, 9, 2] },
    { kernel: 3, strides: 2, dilation: 2, padding: 'causal', input: [2, 7, 2] },
    { kernel: 4, strides: 1, dilation: 1, padding: 'same', input: [1, 5, 3] },
  ];
  for (const { kernel, strides, dilation, padding, input } of cases) {
    it(`kernel ${kernel} stride ${strides} dilation ${dilation} ${padding} matches a naive convolution`, () => {
      const filters = 3;
      const layer = new Conv1D({ filters, kernelSize: kernel, strides, dilationRate: dilation, padding, activation: 'tanh', biasInitializer: 'randomNormal' });
      const x = randomTensor(input, 40 + input[1]!);
      const y = layer.apply(x);
      const steps = input[1]!;
      const eff = (kernel - 1) * dilation + 1;
      const [out, before] = padding === 'causal' ? [Math.ceil(steps / strides), eff - 1] : geometry(steps, kernel, strides, dilation, padding);
      expect(y.shape).toEqual([input[0], out, filters]);
      expect(layer.computeOutputShape([null, steps, input[2]!])).toEqual([null, out, filters]);
      expect(layer.kernel!.shape).toEqual([kernel, input[2], filters]);
      const ref = conv1dRef(values(x), input, values(layer.kernel!), [kernel, input[2]!, filters], strides, dilation, before, out);
      const b = values(layer.bias!);
      expectClose(values(y), ref.map((v, i) => Math.tanh(v + b[i % filters]!)));
      dispose(x, y);
      layer.dispose();
    });
  }

  it('gradients reach kernel and bias; unknown steps stay unknown', () => {
    const c = new Conv1D({ filters: 2, kernelSize: 3, padding: 'causal', activation: 'relu' });
    expect(c.computeOutputShape([null, null, 4])).toEqual([null, null, 2]);
    const x = randomTensor([2, 5, 3], 4);
    expectGradientsFlow(c, x);
    x.dispose();
    c.dispose();
  });

  it('rejects bad options and inputs', () => {
    expect(() => new Conv1D({ filters: 2, kernelSize: [3, 3] as unknown as number })).toThrow(/Conv1D: kernelSize must be a positive integer or an array of one, got an array of length 2/);
    expect(() => new Conv1D({ filters: 2, kernelSize: 3, padding: 'full' as 'same' })).toThrow(/padding must be one of 'valid', 'same', 'causal'/);
    expect(() => new Conv1D({ filters: 0, kernelSize: 3 })).toThrow(/filters must be a positive integer/);
    const c = new Conv1D({ filters: 2, kernelSize: 4 });
    expect(() => c.build([null, 3, 1])).toThrow(/kernel of size 4 \(dilation 1\) does not fit inputs of shape \[null,3,1\]/);
    expect(() => c.build([null, 5, 5, 1])).toThrow(/expects inputs of rank 3 \[batch, steps, channels\], got \[null,5,5,1\]/);
    expect(() => c.build([null, 5, null])).toThrow(/channel dimension of the input must be known/);
    c.build([null, 6, 2]);
    const x = randomTensor([1, 6, 3], 1);
    expect(() => c.apply(x)).toThrow(/conv1d_\d+ \(Conv1D\): got an input of shape \[1,6,3\], expected rank 3 with axis -1 of size 2/);
    x.dispose();
    c.dispose();
  });
});

describe('Conv2DTranspose', () => {
  it('a 2x2 kernel with stride 2 stamps one scaled copy of the kernel per input pixel (hand-computed)', () => {
    const layer = new Conv2DTranspose({ filters: 1, kernelSize: 2, strides: 2, useBias: false });
    layer.build([null, 2, 2, 1]);
    const k = tensor([1, 10, 100, 1000], [2, 2, 1, 1]);
    layer.setWeights([k]);
    const x = tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = layer.apply(x);
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expect(values(y)).toEqual([1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000]);
    dispose(k, x, y);
    layer.dispose();
  });

  it("output sizes follow Keras's rule", () => {
    const size = (padding: Pad, outputPadding: number | null): number | null => convTransposeOutputSize(4, 3, 2, 1, padding, outputPadding);
    expect([size('same', null), size('valid', null), size('valid', 1), size('same', 1), size('same', 0)]).toEqual([8, 9, 10, 8, 7]);
    expect(convTransposeOutputSize(5, 1, 3, 1, 'valid', null)).toBe(15);
    expect(convTransposeOutputSize(null, 3, 2, 1, 'same', null)).toBe(null);
    const layer = new Conv2DTranspose({ filters: 6, kernelSize: [3, 2], strides: [2, 1], padding: 'valid' });
    expect(layer.computeOutputShape([null, 4, null, 3])).toEqual([null, 9, null, 6]);
    layer.dispose();
  });

  const cases: { kernel: [number, number]; strides: [number, number]; dilation: [number, number]; padding: Pad; outputPadding: [number, number] | null; input: number[] }[] = [
    { kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'valid', outputPadding: null, input: [2, 4, 3, 2] },
    { kernel: [3, 3], strides: [2, 2], dilation: [1, 1], padding: 'same', outputPadding: null, input: [1, 3, 4, 2] },
    { kernel: [3, 2], strides: [2, 3], dilation: [1, 1], padding: 'valid', outputPadding: [1, 2], input: [1, 3, 3, 1] },
    { kernel: [3, 3], strides: [2, 2], dilation: [1, 1], padding: 'same', outputPadding: [0, 1], input: [2, 3, 3, 2] },
    { kernel: [2, 2], strides: [1, 1], dilation: [2, 2], padding: 'same', outputPadding: null, input: [1, 4, 4, 1] },
  ];
  for (const { kernel, strides, dilation, padding, outputPadding, input } of cases) {
    it(`kernel ${kernel} stride ${strides} dilation ${dilation} ${padding} outputPadding ${outputPadding} matches a scatter reference`, () => {
      const filters = 3;
      const layer = new Conv2DTranspose({ filters, kernelSize: kernel, strides, dilationRate: dilation, padding, outputPadding, activation: 'sigmoid', biasInitializer: 'randomNormal' });
      const x = randomTensor(input, 60 + input[1]! * input[2]!);
      const y = layer.apply(x);
      const oh = convTransposeOutputSize(input[1]!, kernel[0], strides[0], dilation[0], padding, outputPadding ? outputPadding[0] : null)!;
      const ow = convTransposeOutputSize(input[2]!, kernel[1], strides[1], dilation[1], padding, outputPadding ? outputPadding[1] : null)!;
      expect(y.shape).toEqual([input[0], oh, ow, filters]);
      expect(layer.kernel!.shape).toEqual([...kernel, filters, input[3]]);
      const ref = convTransposeRef(values(x), input, values(layer.kernel!), [...kernel, filters], strides, dilation, padding, [oh, ow]);
      const b = values(layer.bias!);
      expectClose(values(y), ref.map((v, i) => 1 / (1 + Math.exp(-(v + b[i % filters]!)))));
      dispose(x, y);
      layer.dispose();
    });
  }

  it('is the adjoint of Conv2D: <conv2d(z, k), x> = <z, conv2dTranspose(x, k)>', () => {
    const conv = new Conv2D({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', useBias: false });
    const up = new Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', useBias: false });
    const z = randomTensor([1, 6, 6, 3], 5);
    const x = randomTensor([1, 3, 3, 2], 6);
    conv.build([null, 6, 6, 3]);
    up.build([null, 3, 3, 2]);
    const k = conv.getWeights();
    up.setWeights(k); // both [3, 3, 3, 2]: Conv2D's [kh, kw, in 3, out 2] is Conv2DTranspose's [kh, kw, filters 3, in 2]
    const a = conv.apply(z);
    const b = up.apply(x);
    const dot = (p: Tensor, q: Tensor): number => values(p).reduce((s, v, i) => s + v * values(q)[i]!, 0);
    expect(dot(a, x)).toBeCloseTo(dot(z, b), 4);
    dispose(z, x, a, b, ...k);
    conv.dispose();
    up.dispose();
  });

  it('gradients reach kernel and bias', () => {
    const c = new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' });
    const x = randomTensor([2, 3, 3, 2], 9);
    expectGradientsFlow(c, x);
    x.dispose();
    c.dispose();
  });

  it('rejects output paddings that are not below the strides or do not map back to the input', () => {
    expect(() => new Conv2DTranspose({ filters: 1, kernelSize: 3, strides: 2, outputPadding: 2 })).toThrow(
      /Conv2DTranspose: outputPadding 2 must be smaller than the strides \[2,2\] in each dimension/,
    );
    expect(() => new Conv2DTranspose({ filters: 1, kernelSize: 3, outputPadding: [-1, 0] })).toThrow(/outputPadding must be a non-negative integer or a pair/);
    const even = new Conv2DTranspose({ filters: 1, kernelSize: 2, strides: 2, padding: 'same', outputPadding: 0 });
    expect(() => even.build([null, 4, 4, 1])).toThrow(/outputPadding \[0,0\] gives an output height of 6, which a 2-wide kernel with stride 2 and 'same' padding maps to 3, not 4/);
    const c = new Conv2DTranspose({ filters: 1, kernelSize: 3 });
    expect(() => c.build([null, 4, 4])).toThrow(/expects inputs of rank 4 \[batch, height, width, channels\]/);
    [even, c].forEach((l) => l.dispose());
  });
});

describe('DepthwiseConv2D and SeparableConv2D', () => {
  const cases: { kernel: [number, number]; strides: [number, number]; dilation: [number, number]; padding: Pad; multiplier: number; input: number[] }[] = [
    { kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'valid', multiplier: 1, input: [2, 5, 4, 3] },
    { kernel: [3, 2], strides: [2, 1], dilation: [1, 1], padding: 'same', multiplier: 2, input: [1, 7, 5, 2] },
    { kernel: [2, 2], strides: [1, 1], dilation: [2, 2], padding: 'same', multiplier: 3, input: [1, 5, 5, 2] },
    { kernel: [3, 3], strides: [2, 2], dilation: [1, 1], padding: 'valid', multiplier: 1, input: [2, 6, 7, 1] },
  ];
  for (const { kernel, strides, dilation, padding, multiplier, input } of cases) {
    it(`depthwise kernel ${kernel} stride ${strides} dilation ${dilation} ${padding} multiplier ${multiplier} matches a naive reference`, () => {
      const layer = new DepthwiseConv2D({ kernelSize: kernel, strides, dilationRate: dilation, padding, depthMultiplier: multiplier, activation: 'relu', biasInitializer: 'randomNormal' });
      const x = randomTensor(input, 80 + input[1]!);
      expectMatchesReference(layer, x, (l) => {
        const ref = depthwiseRef(values(x), input, values(l.kernel!), [...kernel, input[3]!, multiplier], strides, dilation, padding);
        const b = values(l.bias!);
        return { out: ref.out.map((v, i) => Math.max(0, v + b[i % b.length]!)), shape: ref.shape };
      });
      x.dispose();
    });
  }

  it('SeparableConv2D is DepthwiseConv2D then a 1x1 Conv2D with the bias and activation', () => {
    const sep = new SeparableConv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, activation: 'elu', biasInitializer: 'randomNormal' });
    const x = randomTensor([2, 5, 6, 3], 12);
    const y = sep.apply(x);
    expect(y.shape).toEqual([2, 3, 3, 4]);
    expect(sep.weights.map((w) => [w.name.split('/')[1], w.shape])).toEqual([
      ['depthwise_kernel', [3, 3, 3, 2]],
      ['pointwise_kernel', [1, 1, 6, 4]],
      ['bias', [4]],
    ]);
    const dw = new DepthwiseConv2D({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, useBias: false });
    const pw = new Conv2D({ filters: 4, kernelSize: 1, activation: 'elu' });
    const [dk, pk, bias] = sep.getWeights();
    dw.build([null, 5, 6, 3]);
    dw.setWeights([dk!]);
    pw.build([null, 3, 3, 6]);
    pw.setWeights([pk!, bias!]);
    const mid = dw.apply(x);
    const ref = pw.apply(mid);
    expectClose(values(y), values(ref));
    dispose(x, y, mid, ref, dk!, pk!, bias!);
    [sep, dw, pw].forEach((l) => l.dispose());
  });

  it('gradients reach every weight', () => {
    const x = randomTensor([2, 4, 4, 2], 13);
    const dw = new DepthwiseConv2D({ kernelSize: 3, padding: 'same', depthMultiplier: 2 });
    const sep = new SeparableConv2D({ filters: 3, kernelSize: 2, strides: 2, activation: 'relu', biasInitializer: 'ones' });
    expectGradientsFlow(dw, x);
    expectGradientsFlow(sep, x);
    x.dispose();
    [dw, sep].forEach((l) => l.dispose());
  });

  it('rejects bad options and inputs', () => {
    expect(() => new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 0 })).toThrow(/DepthwiseConv2D: depthMultiplier must be a positive integer, got number 0/);
    expect(() => new SeparableConv2D({ filters: 0, kernelSize: 3 })).toThrow(/SeparableConv2D: filters must be a positive integer/);
    expect(() => new DepthwiseConv2D({} as { kernelSize: number })).toThrow(/DepthwiseConv2D: kernelSize must be a positive integer or a pair/);
    const d = new DepthwiseConv2D({ kernelSize: 4 });
    expect(() => d.build([null, 3, 5, 2])).toThrow(/4x4 kernel \(dilation 1x1\) does not fit inputs of shape \[null,3,5,2\]/);
    expect(() => d.build([null, 5, 5])).toThrow(/expects inputs of rank 4/);
    const s = new SeparableConv2D({ filters: 2, kernelSize: 3, depthwiseInitializer: 'ones', pointwise_initializer: 'ones' } as never);
    expect(() => s.build([null, 5, 5, 1])).toThrow(/SeparableConv2D.*pointwise_initializer.*pointwiseInitializer/);
    [d, s].forEach((l) => l.dispose());
  });
});

describe('serialisation of the convolution layers', () => {
  it('round-trips through JSON and the rebuilt layer computes the same outputs', () => {
    expectRoundTrip(new Conv1D({ filters: 2, kernelSize: 3, strides: 2, padding: 'causal', dilationRate: 1, activation: 'relu', kernelRegularizer: 'l2' }), [2, 6, 3]);
    expectRoundTrip(new Conv2DTranspose({ filters: 2, kernelSize: [3, 2], strides: 2, padding: 'same', outputPadding: [1, 1], activation: 'tanh', useBias: false }), [1, 3, 3, 2]);
    expectRoundTrip(new DepthwiseConv2D({ kernelSize: 2, depthMultiplier: 2, strides: [1, 2], biasRegularizer: 'l1', depthwiseInitializer: 'heNormal' }), [1, 4, 5, 2]);
    expectRoundTrip(new SeparableConv2D({ filters: 3, kernelSize: 3, padding: 'same', dilationRate: 2, pointwiseRegularizer: 'l2', activation: 'gelu' }), [1, 5, 5, 2]);
  });
});

describe('memory', () => {
  it('the convolution layers leave no tensors behind, forward or backward', () => {
    expectNoLeaks(new Conv1D({ filters: 2, kernelSize: 2, padding: 'causal', activation: 'gelu' }), [2, 5, 3]);
    expectNoLeaks(new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), [1, 3, 3, 2]);
    expectNoLeaks(new DepthwiseConv2D({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2 }), [1, 5, 5, 2]);
    expectNoLeaks(new SeparableConv2D({ filters: 2, kernelSize: 3, activation: 'swish' }), [1, 5, 5, 2]);
  });
});
