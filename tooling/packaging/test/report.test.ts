import { describe, expect, test } from 'vitest';
import { disagreements, reportProblems, type AppReport } from '../src/report.js';

// The checks the app's reports go through must be able to fail.
const report = (results: AppReport['results']): AppReport => ({ crossOriginIsolated: true, results });

describe('reportProblems', () => {
  test('passes a falling loss on every backend asked for', () => {
    expect(reportProblems(report([{ backend: 'cpu', firstLoss: 1, lastLoss: 0.2 }]), ['cpu'])).toEqual([]);
  });

  test('names a missing backend, a failed one, and a loss that did not fall', () => {
    const r = report([
      { backend: 'wasm', error: 'TesseraError: no module' },
      { backend: 'webgpu', firstLoss: 1, lastLoss: 1 },
      { backend: 'cpu', firstLoss: 1, lastLoss: Number.NaN },
    ]);
    expect(reportProblems(r, ['cpu', 'wasm', 'webgpu', 'other'])).toEqual([
      'cpu: the loss did not fall (1 → NaN)',
      'wasm: TesseraError: no module',
      'webgpu: the loss did not fall (1 → 1)',
      'other: no result',
    ]);
  });
});

describe('disagreements', () => {
  test('accepts losses equal to the tolerance and skips failed backends', () => {
    const runs = [
      { backend: 'cpu', firstLoss: 0.9336, lastLoss: 0.1827 },
      { backend: 'wasm', firstLoss: 0.9336001, lastLoss: 0.1827004 },
      { backend: 'webgpu', error: 'Error: no adapter' },
    ];
    expect(disagreements(runs)).toEqual([]);
  });

  test('names the backend and the loss that differ', () => {
    const runs = [
      { backend: 'cpu', firstLoss: 0.93, lastLoss: 0.18 },
      { backend: 'webgpu', firstLoss: 0.93, lastLoss: 0.25 },
    ];
    expect(disagreements(runs)).toEqual(['lastLoss: cpu 0.18 vs webgpu 0.25']);
  });
});
