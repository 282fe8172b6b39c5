import {
  Tensor, TesseraError, abs, add, all, backendInstance, cast, clipByValue, div, equal, exp, floor, fmtShape, fill, greaterEqual, less,
  log, log1p, logicalAnd, logicalOr, max, maximum, mean, minimum, mul, neg, oneHot, op, reshape, rsqrt, softmaxCrossEntropy, softplus,
  square, sub, sum, where,
} from '@tessera/core';
import { describeValue, isPlainObject, normalizeName } from './util.js';

/** A loss: per-sample values of shape [batch]; the model averages them (and applies sample weights). */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Probabilities are clipped to [EPSILON, 1 − EPSILON] before a log (Keras's backend epsilon). */
export const EPSILON = 1e-7;

export interface CrossentropyOptions {
  /** yPred holds logits (pre-activation), not probabilities: more stable, and the usual choice. */
  fromLogits?: boolean;
}

export interface CategoricalCrossentropyOptions extends CrossentropyOptions {
  /** Mixes the one-hot targets with the uniform distribution: y·(1 − s) + s / classes. */
  labelSmoothing?: number;
}

function checkTensors(name: string, yTrue: Tensor, yPred: Tensor): void {
  if (!(yTrue instanceof Tensor) || !(yPred instanceof Tensor)) {
    throw new TesseraError(`${name}: yTrue and yPred must be Tensors, got ${describeValue(yTrue)} and ${describeValue(yPred)}`);
  }
  yTrue.assertAlive(name);
  yPred.assertAlive(name);
  if (yPred.rank === 0) throw new TesseraError(`${name}: yPred must have a batch dimension, got a scalar`);
}

/** Float targets of yPred's shape: [batch] labels for [batch, 1] predictions get the missing axis. */
function alignTargets(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  let t = yTrue.dtype === 'float32' ? yTrue : cast(yTrue, 'float32');
  if (t.rank === yPred.rank - 1 && yPred.shape[yPred.rank - 1] === 1) t = reshape(t, [...t.shape, 1]);
  if (t.rank !== yPred.rank || t.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new TesseraError(`${name}: yTrue ${fmtShape(yTrue.shape)} and yPred ${fmtShape(yPred.shape)} must have the same shape`);
  }
  return t;
}

/** Mean over every axis but the batch axis: [batch, ...] → [batch]. */
function perSample(x: Tensor): Tensor {
  if (x.rank <= 1) return x;
  return mean(x, x.shape.map((_, i) => i).slice(1));
}

/** mean((yTrue − yPred)²) per sample. */
export const meanSquaredError = op('meanSquaredError', (yTrue: Tensor, yPred: Tensor): Tensor => {
  checkTensors('meanSquaredError', yTrue, yPred);
  return perSample(square(sub(yPred, alignTargets('meanSquaredError', yTrue, yPred))));
});

/** mean(|yTrue − yPred|) per sample. */
export const meanAbsoluteError = op('meanAbsoluteError', (yTrue: Tensor, yPred: Tensor): Tensor => {
  checkTensors('meanAbsoluteError', yTrue, yPred);
  return perSample(abs(sub(yPred, alignTargets('meanAbsoluteError', yTrue, yPred))));
});

/** Huber loss per sample: ½e² where |e| ≤ delta, delta·(|e| − ½delta) beyond. */
export const huber = op('huber', (yTrue: Tensor, yPred: Tensor, { delta = 1 }: { delta?: number } = {}): Tensor => {
  checkTensors('huber', yTrue, yPred);
  if (!(typeof delta === 'number' && delta > 0 && Number.isFinite(delta))) throw new TesseraError(`huber: delta must be a positive number, got ${describeValue(delta)}`);
  const e = abs(sub(yPred, alignTargets('huber', yTrue, yPred)));
  // With q = min(|e|, delta): ½q² + delta·(|e| − q) is both branches at once, and smooth.
  const q = minimum(e, delta);
  return perSample(add(mul(square(q), 0.5), mul(sub(e, q), delta)));
});

/** float32 targets and predictions of one shape (see alignTargets). */
function operands(name: string, yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  checkTensors(name, yTrue, yPred);
  const t = alignTargets(name, yTrue, yPred);
  return [t, yPred.dtype === 'float32' ? yPred : cast(yPred, 'float32')];
}

/** mean(log(cosh(yPred − yTrue))) per sample, computed as x + softplus(−2x) − log 2 (finite for any x). */
export const logCosh = op('logCosh', (yTrue: Tensor, yPred: Tensor): Tensor => {
  const [t, p] = operands('logCosh', yTrue, yPred);
  const x = sub(p, t);
  return perSample(sub(add(x, softplus(mul(x, -2))), Math.LN2));
});

/** 100·mean(|yTrue − yPred| / max(|yTrue|, EPSILON)) per sample. */
export const meanAbsolutePercentageError = op('meanAbsolutePercentageError', (yTrue: Tensor, yPred: Tensor): Tensor => {
  const [t, p] = operands('meanAbsolutePercentageError', yTrue, yPred);
  return perSample(mul(abs(div(sub(t, p), maximum(abs(t), EPSILON))), 100));
});

/** mean((log(1 + max(yPred, EPSILON)) − log(1 + max(yTrue, EPSILON)))²) per sample. */
export const meanSquaredLogarithmicError = op('meanSquaredLogarithmicError', (yTrue: Tensor, yPred: Tensor): Tensor => {
  const [t, p] = operands('meanSquaredLogarithmicError', yTrue, yPred);
  return perSample(square(sub(log1p(maximum(p, EPSILON)), log1p(maximum(t, EPSILON)))));
});

/** mean(yPred − yTrue·log(yPred + EPSILON)) per sample: yPred is a predicted rate (e.g. after exp or softplus). */
export const poisson = op('poisson', (yTrue: Tensor, yPred: Tensor): Tensor => {
  const [t, p] = operands('poisson', yTrue, yPred);
  return perSample(sub(p, mul(t, log(add(p, EPSILON)))));
});

/**
 * Kullback–Leibler divergence Σ yTrue·log(yTrue / yPred) over the last axis, both clipped to
 * [EPSILON, 1] first (so a zero target contributes about 0, and a zero prediction is finite).
 */
export const klDivergence = op('klDivergence', (yTrue: Tensor, yPred: Tensor): Tensor => {
  const [t0, p0] = operands('klDivergence', yTrue, yPred);
  const t = clipByValue(t0, EPSILON, 1);
  const p = clipByValue(p0, EPSILON, 1);
  return perSample(sum(mul(t, log(div(t, p))), -1));
});

/** Targets all 0 or 1 (in this batch) become −1 / 1; others are used as they are (Keras's rule). */
function hingeTargets(t: Tensor): Tensor {
  const binary = all(logicalOr(equal(t, 0), equal(t, 1)));
  return where(binary, sub(mul(t, 2), 1), t);
}

/** mean(max(1 − yTrue·yPred, 0)) per sample; targets −1/1, or 0/1 (converted to −1/1). */
export const hinge = op('hinge', (yTrue: Tensor, yPred: Tensor): Tensor => {
  const [t, p] = operands('hinge', yTrue, yPred);
  return perSample(maximum(sub(1, mul(hingeTargets(t), p)), 0));
});

/** mean(max(1 − yTrue·yPred, 0)²) per sample; targets −1/1, or 0/1 (converted to −1/1). */
export const squaredHinge = op('squaredHinge', (yTrue: Tensor, yPred: Tensor): Tensor => {
  const [t, p] = operands('squaredHinge', yTrue, yPred);
  return perSample(square(maximum(sub(1, mul(hingeTargets(t), p)), 0)));
});

/**
 * max(neg − pos + 1, 0) with pos = Σ yTrue·yPred and neg = max((1 − yTrue)·yPred) over the last
 * axis: one-hot targets, the margin of the true class's score over the best other one.
 */
export const categoricalHinge = op('categoricalHinge', (yTrue: Tensor, yPred: Tensor): Tensor => {
  const [t, p] = operands('categoricalHinge', yTrue, yPred);
  const pos = sum(mul(t, p), -1);
  const negative = max(mul(sub(1, t), p), -1);
  return perSample(maximum(add(sub(negative, pos), 1), 0));
});

/** x / max(‖x‖, EPSILON) over the last axis (a zero vector stays zero, with a finite gradient). */
function l2Normalize(x: Tensor): Tensor {
  return mul(x, rsqrt(maximum(sum(square(x), -1, true), EPSILON * EPSILON)));
}

/**
 * −cos(yTrue, yPred) over the last axis (Keras's sign: −1 for the same direction, so that
 * minimising the loss maximises the similarity; 0 when either vector is zero).
 */
export const cosineSimilarity = op('cosineSimilarity', (yTrue: Tensor, yPred: Tensor): Tensor => {
  const [t, p] = operands('cosineSimilarity', yTrue, yPred);
  return perSample(neg(sum(mul(l2Normalize(t), l2Normalize(p)), -1)));
});

/**
 * Binary cross-entropy per sample, averaged over the last axes. From logits x with targets z it is
 * max(x, 0) − x·z + log(1 + exp(−|x|)), finite for any x; from probabilities p, they are clipped to
 * [EPSILON, 1 − EPSILON] first.
 */
export const binaryCrossentropy = op('binaryCrossentropy', (yTrue: Tensor, yPred: Tensor, { fromLogits = false }: CrossentropyOptions = {}): Tensor => {
  checkTensors('binaryCrossentropy', yTrue, yPred);
  const z = alignTargets('binaryCrossentropy', yTrue, yPred);
  const x = yPred.dtype === 'float32' ? yPred : cast(yPred, 'float32');
  if (fromLogits) {
    return perSample(add(sub(maximum(x, 0), mul(x, z)), log1p(exp(neg(abs(x))))));
  }
  const p = clipByValue(x, EPSILON, 1 - EPSILON);
  const ll = add(mul(z, log(p)), mul(sub(1, z), log(sub(1, p))));
  return perSample(neg(ll));
});

function smooth(name: string, labels: Tensor, s: number, classes: number): Tensor {
  if (!(typeof s === 'number' && s >= 0 && s <= 1)) throw new TesseraError(`${name}: labelSmoothing must be a number in [0, 1], got ${describeValue(s)}`);
  return s === 0 ? labels : add(mul(labels, 1 - s), s / classes);
}

/** −Σ labels·log(probabilities) over the last axis; the probability form renormalises and clips. */
function crossentropyFromDistribution(labels: Tensor, yPred: Tensor, fromLogits: boolean): Tensor {
  const x = yPred.dtype === 'float32' ? yPred : cast(yPred, 'float32');
  if (fromLogits) return perSample(softmaxCrossEntropy(labels, x));
  return perSample(neg(sum(mul(labels, logProbabilities(x)), -1)));
}

/** log of the probabilities renormalised over the last axis and clipped away from 0 and 1. */
function logProbabilities(p: Tensor): Tensor {
  return log(clipByValue(div(p, sum(p, -1, true)), EPSILON, 1 - EPSILON));
}

/**
 * Categorical cross-entropy per sample between one-hot (or soft) targets and predictions over the
 * last axis. With fromLogits it is softmaxCrossEntropy (a log-sum-exp, stable for any logits).
 */
export const categoricalCrossentropy = op(
  'categoricalCrossentropy',
  (yTrue: Tensor, yPred: Tensor, { fromLogits = false, labelSmoothing = 0 }: CategoricalCrossentropyOptions = {}): Tensor => {
    checkTensors('categoricalCrossentropy', yTrue, yPred);
    const t = alignTargets('categoricalCrossentropy', yTrue, yPred);
    const labels = smooth('categoricalCrossentropy', t, labelSmoothing, yPred.shape[yPred.rank - 1]!);
    return crossentropyFromDistribution(labels, yPred, fromLogits);
  },
);

/**
 * Categorical cross-entropy with integer class labels: [batch] or [batch, 1] (any dtype, values
 * 0..classes−1) against predictions [batch, classes].
 */
export const sparseCategoricalCrossentropy = op(
  'sparseCategoricalCrossentropy',
  (yTrue: Tensor, yPred: Tensor, { fromLogits = false }: CrossentropyOptions = {}): Tensor => {
    checkTensors('sparseCategoricalCrossentropy', yTrue, yPred);
    const classes = yPred.shape[yPred.rank - 1]!;
    const outer = yPred.shape.slice(0, -1);
    let labels = yTrue;
    if (labels.rank === yPred.rank && labels.shape[labels.rank - 1] === 1) labels = reshape(labels, labels.shape.slice(0, -1));
    if (yPred.rank < 2 || labels.rank !== outer.length || labels.shape.some((d, i) => d !== outer[i])) {
      throw new TesseraError(
        `sparseCategoricalCrossentropy: labels ${fmtShape(yTrue.shape)} do not match predictions ${fmtShape(yPred.shape)}: expected ${fmtShape(outer)} or ${fmtShape([...outer, 1])} class indices`,
      );
    }
    return checkedClassIndices(labels, classes, (idx) => {
      if (fromLogits) return perSample(softmaxCrossEntropy(oneHot(idx, classes), yPred));
      const x = yPred.dtype === 'float32' ? yPred : cast(yPred, 'float32');
      return perSample(neg(sum(mul(oneHot(idx, classes), logProbabilities(x)), -1)));
    });
  },
);

/** The first label that is not a class index (an integer in [0, classes)), or null. */
export function findInvalidClassIndex(labels: ArrayLike<number>, classes: number): { index: number; value: number } | null {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < classes)) return { index: i, value: v };
  }
  return null;
}

