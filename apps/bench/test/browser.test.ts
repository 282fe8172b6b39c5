import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTable, runBrowserBench, writeOutputs } from '../src/index.js';
import { expectedRows, expectSpreadsAndRatios, rowSummary, TINY } from './rows.js';

// `pnpm bench --browser` end to end on tiny sizes: the page bundled from the sources, served
// cross-origin isolated, in headless Chromium (required, not optional: CI installs it).
const CHROMIUM = process.env['TESSERA_CHROMIUM'] ?? '/usr/bin/chromium';

describe('the benchmark runner in headless Chromium', () => {
  it('runs every pairing in a cross-origin-isolated page, then Tessera against itself, and writes the outputs', async () => {
    expect(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install chromium, or set TESSERA_CHROMIUM)`).toBe(true);
    // One sweep size: the sweep's code is the Node run's (bench.test.ts covers its sizes).
    const report = await runBrowserBench({ ...TINY, sweep: { ...TINY.sweep!, sizes: [16] }, executablePath: CHROMIUM });
    expect(report.browser).toMatchObject({ crossOriginIsolated: true });
    expect(report.browser!.version).toMatch(/^Chromium \d+\./);
    expect(report.webgpu?.ok, `webgpu in the page: ${report.webgpu?.detail}`).toBe(true);
    // The same rows as in Node; each was checked to agree with TF.js before it was timed.
    // The wasm 2T rows against onnxruntime-web come from a page load of their own (its thread pool starts once per page).
    expect(rowSummary(report.rows)).toEqual(expectedRows(['cpu', 'wasm 1T', 'wasm 2T', 'webgpu'], 'onnxruntime-web'));
    expect(report.onnxRuntime).toMatchObject({ name: 'onnxruntime-web', version: '1.30.0', threads: [1, 2] });
    expectSpreadsAndRatios(report.rows);
    // The wasm 2T rows ran on 2 threads (the backend's count is checked after each setThreads),
    // on shared memory, with the relaxed-SIMD build Chromium supports.
    expect(report.tesseraWasm).toMatchObject({ sharedMemory: true, build: 'relaxed', threads: [1, 2] });
    // The page is isolated, so TF.js picks its threaded-SIMD build; it was asked for 2 threads in a second load.
    expect(report.tfjsWasm).toMatchObject({ version: '4.22.0', simd: true, multithreadSupported: true, binary: 'tfjs-backend-wasm-threaded-simd.wasm' });
    expect(report.tfjsWasm!.threadedBuild?.detail).toMatch(/^setThreadsCount\(2\) in a second page load: .*, \d+ thread\(s\)$/);
    expect(rowSummary(report.selfRows!)).toEqual([
      'matmul 16³, 2 threads against 1 | wasm 2T | Tessera wasm 1T',
      'matmul 16³, relaxed-SIMD build against plain SIMD | wasm 1T relaxed | Tessera wasm 1T plain',
    ]);
    expectSpreadsAndRatios(report.selfRows!);
    expect(report.sweep!.matmul.map((p) => `${p.n} ${p.contender}`)).toEqual(
      ['wasm 1T', 'wasm 2T', 'cpu', 'webgpu', 'tfjs cpu', 'tfjs wasm', 'tfjs webgpu'].map((c) => `16 ${c}`),
    );

    const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-browser-'));
    const { files } = await writeOutputs(report, dir, 'pnpm bench --browser --test');
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['results.json', 'results.md', 'ratios.svg', 'sweep-matmul.svg', 'sweep-threads.svg']);
    const md = await readFile(join(dir, 'results.md'), 'utf8');
    expect(md).toContain(`- Browser: ${report.browser!.version} (headless), crossOriginIsolated true`);
    expect(md).toContain('- Tessera wasm: relaxed-SIMD build (kernels-relaxed.wasm), shared memory yes; ran on 1 and 2 thread(s)');
    expect(md).toContain('| matmul 16³, relaxed-SIMD build against plain SIMD | ');
    const json = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as { selfRows: unknown[]; browser: unknown };
    expect(json.selfRows).toHaveLength(2);
    expect(json.browser).toEqual(report.browser);
    expect(formatTable(report.selfRows!, 'baseline')).toContain('GFLOP/s (Tessera wasm 1T plain)');
  }, 240_000);
});
