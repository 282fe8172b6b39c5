import { describe, expect, it } from 'vitest';
import { formatTable, relativeDifference, runBench } from '../src/index.js';

describe('benchmark runner', () => {
  it('runs every suite on tiny sizes and reports ratios', async () => {
    const report = await runBench({ matmulSizes: [16], mlpSteps: 2, lenetSteps: 1, minMs: 1, log: () => {} });
    expect(report.rows.map((r) => r.benchmark)).toEqual(['matmul 16³', 'MLP 784-128-10 training (batch 128)', 'LeNet-5 training (batch 64)']);
    for (const r of report.rows) {
      expect(r.tessera).toBeGreaterThan(0);
      expect(r.peer).toBeGreaterThan(0);
      expect(r.ratio).toBeGreaterThan(0);
    }
    expect(formatTable(report.rows)).toContain('samples/s (tfjs cpu)');
  });

  it('refuses to compare results that differ', () => {
    expect(relativeDifference([1, 2], [1, 2])).toBe(0);
    expect(relativeDifference([1, 2.5], [1, 2])).toBeCloseTo(0.25);
    expect(relativeDifference([1], [1, 2])).toBe(Infinity);
  });
});
