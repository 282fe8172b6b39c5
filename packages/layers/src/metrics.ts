import {
  Tensor, TesseraError, abs, argMax, broadcastTo, cast, checkOptions, concat, equal, fmtShape, greater, greaterEqual, less, logicalAnd, matmul,
  max, mul, oneHot, reshape, scalar, sigmoid, sizeFromShape, square, stack, sub, sum, tensor, tidy,
} from '@tessera/core';
import { lossName } from './losses.js';
import { describeValue, isPlainObject, normalizeName } from './util.js';

/**
 * A metric a training loop can track with one small read per batch: `statistics` returns a 1-D
 * float32 vector of additive batch statistics (e.g. [correct, count]); the loop sums them over the
 * batches of an epoch and `result` turns the totals into the metric's value.
 *
 * `sampleWeight` [batch] weighs each sample (row of yTrue/yPred) in the statistics: a model whose
 * output carries a mask gives its positions as rows and the mask as 0/1 weights, so that masked
 * positions count nowhere. A metric for masked outputs must declare this third parameter (without
 * a default value: the model checks `statistics.length`).
 */
export interface Metric {
  name: string;
  statistics(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): Tensor;
  result(totals: number[]): number;
}

/** Weights [n] of the rows of a tensor of `shape` ([n, ...]) repeated over its other axes. */
function expandWeights(w: Tensor, shape: readonly number[]): Tensor {
  if (shape.length === 0 || w.rank !== 1 || w.shape[0] !== shape[0]) {
    throw new TesseraError(`metrics: sampleWeight ${fmtShape(w.shape)} must have one weight per sample of ${fmtShape(shape)}`);
  }
  if (shape.length === 1) return cast(w, 'float32');
  return broadcastTo(reshape(cast(w, 'float32'), [shape[0]!, ...new Array<number>(shape.length - 1).fill(1)]), shape);
}

/** Σ values (weighted per row by sampleWeight when given). */
function weightedSum(values: Tensor, w: Tensor | undefined): Tensor {
  const v = cast(values, 'float32');
  return w ? sum(mul(v, expandWeights(w, v.shape))) : sum(v);
}

/** [Σ values, how many] — both weighted per row by sampleWeight when given. */
function weightedMean(values: Tensor, w: Tensor | undefined): [Tensor, Tensor | number] {
  if (!w) return [sum(cast(values, 'float32')), values.size];
  return [weightedSum(values, w), sum(expandWeights(w, values.shape))];
}

function checkTensors(name: string, yTrue: Tensor, yPred: Tensor): void {
  if (!(yTrue instanceof Tensor) || !(yPred instanceof Tensor)) {
    throw new TesseraError(`${name}: yTrue and yPred must be Tensors, got ${describeValue(yTrue)} and ${describeValue(yPred)}`);
  }
  yTrue.assertAlive(name);
  yPred.assertAlive(name);
}

/** A metric numerator / denominator, both summed over batches (0 when the denominator is 0). */
function ratioMetric(name: string, parts: (yTrue: Tensor, yPred: Tensor, sampleWeight: Tensor | undefined) => [Tensor, Tensor | number]): Metric {
  return {
    name,
    statistics(yTrue, yPred, sampleWeight) {
      checkTensors(name, yTrue, yPred);
      return tidy(() => {
        const [num, den] = parts(yTrue, yPred, sampleWeight);
        return stack([cast(num, 'float32'), typeof den === 'number' ? scalar(den) : cast(den, 'float32')]);
      });
    },
    result(totals) {
      const [num = 0, den = 0] = totals;
      return den === 0 ? 0 : num / den;
    },
  };
}

/** yTrue as yPred's shape ([batch] labels for [batch, 1] predictions get the missing axis). */
function align(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  let t = yTrue;
  if (t.rank === yPred.rank - 1 && yPred.shape[yPred.rank - 1] === 1) t = reshape(t, [...t.shape, 1]);
  if (t.rank !== yPred.rank || t.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new TesseraError(`${name}: yTrue ${fmtShape(yTrue.shape)} and yPred ${fmtShape(yPred.shape)} must have the same shape`);
  }
  return t;
}

/** Positives as booleans: targets above 0.5, predictions above the threshold. */
function binarize(name: string, yTrue: Tensor, yPred: Tensor, threshold: number): [Tensor, Tensor] {
  return [greater(align(name, yTrue, yPred), 0.5), greater(yPred, threshold)];
}

