import {
  Tensor, TesseraError, abs, argMax, cast, equal, fmtShape, greater, logicalAnd, reshape, scalar, sizeFromShape, square, stack, sub, sum, tidy,
} from '@tessera/core';
import { lossName } from './losses.js';
import { describeValue, isPlainObject, normalizeName } from './util.js';

/**
 * A metric a training loop can track with one small read per batch: `statistics` returns a 1-D
 * float32 vector of additive batch statistics (e.g. [correct, count]); the loop sums them over the
 * batches of an epoch and `result` turns the totals into the metric's value.
 */
export interface Metric {
  name: string;
  statistics(yTrue: Tensor, yPred: Tensor): Tensor;
  result(totals: number[]): number;
}

function checkTensors(name: string, yTrue: Tensor, yPred: Tensor): void {
  if (!(yTrue instanceof Tensor) || !(yPred instanceof Tensor)) {
    throw new TesseraError(`${name}: yTrue and yPred must be Tensors, got ${describeValue(yTrue)} and ${describeValue(yPred)}`);
  }
  yTrue.assertAlive(name);
  yPred.assertAlive(name);
}

/** A metric numerator / denominator, both summed over batches (0 when the denominator is 0). */
function ratioMetric(name: string, parts: (yTrue: Tensor, yPred: Tensor) => [Tensor, Tensor | number]): Metric {
  return {
    name,
    statistics(yTrue, yPred) {
      checkTensors(name, yTrue, yPred);
      return tidy(() => {
        const [num, den] = parts(yTrue, yPred);
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
export function binaryAccuracy({ threshold = 0.5 }: { threshold?: number } = {}): Metric {
  const t0 = checkThreshold('binaryAccuracy', threshold);
  return ratioMetric('binary_accuracy', (yTrue, yPred) => {
    const [t, p] = binarize('binaryAccuracy', yTrue, yPred, t0);
    return [sum(equal(t, p)), yPred.size];
  });
}

/** Fraction of samples whose predicted class (argmax) is the one-hot target's. */
export function categoricalAccuracy(): Metric {
  return ratioMetric('categorical_accuracy', (yTrue, yPred) => {
    const t = align('categoricalAccuracy', yTrue, yPred);
    if (yPred.rank === 0) throw new TesseraError('categoricalAccuracy: yPred must have a class axis');
    return [sum(equal(argMax(t, -1), argMax(yPred, -1))), sizeFromShape(yPred.shape.slice(0, -1))];
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
  return ratioMetric('sparse_categorical_accuracy', (yTrue, yPred) => {
    const labels = sparseLabels('sparseCategoricalAccuracy', yTrue, yPred);
    return [sum(equal(labels, argMax(yPred, -1))), labels.size];
  });
}

/** true positives / predicted positives (binary; predictions above the threshold are positive). */
export function precision({ threshold = 0.5 }: { threshold?: number } = {}): Metric {
  const t0 = checkThreshold('precision', threshold);
  return ratioMetric('precision', (yTrue, yPred) => {
    const [t, p] = binarize('precision', yTrue, yPred, t0);
    return [sum(logicalAnd(t, p)), sum(p)];
  });
}

/** true positives / actual positives (binary; predictions above the threshold are positive). */
export function recall({ threshold = 0.5 }: { threshold?: number } = {}): Metric {
  const t0 = checkThreshold('recall', threshold);
  return ratioMetric('recall', (yTrue, yPred) => {
    const [t, p] = binarize('recall', yTrue, yPred, t0);
    return [sum(logicalAnd(t, p)), sum(t)];
  });
}

/** Mean squared error over all elements. */
export function meanSquaredErrorMetric(): Metric {
  return ratioMetric('mse', (yTrue, yPred) => [sum(square(sub(yPred, cast(align('mse', yTrue, yPred), 'float32')))), yPred.size]);
}

/** Mean absolute error over all elements. */
export function meanAbsoluteErrorMetric(): Metric {
  return ratioMetric('mae', (yTrue, yPred) => [sum(abs(sub(yPred, cast(align('mae', yTrue, yPred), 'float32')))), yPred.size]);
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
    statistics(yTrue, yPred) {
      checkTensors('accuracy', yTrue, yPred);
      const pLast = yPred.rank === 0 ? 1 : yPred.shape[yPred.rank - 1]!;
      const tLast = yTrue.rank === 0 ? 1 : yTrue.shape[yTrue.rank - 1]!;
      if (yPred.rank <= 1 || pLast === 1) return binary.statistics(yTrue, yPred);
      if (yTrue.rank < yPred.rank || tLast === 1) return sparse.statistics(yTrue, yPred);
      return categorical.statistics(yTrue, yPred);
    },
    result: categorical.result,
  };
}

const FACTORIES: Record<string, (loss?: string) => Metric> = {
  accuracy: (loss) => accuracy(loss),
  acc: (loss) => accuracy(loss),
  binaryaccuracy: () => binaryAccuracy(),
  categoricalaccuracy: () => categoricalAccuracy(),
  sparsecategoricalaccuracy: () => sparseCategoricalAccuracy(),
  precision: () => precision(),
  recall: () => recall(),
  mse: () => meanSquaredErrorMetric(),
  meansquarederror: () => meanSquaredErrorMetric(),
  mae: () => meanAbsoluteErrorMetric(),
  meanabsoluteerror: () => meanAbsoluteErrorMetric(),
};

function isMetric(x: unknown): x is Metric {
  return (
    x !== null && typeof x === 'object' && typeof (x as Metric).name === 'string' &&
    typeof (x as Metric).statistics === 'function' && typeof (x as Metric).result === 'function'
  );
}

/**
 * Resolves a metric: an object implementing Metric as is, or a name ('accuracy' / 'acc' — the variant
 * picked from `loss` like Keras —, 'binary_accuracy', 'categoricalAccuracy', 'precision', 'recall',
 * 'mse', 'mae', ...). Each call returns a new metric object.
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
      `getMetric: unknown metric '${identifier}' (known: accuracy, acc, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, precision, recall, mse, mae)`,
    );
  }
  return make(loss);
}

/** Keras-style namespace: `metrics.precision({ threshold: 0.7 })`. */
export const metrics = Object.freeze({
  accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, precision, recall,
  mse: meanSquaredErrorMetric, mae: meanAbsoluteErrorMetric, get: getMetric,
});
