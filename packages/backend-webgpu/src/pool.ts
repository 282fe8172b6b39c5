import { USAGE } from './constants.js';

/**
 * Storage buffers recycled by size class. A buffer freed while commands that use it are still
 * being recorded waits in `pending` until that encoder is submitted: only then can a later
 * `queue.writeBuffer` (which runs ahead of unsubmitted commands) safely overwrite it.
 */
export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private pending: GPUBuffer[] = [];
  /** Bytes of buffers sitting in the pool (free or pending), ready for reuse. */
  pooledBytes = 0;
  /** Bytes of every buffer this pool created and has not destroyed. */
  allocatedBytes = 0;
  /** Buffers created over the pool's life (a training loop should stop creating them). */
  created = 0;

  constructor(
    /** Creates a buffer of exactly `size` bytes (the backend watches for out-of-memory there). */
    private create: (size: number, usage: number) => GPUBuffer,
    private usage: number = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST,
  ) {}

  /**
   * Size classes: powers of two up to 64 KiB, then steps of 1/8 of the enclosing power of two,
   * so at most 12.5% of a large buffer is slack while similar sizes still share buffers.
   */
  static sizeClass(bytes: number): number {
    const b = Math.max(16, Math.ceil(bytes / 16) * 16);
    if (b <= 65536) return 2 ** Math.ceil(Math.log2(b));
    const step = 2 ** Math.ceil(Math.log2(b)) / 8;
    return Math.ceil(b / step) * step;
  }

  acquire(bytes: number): GPUBuffer {
    const size = BufferPool.sizeClass(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= size;
      return reused;
    }
    const buffer = this.create(size, this.usage);
    this.allocatedBytes += size;
    this.created++;
    return buffer;
  }

  /** Returns a buffer; it becomes reusable after the next submit. */
  release(buffer: GPUBuffer): void {
    this.pending.push(buffer);
    this.pooledBytes += buffer.size;
  }

  /** The encoder that used the pending buffers was submitted: they may be handed out again. */
  submitted(): void {
    for (const b of this.pending) {
      let list = this.free.get(b.size);
      if (!list) this.free.set(b.size, (list = []));
      list.push(b);
    }
    this.pending = [];
  }

  /** Destroys the free buffers (pending ones stay until their encoder is submitted). */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.pooledBytes -= b.size;
        this.allocatedBytes -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
  }

  destroyAll(): void {
    this.submitted();
    this.trim();
  }
}