function checkThreshold(name: string, threshold: unknown): number {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) throw new TesseraError(`${name}: threshold must be a finite number, got ${describeValue(threshold)}`);
  return threshold;
}

/** Fraction of elements where (yPred > threshold) matches the 0/1 target. */
export function binaryAccuracy(options: { threshold?: number } = {}): Metric {
  checkOptions('binaryAccuracy', options, ['threshold']);
  const t0 = checkThreshold('binaryAccuracy', options.threshold ?? 0.5);
  return ratioMetric('binary_accuracy', (yTrue, yPred, w) => {
    const [t, p] = binarize('binaryAccuracy', yTrue, yPred, t0);
    return weightedMean(equal(t, p), w);
  });
}

/** Fraction of samples whose predicted class (argmax) is the one-hot target's. */
export function categoricalAccuracy(): Metric {
  return ratioMetric('categorical_accuracy', (yTrue, yPred, w) => {
    const t = align('categoricalAccuracy', yTrue, yPred);
    if (yPred.rank === 0) throw new TesseraError('categoricalAccuracy: yPred must have a class axis');
    const hits = equal(argMax(t, -1), argMax(yPred, -1));
    return w ? weightedMean(hits, w) : [sum(hits), sizeFromShape(yPred.shape.slice(0, -1))];
  });
}

/** Integer labels [batch] or [batch, 1] (any dtype) against class scores [batch, classes]. */
function sparseLabels(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  const outer = yPred.shape.slice(0, -1);
  let labels = yTrue;
  if (labels.rank === yPred.rank && labels.shape[labels.rank - 1] === 1) labels = reshape(labels, labels.shape.slice(0, -1));
  if (yPred.rank < 1 || labels.rank !== outer.length || labels.shape.some((d, i) => d !== outer[i])) {
    throw new TesseraError(`${name}: labels ${fmtShape(yTrue.shape)} do not match predictions ${fmtShape(yPred.shape)}: expected ${fmtShape(outer)} or ${fmtShape([...outer, 1])} class indices`);
  }
  return labels.dtype === 'int32' ? labels : cast(labels, 'int32');
}

/** Fraction of samples whose predicted class (argmax) is the integer label. */
export function sparseCategoricalAccuracy(): Metric {
  return ratioMetric('sparse_categorical_accuracy', (yTrue, yPred, w) => {
    const labels = sparseLabels('sparseCategoricalAccuracy', yTrue, yPred);
    return weightedMean(equal(labels, argMax(yPred, -1)), w);
  });
}

/** true positives / predicted positives (binary; predictions above the threshold are positive). */
export function precision(options: { threshold?: number } = {}): Metric {
  checkOptions('precision', options, ['threshold']);
  const t0 = checkThreshold('precision', options.threshold ?? 0.5);
  return ratioMetric('precision', (yTrue, yPred, w) => {
    const [t, p] = binarize('precision', yTrue, yPred, t0);
    return [weightedSum(logicalAnd(t, p), w), weightedSum(p, w)];
  });
}

/** true positives / actual positives (binary; predictions above the threshold are positive). */
export function recall(options: { threshold?: number } = {}): Metric {
  checkOptions('recall', options, ['threshold']);
  const t0 = checkThreshold('recall', options.threshold ?? 0.5);
  return ratioMetric('recall', (yTrue, yPred, w) => {
    const [t, p] = binarize('recall', yTrue, yPred, t0);
    return [weightedSum(logicalAnd(t, p), w), weightedSum(t, w)];
  });
}

/** Mean squared error over all elements. */
export function meanSquaredErrorMetric(): Metric {
  return ratioMetric('mse', (yTrue, yPred, w) => weightedMean(square(sub(yPred, cast(align('mse', yTrue, yPred), 'float32'))), w));
}

/** Mean absolute error over all elements. */
export function meanAbsoluteErrorMetric(): Metric {
  return ratioMetric('mae', (yTrue, yPred, w) => weightedMean(abs(sub(yPred, cast(align('mae', yTrue, yPred), 'float32'))), w));
}

/** Root of the mean squared error over all elements of all batches (not a mean of per-batch roots). */
export function rootMeanSquaredError(): Metric {
  const mse = meanSquaredErrorMetric();
  return { name: 'rmse', statistics: mse.statistics, result: (totals) => Math.sqrt(mse.result(totals)) };
}

