// The module's exports. Memory is imported (the JS side creates it and owns the allocator), so
// nothing here allocates: every kernel gets the addresses of its inputs, outputs and scratch.
export { unary, binary, select, cast } from './elementwise';
export { reduce, argReduce, segmentSum } from './reduce';
export { copyNd, fill, gather } from './shape';
export { gemm, gemmScratchBytes, batchMatMul, biasActivation } from './gemm';
export { conv2d, conv2dBackpropInput, conv2dBackpropFilter, conv2dNarrowImages, im2colRows, col2imRows } from './conv';
export { pool } from './pool';
export { softmax, softmaxCrossEntropy } from './softmax';

/** The first address past the module's static data: the JS allocator manages memory from here. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}
