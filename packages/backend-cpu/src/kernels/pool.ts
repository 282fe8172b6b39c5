import type { PoolAttrs, TypedArray } from '@tessera/core';
import type { CpuKernel, CpuKernelFn } from './kernel.js';

/**
 * NHWC pooling. Windows are clipped to the input, so padding cells never take part: they never
 * win a max and are not counted in a mean. A window lying wholly in the padding (only possible
 * with explicit padding of at least the window size) gives −Infinity for max and 0 for mean.
 * Channels are the innermost loop everywhere, so every read walks memory contiguously.
 */

interface Window {
  /** Output pixel offset of the window's C channels. */
  o: number;
  y0: number;
  y1: number;
  x0: number;
  x1: number;
  /** Offset of image `n` in the input. */
  base: number;
}

/** Calls visit for every output pixel with its clipped window. */
function forEachWindow(inShape: readonly number[], attrs: PoolAttrs, oh: number, ow: number, visit: (win: Window) => void): void {
  const [n, h, w, c] = inShape as [number, number, number, number];
  const [fh, fw] = attrs.filterSize;
  const [sh, sw] = attrs.strides;
  const [pt, , pl] = attrs.pad;
  const win: Window = { o: 0, y0: 0, y1: 0, x0: 0, x1: 0, base: 0 };
  for (let img = 0; img < n; img++) {
    win.base = img * h * w * c;
    for (let oy = 0; oy < oh; oy++) {
      const ys = oy * sh - pt;
      win.y0 = Math.max(0, ys);
      win.y1 = Math.max(win.y0, Math.min(h, ys + fh));
      for (let ox = 0; ox < ow; ox++) {
        const xs = ox * sw - pl;
        win.x0 = Math.max(0, xs);
        win.x1 = Math.max(win.x0, Math.min(w, xs + fw));
        win.o = ((img * oh + oy) * ow + ox) * c;
        visit(win);
      }
    }
  }
}

function outSize(inShape: readonly number[], attrs: PoolAttrs): [number, number] {
  const [, h, w] = inShape as [number, number, number];
  const oh = Math.floor((h + attrs.pad[0] + attrs.pad[1] - attrs.filterSize[0]) / attrs.strides[0]) + 1;
  const ow = Math.floor((w + attrs.pad[2] + attrs.pad[3] - attrs.filterSize[1]) / attrs.strides[1]) + 1;
  return [oh, ow];
}

/**
 * Finds the first maximum of every channel of a window (NaN beats numbers, the first NaN wins),
 * leaving values in `best` and input offsets in `at` (−1 for an empty window).
 */
function windowArgMax(x: TypedArray, win: Window, w: number, c: number, best: Float64Array, at: Int32Array): void {
  best.fill(-Infinity);
  at.fill(-1);
  for (let y = win.y0; y < win.y1; y++) {
    for (let xx = win.x0; xx < win.x1; xx++) {
      const s = win.base + (y * w + xx) * c;
      for (let ch = 0; ch < c; ch++) {
        const v = x[s + ch]!;
        const b = best[ch]!;
        if (v > b || (v !== v && b === b) || at[ch] === -1) {
          best[ch] = v;
          at[ch] = s + ch;
        }
      }
    }
  }
}

const maxPool: CpuKernelFn<PoolAttrs> = ({ inputs: [xInfo], attrs, backend }) => {
  const shape = xInfo!.shape;
  const [n, , w, c] = shape as [number, number, number, number];
  const [oh, ow] = outSize(shape, attrs);
  const x = backend.floats(xInfo!);
  const y = backend.floatArray(n * oh * ow * c);
  const best = new Float64Array(c);
  const at = new Int32Array(c);
  forEachWindow(shape, attrs, oh, ow, (win) => {
    windowArgMax(x, win, w, c, best, at);
    for (let ch = 0; ch < c; ch++) y[win.o + ch] = best[ch]!;
  });
  return backend.output(y, [n, oh, ow, c], 'float32');
};

/** dy flows to the first max of each window, summed where windows overlap. */
const maxPoolGrad: CpuKernelFn<PoolAttrs> = ({ inputs: [dyInfo, xInfo], attrs, backend }) => {
  const shape = xInfo!.shape;
  const [, , w, c] = shape as [number, number, number, number];
  const [oh, ow] = [dyInfo!.shape[1]!, dyInfo!.shape[2]!];
  const x = backend.floats(xInfo!);
  const dy = backend.floats(dyInfo!);
  const dx = backend.floatArray(x.length);
  const best = new Float64Array(c);
  const at = new Int32Array(c);
  forEachWindow(shape, attrs, oh, ow, (win) => {
    windowArgMax(x, win, w, c, best, at);
    for (let ch = 0; ch < c; ch++) if (at[ch]! >= 0) dx[at[ch]!] += dy[win.o + ch]!;
  });
  return backend.output(dx, [...shape], 'float32');
};

const avgPool: CpuKernelFn<PoolAttrs> = ({ inputs: [xInfo], attrs, backend }) => {
  const shape = xInfo!.shape;
  const [n, , w, c] = shape as [number, number, number, number];
  const [oh, ow] = outSize(shape, attrs);
  const x = backend.floats(xInfo!);
  const y = backend.floatArray(n * oh * ow * c);
  const sum = new Float64Array(c);
  forEachWindow(shape, attrs, oh, ow, (win) => {
    const count = (win.y1 - win.y0) * (win.x1 - win.x0);
    if (count === 0) return;
    sum.fill(0);
    for (let yy = win.y0; yy < win.y1; yy++) {
      for (let xx = win.x0; xx < win.x1; xx++) {
        const s = win.base + (yy * w + xx) * c;
        for (let ch = 0; ch < c; ch++) sum[ch] += x[s + ch]!;
      }
    }
    for (let ch = 0; ch < c; ch++) y[win.o + ch] = sum[ch]! / count;
  });
  return backend.output(y, [n, oh, ow, c], 'float32');
};

/** Each window spreads dy/count evenly over its cells inside the input. */
const avgPoolGrad: CpuKernelFn<PoolAttrs & { inputShape: number[] }> = ({ inputs: [dyInfo], attrs, backend }) => {
  const shape = attrs.inputShape;
  const [, , w, c] = shape as [number, number, number, number];
  const [oh, ow] = [dyInfo!.shape[1]!, dyInfo!.shape[2]!];
  const dy = backend.floats(dyInfo!);
  const dx = backend.floatArray(shape.reduce((p, d) => p * d, 1));
  forEachWindow(shape, attrs, oh, ow, (win) => {
    const count = (win.y1 - win.y0) * (win.x1 - win.x0);
    if (count === 0) return;
    for (let yy = win.y0; yy < win.y1; yy++) {
      for (let xx = win.x0; xx < win.x1; xx++) {
        const s = win.base + (yy * w + xx) * c;
        for (let ch = 0; ch < c; ch++) dx[s + ch] += dy[win.o + ch]! / count;
      }
    }
  });
  return backend.output(dx, [...shape], 'float32');
};

export const poolKernels: CpuKernel[] = [
  { name: 'MaxPool', fn: maxPool },
  { name: 'MaxPoolGrad', fn: maxPoolGrad },
  { name: 'AvgPool', fn: avgPool },
  { name: 'AvgPoolGrad', fn: avgPoolGrad },
];
