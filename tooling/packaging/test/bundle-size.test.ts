import { expect, inject, test } from 'vitest';
import { coreAutogradCpu, kb, measureBundle } from '../src/sizes.js';

const { appDir } = inject('packaging');

/**
 * The target for the smallest useful program (ops, a gradient, the cpu backend) is 25 kB.
 * It measured 24.1 kB before the op-boundary validation of the reliability work (dtype and value
 * checks, OutOfMemoryError, tidyAsync, debug mode on WebGPU, device recovery) and 26.0 kB after:
 * the target is missed, and reported as such in docs/benchmarks.md. Until the bundle is trimmed
 * back under it, this guard keeps it from growing further.
 */
const targetGzipBytes = 25_000;
const guardGzipBytes = 26_200;

test(`core+autograd+cpu stays within ${kb(guardGzipBytes)} minified + gzip -9 (target ${kb(targetGzipBytes)})`, async () => {
  const size = await measureBundle(appDir, coreAutogradCpu);
  const breakdown = size.packages.map(([p, n]) => `${p} ${kb(n)}`).join(', ');
  if (size.gzip > targetGzipBytes) console.info(`core+autograd+cpu: ${kb(size.gzip)} gzip, over the ${kb(targetGzipBytes)} target (${breakdown})`);
  expect(size.gzip, `gzip ${kb(size.gzip)}; minified ${kb(size.minified)}: ${breakdown}`).toBeLessThanOrEqual(guardGzipBytes);
});
