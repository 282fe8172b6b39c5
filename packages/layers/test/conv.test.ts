import { describe, expect, it } from 'vitest';
import { AveragePooling2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from '../src/index.js';
import { expectClose, expectGradientsFlow, randomTensor, values } from './helpers.js';

type Pad = 'valid' | 'same';

/** Output size and the padding before, TensorFlow's rule. */
function geometry(size: number, k: number, s: number, d: number, padding: Pad): [number, number] {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return [Math.floor((size - eff) / s) + 1, 0];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max((out - 1) * s + eff - size, 0) / 2)];
}

/** Direct NHWC cross-correlation with an HWIO filter. */
function conv2dRef(
  x: number[], [n, h, w, c]: number[], f: number[], [kh, kw, , o]: number[], [sh, sw]: number[], [dh, dw]: number[], padding: Pad,
): { out: number[]; shape: number[] } {
  const [oh, pt] = geometry(h, kh, sh, dh, padding);
  const [ow, pl] = geometry(w, kw, sw, dw, padding);
  const out = new Array<number>(n * oh * ow * o).fill(0);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let q = 0; q < o; q++) {
          let s = 0;
          for (let u = 0; u < kh; u++)
            for (let v = 0; v < kw; v++) {
              const y = i * sh + u * dh - pt;
              const z = j * sw + v * dw - pl;
              if (y < 0 || y >= h || z < 0 || z >= w) continue;
              for (let ch = 0; ch < c; ch++) s += x[((b * h + y) * w + z) * c + ch]! * f[((u * kw + v) * c + ch) * o + q]!;
            }
          out[((b * oh + i) * ow + j) * o + q] = s;
        }
  return { out, shape: [n, oh, ow, o] };
}

function poolRef(x: number[], [n, h, w, c]: number[], [kh, kw]: number[], [sh, sw]: number[], padding: Pad, kind: 'max' | 'avg'): { out: number[]; shape: number[] } {
  const [oh, pt] = geometry(h, kh, sh, 1, padding);
  const [ow, pl] = geometry(w, kw, sw, 1, padding);
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          const cells: number[] = [];
          for (let u = 0; u < kh; u++)
            for (let v = 0; v < kw; v++) {
              const y = i * sh + u - pt;
              const z = j * sw + v - pl;
              if (y >= 0 && y < h && z >= 0 && z < w) cells.push(x[((b * h + y) * w + z) * c + ch]!);
            }
          out.push(kind === 'max' ? Math.max(...cells) : cells.reduce((a, q) => a + q, 0) / cells.length);
        }
  return { out, shape: [n, oh, ow, c] };
}

describe('Conv2D', () => {
  const cases: { kernel: [number, number]; strides: [number, number]; dilation: [number, number]; padding: Pad; input: number[] }[] = [
    { kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'valid', input: [2, 6, 5, 3] },
    { kernel: [3, 2], strides: [2, 1], dilation: [1, 1], padding: 'same', input: [1, 7, 6, 2] },
    { kernel: [2, 2], strides: [1, 1], dilation: [2, 2], padding: 'valid', input: [2, 6, 6, 1] },
    { kernel: [3, 3], strides: [2, 2], dilation: [1, 1], padding: 'same', input: [1, 5, 4, 2] },
  ];
  for (const { kernel, strides, dilation, padding, input } of cases) {
    it(`kernel ${kernel} stride ${strides} dilation ${dilation} ${padding} matches a naive convolution`, () => {
      const filters = 4;
      const layer = new Conv2D({ filters, kernelSize: kernel, strides, dilationRate: dilation, padding, activation: 'relu', biasInitializer: 'randomNormal' });
      const x = randomTensor(input, input.reduce((a, b) => a + b, 0));
      const y = layer.apply(x);
      const ref = conv2dRef(values(x), input, values(layer.kernel!), [...kernel, input[3]!, filters], strides, dilation, padding);
      expect(y.shape).toEqual(ref.shape);
      expect(layer.computeOutputShape([null, ...input.slice(1)])).toEqual([null, ...ref.shape.slice(1)]);
      const b = values(layer.bias!);
      expectClose(values(y), ref.out.map((v, i) => Math.max(0, v + b[i % filters]!)));
      x.dispose();
      y.dispose();
      layer.dispose();
    });
  }

  it('keeps unknown spatial sizes unknown and checks that the kernel fits', () => {
    const c = new Conv2D({ filters: 2, kernelSize: 5 });
    expect(c.computeOutputShape([null, null, 9, 3])).toEqual([null, null, 5, 2]);
    expect(() => c.build([null, 4, 4, 1])).toThrow(/5x5 kernel.*does not fit inputs of shape \[null,4,4,1\]/);
    expect(() => c.build([null, 4, 4])).toThrow(/expects NHWC inputs of rank 4/);
    expect(() => new Conv2D({ filters: 2, kernelSize: [3, 0] })).toThrow(/kernelSize must be a positive integer or a pair/);
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, padding: 'full' as 'same' })).toThrow(/padding must be one of 'valid', 'same'/);
    c.dispose();
  });

  it('gradients reach kernel and bias', () => {
    const c = new Conv2D({ filters: 3, kernelSize: 2, padding: 'same', activation: 'tanh' });
    const x = randomTensor([2, 4, 4, 2], 8);
    expectGradientsFlow(c, x);
    x.dispose();
    c.dispose();
  });
});

