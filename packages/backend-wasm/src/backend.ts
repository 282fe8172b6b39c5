import { OutOfMemoryError, TesseraError, sizeFromShape, type Backend, type DataId, type DataType, type TensorInfo, type TypedArray } from '@tessera/core';
import { Allocator } from './allocator.js';
import { MODULE_MAX_PAGES, compileKernels, type CompiledKernels, type KernelExports, type SimdChoice, type WasmBuild, type WasmSource } from './module.js';
import { DT_BOOL, DT_F32, DT_I32 } from './opcodes.js';
import { ThreadPool, checkThreads } from './threads.js';

const PAGE = 65536;

/** The DataId of the wasm backend: a block of the module's memory. */
export class WasmData {
  constructor(
    /** Byte address in the module's memory (0 for size-0 tensors, which own no block). */
    public readonly ptr: number,
    /** Number of values. */
    public readonly size: number,
    public readonly dtype: DataType,
    public disposed = false,
  ) {}

  get byteLength(): number {
    return this.size * bytesPerValue(this.dtype);
  }
}

export interface WasmBackendOptions {
  /** Where to load the kernels from (a URL, bytes or a compiled module); default build/kernels.wasm beside the package. */
  source?: WasmSource;
  /** The most memory the backend may use, in 64 KiB pages (default 32768 = 2 GiB, at most 65536). */
  maximumPages?: number;
  /** Threads for large matmuls and convolutions (default 1, at most 32); see `WasmBackend.setThreads`. */
  threads?: number;
  /**
   * Which of the package's builds to load when no `source` is given: 'auto' (default) the
   * relaxed-SIMD build where the engine supports it, else the plain SIMD one; 'relaxed' or
   * 'plain' forces one ('relaxed' where unsupported is an error).
   */
  simd?: SimdChoice;
}

export function bytesPerValue(dtype: DataType): number {
  return dtype === 'bool' ? 1 : 4;
}

export function dtypeCode(dtype: DataType): number {
  return dtype === 'float32' ? DT_F32 : dtype === 'int32' ? DT_I32 : DT_BOOL;
}

/** Words reserved for the layouts and geometries kernels pass to the module. */
const ARG_WORDS = 1024;

