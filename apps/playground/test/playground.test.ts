// The playground built as a static site, served by `vite preview` (with the isolation headers of
// vite.config.ts) and driven in headless Chromium: training on wasm and webgpu, drawing, saving
// and loading (IndexedDB, files, the CLI trainer's format both ways), bad input, responsiveness.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import '@tessera/backend-cpu';
import { Dense } from '@tessera/layers';
import { sequential } from '@tessera/models';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoot as root, buildApp, previewApp } from '../scripts/preview.js';
import { launchChromium, serveStatic } from '@tessera/chromium';

const out = join(root, 'out');
const trainerMain = join(root, '..', 'mnist-trainer', 'dist', 'main.js');
const run = promisify(execFile);

let server: ChildProcess;
let url: string;
/** WebGPU off: software GPU compositing (SwiftShader) makes every frame, and so input, slow here. */
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** The model the page downloaded (model.json + weights), kept for the later tests. */
let downloadedModel: string[] = [];

async function openPage(b: Browser): Promise<Page> {
  const p = await (await b.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1500 } })).newPage();
  p.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
  await p.goto(url);
  await p.waitForFunction(() => (document.getElementById('backend') as HTMLSelectElement).options.length === 3);
  return p;
}

const dataReady = (p: Page, set = 'mnist'): Promise<unknown> => p.waitForFunction((s) => document.body.dataset.data === s && !(document.getElementById('start') as HTMLButtonElement).disabled, set, { timeout: 60_000 });
const count = (p: Page, key: string): Promise<number> => p.evaluate((k) => Number(document.body.dataset[k] ?? 0), key);
async function waitCount(p: Page, key: string, above: number, timeout = 120_000): Promise<void> {
  await p.waitForFunction(([k, n]) => Number(document.body.dataset[k as string] ?? 0) > (n as number), [key, above] as const, { timeout });
}
const message = (p: Page): Promise<string> => p.locator('#message').innerText();

/** Draws strokes (lists of points in the 280×280 pad's pixels) with real pointer input. */
async function draw(p: Page, strokes: [number, number][][]): Promise<void> {
  await p.click('#clear');
  const box = (await p.locator('#pad').boundingBox())!;
  for (const s of strokes) {
    await p.mouse.move(box.x + s[0]![0], box.y + s[0]![1]);
    await p.mouse.down();
    for (const [x, y] of s.slice(1)) await p.mouse.move(box.x + x, box.y + y, { steps: 8 });
    await p.mouse.up();
  }
}
const ONE: [number, number][][] = [[[150, 40], [140, 240]]];
const SEVEN: [number, number][][] = [[[70, 50], [210, 50], [120, 240]]];

/** The probabilities shown once the prediction for the latest drawing has arrived. */
async function shownProbabilities(p: Page): Promise<number[]> {
  await p.waitForFunction(() => document.body.dataset.predictionShown !== undefined && document.body.dataset.predictionShown === document.body.dataset.predictionAsked);
  return p.$$eval('#probs li', (lis) => lis.map((li) => Number((li as HTMLElement).dataset.probability)));
}
const argmax = (v: number[]): number => v.indexOf(Math.max(...v));
const quantile = (v: number[], q: number): number => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(q * v.length))]!;

/** The pad as a binary PGM, for the CLI trainer's `predict`. */
async function padAsPgm(p: Page, file: string): Promise<void> {
  const grey = await p.evaluate(() => {
    const c = document.getElementById('pad') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return Array.from({ length: c.width * c.height }, (_, i) => d[i * 4]!);
  });
  writeFileSync(file, Buffer.concat([Buffer.from('P5\n280 280\n255\n'), Buffer.from(grey)]));
}

