import { describe, expect, it } from 'vitest';
import { formatTable, relativeDifference, runBench } from '../src/index.js';

describe('benchmark runner', () => {
  it('runs every suite for every pairing on tiny sizes and reports ratios', async () => {
    const report = await runBench({ matmulSizes: [16], mlpSteps: 1, lenetSteps: 1, minMs: 1, warmup: 1, rounds: 1, mlpBatch: 16, lenetBatch: 4, log: () => {} });
    const summary = report.rows.map((r) => `${r.benchmark} | ${r.contender} | ${r.peerName}${r.peer === null ? ' n/a' : ''}`);
    const pairing = (tessera: string, peer: string, lenet: string[]): string[] => [
      `matmul 16³ | ${tessera} | ${peer}`,
      `MLP 784-128-10 training (batch 16) | ${tessera} | ${peer}`,
      ...lenet.map((p) => `LeNet-5 training (batch 4) | ${tessera} | ${p}`),
    ];
    // TF.js's wasm backend cannot train a CNN: that row says n/a and LeNet-5 is compared with TF.js cpu.
    expect(summary).toEqual([
      ...pairing('cpu', 'tfjs cpu', ['tfjs cpu']),
      ...pairing('wasm 1T', 'tfjs wasm', ['tfjs wasm n/a', 'tfjs cpu']),
      ...pairing('wasm 2T', 'tfjs wasm', ['tfjs wasm n/a', 'tfjs cpu']),
    ]);
    for (const r of report.rows) {
      expect(r.tessera).toBeGreaterThan(0);
      if (r.peer === null) {
        expect(r.ratio).toBeNull();
      } else {
        expect(r.peer).toBeGreaterThan(0);
        expect(r.ratio).toBeGreaterThan(0);
      }
    }
    expect(report.tfjsWasm).toMatchObject({ version: '4.22.0', threads: 1 });
    const table = formatTable(report.rows);
    expect(table).toContain('samples/s (tfjs cpu)');
    expect(table).toContain('GFLOP/s (wasm 2T)');
    expect(table).toContain('n/a (not supported by tfjs wasm)');
  });

  it('refuses to compare results that differ', () => {
    expect(relativeDifference([1, 2], [1, 2])).toBe(0);
    expect(relativeDifference([1, 2.5], [1, 2])).toBeCloseTo(0.25);
    expect(relativeDifference([1], [1, 2])).toBe(Infinity);
  });
});
