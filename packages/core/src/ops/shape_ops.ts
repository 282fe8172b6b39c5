import { ENGINE } from '../engine.js';
import { assertDataType, upcastType, type DataType } from '../dtypes.js';
import { TesseraError, fmtShape } from '../errors.js';
import { inferReshape, parseAxis, shapesEqual, sizeFromShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkValue, range, scalar } from './creation.js';
import { convert, op, runKernel, type TensorLike } from './op.js';

function shareAs(kernel: string, x: Tensor, shape: readonly number[], attrs: Record<string, unknown>): Tensor {
  const y = ENGINE.shareStorage(x, shape, x.dtype);
  if (ENGINE.tapes.length > 0) ENGINE.record({ kernel, inputs: [x], outputs: [y], attrs });
  return y;
}

/** Same values, new shape (one dimension may be -1). Shares the buffer, copies nothing. */
export const reshape = op('reshape', (x: TensorLike, shape: readonly number[]): Tensor => {
  const t = convert('reshape', x, 'x');
  if (!Array.isArray(shape)) throw new TesseraError(`reshape: shape must be an array of integers, got ${typeof shape}`);
  const newShape = inferReshape('reshape', t.shape, shape);
  return shareAs('Reshape', t, newShape, { inputShape: [...t.shape] });
});

/** A new tensor handle over the same values. */
export const clone = op('clone', (x: TensorLike): Tensor => {
  const t = convert('clone', x, 'x');
  return shareAs('Identity', t, t.shape, {});
});

export const cast = op('cast', (x: TensorLike, dtype: DataType): Tensor => {
  const t = convert('cast', x, 'x');
  assertDataType('cast', dtype);
  if (t.dtype === dtype) return clone(t);
  return runKernel('Cast', [t], { dtype });
});

/** Collapses all dimensions after `axis`-1... by default to [batch, rest] when rank ≥ 2, else to 1-D. */
export const flatten = op('flatten', (x: TensorLike, startAxis = 0): Tensor => {
  const t = convert('flatten', x, 'x');
  if (t.rank === 0) return reshape(t, [1]);
  const a = parseAxis('flatten', startAxis, t.rank);
  return reshape(t, [...t.shape.slice(0, a), -1]);
});

export const expandDims = op('expandDims', (x: TensorLike, axis = 0): Tensor => {
  const t = convert('expandDims', x, 'x');
  const a = parseAxis('expandDims', axis, t.rank + 1);
  const shape = [...t.shape];
  shape.splice(a, 0, 1);
  return reshape(t, shape);
});

/** Removes size-1 dimensions (all of them, or the given axes, which must be size 1). */
export const squeeze = op('squeeze', (x: TensorLike, axis?: number | number[]): Tensor => {
  const t = convert('squeeze', x, 'x');
  let axes: number[];
  if (axis === undefined) axes = t.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  else {
    axes = (typeof axis === 'number' ? [axis] : axis).map((a) => parseAxis('squeeze', a, t.rank));
    for (const a of axes) {
      if (t.shape[a] !== 1) throw new TesseraError(`squeeze: axis ${a} of shape ${fmtShape(t.shape)} has size ${t.shape[a]}, expected 1`);
    }
  }
  return reshape(t, t.shape.filter((_, i) => !axes.includes(i)));
});

/** Permutes dimensions (default: reverses them). */
export const transpose = op('transpose', (x: TensorLike, perm?: readonly number[]): Tensor => {
  const t = convert('transpose', x, 'x');
  const p = perm ? [...perm] : t.shape.map((_, i) => t.rank - 1 - i);
  const sorted = [...p].sort((a, b) => a - b);
  if (p.length !== t.rank || sorted.some((v, i) => v !== i)) {
    throw new TesseraError(`transpose: perm ${JSON.stringify(p)} is not a permutation of [0..${t.rank - 1}] for shape ${fmtShape(t.shape)}`);
  }
  if (p.every((v, i) => v === i)) return clone(t);
  return runKernel('Transpose', [t], { perm: p });
});