function checkK(name: string, k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new TesseraError(`${name}: k must be a positive integer, got ${describeValue(k)}`);
  return k;
}

function checkName(owner: string, name: unknown, fallback: string): string {
  if (name === undefined) return fallback;
  if (typeof name !== 'string' || name.length === 0) throw new TesseraError(`${owner}: name must be a non-empty string, got ${describeValue(name)}`);
  return name;
}

/**
 * Whether each sample's target class is among the k highest scores: fewer than k classes score
 * strictly higher than it (so classes tied with it at the boundary count as in, as in TF's in_top_k).
 */
function inTopK(name: string, labels: Tensor, yPred: Tensor, k: number): Tensor {
  if (yPred.rank < 1) throw new TesseraError(`${name}: yPred must have a class axis, got a scalar`);
  const classes = yPred.shape[yPred.rank - 1]!;
  const scores = yPred.dtype === 'float32' ? yPred : cast(yPred, 'float32');
  const target = sum(mul(scores, oneHot(labels, classes)), -1, true);
  return less(sum(greater(scores, target), -1), k);
}

export interface TopKAccuracyOptions {
  /** How many of the highest scores count (default 5, as in Keras). */
  k?: number;
  /** The name in logs when passed as an object (default Keras's). */
  name?: string;
}

/** Fraction of samples whose one-hot target class is among the k highest scores. */
export function topKCategoricalAccuracy(options: TopKAccuracyOptions = {}): Metric {
  checkOptions('topKCategoricalAccuracy', options, ['k', 'name']);
  const k = checkK('topKCategoricalAccuracy', options.k ?? 5);
  return ratioMetric(checkName('topKCategoricalAccuracy', options.name, 'top_k_categorical_accuracy'), (yTrue, yPred, w) => {
    const t = align('topKCategoricalAccuracy', yTrue, yPred);
    return weightedMean(inTopK('topKCategoricalAccuracy', argMax(t, -1), yPred, k), w);
  });
}

/** Fraction of samples whose integer label is among the k highest scores. */
export function sparseTopKCategoricalAccuracy(options: TopKAccuracyOptions = {}): Metric {
  checkOptions('sparseTopKCategoricalAccuracy', options, ['k', 'name']);
  const k = checkK('sparseTopKCategoricalAccuracy', options.k ?? 5);
  return ratioMetric(checkName('sparseTopKCategoricalAccuracy', options.name, 'sparse_top_k_categorical_accuracy'), (yTrue, yPred, w) => {
    const labels = sparseLabels('sparseTopKCategoricalAccuracy', yTrue, yPred);
    return weightedMean(inTopK('sparseTopKCategoricalAccuracy', labels, yPred, k), w);
  });
}

/** Keras's backend epsilon, in the F1 and AUC results as in Keras. */
const EPS = 1e-7;

export type F1Average = 'micro' | 'macro' | 'weighted';

export interface F1ScoreOptions {
  /**
   * Scores above it are positive. Default: 0.5 for a single output column (binary); with several
   * classes, the highest-scoring class of each sample is its prediction (Keras's `threshold=None`).
   */
  threshold?: number;
  /**
   * How per-class scores combine (default 'macro'): 'micro' counts true/false positives and false
   * negatives over all classes first, 'macro' is the unweighted mean of the class F1 scores,
   * 'weighted' their mean weighted by each class's number of true instances.
   */
  average?: F1Average;
  name?: string;
}

const F1_AVERAGES: readonly F1Average[] = ['micro', 'macro', 'weighted'];

/**
 * F1 score, 2·precision·recall / (precision + recall), per class then averaged. The statistics
 * are [tp, fp, fn] per class, summed over batches, so the score is that of the whole epoch.
 * Targets are one-hot / multi-label [batch, classes] (or [batch] 0/1 labels for one column).
 */
