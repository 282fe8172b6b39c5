import { Random, TesseraError } from '@tessera/core';
import { checkLabeled, gatherRows, rowSize, type LabeledArrays, type NumericArray } from './arrays.js';
import { permutation, resolveSeed } from './seed.js';

export interface SplitOptions {
  /** Share of the rows that go to validation, in (0, 1); default 0.2. Rounded to a whole row count. */
  validationFraction?: number;
  /** Shuffle the rows before splitting (default true); otherwise the last rows are the validation set, like Keras' validationSplit. */
  shuffle?: boolean;
  seed?: number;
}

/** Splits labeled arrays into a training and a validation part (rows are copied). */
export function trainValidationSplit<X extends NumericArray, Y extends NumericArray>(
  data: LabeledArrays<X, Y>,
  options: SplitOptions = {},
): { train: LabeledArrays<X, Y>; validation: LabeledArrays<X, Y> } {
  const n = checkLabeled('trainValidationSplit', data);
  const fraction = options.validationFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1)) throw new TesseraError(`trainValidationSplit: validationFraction must be in (0, 1), got ${fraction}`);
  const nVal = Math.round(n * fraction);
  if (nVal === 0 || nVal === n) {
    throw new TesseraError(`trainValidationSplit: validationFraction ${fraction} of ${n} rows leaves ${nVal === 0 ? 'no validation rows' : 'no training rows'}`);
  }
  const order = permutation(n, options.shuffle === false ? undefined : new Random(resolveSeed(options.seed)));
  const part = (rows: Int32Array): LabeledArrays<X, Y> => ({
    xs: gatherRows(data.xs, rowSize(data.xsShape), rows),
    xsShape: [rows.length, ...data.xsShape.slice(1)],
    ys: gatherRows(data.ys, rowSize(data.ysShape), rows),
    ysShape: [rows.length, ...data.ysShape.slice(1)],
  });
  return { train: part(order.subarray(0, n - nVal)), validation: part(order.subarray(n - nVal)) };
}
