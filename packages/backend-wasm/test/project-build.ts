import { backendInstance, setBackend } from '@tessera/core';
import { expect, inject, it } from 'vitest';
import { configureWasmBackend, type WasmBackend } from '../src/node.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The build the vitest project tests (vitest.config.ts): the relaxed one runs in Node with --experimental-wasm-relaxed-simd. */
    wasmSimd: 'plain' | 'relaxed';
  }
}

/**
 * Forces the build this vitest project tests, and checks that it is the one that runs: a relaxed
 * build silently replaced by the plain one would otherwise pass every test.
 */
export function useProjectBuild(): void {
  const simd = inject('wasmSimd');
  configureWasmBackend({ simd });
  it(`runs the ${simd} build`, async () => {
    expect(await setBackend('wasm')).toBe(true);
    expect((backendInstance() as WasmBackend).build).toBe(simd);
  });
}
