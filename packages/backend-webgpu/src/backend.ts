import { OutOfMemoryError, TesseraError, sizeFromShape, type Backend, type DataId, type DataType, type TensorInfo, type TypedArray } from '@tessera/core';
import { MAP_READ, USAGE } from './constants.js';
import { BufferPool } from './pool.js';
import { withMath } from './wgsl.js';

/**
 * The DataId of the webgpu backend. Every element takes 4 bytes on the GPU: float32 as f32, int32
 * as i32 and bool as u32 (0/1), so kernels index all dtypes alike and no binding is ever narrower
 * than WGSL's 4-byte words. Size-0 tensors own no buffer at all (WebGPU has no empty bindings).
 */
export class GPUData {
  constructor(
    public buffer: GPUBuffer | null,
    readonly size: number,
    readonly dtype: DataType,
    /**
     * The values of an int32 buffer written from the host, kept (not copied: the engine hands the
     * array over) so that Gather can check its indices synchronously.
     */
    public host: Int32Array | null = null,
  ) {}

  disposed = false;
}

export interface WebGPUBackendOptions {
  /** The GPU to use: `navigator.gpu` in browsers, or Dawn's in Node (see `@tessera/backend-webgpu/node`). */
  gpu: GPU;
  powerPreference?: GPUPowerPreference;
  /** Dispatches recorded before the encoder is submitted even without a read (default 64). */
  opsPerSubmit?: number;
}

interface Pipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/** Workgroup counts for `n` invocations of `wg` threads: x up to 65535, the rest in y. */
export function groupsFor(n: number, wg: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / wg));
  if (groups <= 65535) return [groups, 1, 1];
  const x = 65535;
  return [x, Math.ceil(groups / x), 1];
}

const FLAG_BYTES = 16;

