#!/usr/bin/env node
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
console.log(`\n${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node}\n`);
console.log(formatTable(report.rows));
await mkdir(out, { recursive: true });
await writeFile(join(out, 'results.json'), JSON.stringify(report, null, 1));
console.log(`\nwrote ${join(out, 'results.json')}`);
