// `pnpm bench --browser`: bundles page.ts for the browser (esbuild, no externals: the page must
// bundle clean), serves it from 127.0.0.1 cross-origin isolated (COOP/COEP, so SharedArrayBuffer
// and threads work) with Tessera's and TF.js's .wasm files and the MNIST batches, runs the rows in
// headless Chromium through playwright-core, then Tessera's relaxed-SIMD build against its plain one
// in alternating page loads, and returns the report the Node run would.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TFJS_WASM_DIR } from '../contenders.node.js';
import { formatTable, row, type Row } from '../harness.js';
import { PAIRINGS } from '../contenders.js';
import { inferenceOnly, needsData, type BenchOptions } from '../rows.js';
import { benchMnist, machine, type BenchReport } from '../run.js';
import type { OpOptions } from '../suites.js';
import { encodeBatches, type BenchPage, type PageMatmul, type PageOptions, type PageRun } from './protocol.js';

/** Chromium's flags: headless, nothing fetched from the network. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
/** WebGPU on SwiftShader where there is no GPU (as packages/backend-webgpu/browser/check.ts runs it). */
export const WEBGPU_FLAGS = ['--disable-gpu-sandbox', '--enable-unsafe-webgpu', '--use-angle=swiftshader', '--enable-features=Vulkan'];
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const HTML = '<!doctype html><meta charset="utf-8"><title>tessera bench</title><script type="module" src="/page.js"></script>';

export interface BrowserBenchOptions extends BenchOptions {
  /** Chromium to run (default `TESSERA_CHROMIUM` or /usr/bin/chromium). */
  executablePath?: string;
}

/** apps/bench: the folder above this module holding package.json (src/browser/ in tests, dist/ when built). */
function appRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