export function f1Score(options: F1ScoreOptions = {}): Metric {
  checkOptions('f1Score', options, ['threshold', 'average', 'name']);
  const threshold = options.threshold === undefined ? undefined : checkThreshold('f1Score', options.threshold);
  const average = options.average === undefined ? 'macro' : options.average;
  if (!F1_AVERAGES.includes(average)) {
    throw new TesseraError(`f1Score: average must be one of ${F1_AVERAGES.map((a) => `'${a}'`).join(', ')}, got ${describeValue(average)}`);
  }
  const name = checkName('f1Score', options.name, 'f1_score');
  return {
    name,
    statistics(yTrue, yPred, sampleWeight) {
      checkTensors('f1Score', yTrue, yPred);
      return tidy(() => {
        if (yPred.rank === 0) throw new TesseraError('f1Score: yPred must have a batch dimension, got a scalar');
        const t0 = align('f1Score', yTrue, yPred);
        const classes = yPred.rank === 1 ? 1 : yPred.shape[yPred.rank - 1]!;
        const p = reshape(yPred.dtype === 'float32' ? yPred : cast(yPred, 'float32'), [-1, classes]);
        const t = reshape(cast(t0, 'float32'), [-1, classes]);
        let predicted: Tensor;
        if (threshold !== undefined) predicted = greater(p, threshold);
        else if (classes === 1) predicted = greater(p, 0.5);
        else predicted = greaterEqual(p, max(p, -1, true)); // ties at the top all count, as in Keras
        let hit = cast(predicted, 'float32');
        let miss = sub(1, hit);
        if (sampleWeight) {
          const w = reshape(yPred.rank === 1 ? cast(sampleWeight, 'float32') : expandWeights(sampleWeight, yPred.shape.slice(0, -1)), [-1, 1]);
          hit = mul(hit, w);
          miss = mul(miss, w);
        }
        const tp = sum(mul(hit, t), 0);
        const fp = sum(mul(hit, sub(1, t)), 0);
        const fn = sum(mul(miss, t), 0);
        return concat([tp, fp, fn]);
      });
    },
    result(totals) {
      const c = totals.length / 3;
      const tp = totals.slice(0, c);
      const fp = totals.slice(c, 2 * c);
      const fn = totals.slice(2 * c);
      const f1 = (a: number, b: number, d: number): number => {
        const prec = a / (a + b + EPS);
        const rec = a / (a + d + EPS);
        return (2 * prec * rec) / (prec + rec + EPS);
      };
      const add = (v: number[]): number => v.reduce((x, y) => x + y, 0);
      if (c === 0) return 0;
      if (average === 'micro') return f1(add(tp), add(fp), add(fn));
      const perClass = tp.map((a, i) => f1(a, fp[i]!, fn[i]!));
      if (average === 'macro') return add(perClass) / c;
      const support = tp.map((a, i) => a + fn[i]!);
      return add(perClass.map((f, i) => f * support[i]!)) / (add(support) + EPS);
    },
  };
}

export type AucCurve = 'ROC' | 'PR';
export type AucSummation = 'interpolation' | 'minoring' | 'majoring';

export interface AucOptions {
  /** Thresholds discretising the curve (default 200; at least 2): 0 − ε, evenly spaced (0, 1), 1 + ε. */
  numThresholds?: number;
  /** 'ROC' (default): true against false positive rate; 'PR': precision against recall. */
  curve?: AucCurve;
  /**
   * 'interpolation' (default): the trapezoidal rule for ROC, Davis & Goadrich's interpolation of
   * true and false positives for PR; 'minoring' / 'majoring': lower / upper Riemann sums.
   */
  summationMethod?: AucSummation;
  /** yPred holds logits: a sigmoid is applied before thresholding. */
  fromLogits?: boolean;
  name?: string;
}

/**
 * Area under the ROC or precision-recall curve of a binary classifier (Keras's `AUC`). Each batch
 * contributes, per threshold, the true and false positives (predictions above the threshold)
 * and the totals of positive and negative targets; the curve is built from the epoch's sums.
 * Every element of yPred is one prediction (multi-label outputs are flattened, as Keras does with
 * `multi_label=False`); targets are 0/1, and soft targets count fractionally, as in Keras.
 */
