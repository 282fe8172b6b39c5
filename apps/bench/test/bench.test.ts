import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTable, logTicks, timeIt, parseArgs, ratioChart, ratioOf, relativeDifference, runBench, writeOutputs, type BenchReport } from '../src/index.js';

describe('benchmark runner', () => {
  let report: BenchReport;

  it('runs every suite for every pairing on tiny sizes and reports ratios', async () => {
    report = await runBench({
      matmulSizes: [16], convBatch: 2, bandwidthSize: 4096, softmaxCe: [8, 10],
      mlpSteps: 1, lenetSteps: 1, cnnSteps: 1, mlpBatch: 16, lenetBatch: 4, cnnBatch: 2,
      inference: [['mlp', 1], ['mlp', 3], ['lenet5', 1], ['lenet5', 3]],
      minMs: 1, warmup: 1, rounds: 1, webgpuScale: 1,
      sweep: { sizes: [8, 16], threads: [1, 2], minMs: 1, mlpSteps: 1 },
      log: () => {},
    });
    expect(report.webgpu?.ok, `webgpu setup: ${report.webgpu?.detail}`).toBe(true);
    const summary = report.rows.map((r) => `${r.benchmark} | ${r.contender} | ${r.peerName}${r.peer === null ? ' n/a' : ''}`);
    const training = (model: string, batch: number, tessera: string, peers: string[]): string[] => [
      ...peers.map((p) => `${model} training (batch ${batch}) | ${tessera} | ${p}`),
      `peak tensor memory, ${model} training (batch ${batch}) step | ${tessera} | ${peers[peers.length - 1]!.replace(' n/a', '')}`,
    ];
    // TF.js's wasm backend has no conv2d filter gradient: those rows say n/a, and its CNNs train on TF.js cpu instead.
    const pairing = (tessera: string, peer: string): string[] => {
      const convBack = peer === 'tfjs wasm' ? 'tfjs wasm n/a' : peer;
      const cnnPeers = peer === 'tfjs wasm' ? ['tfjs wasm n/a', 'tfjs cpu'] : [peer];
      return [
        `matmul 16³ | ${tessera} | ${peer}`,
        `conv2d forward, LeNet-5 conv2 6→16 (2×13×13×6 * 3×3×6×16) | ${tessera} | ${peer}`,
        `conv2d backward (input + filter), LeNet-5 conv2 6→16 | ${tessera} | ${convBack}`,
        `conv2d forward, CNN conv2 32→64 (2×14×14×32 * 3×3×32×64) | ${tessera} | ${peer}`,
        `conv2d backward (input + filter), CNN conv2 32→64 | ${tessera} | ${convBack}`,
        `add, 8 in a row, 4k float32 | ${tessera} | ${peer}`,
        `sum to a scalar, 4k float32 | ${tessera} | ${peer}`,
        `softmax cross-entropy + gradient, 8×10 | ${tessera} | ${peer}`,
        ...training('MLP 784-128-10', 16, tessera, [peer]),
        ...training('LeNet-5', 4, tessera, cnnPeers),
        ...training('CNN 32/64', 2, tessera, cnnPeers),
        `MLP 784-128-10 inference, batch 1 | ${tessera} | ${peer}`,
        `MLP 784-128-10 inference, batch 3 | ${tessera} | ${peer}`,
        `LeNet-5 inference, batch 1 | ${tessera} | ${peer}`,
        `LeNet-5 inference, batch 3 | ${tessera} | ${peer}`,
      ];
    };
    expect(summary).toEqual([
      ...pairing('cpu', 'tfjs cpu'),
      ...pairing('wasm 1T', 'tfjs wasm'),
      ...pairing('wasm 2T', 'tfjs wasm'),
      ...pairing('webgpu', 'tfjs webgpu'),
    ]);
    // Every timed number comes with the spread behind it (min–max of repeats or rounds), which
    // holds it; peak memory is counted once, exactly.
    const within = (v: number, [lo, hi]: [number, number]): boolean => lo <= v * (1 + 1e-9) && v <= hi * (1 + 1e-9);
    for (const r of report.rows.filter((x) => Number.isFinite(x.tessera) && x.unit !== 'MB')) {
      expect(r.range, r.benchmark).toBeDefined();
      expect(within(r.tessera, r.range!.tessera), `${r.benchmark}: ${r.tessera} in ${r.range!.tessera}`).toBe(true);
      if (r.peer !== null && r.range!.peer) expect(within(r.peer, r.range!.peer), `${r.benchmark}: peer ${r.peer} in ${r.range!.peer}`).toBe(true);
    }
    for (const r of report.rows) {
      if (r.peer === null) {
        expect(r.ratio).toBeNull();
        if (!r.benchmark.includes('training')) expect(r.tessera).toBeGreaterThan(0);
      } else {
        expect(r.tessera).toBeGreaterThan(0);
        expect(r.peer).toBeGreaterThan(0);
        expect(r.ratio).toBeCloseTo(ratioOf(r.unit, r.tessera, r.peer), 10);
      }
    }
    // The wasm pairings' CNN rows reuse TF.js cpu's numbers from the cpu pairing of the same run.
    const fallbacks = report.rows.filter((r) => r.contender.startsWith('wasm') && r.peerName === 'tfjs cpu');
    expect(fallbacks).toHaveLength(8);
    for (const r of fallbacks) {
      expect(r.note).toBe('instead of tfjs wasm, measured in the cpu pairing of this run');
      const same = report.rows.find((c) => c.contender === 'cpu' && c.benchmark === r.benchmark)!;
      expect(r.peer).toBe(same.peer);
    }
    expect(report.tfjsWasm).toMatchObject({ version: '4.22.0', threads: 1 });
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

  it('parses its flags and rejects unknown ones', () => {
    expect(parseArgs(['--full', '--backends', 'cpu,wasm', '--out', 'x'])).toEqual({ full: true, out: 'x', backends: ['cpu', 'wasm'], sweep: true });
    expect(parseArgs(['--', '--no-sweep'])).toMatchObject({ full: false, sweep: false });
    expect(() => parseArgs(['--backends', 'cuda'])).toThrow('unknown backend(s) cuda');
    expect(() => parseArgs(['--fast'])).toThrow("unknown flag '--fast'");
    expect(() => parseArgs(['--out'])).toThrow('--out needs a value');
  });
});
