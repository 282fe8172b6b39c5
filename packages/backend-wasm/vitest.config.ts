import { tesseraVitest } from '@tessera/config/vitest';
import { defineConfig } from 'vitest/config';

// Two projects: every test on the plain SIMD build, and the conformance and gradient suites (plus
// the build choice) again on the relaxed-SIMD build, in workers whose Node accepts relaxed SIMD.
// The global setup compiles build/kernels.wasm and build/kernels-relaxed.wasm when they are
// missing or older than assembly/, so the tests also run on a fresh clone without a prior build.
const globalSetup = ['./test/global-setup.ts'];

export default defineConfig({
  test: {
    projects: [
      tesseraVitest({ test: { name: 'plain', globalSetup, provide: { wasmSimd: 'plain' } } }),
      tesseraVitest({
        test: {
          name: 'relaxed',
          globalSetup,
          include: ['test/conformance.test.ts', 'test/gradients.test.ts', 'test/loading.test.ts'],
          execArgv: ['--experimental-wasm-relaxed-simd'],
          provide: { wasmSimd: 'relaxed' },
        },
      }),
    ],
  },
});
