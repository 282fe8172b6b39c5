/**
 * The allocator of the module's linear memory: segregated free lists with coalescing.
 *
 * Blocks are multiples of 16 bytes (so every tensor can be read with v128 loads) and live in
 * [base, top); memory past `top` has never been handed out. A freed block merges with free
 * neighbours at once (two maps find them by start and by end) and, when it reaches `top`, gives
 * the space back to it, so the heap only grows when the live set does. Free blocks are binned by
 * ⌊log2 size⌋: a request first scans its own bin (first fit), then takes any block of a larger bin,
 * splitting off the rest. Only when nothing fits does it bump `top`, asking `grow` for more memory.
 */
export class Allocator {
  /** Live block start → size. */
  private readonly live = new Map<number, number>();
  /** Free block start → size, and end → start. */
  private readonly freeAt = new Map<number, number>();
  private readonly freeEnd = new Map<number, number>();
  private readonly bins: Set<number>[] = [];
  private top: number;

  /**
   * @param base first usable byte (rounded up to 16)
   * @param limit bytes of memory available now
   * @param grow called with the total number of bytes needed; returns the new limit, or throws
   */
  constructor(base: number, private limit: number, private readonly grow: (needed: number) => number) {
    this.top = align(base);
  }

  /** The first address past every block handed out so far. */
  get heapTop(): number {
    return this.top;
  }

  /** Bytes in free blocks below the top (reusable without growing). */
  get freeBytes(): number {
    let s = 0;
    for (const size of this.freeAt.values()) s += size;
    return s;
  }

  /** Returns the address of a block of at least `bytes` bytes (uninitialised). */
  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    const ptr = this.takeFree(size) ?? this.bump(size);
    this.live.set(ptr, size);
    return ptr;
  }

  /** Frees a block returned by `alloc`. */
  free(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`Allocator.free: ${ptr} is not a live block`);
    this.live.delete(ptr);
    let start = ptr;
    let end = ptr + size;
    const left = this.freeEnd.get(start);
    if (left !== undefined) {
      this.removeFree(left, this.freeAt.get(left)!);
      start = left;
    }
    const rightSize = this.freeAt.get(end);
    if (rightSize !== undefined) {
      this.removeFree(end, rightSize);
      end += rightSize;
    }
    if (end === this.top) this.top = start;
    else this.addFree(start, end - start);
  }

  /** Size of a live block (its request rounded up). */
  sizeOf(ptr: number): number | undefined {
    return this.live.get(ptr);
  }

  private takeFree(size: number): number | undefined {
    const first = binOf(size);
    for (let b = first; b < this.bins.length; b++) {
      const bin = this.bins[b];
      if (!bin || bin.size === 0) continue;
      for (const start of bin) {
        const have = this.freeAt.get(start)!;
        if (have < size) continue; // only possible in the first bin
        this.removeFree(start, have);
        if (have > size) this.addFree(start + size, have - size);
        return start;
      }
    }
    return undefined;
  }

  private bump(size: number): number {
    const ptr = this.top;
    const end = ptr + size;
    if (end > this.limit) this.limit = this.grow(end);
    this.top = end;
    return ptr;
  }

  private addFree(start: number, size: number): void {
    this.freeAt.set(start, size);
    this.freeEnd.set(start + size, start);
    const b = binOf(size);
    (this.bins[b] ??= new Set()).add(start);
  }

  private removeFree(start: number, size: number): void {
    this.freeAt.delete(start);
    this.freeEnd.delete(start + size);
    this.bins[binOf(size)]!.delete(start);
  }
}

/** Rounds up to a multiple of 16 (arithmetic, not bit masks: addresses may pass 2³¹). */
function align(n: number): number {
  return Math.ceil(n / 16) * 16;
}

function binOf(size: number): number {
  return 31 - Math.clz32(size);
}
