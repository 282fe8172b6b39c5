// Browser check: bundles browser/page.ts (the package's main entry, no Node code) with esbuild,
// serves it on 127.0.0.1, opens it in Debian's chromium (WebGPU on SwiftShader) through
// playwright-core, and compares the page's results with the same scenario on the cpu backend.
// Run: pnpm --filter @tessera/backend-webgpu check:browser   (CHROMIUM=/path overrides the browser)
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { setBackend } from '@tessera/core';
import '@tessera/backend-cpu';
import { runScenario, type ScenarioResult } from './scenario.js';

const here = dirname(fileURLToPath(import.meta.url));
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const bundle = await build({
  entryPoints: [join(here, 'page.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source'],
  write: false,
  logLevel: 'warning',
});
const js = bundle.outputFiles[0]!.text;
for (const nodeOnly of ['node:', 'dawn.node', 'process.dlopen']) {
  if (js.includes(nodeOnly)) throw new Error(`the browser bundle contains Node code ('${nodeOnly}')`);
}
const html = '<!doctype html><meta charset="utf-8"><title>tessera webgpu check</title><script type="module" src="/page.js"></script>';
const server = createServer((req, res) => {
  if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
  else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  else res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const profile = mkdtempSync(join(tmpdir(), 'tessera-chromium-'));
// A fresh profile for each run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu-sandbox', '--enable-unsafe-webgpu', '--use-angle=swiftshader',
    '--enable-features=Vulkan', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run',
  ],
});
let failures = 0;
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.on('console', (m) => console.log(`[page] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  await page.goto(url);
  const got = (await page.evaluate(() => window.tesseraResult, undefined)) as ScenarioResult & { error?: string; adapter?: string; backend?: string };
  if (got.error) throw new Error(`the page failed: ${got.error}`);
  console.log(`page ran on '${got.backend}', adapter: ${got.adapter}`);

  if (!(await setBackend('cpu'))) throw new Error('no cpu backend');
  const want = await runScenario();
  const compare = (what: string, a: number[], e: number[]): void => {
    const bad = e.findIndex((v, i) => !(Math.abs(a[i]! - v) <= 1e-4 + 1e-4 * Math.abs(v)));
    if (a.length !== e.length || bad >= 0) {
      failures++;
      console.log(`MISMATCH ${what}: got [${a.join(', ')}], expected [${e.join(', ')}]`);
    } else console.log(`ok ${what}`);
  };
  for (const [name, e] of Object.entries(want.ops)) compare(name, got.ops[name] ?? [], e);
  compare('loss', [got.loss], [want.loss]);
  compare('w after one SGD step', got.w, want.w);
  compare('b after one SGD step', got.b, want.b);
  compare('loss after the step', [got.lossAfter], [want.lossAfter]);
  if (!(got.lossAfter < got.loss)) {
    failures++;
    console.log(`the step did not lower the loss: ${got.loss} → ${got.lossAfter}`);
  }
} finally {
  await browser.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(failures === 0 ? 'browser check passed' : `browser check FAILED: ${failures} mismatches`);
process.exit(failures === 0 ? 0 : 1);
