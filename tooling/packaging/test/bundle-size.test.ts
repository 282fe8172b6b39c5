import { expect, inject, test } from 'vitest';
import { coreAutogradCpu, kb, measureBundle } from '../src/sizes.js';

const { appDir } = inject('packaging');

/**
 * The target for the smallest useful program (ops, a gradient, the cpu backend): 25 kB
 * minified + gzip -9, in decimal kilobytes (25,000 bytes, the stricter reading of "25 KB"). It
 * measured 26.0 kB after the op-boundary validation of the reliability work; since `op` is marked
 * free of side effects (core/src/ops/op.ts), bundlers drop the ops a program never calls, and it is
 * back under the target.
 */
const targetGzipBytes = 25_000;

test(`core+autograd+cpu stays within ${kb(targetGzipBytes)} minified + gzip -9`, async () => {
  const size = await measureBundle(appDir, coreAutogradCpu);
  const breakdown = size.packages.map(([p, n]) => `${p} ${kb(n)}`).join(', ');
  expect(size.gzip, `gzip ${kb(size.gzip)}; minified ${kb(size.minified)}: ${breakdown}`).toBeLessThanOrEqual(targetGzipBytes);
});

test('core+autograd+cpu leaves out the ops the program never calls', async () => {
  const { code } = await measureBundle(appDir, coreAutogradCpu);
  const present = (names: string[]) => names.filter((name) => code.includes(`"${name}"`));
  // Called by the program or by a gradient rule: kept.
  expect(present(['matmul', 'relu', 'sum'])).toEqual(['matmul', 'relu', 'sum']);
  // Neither: dropped, because `op(...)` and the op factories are marked free of side effects.
  expect(present(['gelu', 'oneHot', 'moments', 'maxPool2d', 'depthwiseConv2d'])).toEqual([]);
});