describe('pooling', () => {
  const cases: { pool: [number, number]; strides?: [number, number]; padding: Pad; input: number[] }[] = [
    { pool: [2, 2], padding: 'valid', input: [2, 6, 4, 3] },
    { pool: [3, 3], strides: [2, 2], padding: 'same', input: [1, 5, 7, 2] },
    { pool: [2, 3], strides: [1, 2], padding: 'valid', input: [1, 4, 7, 1] },
  ];
  for (const { pool, strides, padding, input } of cases) {
    it(`max and average ${pool} stride ${strides ?? pool} ${padding} match references`, () => {
      const x = randomTensor(input, 17 + input[1]!);
      for (const kind of ['max', 'avg'] as const) {
        const layer = kind === 'max' ? new MaxPooling2D({ poolSize: pool, strides, padding }) : new AveragePooling2D({ poolSize: pool, strides, padding });
        const y = layer.apply(x);
        const ref = poolRef(values(x), input, pool, strides ?? pool, padding, kind);
        expect(y.shape).toEqual(ref.shape);
        expect(layer.computeOutputShape([null, ...input.slice(1)])).toEqual([null, ...ref.shape.slice(1)]);
        expectClose(values(y), ref.out);
        y.dispose();
        layer.dispose();
      }
      x.dispose();
    });
  }

  it('global pooling averages / maximises over height and width', () => {
    const x = randomTensor([2, 3, 4, 5], 21);
    const v = values(x);
    const avg = new GlobalAveragePooling2D().apply(x);
    const mx = new GlobalMaxPooling2D({ keepDims: true }).apply(x);
    expect(avg.shape).toEqual([2, 5]);
    expect(mx.shape).toEqual([2, 1, 1, 5]);
    const refAvg: number[] = [];
    const refMax: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 5; c++) {
        const cells = Array.from({ length: 12 }, (_, k) => v[(b * 12 + k) * 5 + c]!);
        refAvg.push(cells.reduce((a, q) => a + q, 0) / 12);
        refMax.push(Math.max(...cells));
      }
    expectClose(values(avg), refAvg);
    expectClose(values(mx), refMax);
    expect(new GlobalAveragePooling2D().computeOutputShape([null, 7, 7, 32])).toEqual([null, 32]);
    [x, avg, mx].forEach((t) => t.dispose());
  });

  it('rejects windows that do not fit and non-NHWC inputs', () => {
    expect(() => new MaxPooling2D({ poolSize: 3 }).build([null, 2, 2, 1])).toThrow(/3x3 window does not fit/);
    const x = randomTensor([2, 4, 4], 1);
    expect(() => new AveragePooling2D().apply(x)).toThrow(/expects NHWC inputs of rank 4/);
    x.dispose();
  });
});
