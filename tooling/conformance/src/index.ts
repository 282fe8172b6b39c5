// @tessera/conformance: the one vitest suite every Tessera backend runs from its own tests:
//   import '@tessera/backend-cpu';
//   import { describeConformance } from '@tessera/conformance';
//   describeConformance('cpu');
import { getBackend, setBackend } from '@tessera/core';
import { beforeAll, beforeEach, describe } from 'vitest';
import type { SuiteContext } from './harness.js';
import { binarySuite } from './suites/binary.js';
import { creationSuite } from './suites/creation.js';
import { engineSuite } from './suites/engine.js';
import { errorSuite } from './suites/errors.js';
import { formatSuite } from './suites/format.js';
import { kernelSuite } from './suites/kernels.js';
import { matmulSuite } from './suites/matmul.js';
import { memorySuite } from './suites/memory.js';
import { methodSuite } from './suites/methods.js';
import { nnSuite } from './suites/nn.js';
import { reduceSuite } from './suites/reduce.js';
import { selectionSuite } from './suites/selection.js';
import { shapeSuite } from './suites/shape.js';
import { unarySuite } from './suites/unary.js';
import { DEFAULT_TOLERANCE, type Tolerance } from './tolerance.js';

export interface ConformanceOptions {
  /** Relative tolerance for float results (default 1e-5; some cases scale it for long accumulations). */
  rtol?: number;
  /** Absolute tolerance for float results (default 1e-6). */
  atol?: number;
}

/**
 * Defines the conformance suite for a registered backend: every kernel and public op on seeded
 * random inputs against float64 references, dtype rules, errors, memory accounting and formatting.
 * Reads go through `await t.data()` only, so the suite runs unchanged on async backends.
 */
export function describeConformance(backendName: string, options: ConformanceOptions = {}): void {
  const tol: Tolerance = { rtol: options.rtol ?? DEFAULT_TOLERANCE.rtol, atol: options.atol ?? DEFAULT_TOLERANCE.atol };
  const ctx: SuiteContext = { backend: backendName, tol };
  describe(`conformance on '${backendName}'`, () => {
    beforeAll(async () => {
      const ok = await setBackend(backendName);
      if (!ok) {
        throw new Error(
          `describeConformance: backend '${backendName}' is registered but could not be initialised here (setBackend resolved false)`,
        );
      }
    });
    // Other suites in the same file may switch backends; every test runs on this one.
    beforeEach(async () => {
      if (getBackend() !== backendName) await setBackend(backendName);
    });

    kernelSuite(ctx);
    creationSuite(ctx);
    unarySuite(ctx);
    binarySuite(ctx);
    reduceSuite(ctx);
    selectionSuite(ctx);
    matmulSuite(ctx);
    nnSuite(ctx);
    shapeSuite(ctx);
    methodSuite(ctx);
    errorSuite(ctx);
    memorySuite(ctx);
    engineSuite(ctx);
    formatSuite();
  });
}

export { expectClose, expectEqualValues, DEFAULT_TOLERANCE, type CloseOptions, type Tolerance } from './tolerance.js';
export type { Nd } from './reference.js';
export { describeGradients } from './gradients.js';
export { describeProperties, type PropertyOptions } from './properties.js';
