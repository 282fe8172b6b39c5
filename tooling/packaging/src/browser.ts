// Running the packaging app's page: Chromium itself comes from @tessera/chromium.
import type { Browser } from 'playwright-core';
import type { AppReport } from './report.js';

export interface PageRun {
  report: AppReport;
  /** Uncaught errors and rejections of the page. */
  pageErrors: string[];
  /** console.error and console.warn lines, for the failure message. */
  console: string[];
}

/** Opens `url` in a fresh context and waits for the app's report. */
export async function runPage(browser: Browser, url: string, timeoutMs: number): Promise<PageRun> {
  const context = await browser.newContext();
  const pageErrors: string[] = [];
  const lines: string[] = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') lines.push(`[${m.type()}] ${m.text()}`);
    });
    await page.goto(url);
    try {
      await page.waitForFunction(() => (window as { tesseraReport?: unknown }).tesseraReport !== undefined, undefined, { timeout: timeoutMs });
    } catch (e) {
      throw new Error(`${url} gave no report within ${timeoutMs} ms (${(e as Error).message.split('\n')[0]}); page errors: ${JSON.stringify(pageErrors)}; console: ${JSON.stringify(lines)}`);
    }
    const report = (await page.evaluate(() => (window as { tesseraReport?: unknown }).tesseraReport)) as AppReport;
    return { report, pageErrors, console: lines };
  } finally {
    await context.close();
  }
}
