import { TesseraError, fmtShape } from '../errors.js';
import { parseAxes, parseAxis, reducedShape, sizeFromShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { abs, add, div, equal, exp, log, squaredDifference, sub, where } from './elementwise.js';
import { cast, clone, reshape } from './shape_ops.js';
import { convert, op, runKernel, type TensorLike } from './op.js';

export type Axis = number | number[];

function reduceWith(name: string, kernel: string, t: Tensor, axis: Axis | undefined, keepDims: boolean): Tensor {
  const axes = parseAxes(name, axis, t.rank);
  if (axes.length === 0) return clone(t);
  const y = runKernel(kernel, [t], { axes });
  return keepDims ? reshape(y, reducedShape(t.shape, axes, true)) : y;
}

const numeric = /* @__NO_SIDE_EFFECTS__ */ (name: string, kernel: string) =>
  op(name, (x: TensorLike, axis?: Axis, keepDims = false): Tensor => {
    let t = convert(name, x, 'x');
    if (t.dtype === 'bool') t = cast(t, 'int32');
    return reduceWith(name, kernel, t, axis, keepDims);
  });

/** Sum over axes (all by default). bool sums to int32. */
export const sum = numeric('sum', 'Sum');
export const prod = numeric('prod', 'Prod');
/** Maximum over axes; an empty reduction gives -Infinity. */
export const max = numeric('max', 'Max');
/** Minimum over axes; an empty reduction gives +Infinity. */
export const min = numeric('min', 'Min');

const logical = /* @__NO_SIDE_EFFECTS__ */ (name: string, kernel: string) =>
  op(name, (x: TensorLike, axis?: Axis, keepDims = false): Tensor => {
    let t = convert(name, x, 'x', 'bool');
    if (t.dtype !== 'bool') t = cast(t, 'bool');
    return reduceWith(name, kernel, t, axis, keepDims);
  });

export const all = logical('all', 'All');
export const any = logical('any', 'Any');

export const mean = op('mean', (x: TensorLike, axis?: Axis, keepDims = false): Tensor => {
  let t = convert('mean', x, 'x');
  if (t.dtype !== 'float32') t = cast(t, 'float32');
  const axes = parseAxes('mean', axis, t.rank);
  const n = axes.reduce((p, a) => p * t.shape[a]!, 1);
  return div(sum(t, axes, keepDims), n);
});

const argReduce = /* @__NO_SIDE_EFFECTS__ */ (name: string, kernel: string) =>
  op(name, (x: TensorLike, axis = 0): Tensor => {
    let t = convert(name, x, 'x');
    if (t.rank === 0) throw new TesseraError(`${name}: expected a tensor of rank >= 1, got a scalar`);
    if (t.dtype === 'bool') t = cast(t, 'int32');
    const a = parseAxis(name, axis, t.rank);
    if (t.shape[a] === 0) throw new TesseraError(`${name}: axis ${a} of ${fmtShape(t.shape)} is empty; there is no ${name === 'argMax' ? 'maximum' : 'minimum'}`);
    return runKernel(kernel, [t], { axis: a });
  });

/** Index of the largest value along an axis (int32; the first one on ties). */
export const argMax = argReduce('argMax', 'ArgMax');
export const argMin = argReduce('argMin', 'ArgMin');

/**
 * log(sum(exp(x))) over axes, computed stably by subtracting the max — except where the max is
 * ±Infinity (x − max would be NaN): there nothing is subtracted, so a row of −Infinity gives
 * −Infinity and a row holding +Infinity gives +Infinity, as the math says.
 */
export const logSumExp = op('logSumExp', (x: TensorLike, axis?: Axis, keepDims = false): Tensor => {
  let t = convert('logSumExp', x, 'x');
  if (t.dtype !== 'float32') t = cast(t, 'float32');
  const axes = parseAxes('logSumExp', axis, t.rank);
  const rowMax = max(t, axes, true);
  const m = where(equal(abs(rowMax), Infinity), 0, rowMax);
  const s = log(sum(exp(sub(t, m)), axes, true));
  const y = add(s, m);
  return keepDims ? y : reshape(y, reducedShape(t.shape, axes, false));
});

/** Mean and (population) variance over axes. */
export const moments = op('moments', (x: TensorLike, axis?: Axis, keepDims = false): { mean: Tensor; variance: Tensor } => {
  let t = convert('moments', x, 'x');
  if (t.dtype !== 'float32') t = cast(t, 'float32');
  const axes = parseAxes('moments', axis, t.rank);
  const m = mean(t, axes, true);
  const variance = mean(squaredDifference(t, m), axes, keepDims);
  return { mean: keepDims ? m : reshape(m, reducedShape(t.shape, axes, false)), variance };
});

export const variance = op('variance', (x: TensorLike, axis?: Axis, keepDims = false): Tensor => moments(x, axis, keepDims).variance);

/** Number of elements along the reduced axes (helper for losses). */
export function reducedCount(shape: readonly number[], axis?: Axis): number {
  const axes = parseAxes('reducedCount', axis, shape.length);
  return sizeFromShape(axes.map((a) => shape[a]!));
}
