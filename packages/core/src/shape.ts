import { TesseraError, fmtShape, opError } from './errors.js';

export type Shape = number[];

export function sizeFromShape(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function assertValidShape(op: string, shape: readonly number[]): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw opError(op, `invalid shape ${fmtShape(shape)}: dimensions must be non-negative integers`);
    }
  }
}

/**
 * NumPy broadcasting of two shapes. Dimensions are aligned from the right; each pair must be equal
 * or contain a 1.
 */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw opError(
        op,
        `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast: dimension ${i - rank} is ${da} vs ${db} (each pair must be equal or 1)`,
      );
    }
  }
  return out;
}

/** The axes of `outShape` along which an input of `inShape` was broadcast (to sum its gradient over). */
export function broadcastedAxes(inShape: readonly number[], outShape: readonly number[]): number[] {
  const axes: number[] = [];
  const offset = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    const d = i < offset ? 1 : inShape[i - offset]!;
    if (d === 1 && (outShape[i] !== 1 || i < offset)) axes.push(i);
  }
  return axes;
}

/** Normalises an axis argument (number, list or undefined = all) to sorted, unique, non-negative axes. */
export function parseAxes(op: string, axis: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = new Set<number>();
  // A scalar accepts axis 0 or -1 (reducing nothing), as if it had one dimension of size 1.
  const span = Math.max(rank, 1);
  for (const a of list) {
    if (!Number.isInteger(a) || a < -span || a >= span) {
      throw opError(op, `axis ${a} is out of range for a tensor of rank ${rank} (expected an integer in [${-span}, ${span - 1}])`);
    }
    const n = a < 0 ? a + span : a;
    if (out.has(n)) throw opError(op, `axis ${a} is repeated in ${JSON.stringify(list)}`);
    out.add(n);
  }
  return [...out].filter((a) => a < rank).sort((x, y) => x - y);
}

export function parseAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw opError(op, `axis ${axis} is out of range for a tensor of rank ${rank} (expected an integer in [${-rank}, ${rank - 1}])`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Shape after reducing `axes` (kept as 1 with keepDims). */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const set = new Set(axes);
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!set.has(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** Resolves one -1 in a reshape target. */
export function inferReshape(op: string, from: readonly number[], to: readonly number[]): number[] {
  const size = sizeFromShape(from);
  let inferred = -1;
  let known = 1;
  to.forEach((d, i) => {
    if (d === -1) {
      if (inferred >= 0) throw opError(op, `at most one -1 is allowed in the new shape ${fmtShape(to)}`);
      inferred = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw opError(op, `invalid dimension ${d} in new shape ${fmtShape(to)}`);
    } else known *= d;
  });
  const out = [...to];
  if (inferred >= 0) {
    if (known === 0 || size % known !== 0) {
      throw opError(op, `cannot reshape ${fmtShape(from)} (size ${size}) to ${fmtShape(to)}: ${size} is not divisible by ${known}`);
    }
    out[inferred] = size / known;
  }
  if (sizeFromShape(out) !== size) {
    throw opError(op, `cannot reshape ${fmtShape(from)} (size ${size}) to ${fmtShape(to)} (size ${sizeFromShape(out)})`);
  }
  return out;
}

/**
 * Loop layout for a kernel that walks up to a few inputs broadcast into one output: output
 * dimensions of size 1 are dropped and neighbours that every input walks the same way (all
 * contiguous, or all broadcast) are merged, so same-shape and scalar operands become one flat row.
 * For backends' elementwise kernels.
 */
export interface BroadcastLoops {
  outShape: number[];
  size: number;
  /** Loop dimensions, outermost first (at least one); the last is the row the inner loop runs. */
  dims: number[];
  /** strides[k][d]: the step of input k along dims[d], 0 where it is broadcast. */
  strides: number[][];
}

export function broadcastLoops(shapes: readonly (readonly number[])[]): BroadcastLoops {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const outShape = new Array<number>(rank);
  for (let d = 0; d < rank; d++) {
    let size = 1;
    for (const s of shapes) {
      const v = s[d - rank + s.length] ?? 1;
      // A 0 against a 1 broadcasts to 0 (NumPy), so the 1 must not win.
      if (v !== 1) size = v;
    }
    outShape[d] = size;
  }
  const inStrides = shapes.map((s) => stridesOf(s));
  const dims: number[] = [];
  const strides: number[][] = shapes.map(() => []);
  for (let d = 0; d < rank; d++) {
    const size = outShape[d]!;
    if (size === 1) continue;
    const step = shapes.map((s, k) => {
      const i = d - rank + s.length;
      return i < 0 || s[i] === 1 ? 0 : inStrides[k]![i]!;
    });
    const last = dims.length - 1;
    if (last >= 0 && step.every((st, k) => strides[k]![last] === st * size)) {
      dims[last] = dims[last]! * size;
      step.forEach((st, k) => (strides[k]![last] = st));
    } else {
      dims.push(size);
      step.forEach((st, k) => strides[k]!.push(st));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    strides.forEach((s) => s.push(0));
  }
  return { outShape, size: sizeFromShape(outShape), dims, strides };
}

/**
 * Loop layout for reducing `axes` of a contiguous tensor: size-1 dimensions dropped, neighbours
 * that are both kept or both reduced merged (at least one dimension), with the output's stride
 * along each (0 along reduced ones). For backends' reduction kernels.
 */
export function reduceLoops(shape: readonly number[], axes: readonly number[]): { dims: number[]; reduced: boolean[]; outStrides: number[] } {
  const dims: number[] = [];
  const reduced: boolean[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const red = axes.includes(i);
    if (dims.length > 0 && reduced[reduced.length - 1] === red) dims[dims.length - 1]! *= d;
    else {
      dims.push(d);
      reduced.push(red);
    }
  });
  if (dims.length === 0) {
    dims.push(1);
    reduced.push(true);
  }
  const outStrides = new Array<number>(dims.length);
  let s = 1;
  for (let d = dims.length - 1; d >= 0; d--) {
    outStrides[d] = reduced[d] ? 0 : s;
    if (!reduced[d]) s *= dims[d]!;
  }
  return { dims, reduced, outStrides };
}

/**
 * The Gather kernel's index check, for backends: throws naming the first index outside
 * [0, xShape[axis]) and where it is. The indices are `indices[offset ..]`, as many as
 * `indicesShape` holds (so a view into a backend's heap works without a copy).
 */
export function checkGatherIndices(
  indices: ArrayLike<number>, indicesShape: readonly number[], xShape: readonly number[], axis: number, offset = 0,
): void {
  const d = xShape[axis]!;
  const length = sizeFromShape(indicesShape);
  for (let j = 0; j < length; j++) {
    const v = indices[offset + j]!;
    if (!(v >= 0 && v < d)) {
      const valid = d > 0 ? `the valid range is [0, ${d - 1}]` : 'the axis is empty, so no index is valid';
      throw new TesseraError(
        `Gather: index ${v} (at flat position ${j} of indices ${fmtShape(indicesShape)}) is out of range for axis ${axis} of x ${fmtShape(xShape)}: ${valid}`,
      );
    }
  }
}