/** page.ts and everything it imports (workspace packages from their sources) as one ES module. */
async function bundlePage(root: string): Promise<string> {
  const result = await build({
    entryPoints: [join(root, 'src/browser/page.ts')],
    absWorkingDir: root,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Everything the page fetches, by path, with its content type. */
async function pageFiles(root: string, withData: boolean, withOnnx: boolean): Promise<Map<string, [string, string | Uint8Array]>> {
  const require = createRequire(join(root, 'package.json'));
  const files = new Map<string, [string, string | Uint8Array]>([
    ['/', ['text/html', HTML]],
    ['/page.js', ['text/javascript', await bundlePage(root)]],
    ['/build/kernels.wasm', ['application/wasm', await readFile(require.resolve('@tessera/backend-wasm/kernels.wasm'))]],
    ['/build/kernels-relaxed.wasm', ['application/wasm', await readFile(require.resolve('@tessera/backend-wasm/kernels-relaxed.wasm'))]],
  ]);
  for (const name of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    files.set(`/tfjs-wasm/${name}`, ['application/wasm', await readFile(join(TFJS_WASM_DIR, name))]);
  }
  if (withOnnx) {
    const ortDist = dirname(require.resolve('onnxruntime-web'));
    for (const [name, type] of [['ort.wasm.min.mjs', 'text/javascript'], ['ort-wasm-simd-threaded.mjs', 'text/javascript'], ['ort-wasm-simd-threaded.wasm', 'application/wasm']]) {
      files.set(`/ort/${name}`, [type!, await readFile(join(ortDist, name!))]);
    }
  }
  if (withData) {
    const { images, labels } = await benchMnist();
    files.set('/mnist.bin', ['application/octet-stream', encodeBatches(images, labels)]);
  }
  return files;
}

/** Serves `files` from 127.0.0.1, every response cross-origin isolated; resolves to the origin. */
async function serve(files: Map<string, [string, string | Uint8Array]>): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const file = files.get(path);
    if (!file) res.writeHead(path === '/favicon.ico' ? 204 : 404, ISOLATION_HEADERS).end();
    else res.writeHead(200, { 'Content-Type': file[0], ...ISOLATION_HEADERS }).end(file[1]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Opens the page with `?simd=…`, waits for it to expose `tesseraBench`, runs `fn` on it and closes it. */
async function withPage<T>(browser: Browser, url: string, log: (s: string) => void, fn: (page: Page) => Promise<T>): Promise<T> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => log(m.type() === 'log' ? m.text() : `[page ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(url);
    await page.waitForFunction(() => 'tesseraBench' in globalThis, undefined, { timeout: 30_000 }).catch((e: Error) => {
      throw new Error(`the bench page did not start${errors.length ? `: ${errors.join('; ')}` : ''} (${e.message.split('\n')[0]})`);
    });
    return await fn(page);
  } finally {
    await page.close();
  }
}

/** The page's API, as functions passed to page.evaluate see it (they run in the page: no closures). */
type PageGlobal = typeof globalThis & { tesseraBench: BenchPage };

/**
 * onnxruntime-web starts its thread pool once per page, on 1 thread in the main page load: its rows
 * against the other wasm thread counts (2T) run in a page load of their own (`?ortThreads=2`),
 * only those rows, and join the run's rows after the last row of their contender.
 */
async function onnxOtherThreads(browser: Browser, origin: string, o: PageOptions, run: PageRun, log: (s: string) => void): Promise<void> {
  const counts = [...new Set(PAIRINGS.filter((p) => p.tessera.backend === 'wasm').map((p) => p.tessera.threads))];
  for (const threads of counts.filter((t) => !run.onnxRuntime?.threads.includes(t))) {
    log(`-- onnxruntime-web on ${threads} threads (a page load of its own)`);
    const only: PageOptions = { ...inferenceOnly(o), inference: [], backends: ['wasm'] };
    const more: PageRun = await withPage(browser, `${origin}/?simd=auto&ortThreads=${threads}`, log, (page) =>
      page.evaluate(([po]) => (globalThis as PageGlobal).tesseraBench.run(po, 0), [only] as const),
    );
    for (const r of more.rows) {
      let at = run.rows.length - 1;
      while (at >= 0 && run.rows[at]!.contender !== r.contender) at--;
      run.rows.splice(at < 0 ? run.rows.length : at + 1, 0, r);
    }
    if (run.onnxRuntime && more.onnxRuntime) run.onnxRuntime.threads = [...run.onnxRuntime.threads, ...more.onnxRuntime.threads].sort((a, b) => a - b);
  }
}

/**
 * Tessera's relaxed-SIMD build against its plain SIMD build, matmul n³ on 1 thread: a page creates
 * one wasm backend, so each build runs in its own page load, alternating (relaxed, plain) `rounds`
 * times; each load checks its product against TF.js wasm's, and the best load of each build counts.
 */
async function simdRow(browser: Browser, origin: string, n: number, o: OpOptions, rounds: number, log: (s: string) => void): Promise<Row> {
  const best: Record<'relaxed' | 'plain', PageMatmul | null> = { relaxed: null, plain: null };
  for (let r = 0; r < rounds; r++) {
    for (const simd of ['relaxed', 'plain'] as const) {
      const got = await withPage(browser, `${origin}/?simd=${simd}`, log, (page) => page.evaluate(([n, o]) => (globalThis as PageGlobal).tesseraBench.matmul(n, o), [n, o] as const));
      if (got.build !== simd) throw new Error(`the page asked for the ${simd} build, but the '${got.build}' build ran`);
      log(`matmul ${n}³ on the ${simd} build, 1 thread: ${got.row.tessera.toFixed(2)} GFLOP/s (TF.js wasm in the same load: ${got.row.peer?.toFixed(2)})`);
      if (!best[simd] || got.row.tessera > best[simd].row.tessera) best[simd] = got;
    }
  }
  const [relaxed, plain] = [best.relaxed!.row, best.plain!.row];
  return row(`matmul ${n}³, relaxed-SIMD build against plain SIMD`, 'GFLOP/s', 'wasm 1T relaxed', relaxed.tessera, 'Tessera wasm 1T plain', plain.tessera, {
    range: { tessera: relaxed.range!.tessera, peer: plain.range!.tessera },
    note: `best of ${rounds} alternating page load(s) each; each checked against TF.js wasm`,
  });
}

export async function runBrowserBench(o: BrowserBenchOptions): Promise<BenchReport> {
  const log = o.log ?? console.log;
  const t0 = performance.now();
  const start = loadavg();
  const root = appRoot();
  const backends = o.backends ?? ['cpu', 'wasm', 'webgpu'];
  const onnx = backends.includes('wasm') && (o.onnxInference?.length ?? 0) > 0;
  const { server, origin } = await serve(await pageFiles(root, needsData(o), onnx));
  const flags = [...CHROMIUM_FLAGS, ...(backends.includes('webgpu') ? WEBGPU_FLAGS : [])];
  const executablePath = o.executablePath ?? process.env['TESSERA_CHROMIUM'] ?? '/usr/bin/chromium';
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: flags });
    log(`Chromium ${browser.version()} at ${origin}`);
    if (o.pairings) throw new Error('browser runs take the default pairings (or --backends), not a pairings list');
    const pageOptions: PageOptions = { ...o, backends };
    for (const key of ['log', 'pairings', 'executablePath'] as const) delete (pageOptions as BrowserBenchOptions)[key];
    const wasm = backends.includes('wasm');
    const n = Math.max(0, ...o.matmulSizes);
    const run: PageRun = await withPage(browser, `${origin}/?simd=auto`, log, (page) =>
      page.evaluate(([po, n]) => (globalThis as PageGlobal).tesseraBench.run(po, n), [pageOptions, wasm ? n : 0] as const),
    );
    if (!run.page.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated: SharedArrayBuffer, and so threads, are unavailable');
    if (onnx) await onnxOtherThreads(browser, origin, pageOptions, run, log);
    if (run.tfjsWasm) {
      // TF.js picks its thread count when it starts: a second page load asks it for 2.
      const asked = await withPage(browser, `${origin}/?tfjsThreads=2`, log, (page) => page.evaluate(() => (globalThis as PageGlobal).tesseraBench.tfjsWasm()));
      run.tfjsWasm.threadedBuild = { ok: asked.threads === 2, detail: `setThreadsCount(2) in a second page load: ${asked.binary}, ${asked.threads} thread(s)` };
    }
    const selfRows = [...run.selfRows];
    if (wasm && n > 0) {
      log(`-- Tessera wasm: the relaxed-SIMD build against the plain one (separate page loads)`);
      const simd = await simdRow(browser, origin, n, { minMs: o.minMs, rounds: 1 }, o.rounds ?? 2, log);
      log(formatTable([simd], 'baseline').split('\n').slice(2).join('\n'));
      selfRows.push(simd);
    }
    const { page, selfRows: _inPage, ...result } = run;
    return {
      date: new Date().toISOString(),
      machine: machine(),
      loadAverage: { start, end: loadavg() },
      seconds: (performance.now() - t0) / 1000,
      browser: { version: `Chromium ${browser.version()}`, userAgent: page.userAgent, crossOriginIsolated: page.crossOriginIsolated, hardwareConcurrency: page.hardwareConcurrency, flags },
      ...result,
      selfRows,
    };
  } finally {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
