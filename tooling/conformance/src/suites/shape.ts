import {
  broadcastTo, cast, clone, concat, expandDims, flatten, gather, oneHot, pad, reshape, slice, split, squeeze, stack,
  tile, transpose, unsortedSegmentSum, unstack, type DataType, type Tensor,
} from '@tessera/core';
import { caseSuite, type OpCase, type SuiteContext } from '../harness.js';
import { ints, type Gen } from '../inputs.js';
import * as R from '../reference.js';

const DTYPES: DataType[] = ['float32', 'int32', 'bool'];

/** Builds one case per dtype: layout kernels must move every dtype's bytes. */
function perDtype(name: string, shape: number[], run: (x: Tensor) => Tensor | Tensor[], ref: (x: R.Nd) => R.Nd | R.Nd[], dtypes = DTYPES): OpCase[] {
  return dtypes.map((dtype) => ({ name: `${name} ${dtype}`, inputs: [{ shape, dtype }], run: (x) => run(x!), ref: (x) => ref(x!), dtype }));
}

const RESHAPE: OpCase[] = [
  ...perDtype('reshape [2,3,4] → [4,-1]', [2, 3, 4], (x) => reshape(x, [4, -1]), (x) => R.reshape(x, [4, 6])),
  ...perDtype('reshape [6] → [-1,1,2]', [6], (x) => reshape(x, [-1, 1, 2]), (x) => R.reshape(x, [3, 1, 2]), ['float32']),
  ...perDtype('reshape scalar → [1,1]', [], (x) => reshape(x, [1, 1]), (x) => R.reshape(x, [1, 1]), ['float32']),
  ...perDtype('reshape [1] → scalar', [1], (x) => reshape(x, []), (x) => R.reshape(x, []), ['int32']),
  ...perDtype('reshape size-0 [0,3] → [-1,3]', [0, 3], (x) => reshape(x, [-1, 3]), (x) => R.reshape(x, [0, 3]), ['float32']),
  ...perDtype('x.reshape method', [4, 2], (x) => x.reshape([2, 4]), (x) => R.reshape(x, [2, 4]), ['float32']),
  ...perDtype('flatten [2,3,4]', [2, 3, 4], (x) => flatten(x), (x) => R.reshape(x, [24]), ['float32', 'bool']),
  ...perDtype('flatten [2,3,4] from axis 1', [2, 3, 4], (x) => flatten(x, 1), (x) => R.reshape(x, [2, 12]), ['float32']),
  ...perDtype('flatten scalar → [1]', [], (x) => flatten(x), (x) => R.reshape(x, [1]), ['float32']),
  ...[0, 1, 2, -1, -3].flatMap((axis) =>
    perDtype(`expandDims axis ${axis} of [2,3]`, [2, 3], (x) => expandDims(x, axis), (x) => {
      const s = [...x.shape];
      s.splice(axis < 0 ? axis + 3 : axis, 0, 1);
      return R.reshape(x, s);
    }, ['float32']),
  ),
  ...perDtype('expandDims of a scalar', [], (x) => expandDims(x), (x) => R.reshape(x, [1]), ['int32']),
  ...perDtype('squeeze all of [1,3,1,2]', [1, 3, 1, 2], (x) => squeeze(x), (x) => R.reshape(x, [3, 2])),
  ...perDtype('squeeze axis 2 of [1,3,1,2]', [1, 3, 1, 2], (x) => squeeze(x, 2), (x) => R.reshape(x, [1, 3, 2]), ['float32']),
  ...perDtype('squeeze axes [0,-2] of [1,3,1,2]', [1, 3, 1, 2], (x) => squeeze(x, [0, -2]), (x) => R.reshape(x, [3, 2]), ['float32']),
  ...perDtype('squeeze [1,1] → scalar', [1, 1], (x) => squeeze(x), (x) => R.reshape(x, []), ['float32']),
];

