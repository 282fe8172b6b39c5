import { describe, expect, it } from 'vitest';
import { formatTable, relativeDifference, runBench } from '../src/index.js';

describe('benchmark runner', () => {
  it('runs every suite on tiny sizes and reports ratios', async () => {
    const report = await runBench({ matmulSizes: [16], mlpSteps: 1, lenetSteps: 1, minMs: 1, warmup: 1, rounds: 1, mlpBatch: 16, lenetBatch: 4, log: () => {} });
    expect(report.rows.map((r) => r.benchmark)).toEqual(['matmul 16³', 'MLP 784-128-10 training (batch 16)', 'LeNet-5 training (batch 4)']);
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
