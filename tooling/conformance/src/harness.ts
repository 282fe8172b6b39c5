// The op-case runner: random inputs → op on the backend → float64 reference → compare shape,
// dtype, values and memory.
import { Random, backendInstance, memory, type DataType, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { makeInput, read, seedOf, type InputSpec, type Layout } from './inputs.js';
import type { Nd } from './reference.js';
import { expectClose, type Tolerance } from './tolerance.js';

/** What every suite receives from `describeConformance`. */
export interface SuiteContext {
  backend: string;
  tol: Tolerance;
}

export interface OpCase {
  name: string;
  inputs: InputSpec[];
  run: (...xs: Tensor[]) => Tensor | Tensor[];
  ref: (...xs: Nd[]) => Nd | Nd[];
  /** Expected dtype of each output (one value for all); default float32. */
  dtype?: DataType | DataType[];
  /** Multiplies the suite tolerance, for results that accumulate rounding (long sums, products). */
  tolScale?: number;
}

export function floatPrecision(): 32 | 64 {
  return backendInstance().floatPrecision;
}

/** What a float32 backend can represent of a float64 value (identity on float64 backends). */
export function storable(v: number): number {
  return floatPrecision() === 32 ? Math.fround(v) : v;
}

export interface Counts {
  numTensors: number;
  numDataBuffers: number;
  numBytes: number;
}

export function counts(): Counts {
  const m = memory();
  return { numTensors: m.numTensors, numDataBuffers: m.numDataBuffers, numBytes: m.numBytes };
}

export function expectCounts(actual: Counts, expected: Counts, what: string): void {
  expect(actual, `${what}: memory counts (tensors, buffers, bytes) should be back to their start`).toEqual(expected);
}

/** Checks one result tensor against its reference: shape, dtype, then values. */
export async function checkTensor(label: string, t: Tensor, ref: Nd, dtype: DataType, tol: Tolerance): Promise<void> {
  expect([...t.shape], `${label}: shape`).toEqual(ref.shape);
  expect(t.dtype, `${label}: dtype`).toBe(dtype);
  const got = await read(t);
  if (dtype === 'float32') {
    expectClose(got.data, ref.data.map(storable), { ...tol, op: label, shape: ref.shape });
  } else {
    const expected = dtype === 'bool' ? ref.data.map((v) => (v ? 1 : 0)) : ref.data;
    expectClose(got.data, expected, { rtol: 0, atol: 0, op: label, shape: ref.shape });
  }
}

/**
 * Runs one case: the op must leave exactly its outputs behind (no leaked intermediates), match the
 * reference, and everything returns to the starting counts once inputs and outputs are disposed.
 */
export async function runCase(ctx: SuiteContext, c: OpCase, layout: Layout = 'contiguous'): Promise<void> {
  const start = counts();
  const r = new Random(seedOf(c.name));
  const made = c.inputs.map((spec) => makeInput(spec, r, layout));
  const xs = made.map((m) => m.tensor);
  const before = counts();
  const label = layout === 'contiguous' ? c.name : `${c.name} [${layout} inputs]`;
  let outs: Tensor[] = [];
  try {
    const result = c.run(...xs);
    outs = Array.isArray(result) ? result : [result];
    const after = counts();
    expect(after.numTensors - before.numTensors, `${label}: the op should leave only its ${outs.length} output tensor(s)`).toBe(outs.length);
    expect(after.numDataBuffers - before.numDataBuffers, `${label}: the op should allocate at most one buffer per output`).toBeLessThanOrEqual(outs.length);
    const refs = c.ref(...made.map((m) => m.ref));
    const refList = Array.isArray(refs) ? refs : [refs];
    expect(outs.length, `${label}: number of outputs`).toBe(refList.length);
    const dtypes = Array.isArray(c.dtype) ? c.dtype : outs.map(() => (c.dtype as DataType | undefined) ?? 'float32');
    const scale = c.tolScale ?? 1;
    const tol = { rtol: ctx.tol.rtol * scale, atol: ctx.tol.atol * scale };
    for (let i = 0; i < outs.length; i++) {
      await checkTensor(outs.length > 1 ? `${label} (output ${i})` : label, outs[i]!, refList[i]!, dtypes[i]!, tol);
    }
  } finally {
    outs.forEach((t) => t.dispose());
    xs.forEach((t) => t.dispose());
  }
  expectCounts(counts(), start, label);
}

/** One `it` per case, in a `describe` named `title`; `layouts` adds re-runs on transposed/sliced inputs. */
export function caseSuite(ctx: SuiteContext, title: string, cases: readonly OpCase[], layouts: readonly Layout[] = []): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, () => runCase(ctx, c));
      for (const layout of layouts) it(`${c.name} [${layout} inputs]`, () => runCase(ctx, c, layout));
    }
  });
}

/** Every non-empty subset of [0, rank), plus the empty list and `undefined` (all axes). */
export function axisSubsets(rank: number): (number[] | undefined)[] {
  const out: (number[] | undefined)[] = [undefined];
  for (let mask = 0; mask < 1 << rank; mask++) {
    out.push(Array.from({ length: rank }, (_, i) => i).filter((i) => mask & (1 << i)));
  }
  return out;
}

export function fmtAxes(axes: number | number[] | undefined): string {
  return axes === undefined ? 'all' : JSON.stringify(axes);
}
