import {
  Random, Tensor, TesseraError, add, argMax, cast, checkOptions, div, exp, fill, fmtShape, greaterEqual, less, logSoftmax, mul, multinomial, reshape,
  scalar, slice, sum, tidy, topk, where,
} from '@tessera/core';

export interface SampleOptions {
  /** Divides the logits first: < 1 sharpens, > 1 flattens; 0 picks the most likely token (greedy). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (ties at the k-th included). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (nucleus sampling), in (0, 1]. */
  topP?: number;
  /**
   * Where the draws come from: a seed, or a `Random` generator that advances with each call (a
   * generation loop passes one generator, so a seed repeats the whole text). Default: the global
   * generator (`setSeed`).
   */
  seed?: number | Random;
}

const SAMPLE_OPTIONS = ['temperature', 'topK', 'topP', 'seed'];

/** Bisection steps for the nucleus threshold: 2⁻³⁰ of the probability range, below float32's resolution. */
const NUCLEUS_STEPS = 30;

/**
 * Draws one token per row from logits [batch, vocab] (or [vocab]) with temperature, top-k and
 * top-p filtering, then `multinomial`: int32 [batch] (or a scalar-shaped [1] for 1-D logits).
 * Everything runs as tensor ops, on any backend; the filters mask tokens with −Infinity.
 */
export function sampleLogits(logits: Tensor, options: SampleOptions = {}): Tensor {
  if (!(logits instanceof Tensor)) throw new TesseraError(`sampleLogits: logits must be a Tensor, got ${typeof logits}`);
  logits.assertAlive('sampleLogits');
  checkOptions('sampleLogits', options, SAMPLE_OPTIONS);
  const { temperature = 1, topK, topP } = options;
  if (logits.rank !== 1 && logits.rank !== 2) throw new TesseraError(`sampleLogits: logits must be [vocab] or [batch, vocab], got ${fmtShape(logits.shape)}`);
  const vocab = logits.shape[logits.rank - 1]!;
  if (!(typeof temperature === 'number' && Number.isFinite(temperature) && temperature >= 0)) {
    throw new TesseraError(`sampleLogits: temperature must be a finite number >= 0, got ${String(temperature)}`);
  }
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1 && topK <= vocab)) {
    throw new TesseraError(`sampleLogits: topK must be an integer from 1 to the vocabulary size ${vocab}, got ${String(topK)}`);
  }
  if (topP !== undefined && !(typeof topP === 'number' && topP > 0 && topP <= 1)) throw new TesseraError(`sampleLogits: topP must be in (0, 1], got ${String(topP)}`);
  const seed = drawSeed(options.seed);
  return tidy(() => {
    let x = reshape(logits.dtype === 'float32' ? logits : cast(logits, 'float32'), [-1, vocab]);
    if (temperature === 0) return argMax(x, -1);
    if (temperature !== 1) x = div(x, scalar(temperature));
    if (topK !== undefined && topK < vocab) {
      const kth = slice(topk(x, topK).values, [0, topK - 1], [-1, 1]);
      x = where(less(x, kth), -Infinity, x);
    }
    if (topP !== undefined && topP < 1) x = nucleus(x, topP);
    return reshape(multinomial(x, 1, { seed }), [-1]);
  });
}

/**
 * Masks every token outside the nucleus: the threshold t is the largest probability such that the
 * tokens with probability >= t hold at least p of the mass, found per row by bisection.
 */
function nucleus(x: Tensor, p: number): Tensor {
  const probs = exp(logSoftmax(x));
  const rows = x.shape[0]!;
  let lo = fill([rows, 1], 0);
  let hi = fill([rows, 1], 1);
  const target = scalar(p);
  for (let i = 0; i < NUCLEUS_STEPS; i++) {
    const mid = mul(add(lo, hi), scalar(0.5));
    const mass = sum(where(greaterEqual(probs, mid), probs, 0), -1, true);
    const enough = greaterEqual(mass, target);
    lo = where(enough, mid, lo);
    hi = where(enough, hi, mid);
  }
  return where(less(probs, lo), -Infinity, x);
}

function drawSeed(seed: SampleOptions['seed']): number | undefined {
  if (seed === undefined) return undefined;
  if (seed instanceof Random) return seed.nextU32();
  if (typeof seed === 'number' && Number.isInteger(seed)) return seed;
  throw new TesseraError(`sampleLogits: seed must be an integer or a Random, got ${String(seed)}`);
}

