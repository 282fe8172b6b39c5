import { backendInstance, formatTensor, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';

export function formatSuite(): void {
  describe('toString and formatting', () => {
    it('prints a 2x3 float32 tensor like NumPy', async () => {
      const t = tensor([[1.5, -2, 3], [4, 5.25, 6]]);
      const body = '[[ 1.5,  -2.,   3.],\n [  4., 5.25,   6.]]';
      expect(formatTensor(await t.data(), t.shape, t.dtype)).toBe(body);
      // toString reads synchronously; backends that cannot (WebGPU) print a pointer to data().
      const shown = backendInstance().readSync ? body : '<values on an async backend: await t.data()>';
      expect(t.toString()).toBe(`Tensor(shape=[2,3], dtype=float32)\n${shown}`);
      t.dispose();
    });

    it('prints int32, bool, rank-3 and scalar tensors', async () => {
      const i = tensor([[1, -20, 3], [4, 5, 6]], undefined, 'int32');
      const b = tensor([[true, false, true], [false, false, true]]);
      const r3 = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
      const s = tensor(0.1);
      expect(formatTensor(await i.data(), i.shape, i.dtype)).toBe('[[  1, -20,   3],\n [  4,   5,   6]]');
      expect(formatTensor(await b.data(), b.shape, b.dtype)).toBe('[[ true, false,  true],\n [false, false,  true]]');
      expect(formatTensor(await r3.data(), r3.shape, r3.dtype)).toBe('[[[1., 2.],\n  [3., 4.]],\n\n [[5., 6.],\n  [7., 8.]]]');
      expect(formatTensor(await s.data(), s.shape, s.dtype)).toBe('0.1');
      [i, b, r3, s].forEach((t) => t.dispose());
    });
  });
}
