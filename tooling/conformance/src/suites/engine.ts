import {
  NonFiniteError, add, backendInstance, getBackend, hasKernel, listBackends, log, matmul, moveTo, numel, profile, ready,
  reducedCount, setBackend, setDebug, tensor, tidy, zeros,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { counts, expectCounts, type SuiteContext } from '../harness.js';
import { values } from '../inputs.js';

export function engineSuite(ctx: SuiteContext): void {
  describe('engine API with this backend active', () => {
    it('reports the backend as registered, active and ready', async () => {
      expect(listBackends().map((b) => b.name)).toContain(ctx.backend);
      expect(getBackend()).toBe(ctx.backend);
      expect(backendInstance().name).toBe(ctx.backend);
      expect(await ready()).toBe(ctx.backend);
      expect(hasKernel('Add')).toBe(true);
      expect(hasKernel('NoSuchKernel')).toBe(false);
    });

    it('profile lists the kernels an op ran, with their output shapes', () => {
      const a = zeros([2, 3]);
      const b = zeros([3, 4]);
      const { result, kernels } = profile(() => matmul(a, b));
      const entry = kernels.find((k) => k.kernel === 'BatchMatMul' || k.kernel === 'FusedMatMul');
      expect(entry, `kernels run: ${kernels.map((k) => k.kernel).join(', ')}`).toBeDefined();
      expect(entry!.op).toBe('matmul');
      expect(entry!.outShapes).toEqual([[1, 2, 4]]);
      [a, b, result].forEach((t) => t.dispose());
    });

    it('debug mode names the op and kernel that produced NaN', ({ skip }) => {
      // The check reads outputs synchronously, which async-only backends cannot do.
      if (!backendInstance().readSync) skip('the backend has no synchronous read');
      const start = counts();
      const x = tensor([1, -1]);
      setDebug(true);
      try {
        expect(() => log(x)).toThrow(NonFiniteError);
        expect(() => log(x)).toThrow("log: kernel 'Log' produced NaN at flat index 1 of its output [2] (debug mode)");
      } finally {
        setDebug(false);
        x.dispose();
      }
      expectCounts(counts(), start, 'debug mode');
    });

    it('moveTo brings a tensor made on another backend here', async ({ skip }) => {
      const other = listBackends().find((b) => b.name !== ctx.backend);
      if (!other || !(await setBackend(other.name))) skip('no second backend is available');
      const start = counts();
      const t = tidy(() => add(tensor([[1.5, -2], [3, 4]]), 1));
      await setBackend(ctx.backend);
      await moveTo(t, ctx.backend);
      const y = add(t, t);
      expect(await values(y)).toEqual([5, -2, 8, 10]);
      [t, y].forEach((z) => z.dispose());
      expectCounts(counts(), start, 'moveTo');
      expect(getBackend()).toBe(ctx.backend);
    });

    it('numel and reducedCount', () => {
      const x = zeros([2, 3, 4]);
      expect(numel(x)).toBe(24);
      expect(reducedCount([2, 3, 4], [0, -1])).toBe(8);
      expect(reducedCount([2, 3, 4])).toBe(24);
      x.dispose();
    });

    it('array() gives nested values, booleans for bool and a number for scalars', async () => {
      const f = tensor([[1, 2, 3], [4, 5, 6]]);
      const b = tensor([[true], [false]]);
      const s = tensor(7, [], 'int32');
      const e = zeros([2, 0]);
      expect(await f.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
      expect(await b.array()).toEqual([[true], [false]]);
      expect(await s.array()).toBe(7);
      expect(await e.array()).toEqual([[], []]);
      [f, b, s, e].forEach((t) => t.dispose());
    });
  });
}
