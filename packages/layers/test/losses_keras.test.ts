// The Keras losses beyond the cross-entropies: each against its Keras formula in float64 on small
// inputs, its gradient against the formula's derivative, and lookup by Keras and camelCase names.
import { tensor, type Tensor } from '@tessera/core';
import { grad } from '@tessera/autograd';
import { describe, expect, it } from 'vitest';
import {
  categoricalHinge, cosineSimilarity, getLoss, hinge, klDivergence, logCosh, lossName, losses, meanAbsolutePercentageError,
  meanSquaredLogarithmicError, poisson, squaredHinge, type LossFn,
} from '../src/index.js';
import { expectClose, randomValues, values } from './helpers.js';

const EPS = 1e-7;
const rows = (v: number[], n: number): number[][] => Array.from({ length: v.length / n }, (_, i) => v.slice(i * n, i * n + n));
const meanOf = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const sumOf = (v: number[]): number => v.reduce((a, b) => a + b, 0);
/** Per-sample loss of [4, 3] values from an elementwise term, averaged over the last axis. */
const elementwise = (t: number[], p: number[], term: (t: number, p: number) => number): number[] =>
  rows(p.map((q, i) => term(t[i]!, q)), 3).map(meanOf);

/** d(Σ loss)/d yPred by autograd. */
function gradOf(loss: LossFn, yTrue: Tensor, yPred: Tensor): number[] {
  return values(grad((p: Tensor) => loss(yTrue, p).sum())(yPred));
}

describe('regression-style losses', () => {
  const t = randomValues(12, 11, 0.2, 3);
  const p = randomValues(12, 12, 0.1, 4);
  const yTrue = tensor(t, [4, 3]);
  const yPred = tensor(p, [4, 3]);

  it('logCosh: mean(log(cosh(p − t))), finite far out, gradient tanh(p − t) / n', () => {
    expectClose(values(logCosh(yTrue, yPred)), elementwise(t, p, (a, b) => Math.log(Math.cosh(b - a))));
    expectClose(gradOf(logCosh, yTrue, yPred), p.map((b, i) => Math.tanh(b - t[i]!) / 3));
    // Keras's docstring example: [[0, 1], [0, 0]] vs [[1, 1], [0, 0]] → per sample [log cosh 1 / 2, 0].
    expectClose(values(logCosh(tensor([[0, 1], [0, 0]]), tensor([[1, 1], [0, 0]]))), [Math.log(Math.cosh(1)) / 2, 0]);
    // cosh(200) overflows float32; the softplus form does not: |x| − log 2.
    expectClose(values(logCosh(tensor([[0]]), tensor([[200]]))), [200 - Math.LN2]);
  });

  it('MAPE: 100·mean(|t − p| / max(|t|, ε)), with t = 0 divided by ε', () => {
    expectClose(values(meanAbsolutePercentageError(yTrue, yPred)), elementwise(t, p, (a, b) => (100 * Math.abs(a - b)) / Math.abs(a)));
    expectClose(gradOf(meanAbsolutePercentageError, yTrue, yPred), p.map((b, i) => (100 * Math.sign(b - t[i]!)) / Math.abs(t[i]!) / 3));
    expectClose(values(meanAbsolutePercentageError(tensor([[0, -2]]), tensor([[1e-7, -1]]))), [(100 * (Math.fround(1e-7) / Math.fround(EPS)) + 50) / 2], 1e-3);
  });

  it('MSLE: mean((log(1 + p) − log(1 + t))²), negatives clipped to ε', () => {
    const ref = (a: number, b: number): number => (Math.log1p(Math.max(b, EPS)) - Math.log1p(Math.max(a, EPS))) ** 2;
    expectClose(values(meanSquaredLogarithmicError(yTrue, yPred)), elementwise(t, p, ref));
    expectClose(
      gradOf(meanSquaredLogarithmicError, yTrue, yPred),
      p.map((b, i) => (2 * (Math.log1p(b) - Math.log1p(t[i]!))) / (1 + b) / 3),
    );
    expectClose(values(meanSquaredLogarithmicError(tensor([[-3, 1]]), tensor([[2, -5]]))), [(ref(-3, 2) + ref(1, -5)) / 2]);
  });

  it('poisson: mean(p − t·log(p + ε)), gradient (1 − t / (p + ε)) / n', () => {
    expectClose(values(poisson(yTrue, yPred)), elementwise(t, p, (a, b) => b - a * Math.log(b + EPS)));
    expectClose(gradOf(poisson, yTrue, yPred), p.map((b, i) => (1 - t[i]! / (b + EPS)) / 3));
    // A zero rate is finite: t·log(ε).
    expect(Number.isFinite(values(poisson(tensor([[2]]), tensor([[0]])))[0]!)).toBe(true);
  });
});

