import { Random } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { pca } from '../src/index.js';

describe('pca (power iteration with deflation)', () => {
  it('finds the axes of data stretched along known orthogonal directions, largest first', () => {
    // Points 10 + a·u + b·w with a = 3 cos θ, b = sin θ on evenly spaced θ (uncorrelated, variances
    // 4.5 and 0.5) and u ⟂ w in 4-D, in a shuffled order.
    const u = [1, 1, 0, 0].map((x) => x / Math.SQRT2);
    const w = [0, 0, 3, 4].map((x) => x / 5);
    const rows = Array.from({ length: 400 }, (_, i) => {
      const theta = (2 * Math.PI * i) / 400;
      return u.map((x, j) => 10 + 3 * Math.cos(theta) * x + Math.sin(theta) * w[j]!);
    });
    new Random(5).shuffle(rows);
    const r = pca(rows, { components: 2 });
    expect(Math.abs(r.components[0]!.reduce((s, x, j) => s + x * u[j]!, 0))).toBeCloseTo(1, 9);
    expect(Math.abs(r.components[1]!.reduce((s, x, j) => s + x * w[j]!, 0))).toBeCloseTo(1, 9);
    expect(r.variances[0]).toBeCloseTo((4.5 * 400) / 399, 8);
    expect(r.variances[1]).toBeCloseTo((0.5 * 400) / 399, 8);
    expect(r.mean[0]).toBeCloseTo(10, 0);
    // Projections are centred, and their variance along each axis is the eigenvalue.
    for (let k = 0; k < 2; k++) {
      const p = r.projections.map((row) => row[k]!);
      const mean = p.reduce((a, b) => a + b, 0) / p.length;
      const variance = p.reduce((a, b) => a + (b - mean) ** 2, 0) / (p.length - 1);
      expect(mean).toBeCloseTo(0, 8);
      expect(variance).toBeCloseTo(r.variances[k]!, 6);
    }
  });

  it('matches the closed form of a 2 × 2 covariance and fixes the sign', () => {
    // Rows (1, 2), (3, 3), (5, 7): covariance [[4, 5], [5, 7]]; eigenvalues (11 ± √(9 + 100)) / 2.
    const r = pca([[1, 2], [3, 3], [5, 7]]);
    expect(r.variances[0]).toBeCloseTo((11 + Math.sqrt(109)) / 2, 8);
    expect(r.variances[1]).toBeCloseTo((11 - Math.sqrt(109)) / 2, 8);
    const [v0, v1] = [r.components[0]!, r.components[1]!];
    expect(Math.abs(v0[0]! * v1[0]! + v0[1]! * v1[1]!)).toBeLessThan(1e-8);
    // (C − λ₁) v₁ = 0 for the first component; its largest entry is positive.
    expect(4 * v0[0]! + 5 * v0[1]! - r.variances[0]! * v0[0]!).toBeCloseTo(0, 8);
    expect(Math.max(...v0)).toBeGreaterThan(0);
    const other = pca([[1, 2], [3, 3], [5, 7]], { seed: 99 }).components[0]!;
    other.forEach((x, j) => expect(x).toBeCloseTo(v0[j]!, 9));
  });

  it('refuses bad input', () => {
    expect(() => pca([[1, 2]])).toThrow('pca: needs at least 2 rows, got 1');
    expect(() => pca([[1, 2], [1]])).toThrow('pca: row 1 has 1 values, row 0 has 2');
    expect(() => pca([[1, 2], [3, NaN]])).toThrow('pca: row 1 holds NaN at 1; every value must be finite');
    expect(() => pca([[1, 2], [3, 4]], { components: 3 })).toThrow('pca: components must be an integer from 1 to the dimension 2, got 3');
  });
});
