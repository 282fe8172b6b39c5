import { ENGINE, Random, fusedMatMul, matmul, setBackend, tensor, type FusedActivation, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { expectClose, sizeOf, uniform, useBackend, values } from './helpers.js';

useBackend();

/**
 * Float64 reference of one batch entry: C[i][j] = Σ_p A(i,p)·B(p,j), reading A as [m,k] (or
 * [k,m] when transA) at aOff and B as [k,n] (or [n,k] when transB) at bOff.
 */
function matmulRef(a: number[], aOff: number, b: number[], bOff: number, m: number, n: number, k: number, transA: boolean, transB: boolean): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aOff + (transA ? p * m + i : i * k + p)]! * b[bOff + (transB ? j * k + p : p * n + j)]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

function batchRef(a: Tensor, b: Tensor, transA: boolean, transB: boolean): number[] {
  const [ba, a1, a2] = a.shape as [number, number, number];
  const [bb, b1, b2] = b.shape as [number, number, number];
  const [m, k] = transA ? [a2, a1] : [a1, a2];
  const n = transB ? b1 : b2;
  const batch = ba === 1 ? bb : ba;
  const [av, bv] = [values(a), values(b)];
  const out: number[] = [];
  for (let i = 0; i < batch; i++) out.push(...matmulRef(av, ba === 1 ? 0 : i * m * k, bv, bb === 1 ? 0 : i * k * n, m, n, k, transA, transB));
  return out;
}

const TRANSPOSES: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

/** [m, k, n]: odd sizes around the micro-tile (4), the small-product cut-off, and the KC/MC/NC blocks. */
const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 33],
  [7, 33, 65],
  [65, 7, 130],
  [130, 65, 33],
  [33, 130, 7],
  [1, 130, 65],
  [65, 33, 1],
  [130, 130, 130],
  [5, 300, 67],
  [133, 270, 9],
  [9, 20, 1030],
];

function operands(r: Random, batchA: number, batchB: number, m: number, k: number, n: number, transA: boolean, transB: boolean): [Tensor, Tensor] {
  const a = tensor(uniform(r, batchA * m * k), [batchA, ...(transA ? [k, m] : [m, k])]);
  const b = tensor(uniform(r, batchB * k * n), [batchB, ...(transB ? [n, k] : [k, n])]);
  return [a, b];
}

