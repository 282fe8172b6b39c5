// The gradient half of the conformance suite: every gradient rule against float64 finite
// differences (on 'cpu64'), and the backend's own gradients against those float64 gradients.
import {
  abs, add, avgPool2d, broadcastTo, clipByValue, concat, conv2d, conv2dTranspose, cos, depthwiseConv2d, div, elu, erf, exp, expandDims, expm1,
  fusedConv2d, fusedMatMul, gather, gelu, leakyRelu, log, log1p, logSoftmax, logSumExp, matmul, max, maxPool2d, maximum,
  mean, memory, min, minimum, mod, moments, mul, neg, pad, pow, prod, reciprocal, relu, relu6, reshape,
  rsqrt, selu, setBackend, sigmoid, sin, slice, softmax, softmaxCrossEntropy, softplus, split, sqrt, square,
  squaredDifference, squeeze, stack, sub, sum, swish, tanh, tensor, tidy, tile, transpose, unsortedSegmentSum,
  topk, unstack, variable, where, Random, greater, Tensor, getBackend, type FusedActivation,
} from '@tessera/core';
import { checkGradients, customGrad, grad, grads, stopGradient, valueAndGrad, variableGrads } from '@tessera/autograd';
import { beforeAll, describe, expect, it } from 'vitest';

type Gen = 'any' | 'positive' | 'awayFromZero' | 'unit';
interface Case {
  name: string;
  f: (...xs: Tensor[]) => Tensor;
  inputs: { shape: number[]; gen?: Gen }[];
  /** Looser tolerance for rules whose finite differences are less exact (kinks nearby). */
  rtol?: number;
}

function values(r: Random, n: number, gen: Gen = 'any'): number[] {
  return Array.from({ length: n }, () => {
    switch (gen) {
      case 'positive':
        return r.uniform(0.3, 2);
      case 'awayFromZero':
        return (r.next() < 0.5 ? -1 : 1) * r.uniform(0.3, 2);
      case 'unit':
        return r.uniform(0.1, 0.9);
      default:
        return r.uniform(-2, 2);
    }
  });
}

/** Fixed non-trainable data used inside cases (created fresh on whichever backend runs the case). */
const labels = (): Tensor => tensor([[0.1, 0.7, 0.2, 0], [0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0]]);
const cond = (): Tensor => tensor([[true, false, true], [false, false, true]]);

const u = (name: string, f: (x: Tensor) => Tensor, gen: Gen = 'any', shape = [2, 3]): Case => ({ name, f, inputs: [{ shape, gen }] });

