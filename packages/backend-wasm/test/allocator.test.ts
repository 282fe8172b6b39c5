import { Random } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Allocator } from '../src/allocator.js';

/** An allocator over a pretend memory that records how often and how far it had to grow. */
function make(base = 100, limit = 1024): { a: Allocator; grows: number[] } {
  const grows: number[] = [];
  const a = new Allocator(base, limit, (needed) => {
    grows.push(needed);
    return Math.max(needed, limit * 2);
  });
  return { a, grows };
}

describe('Allocator', () => {
  it('aligns blocks to 16 bytes from the base', () => {
    const { a } = make(100);
    const p = a.alloc(1);
    const q = a.alloc(17);
    expect(p).toBe(112);
    expect(q).toBe(128);
    expect(a.sizeOf(q)).toBe(32);
    expect(a.heapTop).toBe(160);
  });

  it('gives a freed block back to the top and reuses it', () => {
    const { a } = make(0);
    const p = a.alloc(64);
    a.free(p);
    expect(a.heapTop).toBe(0);
    expect(a.alloc(64)).toBe(p);
  });

  it('reuses holes first-fit and splits them', () => {
    const { a } = make(0);
    const p = a.alloc(256);
    const guard = a.alloc(16);
    a.free(p);
    expect(a.freeBytes).toBe(256);
    const q = a.alloc(64);
    expect(q).toBe(p);
    expect(a.alloc(128)).toBe(p + 64);
    expect(a.freeBytes).toBe(64);
    expect(a.heapTop).toBe(guard + 16);
  });

  it('coalesces neighbours on both sides', () => {
    const { a } = make(0);
    const [x, y, z] = [a.alloc(32), a.alloc(32), a.alloc(32)];
    const guard = a.alloc(16);
    a.free(x);
    a.free(z);
    expect(a.freeBytes).toBe(64);
    a.free(y);
    expect(a.freeBytes).toBe(96);
    expect(a.alloc(96)).toBe(x);
    a.free(guard);
    expect(a.heapTop).toBe(guard);
  });

  it('throws on a double free', () => {
    const { a } = make(0);
    const p = a.alloc(8);
    a.free(p);
    expect(() => a.free(p)).toThrow(/not a live block/);
  });

  it('grows only when nothing fits, and a random alloc/free loop reaches a steady heap', () => {
    const { a, grows } = make(0, 1 << 16);
    const r = new Random(7);
    const live: { ptr: number; size: number }[] = [];
    let topAfterWarmup = 0;
    for (let step = 0; step < 20000; step++) {
      if (live.length > 0 && (live.length > 40 || r.next() < 0.5)) {
        const [b] = live.splice(r.int(live.length), 1);
        a.free(b!.ptr);
      } else {
        const size = 1 + r.int(r.next() < 0.1 ? 8192 : 256);
        live.push({ ptr: a.alloc(size), size });
      }
      if (step === 5000) topAfterWarmup = a.heapTop;
      // No two live blocks overlap.
      if (step % 1000 === 0) {
        const sorted = [...live].sort((p, q) => p.ptr - q.ptr);
        for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.ptr).toBeGreaterThanOrEqual(sorted[i - 1]!.ptr + sorted[i - 1]!.size);
      }
    }
    // At most 40 blocks of ≤ 8 KiB live at once: fragmentation may add some, but the heap stays bounded.
    expect(a.heapTop).toBeLessThan(4 * 40 * 8208);
    expect(a.heapTop).toBeLessThanOrEqual(topAfterWarmup * 2);
    expect(grows.length).toBeLessThan(10);
    for (const b of live) a.free(b.ptr);
    expect(a.heapTop).toBe(0);
    expect(a.freeBytes).toBe(0);
  });
});
