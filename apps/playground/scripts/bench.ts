// Training throughput of MLP 784-128-10 (Adam, batch 128) on wasm with 2 threads: in Node and in
// the built page (its worker), through the same loop (src/training.ts). Run after `pnpm build`:
//   pnpm --filter @tessera/playground bench
import { setThreads } from '@tessera/backend-wasm';
import { setBackend } from '@tessera/core';
import { loadMnist } from '@tessera/datasets/node';
import { measureThroughput, type ThroughputResult } from '../src/training.js';
import { launchChromium } from '@tessera/chromium';
import { previewApp } from './preview.js';

const rounds = Number(process.argv[2] ?? 2);

async function inNode(): Promise<number> {
  if (!(await setBackend('wasm'))) throw new Error('wasm did not start in Node');
  await setThreads(2);
  const r = await measureThroughput(await loadMnist());
  return r.samplesPerSec;
}

async function inPage(url: string): Promise<number> {
  const browser = await launchChromium({ webgpu: false });
  try {
    const page = await browser.newPage();
    await page.goto(`${url}?bench=2`);
    await page.waitForFunction(() => (window as { benchResult?: unknown }).benchResult !== undefined, undefined, { timeout: 120_000 });
    const m = (await page.evaluate(() => (window as { benchResult?: unknown }).benchResult)) as { result: ThroughputResult; backend: string; threads: number };
    if (m.backend !== 'wasm' || m.threads !== 2) throw new Error(`the page ran on ${m.backend} with ${m.threads} threads`);
    return m.result.samplesPerSec;
  } finally {
    await browser.close();
  }
}

const preview = await previewApp();
const node: number[] = [];
const page: number[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    node.push(await inNode());
    page.push(await inPage(preview.url));
    console.log(`round ${i + 1}: Node ${Math.round(node.at(-1)!)} samples/s, page ${Math.round(page.at(-1)!)} samples/s`);
  }
} finally {
  preview.process.kill();
}
const best = (v: number[]): number => Math.max(...v);
console.log(`MLP 784-128-10, Adam, batch 128, wasm 2 threads, best of ${rounds}: Node ${Math.round(best(node))} samples/s, page ${Math.round(best(page))} samples/s, page/Node ${(best(page) / best(node)).toFixed(2)}`);
process.exit(0);