/** The error for a label outside [0, classes): the same words wherever it is caught. */
export function invalidClassIndexError(op: string, bad: { index: number; value: number }, classes: number): TesseraError {
  const what = Number.isInteger(bad.value) ? 'outside the valid range' : 'not an integer class index in the range';
  return new TesseraError(`${op}: label ${bad.value} at index ${bad.index} is ${what} [0, ${classes}) of the ${classes} classes`);
}

/**
 * Labels must be class indices. Where the backend reads synchronously they are checked now (a
 * batch of labels is a small read); elsewhere (WebGPU) a bad label's loss is NaN instead of a
 * silent 0, and `fit`/`evaluate` name the label when they read that NaN.
 */
function checkedClassIndices(labels: Tensor, classes: number, perSampleLoss: (idx: Tensor) => Tensor): Tensor {
  const idx = labels.dtype === 'int32' ? labels : cast(labels, 'int32');
  if (backendInstance().readSync) {
    const bad = findInvalidClassIndex(labels.dataSync(), classes);
    if (bad) throw invalidClassIndexError('sparseCategoricalCrossentropy', bad, classes);
    return perSampleLoss(idx);
  }
  const f = labels.dtype === 'float32' ? labels : cast(labels, 'float32');
  const valid = logicalAnd(logicalAnd(greaterEqual(f, 0), less(f, classes)), equal(f, floor(f)));
  return where(valid, perSampleLoss(idx), fill(valid.shape, NaN));
}