const PERMS: number[][] = [[1, 0], [0, 2, 1], [2, 0, 1], [1, 2, 0], [3, 1, 0, 2]];
const TRANSPOSE: OpCase[] = [
  ...PERMS.flatMap((perm) => {
    const shape = [2, 3, 4, 5].slice(0, perm.length);
    return perDtype(`transpose [${shape}] perm [${perm}]`, shape, (x) => transpose(x, perm), (x) => R.transpose(x, perm));
  }),
  ...perDtype('transpose default (reverse) [2,3,4]', [2, 3, 4], (x) => transpose(x), (x) => R.transpose(x, [2, 1, 0]), ['float32']),
  ...perDtype('transpose identity perm', [3, 2], (x) => transpose(x, [0, 1]), (x) => x, ['float32']),
  ...perDtype('transpose with a size-1 dim [3,1,4] perm [2,1,0]', [3, 1, 4], (x) => transpose(x, [2, 1, 0]), (x) => R.transpose(x, [2, 1, 0]), ['float32']),
  ...perDtype('transpose size-0 [0,3] ', [0, 3], (x) => transpose(x), (x) => R.transpose(x, [1, 0]), ['float32']),
  ...perDtype('transpose of a transpose', [3, 4, 2], (x) => {
    const t = transpose(x, [2, 0, 1]);
    const y = transpose(t, [2, 0, 1]);
    t.dispose();
    return y;
  }, (x) => R.transpose(R.transpose(x, [2, 0, 1]), [2, 0, 1]), ['float32']),
];

const SLICE: OpCase[] = [
  ...perDtype('slice [5,6] begin [1,2] size [3,2]', [5, 6], (x) => slice(x, [1, 2], [3, 2]), (x) => R.slice(x, [1, 2], [3, 2])),
  ...perDtype('slice negative begin [-2,-3] size [2,2]', [5, 6], (x) => slice(x, [-2, -3], [2, 2]), (x) => R.slice(x, [3, 3], [2, 2]), ['float32']),
  ...perDtype('slice size -1 (to the end)', [5, 6], (x) => slice(x, [2, 1], [-1, 3]), (x) => R.slice(x, [2, 1], [3, 3]), ['float32', 'int32']),
  ...perDtype('slice with a number begin and no size', [5, 6], (x) => slice(x, 3), (x) => R.slice(x, [3, 0], [2, 6]), ['float32']),
  ...perDtype('slice with short begin/size lists', [3, 4, 5], (x) => slice(x, [1], [1]), (x) => R.slice(x, [1, 0, 0], [1, 4, 5]), ['float32']),
  ...perDtype('slice rank 3 inner block', [3, 4, 5], (x) => slice(x, [1, 1, 2], [2, 2, 3]), (x) => R.slice(x, [1, 1, 2], [2, 2, 3]), ['float32', 'bool']),
  ...perDtype('slice of size 0', [4, 3], (x) => slice(x, [2, 0], [0, 3]), (x) => R.slice(x, [2, 0], [0, 3]), ['float32']),
  ...perDtype('slice of a slice', [6, 6], (x) => {
    const s = slice(x, [1, 1], [4, 4]);
    const y = slice(s, [1, 0], [2, 3]);
    s.dispose();
    return y;
  }, (x) => R.slice(x, [2, 1], [2, 3]), ['float32']),
];

