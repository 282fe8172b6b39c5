import { TesseraError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { rngFor } from '../random.js';
import type { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { add, log } from './elementwise.js';
import { convert, op, type TensorLike } from './op.js';
import { argMax } from './reduce.js';
import { cast, reshape } from './shape_ops.js';

export interface MultinomialOptions {
  /** Seed of the draw: the same seed gives the same samples. Default: drawn from the global generator (`setSeed`). */
  seed?: number;
  /** `logits` holds probabilities (rows summing to 1, or any non-negative weights) instead of log-probabilities. */
  normalized?: boolean;
}

/**
 * Draws `numSamples` class indices per row from the categorical distribution softmax(logits):
 * logits [classes] → [numSamples], [batch, classes] → [batch, numSamples] (int32). A class with
 * logit −Infinity is never drawn (that is how to mask classes, e.g. outside a top-k); a row with
 * every logit −Infinity has no distribution, and gives class 0. The result is integer and not
 * differentiable.
 *
 * Gumbel-max: each sample is argmax(logits + g) with g = −log(−log(u)) drawn in JS from Tessera's
 * generator, so a seed gives the same samples on every backend. It holds [batch, numSamples,
 * classes] noise at once.
 */
export const multinomial = op('multinomial', (logits: TensorLike, numSamples: number, options: MultinomialOptions | number = {}): Tensor => {
  const t = convert('multinomial', logits, 'logits');
  const opts = typeof options === 'number' ? { seed: options } : options;
  if (opts === null || typeof opts !== 'object') throw new TesseraError(`multinomial: options must be an object { seed?, normalized? }, got ${String(opts)}`);
  checkOptions('multinomial', opts, ['seed', 'normalized']);
  const { seed, normalized = false } = opts;
  if (seed !== undefined && !(typeof seed === 'number' && Number.isInteger(seed))) throw new TesseraError(`multinomial: seed must be an integer, got ${String(seed)}`);
  if (typeof normalized !== 'boolean') throw new TesseraError(`multinomial: normalized must be true or false, got ${String(normalized)}`);
  if (t.rank !== 1 && t.rank !== 2) {
    throw new TesseraError(`multinomial: logits must be [classes] or [batch, classes], got ${t.dtype} ${fmtShape(t.shape)}`);
  }
  if (t.dtype === 'bool') throw new TesseraError(`multinomial: logits must be float32 or int32, got bool ${fmtShape(t.shape)}`);
  if (typeof numSamples !== 'number' || !Number.isInteger(numSamples) || numSamples < 1) {
    throw new TesseraError(`multinomial: numSamples must be a positive integer, got ${String(numSamples)}`);
  }
  const classes = t.shape[t.rank - 1]!;
  if (classes === 0) throw new TesseraError(`multinomial: logits ${fmtShape(t.shape)} have no classes to draw from`);
  const batch = t.rank === 2 ? t.shape[0]! : 1;

  const r = rngFor(seed);
  const noise = new Float64Array(batch * numSamples * classes);
  for (let i = 0; i < noise.length; i++) noise[i] = -Math.log(-Math.log((r.nextU32() + 0.5) / 4294967296));
  let scores = t.dtype === 'float32' ? t : cast(t, 'float32');
  if (normalized) scores = log(scores);
  const perturbed = add(reshape(scores, [batch, 1, classes]), tensor(noise, [batch, numSamples, classes], 'float32'));
  const samples = argMax(perturbed, -1);
  return t.rank === 1 ? reshape(samples, [numSamples]) : samples;
});
