import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs as parseNodeArgs } from 'node:util';
import { closestName } from '@tessera/core';
import { BACKEND_NAMES, type BackendName } from './contenders.js';
import { lineChart, ratioChart, type Series } from './chart.js';
import { formatTable, LOWER_IS_BETTER, type Row } from './harness.js';
import { MODEL_KINDS, type ModelKind } from './models.js';
import type { BenchOptions, BenchReport } from './run.js';

/**
 * `pnpm bench`: every kind of row once, smaller convolutions and windows, one round each: a look
 * in a fraction of the full run's time (TF.js cpu's conv gradients and CNN steps take seconds each).
 */
export const QUICK: BenchOptions = {
  matmulSizes: [128, 256, 512, 1024],
  convBatch: 8,
  bandwidthSize: 2 ** 20,
  softmaxCe: [512, 1000],
  mlpSteps: 40,
  lenetSteps: 6,
  cnnSteps: 1,
  resnetSteps: 2,
  lstmSteps: 10,
  lstmGeneration: 64,
  inference: [['mlp', 1], ['mlp', 1000], ['lenet5', 1], ['lenet5', 1000]],
  onnxInference: [['mlp', 1], ['mlp', 1000], ['lenet5', 1], ['lenet5', 1000], ['cnn', 1], ['cnn', 1000]],
  minMs: 300,
  warmup: 2,
  rounds: 1,
  webgpuScale: 0.5,
  sweep: { sizes: [64, 128, 256, 512, 1024], threads: [1, 2, 3, 4], minMs: 150, mlpSteps: 20 },
};

/** `pnpm bench --full`: longer windows and more steps, the CNN's inference too, the ResNet's against ONNX Runtime. */
export const FULL: BenchOptions = {
  matmulSizes: [128, 256, 512, 1024],
  convBatch: 64,
  bandwidthSize: 2 ** 22,
  softmaxCe: [512, 1000],
  mlpSteps: 200,
  lenetSteps: 40,
  cnnSteps: 4,
  resnetSteps: 4,
  lstmSteps: 40,
  lstmGeneration: 64,
  inference: [['mlp', 1], ['mlp', 1000], ['lenet5', 1], ['lenet5', 1000], ['cnn', 1], ['cnn', 100]],
  onnxInference: [['mlp', 1], ['mlp', 1000], ['lenet5', 1], ['lenet5', 1000], ['cnn', 1], ['cnn', 1000], ['resnet', 1], ['resnet', 1000]],
  minMs: 2000,
  warmup: 3,
  webgpuScale: 0.25,
  sweep: { sizes: [32, 64, 128, 256, 512, 1024, 2048], threads: [1, 2, 3, 4], minMs: 1000, mlpSteps: 60 },
};

export interface CliArgs {
  full: boolean;
  /** Run the rows in headless Chromium (`--browser`) instead of Node. */
  browser: boolean;
  /** Default out/bench, or out/bench-browser with --browser. */
  out: string;
  backends?: BackendName[];
  sweep: boolean;
  /** `--models`: only these models' training and inference rows (no op rows, no sweep). */
  models?: ModelKind[];
  /** `--inference`: only the inference rows, against TF.js and ONNX Runtime (no op rows, no training, no sweep). */
  inference: boolean;
}

/** The options of a run restricted to some models' rows: their training steps and inference, nothing else. */
export function onlyModels(o: BenchOptions, models: ModelKind[]): BenchOptions {
  const keep = (kind: ModelKind, steps: number | undefined): number => (models.includes(kind) ? (steps ?? 0) : 0);
  return {
    ...o,
    matmulSizes: [],
    convBatch: 0,
    bandwidthSize: 0,
    softmaxCe: null,
    mlpSteps: keep('mlp', o.mlpSteps),
    lenetSteps: keep('lenet5', o.lenetSteps),
    cnnSteps: keep('cnn', o.cnnSteps),
    resnetSteps: keep('resnet', o.resnetSteps),
    lstmSteps: keep('lstm', o.lstmSteps),
    lstmGeneration: keep('lstm', o.lstmGeneration),
    inference: (o.inference ?? []).filter(([kind]) => models.includes(kind)),
    onnxInference: (o.onnxInference ?? []).filter(([kind]) => models.includes(kind)),
    sweep: null,
  };
}

