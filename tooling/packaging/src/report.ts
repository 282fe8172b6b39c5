/** One backend's run in the app (src/app/app.mjs). */
export interface BackendRun {
  backend: string;
  /** Set when the backend failed: the error's name and message. */
  error?: string;
  firstLoss?: number;
  lastLoss?: number;
  /** The wasm backend's thread count after `await setThreads(2)`. */
  threads?: number;
}

/** What the app reports: `window.tesseraReport` in a page, one JSON line on stdout in Node. */
export interface AppReport {
  /** `globalThis.crossOriginIsolated` (null in Node, which has none). */
  crossOriginIsolated: boolean | null;
  results: BackendRun[];
}

/**
 * What is wrong with a report, one line each (empty when nothing is): a backend that failed, is
 * missing, or whose loss did not fall.
 */
export function reportProblems(report: AppReport, backends: readonly string[]): string[] {
  const problems: string[] = [];
  for (const backend of backends) {
    const r = report.results.find((x) => x.backend === backend);
    if (!r) problems.push(`${backend}: no result`);
    else if (r.error) problems.push(`${backend}: ${r.error}`);
    else if (!(Number.isFinite(r.firstLoss) && Number.isFinite(r.lastLoss) && r.lastLoss! < r.firstLoss!)) {
      problems.push(`${backend}: the loss did not fall (${r.firstLoss} → ${r.lastLoss})`);
    }
  }
  return problems;
}

/**
 * Where the backends disagree: every run draws the same data and initial weights from the same
 * seed, so the first and last epoch losses must match across backends to `tolerance`, relative.
 * A mismatch means a backend computed something else.
 */
export function disagreements(runs: readonly BackendRun[], tolerance = 1e-3): string[] {
  const ok = runs.filter((r) => !r.error);
  const [ref] = ok;
  if (!ref) return [];
  const problems: string[] = [];
  for (const r of ok.slice(1)) {
    for (const key of ['firstLoss', 'lastLoss'] as const) {
      const a = ref[key]!;
      const b = r[key]!;
      if (!(Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a)))) problems.push(`${key}: ${ref.backend} ${a} vs ${r.backend} ${b}`);
    }
  }
  return problems;
}
