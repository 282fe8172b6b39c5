import { ENGINE, Random, avgPool2d, conv2d, maxPool2d, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { expectClose, ints, sizeOf, uniform, useBackend, values } from './helpers.js';

useBackend();

type Pair = [number, number];
type Pad4 = [number, number, number, number];

interface ConvCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: Pair;
  pad: Pad4;
  dilations: Pair;
}

/**
 * Naive NHWC/HWIO convolution bookkeeping: calls visit for every (output, filter tap, input)
 * triple whose input cell lies inside the image, with their flat indices.
 */
function forEachTap(c: ConvCase, visit: (yi: number, fi: number, xi: number) => void): [number, number] {
  const [n, h, w, ch] = c.x;
  const [fh, fw, , o] = c.f;
  const oh = Math.floor((h + c.pad[0] + c.pad[1] - ((fh - 1) * c.dilations[0] + 1)) / c.strides[0]) + 1;
  const ow = Math.floor((w + c.pad[2] + c.pad[3] - ((fw - 1) * c.dilations[1] + 1)) / c.strides[1]) + 1;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < fh; ky++) {
          const iy = oy * c.strides[0] - c.pad[0] + ky * c.dilations[0];
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < fw; kx++) {
            const ix = ox * c.strides[1] - c.pad[2] + kx * c.dilations[1];
            if (ix < 0 || ix >= w) continue;
            for (let ci = 0; ci < ch; ci++) {
              for (let co = 0; co < o; co++) {
                visit(((b * oh + oy) * ow + ox) * o + co, ((ky * fw + kx) * ch + ci) * o + co, ((b * h + iy) * w + ix) * ch + ci);
              }
            }
          }
        }
      }
    }
  }
  return [oh, ow];
}

const CASES: ConvCase[] = [
  { x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: [1, 1], pad: [0, 0, 0, 0], dilations: [1, 1] },
  { x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: [2, 2], pad: [1, 1, 1, 1], dilations: [1, 1] },
  { x: [1, 9, 8, 2], f: [3, 2, 2, 5], strides: [2, 1], pad: [2, 0, 1, 3], dilations: [1, 2] },
  { x: [3, 8, 8, 1], f: [2, 3, 1, 1], strides: [1, 3], pad: [0, 1, 2, 0], dilations: [3, 1] },
  { x: [2, 5, 5, 6], f: [1, 1, 6, 7], strides: [1, 1], pad: [0, 0, 0, 0], dilations: [1, 1] },
  { x: [2, 5, 5, 6], f: [1, 1, 6, 7], strides: [2, 2], pad: [0, 0, 0, 0], dilations: [1, 1] },
  { x: [1, 3, 3, 2], f: [5, 5, 2, 3], strides: [1, 1], pad: [2, 2, 2, 2], dilations: [1, 1] },
  // Column buffer bigger than one chunk (2·40·40 rows × 576 > 2^20 values).
  { x: [2, 40, 40, 64], f: [3, 3, 64, 8], strides: [1, 1], pad: [1, 1, 1, 1], dilations: [1, 1] },
];

const label = (c: ConvCase): string => `x ${JSON.stringify(c.x)} f ${JSON.stringify(c.f)} s ${c.strides} p ${c.pad} d ${c.dilations}`;
const attrsOf = (c: ConvCase): Record<string, unknown> => ({ strides: c.strides, pad: c.pad, dilations: c.dilations });

