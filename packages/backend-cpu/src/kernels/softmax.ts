import type { CpuKernel, CpuKernelFn } from './kernel.js';

/** Softmax over the last axis, shifted by the row max so exp never overflows. */
const softmax: CpuKernelFn<Record<string, never>> = ({ inputs: [xInfo], backend }) => {
  const shape = xInfo!.shape;
  const x = backend.floats(xInfo!);
  const y = backend.floatArray(x.length);
  const c = shape[shape.length - 1]!;
  for (let r = 0; r < x.length; r += c) {
    let max = -Infinity;
    for (let i = 0; i < c; i++) max = Math.max(max, x[r + i]!);
    let sum = 0;
    for (let i = 0; i < c; i++) {
      const e = Math.exp(x[r + i]! - max);
      y[r + i] = e;
      sum += e;
    }
    for (let i = 0; i < c; i++) y[r + i] = y[r + i]! / sum;
  }
  return backend.output(y, [...shape], 'float32');
};

/**
 * Per-row −Σ labels·log softmax(logits) = Σ labels·(logsumexp − logits). A zero label contributes
 * nothing even against a −∞ logit (0·log 0 = 0, as in the limit).
 */
const softmaxCrossEntropy: CpuKernelFn<Record<string, never>> = ({ inputs: [logitsInfo, labelsInfo], backend }) => {
  const [rows, c] = logitsInfo!.shape as [number, number];
  const x = backend.floats(logitsInfo!);
  const labels = backend.floats(labelsInfo!);
  const loss = backend.floatArray(rows);
  for (let r = 0, o = 0; r < rows; r++, o += c) {
    let max = -Infinity;
    for (let i = 0; i < c; i++) max = Math.max(max, x[o + i]!);
    let sum = 0;
    for (let i = 0; i < c; i++) sum += Math.exp(x[o + i]! - max);
    const lse = max + Math.log(sum);
    let l = 0;
    for (let i = 0; i < c; i++) {
      const p = labels[o + i]!;
      if (p !== 0) l += p * (lse - x[o + i]!);
    }
    loss[r] = l;
  }
  return backend.output(loss, [rows], 'float32');
};

export const softmaxKernels: CpuKernel[] = [
  { name: 'Softmax', fn: softmax },
  { name: 'SoftmaxCrossEntropy', fn: softmaxCrossEntropy },
];