/** The CLI's `predict` on an image: its top digit and the ten probabilities (as printed, %). */
async function cliPredict(image: string, modelDir: string): Promise<{ digit: number; top: number }> {
  const { stdout } = await run('node', [trainerMain, 'predict', image, '--model-dir', modelDir, '--backend', 'cpu']);
  const m = /: (\d)\s+\((\d): ([\d.]+)%/.exec(stdout);
  if (!m) throw new Error(`unexpected predict output: ${stdout}`);
  return { digit: Number(m[1]), top: Number(m[3]) / 100 };
}

async function train(p: Page, settings: { backend: string; trainImages: number; epochs: number; threads?: number }): Promise<void> {
  await p.selectOption('#model', 'mlp');
  await p.selectOption('#backend', settings.backend);
  if (settings.threads) await p.fill('#threads', String(settings.threads));
  await p.fill('#epochs', String(settings.epochs));
  await p.fill('#train-images', String(settings.trainImages));
  await p.click('#start');
}

beforeAll(async () => {
  mkdirSync(out, { recursive: true });
  await buildApp();
  const preview = await previewApp();
  server = preview.process;
  url = preview.url;
  browser = await launchChromium({ webgpu: false });
  page = await openPage(browser);
  await dataReady(page);
});

afterAll(async () => {
  await browser?.close();
  server?.kill();
});

describe('the playground in Chromium', () => {
  it('is cross-origin isolated, offers wasm threads and loads MNIST with a progress bar', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.locator('#isolation-notice').isHidden()).toBe(true);
    expect(await page.inputValue('#threads')).toBe('2');
    expect(await page.locator('#data-progress').getAttribute('max')).toBe('1');
    expect(await page.evaluate(() => (document.getElementById('data-progress') as HTMLProgressElement).value)).toBe(1);
    expect(await page.innerText('#data-status')).toBe('MNIST: 60000 train / 10000 test images');
    const models = await page.$$eval('#model option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(models).toEqual(['mlp', 'mlp-deep', 'lenet5', 'cnn', 'resnet']);
  });

  // Retried, with a fresh epoch measured anew, when a move is slow: this 2-core CI machine runs
  // other browser tests (the bench's Chromium, with its own wasm threads and SwiftShader) beside
  // this one, and moves have waited 93–356 ms there for a CPU, mostly while the page ran no task of
  // its own (traced). On an idle machine the page runs no task over 50 ms while training.
  it('trains the MLP on wasm (2 threads) for an epoch to ≥ 90% test accuracy, answering pointer moves within 100 ms', { retry: 2 }, async () => {
    await page.evaluate(() => {
      const w = window as unknown as { latencies?: number[] };
      if (!w.latencies) document.addEventListener('pointermove', (e) => w.latencies!.push(performance.now() - e.timeStamp));
      w.latencies = [];
    });
    const doneBefore = await count(page, 'done');
    await train(page, { backend: 'wasm', threads: 2, trainImages: 59000, epochs: 1 });
    await page.waitForFunction(() => document.body.dataset.backend === 'wasm');
    // Pointer moves while the worker trains and on after it is done, while the page shows the
    // results (the confusion matrix, the wrong answers, the trained weights): each is handled
    // within 100 ms.
    const box = (await page.locator('#chart-loss').boundingBox())!;
    const started = Date.now();
    let moves = 0;
    let afterDone = 0;
    while (afterDone < 25 && Date.now() - started < 120_000) {
      await page.mouse.move(box.x + 10 + (moves % 20) * 10, box.y + 50);
      moves++;
      if ((await count(page, 'done')) > doneBefore) afterDone++;
      await page.waitForTimeout(20);
    }
    expect(afterDone, 'training ended within 120 s').toBe(25);
    const latencies = await page.evaluate(() => (window as unknown as { latencies: number[] }).latencies);
    const latency = `pointer latency ${[0.5, 0.9, 1].map((q) => quantile(latencies, q).toFixed(1)).join(' / ')} ms (median / 90% / max) over ${latencies.length} moves`;
    console.log(`playground: wasm MLP, 1 epoch on 59000 images: ${await page.innerText('#train-status')}; ${latency}`);
    expect(moves - afterDone).toBeGreaterThanOrEqual(5);
    expect(latencies.length).toBeGreaterThanOrEqual(moves);
    expect(Math.max(...latencies), latency).toBeLessThan(100);
    const accuracy = Number((await page.innerText('#test-accuracy')).replace('%', '')) / 100;
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    // The live read-outs and the end-of-training views.
    expect(Number((await page.innerText('#samples-per-sec')).replace(/,/g, ''))).toBeGreaterThan(0);
    expect(await page.innerText('#memory')).toMatch(/^\d+ live, [\d.]+ MiB$/);
    expect(await page.locator('#chart-loss canvas').count()).toBeGreaterThan(0);
    const confusion = await page.$$eval('#confusion td', (tds) => tds.reduce((s, td) => s + Number(td.textContent), 0));
    expect(confusion).toBe(10000);
    expect(await page.locator('#wrong figure').count()).toBeGreaterThan(0);
    // The first Dense layer's weights into 64 units, 28×28 each shown 2× (56 px), 16 to a row, in one canvas.
    expect(await page.locator('#filters').getAttribute('data-tiles')).toBe('64');
    expect(await page.locator('#filters').evaluate((c: HTMLCanvasElement) => [c.width, c.height, c.hidden])).toEqual([16 * 59 - 3, 4 * 59 - 3, false]);
    await page.screenshot({ path: join(out, 'playground.png'), fullPage: true });
  });

  it('recognises a drawn 1 and 7', async () => {
    await draw(page, ONE);
    expect(argmax(await shownProbabilities(page))).toBe(1);
    await draw(page, SEVEN);
    const p = await shownProbabilities(page);
    expect(argmax(p)).toBe(7);
    expect(await page.innerText('#top-class')).toBe('7');
  });

  it('saves to IndexedDB and, after a reload, loads a model that predicts the same', async () => {
    await draw(page, SEVEN);
    const before = await shownProbabilities(page);
    await page.fill('#save-name', 'kept');
    await page.click('#save-idb');
    await page.waitForFunction(() => document.getElementById('message')!.innerText.includes('Saved to indexeddb://kept'));
    await page.reload();
    await page.waitForFunction(() => (document.getElementById('backend') as HTMLSelectElement).options.length === 3);
    await page.fill('#save-name', 'kept');
    await page.click('#load-idb');
    await waitCount(page, 'model', 0);
    expect(await page.innerText('#model-info')).toContain("loaded from IndexedDB 'kept'");
    await draw(page, SEVEN);
    expect(await shownProbabilities(page)).toEqual(before);
    await dataReady(page);
  });

  it('downloads a model the CLI trainer predicts with, and loads a model the CLI trained', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'playground-'));
    // Page → CLI: the two downloads are the files model.save(dir) writes.
    await draw(page, SEVEN);
    const pageProbs = await shownProbabilities(page);
    const downloads: Promise<void>[] = [];
    mkdirSync(join(dir, 'from-page'));
    const handler = (d: import('playwright-core').Download): void => void downloads.push(d.saveAs(join(dir, 'from-page', d.suggestedFilename())));
    page.on('download', handler);
    await page.click('#download');
    await page.waitForFunction(() => document.getElementById('message')!.innerText.startsWith('Downloaded'));
    await expect.poll(() => downloads.length).toBe(2);
    await Promise.all(downloads);
    page.off('download', handler);
    expect(readdirSync(join(dir, 'from-page')).sort()).toEqual([expect.stringMatching(/^model\.json$/), expect.stringMatching(/^weights\.[0-9a-f]{16}\.bin$/)].sort());
    downloadedModel = readdirSync(join(dir, 'from-page')).map((f) => join(dir, 'from-page', f));
    await padAsPgm(page, join(dir, 'seven.pgm'));
    const cli = await cliPredict(join(dir, 'seven.pgm'), join(dir, 'from-page'));
    expect(cli.digit).toBe(argmax(pageProbs));
    expect(Math.abs(cli.top - Math.max(...pageProbs))).toBeLessThan(0.002);

    // CLI → page.
    await run('node', [trainerMain, 'train', '--model', 'mlp', '--limit', '10000', '--epochs', '1', '--backend', 'cpu', '--out', join(dir, 'cli')]);
    const modelDir = join(dir, 'cli', 'model');
    const models = await count(page, 'model');
    await page.setInputFiles('#upload', readdirSync(modelDir).map((f) => join(modelDir, f)));
    await waitCount(page, 'model', models);
    expect(await page.innerText('#model-info')).toContain('loaded from model.json + weights.');
    await draw(page, SEVEN);
    const fromCli = await shownProbabilities(page);
    const cliOwn = await cliPredict(join(dir, 'seven.pgm'), modelDir);
    expect(argmax(fromCli)).toBe(cliOwn.digit);
    expect(Math.abs(cliOwn.top - Math.max(...fromCli))).toBeLessThan(0.002);
  });

  it('says clearly what is wrong with bad input and keeps working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'playground-bad-'));
    const stillWorks = async (p: Page): Promise<void> => {
      await draw(p, ONE);
      expect(argmax(await shownProbabilities(p))).toBe(1);
      await p.waitForFunction(() => !(document.getElementById('start') as HTMLButtonElement).disabled);
    };
    const expectError = async (action: () => Promise<unknown>, text: RegExp, p = page): Promise<void> => {
      const errors = await count(p, 'errors');
      await action();
      await waitCount(p, 'errors', errors, 30_000);
      expect(await message(p)).toMatch(text);
      await stillWorks(p);
    };
    // Not a Tessera model.
    writeFileSync(join(dir, 'notes.json'), '{"hello": "world"}');
    writeFileSync(join(dir, 'digit.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    await expectError(() => page.setInputFiles('#upload', [join(dir, 'notes.json')]), /notes\.json is not a Tessera model \(format is undefined, expected 'tessera-model'\)/);
    await expectError(() => page.setInputFiles('#upload', [join(dir, 'digit.png')]), /expected one model\.json among the picked files, got 0 \.json files \(digit\.png\)/);
    // A model for another input shape.
    const other = sequential({ layers: [new Dense({ units: 10, activation: 'softmax', inputShape: [10] })] });
    await other.save(join(dir, 'other'));
    other.dispose();
    await expectError(
      () => page.setInputFiles('#upload', readdirSync(join(dir, 'other')).map((f) => join(dir, 'other', f))),
      /this model takes inputs of shape \[10\] and gives 10 outputs; the playground needs a model for 28×28 digits/,
    );
    // A model name IndexedDB does not have.
    await page.fill('#save-name', 'never-saved');
    await expectError(() => page.click('#load-idb'), /IndexedDB has no model saved as 'never-saved'/);

    // A full IndexedDB quota (in a fresh profile: Chromium enforces an overridden quota on an
    // origin's first IndexedDB writes): the message says so, and saving works once there is room.
    const fresh = await openPage(browser);
    await fresh.setInputFiles('#upload', downloadedModel);
    await waitCount(fresh, 'model', 0);
    const cdp = await fresh.context().newCDPSession(fresh);
    const origin = new URL(url).origin;
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1024 });
    await expectError(() => fresh.click('#save-idb'), /storage quota for this site is full \(QuotaExceededError\): the model needs \d+ bytes/, fresh);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await fresh.click('#save-idb');
    await fresh.waitForFunction(() => document.getElementById('message')!.innerText.includes('Saved to indexeddb://my-model'));
    await fresh.context().close();
  });

  it('trains a few batches on webgpu (SwiftShader)', async () => {
    const gpu = await launchChromium();
    try {
      const p = await openPage(gpu);
      await dataReady(p);
      await train(p, { backend: 'webgpu', trainImages: 640, epochs: 1 });
      await waitCount(p, 'done', 0);
      expect(await p.evaluate(() => document.body.dataset.backend)).toBe('webgpu');
      expect(await p.innerText('#train-status')).toMatch(/^Done: /);
      expect(Number((await p.innerText('#test-accuracy')).replace('%', ''))).toBeGreaterThan(20);
      expect(pageErrors).toEqual([]);
    } finally {
      await gpu.close();
    }
  });

  it('shows webgpu disabled with the reason where there is no WebGPU adapter, and still trains on the rest', async () => {
    const p = await openPage(browser);
    try {
      const option = p.locator('#backend option[value="webgpu"]');
      expect(await option.isDisabled()).toBe(true);
      expect(await p.innerText('#backend-reasons [data-backend="webgpu"]')).toMatch(/^webgpu: .*(adapter|navigator\.gpu|WebGPU)/);
      expect(await p.inputValue('#backend')).toBe('wasm');
      await dataReady(p);
    } finally {
      await p.context().close();
    }
  });

  it('pauses, resumes and stops training, and switches to Fashion-MNIST', async () => {
    const p = await openPage(browser);
    try {
      await dataReady(p);
      const done = await count(p, 'done');
      await train(p, { backend: 'cpu', trainImages: 20_000, epochs: 3 });
      const step = async (): Promise<number> => Number(/step (\d+)/.exec(await p.innerText('#train-status'))?.[1] ?? -1);
      await p.waitForFunction(() => /^Training: epoch \d+, step [1-9]/.test(document.getElementById('train-status')!.innerText));
      await p.click('#pause');
      await p.waitForFunction(() => document.getElementById('train-status')!.innerText.endsWith('(paused)'));
      expect(await p.innerText('#pause')).toBe('Resume');
      const atPause = await step();
      await p.waitForTimeout(700);
      expect(await step()).toBe(atPause); // nothing trains while paused
      await p.click('#pause');
      await p.waitForFunction((n) => Number(/step (\d+)/.exec(document.getElementById('train-status')!.innerText)?.[1] ?? -1) > n, atPause);
      await p.click('#stop');
      await waitCount(p, 'done', done);
      expect(await p.innerText('#train-status')).toMatch(/^Stopped: /);
      await p.selectOption('#dataset', 'fashion');
      await dataReady(p, 'fashion');
      expect(await p.innerText('#data-status')).toBe('Fashion-MNIST: 60000 train / 10000 test images');
      expect(pageErrors).toEqual([]);
    } finally {
      await p.context().close();
    }
  });

  it('says so in the page when it is served without the isolation headers, and runs on one thread', async () => {
    // The same build from a plain static server: no COOP/COEP, so no SharedArrayBuffer.
    const plain = await serveStatic(join(root, 'dist'), { isolated: false });
    const p = await (await browser.newContext()).newPage();
    try {
      await p.goto(plain.url);
      await p.waitForFunction(() => (document.getElementById('backend') as HTMLSelectElement).options.length === 3);
      expect(await p.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await p.locator('#isolation-notice').isVisible()).toBe(true);
      expect(await p.innerText('#isolation-notice')).toMatch(/Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/s);
      expect(await p.inputValue('#threads')).toBe('1');
      expect(await p.locator('#threads').isDisabled()).toBe(true);
      await dataReady(p);
    } finally {
      await p.context().close();
      await plain.close();
    }
  });
});
