import '@tessera/backend-cpu';
import { setBackend } from '@tessera/core';
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageReport } from './browser/entry.js';
import { workload, type WorkloadResult } from './browser/workload.js';

// Loads the backend in headless Chromium from an esbuild bundle of the sources, runs ops and a
// training step there and compares them with 'cpu' in Node. Chromium is required, not optional:
// CI installs it, and a missing browser fails here rather than passing silently.
const CHROMIUM = process.env['TESSERA_CHROMIUM'] ?? '/usr/bin/chromium';
/** Largest |wasm - cpu| allowed, relative to the largest |cpu| of each result. */
const RTOL = 1e-5;

const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const PAGE = '<!doctype html><meta charset="utf-8"><title>tessera wasm</title><script type="module" src="/bundle.js"></script>';

let server: Server | undefined;
let browser: Browser | undefined;
let origin = '';
let expected: WorkloadResult;

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./browser/entry.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    // No externals: the bundle fails if the browser entry reaches a Node built-in.
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/**
 * Serves the page, the bundle and the kernels (the plain build at /kernels.wasm; both builds under
 * /build/, where the bundle's default URL, ../build/ from /bundle.js, points); under /isolated/
 * with the headers that make a page cross-origin isolated.
 */
async function serve(script: string, plain: Uint8Array, relaxed: Uint8Array): Promise<string> {
  const files: Record<string, [string, string | Uint8Array]> = {
    '/index.html': ['text/html', PAGE],
    '/bundle.js': ['text/javascript', script],
    '/kernels.wasm': ['application/wasm', plain],
    '/build/kernels.wasm': ['application/wasm', plain],
    '/build/kernels-relaxed.wasm': ['application/wasm', relaxed],
  };
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const isolated = path.startsWith('/isolated/');
    const file = files[isolated ? path.slice('/isolated'.length) : path];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file[0], 'Cache-Control': 'no-store', ...(isolated ? ISOLATION_HEADERS : {}) });
    res.end(file[1]);
  });
  await new Promise<void>((resolve, reject) => {
    server!.once('error', reject);
    server!.listen(0, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Opens `path` and runs the page's check, with the kernels from `wasmUrl` (null: the package's default URL). */
async function runPage(path: string, wasmUrl: string | null): Promise<PageReport> {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${origin}${path}`);
    await page.waitForFunction(() => 'tesseraCheck' in globalThis, undefined, { timeout: 45_000 });
    const report = await page.evaluate(
      (url) => (globalThis as unknown as { tesseraCheck: (u: string | null) => Promise<PageReport> }).tesseraCheck(url),
      wasmUrl,
    );
    expect(errors).toEqual([]);
    return report;
  } finally {
    await page.close();
  }
}

function expectClose(actual: WorkloadResult, reference: WorkloadResult): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(reference).sort());
  for (const [name, want] of Object.entries(reference)) {
    const got = actual[name]!;
    expect(got.length, name).toBe(want.length);
    const scale = Math.max(1e-30, ...want.map(Math.abs));
    const worst = Math.max(0, ...got.map((v, i) => Math.abs(v - want[i]!)));
    expect(worst / scale, `${name}: largest difference relative to max |cpu| = ${scale}`).toBeLessThanOrEqual(RTOL);
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the browser test needs Chromium at ${CHROMIUM}, which is missing: install it (Debian/Ubuntu: \`apt-get install chromium\`) ` +
        'or point TESSERA_CHROMIUM at a Chromium binary',
    );
  }
  await setBackend('cpu');
  expected = workload();
  const [script, plain, relaxed] = await Promise.all([
    bundle(),
    readFile(new URL('../build/kernels.wasm', import.meta.url)),
    readFile(new URL('../build/kernels-relaxed.wasm', import.meta.url)),
  ]);
  origin = await serve(script, plain, relaxed);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
});

describe('in headless Chromium', () => {
  it('falls back to one thread with a single warning naming the headers, and trains a step like cpu', async () => {
    const report = await runPage('/index.html', 'kernels.wasm');
    expect(report.backend).toBe('wasm');
    expect(report.build).toBe('custom');
    expect(report.crossOriginIsolated).toBe(false);
    expect(report.sharedMemory).toBe(false);
    expect(report.threads).toBe(1);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(/runs on one thread: SharedArrayBuffer is unavailable/);
    expect(report.warnings[0]).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(report.warnings[0]).toContain('Cross-Origin-Embedder-Policy: require-corp');
    expect(report.missing).toBe(`backend 'wasm': fetching ${origin}/no-such.wasm failed with HTTP 404`);
    expectClose(report.results, expected);
    // The step must have learned something, or the comparison proves little.
    expect(report.results['lossAfterStep']![0]!).toBeLessThan(report.results['loss']![0]!);
  });

  it('runs the relaxed-SIMD build on two threads (Web Workers on a shared memory) on a cross-origin-isolated page, without a warning', async () => {
    const report = await runPage('/isolated/index.html', null);
    // Chromium has relaxed SIMD, so the default choice loads it from the bundle's default URL.
    expect(report.build).toBe('relaxed');
    expect(report.crossOriginIsolated).toBe(true);
    expect(report.sharedMemory).toBe(true);
    expect(report.threads).toBe(2);
    expect(report.warnings).toEqual([]);
    expectClose(report.results, expected);
  });
});
