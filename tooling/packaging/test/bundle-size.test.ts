import { expect, inject, test } from 'vitest';
import { coreAutogradCpu, kb, measureBundle } from '../src/sizes.js';

const { appDir } = inject('packaging');

/** The size target of the smallest useful program (ops, a gradient, the cpu backend). */
const targetGzipBytes = 25_000;

test(`core+autograd+cpu stays within ${kb(targetGzipBytes)} minified + gzip -9`, async () => {
  const size = await measureBundle(appDir, coreAutogradCpu);
  const breakdown = size.packages.map(([p, n]) => `${p} ${kb(n)}`).join(', ');
  expect(size.gzip, `gzip ${kb(size.gzip)}; minified ${kb(size.minified)}: ${breakdown}`).toBeLessThanOrEqual(targetGzipBytes);
});