/**
 * Storage in one WebAssembly.Memory, shared by every tensor of the backend and by the kernels.
 * Typed-array views of the memory are re-created whenever it has grown: growing detaches the old
 * ArrayBuffer (or, when the memory is shared, leaves the old views short), so nothing holds a view
 * across a call that can allocate.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly floatPrecision = 32 as const;
  readonly wasmMemory: WebAssembly.Memory;
  /** Whether the memory is a SharedArrayBuffer (what worker threads need to share it). */
  readonly shared: boolean;
  /** The build that runs: 'relaxed' (relaxed-SIMD fused multiply-add), 'plain' (f32x4 SIMD), or 'custom' (a `source` the user gave). */
  readonly build: WasmBuild;
  /** The module's exported kernels. */
  readonly kernels: KernelExports;
  private readonly allocator: Allocator;
  private readonly maximumPages: number;
  private liveBytes = 0;
  private liveBuffers = 0;
  private buffer: ArrayBuffer | SharedArrayBuffer;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private u8View: Uint8Array;
  /** The argument words: layouts and geometries for the module (see `args`). */
  private readonly argsPtr: number;
  private gemmScratchPtr = 0;
  private readonly module: WebAssembly.Module;
  /** Buffers allocated by the kernel running now (see `guard`). */
  private kernelOutputs: WasmData[] | null = null;
  private workers: ThreadPool | null = null;
  private workerScratch: number[] = [];
  private static warnedNoThreads = false;

  /** Compiles the kernels module (from `options.source`) and instantiates it on a new memory. */
  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    if (options.threads !== undefined) checkThreads(options.threads, 'WasmBackend.create');
    const backend = new WasmBackend(await compileKernels(options.source, options.simd), options);
    if ((options.threads ?? 1) > 1) await backend.setThreads(options.threads!);
    return backend;
  }

  constructor(compiled: CompiledKernels, options: WasmBackendOptions = {}) {
    this.maximumPages = Math.min(options.maximumPages ?? 32768, MODULE_MAX_PAGES);
    this.shared = compiled.shared;
    this.build = compiled.build;
    this.wasmMemory = new WebAssembly.Memory({ initial: 16, maximum: this.maximumPages, shared: compiled.shared });
    const instance = new WebAssembly.Instance(compiled.module, { env: { memory: this.wasmMemory } });
    this.kernels = instance.exports as unknown as KernelExports;
    this.module = compiled.module;
    this.buffer = this.wasmMemory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.u8View = new Uint8Array(this.buffer);
    this.allocator = new Allocator(this.kernels.heapBase(), this.buffer.byteLength, (needed) => this.growTo(needed));
    this.argsPtr = this.allocator.alloc(ARG_WORDS * 4);
  }

  // ---------------------------------------------------------------- Backend

  write(values: TypedArray, shape: number[], dtype: DataType): DataId {
    const size = sizeFromShape(shape);
    const data = this.allocData(size, dtype);
    if (size > 0) {
      if (dtype === 'bool') {
        const u8 = this.u8();
        for (let i = 0; i < size; i++) u8[data.ptr + i] = values[i] !== 0 ? 1 : 0;
      } else if (dtype === 'int32') {
        // A typed-array `set` converts like a store: float sources truncate (ToInt32).
        this.i32().set(values, data.ptr >>> 2);
      } else {
        this.f32().set(values, data.ptr >>> 2);
      }
    }
    return data;
  }

  async read(dataId: DataId): Promise<TypedArray> {
    return this.readSync(dataId);
  }

  readSync(dataId: DataId): TypedArray {
    const d = this.live(dataId);
    const at = d.ptr;
    switch (d.dtype) {
      case 'float32':
        return this.f32().slice(at >>> 2, (at >>> 2) + d.size);
      case 'int32':
        return this.i32().slice(at >>> 2, (at >>> 2) + d.size);
      default:
        return this.u8().slice(at, at + d.size);
    }
  }

  disposeData(dataId: DataId): void {
    const d = dataId as WasmData;
    if (d.disposed) return;
    d.disposed = true;
    if (d.size > 0) this.allocator.free(d.ptr);
    this.liveBytes -= d.byteLength;
    this.liveBuffers--;
  }

  /** `bytes` counts live tensors; `heapBytes` is the memory's size, `freeBytes` what the allocator holds for reuse. */
  memory(): { bytes: number; buffers: number; heapBytes: number; freeBytes: number } {
    return {
      bytes: this.liveBytes,
      buffers: this.liveBuffers,
      heapBytes: this.wasmMemory.buffer.byteLength,
      freeBytes: this.allocator.freeBytes,
    };
  }

  /** Stops the worker threads, if any. */
  dispose(): void {
    void this.setThreads(1);
  }

  // ---------------------------------------------------------------- threads

  /** Threads that large matmuls and convolutions are split across (1: the calling thread only). */
  get threads(): number {
    return this.workers?.threads ?? 1;
  }

  /**
   * Runs large matmuls and convolutions on `n` threads (an integer from 1 to 32): n − 1 workers
   * (worker_threads in Node, Web Workers in browsers) share the memory with this thread and each
   * computes a band of the products' output rows. Needs a shared memory (SharedArrayBuffer: in
   * browsers, a cross-origin-isolated page) and workers; without them it warns once and stays on
   * one thread. An invalid `n` throws before anything changes.
   */
  async setThreads(n: number): Promise<void> {
    const want = checkThreads(n, 'setThreads');
    if (want === this.threads) return;
    if (this.workers) {
      const old = this.workers;
      this.workers = null;
      await old.stop();
      this.workerScratch.forEach((p) => this.allocator.free(p));
      this.workerScratch = [];
    }
    if (want === 1) return;
    if (!this.shared || !ThreadPool.available) {
      if (!WasmBackend.warnedNoThreads) {
        WasmBackend.warnedNoThreads = true;
        const why = this.shared
          ? "this platform has no workers (in Node, import the package's node entry, '@tessera/backend-wasm/node')"
          : 'SharedArrayBuffer is unavailable: a page must be cross-origin isolated, served with the headers ' +
            '`Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`';
        console.warn(`tessera: backend 'wasm' runs on one thread: ${why}`);
      }
      return;
    }
    const scratch = [this.gemmScratch()];
    for (let i = 1; i < want; i++) scratch.push(this.allocator.alloc(this.kernels.gemmScratchBytes()));
    try {
      this.workers = await ThreadPool.start(this.module, this.wasmMemory, want - 1, scratch);
      this.workerScratch = scratch.slice(1);
    } catch (e) {
      scratch.slice(1).forEach((p) => this.allocator.free(p));
      throw e;
    }
  }

  /** The worker pool, when there is one. */
  get pool(): ThreadPool | null {
    return this.workers;
  }

  // ---------------------------------------------------------------- helpers for kernels

  /** The address of a live tensor's values. */
  ptr(info: TensorInfo): number {
    return this.live(info.dataId).ptr;
  }

  /** A new (uninitialised) output buffer. */
  empty(shape: number[], dtype: DataType): TensorInfo {
    return { dataId: this.allocData(sizeFromShape(shape), dtype), shape, dtype };
  }

  /**
   * Runs a kernel so that a failure (an out-of-range index, memory exhausted half-way) frees the
   * outputs it had already allocated instead of leaking them.
   */
  guard<T>(kernel: () => T): T {
    const outer = this.kernelOutputs;
    const mine: WasmData[] = [];
    this.kernelOutputs = mine;
    try {
      return kernel();
    } catch (e) {
      for (const d of mine) this.disposeData(d);
      throw e;
    } finally {
      this.kernelOutputs = outer;
    }
  }

  /** Runs `fn` with a scratch block of `bytes` bytes, freed afterwards. */
  withScratch<T>(bytes: number, fn: (ptr: number) => T): T {
    const ptr = this.allocator.alloc(bytes);
    try {
      return fn(ptr);
    } finally {
      this.allocator.free(ptr);
    }
  }

  /**
   * Writes integer words (layouts, geometries) where the module reads its arguments and returns
   * their address. The words are only valid until the next call of `args`.
   */
  args(words: ArrayLike<number>): number {
    if (words.length > ARG_WORDS) throw new TesseraError(`backend 'wasm': ${words.length} argument words exceed ${ARG_WORDS}`);
    this.i32().set(words, this.argsPtr >>> 2);
    return this.argsPtr;
  }

  /** The gemm's packing buffers (allocated on the first product, kept for the backend's life). */
  gemmScratch(): number {
    if (this.gemmScratchPtr === 0) this.gemmScratchPtr = this.allocator.alloc(this.kernels.gemmScratchBytes());
    return this.gemmScratchPtr;
  }

  f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }

  u8(): Uint8Array {
    this.refresh();
    return this.u8View;
  }

  // ---------------------------------------------------------------- internals

  private live(dataId: DataId): WasmData {
    const d = dataId as WasmData;
    if (d.disposed) throw new TesseraError("backend 'wasm': a kernel read a buffer that was already disposed");
    return d;
  }

  private allocData(size: number, dtype: DataType): WasmData {
    const bytes = size * bytesPerValue(dtype);
    const ptr = size > 0 ? this.allocator.alloc(bytes) : 0;
    this.liveBytes += bytes;
    this.liveBuffers++;
    const data = new WasmData(ptr, size, dtype);
    this.kernelOutputs?.push(data);
    return data;
  }

  private refresh(): void {
    const buffer = this.wasmMemory.buffer;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.f32View = new Float32Array(buffer);
    this.i32View = new Int32Array(buffer);
    this.u8View = new Uint8Array(buffer);
  }

  /** Grows the memory to hold `needed` bytes: by at least an eighth of its size, so growth is rare. */
  private growTo(needed: number): number {
    const have = this.wasmMemory.buffer.byteLength / PAGE;
    const want = Math.max(Math.ceil(needed / PAGE), Math.ceil(have * 1.125));
    const pages = Math.min(want, this.maximumPages);
    if (pages * PAGE < needed) {
      throw new OutOfMemoryError(
        `backend 'wasm': out of memory: ${needed} bytes needed, the maximum is ${this.maximumPages * PAGE} bytes (${this.liveBytes} bytes in live tensors)`,
      );
    }
    this.wasmMemory.grow(pages - have);
    this.refresh();
    return this.wasmMemory.buffer.byteLength;
  }
}