const JOIN: OpCase[] = [
  ...DTYPES.map((dtype): OpCase => ({
    name: `concat axis 0 of three ${dtype}`,
    inputs: [{ shape: [2, 3], dtype }, { shape: [1, 3], dtype }, { shape: [3, 3], dtype }],
    run: (a, b, c) => concat([a!, b!, c!], 0),
    ref: (a, b, c) => R.concat([a!, b!, c!], 0),
    dtype,
  })),
  { name: 'concat axis 1', inputs: [{ shape: [2, 3, 2] }, { shape: [2, 1, 2] }], run: (a, b) => concat([a!, b!], 1), ref: (a, b) => R.concat([a!, b!], 1) },
  { name: 'concat axis -1', inputs: [{ shape: [2, 3, 2] }, { shape: [2, 3, 4] }], run: (a, b) => concat([a!, b!], -1), ref: (a, b) => R.concat([a!, b!], 2) },
  { name: 'concat with a size-0 part', inputs: [{ shape: [2, 0] }, { shape: [2, 3] }], run: (a, b) => concat([a!, b!], 1), ref: (a, b) => R.concat([a!, b!], 1) },
  { name: 'concat of one tensor', inputs: [{ shape: [2, 3] }], run: (a) => concat([a!], 0), ref: (a) => a! },
  { name: 'concat int32 with float32 upcasts', inputs: [{ shape: [2], dtype: 'int32' }, { shape: [3] }], run: (a, b) => concat([a!, b!]), ref: (a, b) => R.concat([a!, b!], 0) },
  { name: 'concat bool with int32 upcasts', inputs: [{ shape: [2], dtype: 'bool' }, { shape: [3], dtype: 'int32' }], run: (a, b) => concat([a!, b!]), ref: (a, b) => R.concat([a!, b!], 0), dtype: 'int32' },
  ...[0, 1, 2, -1].map((axis): OpCase => ({
    name: `stack axis ${axis}`,
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }, { shape: [2, 3] }],
    run: (a, b, c) => stack([a!, b!, c!], axis),
    ref: (a, b, c) => {
      const ax = axis < 0 ? axis + 3 : axis;
      const exp = (x: R.Nd): R.Nd => {
        const s = [...x.shape];
        s.splice(ax, 0, 1);
        return R.reshape(x, s);
      };
      return R.concat([exp(a!), exp(b!), exp(c!)], ax);
    },
  })),
  { name: 'stack scalars', inputs: [{ shape: [], dtype: 'int32' }, { shape: [], dtype: 'int32' }], run: (a, b) => stack([a!, b!]), ref: (a, b) => R.nd([2], [...a!.data, ...b!.data]), dtype: 'int32' },
  ...[0, 1, -1].map((axis): OpCase => ({
    name: `unstack axis ${axis} of [3,2,4]`,
    inputs: [{ shape: [3, 2, 4] }],
    run: (x) => unstack(x!, axis),
    ref: (x) => {
      const ax = axis < 0 ? axis + 3 : axis;
      return Array.from({ length: x!.shape[ax]! }, (_, i) => {
        const begin = [0, 0, 0];
        begin[ax] = i;
        const size = [...x!.shape];
        size[ax] = 1;
        return R.reshape(R.slice(x!, begin, size), x!.shape.filter((_, d) => d !== ax));
      });
    },
  })),
  {
    name: 'split into 3 equal parts along axis 1',
    inputs: [{ shape: [2, 6], dtype: 'int32' }],
    run: (x) => split(x!, 3, 1),
    ref: (x) => [0, 2, 4].map((b) => R.slice(x!, [0, b], [2, 2])),
    dtype: 'int32',
  },
  {
    name: 'split by sizes [1,-1,2] along axis 0',
    inputs: [{ shape: [6, 2] }],
    run: (x) => split(x!, [1, -1, 2]),
    ref: (x) => [R.slice(x!, [0, 0], [1, 2]), R.slice(x!, [1, 0], [3, 2]), R.slice(x!, [4, 0], [2, 2])],
  },
  { name: 'split with a size-0 part', inputs: [{ shape: [3, 2] }], run: (x) => split(x!, [0, 3]), ref: (x) => [R.slice(x!, [0, 0], [0, 2]), x!] },
];

const REPEAT: OpCase[] = [
  ...perDtype('tile [2,3] reps [2,3]', [2, 3], (x) => tile(x, [2, 3]), (x) => R.tile(x, [2, 3])),
  ...perDtype('tile [2,1,3] reps [1,4,2]', [2, 1, 3], (x) => tile(x, [1, 4, 2]), (x) => R.tile(x, [1, 4, 2]), ['float32']),
  ...perDtype('tile with reps 0', [2, 3], (x) => tile(x, [0, 2]), (x) => R.tile(x, [0, 2]), ['float32']),
  ...perDtype('broadcastTo [3] → [2,4,3]', [3], (x) => broadcastTo(x, [2, 4, 3]), (x) => R.broadcastTo(x, [2, 4, 3])),
  ...perDtype('broadcastTo [2,1] → [2,5]', [2, 1], (x) => broadcastTo(x, [2, 5]), (x) => R.broadcastTo(x, [2, 5]), ['float32']),
  ...perDtype('broadcastTo scalar → [2,2]', [], (x) => broadcastTo(x, [2, 2]), (x) => R.broadcastTo(x, [2, 2]), ['int32']),
  ...perDtype('broadcastTo same shape', [2, 2], (x) => broadcastTo(x, [2, 2]), (x) => x, ['float32']),
  ...perDtype('pad [[1,2],[0,3]]', [3, 4], (x) => pad(x, [[1, 2], [0, 3]]), (x) => R.pad(x, [[1, 2], [0, 3]], 0)),
  ...perDtype('pad with value 2.5 rank 3', [2, 2, 3], (x) => pad(x, [[0, 1], [2, 0], [1, 1]], 2.5), (x) => R.pad(x, [[0, 1], [2, 0], [1, 1]], 2.5), ['float32']),
  ...perDtype('pad int32 with value -7', [3], (x) => pad(x, [[2, 1]], -7), (x) => R.pad(x, [[2, 1]], -7), ['int32']),
  ...perDtype('pad of a size-0 tensor', [0, 2], (x) => pad(x, [[1, 1], [0, 0]], 1), (x) => R.pad(x, [[1, 1], [0, 0]], 1), ['float32']),
];

