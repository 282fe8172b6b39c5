import { INT32_MIN } from '../dtypes.js';
import { TesseraError, fmtShape } from '../errors.js';
import { sizeFromShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkOptions } from '../options.js';
import { fill, range } from './creation.js';
import { add, equal, logicalAnd, logicalNot, logicalOr, notEqual, where } from './elementwise.js';
import { convert, op, type TensorLike } from './op.js';
import { argMax, max } from './reduce.js';
import { cast, gather, reshape, stack } from './shape_ops.js';

export interface TopKOptions {
  /**
   * Whether the k entries must come in descending order (default true). With false the order may
   * be any (TF's contract); Tessera returns them sorted either way.
   */
  sorted?: boolean;
}

/**
 * The k largest entries along the last axis and their indices: `values` [..., k] (x's dtype) and
 * `indices` [..., k] (int32), largest first; equal values come in index order, and NaN ranks above
 * +Infinity. `values` is differentiable (the gradient flows to the chosen entries, as a gather).
 *
 * Composed from reductions: one max and one argMax over the row per k, so it costs O(k·n) per row
 * and suits k much smaller than the axis (top-k sampling, top-k accuracy).
 */
export const topk = op('topk', (x: TensorLike, k = 1, options: TopKOptions | boolean = {}): { values: Tensor; indices: Tensor } => {
  const t = convert('topk', x, 'x');
  const opts = typeof options === 'boolean' ? { sorted: options } : options;
  if (opts === null || typeof opts !== 'object') throw new TesseraError(`topk: options must be an object { sorted? } or a boolean, got ${String(opts)}`);
  checkOptions('topk', opts, ['sorted']);
  if (opts.sorted !== undefined && typeof opts.sorted !== 'boolean') throw new TesseraError(`topk: sorted must be true or false, got ${String(opts.sorted)}`);
  if (t.rank === 0) throw new TesseraError('topk: x must have at least one axis, got a scalar');
  if (t.dtype === 'bool') throw new TesseraError(`topk: x must be float32 or int32, got bool ${fmtShape(t.shape)}`);
  const n = t.shape[t.rank - 1]!;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > n) {
    throw new TesseraError(`topk: k must be an integer in [0, ${n}] (the size of the last axis of ${fmtShape(t.shape)}), got ${String(k)}`);
  }
  const outer = t.shape.slice(0, -1);
  if (k === 0) return { values: fill([...outer, 0], 0, t.dtype), indices: fill([...outer, 0], 0, 'int32') };

  // NaN compares unequal to everything: rank it as +Infinity so that it is picked, not skipped.
  const keys = t.dtype === 'float32' ? where(notEqual(t, t), Infinity, t) : t;
  const lowest = t.dtype === 'float32' ? -Infinity : INT32_MIN;
  const positions = range(0, n, 1, 'int32');
  const picked: Tensor[] = [];
  let taken: Tensor | null = null;
  for (let i = 0; i < k; i++) {
    // The largest key not yet taken, and the first untaken position holding it. Taken entries
    // are masked to the lowest value, which untaken ones may share: `candidates` tells them apart.
    const available = taken ? where(taken, lowest, keys) : keys;
    const best = max(available, -1, true);
    const candidates: Tensor = taken ? logicalAnd(equal(keys, best), logicalNot(taken)) : equal(keys, best);
    const index = argMax(cast(candidates, 'int32'), -1);
    const hit = equal(reshape(index, [...outer, 1]), positions);
    taken = taken ? logicalOr(taken, hit) : hit;
    picked.push(index);
  }
  const indices = stack(picked, -1);
  // The values by one gather from the flattened x (row r's entries start at r·n): differentiable.
  const rows = sizeFromShape(outer);
  const flatIndices = add(indices, reshape(range(0, rows * n, n, 'int32'), [...outer, 1]));
  const values = gather(reshape(t, [-1]), flatIndices);
  return { values, indices };
});
