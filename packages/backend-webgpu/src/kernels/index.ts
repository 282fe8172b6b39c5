import { convKernels } from './conv.js';
import { elementwiseKernels } from './elementwise.js';
import type { WebGPUKernel } from './kernel.js';
import { matmulKernels } from './matmul.js';
import { poolKernels } from './pool.js';
import { reduceKernels } from './reduce.js';
import { shapeKernels } from './shape.js';
import { softmaxKernels } from './softmax.js';

/** Every kernel of the webgpu backend: all primitive kernels plus FusedMatMul, Softmax and SoftmaxCrossEntropy. */
export const webgpuKernels: readonly WebGPUKernel[] = [
  ...elementwiseKernels,
  ...reduceKernels,
  ...shapeKernels,
  ...matmulKernels,
  ...convKernels,
  ...poolKernels,
  ...softmaxKernels,
];