/**
 * WebGPU storage and command submission. Kernels record dispatches into one command encoder
 * (one compute pass), which is submitted when a read needs the results or after `opsPerSubmit`
 * dispatches; reads copy into a mappable buffer and await `mapAsync`.
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly floatPrecision = 32 as const;
  readonly device: GPUDevice;
  readonly adapterInfo: string;
  private readonly pool: BufferPool;
  private readonly readback: BufferPool;
  private readonly pipelines = new Map<string, Pipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private opsRecorded = 0;
  private submits = 0;
  private readonly opsPerSubmit: number;
  private liveBytes = 0;
  private liveBuffers = 0;
  /** A 16-byte buffer bound in place of size-0 inputs; kernels never read it. */
  private readonly dummy: GPUBuffer;
  /** Gather's out-of-range flag [set, index, position, -] for indices that live only on the GPU. */
  readonly flag: GPUBuffer;
  private flagArmed: string | null = null;
  private failure: TesseraError | null = null;
  private lost: GPUDeviceLostInfo | null = null;
  private destroyed = false;

  private constructor(device: GPUDevice, adapterInfo: string, opsPerSubmit: number) {
    this.device = device;
    this.adapterInfo = adapterInfo;
    this.opsPerSubmit = opsPerSubmit;
    this.pool = new BufferPool((size, usage) => this.createBuffer(size, usage));
    this.readback = new BufferPool((size, usage) => this.createBuffer(size, usage), USAGE.MAP_READ | USAGE.COPY_DST);
    this.dummy = this.createBuffer(16, USAGE.STORAGE);
    this.flag = this.createBuffer(FLAG_BYTES, USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST);
    void device.lost.then((info) => {
      if (!this.destroyed) this.lost = info;
    });
    device.addEventListener('uncapturederror', (e) => {
      const err = (e as GPUUncapturedErrorEvent).error;
      this.fail(`webgpu: a GPU command failed: ${err.message}`);
    });
  }

  /** Requests an adapter and a device; throws (so that setBackend resolves false) when there is none. */
  static async create(options: WebGPUBackendOptions): Promise<WebGPUBackend> {
    const { gpu } = options;
    if (!gpu) throw new TesseraError('webgpu: no GPU object (navigator.gpu is undefined: this runtime has no WebGPU)');
    const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
    if (!adapter) throw new TesseraError('webgpu: requestAdapter() returned null: no WebGPU adapter is available here');
    const want = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxStorageBuffersPerShaderStage'] as const;
    const requiredLimits: Record<string, number> = {};
    for (const k of want) requiredLimits[k] = adapter.limits[k];
    const device = await adapter.requestDevice({ requiredLimits });
    const info = adapter.info;
    const described = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
    return new WebGPUBackend(device, described, options.opsPerSubmit ?? 64);
  }

  // ---------------------------------------------------------------- storage

  write(values: TypedArray, shape: number[], dtype: DataType): DataId {
    this.check();
    const n = values.length;
    const host = dtype === 'int32' ? (values instanceof Int32Array ? values : Int32Array.from(values)) : null;
    const data = this.makeData(shape, dtype, host);
    if (n === 0 || !data.buffer) return data;
    let words: Float32Array | Int32Array | Uint32Array;
    if (dtype === 'float32') words = values instanceof Float32Array ? values : Float32Array.from(values);
    else if (dtype === 'int32') words = host!;
    else {
      words = new Uint32Array(n);
      for (let i = 0; i < n; i++) words[i] = values[i] !== 0 ? 1 : 0;
    }
    this.device.queue.writeBuffer(data.buffer, 0, words.buffer, words.byteOffset, n * 4);
    return data;
  }

  async read(dataId: DataId): Promise<TypedArray> {
    this.check();
    const d = dataId as GPUData;
    if (d.disposed) throw new TesseraError(`webgpu: read of a buffer that was already disposed`);
    if (d.size === 0) return emptyOf(d.dtype);
    const bytes = d.size * 4;
    const staging = this.readback.acquire(bytes);
    const flagCheck = this.flagArmed;
    const flagStaging = flagCheck ? this.readback.acquire(FLAG_BYTES) : null;
    const enc = this.copyEncoder();
    enc.copyBufferToBuffer(d.buffer!, 0, staging, 0, bytes);
    if (flagStaging) {
      enc.copyBufferToBuffer(this.flag, 0, flagStaging, 0, FLAG_BYTES);
      this.flagArmed = null;
    }
    this.submit();
    try {
      await staging.mapAsync(MAP_READ, 0, bytes);
    } catch (e) {
      this.check();
      throw new TesseraError(`webgpu: reading a ${bytes}-byte buffer back failed: ${(e as Error).message}`);
    }
    const raw = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    this.readback.release(staging);
    if (flagStaging) await this.checkFlag(flagStaging, flagCheck!);
    this.check();
    if (d.dtype === 'float32') return new Float32Array(raw);
    if (d.dtype === 'int32') return new Int32Array(raw);
    return Uint8Array.from(new Uint32Array(raw));
  }

  // readSync is deliberately absent: WebGPU cannot block on the GPU, and the engine answers
  // dataSync() on this backend with "cannot read synchronously; use await t.data()".

  disposeData(dataId: DataId): void {
    const d = dataId as GPUData;
    if (d.disposed) return;
    d.disposed = true;
    this.liveBytes -= d.size * 4;
    this.liveBuffers--;
    if (d.buffer && !this.destroyed) this.pool.release(d.buffer);
    d.buffer = null;
    d.host = null;
  }

  /**
   * `bytes`/`buffers`: live tensors (4 bytes per element). `pooledBytes`: freed buffers kept for
   * reuse; `allocatedBytes`: every GPU buffer the pool holds (live + pooled); `buffersCreated` and
   * `submits` count over the backend's life, so a steady training loop shows them flat.
   */
  memory(): { bytes: number; buffers: number; pooledBytes: number; allocatedBytes: number; buffersCreated: number; pipelines: number; submits: number } {
    return {
      submits: this.submits,
      bytes: this.liveBytes,
      buffers: this.liveBuffers,
      pooledBytes: this.pool.pooledBytes,
      allocatedBytes: this.pool.allocatedBytes,
      buffersCreated: this.pool.created,
      pipelines: this.pipelines.size,
    };
  }

  /** Submits recorded work and waits until the GPU has finished it. */
  async flush(): Promise<void> {
    this.check();
    this.submit();
    await this.device.queue.onSubmittedWorkDone();
    this.check();
  }

  dispose(): void {
    if (this.destroyed) return;
    this.pass?.end();
    this.pass = null;
    this.encoder = null;
    this.destroyed = true;
    this.pool.destroyAll();
    this.readback.destroyAll();
    this.pipelines.clear();
    this.device.destroy();
  }

  /** Whether the device was lost (or the backend disposed): the engine then starts a new instance on setBackend. */
  isLost(): boolean {
    return this.lost !== null || this.destroyed;
  }

  /**
   * Destroys the pooled (free) buffers, giving their memory back to the GPU; later allocations
   * create buffers again. Live tensors are untouched.
   */
  emptyPool(): void {
    this.pool.trim();
    this.readback.trim();
  }

  // ---------------------------------------------------------------- helpers for kernels

  /** A new buffer for a kernel's output (no buffer for size 0). */
  makeData(shape: readonly number[], dtype: DataType, host: Int32Array | null = null): GPUData {
    const n = sizeFromShape(shape);
    const buffer = n > 0 ? this.pool.acquire(n * 4) : null;
    this.liveBytes += n * 4;
    this.liveBuffers++;
    return new GPUData(buffer, n, dtype, host);
  }

  /** A new output tensor's info. */
  output(shape: number[], dtype: DataType): TensorInfo {
    return { dataId: this.makeData(shape, dtype), shape, dtype };
  }

  data(info: TensorInfo): GPUData {
    const d = info.dataId as GPUData;
    if (d.disposed) throw new TesseraError(`backend 'webgpu': a kernel read a buffer that was already disposed`);
    return d;
  }

  /**
   * Records one dispatch. Bindings: 0 = params (array<i32>), 1 = the output, 2… = inputs, then
   * `extra`. The pipeline is compiled once per `key`; `code` is only called on a cache miss, and
   * gets the functions of the math library it calls prepended.
   */
  run(key: string, code: () => string, out: GPUData, inputs: GPUData[], params: ArrayLike<number>, groups: [number, number, number], extra: GPUBuffer[] = []): void {
    this.check();
    if (!out.buffer) return;
    const p = this.pipeline(key, code);
    const words = Int32Array.from(params.length > 0 ? params : [0]);
    const paramBuffer = this.pool.acquire(words.byteLength);
    this.device.queue.writeBuffer(paramBuffer, 0, words.buffer, 0, words.byteLength);
    const buffers = [paramBuffer, out.buffer, ...inputs.map((d) => this.bufferOf(d)), ...extra];
    const bindGroup = this.device.createBindGroup({
      layout: p.layout,
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const pass = this.computePass();
    pass.setPipeline(p.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.pool.release(paramBuffer);
    if (++this.opsRecorded >= this.opsPerSubmit) this.submit();
  }

  /** Copies `bytes` from one buffer to another, in order with the recorded dispatches. */
  copy(src: GPUData, srcOffset: number, dst: GPUData, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.copyEncoder().copyBufferToBuffer(src.buffer!, srcOffset, dst.buffer!, dstOffset, bytes);
  }

  /** Marks that a kernel may have set the out-of-range flag: the next read checks it. */
  armFlag(what: string): void {
    this.flagArmed = what;
  }

  private bufferOf(d: GPUData): GPUBuffer {
    if (d.disposed) throw new TesseraError(`backend 'webgpu': a kernel read a buffer that was already disposed`);
    return d.buffer ?? this.dummy;
  }

  private pipeline(key: string, code: () => string): Pipeline {
    const have = this.pipelines.get(key);
    if (have) return have;
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code: withMath(code()), label: key });
    const pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
    void this.device.popErrorScope().then((e) => {
      if (e) this.fail(`webgpu: the WGSL of kernel '${key}' did not compile: ${e.message}`);
    });
    const p = { pipeline, layout: pipeline.getBindGroupLayout(0) };
    this.pipelines.set(key, p);
    return p;
  }

  private computePass(): GPUComputePassEncoder {
    if (this.pass) return this.pass;
    this.encoder ??= this.device.createCommandEncoder();
    this.pass = this.encoder.beginComputePass();
    return this.pass;
  }

  private copyEncoder(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private submit(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.submits++;
    }
    this.opsRecorded = 0;
    this.pool.submitted();
    this.readback.submitted();
  }

  private createBuffer(size: number, usage: number): GPUBuffer {
    const max = this.device.limits.maxBufferSize;
    if (size > max) {
      throw new OutOfMemoryError(
        `backend 'webgpu': out of memory: ${size} bytes needed in one buffer, the device's maxBufferSize is ${max} bytes (${this.liveBytes} bytes in live tensors)`,
      );
    }
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer({ size, usage });
    void this.device.popErrorScope().then((e) => {
      if (e) {
        this.fail(
          `webgpu: out of GPU memory allocating ${size} bytes (${this.liveBytes} bytes in live tensors, ` +
            `${this.pool?.pooledBytes ?? 0} pooled): ${e.message}`,
        );
      }
    });
    return buffer;
  }

  private fail(message: string): void {
    this.failure ??= new TesseraError(message);
  }

  /** Throws what went wrong asynchronously since the last check: device loss, OOM, a GPU error. */
  private check(): void {
    if (this.lost) {
      throw new TesseraError(
        `webgpu: the GPU device was lost (${this.lost.reason}): ${this.lost.message}. Tensors on it are gone; ` +
          `await setBackend('webgpu') starts a new device (or removeBackend('webgpu') to stop using it), then make the tensors again`,
      );
    }
    if (this.destroyed) throw new TesseraError(`webgpu: the backend was disposed`);
    const f = this.failure;
    if (f) {
      this.failure = null;
      throw f;
    }
  }

  private async checkFlag(staging: GPUBuffer, what: string): Promise<void> {
    await staging.mapAsync(MAP_READ, 0, FLAG_BYTES);
    const v = new Int32Array(staging.getMappedRange(0, FLAG_BYTES).slice(0));
    staging.unmap();
    this.readback.release(staging);
    if (v[0] !== 0) {
      this.device.queue.writeBuffer(this.flag, 0, new Int32Array(4));
      throw new TesseraError(`${what}: index ${v[1]} (at flat position ${v[2]} of the indices) is out of range; the gathered values are undefined`);
    }
  }
}

function emptyOf(dtype: DataType): TypedArray {
  return dtype === 'float32' ? new Float32Array(0) : dtype === 'int32' ? new Int32Array(0) : new Uint8Array(0);
}
