import { broadcastLoops, shapesEqual } from '@tessera/core';
import { sizeOf } from './kernel.js';

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
  if (shapes.every((s) => shapesEqual(s, first))) {
    // The common case, one flat row: skip the general merge (and its garbage).
    const size = sizeOf(first);
    return { outShape: [...first], size, nd: 1, words: [size, ...shapes.map(() => 1), 0] };
  }
  const { outShape, dims, strides } = broadcastLoops(shapes);
  const nd = dims.length;
  return { outShape, size: sizeOf(outShape), nd, words: [...dims, ...strides.flat(), ...new Array<number>(nd).fill(0)] };
}