/**
 * Extracts a block: `begin` (negative counts from the end) and `size` (-1 = to the end) per axis;
 * shorter lists are filled with 0 / -1.
 */
export const slice = op('slice', (x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor => {
  const t = convert('slice', x, 'x');
  const b0 = typeof begin === 'number' ? [begin] : [...begin];
  const s0 = size === undefined ? [] : typeof size === 'number' ? [size] : [...size];
  if (b0.length > t.rank || s0.length > t.rank) {
    throw new TesseraError(`slice: begin ${JSON.stringify(b0)} / size ${JSON.stringify(s0)} have more entries than the rank of ${fmtShape(t.shape)}`);
  }
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < t.rank; i++) {
    const d = t.shape[i]!;
    let bi = b0[i] ?? 0;
    if (bi < 0) bi += d;
    const si = s0[i] === undefined || s0[i] === -1 ? d - bi : s0[i]!;
    if (!Number.isInteger(bi) || !Number.isInteger(si) || bi < 0 || si < 0 || bi + si > d) {
      throw new TesseraError(
        `slice: begin ${JSON.stringify(b0)} with size ${JSON.stringify(s0)} is out of bounds for shape ${fmtShape(t.shape)} (axis ${i}: [${bi}, ${bi + si}) not within [0, ${d}])`,
      );
    }
    b.push(bi);
    s.push(si);
  }
  if (s.every((v, i) => v === t.shape[i])) return clone(t);
  return runKernel('Slice', [t], { begin: b, size: s });
});

/** Joins tensors along an existing axis. */
export const concat = op('concat', (xs: TensorLike[], axis = 0): Tensor => {
  if (!Array.isArray(xs) || xs.length === 0) throw new TesseraError('concat: expected a non-empty array of tensors');
  let ts = xs.map((x, i) => convert('concat', x, `xs[${i}]`));
  const rank = ts[0]!.rank;
  if (rank === 0) throw new TesseraError('concat: cannot concatenate scalars (rank 0); use stack');
  const a = parseAxis('concat', axis, rank);
  ts.forEach((t, i) => {
    if (t.rank !== rank || t.shape.some((d, j) => j !== a && d !== ts[0]!.shape[j])) {
      throw new TesseraError(
        `concat: xs[${i}] has shape ${fmtShape(t.shape)}, expected rank ${rank} and the shape of xs[0] ${fmtShape(ts[0]!.shape)} except on axis ${a}`,
      );
    }
  });
  const dtype = ts.map((t) => t.dtype).reduce(upcastType);
  ts = ts.map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
  if (ts.length === 1) return clone(ts[0]!);
  return runKernel('Concat', ts, { axis: a });
});

/** Joins tensors of one shape along a new axis. */
export const stack = op('stack', (xs: TensorLike[], axis = 0): Tensor => {
  if (!Array.isArray(xs) || xs.length === 0) throw new TesseraError('stack: expected a non-empty array of tensors');
  const ts = xs.map((x, i) => convert('stack', x, `xs[${i}]`));
  ts.forEach((t, i) => {
    if (!shapesEqual(t.shape, ts[0]!.shape)) {
      throw new TesseraError(`stack: xs[${i}] has shape ${fmtShape(t.shape)}, expected ${fmtShape(ts[0]!.shape)} like xs[0]`);
    }
  });
  const a = parseAxis('stack', axis, ts[0]!.rank + 1);
  return concat(ts.map((t) => expandDims(t, a)), a);
});

/** Splits along an axis into tensors with that axis removed. */
export const unstack = op('unstack', (x: TensorLike, axis = 0): Tensor[] => {
  const t = convert('unstack', x, 'x');
  const a = parseAxis('unstack', axis, t.rank);
  const out: Tensor[] = [];
  const shape = t.shape.filter((_, i) => i !== a);
  for (let i = 0; i < t.shape[a]!; i++) {
    const begin = t.shape.map((_, j) => (j === a ? i : 0));
    const size = t.shape.map((d, j) => (j === a ? 1 : d));
    out.push(reshape(slice(t, begin, size), shape));
  }
  return out;
});

