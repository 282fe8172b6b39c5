import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTable, inferenceOnly, logTicks, timeIt, onlyModels, parseArgs, ratioChart, ratioOf, relativeDifference, runBench, writeOutputs, PAIRINGS, QUICK, type BenchReport } from '../src/index.js';
import { expectedRows, expectSpreadsAndRatios, rowSummary, TINY } from './rows.js';

describe('benchmark runner', () => {
  let report: BenchReport;

  it('runs every suite for every pairing on tiny sizes and reports ratios', async () => {
    report = await runBench(TINY);
    expect(report.webgpu?.ok, `webgpu setup: ${report.webgpu?.detail}`).toBe(true);
    expect(rowSummary(report.rows)).toEqual(expectedRows(['cpu', 'wasm 1T', 'wasm 2T', 'webgpu'], 'onnxruntime-node'));
    // Every timed number comes with the spread behind it (min–max of repeats or rounds), which
    // holds it; peak memory is counted once, exactly.
    expectSpreadsAndRatios(report.rows);
    // The wasm pairings' CNN rows reuse TF.js cpu's numbers from the cpu pairing of the same run.
    const fallbacks = report.rows.filter((r) => r.contender.startsWith('wasm') && r.peerName === 'tfjs cpu');
    expect(fallbacks).toHaveLength(8);
    for (const r of fallbacks) {
      expect(r.note).toBe('instead of tfjs wasm, measured in the cpu pairing of this run');
      const same = report.rows.find((c) => c.contender === 'cpu' && c.benchmark === r.benchmark)!;
      expect(r.peer).toBe(same.peer);
    }
    expect(report.tfjsWasm).toMatchObject({ version: '4.22.0', threads: 1 });
    // The exported models ran in onnxruntime-node on as many threads as the Tessera rows they face.
    expect(report.onnxRuntime).toMatchObject({ name: 'onnxruntime-node', version: '1.30.0', threads: [1, 2] });
    // The sweep: every size for Tessera wasm 1T/2T, cpu, webgpu and the three TF.js backends.
    expect(report.sweep!.matmul.map((p) => `${p.n} ${p.contender}`)).toEqual(
      [8, 16].flatMap((n) => ['wasm 1T', 'wasm 2T', 'cpu', 'webgpu', 'tfjs cpu', 'tfjs wasm', 'tfjs webgpu'].map((c) => `${n} ${c}`)),
    );
    expect(report.sweep!.threads.map((t) => t.threads)).toEqual([1, 2]);
    for (const t of report.sweep!.threads) expect(t.mlpSamplesPerSec).toBeGreaterThan(0);
    const table = formatTable(report.rows);
    expect(table).toContain('samples/s (tfjs cpu)');
    expect(table).toContain('GFLOP/s (wasm 2T)');
    expect(table).toContain('ms (webgpu)');
    expect(table).toContain('n/a (not supported by tfjs wasm)');
    expect(table).toContain('ms (onnxruntime-node 2T)');
  }, 600_000);

  it('writes the JSON, the Markdown table and the charts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-'));
    const { files } = await writeOutputs(report, dir, 'pnpm bench --test');
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['results.json', 'results.md', 'ratios.svg', 'sweep-matmul.svg', 'sweep-threads.svg']);
    const json = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as { command: string; rows: unknown[] };
    expect(json.command).toBe('pnpm bench --test');
    expect(json.rows).toHaveLength(report.rows.length);
    const md = await readFile(join(dir, 'results.md'), 'utf8');
    expect(md).toContain('`pnpm bench --test`');
    expect(md).toContain('- ONNX Runtime: onnxruntime-node 1.30.0, CPU execution provider');
    expect(md).toContain('| peer | Tessera better by |');
    expect(md.split('\n').filter((l) => l.startsWith('| ') && l.includes('×**'))).toHaveLength(report.rows.filter((r) => r.ratio !== null).length);
    const svg = await readFile(join(dir, 'ratios.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect class="bar"/g)?.length).toBe(report.rows.filter((r) => r.ratio !== null).length);
    for (const f of ['sweep-matmul.svg', 'sweep-threads.svg']) expect(await readFile(join(dir, f), 'utf8')).toContain('<polyline');
  });

  it('times fast calls minRepeats times at least, and slow ones only once after one warm-up', async () => {
    let calls = 0;
    const fast = await timeIt(() => calls++, { warmup: 2, minRepeats: 5, minMs: 1 });
    expect(fast.repeats).toBeGreaterThanOrEqual(5);
    expect(calls).toBe(fast.repeats + 2);
    calls = 0;
    const slow = await timeIt(() => new Promise((r) => setTimeout(() => r(calls++), 30)), { warmup: 2, minRepeats: 5, minMs: 20 });
    expect([calls, slow.repeats]).toEqual([2, 1]);
    expect(slow.median).toBeGreaterThanOrEqual(25);
  });

  it('refuses to compare results that differ', () => {
    expect(relativeDifference([1, 2], [1, 2])).toBe(0);
    expect(relativeDifference([1, 2.5], [1, 2])).toBeCloseTo(0.25);
    expect(relativeDifference([1], [1, 2])).toBe(Infinity);
    // Relative to a larger scale where given (a sum against the sum of magnitudes).
    expect(relativeDifference([1.5], [1], 100)).toBeCloseTo(0.005);
  });

  it('counts ratios the way the unit does: above 1 means Tessera is better', () => {
    expect(ratioOf('GFLOP/s', 10, 5)).toBe(2);
    expect(ratioOf('ms', 10, 5)).toBe(0.5);
    expect(ratioOf('MB', 2, 8)).toBe(4);
  });

  it('charts: log ticks, escaped labels, bars only for rows with a ratio', () => {
    expect(logTicks(0.5, 30)).toEqual([0.5, 1, 2, 5, 10, 20]);
    expect(logTicks(0.05, 500)).toEqual([0.1, 1, 10, 100]);
    const svg = ratioChart([
      { benchmark: 'a<b', unit: 'ms', contender: 'cpu', tessera: 1, peerName: 'tfjs cpu', peer: 3, ratio: 3 },
      { benchmark: 'c', unit: 'GFLOP/s', contender: 'cpu', tessera: 1, peerName: 'tfjs wasm', peer: null, ratio: null },
    ], 'T & T');
    expect(svg).toContain('a&lt;b — cpu vs tfjs cpu');
    expect(svg).toContain('T &amp; T');
    expect(svg).not.toContain('>c —');
    expect(() => ratioChart([], 'x')).toThrow('no row has a ratio');
  });

  it('trains the functional ResNet in both frameworks from the same weights (first-step losses agree), TF.js wasm falling back to cpu', async () => {
    const r = await runBench({ matmulSizes: [], mlpSteps: 0, lenetSteps: 0, resnetSteps: 1, resnetBatch: 2, minMs: 1, warmup: 1, rounds: 1, pairings: PAIRINGS.slice(0, 2), log: () => {} });
    expect(rowSummary(r.rows)).toEqual([
      'ResNet 16/32/64 training (batch 2) | cpu | tfjs cpu',
      'peak tensor memory, ResNet 16/32/64 training (batch 2) step | cpu | tfjs cpu',
      'ResNet 16/32/64 training (batch 2) | wasm 1T | tfjs wasm n/a',
      'ResNet 16/32/64 training (batch 2) | wasm 1T | tfjs cpu',
      'peak tensor memory, ResNet 16/32/64 training (batch 2) step | wasm 1T | tfjs cpu',
    ]);
    expectSpreadsAndRatios(r.rows);
  }, 120_000);

  it('trains the character LSTM in both frameworks from the same weights (TF.js wasm cannot: cpu instead), and generates carrying the state, the same tokens as re-running the window', async () => {
    const r = await runBench({ matmulSizes: [], mlpSteps: 0, lenetSteps: 0, lstmSteps: 1, lstmBatch: 2, lstmGeneration: 5, minMs: 1, warmup: 1, rounds: 1, pairings: PAIRINGS.slice(0, 2), log: () => {} });
    const lstm = 'LSTM language model 31-32-128-31 (16 steps)';
    expect(rowSummary(r.rows)).toEqual([
      `${lstm} training (batch 2) | cpu | tfjs cpu`,
      `peak tensor memory, ${lstm} training (batch 2) step | cpu | tfjs cpu`,
      `${lstm} training (batch 2) | wasm 1T | tfjs wasm n/a`,
      `${lstm} training (batch 2) | wasm 1T | tfjs cpu`,
      `peak tensor memory, ${lstm} training (batch 2) step | wasm 1T | tfjs cpu`,
    ]);
    expectSpreadsAndRatios(r.rows);
    expect(rowSummary(r.selfRows!)).toEqual([
      `${lstm} generation, 5 tokens one at a time (batch 1) | cpu, state carried | Tessera cpu, window re-run`,
      `${lstm} generation, 5 tokens one at a time (batch 1) | wasm 1T, state carried | Tessera wasm 1T, window re-run`,
    ]);
    for (const row of r.selfRows!) expect(row.tessera).toBeGreaterThan(0);
  }, 120_000);

  it('--models keeps only those models\' training and inference rows; --inference only the inference rows', () => {
    const o = onlyModels(QUICK, ['resnet', 'lenet5']);
    expect(o).toMatchObject({ matmulSizes: [], convBatch: 0, bandwidthSize: 0, softmaxCe: null, sweep: null, mlpSteps: 0, cnnSteps: 0, lenetSteps: QUICK.lenetSteps, resnetSteps: QUICK.resnetSteps });
    expect(o.resnetSteps).toBeGreaterThan(0);
    expect(o.inference).toEqual(QUICK.inference!.filter(([k]) => k === 'lenet5'));
    expect(o.onnxInference).toEqual(QUICK.onnxInference!.filter(([k]) => k === 'lenet5'));
    expect(parseArgs(['--models', 'resnet'])).toMatchObject({ models: ['resnet'] });
    // --inference keeps the inference rows alone, against TF.js and ONNX Runtime.
    expect(inferenceOnly(o)).toMatchObject({ matmulSizes: [], lenetSteps: 0, resnetSteps: 0, sweep: null, inference: o.inference, onnxInference: o.onnxInference });
    expect(() => parseArgs(['--models', 'vgg'])).toThrow('--models: unknown model(s) vgg; expected a comma-separated list of mlp, lenet5, cnn, resnet, lstm');
    expect(onlyModels(QUICK, ['lstm'])).toMatchObject({ mlpSteps: 0, resnetSteps: 0, lstmSteps: QUICK.lstmSteps, lstmGeneration: QUICK.lstmGeneration, inference: [] });
    expect(onlyModels(QUICK, ['mlp'])).toMatchObject({ lstmSteps: 0, lstmGeneration: 0 });
  });

  it('parses its flags and rejects unknown ones', () => {
    expect(parseArgs(['--full', '--backends', 'cpu,wasm', '--out', 'x'])).toEqual({ full: true, browser: false, out: 'x', backends: ['cpu', 'wasm'], sweep: true, inference: false });
    expect(parseArgs(['--inference'])).toMatchObject({ inference: true });
    expect(parseArgs(['--', '--no-sweep'])).toMatchObject({ full: false, sweep: false, out: 'out/bench' });
    expect(parseArgs(['--browser', '--full'])).toMatchObject({ full: true, browser: true, out: 'out/bench-browser' });
    expect(parseArgs(['--browser', '--out', 'y'])).toMatchObject({ browser: true, out: 'y' });
    expect(() => parseArgs(['--backends', 'cuda'])).toThrow('unknown backend(s) cuda');
    expect(() => parseArgs(['--fast'])).toThrow("unknown flag '--fast'");
    expect(() => parseArgs(['--out'])).toThrow("Option '--out <value>' argument missing");
    expect(() => parseArgs(['--out='])).toThrow('--out needs a directory');
    expect(() => parseArgs(['--model', 'lstm'])).toThrow("unknown flag '--model' (did you mean --models?). Usage: bench");
    expect(() => parseArgs(['--full=yes'])).toThrow("Option '--full' does not take an argument");
    expect(() => parseArgs(['resnet'])).toThrow(/Unexpected argument 'resnet'/);
  });
});