export const GRADIENT_CASES: Case[] = [
  u('neg', neg),
  u('abs', abs, 'awayFromZero'),
  u('square', square),
  u('relu', relu, 'awayFromZero'),
  u('relu6', (x) => relu6(mul(x, 4)), 'awayFromZero'),
  u('exp', exp),
  u('log', log, 'positive'),
  u('log1p', log1p, 'positive'),
  u('expm1', expm1),
  u('sqrt', sqrt, 'positive'),
  u('rsqrt', rsqrt, 'positive'),
  u('reciprocal', reciprocal, 'awayFromZero'),
  u('sin', sin),
  u('cos', cos),
  u('tanh', tanh),
  u('sigmoid', sigmoid),
  u('softplus', softplus),
  u('erf', erf),
  u('leakyRelu', (x) => leakyRelu(x, 0.1), 'awayFromZero'),
  u('elu', elu, 'awayFromZero'),
  u('selu', selu, 'awayFromZero'),
  u('gelu', (x) => gelu(x)),
  u('gelu (tanh approximation)', (x) => gelu(x, true)),
  u('swish', swish),
  u('clipByValue', (x) => clipByValue(x, -1.1, 1.3), 'awayFromZero'),
  { name: 'add (broadcast [2,3] + [3])', f: add, inputs: [{ shape: [2, 3] }, { shape: [3] }] },
  { name: 'sub (broadcast [2,1] - [1,3])', f: sub, inputs: [{ shape: [2, 1] }, { shape: [1, 3] }] },
  { name: 'mul (broadcast [2,3] * scalar)', f: mul, inputs: [{ shape: [2, 3] }, { shape: [] }] },
  { name: 'div (broadcast [3] / [2,3])', f: div, inputs: [{ shape: [3] }, { shape: [2, 3], gen: 'awayFromZero' }] },
  { name: 'pow', f: pow, inputs: [{ shape: [2, 3], gen: 'positive' }, { shape: [2, 3] }] },
  { name: 'pow (broadcast exponent)', f: pow, inputs: [{ shape: [2, 3], gen: 'positive' }, { shape: [1] }] },
  { name: 'maximum', f: (a, b) => maximum(a, add(b, 0.05)), inputs: [{ shape: [2, 3] }, { shape: [2, 3] }] },
  { name: 'minimum (broadcast)', f: minimum, inputs: [{ shape: [2, 3] }, { shape: [3] }] },
  { name: 'mod', f: (a, b) => mod(a, add(b, 2)), inputs: [{ shape: [2, 3], gen: 'unit' }, { shape: [2, 3], gen: 'unit' }] },
  { name: 'squaredDifference', f: squaredDifference, inputs: [{ shape: [2, 3] }, { shape: [3] }] },
  { name: 'where (broadcast)', f: (a, b) => where(cond(), a, b), inputs: [{ shape: [2, 3] }, { shape: [3] }] },
  u('sum (all)', (x) => sum(x), 'any', [2, 3, 2]),
  u('sum (axis 1, keepDims)', (x) => sum(x, 1, true), 'any', [2, 3, 2]),
  u('sum (axes [0, 2])', (x) => sum(x, [0, 2]), 'any', [2, 3, 2]),
  u('mean (axis -1)', (x) => mean(x, -1), 'any', [2, 3, 2]),
  u('prod (axis 1)', (x) => prod(x, 1), 'awayFromZero', [2, 3, 2]),
  u('max (axis 0)', (x) => max(x, 0), 'any', [3, 4]),
  u('min (all)', (x) => min(x), 'any', [3, 4]),
  u('logSumExp (axis 1)', (x) => logSumExp(x, 1), 'any', [3, 4]),
  u('moments (variance, axis 0)', (x) => moments(x, 0).variance, 'any', [4, 3]),
  { name: 'matmul', f: (a, b) => matmul(a, b), inputs: [{ shape: [3, 4] }, { shape: [4, 2] }] },
  { name: 'matmul (transposeA)', f: (a, b) => matmul(a, b, true, false), inputs: [{ shape: [4, 3] }, { shape: [4, 2] }] },
  { name: 'matmul (transposeB)', f: (a, b) => matmul(a, b, false, true), inputs: [{ shape: [3, 4] }, { shape: [2, 4] }] },
  { name: 'matmul (both transposed)', f: (a, b) => matmul(a, b, true, true), inputs: [{ shape: [4, 3] }, { shape: [2, 4] }] },
  { name: 'matmul (batched, broadcast b)', f: (a, b) => matmul(a, b), inputs: [{ shape: [2, 3, 4] }, { shape: [4, 2] }] },
  ...(['linear', 'relu', 'sigmoid', 'tanh'] as FusedActivation[]).map(
    (activation): Case => ({
      name: `fusedMatMul (${activation}, bias)`,
      f: (a, b, bias) => fusedMatMul({ a, b, bias, activation }),
      inputs: [{ shape: [3, 4] }, { shape: [4, 5] }, { shape: [5] }],
    }),
  ),
  { name: 'fusedMatMul (transposeB, no bias)', f: (a, b) => fusedMatMul({ a, b, transposeB: true }), inputs: [{ shape: [3, 4] }, { shape: [5, 4] }] },
  u('softmax (last axis)', (x) => softmax(x), 'any', [3, 4]),
  u('softmax (axis 0)', (x) => softmax(x, 0), 'any', [3, 4]),
  u('logSoftmax', (x) => logSoftmax(x), 'any', [3, 4]),
  { name: 'softmaxCrossEntropy (logits)', f: (x) => softmaxCrossEntropy(labels(), x), inputs: [{ shape: [3, 4] }] },
  { name: 'softmaxCrossEntropy (labels)', f: (l) => softmaxCrossEntropy(softmax(l), tensor([[1, 2, 0, -1], [0, 0, 0, 3], [2, 2, -2, 1]])), inputs: [{ shape: [3, 4] }] },
  u('reshape', (x) => mul(reshape(x, [3, -1]), tensor([[1], [2], [3]])), 'any', [2, 3, 2]),
  u('transpose (perm [2,0,1])', (x) => mul(transpose(x, [2, 0, 1]), tensor([[[1]], [[-2]]])), 'any', [2, 3, 2]),
  u('slice', (x) => slice(x, [1, 0], [2, -1]), 'any', [4, 3]),
  { name: 'concat (axis 1)', f: (a, b) => mul(concat([a, b], 1), tensor([1, 2, 3, 4, 5])), inputs: [{ shape: [2, 3] }, { shape: [2, 2] }] },
  { name: 'stack (axis 1)', f: (a, b) => mul(stack([a, b], 1), tensor([[1], [2]])), inputs: [{ shape: [3, 2] }, { shape: [3, 2] }] },
  u('split', (x) => { const [p, q] = split(x, [1, 2], 1); return add(mul(sum(p!, 1), 3), sum(q!, 1)); }, 'any', [2, 3]),
  u('unstack', (x) => { const [p, q] = unstack(x, 0); return mul(p!, q!); }, 'any', [2, 3]),
  u('expandDims + squeeze', (x) => squeeze(mul(expandDims(x, 1), tensor([[[2]]])), 1), 'any', [2, 3]),
  u('tile', (x) => mul(tile(x, [2, 3]), reshape(tensor(Array.from({ length: 36 }, (_, i) => i / 10)), [4, 9])), 'any', [2, 3]),
  u('broadcastTo', (x) => mul(broadcastTo(x, [2, 2, 3]), tensor([[[1, 2, 3]], [[4, 5, 6]]])), 'any', [2, 1]),
  u('pad', (x) => mul(pad(x, [[1, 0], [2, 1]]), 2), 'any', [2, 3]),
  u('gather (axis 0, repeated indices)', (x) => gather(x, tensor([2, 0, 2, 1], [4], 'int32'), 0), 'any', [3, 2]),
  u('gather (axis 1, 2-D indices)', (x) => gather(x, tensor([[1, 1], [0, 2]], [2, 2], 'int32'), 1), 'any', [2, 3, 2]),
  u('unsortedSegmentSum', (x) => unsortedSegmentSum(x, tensor([1, 0, 1, 3], [4], 'int32'), 3), 'any', [4, 2]),
  u('topk values (k 2 of the last axis)', (x) => topk(x, 2).values, 'any', [3, 4]),
  u('topk values (k = n, rank 3)', (x) => topk(x, 3).values, 'any', [2, 2, 3]),
  { name: 'conv2d (valid)', f: (x, w) => conv2d(x, w), inputs: [{ shape: [2, 5, 5, 2] }, { shape: [3, 3, 2, 3] }] },
  { name: 'conv2d (stride 2, same)', f: (x, w) => conv2d(x, w, 2, 'same'), inputs: [{ shape: [1, 6, 5, 2] }, { shape: [3, 2, 2, 2] }] },
  { name: 'fusedConv2d (relu, bias)', f: (x, w, b) => fusedConv2d({ x, filter: w, bias: b, activation: 'relu' }), inputs: [{ shape: [2, 5, 5, 2] }, { shape: [3, 3, 2, 3] }, { shape: [3] }] },
  { name: 'fusedConv2d (tanh, stride 2 same, no bias)', f: (x, w) => fusedConv2d({ x, filter: w, strides: 2, padding: 'same', activation: 'tanh' }), inputs: [{ shape: [1, 6, 5, 2] }, { shape: [3, 2, 2, 2] }] },
  { name: 'fusedConv2d (sigmoid, bias)', f: (x, w, b) => fusedConv2d({ x, filter: w, bias: b, activation: 'sigmoid' }), inputs: [{ shape: [1, 4, 4, 1] }, { shape: [2, 2, 1, 2] }, { shape: [2] }] },
  { name: 'conv2d (dilation 2, explicit padding)', f: (x, w) => conv2d(x, w, 1, [[1, 0], [0, 2]], 2), inputs: [{ shape: [1, 6, 6, 1] }, { shape: [2, 2, 1, 2] }] },
  { name: 'conv2dTranspose (stride 2, same)', f: (x, w) => conv2dTranspose(x, w, [1, 6, 5, 2], 2, 'same'), inputs: [{ shape: [1, 3, 3, 3] }, { shape: [3, 3, 2, 3] }] },
  { name: 'conv2dTranspose (valid, strides [2,1])', f: (x, w) => conv2dTranspose(x, w, [2, 6, 4, 1], [2, 1]), inputs: [{ shape: [2, 3, 3, 2] }, { shape: [2, 2, 1, 2] }] },
  { name: 'grad of grad (conv2dTranspose)', f: (x, w) => grads((p, q) => square(conv2dTranspose(p, q, [1, 4, 4, 1], 2)))([x, w])[0]!, inputs: [{ shape: [1, 2, 2, 2] }, { shape: [2, 2, 1, 2] }] },
  { name: 'depthwiseConv2d (valid, multiplier 2)', f: (x, w) => depthwiseConv2d(x, w), inputs: [{ shape: [2, 4, 4, 2] }, { shape: [3, 3, 2, 2] }] },
  { name: 'depthwiseConv2d (stride 2, same)', f: (x, w) => depthwiseConv2d(x, w, 2, 'same'), inputs: [{ shape: [1, 5, 4, 3] }, { shape: [3, 2, 3, 1] }] },
  { name: 'depthwiseConv2d (dilation 2, same)', f: (x, w) => depthwiseConv2d(x, w, 1, 'same', 2), inputs: [{ shape: [1, 5, 5, 2] }, { shape: [2, 2, 2, 1] }] },
  u('maxPool2d (2x2)', (x) => maxPool2d(x, 2), 'any', [1, 4, 4, 2]),
  u('maxPool2d (3x3 stride 2 same)', (x) => maxPool2d(x, 3, 2, 'same'), 'any', [1, 5, 5, 1]),
  u('avgPool2d (3x3 stride 2 same)', (x) => avgPool2d(x, 3, 2, 'same'), 'any', [1, 5, 5, 2]),
  // Second order: rules are written with core ops, so their results are differentiable again.
  u('grad of grad (tanh)', (x) => grad((y) => tanh(y))(x), 'any', [5]),
  u('grad of grad (x³ sum)', (x) => grad((y) => sum(mul(mul(y, y), y)))(x), 'any', [4]),
  u('grad of grad (softmax)', (x) => grad((y) => mul(softmax(y), tensor([1, -2, 3])))(x), 'any', [2, 3]),
  { name: 'grad of grad (matmul)', f: (a, b) => grads((p, q) => square(matmul(p, q)))([a, b])[0]!, inputs: [{ shape: [2, 3] }, { shape: [3, 2] }] },
  { name: 'grad of grad (conv2d)', f: (x, w) => grads((p, q) => square(conv2d(p, q)))([x, w])[1]!, inputs: [{ shape: [1, 4, 4, 1] }, { shape: [2, 2, 1, 2] }] },
  u('grad of grad (avgPool2d)', (x) => grad((y) => square(avgPool2d(y, 2, 1)))(x), 'any', [1, 3, 3, 1]),
];