/** Splits into `n` equal parts or parts of the given sizes (one may be -1) along an axis. */
export const split = op('split', (x: TensorLike, numOrSizes: number | number[], axis = 0): Tensor[] => {
  const t = convert('split', x, 'x');
  const a = parseAxis('split', axis, t.rank);
  const d = t.shape[a]!;
  let sizes: number[];
  if (typeof numOrSizes === 'number') {
    if (!Number.isInteger(numOrSizes) || numOrSizes <= 0 || d % numOrSizes !== 0) {
      throw new TesseraError(`split: axis ${a} of shape ${fmtShape(t.shape)} (size ${d}) cannot be split into ${numOrSizes} equal parts`);
    }
    sizes = new Array(numOrSizes).fill(d / numOrSizes);
  } else {
    sizes = [...numOrSizes];
    const neg = sizes.filter((s) => s === -1).length;
    const known = sizes.filter((s) => s !== -1).reduce((p, s) => p + s, 0);
    if (neg > 1 || (neg === 1 && known > d)) throw new TesseraError(`split: sizes ${JSON.stringify(numOrSizes)} cannot split size ${d}`);
    if (neg === 1) sizes[sizes.indexOf(-1)] = d - known;
    if (sizes.reduce((p, s) => p + s, 0) !== d || sizes.some((s) => s < 0)) {
      throw new TesseraError(`split: sizes ${JSON.stringify(numOrSizes)} do not add up to ${d}, the size of axis ${a} of ${fmtShape(t.shape)}`);
    }
  }
  let off = 0;
  return sizes.map((s) => {
    const begin = t.shape.map((_, j) => (j === a ? off : 0));
    const size = t.shape.map((dd, j) => (j === a ? s : dd));
    off += s;
    return slice(t, begin, size);
  });
});

/** Repeats the tensor `reps[i]` times along axis i. */
export const tile = op('tile', (x: TensorLike, reps: readonly number[]): Tensor => {
  const t = convert('tile', x, 'x');
  if (reps.length !== t.rank || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new TesseraError(`tile: reps ${JSON.stringify(reps)} must have one non-negative integer per dimension of ${fmtShape(t.shape)}`);
  }
  if (reps.every((r) => r === 1)) return clone(t);
  return runKernel('Tile', [t], { reps: [...reps] });
});

/** Broadcasts to a target shape (materialised). */
export const broadcastTo = op('broadcastTo', (x: TensorLike, shape: readonly number[]): Tensor => {
  let t = convert('broadcastTo', x, 'x');
  if (shape.length < t.rank) throw new TesseraError(`broadcastTo: cannot broadcast ${fmtShape(t.shape)} to the lower-rank ${fmtShape(shape)}`);
  if (t.rank < shape.length) t = reshape(t, [...new Array(shape.length - t.rank).fill(1), ...t.shape]);
  const reps = shape.map((d, i) => {
    const s = t.shape[i]!;
    if (s === d) return 1;
    if (s === 1) return d;
    throw new TesseraError(`broadcastTo: cannot broadcast ${fmtShape(t.shape)} to ${fmtShape(shape)} (dimension ${i}: ${s} vs ${d})`);
  });
  return tile(t, reps);
});

