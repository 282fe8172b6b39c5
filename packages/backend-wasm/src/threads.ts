import { TesseraError } from '@tessera/core';
import type { KernelExports } from './module.js';

/**
 * A pool of worker threads that run the same kernels module on the backend's shared memory. The
 * calling thread posts a job into a small shared control block, wakes the workers, does its own
 * share and waits for theirs (kernels are synchronous, so it must block: Atomics.wait, allowed on
 * Node's main thread). Jobs only carry addresses, so nothing is copied.
 */

// Control block words.
const GEN = 0; // bumped for every job; workers sleep on it
const DONE = 1; // workers that finished the current job
const KIND = 2; // job kind
const ARGS = 8; // job arguments
const SCRATCH = 32; // per-thread gemm scratch addresses
const WORDS = 64;

const JOB_EXIT = 0;
const JOB_GEMM = 1;
const JOB_CONV_NARROW = 2;

/** The workers' code, evaluated as a plain script (no files to resolve, from src/ or dist/ alike). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, index } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(control);
let gen = Atomics.load(ctl, ${GEN});
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(ctl, ${GEN}, gen);
  gen = Atomics.load(ctl, ${GEN});
  const kind = Atomics.load(ctl, ${KIND});
  if (kind === ${JOB_EXIT}) break;
  if (kind === ${JOB_GEMM}) {
    const a = ctl.subarray(${ARGS}, ${ARGS} + 16);
    const [m, n, kk, ap, ars, acs, bp, brs, bcs, cp, ldc, acc, threads] = a;
    const step = Math.ceil(m / threads / 4) * 4;
    const r0 = Math.min(m, index * step), r1 = Math.min(m, r0 + step);
    if (r1 > r0) k.gemm(r1 - r0, n, kk, ap + r0 * ars * 4, ars, acs, bp, brs, bcs, cp + r0 * ldc * 4, ldc, acc, ctl[${SCRATCH} + index]);
  } else if (kind === ${JOB_CONV_NARROW}) {
    const [y, x, f, g, images, threads] = ctl.subarray(${ARGS}, ${ARGS} + 6);
    const step = Math.ceil(images / threads);
    const i0 = Math.min(images, index * step), i1 = Math.min(images, i0 + step);
    if (i1 > i0) k.conv2dNarrowImages(y, x, f, g, i0, i1);
  }
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;

interface NodeWorker {
  once(event: 'message' | 'error', listener: (v: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

export class ThreadPool {
  private readonly ctl: Int32Array;
  private constructor(
    private readonly workers: NodeWorker[],
    control: SharedArrayBuffer,
  ) {
    this.ctl = new Int32Array(control);
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
    const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
    if (!isNode) throw new TesseraError('setThreads: worker threads are only supported in Node so far');
    const { Worker } = (await import('node:worker_threads')) as unknown as {
      Worker: new (src: string, opts: { eval: true; workerData: unknown }) => NodeWorker;
    };
    const control = new SharedArrayBuffer(WORDS * 4);
    const ctl = new Int32Array(control);
    scratch.forEach((p, i) => (ctl[SCRATCH + i] = p));
    const workers: NodeWorker[] = [];
    await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control, index: i + 1 } });
        workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', (e) => reject(e as Error));
        });
      }),
    );
    // Idle workers sleep in Atomics.wait; they must not keep the process alive.
    workers.forEach((w) => w.unref());
    return new ThreadPool(workers, control);
  }

  /**
   * C[m×n] (= or +=) A·B as in the module's gemm, rows split across the threads in multiples of
   * the micro-kernel's 4 rows. The caller computes the first share.
   */
  gemm(k: KernelExports, m: number, n: number, kk: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, accumulate: boolean): void {
    const ctl = this.ctl;
    const threads = this.threads;
    ctl.set([m, n, kk, a, ars, acs, b, brs, bcs, c, ldc, accumulate ? 1 : 0, threads], ARGS);
    this.post(JOB_GEMM);
    const step = Math.ceil(m / threads / 4) * 4;
    const r1 = Math.min(m, step);
    if (r1 > 0) k.gemm(r1, n, kk, a, ars, acs, b, brs, bcs, c, ldc, accumulate ? 1 : 0, ctl[SCRATCH]!);
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
      Atomics.wait(ctl, DONE, done);
    }
  }

  async stop(): Promise<void> {
    Atomics.store(this.ctl, KIND, JOB_EXIT);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
