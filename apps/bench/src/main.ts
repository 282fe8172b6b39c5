#!/usr/bin/env node
import { probeTfjsWasmThreads } from './contenders.js';
import { formatTable } from './harness.js';
import { FULL, QUICK, parseArgs, writeOutputs } from './output.js';
import { runBench } from './run.js';

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const command = ['pnpm bench', ...process.argv.slice(2).filter((a) => a !== '--')].join(' ');
const preset = args.full ? FULL : QUICK;
const report = await runBench({ ...preset, ...(args.backends ? { backends: args.backends } : {}), sweep: args.sweep ? preset.sweep : null });
if (report.tfjsWasm) report.tfjsWasm.threadedBuild = await probeTfjsWasmThreads();

const load = (l: number[]): string => l.map((v) => v.toFixed(2)).join(' ');
console.log(`\n${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node}; ${Math.round(report.seconds)} s`);
console.log(`load average (1/5/15 min): ${load(report.loadAverage.start)} at the start, ${load(report.loadAverage.end)} at the end`);
const w = report.tfjsWasm;
if (w) {
  console.log(
    `tfjs wasm ${w.version}: ${w.binary}, SIMD ${w.simd ? 'on' : 'off'}, ${w.threads} thread(s) ` +
      `(WASM_HAS_MULTITHREAD_SUPPORT=${w.multithreadSupported}); forcing its threaded build in Node: ` +
      `${w.threadedBuild?.ok ? 'works' : 'fails'} (${w.threadedBuild?.detail}), so only the single-threaded build is measured`,
  );
}
if (report.webgpu) console.log(report.webgpu.ok ? `webgpu adapter: ${report.webgpu.adapter} (TF.js: ${report.webgpu.tfjsAdapter})` : `webgpu left out: ${report.webgpu.detail}`);
console.log(`\n${formatTable(report.rows)}`);
const { files } = await writeOutputs(report, args.out, command);
console.log(`\nwrote ${files.join(', ')}`);
// Dawn keeps the event loop alive.
process.exit(0);
