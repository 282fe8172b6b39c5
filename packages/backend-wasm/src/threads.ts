import { TesseraError } from '@tessera/core';
import type { KernelExports } from './module.js';
import { platform, type PoolWorker } from './platform.js';

/**
 * A pool of workers (Node worker_threads or Web Workers) that run the same kernels module on the
 * backend's shared memory. The calling thread posts a job into a small shared control block, wakes
 * the workers, does its own share and waits for theirs. Kernels are synchronous, so it must block:
 * Atomics.wait where the thread may (Node's main thread, workers), a spin on Atomics.load where it
 * may not (a browser's main thread). Jobs only carry addresses, so nothing is copied.
 */

/** The most threads a pool runs, the calling thread included: the control block has a scratch slot for each. */
export const MAX_THREADS = 32;

// Control block words.
const GEN = 0; // bumped for every job; workers sleep on it
const DONE = 1; // workers that finished the current job
const KIND = 2; // job kind
const NEXT = 3; // the next unclaimed row of a gemm job (threads claim chunks of rows)
const ARGS = 8; // job arguments
const ARG_COUNT = 16;
const SCRATCH = ARGS + ARG_COUNT; // per-thread gemm scratch addresses
const WORDS = SCRATCH + MAX_THREADS;

const JOB_EXIT = 0;
const JOB_GEMM = 1;
const JOB_CONV_NARROW = 2;

/**
 * Checks a thread count before anything changes: an integer from 1 to MAX_THREADS (beyond that
 * the control block has no scratch slot for the thread).
 */
export function checkThreads(n: unknown, caller: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new TesseraError(`${caller}: the thread count must be an integer from 1 to ${MAX_THREADS}, got ${String(n)}`);
  }
  return n;
}

/**
 * The workers' job loop, one body for every platform: the platform's prologue (src/platform.ts,
 * src/node.ts) calls `run` with what the worker was given.
 */
const JOB_LOOP = `
function run({ module, memory, control, index }, ready) {
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const ctl = new Int32Array(control);
  let gen = Atomics.load(ctl, ${GEN});
  ready();
  for (;;) {
    Atomics.wait(ctl, ${GEN}, gen);
    gen = Atomics.load(ctl, ${GEN});
    const kind = Atomics.load(ctl, ${KIND});
    if (kind === ${JOB_EXIT}) return;
    if (kind === ${JOB_GEMM}) {
      const [m, n, kk, ap, ars, acs, bp, brs, bcs, cp, ldc, acc, chunk] = ctl.subarray(${ARGS}, ${ARGS + ARG_COUNT});
      for (let r0 = Atomics.add(ctl, ${NEXT}, chunk); r0 < m; r0 = Atomics.add(ctl, ${NEXT}, chunk)) {
        const r1 = Math.min(m, r0 + chunk);
        k.gemm(r1 - r0, n, kk, ap + r0 * ars * 4, ars, acs, bp, brs, bcs, cp + r0 * ldc * 4, ldc, acc, ctl[${SCRATCH} + index]);
      }
    } else if (kind === ${JOB_CONV_NARROW}) {
      const [y, x, f, g, images, threads] = ctl.subarray(${ARGS}, ${ARGS + ARG_COUNT});
      const step = Math.ceil(images / threads);
      const i0 = Math.min(images, index * step), i1 = Math.min(images, i0 + step);
      if (i1 > i0) k.conv2dNarrowImages(y, x, f, g, i0, i1);
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}
`;

/** Whether this thread may block in Atomics.wait (a browser's main thread may not: it throws). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export class ThreadPool {
  private readonly ctl: Int32Array;
  /** Whether `join` may sleep in Atomics.wait or must spin. */
  private readonly blocking = canBlock();
  private constructor(
    private readonly workers: PoolWorker[],
    control: SharedArrayBuffer,
  ) {
    this.ctl = new Int32Array(control);
  }

  /** Whether this platform can start workers (Node's entry, or a realm with Web Workers). */
  static get available(): boolean {
    return platform().startWorker !== null;
  }

  /** Threads taking part in a job: the workers and the calling thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Starts `count` workers on `memory`. `scratch` gives every thread (index 0 = the caller) its own
   * gemm packing buffers.
   */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number, scratch: number[]): Promise<ThreadPool> {
    const startWorker = platform().startWorker;
    if (!startWorker) throw new TesseraError('setThreads: this platform has no workers');
    checkThreads(count + 1, 'setThreads');
    const control = new SharedArrayBuffer(WORDS * 4);
    new Int32Array(control).set(scratch, SCRATCH);
    const workers: PoolWorker[] = [];
    try {
      for (let i = 1; i <= count; i++) workers.push(startWorker(JOB_LOOP, { module, memory, control, index: i }));
      await Promise.all(workers.map((w) => w.ready));
    } catch (e) {
      workers.forEach((w) => w.terminate());
      throw e;
    }
    return new ThreadPool(workers, control);
  }

  /**
   * C[m×n] (= or +=) A·B as in the module's gemm. The rows are claimed in chunks (multiples of the
   * micro-kernel's 4 rows, about three per thread) by every thread, the caller included, until none
   * are left: a thread that runs slower — a browser's main thread, a core shared with another
   * process — takes fewer, instead of the whole job waiting for its fixed share.
   */
  gemm(k: KernelExports, m: number, n: number, kk: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, accumulate: boolean): void {
    const ctl = this.ctl;
    const acc = accumulate ? 1 : 0;
    // Each chunk packs B again, so chunks stay large: at least 32 rows.
    const chunk = Math.max(32, Math.ceil(m / (this.threads * 3) / 4) * 4);
    ctl.set([m, n, kk, a, ars, acs, b, brs, bcs, c, ldc, acc, chunk], ARGS);
    Atomics.store(ctl, NEXT, 0);
    this.post(JOB_GEMM);
    for (let r0 = Atomics.add(ctl, NEXT, chunk); r0 < m; r0 = Atomics.add(ctl, NEXT, chunk)) {
      k.gemm(Math.min(m, r0 + chunk) - r0, n, kk, a + r0 * ars * 4, ars, acs, b, brs, bcs, c + r0 * ldc * 4, ldc, acc, ctl[SCRATCH]!);
    }
    this.join();
  }

  /**
   * The module's narrow direct convolution (`conv2dNarrowImages`) over `images` images, split by
   * image across the threads; `geometry` is the address of its geometry words. The caller takes
   * the first share.
   */
  convNarrow(k: KernelExports, y: number, x: number, f: number, geometry: number, images: number): void {
    const ctl = this.ctl;
    const threads = this.threads;
    ctl.set([y, x, f, geometry, images, threads], ARGS);
    this.post(JOB_CONV_NARROW);
    const i1 = Math.min(images, Math.ceil(images / threads));
    if (i1 > 0) k.conv2dNarrowImages(y, x, f, geometry, 0, i1);
    this.join();
  }

  /** Wakes the workers on a job whose arguments are in place. */
  private post(kind: number): void {
    const ctl = this.ctl;
    Atomics.store(ctl, KIND, kind);
    Atomics.store(ctl, DONE, 0);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
  }

  /** Blocks until every worker has finished the current job. */
  private join(): void {
    const ctl = this.ctl;
    for (let done = Atomics.load(ctl, DONE); done < this.workers.length; done = Atomics.load(ctl, DONE)) {
      if (this.blocking) Atomics.wait(ctl, DONE, done);
    }
  }

  async stop(): Promise<void> {
    Atomics.store(this.ctl, KIND, JOB_EXIT);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