describe('Conv2D and its backprops against a naive convolution', () => {
  const r = new Random(41);
  for (const c of CASES) {
    it(label(c), () => {
      const x = tensor(uniform(r, sizeOf(c.x)), c.x);
      const f = tensor(uniform(r, sizeOf(c.f)), c.f);
      const [xv, fv] = [values(x), values(f)];
      const want: number[] = [];
      const [oh, ow] = forEachTap(c, () => undefined);
      const yShape = [c.x[0], oh, ow, c.f[3]];
      want.length = sizeOf(yShape);
      want.fill(0);
      forEachTap(c, (yi, fi, xi) => (want[yi] += xv[xi]! * fv[fi]!));
      const y = ENGINE.runKernel('Conv2D', [x, f], attrsOf(c))[0]!;
      expect(y.shape).toEqual(yShape);
      expectClose(values(y), want, 1e-5);

      const dy = tensor(uniform(r, sizeOf(yShape)), yShape);
      const dyv = values(dy);
      const dx = new Array<number>(sizeOf(c.x)).fill(0);
      const df = new Array<number>(sizeOf(c.f)).fill(0);
      forEachTap(c, (yi, fi, xi) => {
        dx[xi] += dyv[yi]! * fv[fi]!;
        df[fi] += dyv[yi]! * xv[xi]!;
      });
      const gotDx = ENGINE.runKernel('Conv2DBackpropInput', [dy, f], { ...attrsOf(c), inputShape: c.x })[0]!;
      expect(gotDx.shape).toEqual(c.x);
      expectClose(values(gotDx), dx, 1e-5);
      const gotDf = ENGINE.runKernel('Conv2DBackpropFilter', [x, dy], { ...attrsOf(c), filterShape: c.f })[0]!;
      expect(gotDf.shape).toEqual(c.f);
      expectClose(values(gotDf), df, 1e-4);
    });
  }

  it("the public conv2d op with 'same' padding and strides", () => {
    const x = tensor(uniform(r, 2 * 9 * 10 * 3), [2, 9, 10, 3]);
    const f = tensor(uniform(r, 3 * 4 * 3 * 2), [3, 4, 3, 2]);
    const y = conv2d(x, f, 2, 'same');
    expect(y.shape).toEqual([2, 5, 5, 2]);
    // TF's 'same': total padding (out−1)·stride + k − in, the smaller half before.
    const c: ConvCase = { x: [2, 9, 10, 3], f: [3, 4, 3, 2], strides: [2, 2], pad: [1, 1, 1, 2], dilations: [1, 1] };
    const [xv, fv] = [values(x), values(f)];
    const want = new Array<number>(2 * 5 * 5 * 2).fill(0);
    forEachTap(c, (yi, fi, xi) => (want[yi] += xv[xi]! * fv[fi]!));
    expectClose(values(y), want, 1e-5);
  });

  it('size-0 batches and channels', () => {
    const a = attrsOf(CASES[0]!);
    expect(ENGINE.runKernel('Conv2D', [tensor([], [0, 7, 6, 3]), tensor(new Float32Array(108), [3, 3, 3, 4])], a)[0]!.shape).toEqual([0, 5, 4, 4]);
    const noChannels = ENGINE.runKernel('Conv2D', [tensor([], [1, 4, 4, 0]), tensor([], [3, 3, 0, 2])], a)[0]!;
    expect(noChannels.shape).toEqual([1, 2, 2, 2]);
    expect(values(noChannels)).toEqual(new Array(8).fill(0));
    const dx = ENGINE.runKernel('Conv2DBackpropInput', [tensor([], [0, 5, 4, 4]), tensor(new Float32Array(108), [3, 3, 3, 4])], { ...a, inputShape: [0, 7, 6, 3] })[0]!;
    expect(dx.shape).toEqual([0, 7, 6, 3]);
    const df = ENGINE.runKernel('Conv2DBackpropFilter', [tensor([], [0, 7, 6, 3]), tensor([], [0, 5, 4, 4])], { ...a, filterShape: [3, 3, 3, 4] })[0]!;
    expect(values(df)).toEqual(new Array(108).fill(0));
  });
});

interface PoolCase {
  x: [number, number, number, number];
  filterSize: Pair;
  strides: Pair;
  pad: Pad4;
}

/** Calls visit(output index, clipped window cells' input indices) for every output value. */
function forEachWindow(c: PoolCase, visit: (yi: number, cells: number[]) => void): number[] {
  const [n, h, w, ch] = c.x;
  const oh = Math.floor((h + c.pad[0] + c.pad[1] - c.filterSize[0]) / c.strides[0]) + 1;
  const ow = Math.floor((w + c.pad[2] + c.pad[3] - c.filterSize[1]) / c.strides[1]) + 1;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let k = 0; k < ch; k++) {
          const cells: number[] = [];
          for (let ky = 0; ky < c.filterSize[0]; ky++) {
            for (let kx = 0; kx < c.filterSize[1]; kx++) {
              const iy = oy * c.strides[0] - c.pad[0] + ky;
              const ix = ox * c.strides[1] - c.pad[2] + kx;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) cells.push(((b * h + iy) * w + ix) * ch + k);
            }
          }
          visit(((b * oh + oy) * ow + ox) * ch + k, cells);
        }
      }
    }
  }
  return [n, oh, ow, ch];
}

const POOLS: PoolCase[] = [
  { x: [2, 6, 6, 3], filterSize: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0] },
  { x: [2, 7, 6, 3], filterSize: [3, 3], strides: [2, 2], pad: [1, 1, 1, 1] },
  { x: [1, 8, 9, 2], filterSize: [2, 3], strides: [1, 2], pad: [0, 1, 1, 0] },
  { x: [3, 5, 5, 1], filterSize: [3, 3], strides: [1, 1], pad: [2, 2, 2, 2] },
];

