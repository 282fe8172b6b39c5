import { expect, inject, test } from 'vitest';
import { runNodeApp } from '../src/app.js';
import { disagreements, reportProblems } from '../src/report.js';

const { appDir } = inject('packaging');

test('the app trains in Node from the tarballs on cpu and wasm (2 threads); the loss falls', async () => {
  const report = await runNodeApp(appDir, ['cpu', 'wasm']);
  expect(reportProblems(report, ['cpu', 'wasm'])).toEqual([]);
  expect(disagreements(report.results)).toEqual([]);
  expect(report.results.find((r) => r.backend === 'wasm')?.threads).toBe(2);
});
