import type { UNARY_FLOAT_KERNELS, UNARY_KEEP_KERNELS } from '@tessera/core';
import { dtypeCode } from '../backend.js';
import * as op from '../opcodes.js';
import type { WasmKernel, WasmKernelFn } from './kernel.js';

const CODES: Record<(typeof UNARY_FLOAT_KERNELS)[number] | (typeof UNARY_KEEP_KERNELS)[number] | 'LogicalNot', number> = {
  Exp: op.U_EXP,
  Log: op.U_LOG,
  Log1p: op.U_LOG1P,
  Expm1: op.U_EXPM1,
  Sqrt: op.U_SQRT,
  Rsqrt: op.U_RSQRT,
  Reciprocal: op.U_RECIPROCAL,
  Sin: op.U_SIN,
  Cos: op.U_COS,
  Tanh: op.U_TANH,
  Sigmoid: op.U_SIGMOID,
  Softplus: op.U_SOFTPLUS,
  Erf: op.U_ERF,
  Neg: op.U_NEG,
  Abs: op.U_ABS,
  Square: op.U_SQUARE,
  Sign: op.U_SIGN,
  Relu: op.U_RELU,
  Floor: op.U_FLOOR,
  Ceil: op.U_CEIL,
  Round: op.U_ROUND,
  LogicalNot: op.U_NOT,
};

/** Unary kernels keep the input's dtype (float ops only ever get float32). */
const unaryKernel = (code: number): WasmKernelFn<Record<string, never>> => ({ inputs: [x], backend }) => {
  const out = backend.empty([...x!.shape], x!.dtype);
  const n = out.shape.reduce((p, d) => p * d, 1);
  backend.kernels.unary(code, dtypeCode(x!.dtype), backend.ptr(out), backend.ptr(x!), n);
  return out;
};

export const unaryKernels: WasmKernel[] = Object.entries(CODES).map(([name, code]) => ({
  name: name as WasmKernel['name'],
  fn: unaryKernel(code),
}));
