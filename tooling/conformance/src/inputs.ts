// Seeded random inputs. Float values are rounded to float32 before use, so the tensor holds exactly
// the numbers the float64 reference sees, whatever the backend's float precision.
import { Random, slice, tensor, transpose, type DataType, type Tensor } from '@tessera/core';
import { nd, sizeOf, transpose as refTranspose, type Nd } from './reference.js';

/** Draws one element. */
export type Gen = (r: Random) => number;

export const uniform = (lo: number, hi: number): Gen => (r) => Math.fround(r.uniform(lo, hi));
/** Values in ±[lo, hi]: away from zero, for division, log of |x| and kinks. */
export const awayFromZero = (lo: number, hi: number): Gen => (r) => Math.fround((r.next() < 0.5 ? -1 : 1) * r.uniform(lo, hi));
/** Integers in [lo, hi]. */
export const ints = (lo: number, hi: number): Gen => (r) => lo + r.int(hi - lo + 1);
export const bools = (pTrue = 0.5): Gen => (r) => (r.next() < pTrue ? 1 : 0);
/** Picks from a small set: produces exact ties for comparisons, argMax and friends. */
export const choice = (values: readonly number[]): Gen => (r) => Math.fround(values[r.int(values.length)]!);

export const STANDARD: Gen = uniform(-3, 3);

export interface InputSpec {
  shape: number[];
  /** Default float32. */
  dtype?: DataType;
  /** Default: STANDARD for float32, ints(-9, 9) for int32, bools() for bool. */
  gen?: Gen;
  /** Fixed values instead of random draws (edge cases). */
  values?: readonly number[];
}

/**
 * How an input tensor is produced: directly, or as the output of a transpose or a slice (so ops
 * are also fed tensors that were themselves computed by layout-changing kernels).
 */
export type Layout = 'contiguous' | 'transposed' | 'sliced';

export function defaultGen(dtype: DataType): Gen {
  return dtype === 'int32' ? ints(-9, 9) : dtype === 'bool' ? bools() : STANDARD;
}

export function draw(r: Random, n: number, gen: Gen): number[] {
  return Array.from({ length: n }, () => gen(r));
}

/** FNV-1a of a string: stable seeds derived from test names. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export interface MadeInput {
  tensor: Tensor;
  ref: Nd;
}

/** Creates one input tensor in the given layout. Intermediate tensors are disposed. */
export function makeInput(spec: InputSpec, r: Random, layout: Layout = 'contiguous'): MadeInput {
  const dtype = spec.dtype ?? 'float32';
  const gen = spec.gen ?? defaultGen(dtype);
  const data = spec.values ? spec.values.map((v) => (dtype === 'float32' ? Math.fround(v) : v)) : draw(r, sizeOf(spec.shape), gen);
  const ref = nd(spec.shape, data);
  const rank = spec.shape.length;
  if (layout === 'transposed' && rank >= 2) {
    const perm = spec.shape.map((_, i) => rank - 1 - i);
    const stored = refTranspose(ref, perm);
    const base = tensor(stored.data, stored.shape, dtype);
    const t = transpose(base, perm);
    base.dispose();
    return { tensor: t, ref };
  }
  if (layout === 'sliced' && rank >= 1) {
    const baseShape = spec.shape.map((d) => d + 2);
    const garbage = draw(r, sizeOf(baseShape), gen);
    const strides = baseShape.map((_, i) => sizeOf(baseShape.slice(i + 1)));
    ref.data.forEach((v, flat) => {
      let rest = flat;
      let f = 0;
      for (let d = rank - 1; d >= 0; d--) {
        const dim = spec.shape[d]!;
        f += ((rest % dim) + 1) * strides[d]!;
        rest = Math.floor(rest / dim);
      }
      garbage[f] = v;
    });
    const base = tensor(garbage, baseShape, dtype);
    const t = slice(base, spec.shape.map(() => 1), spec.shape);
    base.dispose();
    return { tensor: t, ref };
  }
  return { tensor: tensor(ref.data, spec.shape, dtype), ref };
}

/** Reads a tensor asynchronously (the only read every backend supports) into a float64 Nd. */
export async function read(t: Tensor): Promise<Nd> {
  return nd(t.shape, await t.data());
}

/** Reads the values as a plain number array. */
export async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}