function gatherCase(label: string, xShape: number[], idxShape: number[], axis: number, dtype: DataType = 'float32'): OpCase {
  const a = axis < 0 ? axis + xShape.length : axis;
  return {
    name: `gather axis ${axis} of [${xShape}] by indices [${idxShape}] ${dtype}${label}`,
    inputs: [{ shape: xShape, dtype }, { shape: idxShape, dtype: 'int32', gen: ints(0, xShape[a]! - 1) }],
    run: (x, i) => gather(x!, i!, axis),
    ref: (x, i) => R.gather(x!, i!, axis),
    dtype,
  };
}

const GATHER: OpCase[] = [
  gatherCase('', [5, 3], [7], 0),
  gatherCase('', [3, 5, 2], [4], 1),
  gatherCase('', [3, 5, 4], [6], 2),
  gatherCase('', [3, 5, 4], [2], -1),
  gatherCase(' (2-D indices)', [4, 3], [2, 3], 0),
  gatherCase(' (2-D indices)', [2, 6, 2], [3, 2], 1),
  gatherCase(' (scalar index)', [4, 3], [], 0),
  gatherCase(' (scalar index)', [4, 3], [], 1),
  gatherCase('', [6, 2], [5], 0, 'int32'),
  gatherCase('', [6, 2], [5], 1, 'bool'),
  gatherCase(' (no indices)', [4, 3], [0], 0),
  {
    name: 'gather with indices as a plain array (repeated)',
    inputs: [{ shape: [4, 2] }],
    run: (x) => gather(x!, [3, 0, 3, 3]),
    ref: (x) => R.gather(x!, R.nd([4], [3, 0, 3, 3]), 0),
  },
  {
    name: 'oneHot depth 5 → float32',
    inputs: [{ shape: [6], dtype: 'int32', gen: ints(0, 4) }],
    run: (i) => oneHot(i!, 5),
    ref: (i) => R.oneHot(i!, 5, 1, 0),
  },
  {
    name: 'oneHot 2-D indices with out-of-range ids (all off)',
    inputs: [{ shape: [2, 3], dtype: 'int32', gen: ints(-1, 4) }],
    run: (i) => oneHot(i!, 4),
    ref: (i) => R.oneHot(i!, 4, 1, 0),
  },
  {
    name: 'oneHot on 3 off -1 int32',
    inputs: [{ shape: [5], dtype: 'int32', gen: ints(0, 2) }],
    run: (i) => oneHot(i!, 3, 3, -1, 'int32'),
    ref: (i) => R.oneHot(i!, 3, 3, -1),
    dtype: 'int32',
  },
  {
    name: 'oneHot on 0.9 off 0.05 (label smoothing)',
    inputs: [{ shape: [4], dtype: 'int32', gen: ints(0, 3) }],
    run: (i) => oneHot(i!, 4, 0.9, 0.05),
    ref: (i) => R.oneHot(i!, 4, 0.9, 0.05),
  },
  {
    name: 'unsortedSegmentSum (ids out of range are dropped)',
    inputs: [{ shape: [6, 3] }, { shape: [6], dtype: 'int32', gen: ints(-1, 4) }],
    run: (x, ids) => unsortedSegmentSum(x!, ids!, 4),
    ref: (x, ids) => R.unsortedSegmentSum(x!, ids!.data, 4),
  },
  {
    name: 'unsortedSegmentSum of int32',
    inputs: [{ shape: [5], dtype: 'int32' }, { shape: [5], dtype: 'int32', gen: ints(0, 2) }],
    run: (x, ids) => unsortedSegmentSum(x!, ids!, 3),
    ref: (x, ids) => R.unsortedSegmentSum(x!, ids!.data, 3),
    dtype: 'int32',
  },
];