/** Pads with a constant: paddings[i] = [before, after] for axis i. The value must fit x's dtype (no 0.5 for int32). */
export const pad = op('pad', (x: TensorLike, paddings: readonly (readonly [number, number])[], value = 0): Tensor => {
  const t = convert('pad', x, 'x');
  checkValue('pad', `value (for ${t.dtype} x ${fmtShape(t.shape)})`, value, t.dtype);
  if (!Array.isArray(paddings) || paddings.length !== t.rank || paddings.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new TesseraError(`pad: paddings ${JSON.stringify(paddings)} must be one [before, after] pair of non-negative integers per dimension of ${fmtShape(t.shape)}`);
  }
  if (paddings.every(([a, b]) => a === 0 && b === 0)) return clone(t);
  return runKernel('Pad', [t], { paddings: paddings.map((p) => [p[0], p[1]]), value });
});

/**
 * Picks slices along `axis` by integer indices. TF.js's `batchDims` is not supported: any value but
 * 0 is an error (rather than ignored); gather per batch element instead.
 */
export const gather = op('gather', (x: TensorLike, indices: TensorLike, axis = 0, batchDims = 0): Tensor => {
  if (batchDims !== 0) {
    throw new TesseraError(
      `gather: batchDims ${String(batchDims)} is not supported (only 0, the default): gather each batch element separately (unstack x and indices) or flatten the batch into the indices`,
    );
  }
  const t = convert('gather', x, 'x');
  const idx = convert('gather', indices, 'indices', 'int32');
  if (idx.dtype !== 'int32') throw new TesseraError(`gather: indices must be int32, got ${idx.dtype} ${fmtShape(idx.shape)}`);
  const a = parseAxis('gather', axis, t.rank);
  return runKernel('Gather', [t, idx], { axis: a });
});

/** One-hot encoding along a new last axis: onValue where index == position, else offValue. */
export const oneHot = op('oneHot', (indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DataType = 'float32'): Tensor => {
  assertDataType('oneHot', dtype);
  checkValue('oneHot', 'onValue', onValue, dtype);
  checkValue('oneHot', 'offValue', offValue, dtype);
  const idx = convert('oneHot', indices, 'indices', 'int32');
  if (idx.dtype !== 'int32') throw new TesseraError(`oneHot: indices must be int32, got ${idx.dtype}`);
  if (!Number.isInteger(depth) || depth < 1) throw new TesseraError(`oneHot: depth must be a positive integer, got ${depth}`);
  const hit = runKernel('Equal', [expandDimsRaw(idx), range(0, depth, 1, 'int32')]);
  const hitT = runKernel('Cast', [hit], { dtype });
  if (onValue === 1 && offValue === 0) return hitT;
  const on = scalar(onValue, dtype);
  const off = scalar(offValue, dtype);
  return runKernel('Select', [hit, on, off]);
});

function expandDimsRaw(t: Tensor): Tensor {
  return reshape(t, [...t.shape, 1]);
}

/** Number of elements, as a plain number (convenience). */
export function numel(x: Tensor): number {
  return sizeFromShape(x.shape);
}

/**
 * Sums rows of x into `numSegments` rows by id: out[i] = Σ x[j] over j with segmentIds[j] == i.
 * Ids outside [0, numSegments) are dropped. (The gradient of gather.)
 */
export const unsortedSegmentSum = op('unsortedSegmentSum', (x: TensorLike, segmentIds: TensorLike, numSegments: number): Tensor => {
  const t = convert('unsortedSegmentSum', x, 'x');
  const ids = convert('unsortedSegmentSum', segmentIds, 'segmentIds', 'int32');
  if (ids.dtype !== 'int32' || ids.rank !== 1 || t.rank < 1 || ids.shape[0] !== t.shape[0]) {
    throw new TesseraError(
      `unsortedSegmentSum: segmentIds must be 1-D int32 with one id per row of x; got ids ${fmtShape(ids.shape)} ${ids.dtype} for x ${fmtShape(t.shape)}`,
    );
  }
  if (!Number.isInteger(numSegments) || numSegments < 0) throw new TesseraError(`unsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
  const xs = t.dtype === 'bool' ? cast(t, 'int32') : t;
  return runKernel('UnsortedSegmentSum', [xs, ids], { numSegments });
});
