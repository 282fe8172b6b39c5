// The tiled matmul kernel (products of at least 64³ multiply-adds; the conformance cases are mostly
// below that and take the naive kernel) against a float64 reference: edges that cut tiles, every
// transpose combination, batch broadcasting, and FusedMatMul's bias and activations.
import { Random, fusedMatMul, matmul, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';

function rand(n: number, seed: number): number[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => Math.fround(r.uniform(-1, 1)));
}

/** C[b] = op(A[b])·op(B[b]) in float64; batch-1 operands are shared. */
function reference(a: number[], b: number[], batchA: number, batchB: number, m: number, k: number, n: number, ta: boolean, tb: boolean): number[] {
  const batch = Math.max(batchA, batchB);
  const out = new Array<number>(batch * m * n).fill(0);
  for (let q = 0; q < batch; q++) {
    const ao = batchA === 1 ? 0 : q * m * k;
    const bo = batchB === 1 ? 0 : q * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[ao + (ta ? p * m + i : i * k + p)]! * b[bo + (tb ? j * k + p : p * n + j)]!;
        out[q * m * n + i * n + j] = s;
      }
    }
  }
  return out;
}

async function expectNear(t: Tensor, want: number[], what: string): Promise<void> {
  const got = await t.data();
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= 1e-4 + 1e-4 * Math.abs(want[i]!))) expect.fail(`${what}: [${i}] is ${got[i]}, expected ${want[i]}`);
  }
  t.dispose();
}

describe('tiled matmul', () => {
  const [m, k, n] = [67, 70, 130];
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`[2,${m},${k}]·[1,${k},${n}] transposeA ${ta} transposeB ${tb}`, async () => {
      const av = rand(2 * m * k, 1);
      const bv = rand(k * n, 2);
      const a = tensor(av, ta ? [2, k, m] : [2, m, k]);
      const b = tensor(bv, tb ? [n, k] : [k, n]);
      await expectNear(matmul(a, b, ta, tb), reference(av, bv, 2, 1, m, k, n, ta, tb), 'matmul');
      [a, b].forEach((t) => t.dispose());
    });
  }

  it('a deep product (split over K, then summed) with bias and relu, transposeA', async () => {
    const [dm, dk, dn] = [70, 3000, 66];
    const av = rand(dk * dm, 6);
    const bv = rand(dk * dn, 7);
    const biasv = rand(dn, 8);
    const a = tensor(av, [dk, dm]);
    const b = tensor(bv, [dk, dn]);
    const bias = tensor(biasv, [dn]);
    const want = reference(av, bv, 1, 1, dm, dk, dn, true, false);
    await expectNear(matmul(a, b, true, false), want, 'split-K matmul');
    const fused = want.map((v, i) => Math.max(v + biasv[i % dn]!, 0));
    await expectNear(fusedMatMul({ a, b, bias, transposeA: true, activation: 'relu' }), fused, 'split-K fusedMatMul');
    [a, b, bias].forEach((t) => t.dispose());
  });

  it('fusedMatMul with bias and each activation', async () => {
    const av = rand(m * k, 3);
    const bv = rand(k * n, 4);
    const biasv = rand(n, 5);
    const a = tensor(av, [m, k]);
    const b = tensor(bv, [k, n]);
    const bias = tensor(biasv, [n]);
    const base = reference(av, bv, 1, 1, m, k, n, false, false).map((v, i) => v + biasv[i % n]!);
    const acts = { linear: (v: number) => v, relu: (v: number) => Math.max(v, 0), sigmoid: (v: number) => 1 / (1 + Math.exp(-v)), tanh: Math.tanh };
    for (const [activation, f] of Object.entries(acts)) {
      await expectNear(fusedMatMul({ a, b, bias, activation: activation as keyof typeof acts }), base.map(f), `fused ${activation}`);
    }
    [a, b, bias].forEach((t) => t.dispose());
  });
});
