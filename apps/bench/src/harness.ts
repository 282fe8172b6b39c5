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

/**
 * Runs fn (which must finish its work, e.g. read its result) after warm-up, and reports ms per run.
 * Slow calls are not repeated for nothing: warm-up ends after one call that takes minMs or more,
 * and then a single timed call (instead of minRepeats) is enough.
 */
export async function timeIt(fn: () => unknown | Promise<unknown>, o: TimeOptions = {}): Promise<Timing> {
  const { warmup = 2, minRepeats = 5, minMs = 500, maxRepeats = 1000 } = o;
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    await fn();
    if (performance.now() - t0 >= minMs) break;
  }
  const times: number[] = [];
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    const spent = performance.now() - start;
    if (times.length >= maxRepeats || (spent >= minMs && (times.length >= minRepeats || times[0]! >= minMs))) break;
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]!, max: times[times.length - 1]!, repeats: times.length };
}

/**
 * Largest |a - b| relative to the largest |b| (results must agree before they are timed), or to
 * `scale` when that is larger: a sum's rounding error grows with Σ|x|, not with the sum itself.
 */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>, scale0 = 0): number {
  if (a.length !== b.length) return Infinity;
  let maxDiff = 0;
  let scale = Math.max(1e-12, scale0);
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return maxDiff / scale;
}

export interface Row {
  benchmark: string;
  /** GFLOP/s, GB/s, samples/s (higher is better); ms, MB (lower is better). */
  unit: string;
  /** The Tessera backend measured: 'cpu', 'wasm 1T', 'wasm 2T' (threads), 'webgpu'. */
  contender: string;
  tessera: number;
  /** The TF.js backend it was measured against, in the same process. */
  peerName: string;
  /** null when the peer cannot run the benchmark (`note` says why). */
  peer: number | null;
  /**
   * How many times better Tessera does: tessera / peer for throughputs, peer / tessera for times
   * and memory; above 1 means Tessera wins. null without a peer number.
   */
  ratio: number | null;
  note?: string;
  /** More about a missing peer number: the error the peer raised. */
  detail?: string;
  /**
   * The spread behind the numbers, in the row's unit, low first: the min and max of the repeats in
   * the reported round (ops, inference), or over the rounds (training). Absent for peak memory,
   * which is counted once, exactly.
   */
  range?: { tessera: [number, number]; peer: [number, number] | null };
}

/** Units where a smaller number is better. */
export const LOWER_IS_BETTER = new Set(['ms', 'MB']);

/** The row's ratio: above 1 when Tessera is better, whichever way the unit counts. */
export function ratioOf(unit: string, tessera: number, peer: number): number {
  return LOWER_IS_BETTER.has(unit) ? peer / tessera : tessera / peer;
}

/** A row of both numbers (ratio computed from the unit). */
export function row(benchmark: string, unit: string, contender: string, tessera: number, peerName: string, peer: number, extra: Partial<Row> = {}): Row {
  return { benchmark, unit, contender, tessera, peerName, peer, ratio: ratioOf(unit, tessera, peer), ...extra };
}

/**
 * Times two contenders in alternating rounds (so drift of the machine hits both alike) and returns
 * each one's best round (the lowest median), in ms per run, with that round's min and max.
 */
export async function duel(ours: () => Promise<unknown>, theirs: () => Promise<unknown>, o: TimeOptions & { rounds?: number }): Promise<{ ours: Timing; theirs: Timing }> {
  const { rounds = 2, minMs = 500, ...rest } = o;
  const time = { ...rest, minMs: minMs / rounds };
  let a: Timing | null = null;
  let b: Timing | null = null;
  for (let r = 0; r < rounds; r++) {
    const ta = await timeIt(ours, time);
    if (!a || ta.median < a.median) a = ta;
    const tb = await timeIt(theirs, time);
    if (!b || tb.median < b.median) b = tb;
  }
  return { ours: a!, theirs: b! };
}

/** A timing's min and max in a row's unit (a throughput's range is the inverse of the times'), low first. */
export function rangeOf(t: Timing, toUnit: (ms: number) => number): [number, number] {
  const [x, y] = [toUnit(t.min), toUnit(t.max)];
  return x <= y ? [x, y] : [y, x];
}

/**
 * Rows as a plain-text table; `peer` heads the column of what Tessera is measured against ('TF.js'
 * where every row's peer is a TF.js backend, 'peer' otherwise).
 */
export function formatTable(rows: Row[], peer = rows.every((r) => r.peerName.startsWith('tfjs')) ? 'TF.js' : 'peer'): string {
  const head = ['benchmark', 'Tessera', peer, 'Tessera better by'];
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
