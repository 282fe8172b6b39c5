import { binaryKernels } from './binary.js';
import { convKernels } from './conv.js';
import type { CpuKernel } from './kernel.js';
import { matmulKernels } from './matmul.js';
import { poolKernels } from './pool.js';
import { reduceKernels } from './reduce.js';
import { shapeKernels } from './shape.js';
import { softmaxKernels } from './softmax.js';
import { unaryKernels } from './unary.js';

/** Every kernel of the cpu backend: all primitive kernels plus FusedMatMul, FusedConv2D, Softmax and SoftmaxCrossEntropy. */
export const cpuKernels: readonly CpuKernel[] = [
  ...unaryKernels,
  ...binaryKernels,
  ...reduceKernels,
  ...shapeKernels,
  ...matmulKernels,
  ...convKernels,
  ...poolKernels,
  ...softmaxKernels,
];
