#!/usr/bin/env node
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeTfjsWasmThreads } from './contenders.js';
import { formatTable } from './harness.js';
import { runBench } from './run.js';

const full = process.argv.includes('--full');
const outIdx = process.argv.indexOf('--out');
const out = outIdx >= 0 ? process.argv[outIdx + 1]! : 'out/bench';

const report = await runBench(
  full
    ? { matmulSizes: [128, 256, 512, 1024], mlpSteps: 200, lenetSteps: 40, minMs: 2000 }
    : { matmulSizes: [128, 256, 512, 1024], mlpSteps: 60, lenetSteps: 10, minMs: 500 },
);
if (report.tfjsWasm) report.tfjsWasm.threadedBuild = await probeTfjsWasmThreads();

const load = (l: number[]): string => l.map((v) => v.toFixed(2)).join(' ');
console.log(`\n${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node}`);
console.log(`load average (1/5/15 min): ${load(report.loadAverage.start)} at the start, ${load(report.loadAverage.end)} at the end`);
const w = report.tfjsWasm;
if (w) {
  console.log(
    `tfjs wasm ${w.version}: ${w.binary}, SIMD ${w.simd ? 'on' : 'off'}, ${w.threads} thread(s) ` +
      `(WASM_HAS_MULTITHREAD_SUPPORT=${w.multithreadSupported}); forcing its threaded build in Node: ` +
      `${w.threadedBuild?.ok ? 'works' : 'fails'} (${w.threadedBuild?.detail}), so only the single-threaded build is measured`,
  );
}
console.log(`\n${formatTable(report.rows)}`);
await mkdir(out, { recursive: true });
await writeFile(join(out, 'results.json'), JSON.stringify(report, null, 1));
console.log(`\nwrote ${join(out, 'results.json')}`);
