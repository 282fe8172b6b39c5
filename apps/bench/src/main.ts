#!/usr/bin/env node
import { formatTable } from './harness.js';
import { configurationLines, FULL, QUICK, onlyModels, parseArgs, writeOutputs } from './output.js';
import { inferenceOnly } from './rows.js';
import { runBench, type BenchReport } from './run.js';

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const command = ['pnpm bench', ...process.argv.slice(2).filter((a) => a !== '--')].join(' ');
const preset = args.full ? FULL : QUICK;
const chosen = { ...preset, ...(args.backends ? { backends: args.backends } : {}), sweep: args.sweep ? preset.sweep : null };
const models = args.models ? onlyModels(chosen, args.models) : chosen;
const options = args.inference ? inferenceOnly(models) : models;
let report: BenchReport;
if (args.browser) {
  const { runBrowserBench } = await import('./browser/driver.node.js');
  report = await runBrowserBench(options);
} else {
  report = await runBench(options);
  const { probeTfjsWasmThreads } = await import('./contenders.node.js');
  if (report.tfjsWasm) report.tfjsWasm.threadedBuild = await probeTfjsWasmThreads();
}

const load = (l: number[]): string => l.map((v) => v.toFixed(2)).join(' ');
console.log(`\n${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node}; ${Math.round(report.seconds)} s`);
console.log(`load average (1/5/15 min): ${load(report.loadAverage.start)} at the start, ${load(report.loadAverage.end)} at the end`);
for (const line of configurationLines(report)) console.log(line);
console.log(`\n${formatTable(report.rows)}`);
if (report.selfRows?.length) console.log(`\nTessera against itself:\n${formatTable(report.selfRows, 'baseline')}`);
const { files } = await writeOutputs(report, args.out, command);
console.log(`\nwrote ${files.join(', ')}`);
// Dawn keeps the event loop alive.
process.exit(0);
