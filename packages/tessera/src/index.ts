/**
 * Tessera's umbrella package: the common set in one import. Importing it registers the cpu
 * backend; add '@tessera/backend-wasm' or '@tessera/backend-webgpu' for the others.
 */
import '@tessera/backend-cpu';

export * from '@tessera/core';
export * from '@tessera/autograd';
export * from '@tessera/layers';
export * from '@tessera/optimizers';
export * from '@tessera/models';
export * from '@tessera/datasets';
export { CpuBackend } from '@tessera/backend-cpu';
// Both models and datasets name the {xs, ys} batch shape; they are the same structure.
export type { Batch } from '@tessera/models';