function inputsFor(c: Case, seed: number): { values: number[]; shape: number[] }[] {
  const r = new Random(seed);
  return c.inputs.map((i) => ({ values: values(r, i.shape.reduce((p, d) => p * d, 1), i.gen), shape: i.shape }));
}

async function analytic(backend: string, c: Case, inputs: { values: number[]; shape: number[] }[], dySeed: number): Promise<Float64Array[]> {
  if (!(await setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  const { gs, y } = tidy(() => {
    const xs = inputs.map((i) => tensor(i.values, i.shape));
    const y0 = c.f(...xs);
    const r = new Random(dySeed);
    const dy = tensor(Array.from({ length: y0.size }, () => r.uniform(-1, 1)), [...y0.shape]);
    return { gs: grads(c.f)(xs, dy), y: y0 };
  });
  const out = await Promise.all(gs.map(async (g) => Float64Array.from(await g.data())));
  gs.forEach((g) => g.dispose());
  y.dispose();
  return out;
}

/**
 * Registers the gradient suite for a backend: on 'cpu64' every rule is checked against float64
 * central differences; on any backend its gradients must match those float64 gradients.
 */
export function describeGradients(backendName: string, options: { rtol?: number; atol?: number } = {}): void {
  const rtol = options.rtol ?? 2e-3;
  const atol = options.atol ?? 2e-4;
  describe(`gradients on ${backendName}`, () => {
    let f64 = false;
    beforeAll(async () => {
      f64 = await setBackend('cpu64');
      const ok = await setBackend(backendName);
      if (!ok) throw new Error(`describeGradients: backend '${backendName}' could not be initialised`);
    });

    for (const [i, c] of GRADIENT_CASES.entries()) {
      it(c.name, async () => {
        const inputs = inputsFor(c, 1000 + i);
        if (!f64) throw new Error("the 'cpu64' backend (import '@tessera/backend-cpu') is needed as the float64 reference");
        const res = await checkGradients(c.f, inputs, { name: c.name, rtol: c.rtol ?? 1e-5, atol: 1e-6, throwOnFail: false });
        expect(res.ok, `finite differences disagree: ${JSON.stringify(res.worst)}`).toBe(true);
        if (backendName === 'cpu64') return;
        const ref = await analytic('cpu64', c, inputs, 77 + i);
        const got = await analytic(backendName, c, inputs, 77 + i);
        await setBackend(backendName);
        ref.forEach((r, k) => {
          for (let j = 0; j < r.length; j++) {
            const ok = Math.abs(got[k]![j]! - r[j]!) <= atol + rtol * Math.abs(r[j]!);
            if (!ok) expect.fail(`${c.name}: d/dinput${k}[${j}] is ${got[k]![j]} on ${backendName}, float64 reference ${r[j]}`);
          }
        });
      });
    }
  });

  describe(`autograd mechanics on ${backendName}`, () => {
    beforeAll(async () => {
      expect(await setBackend(backendName)).toBe(true);
    });

    it('valueAndGrad returns the value and the gradient', async () => {
      const x = tensor([1, 2, 3]);
      const { value, grad: g } = valueAndGrad((t) => sum(square(t)))(x);
      expect(await value.data()).toEqual(new Float32Array([14]));
      expect(Array.from(await g.data())).toEqual([2, 4, 6]);
      [x, value, g].forEach((t) => t.dispose());
    });

    it('gives zeros for an input the output does not depend on', async () => {
      const [a, b] = [tensor([1, 2]), tensor([3, 4])];
      const [ga, gb] = grads((p, _q) => sum(mul(p, p)))([a, b]);
      expect(Array.from(await ga!.data())).toEqual([2, 4]);
      expect(Array.from(await gb!.data())).toEqual([0, 0]);
      [a, b, ga!, gb!].forEach((t) => t.dispose());
    });

    it('accumulates gradients of a tensor used several times', async () => {
      const x = tensor([2, -1]);
      const g = grad((t) => sum(add(mul(t, t), mul(t, 3))))(x);
      expect(Array.from(await g.data())).toEqual([7, 1]);
      [x, g].forEach((t) => t.dispose());
    });

    it('variableGrads differentiates trainable variables only, by name', async () => {
      const w = variable(tensor([1, 2]), true, `w_${backendName}_vg`);
      const frozen = variable(tensor([5, 5]), false, `frozen_${backendName}_vg`);
      const { value, grads: gs } = variableGrads(() => sum(mul(mul(w, w), frozen)));
      expect(Object.keys(gs)).toEqual([w.name]);
      expect(Array.from(await gs[w.name]!.data())).toEqual([10, 20]);
      expect(await value.data()).toEqual(new Float32Array([25]));
      [w, frozen, value, gs[w.name]!].forEach((t) => t.dispose());
    });

    it('variableGrads rejects a non-scalar loss', () => {
      const w = variable(tensor([1, 2]), true, `w_${backendName}_nonscalar`);
      expect(() => variableGrads(() => mul(w, 2), [w])).toThrow(/loss must be a scalar, got shape \[2\]/);
      w.dispose();
    });

    it('stopGradient blocks the gradient', async () => {
      const x = tensor([3]);
      const g = grad((t) => sum(mul(t, stopGradient(t))))(x);
      expect(Array.from(await g.data())).toEqual([3]);
      [x, g].forEach((t) => t.dispose());
    });

    it('customGrad uses the given gradient', async () => {
      const clipGrad = customGrad((x) => ({ value: square(x), gradFunc: (dy) => clipByValue(dy, -0.5, 0.5) }));
      const x = tensor([2, 3]);
      const g = grad((t) => sum(mul(clipGrad(t), tensor([1, -4]))))(x);
      expect(Array.from(await g.data())).toEqual([0.5, -0.5]);
      [x, g].forEach((t) => t.dispose());
    });

    it('survives intermediates disposed inside the function', async () => {
      const x = tensor([0.5, -1]);
      const g = grad((t) => tidy(() => sum(exp(mul(t, 2)))))(x);
      const expected = [2 * Math.exp(1), 2 * Math.exp(-2)];
      const d = await g.data();
      expected.forEach((e, i) => expect(d[i]).toBeCloseTo(e, 5));
      [x, g].forEach((t) => t.dispose());
    });

    it('leaks no tensors across repeated gradient computations', async () => {
      const x = tensor([[0.1, 0.2], [0.3, -0.4]]);
      const w = variable(tensor([[1, -1], [0.5, 2]]), true, `w_${backendName}_leak`);
      const step = (): void => {
        const { value, grads: gs } = variableGrads(() => mean(square(sub(tanh(matmul(x, w)), 0.3))), [w]);
        tidy(() => w.assign(sub(w, mul(gs[w.name]!, 0.1))));
        value.dispose();
        gs[w.name]!.dispose();
      };
      step();
      const before = memory();
      for (let i = 0; i < 10; i++) step();
      const after = memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numDataBuffers).toBe(before.numDataBuffers);
      [x, w].forEach((t) => t.dispose());
    });

    it('names the problem when differentiating a non-float input or output', () => {
      const i = tensor([1, 2], [2], 'int32');
      expect(() => grad((t) => t)(i)).toThrow(/grad: input 0 is int32/);
      const x = tensor([1, 2]);
      expect(() => grad((t) => greater(t, 1))(x)).toThrow(/returned a bool tensor/);
      [i, x].forEach((t) => t.dispose());
      expect(getBackend()).toBe(backendName);
    });
  });
}
