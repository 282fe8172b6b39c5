import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { launchChromium, serveStatic, type StaticServer } from '@tessera/chromium';
import { runPage, type PageRun } from '../src/browser.js';
import { esbuildBuild, viteBuild } from '../src/bundle.js';
import { disagreements, reportProblems } from '../src/report.js';

const { appDir } = inject('packaging');
const backends = ['cpu', 'wasm', 'webgpu'];

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * Each bundler as a user runs it on the app, served with COOP/COEP. esbuild's user step: it does
 * not ship files named by `new URL('….wasm', import.meta.url)`, so the wasm backend's
 * build/*.wasm are copied to where the bundle resolves them (src/bundle.ts, copyWasmNextToBundle).
 */
const bundlers: [string, () => Promise<string>][] = [
  ['vite build', () => viteBuild(appDir, 'dist-vite')],
  ['esbuild --bundle --platform=browser --format=esm', async () => (await esbuildBuild(appDir, 'dist-esbuild')).dir],
];

describe.each(bundlers)('%s', (_name, bundle) => {
  let server: StaticServer | undefined;
  let page: PageRun;
  beforeAll(async () => {
    server = await serveStatic(await bundle());
    page = await runPage(browser, `${server.url}?backends=${backends.join(',')}`, 150_000);
  });
  afterAll(async () => {
    await server?.close();
  });

  test('trains on cpu, wasm and webgpu; the loss falls on each', () => {
    expect(reportProblems(page.report, backends), `console: ${page.console.join('\n')}`).toEqual([]);
  });

  test('the backends agree on the first and last loss', () => {
    expect(disagreements(page.report.results)).toEqual([]);
  });

  test('throws no page error', () => {
    expect(page.pageErrors).toEqual([]);
  });

  test('is cross-origin isolated and runs wasm on 2 threads', () => {
    expect(page.report.crossOriginIsolated).toBe(true);
    expect(page.report.results.find((r) => r.backend === 'wasm')?.threads).toBe(2);
  });
});