describe('distribution losses', () => {
  it('klDivergence: Σ t·log(t / p) over the last axis, both clipped to [ε, 1]', () => {
    const t = [0.2, 0.5, 0.3, 0, 1, 0];
    const p = [0.1, 0.6, 0.3, 0.25, 0.5, 0.25];
    const clip = (v: number): number => Math.min(Math.max(v, EPS), 1);
    const ref = rows(t.map((a, i) => clip(a) * Math.log(clip(a) / clip(p[i]!))), 3).map(sumOf);
    expectClose(values(klDivergence(tensor(t, [2, 3]), tensor(p, [2, 3]))), ref);
    expect(ref[1]).toBeCloseTo(Math.log(2), 5);
    // d/dp = −t / p inside the clip range.
    expectClose(gradOf(klDivergence, tensor(t, [2, 3]), tensor(p, [2, 3])), t.map((a, i) => -clip(a) / p[i]!));
    // A zero prediction under a positive target is large, not infinite.
    const zero = values(klDivergence(tensor([[1, 0]]), tensor([[0, 1]])))[0]!;
    expect(zero).toBeCloseTo(-Math.log(Math.fround(EPS)), 3);
  });

  it('cosineSimilarity: −cos over the last axis (Keras sign), 0 for a zero vector', () => {
    // Keras's docstring example.
    expectClose(values(cosineSimilarity(tensor([[0, 1], [1, 1], [1, 1]]), tensor([[1, 0], [1, 1], [-1, -1]]))), [0, -1, 1]);
    const t = randomValues(6, 21);
    const p = randomValues(6, 22);
    const cos = rows(t, 3).map((a, i) => {
      const b = p.slice(i * 3, i * 3 + 3);
      const dot = sumOf(a.map((v, j) => v * b[j]!));
      return dot / Math.hypot(...a) / Math.hypot(...b);
    });
    expectClose(values(cosineSimilarity(tensor(t, [2, 3]), tensor(p, [2, 3]))), cos.map((c) => -c));
    // d(−cos)/dp = −(t̂ − cos·p̂) / ‖p‖.
    const g = rows(p, 3).flatMap((b, i) => {
      const a = t.slice(i * 3, i * 3 + 3);
      const na = Math.hypot(...a);
      const nb = Math.hypot(...b);
      return b.map((v, j) => -(a[j]! / na - (cos[i]! * v) / nb) / nb);
    });
    expectClose(gradOf(cosineSimilarity, tensor(t, [2, 3]), tensor(p, [2, 3])), g);
    const zero = tensor([[0, 0, 0]]);
    expectClose(values(cosineSimilarity(tensor([[1, 2, 3]]), zero)), [0]);
    expect(gradOf(cosineSimilarity, tensor([[1, 2, 3]]), zero).every(Number.isFinite)).toBe(true);
  });
});

describe('hinge losses', () => {
  const p = [0.3, -1.5, 2, 0.9, -0.2, 0.1];
  const signs = [1, -1, -1, 1, 1, -1];

  it('hinge and squaredHinge: mean(max(1 − t·p, 0)) (squared), with −1/1 targets', () => {
    const margin = p.map((v, i) => Math.max(1 - signs[i]! * v, 0));
    const yPred = tensor(p, [2, 3]);
    expectClose(values(hinge(tensor(signs, [2, 3]), yPred)), rows(margin, 3).map(meanOf));
    expectClose(values(squaredHinge(tensor(signs, [2, 3]), yPred)), rows(margin.map((m) => m * m), 3).map(meanOf));
    // Gradients: −t / n where the margin is positive, 0 beyond it; squared: −2·margin·t / n.
    expectClose(gradOf(hinge, tensor(signs, [2, 3]), yPred), margin.map((m, i) => (m > 0 ? -signs[i]! / 3 : 0)));
    expectClose(gradOf(squaredHinge, tensor(signs, [2, 3]), yPred), margin.map((m, i) => (-2 * m * signs[i]!) / 3));
  });

  it('0/1 targets are converted to −1/1 (as Keras does), other targets are used as they are', () => {
    const binary = signs.map((s) => (s + 1) / 2);
    const yPred = tensor(p, [2, 3]);
    expectClose(values(hinge(tensor(binary, [2, 3]), yPred)), values(hinge(tensor(signs, [2, 3]), yPred)));
    expectClose(values(squaredHinge(tensor(binary, [2, 3], 'int32'), yPred)), values(squaredHinge(tensor(signs, [2, 3]), yPred)));
    // [batch] labels against [batch, 1] scores.
    expectClose(values(hinge(tensor([1, 0], [2], 'int32'), tensor([[0.4], [0.4]]))), [0.6, 1.4]);
    // Not all 0/1: 0.5 stays 0.5.
    expectClose(values(hinge(tensor([[0.5, 1]]), tensor([[1, 1]]))), [0.25]);
  });

  it('categoricalHinge: max(max((1 − t)·p) − Σ t·p + 1, 0)', () => {
    const t = [0, 1, 0, 1, 0, 0];
    const q = [0.2, 0.9, 0.5, 0.1, 0.7, 1.4];
    // Row 1: pos 0.9, neg 0.5 → 0.6; row 2: pos 0.1, neg 1.4 → 2.3.
    const yPred = tensor(q, [2, 3]);
    expectClose(values(categoricalHinge(tensor(t, [2, 3]), yPred)), [0.6, 2.3]);
    // d/dp: −1 at the true class, +1 at the best other class (where the loss is positive).
    expectClose(gradOf(categoricalHinge, tensor(t, [2, 3]), yPred), [0, -1, 1, -1, 0, 1]);
    expectClose(values(categoricalHinge(tensor([[0, 1]]), tensor([[-1, 3]]))), [0]);
  });
});

