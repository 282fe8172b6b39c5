import { Callback, type Logs } from './callbacks.js';

interface Out {
  write(s: string): void;
  isTTY: boolean;
}

function defaultOut(): Out {
  const proc = (globalThis as { process?: { stdout?: { write(s: string): void; isTTY?: boolean } } }).process;
  if (proc?.stdout) return { write: (s) => proc.stdout!.write(s), isTTY: Boolean(proc.stdout.isTTY) };
  let line = '';
  return {
    write: (s) => {
      line += s;
      const parts = line.split('\n');
      line = parts.pop()!;
      for (const p of parts) console.log(p.replace(/\r/g, ''));
    },
    isTTY: false,
  };
}

function fmtLogs(logs: Logs, skip: Set<string>): string {
  return Object.entries(logs)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}: ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3)}`)
    .join(' - ');
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return `${s.toFixed(s < 10 ? 1 : 0)}s`;
}

/**
 * Keras-style progress: with verbose 1 a live bar per epoch (step, ETA, running loss/metrics,
 * samples/s) on a terminal — one line per epoch elsewhere; with verbose 2 one line per epoch.
 */
export class ProgressLogger extends Callback {
  private start = 0;
  private epochStart = 0;
  private lastDraw = 0;
  private seen = 0;
  private out: Out;
  constructor(private verbose = 1, out?: Out) {
    super();
    this.out = out ?? defaultOut();
  }

  override onTrainBegin(): void {
    this.start = performance.now();
  }

  override onEpochBegin(epoch: number): void {
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
    if (this.verbose === 1 && this.out.isTTY) this.out.write(`Epoch ${epoch + 1}/${this.params.epochs}\n`);
  }

  override onBatchEnd(batch: number, logs: Logs = {}): void {
    this.seen += logs['size'] ?? 0;
    if (this.verbose !== 1 || !this.out.isTTY) return;
    const now = performance.now();
    const steps = this.params.steps;
    const last = steps !== undefined && batch + 1 >= steps;
    if (!last && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const elapsed = (now - this.epochStart) / 1000;
    const width = 30;
    let bar: string;
    let eta = '';
    if (steps !== undefined) {
      const done = Math.min(width, Math.round(((batch + 1) / steps) * width));
      bar = `${String(batch + 1).padStart(String(steps).length)}/${steps} [${'='.repeat(Math.max(0, done - 1))}${done < width ? '>' : '='}${'.'.repeat(width - done)}]`;
      eta = last ? ` ${fmtTime(elapsed)}` : ` - ETA: ${fmtTime((elapsed / (batch + 1)) * (steps - batch - 1))}`;
    } else bar = `${batch + 1} steps`;
    const rate = this.seen > 0 ? ` - ${Math.round(this.seen / Math.max(elapsed, 1e-9))} samples/s` : '';
    this.out.write(`\r${bar}${eta} - ${fmtLogs(logs, new Set(['batch', 'size']))}${rate}\x1b[K`);
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (this.verbose === 0) return;
    const elapsed = (performance.now() - this.epochStart) / 1000;
    const rate = this.seen > 0 ? ` - ${Math.round(this.seen / elapsed)} samples/s` : '';
    const body = `${fmtTime(elapsed)} - ${fmtLogs(logs, new Set())}${rate}`;
    if (this.verbose === 1 && this.out.isTTY) this.out.write(`\r${this.progressDone()} ${body}\x1b[K\n`);
    else this.out.write(`Epoch ${epoch + 1}/${this.params.epochs} - ${body}\n`);
  }

  private progressDone(): string {
    const steps = this.params.steps;
    return steps !== undefined ? `${steps}/${steps} [${'='.repeat(30)}]` : '';
  }

  override onTrainEnd(): void {
    if (this.verbose > 0 && this.params.epochs > 1) this.out.write(`Training took ${fmtTime((performance.now() - this.start) / 1000)}\n`);
  }
}