describe('BatchMatMul', () => {
  const r = new Random(31);
  for (const [transA, transB] of TRANSPOSES) {
    it(`odd sizes, transposeA=${transA} transposeB=${transB}`, () => {
      for (const [m, k, n] of SIZES) {
        const [a, b] = operands(r, 1, 1, m, k, n, transA, transB);
        const y = ENGINE.runKernel('BatchMatMul', [a, b], { transposeA: transA, transposeB: transB })[0]!;
        expect(y.shape).toEqual([1, m, n]);
        expectClose(values(y), batchRef(a, b, transA, transB), 1e-5);
      }
    });

    it(`batches with either side broadcast, transposeA=${transA} transposeB=${transB}`, () => {
      for (const [batchA, batchB] of [[3, 3], [1, 4], [4, 1]]) {
        for (const [m, k, n] of [[7, 33, 65], [34, 9, 5], [2, 3, 1]] as const) {
          const [a, b] = operands(r, batchA, batchB, m, k, n, transA, transB);
          const y = ENGINE.runKernel('BatchMatMul', [a, b], { transposeA: transA, transposeB: transB })[0]!;
          expect(y.shape).toEqual([Math.max(batchA, batchB), m, n]);
          expectClose(values(y), batchRef(a, b, transA, transB), 1e-5);
        }
      }
    });
  }

  it('the public matmul op: rank-2, broadcast batch dims, transposes', () => {
    const a = tensor(uniform(r, 2 * 3 * 5 * 7), [2, 3, 5, 7]);
    const b = tensor(uniform(r, 7 * 4), [7, 4]);
    const y = matmul(a, b);
    expect(y.shape).toEqual([2, 3, 5, 4]);
    const av = values(a);
    const bv = values(b);
    const want: number[] = [];
    for (let i = 0; i < 6; i++) want.push(...matmulRef(av, i * 35, bv, 0, 5, 4, 7, false, false));
    expectClose(values(y), want, 1e-5);
    const c = tensor(uniform(r, 6 * 4), [6, 4]);
    expectClose(values(matmul(c, c, true, false)), matmulRef(values(c), 0, values(c), 0, 4, 4, 6, true, false), 1e-5);
  });

  it('size-0 dimensions: empty outputs, and an empty inner dimension gives zeros', () => {
    const filled = (shape: number[]): Tensor => tensor(new Float32Array(sizeOf(shape)).fill(1), shape);
    const mm = (as: number[], bs: number[]): Tensor => ENGINE.runKernel('BatchMatMul', [filled(as), filled(bs)], { transposeA: false, transposeB: false })[0]!;
    expect(mm([1, 0, 3], [1, 3, 2]).shape).toEqual([1, 0, 2]);
    expect(mm([0, 2, 3], [1, 3, 2]).shape).toEqual([0, 2, 2]);
    const z = mm([1, 2, 0], [1, 0, 3]);
    expect(z.shape).toEqual([1, 2, 3]);
    expect(values(z)).toEqual([0, 0, 0, 0, 0, 0]);
    const zf = ENGINE.runKernel('FusedMatMul', [tensor([], [1, 2, 0]), tensor([], [1, 0, 3]), tensor([1, -2, 3])], {
      transposeA: false, transposeB: false, activation: 'relu', hasBias: true,
    })[0]!;
    expect(values(zf)).toEqual([1, 0, 3, 1, 0, 3]);
  });

  it('computes in double precision on cpu64', async () => {
    expect(await setBackend('cpu64')).toBe(true);
    try {
      const r64 = new Random(32);
      for (const [m, k, n] of [[65, 300, 33], [3, 5, 7]]) {
        const a = tensor(uniform(r64, m * k), [1, m, k]);
        const b = tensor(uniform(r64, k * n), [1, n, k]);
        const y = ENGINE.runKernel('BatchMatMul', [a, b], { transposeA: false, transposeB: true })[0]!;
        expect(y.dataSync()).toBeInstanceOf(Float64Array);
        expectClose(values(y), batchRef(a, b, false, true), 1e-13);
      }
    } finally {
      await setBackend('cpu');
    }
  });
});

describe('FusedMatMul', () => {
  const r = new Random(33);
  const act: Record<FusedActivation, (v: number) => number> = {
    linear: (v) => v,
    relu: (v) => Math.max(v, 0),
    sigmoid: (v) => 1 / (1 + Math.exp(-v)),
    tanh: Math.tanh,
  };
  for (const activation of Object.keys(act) as FusedActivation[]) {
    it(`bias + ${activation} over odd sizes and transposes`, () => {
      for (const [m, k, n] of [[7, 33, 65], [130, 300, 9], [1, 5, 3], [40, 40, 40]] as const) {
        for (const [transA, transB] of TRANSPOSES) {
          const [a, b] = operands(r, 2, 1, m, k, n, transA, transB);
          const bias = tensor(uniform(r, n), [n]);
          const bv = values(bias);
          const plain = batchRef(a, b, transA, transB);
          const withBias = ENGINE.runKernel('FusedMatMul', [a, b, bias], { transposeA: transA, transposeB: transB, activation, hasBias: true })[0]!;
          expectClose(values(withBias), plain.map((v, i) => act[activation](v + bv[i % n]!)), 1e-5);
          const noBias = ENGINE.runKernel('FusedMatMul', [a, b], { transposeA: transA, transposeB: transB, activation, hasBias: false })[0]!;
          expectClose(values(noBias), plain.map(act[activation]), 1e-5);
        }
      }
    });
  }

  it('is what the public fusedMatMul op runs', () => {
    const a = tensor(uniform(r, 12), [3, 4]);
    const b = tensor(uniform(r, 8), [4, 2]);
    const bias = tensor([0.5, -0.5]);
    const { kernels } = ENGINE.profile(() => fusedMatMul({ a, b, bias, activation: 'relu' }));
    expect(kernels.map((k) => k.kernel)).toContain('FusedMatMul');
    const want = matmulRef(values(a), 0, values(b), 0, 3, 2, 4, false, false).map((v, i) => Math.max(0, v + [0.5, -0.5][i % 2]!));
    expectClose(values(fusedMatMul({ a, b, bias, activation: 'relu' })), want, 1e-5);
  });
});