export function auc(options: AucOptions = {}): Metric {
  checkOptions('auc', options, ['numThresholds', 'curve', 'summationMethod', 'fromLogits', 'name']);
  const n = options.numThresholds ?? 200;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 2) throw new TesseraError(`auc: numThresholds must be an integer >= 2, got ${describeValue(n)}`);
  const curve = options.curve ?? 'ROC';
  if (curve !== 'ROC' && curve !== 'PR') throw new TesseraError(`auc: curve must be 'ROC' or 'PR', got ${describeValue(curve)}`);
  const summation = options.summationMethod ?? 'interpolation';
  if (!['interpolation', 'minoring', 'majoring'].includes(summation)) {
    throw new TesseraError(`auc: summationMethod must be 'interpolation', 'minoring' or 'majoring', got ${describeValue(summation)}`);
  }
  const fromLogits = options.fromLogits ?? false;
  if (typeof fromLogits !== 'boolean') throw new TesseraError(`auc: fromLogits must be true or false, got ${describeValue(fromLogits)}`);
  const name = checkName('auc', options.name, 'auc');
  const thresholds = [-EPS, ...Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1)), 1 + EPS];
  return {
    name,
    statistics(yTrue, yPred, sampleWeight) {
      checkTensors('auc', yTrue, yPred);
      return tidy(() => {
        if (yPred.rank === 0) throw new TesseraError('auc: yPred must have a batch dimension, got a scalar');
        const t = reshape(cast(align('auc', yTrue, yPred), 'float32'), [1, -1]);
        let p = yPred.dtype === 'float32' ? yPred : cast(yPred, 'float32');
        if (fromLogits) p = sigmoid(p);
        const above = cast(greater(reshape(p, [-1, 1]), tensor(thresholds, [1, n])), 'float32');
        // Each prediction counts with its sample's weight (1 without sampleWeight).
        const w = sampleWeight ? reshape(expandWeights(sampleWeight, yPred.shape), [1, -1]) : null;
        const pos1 = w ? mul(t, w) : t;
        const neg1 = w ? mul(sub(1, t), w) : sub(1, t);
        const tp = reshape(matmul(pos1, above), [n]);
        const fp = reshape(matmul(neg1, above), [n]);
        const pos = sum(pos1);
        return concat([tp, fp, reshape(pos, [1]), reshape(sum(neg1), [1])]);
      });
    },
    result(totals) {
      const tp = totals.slice(0, n);
      const fp = totals.slice(n, 2 * n);
      const pos = totals[2 * n] ?? 0;
      const neg = totals[2 * n + 1] ?? 0;
      return curve === 'PR' && summation === 'interpolation' ? interpolatedPrAuc(tp, fp, pos) : riemannAuc(tp, fp, pos, neg, curve, summation);
    },
  };
}

/** a / b, or 0 where b is 0 (Keras's divide_no_nan). */
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Σ (x[i] − x[i+1])·height(y[i], y[i+1]) over the thresholds (x falls as the threshold rises). */
function riemannAuc(tp: number[], fp: number[], pos: number, neg: number, curve: AucCurve, summation: AucSummation): number {
  const recall = tp.map((a) => ratio(a, pos));
  const [x, y] = curve === 'ROC' ? [fp.map((b) => ratio(b, neg)), recall] : [recall, tp.map((a, i) => ratio(a, a + fp[i]!))];
  const height = summation === 'interpolation' ? (a: number, b: number) => (a + b) / 2 : summation === 'minoring' ? Math.min : Math.max;
  let area = 0;
  for (let i = 0; i + 1 < x.length; i++) area += (x[i]! - x[i + 1]!) * height(y[i]!, y[i + 1]!);
  return area;
}

/**
 * PR-AUC with true positives and predicted positives P = tp + fp linear between thresholds
 * (Davis & Goadrich 2006), so that precision tp/P is integrated exactly within each interval:
 *   slope = Δtp / ΔP, intercept = tp − slope·P, area += slope·(Δtp + intercept·log(P_a / P_b)) / positives
 * (an interval from P = 0 keeps the precision of the first positives, as in Keras).
 */
function interpolatedPrAuc(tp: number[], fp: number[], pos: number): number {
  let area = 0;
  for (let i = 0; i + 1 < tp.length; i++) {
    const pA = tp[i]! + fp[i]!;
    const pB = tp[i + 1]! + fp[i + 1]!;
    const dtp = tp[i]! - tp[i + 1]!;
    const slope = ratio(dtp, Math.max(pA - pB, 0));
    const intercept = tp[i + 1]! - slope * pB;
    const logRatio = pA > 0 && pB > 0 ? Math.log(ratio(pA, Math.max(pB, 0))) : 0;
    area += ratio(slope * (dtp + intercept * logRatio), pos);
  }
  return area;
}

/**
 * Keras's 'accuracy': binary for a binary cross-entropy loss, sparse for a sparse categorical one;
 * otherwise chosen by shape as Keras does (binary when yPred has one column, sparse when the labels
 * have one axis fewer or a single column against several classes, categorical otherwise).
 */