describe('shapes and bad input', () => {
  const all: [string, LossFn][] = [
    ['logCosh', logCosh], ['meanAbsolutePercentageError', meanAbsolutePercentageError], ['meanSquaredLogarithmicError', meanSquaredLogarithmicError],
    ['poisson', poisson], ['klDivergence', klDivergence], ['hinge', hinge], ['squaredHinge', squaredHinge],
    ['categoricalHinge', categoricalHinge], ['cosineSimilarity', cosineSimilarity],
  ];

  it('give one value per sample for [batch, time, features] and average over time', () => {
    const t = tensor(randomValues(24, 31, 0.1, 1), [2, 3, 4]);
    const p = tensor(randomValues(24, 32, 0.1, 1), [2, 3, 4]);
    for (const [name, f] of all) {
      const y = f(t, p);
      expect(y.shape, name).toEqual([2]);
      expect(values(y).every(Number.isFinite), name).toBe(true);
    }
    // The per-sample value is the mean over time of the per-step values.
    const perStep = values(klDivergence(tensor(randomValues(24, 31, 0.1, 1), [6, 4]), tensor(randomValues(24, 32, 0.1, 1), [6, 4])));
    expectClose(values(klDivergence(t, p)), [meanOf(perStep.slice(0, 3)), meanOf(perStep.slice(3))]);
  });

  it('name the loss and the shapes on a mismatch, and refuse non-tensors and scalars', () => {
    for (const [name, f] of all) {
      expect(() => f(tensor([[1, 2]]), tensor([[1, 2, 3]])), name).toThrow(`${name}: yTrue [1,2] and yPred [1,3] must have the same shape`);
      expect(() => f([[1]] as unknown as Tensor, tensor([[1]])), name).toThrow(new RegExp(`${name}: yTrue and yPred must be Tensors`));
      expect(() => f(tensor(1), tensor(1)), name).toThrow(new RegExp(`${name}: yPred must have a batch dimension`));
    }
  });
});

describe('getLoss knows them by Keras and camelCase names', () => {
  it('resolves names and aliases', () => {
    const pairs: [string, string][] = [
      ['kl_divergence', 'klDivergence'], ['KLDivergence', 'klDivergence'], ['kld', 'klDivergence'], ['KLD', 'klDivergence'],
      ['kullback_leibler_divergence', 'klDivergence'], ['hinge', 'hinge'], ['squared_hinge', 'squaredHinge'], ['SquaredHinge', 'squaredHinge'],
      ['categorical_hinge', 'categoricalHinge'], ['cosine_similarity', 'cosineSimilarity'], ['cosineProximity', 'cosineSimilarity'],
      ['poisson', 'poisson'], ['Poisson', 'poisson'], ['mape', 'meanAbsolutePercentageError'], ['MAPE', 'meanAbsolutePercentageError'],
      ['mean_absolute_percentage_error', 'meanAbsolutePercentageError'], ['msle', 'meanSquaredLogarithmicError'],
      ['mean_squared_logarithmic_error', 'meanSquaredLogarithmicError'], ['log_cosh', 'logCosh'], ['logcosh', 'logCosh'], ['LogCosh', 'logCosh'],
      ['huber_loss', 'huber'],
    ];
    for (const [id, name] of pairs) {
      expect(getLoss(id).name, id).toBe(name);
      expect(lossName(id), id).toBe(name);
      expect(getLoss({ name: id }).name, id).toBe(name);
    }
    const t = tensor([[1, 0]]);
    const p = tensor([[0.3, 0.7]]);
    expectClose(values(getLoss('squared_hinge')(t, p)), values(squaredHinge(t, p)));
    expect(losses.klDivergence).toBe(klDivergence);
    expect(losses.get('log_cosh')).toBe(logCosh);
  });

  it('they take no options, and an unknown name lists the known ones and the aliases', () => {
    expect(() => getLoss({ name: 'hinge', fromLogits: true })).toThrow("getLoss: hinge has no option 'fromLogits'");
    expect(() => getLoss({ name: 'kld', delta: 1 })).toThrow("getLoss: klDivergence has no option 'delta'");
    expect(() => getLoss('hinged')).toThrow(
      /unknown loss 'hinged' \(known: .*hinge, squaredHinge, categoricalHinge, cosineSimilarity; aliases: mse, mae, huberLoss, bce, cce, scce, mape, msle, kld/,
    );
  });
});
