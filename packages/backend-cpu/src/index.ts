import { registerBackend, registerKernel } from '@tessera/core';
import { CpuBackend } from './backend.js';
import { cpuKernels } from './kernels/index.js';

export { CpuBackend, CpuData, type CpuBackendOptions, type FloatArray } from './backend.js';
export { cpuKernels } from './kernels/index.js';
export type { CpuKernel, CpuKernelFn } from './kernels/kernel.js';

// 'cpu' is the default everywhere; 'cpu64' is the float64 twin the gradient checker runs on,
// priority 0 so that it is never picked automatically over a real backend.
registerBackend({ name: 'cpu', priority: 10, create: () => new CpuBackend({ name: 'cpu', floatPrecision: 32 }) });
registerBackend({ name: 'cpu64', priority: 0, create: () => new CpuBackend({ name: 'cpu64', floatPrecision: 64 }) });
for (const backend of ['cpu', 'cpu64']) {
  for (const { name, fn } of cpuKernels) registerKernel<CpuBackend>({ name, backend, fn });
}
