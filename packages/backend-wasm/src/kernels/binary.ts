import type { BINARY_KERNELS, COMPARE_KERNELS, DataType } from '@tessera/core';
import { dtypeCode } from '../backend.js';
import * as op from '../opcodes.js';
import { broadcastLayout } from './broadcast.js';
import type { WasmKernel, WasmKernelFn } from './kernel.js';

const ARITH: Record<(typeof BINARY_KERNELS)[number], number> = {
  Add: op.B_ADD,
  Sub: op.B_SUB,
  Mul: op.B_MUL,
  Div: op.B_DIV,
  Pow: op.B_POW,
  Maximum: op.B_MAX,
  Minimum: op.B_MIN,
  Mod: op.B_MOD,
};

const COMPARE: Record<(typeof COMPARE_KERNELS)[number] | 'LogicalAnd' | 'LogicalOr', number> = {
  Equal: op.B_EQ,
  NotEqual: op.B_NE,
  Less: op.B_LT,
  LessEqual: op.B_LE,
  Greater: op.B_GT,
  GreaterEqual: op.B_GE,
  LogicalAnd: op.B_AND,
  LogicalOr: op.B_OR,
};

/** A broadcasting binary kernel; `outDtype` null keeps the inputs' dtype. */
const binaryKernel = (code: number, outDtype: DataType | null): WasmKernelFn<Record<string, never>> => ({ inputs: [a, b], backend }) => {
  const layout = broadcastLayout([a!.shape, b!.shape]);
  const out = backend.empty(layout.outShape, outDtype ?? a!.dtype);
  if (layout.size > 0) {
    const words = backend.args(layout.words);
    backend.kernels.binary(code, dtypeCode(a!.dtype), backend.ptr(out), backend.ptr(a!), backend.ptr(b!), words, layout.nd, layout.size);
  }
  return out;
};

const selectKernel: WasmKernelFn<Record<string, never>> = ({ inputs: [cond, a, b], backend }) => {
  const layout = broadcastLayout([cond!.shape, a!.shape, b!.shape]);
  const out = backend.empty(layout.outShape, a!.dtype);
  if (layout.size > 0) {
    const words = backend.args(layout.words);
    backend.kernels.select(dtypeCode(a!.dtype), backend.ptr(out), backend.ptr(cond!), backend.ptr(a!), backend.ptr(b!), words, layout.nd, layout.size);
  }
  return out;
};

export const binaryKernels: WasmKernel[] = [
  ...Object.entries(ARITH).map(([name, code]) => ({ name: name as WasmKernel['name'], fn: binaryKernel(code, null) })),
  ...Object.entries(COMPARE).map(([name, code]) => ({ name: name as WasmKernel['name'], fn: binaryKernel(code, 'bool') })),
  { name: 'Select', fn: selectKernel },
];
