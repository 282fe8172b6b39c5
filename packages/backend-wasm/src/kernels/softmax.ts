import type { WasmKernel, WasmKernelFn } from './kernel.js';
import { sizeOf } from './kernel.js';

const softmax: WasmKernelFn<Record<string, never>> = ({ inputs: [x], backend }) => {
  const y = backend.empty([...x!.shape], 'float32');
  const size = sizeOf(x!.shape);
  const c = x!.shape[x!.shape.length - 1] ?? 1;
  if (size > 0) backend.kernels.softmax(backend.ptr(y), backend.ptr(x!), size / c, c);
  return y;
};

const softmaxCrossEntropy: WasmKernelFn<Record<string, never>> = ({ inputs: [logits, labels], backend }) => {
  const [rows, c] = logits!.shape as [number, number];
  const loss = backend.empty([rows], 'float32');
  if (rows > 0) backend.kernels.softmaxCrossEntropy(backend.ptr(loss), backend.ptr(logits!), backend.ptr(labels!), rows, c);
  return loss;
};

export const softmaxKernels: WasmKernel[] = [
  { name: 'Softmax', fn: softmax },
  { name: 'SoftmaxCrossEntropy', fn: softmaxCrossEntropy },
];