describe('pooling and its gradients against naive windows', () => {
  const r = new Random(42);
  for (const c of POOLS) {
    it(`${JSON.stringify(c)}`, () => {
      // Small integers: ties inside windows are common, which pins "the first max wins".
      const x = tensor(ints(r, sizeOf(c.x), -3, 4), c.x);
      const xv = values(x);
      const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
      const maxWant: number[] = [];
      const avgWant: number[] = [];
      const firstMax: number[][] = [];
      const yShape = forEachWindow(c, (yi, cells) => {
        let best = -Infinity;
        let at = -1;
        for (const cell of cells) if (xv[cell]! > best) [best, at] = [xv[cell]!, cell];
        maxWant[yi] = best;
        firstMax[yi] = [at];
        avgWant[yi] = cells.reduce((s, cell) => s + xv[cell]!, 0) / cells.length;
      });
      const mp = ENGINE.runKernel('MaxPool', [x], attrs)[0]!;
      expect(mp.shape).toEqual(yShape);
      expect(values(mp)).toEqual(maxWant);
      const ap = ENGINE.runKernel('AvgPool', [x], attrs)[0]!;
      expectClose(values(ap), avgWant, 1e-6);

      const dy = tensor(uniform(r, sizeOf(yShape)), yShape);
      const dyv = values(dy);
      const dxMax = new Array<number>(sizeOf(c.x)).fill(0);
      const dxAvg = new Array<number>(sizeOf(c.x)).fill(0);
      forEachWindow(c, (yi, cells) => {
        dxMax[firstMax[yi]![0]!] += dyv[yi]!;
        for (const cell of cells) dxAvg[cell] += dyv[yi]! / cells.length;
      });
      expectClose(values(ENGINE.runKernel('MaxPoolGrad', [dy, x], attrs)[0]!), dxMax, 1e-6);
      expectClose(values(ENGINE.runKernel('AvgPoolGrad', [dy], { ...attrs, inputShape: c.x })[0]!), dxAvg, 1e-6);
    });
  }

  it('the public ops, padding windows that never win, and size 0', () => {
    const x = tensor([[[[-5], [-6]], [[-7], [-8]]]]);
    expect(values(maxPool2d(x, 3, 1, 'same'))).toEqual([-5, -5, -5, -5]);
    expectClose(values(avgPool2d(x, 2, 2, 'valid')), [-6.5]);
    const attrs = { filterSize: [2, 2], strides: [1, 1], pad: [0, 0, 0, 0] };
    expect(ENGINE.runKernel('MaxPool', [tensor([], [0, 3, 3, 2])], attrs)[0]!.shape).toEqual([0, 2, 2, 2]);
    expect(ENGINE.runKernel('AvgPoolGrad', [tensor([], [2, 2, 2, 0])], { ...attrs, inputShape: [2, 3, 3, 0] })[0]!.shape).toEqual([2, 3, 3, 0]);
  });
});

describe('Softmax and SoftmaxCrossEntropy', () => {
  const r = new Random(43);
  it('match float64 references, stable for large logits', () => {
    const logits = uniform(r, 4 * 7, -3, 3);
    logits[0] = 1000;
    logits[8] = -1000;
    const t = tensor(logits, [2, 2, 7]);
    const lv = values(t);
    const soft: number[] = [];
    for (let row = 0; row < 4; row++) {
      const xs = lv.slice(row * 7, row * 7 + 7);
      const m = Math.max(...xs);
      const e = xs.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      soft.push(...e.map((v) => v / s));
    }
    const y = ENGINE.runKernel('Softmax', [t])[0]!;
    expect(y.shape).toEqual([2, 2, 7]);
    expectClose(values(y), soft, 1e-6);

    const labels = tensor(uniform(r, 4 * 7, 0, 1).map((v, i) => (i % 3 === 0 ? 0 : v)), [4, 7]);
    const lab = values(labels);
    const want = [0, 1, 2, 3].map((row) => {
      let l = 0;
      for (let i = 0; i < 7; i++) if (lab[row * 7 + i]) l -= lab[row * 7 + i]! * Math.log(soft[row * 7 + i]!);
      return l;
    });
    const loss = ENGINE.runKernel('SoftmaxCrossEntropy', [tensor(lv, [4, 7]), labels])[0]!;
    expect(loss.shape).toEqual([4]);
    expectClose(values(loss), want, 1e-5);
    expect(ENGINE.runKernel('Softmax', [tensor([], [0, 3])])[0]!.shape).toEqual([0, 3]);
  });
});

