import { contiguousStrides, sizeOf } from './kernel.js';

/**
 * How up to three inputs broadcast into one output, reduced to the fewest loop dimensions:
 * output dimensions of size 1 are dropped, and neighbours that every input walks the same way
 * (all contiguous, or all broadcast) are merged, so same-shape and scalar operands become one
 * flat row. `words` is what the module's broadcasting kernels read: the dims, each input's strides
 * (0 where broadcast), then zeroed counters.
 */
export interface BroadcastLayout {
  outShape: number[];
  size: number;
  nd: number;
  words: number[];
}

export function broadcastLayout(shapes: readonly (readonly number[])[]): BroadcastLayout {
  const first = shapes[0]!;
  if (shapes.every((s) => sameShape(s, first))) {
    // The common case, one flat row: skip the general merge (and its garbage).
    const size = sizeOf(first);
    return { outShape: [...first], size, nd: 1, words: [size, ...shapes.map(() => 1), 0] };
  }
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const outShape: number[] = [];
  for (let d = 0; d < rank; d++) {
    let size = 1;
    for (const s of shapes) {
      const v = s[d - rank + s.length] ?? 1;
      // A 0 against a 1 broadcasts to 0 (NumPy), so the 1 must not win.
      if (v !== 1) size = v;
    }
    outShape.push(size);
  }
  const inStrides = shapes.map((s) => contiguousStrides(s));
  const dims: number[] = [];
  const strides: number[][] = shapes.map(() => []);
  for (let d = 0; d < rank; d++) {
    const size = outShape[d]!;
    if (size === 1) continue;
    const step = shapes.map((s, k) => {
      const i = d - rank + s.length;
      return i < 0 || s[i] === 1 ? 0 : inStrides[k]![i]!;
    });
    const last = dims.length - 1;
    if (last >= 0 && step.every((st, k) => strides[k]![last] === st * size)) {
      dims[last] = dims[last]! * size;
      step.forEach((st, k) => (strides[k]![last] = st));
    } else {
      dims.push(size);
      step.forEach((st, k) => strides[k]!.push(st));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    strides.forEach((s) => s.push(0));
  }
  const nd = dims.length;
  return { outShape, size: sizeOf(outShape), nd, words: [...dims, ...strides.flat(), ...new Array<number>(nd).fill(0)] };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
