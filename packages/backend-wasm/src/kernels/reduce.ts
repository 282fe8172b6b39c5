import { reduceLoops, type REDUCE_KERNELS } from '@tessera/core';
import { dtypeCode } from '../backend.js';
import * as op from '../opcodes.js';
import type { WasmKernel, WasmKernelFn } from './kernel.js';
import { sizeOf } from './kernel.js';

const CODES: Record<(typeof REDUCE_KERNELS)[number], number> = {
  Sum: op.R_SUM,
  Prod: op.R_PROD,
  Max: op.R_MAX,
  Min: op.R_MIN,
  All: op.R_ALL,
  Any: op.R_ANY,
};

/**
 * x's dimensions for the module's reduction loop: size-1 dimensions dropped, neighbours that are
 * both kept or both reduced merged; the words are the dims, the output stride along each (0 where
 * reduced) and zeroed counters.
 */
function reduceLayout(shape: readonly number[], axes: readonly number[]): { nd: number; words: number[] } {
  const { dims, outStrides } = reduceLoops(shape, axes);
  return { nd: dims.length, words: [...dims, ...outStrides, ...new Array<number>(dims.length).fill(0)] };
}

const reduceKernel = (code: number, boolOut: boolean): WasmKernelFn<{ axes: number[] }> => ({ inputs: [x], attrs: { axes }, backend }) => {
  const outShape = x!.shape.filter((_, i) => !axes.includes(i));
  const out = backend.empty(outShape, boolOut ? 'bool' : x!.dtype);
  const outSize = sizeOf(outShape);
  const xSize = sizeOf(x!.shape);
  if (outSize === 0) return out;
  const { nd, words } = reduceLayout(x!.shape, axes);
  backend.withScratch(outSize * 8, (acc) => {
    const layout = backend.args(words);
    backend.kernels.reduce(code, dtypeCode(x!.dtype), dtypeCode(out.dtype), backend.ptr(out), backend.ptr(x!), xSize, outSize, acc, layout, nd);
  });
  return out;
};

const argKernel = (sign: 1 | -1): WasmKernelFn<{ axis: number }> => ({ inputs: [x], attrs: { axis }, backend }) => {
  const shape = x!.shape;
  const out = backend.empty(shape.filter((_, i) => i !== axis), 'int32');
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  if (outer * inner === 0) return out;
  backend.withScratch(inner * 8, (best) => {
    backend.kernels.argReduce(sign, dtypeCode(x!.dtype), backend.ptr(out), backend.ptr(x!), outer, shape[axis]!, inner, best);
  });
  return out;
};

export const reduceKernels: WasmKernel[] = [
  ...Object.entries(CODES).map(([name, code]) => ({
    name: name as WasmKernel['name'],
    fn: reduceKernel(code, name === 'All' || name === 'Any'),
  })),
  { name: 'ArgMax', fn: argKernel(1) },
  { name: 'ArgMin', fn: argKernel(-1) },
];
