import { registerBackend, registerKernel } from '@tessera/core';
import { WebGPUBackend } from './backend.js';
import { webgpuKernels } from './kernels/index.js';

export { GPUData, WebGPUBackend, type WebGPUBackendOptions } from './backend.js';
export { BufferPool } from './pool.js';
export { webgpuKernels } from './kernels/index.js';
export type { WebGPUKernel, WebGPUKernelFn } from './kernels/kernel.js';

export interface RegisterWebGPUOptions {
  /**
   * The GPU, or a function that returns it when the backend is first created. Default:
   * `navigator.gpu`. In Node, `@tessera/backend-webgpu/node` passes Dawn's.
   */
  gpu?: GPU | (() => GPU);
  powerPreference?: GPUPowerPreference;
  /** Default 30: above wasm (20) and cpu (10), so `ready()` picks WebGPU wherever an adapter exists. */
  priority?: number;
}

let lastError: Error | null = null;

/** Why the last attempt to create the 'webgpu' backend failed (setBackend only resolves false). */
export function webgpuUnavailableReason(): string | null {
  return lastError?.message ?? null;
}

function navigatorGPU(): GPU {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (!nav?.gpu) {
    throw new Error(
      "webgpu: navigator.gpu is undefined: this runtime has no WebGPU (in Node, import '@tessera/backend-webgpu/node')",
    );
  }
  return nav.gpu;
}

/**
 * Registers (or re-registers) the 'webgpu' backend factory. Creating it requests an adapter and a
 * device; where there is none it throws, so `setBackend('webgpu')` resolves false and `ready()`
 * falls back to the next backend. `webgpuUnavailableReason()` then tells why.
 */
export function registerWebGPU(options: RegisterWebGPUOptions = {}): void {
  registerBackend({
    name: 'webgpu',
    priority: options.priority ?? 30,
    create: async () => {
      try {
        const gpu = typeof options.gpu === 'function' ? options.gpu() : (options.gpu ?? navigatorGPU());
        const backend = await WebGPUBackend.create({ gpu, powerPreference: options.powerPreference });
        lastError = null;
        return backend;
      } catch (e) {
        lastError = e as Error;
        throw e;
      }
    },
  });
}

registerWebGPU();
for (const { name, fn } of webgpuKernels) registerKernel<WebGPUBackend>({ name, backend: 'webgpu', fn });