const BENCH_USAGE = 'Usage: bench [--full] [--browser] [--out DIR] [--backends cpu,wasm,webgpu] [--models mlp,lenet5,cnn,resnet,lstm] [--inference] [--no-sweep]';

const BENCH_FLAGS = {
  full: { type: 'boolean' }, browser: { type: 'boolean' }, 'no-sweep': { type: 'boolean' }, inference: { type: 'boolean' },
  out: { type: 'string' }, backends: { type: 'string' }, models: { type: 'string' },
} as const;

/** A comma-separated list of known names (`--backends`, `--models`). */
function listOf<T extends string>(flag: string, value: string | undefined, known: readonly T[], what: string): T[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',');
  const bad = list.filter((v) => !known.includes(v as T));
  if (bad.length > 0) throw new Error(`${flag}: unknown ${what}(s) ${bad.join(', ')}; expected a comma-separated list of ${known.join(', ')}`);
  return list as T[];
}

/**
 * The runner's flags, by node:util's parseArgs (strict: an unknown flag or a missing value is an error
 * with the usage). A `--` (as `pnpm bench -- --full` passes it) is dropped: the runner takes no arguments.
 */
export function parseArgs(argv: string[]): CliArgs {
  let values;
  try {
    ({ values } = parseNodeArgs({ args: argv.filter((f) => f !== '--'), options: BENCH_FLAGS, strict: true, allowPositionals: false }));
  } catch (e) {
    const err = e as Error & { code?: string };
    if (!err.code?.startsWith('ERR_PARSE_ARGS')) throw e;
    const unknown = err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']+)'/.exec(err.message)?.[1] : undefined;
    const near = unknown?.startsWith('--') ? closestName(unknown.slice(2), Object.keys(BENCH_FLAGS)) : undefined;
    const what = unknown ? `unknown flag '${unknown}'${near ? ` (did you mean --${near}?)` : ''}` : err.message.replace(/\n/g, ' ');
    throw new Error(`${what}. ${BENCH_USAGE}`);
  }
  if (values.out === '') throw new Error(`--out needs a directory. ${BENCH_USAGE}`);
  const a: CliArgs = {
    full: values.full ?? false,
    browser: values.browser ?? false,
    out: values.out ?? (values.browser ? 'out/bench-browser' : 'out/bench'),
    sweep: !values['no-sweep'],
    inference: values.inference ?? false,
  };
  const backends = listOf('--backends', values.backends, BACKEND_NAMES, 'backend');
  if (backends) a.backends = backends;
  const models = listOf('--models', values.models, MODEL_KINDS, 'model');
  if (models) a.models = models;
  return a;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/**
 * How the contenders ran, one line each: Tessera wasm, TF.js wasm, WebGPU, and in browser runs the
 * page (browser version, cross-origin isolation). The console summary and results.md share them.
 */
export function configurationLines(r: BenchReport): string[] {
  const lines: string[] = [];
  const b = r.browser;
  if (b) {
    lines.push(`Browser: ${b.version} (headless), crossOriginIsolated ${b.crossOriginIsolated}, navigator.hardwareConcurrency ${b.hardwareConcurrency}; flags ${b.flags.join(' ')}.`);
  }
  const t = r.tesseraWasm;
  const counts = t.threads?.map(String) ?? [];
  const list = counts.length > 1 ? `${counts.slice(0, -1).join(', ')} and ${counts[counts.length - 1]}` : counts[0];
  const threads = list ? `ran on ${list} thread(s), checked after each setThreads` : 'threads as in each row (wasm 1T, 2T)';
  lines.push(`Tessera wasm: ${t.build ? `${t.build === 'relaxed' ? 'relaxed-SIMD' : 'plain SIMD'} build (kernels${t.build === 'relaxed' ? '-relaxed' : ''}.wasm)` : `SIMD ${t.simd ? 'on' : 'off'}`}, shared memory ${t.sharedMemory ? 'yes' : 'no'}; ${threads}.`);
  const w = r.tfjsWasm;
  if (w) {
    const threaded = !w.threadedBuild
      ? ''
      : r.browser
        ? ` More threads: ${w.threadedBuild.detail}${w.threadedBuild.ok ? '' : ' — so its default is also its best here'}.`
        : ` Its threaded build, forced on: ${w.threadedBuild.ok ? 'works' : `fails (${w.threadedBuild.detail})`} — so its best here is its default.`;
    lines.push(`TF.js wasm ${w.version}: ${w.binary}, SIMD ${w.simd ? 'on' : 'off'}, ${w.threads} thread(s), its default here (WASM_HAS_MULTITHREAD_SUPPORT=${w.multithreadSupported}).${threaded}`);
  }
  const ort = r.onnxRuntime;
  if (ort) lines.push(`ONNX Runtime: ${ort.name} ${ort.version}, ${ort.detail}; ran on ${ort.threads.join(' and ')} thread(s), as the Tessera wasm row it faces; the model is exportOnnx's (opset 17).`);
  if (r.webgpu) {
    const where = b ? "the page's navigator.gpu" : 'Dawn, npm `webgpu`';
    lines.push(r.webgpu.ok ? `WebGPU (${where}): adapter ${r.webgpu.adapter}; TF.js webgpu 4.22 on the same GPU object sees ${r.webgpu.tfjsAdapter}${r.webgpu.swiftShader ? ' (SwiftShader: Vulkan on the CPU, no GPU here)' : ''}.` : `WebGPU left out: ${r.webgpu.detail}`);
  }
  return lines;
}

/** Rows as a Markdown table; `peer` heads the column of what Tessera is measured against. */
function markdownTable(rows: Row[], peer: string): string[] {
  const out: string[] = [];
  const spreads = rows.some((row) => row.range);
  const span = (x: [number, number] | null | undefined): string => (x ? `${fmt(x[0])}–${fmt(x[1])}` : '–');
  out.push(`| benchmark | Tessera | ${peer} | Tessera better by |${spreads ? ` min–max (Tessera; ${peer}) |` : ''}`);
  out.push(`|---|---:|---:|---:|${spreads ? '---:|' : ''}`);
  for (const row of rows) {
    const other = row.peer === null ? `n/a (${row.note ?? 'unsupported'})` : `${fmt(row.peer)} ${row.unit} (${row.peerName})${row.note ? ` — ${row.note}` : ''}`;
    const range = spreads ? ` ${span(row.range?.tessera)}; ${span(row.range?.peer)} |` : '';
    out.push(`| ${row.benchmark} | ${fmt(row.tessera)} ${row.unit} (${row.contender}) | ${other} | ${row.ratio === null ? '–' : `**${row.ratio.toFixed(2)}×**`} |${range}`);
  }
  return out;
}

/** The run as Markdown: machine, contenders' configuration, the table, Tessera against itself, the sweep. */
export function markdownReport(r: BenchReport, command: string): string {
  const out: string[] = [];
  const load = (l: number[]): string => l.map((v) => v.toFixed(2)).join(' / ');
  out.push(`Run ${r.date.slice(0, 16).replace('T', ' ')} UTC with \`${command}\` (${Math.round(r.seconds)} s): ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}; load average ${load(r.loadAverage.start)} at the start, ${load(r.loadAverage.end)} at the end.`);
  out.push('');
  for (const line of configurationLines(r)) out.push(`- ${line}`);
  out.push('');
  const peer = r.rows.every((row) => row.peerName.startsWith('tfjs')) ? 'TF.js' : 'peer';
  out.push(...markdownTable(r.rows, peer));
  out.push('');
  out.push(`Ratios: Tessera ÷ ${peer} for throughputs, ${peer} ÷ Tessera for ${[...LOWER_IS_BETTER].join(' and ')}; above 1 Tessera is better.`);
  if (r.selfRows?.length) {
    out.push('');
    out.push('Tessera against itself:');
    out.push('');
    out.push(...markdownTable(r.selfRows, 'baseline'));
  }
  if (r.sweep) {
    const s = r.sweep;
    const contenders = [...new Set(s.matmul.map((p) => p.contender))];
    const sizes = [...new Set(s.matmul.map((p) => p.n))];
    out.push('');
    out.push(`Sweep, matmul GFLOP/s by size:`);
    out.push('');
    out.push(`| n | ${contenders.join(' | ')} |`);
    out.push(`|---:|${contenders.map(() => '---:').join('|')}|`);
    for (const n of sizes) out.push(`| ${n} | ${contenders.map((c) => fmt(s.matmul.find((p) => p.n === n && p.contender === c)?.gflops ?? NaN)).join(' | ')} |`);
    out.push('');
    out.push(`Sweep, wasm threads (matmul ${s.threadMatmulSize}³ GFLOP/s; MLP 784-128-10 training samples/s, batch 128):`);
    out.push('');
    out.push('| threads | matmul | MLP training |');
    out.push('|---:|---:|---:|');
    for (const t of s.threads) out.push(`| ${t.threads} | ${fmt(t.matmulGflops)} | ${t.mlpSamplesPerSec === null ? '–' : fmt(t.mlpSamplesPerSec)} |`);
  }
  return out.join('\n') + '\n';
}

export interface Outputs {
  files: string[];
}

/** Writes results.json, results.md, ratios.svg and (with a sweep) sweep-matmul.svg and sweep-threads.svg. */
export async function writeOutputs(report: BenchReport, dir: string, command: string): Promise<Outputs> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['results.json', JSON.stringify({ command, ...report }, null, 1)],
    ['results.md', markdownReport(report, command)],
  ];
  if (report.rows.some((r) => r.ratio !== null)) files.push(['ratios.svg', ratioChart(report.rows, `Tessera against TensorFlow.js 4.22${report.onnxRuntime ? ` and ${report.onnxRuntime.name} ${report.onnxRuntime.version}` : ''} — ${report.date.slice(0, 10)}, ${report.machine.cores} cores`)]);
  const s = report.sweep;
  if (s) {
    const contenders = [...new Set(s.matmul.map((p) => p.contender))];
    const series: Series[] = contenders.map((c) => ({ name: c.startsWith('tfjs') ? c.replace('tfjs', 'TF.js') : `Tessera ${c}`, points: s.matmul.filter((p) => p.contender === c).map((p) => [p.n, p.gflops]) }));
    files.push(['sweep-matmul.svg', lineChart(series, { title: 'matmul n×n×n: GFLOP/s by size', subtitle: 'Flat lines: cost grows with work (n³); rising: fixed overheads amortised; falling: caches outgrown.', xLabel: 'n', yLabel: 'GFLOP/s', logX: true, logY: true })]);
    const base = s.threads[0];
    if (base) {
      const speedup: Series[] = [{ name: `matmul ${s.threadMatmulSize}³`, points: s.threads.map((t) => [t.threads, t.matmulGflops / base.matmulGflops]) }];
      if (base.mlpSamplesPerSec) speedup.push({ name: 'MLP training', points: s.threads.map((t) => [t.threads, (t.mlpSamplesPerSec ?? NaN) / base.mlpSamplesPerSec!]) });
      speedup.push({ name: 'ideal (linear)', points: s.threads.map((t) => [t.threads, t.threads / base.threads]) });
      files.push(['sweep-threads.svg', lineChart(speedup, { title: 'Tessera wasm: speed-up over 1 thread', subtitle: `${report.machine.cores} cores: past them, threads only share the same cores.`, xLabel: 'threads', yLabel: 'speed-up' })]);
    }
  }
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return { files: files.map(([name]) => join(dir, name)) };
}

export { formatTable };