function castRef(from: DataType, to: DataType): (v: number) => number {
  if (to === 'bool') return (v) => (v !== 0 ? 1 : 0);
  if (to === 'int32' && from === 'float32') return R.truncInt;
  return (v) => v;
}

const CAST_GEN: Record<DataType, Gen> = {
  float32: (r) => (r.next() < 0.2 ? 0 : r.next() < 0.2 ? r.int(9) - 4 : Math.fround(r.uniform(-9, 9))),
  int32: ints(-5, 5),
  bool: (r) => (r.next() < 0.5 ? 1 : 0),
};

const CAST: OpCase[] = [
  ...DTYPES.flatMap((from) =>
    DTYPES.map((to): OpCase => ({
      name: `cast ${from} → ${to}${to === 'int32' && from === 'float32' ? ' (truncates toward zero)' : ''}`,
      inputs: [{ shape: [3, 7], dtype: from, gen: CAST_GEN[from] }],
      run: (x) => cast(x!, to),
      ref: (x) => R.map(x!, castRef(from, to)),
      dtype: to,
    })),
  ),
  { name: 'x.cast method on size-0', inputs: [{ shape: [0, 2] }], run: (x) => x!.cast('int32'), ref: (x) => x!, dtype: 'int32' },
  { name: 'cast float32 → bool: NaN is true, -0 is false', inputs: [{ shape: [3], values: [NaN, -0, 1e-30] }], run: (x) => cast(x!, 'bool'), ref: () => R.nd([3], [1, 0, 1]), dtype: 'bool' },
  ...DTYPES.map((dtype): OpCase => ({ name: `clone ${dtype}`, inputs: [{ shape: [2, 3], dtype }], run: (x) => clone(x!), ref: (x) => x!, dtype })),
  { name: 'x.clone method of a scalar', inputs: [{ shape: [] }], run: (x) => x!.clone(), ref: (x) => x! },
];

export function shapeSuite(ctx: SuiteContext): void {
  caseSuite(ctx, 'reshape, flatten, expandDims, squeeze', RESHAPE);
  caseSuite(ctx, 'transpose', TRANSPOSE);
  caseSuite(ctx, 'slice', SLICE);
  const layoutCases = new Set(['slice [5,6] begin [1,2] size [3,2] float32', 'transpose [2,3,4] perm [2,0,1] int32', 'transpose [2,3,4,5] perm [3,1,0,2] float32']);
  caseSuite(ctx, 'slice and transpose of non-trivial layouts', [...SLICE, ...TRANSPOSE].filter((c) => layoutCases.has(c.name)), ['transposed', 'sliced']);
  caseSuite(ctx, 'concat, stack, unstack, split', JOIN);
  caseSuite(ctx, 'concat and split of non-trivial layouts', JOIN.filter((c) => c.name.startsWith('concat axis 1') || c.name.startsWith('split')), ['transposed', 'sliced']);
  caseSuite(ctx, 'tile, broadcastTo, pad', REPEAT);
  caseSuite(ctx, 'tile and pad of non-trivial layouts', REPEAT.filter((c) => c.name === 'tile [2,3] reps [2,3] float32' || c.name === 'pad [[1,2],[0,3]] float32'), ['transposed', 'sliced']);
  caseSuite(ctx, 'gather, oneHot, unsortedSegmentSum', GATHER);
  caseSuite(ctx, 'gather of non-trivial layouts', GATHER.filter((c) => c.name.startsWith('gather axis 1 of [3,5,2]')), ['transposed', 'sliced']);
  caseSuite(ctx, 'cast between all dtypes, clone', CAST);
}
