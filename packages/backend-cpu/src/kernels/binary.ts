import type { BINARY_KERNELS, COMPARE_KERNELS, DataType } from '@tessera/core';
import { broadcastLayout, runRows, type RowFn } from './broadcast.js';
import type { CpuKernel, CpuKernelFn } from './kernel.js';
import { floorMod } from './math.js';

// One loop per op, written out so that V8 inlines the arithmetic (a shared loop calling an
// op function per element runs several times slower). Steps sa/sb are 0 (broadcast) or 1.
const add: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia]! + b[ib]!; };
const sub: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia]! - b[ib]!; };
const mul: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia]! * b[ib]!; };
// int32 products can pass 2^53 as doubles and lose the low bits that the wrap-around keeps.
const imul: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = Math.imul(a[ia]!, b[ib]!); };
const div: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia]! / b[ib]!; };
const pow: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = Math.pow(a[ia]!, b[ib]!); };
const maximum: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = Math.max(a[ia]!, b[ib]!); };
const minimum: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = Math.min(a[ia]!, b[ib]!); };
const mod: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = floorMod(a[ia]!, b[ib]!); };

const equal: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia] === b[ib] ? 1 : 0; };
const notEqual: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia] !== b[ib] ? 1 : 0; };
const less: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia]! < b[ib]! ? 1 : 0; };
const lessEqual: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia]! <= b[ib]! ? 1 : 0; };
const greater: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia]! > b[ib]! ? 1 : 0; };
const greaterEqual: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia]! >= b[ib]! ? 1 : 0; };

const and: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia]! & b[ib]!; };
const or: RowFn = (o, oi, n, a, ia, sa, b, ib, sb) => { for (let i = 0; i < n; i++, ia += sa, ib += sb) o[oi + i] = a[ia]! | b[ib]!; };

const select: RowFn = (o, oi, n, cond, ic, sc, a, ia, sa, b, ib, sb) => {
  for (let i = 0; i < n; i++, ic += sc, ia += sa, ib += sb) o[oi + i] = cond[ic] ? a[ia]! : b[ib]!;
};

/** A broadcasting kernel; `outDtype` null keeps the dtype of the first value input. */
function broadcastKernel(pick: (dtype: DataType) => RowFn, outDtype: DataType | null, valueInput = 0): CpuKernelFn<Record<string, never>> {
  return ({ inputs, backend }) => {
    const layout = broadcastLayout(inputs.map((t) => t.shape));
    const inDtype = inputs[valueInput]!.dtype;
    const dtype = outDtype ?? inDtype;
    const out = backend.alloc(dtype, layout.size);
    runRows(layout, out, inputs.map((t) => backend.data(t.dataId)), pick(inDtype));
    return backend.output(out, layout.outShape, dtype);
  };
}

const ARITH: Record<(typeof BINARY_KERNELS)[number], { float: RowFn; int?: RowFn }> = {
  Add: { float: add },
  Sub: { float: sub },
  Mul: { float: mul, int: imul },
  Div: { float: div },
  Pow: { float: pow },
  Maximum: { float: maximum },
  Minimum: { float: minimum },
  Mod: { float: mod },
};

const COMPARE: Record<(typeof COMPARE_KERNELS)[number], RowFn> = {
  Equal: equal,
  NotEqual: notEqual,
  Less: less,
  LessEqual: lessEqual,
  Greater: greater,
  GreaterEqual: greaterEqual,
};

export const binaryKernels: CpuKernel[] = [
  ...Object.entries(ARITH).map(([name, rows]) => ({
    name: name as CpuKernel['name'],
    fn: broadcastKernel((dtype) => (dtype === 'int32' && rows.int ? rows.int : rows.float), null),
  })),
  ...Object.entries(COMPARE).map(([name, row]) => ({ name: name as CpuKernel['name'], fn: broadcastKernel(() => row, 'bool') })),
  { name: 'LogicalAnd', fn: broadcastKernel(() => and, 'bool') },
  { name: 'LogicalOr', fn: broadcastKernel(() => or, 'bool') },
  { name: 'Select', fn: broadcastKernel(() => select, null, 1) },
];