export interface LossConfig {
  name: string;
  fromLogits?: boolean;
  labelSmoothing?: number;
  /** Huber's delta. */
  delta?: number;
}

export type LossIdentifier = string | LossFn | LossConfig;

type LossMaker = (options: LossConfig) => LossFn;

function named(name: string, fn: LossFn): LossFn {
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

const LOSSES: Record<string, { name: string; make: LossMaker; options: string[] }> = {};
const ALIASES: string[] = [];
function define(name: string, aliases: string[], options: string[], make: LossMaker): void {
  for (const key of [name, ...aliases]) LOSSES[normalizeName(key)] = { name, make, options };
  ALIASES.push(...aliases);
}

define('meanSquaredError', ['mse'], [], () => meanSquaredError);
define('meanAbsoluteError', ['mae'], [], () => meanAbsoluteError);
define('huber', ['huberLoss'], ['delta'], ({ delta }) => (delta === undefined ? huber : named('huber', (t, p) => huber(t, p, { delta }))));
define('binaryCrossentropy', ['bce'], ['fromLogits'], ({ fromLogits = false }) =>
  fromLogits ? named('binaryCrossentropy', (t, p) => binaryCrossentropy(t, p, { fromLogits })) : binaryCrossentropy,
);
define('categoricalCrossentropy', ['cce'], ['fromLogits', 'labelSmoothing'], ({ fromLogits = false, labelSmoothing = 0 }) =>
  fromLogits || labelSmoothing
    ? named('categoricalCrossentropy', (t, p) => categoricalCrossentropy(t, p, { fromLogits, labelSmoothing }))
    : categoricalCrossentropy,
);
define('sparseCategoricalCrossentropy', ['scce'], ['fromLogits'], ({ fromLogits = false }) =>
  fromLogits ? named('sparseCategoricalCrossentropy', (t, p) => sparseCategoricalCrossentropy(t, p, { fromLogits })) : sparseCategoricalCrossentropy,
);
define('meanAbsolutePercentageError', ['mape'], [], () => meanAbsolutePercentageError);
define('meanSquaredLogarithmicError', ['msle'], [], () => meanSquaredLogarithmicError);
define('logCosh', [], [], () => logCosh);
define('poisson', [], [], () => poisson);
define('klDivergence', ['kld', 'kullbackLeiblerDivergence'], [], () => klDivergence);
define('hinge', [], [], () => hinge);
define('squaredHinge', [], [], () => squaredHinge);
define('categoricalHinge', [], [], () => categoricalHinge);
define('cosineSimilarity', ['cosineProximity'], [], () => cosineSimilarity);

/** The canonical camelCase name of a loss ('mse' → 'meanSquaredError'), or null if unknown. */
export function lossName(name: string): string | null {
  return LOSSES[normalizeName(name)]?.name ?? null;
}

/**
 * Resolves a loss: a function as is; a name in Keras or camelCase spelling ('mse',
 * 'binary_crossentropy', 'sparseCategoricalCrossentropy', 'kl_divergence', 'squared_hinge', ...); or `{ name, fromLogits?,
 * labelSmoothing?, delta? }`. The returned function's `name` is the canonical loss name.
 */
export function getLoss(identifier: LossIdentifier): LossFn {
  if (typeof identifier === 'function') return identifier;
  let config: LossConfig;
  if (typeof identifier === 'string') config = { name: identifier };
  else if (isPlainObject(identifier) && typeof identifier['name'] === 'string') config = identifier;
  else throw new TesseraError(`getLoss: expected a loss name, { name, fromLogits? } or a function, got ${describeValue(identifier)}`);
  const entry = LOSSES[normalizeName(config.name)];
  if (!entry) {
    const known = [...new Set(Object.values(LOSSES).map((e) => e.name))];
    throw new TesseraError(`getLoss: unknown loss '${config.name}' (known: ${known.join(', ')}; aliases: ${ALIASES.join(', ')}; snake_case spellings work too)`);
  }
  const unknown = Object.keys(config).filter((k) => k !== 'name' && !entry.options.includes(k) && config[k as keyof LossConfig] !== undefined);
  if (unknown.length > 0) {
    throw new TesseraError(`getLoss: ${entry.name} has no option ${unknown.map((k) => `'${k}'`).join(', ')}${entry.options.length ? ` (options: ${entry.options.join(', ')})` : ''}`);
  }
  return entry.make(config);
}

/** Keras-style namespace: `losses.get('mse')`, `losses.binaryCrossentropy(yTrue, yPred)`. */
export const losses = Object.freeze({
  meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError, huber, logCosh, poisson, klDivergence,
  hinge, squaredHinge, categoricalHinge, cosineSimilarity, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy,
  get: getLoss,
});
