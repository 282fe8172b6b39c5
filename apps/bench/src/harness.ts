/** Timing statistics of repeated runs, in milliseconds. */
export interface Timing {
  median: number;
  min: number;
  max: number;
  repeats: number;
}

export interface TimeOptions {
  warmup?: number;
  minRepeats?: number;
  /** Keep repeating until this much time has been spent (after minRepeats). */
  minMs?: number;
  maxRepeats?: number;
}

/** Runs fn (which must finish its work, e.g. read its result) after warm-up, and reports ms per run. */
export async function timeIt(fn: () => unknown | Promise<unknown>, o: TimeOptions = {}): Promise<Timing> {
  const { warmup = 2, minRepeats = 5, minMs = 500, maxRepeats = 1000 } = o;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRepeats || (performance.now() - start < minMs && times.length < maxRepeats)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]!, max: times[times.length - 1]!, repeats: times.length };
}

/** Largest |a - b| relative to the largest |b| (results must agree before they are timed). */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let maxDiff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return maxDiff / scale;
}

export interface Row {
  benchmark: string;
  unit: string;
  /** The Tessera backend measured: 'cpu', 'wasm 1T', 'wasm 2T' (threads). */
  contender: string;
  tessera: number;
  /** The TF.js backend it was measured against, in the same process. */
  peerName: string;
  /** null when the peer cannot run the benchmark (`note` says why). */
  peer: number | null;
  /** tessera / peer for throughput units (higher is better for Tessera); null without a peer number. */
  ratio: number | null;
  note?: string;
  /** More about a missing peer number: the error the peer raised. */
  detail?: string;
}

export function formatTable(rows: Row[]): string {
  const head = ['benchmark', 'Tessera', 'TF.js', 'ratio'];
  const body = rows.map((r) => [
    r.benchmark,
    `${fmt(r.tessera)} ${r.unit} (${r.contender})`,
    r.peer === null ? `n/a (${r.note ?? `not supported by ${r.peerName}`})` : `${fmt(r.peer)} ${r.unit} (${r.peerName})`,
    r.ratio === null ? '–' : `${r.ratio.toFixed(2)}×`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function fmt(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2);
}