export function accuracy(loss?: string): Metric {
  const canonical = loss === undefined ? null : lossName(loss);
  if (canonical === 'binaryCrossentropy') return { ...binaryAccuracy(), name: 'accuracy' };
  if (canonical === 'sparseCategoricalCrossentropy') return { ...sparseCategoricalAccuracy(), name: 'accuracy' };
  const binary = binaryAccuracy();
  const sparse = sparseCategoricalAccuracy();
  const categorical = categoricalAccuracy();
  return {
    name: 'accuracy',
    statistics(yTrue, yPred, sampleWeight) {
      checkTensors('accuracy', yTrue, yPred);
      const pLast = yPred.rank === 0 ? 1 : yPred.shape[yPred.rank - 1]!;
      const tLast = yTrue.rank === 0 ? 1 : yTrue.shape[yTrue.rank - 1]!;
      if (yPred.rank <= 1 || pLast === 1) return binary.statistics(yTrue, yPred, sampleWeight);
      if (yTrue.rank < yPred.rank || tLast === 1) return sparse.statistics(yTrue, yPred, sampleWeight);
      return categorical.statistics(yTrue, yPred, sampleWeight);
    },
    result: categorical.result,
  };
}

// Keras's names (snake_case; camelCase and any case resolve too), each with its factory.
const NAMED: [string[], (loss?: string) => Metric][] = [
  [['accuracy', 'acc'], (loss) => accuracy(loss)],
  [['binary_accuracy'], () => binaryAccuracy()],
  [['categorical_accuracy'], () => categoricalAccuracy()],
  [['sparse_categorical_accuracy'], () => sparseCategoricalAccuracy()],
  [['top_k_categorical_accuracy'], () => topKCategoricalAccuracy()],
  [['sparse_top_k_categorical_accuracy'], () => sparseTopKCategoricalAccuracy()],
  [['precision'], () => precision()],
  [['recall'], () => recall()],
  [['f1_score', 'f1'], () => f1Score()],
  [['auc'], () => auc()],
  [['mse', 'mean_squared_error'], () => meanSquaredErrorMetric()],
  [['rmse', 'root_mean_squared_error'], () => rootMeanSquaredError()],
  [['mae', 'mean_absolute_error'], () => meanAbsoluteErrorMetric()],
];
const FACTORIES: Record<string, (loss?: string) => Metric> = Object.fromEntries(
  NAMED.flatMap(([names, make]) => names.map((n) => [normalizeName(n), make] as const)),
);

function isMetric(x: unknown): x is Metric {
  return (
    x !== null && typeof x === 'object' && typeof (x as Metric).name === 'string' &&
    typeof (x as Metric).statistics === 'function' && typeof (x as Metric).result === 'function'
  );
}

/**
 * Resolves a metric: an object implementing Metric as is, or a name ('accuracy' / 'acc' — the variant
 * picked from `loss` like Keras —, 'binary_accuracy', 'categoricalAccuracy', 'top_k_categorical_accuracy',
 * 'precision', 'recall', 'f1_score', 'auc', 'mse', 'rmse', 'mae', ...), with the defaults; for other
 * options pass the metric object (`auc({ curve: 'PR' })`). Each call returns a new metric object.
 */
export function getMetric(identifier: string | Metric, loss?: string): Metric {
  if (isMetric(identifier)) return identifier;
  if (typeof identifier !== 'string') {
    const what = isPlainObject(identifier) ? 'an object without name/statistics/result' : describeValue(identifier);
    throw new TesseraError(`getMetric: expected a metric name or a Metric, got ${what}`);
  }
  const make = FACTORIES[normalizeName(identifier)];
  if (!make) {
    throw new TesseraError(
      `getMetric: unknown metric '${identifier}' (known: ${NAMED.flatMap(([names]) => names).join(', ')}; camelCase spellings work too)`,
    );
  }
  return make(loss);
}

/** Keras-style namespace: `metrics.precision({ threshold: 0.7 })`. */
export const metrics = Object.freeze({
  accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, topKCategoricalAccuracy, sparseTopKCategoricalAccuracy,
  precision, recall, f1Score, auc, mse: meanSquaredErrorMetric, rmse: rootMeanSquaredError, mae: meanAbsoluteErrorMetric, get: getMetric,
});
