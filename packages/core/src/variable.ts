import { brandClass } from './brand.js';
import { ENGINE } from './engine.js';
import { assertDataType, type DataType } from './dtypes.js';
import { TesseraError, fmtShape } from './errors.js';
import { convert, type TensorLike } from './ops/op.js';
import { Tensor } from './tensor.js';

let nextVariable = 0;

/**
 * A mutable tensor: `assign` replaces its values (same shape and dtype). Variables are never
 * disposed by `tidy`; autograd's `variableGrads` differentiates w.r.t. trainable ones.
 * Names are unique among live variables: a taken name gets a `_1`, `_2`, ... suffix.
 */
export class Variable<D extends DataType = DataType> extends Tensor<D> {
  readonly name: string;
  trainable: boolean;

  /** @internal use `variable()` */
  constructor(initial: Tensor<D>, trainable: boolean, name: string) {
    super(initial.shape, initial.dtype, initial.storage);
    this.name = ENGINE.uniqueVariableName(name);
    this.trainable = trainable;
    initial.storage.refs++;
    ENGINE.numTensors++;
    ENGINE.registerVariable(this);
  }

  /** Replaces the values with `value`'s (shares its buffer; value may be disposed afterwards). */
  assign(value: Tensor): void {
    this.assertAlive('assign');
    value.assertAlive('assign');
    if (value.dtype !== this.dtype || value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new TesseraError(
        `assign: variable '${this.name}' is ${fmtShape(this.shape)} ${this.dtype}, got a value of ${fmtShape(value.shape)} ${value.dtype}`,
      );
    }
    ENGINE.replaceStorage(this, value);
  }
}

brandClass(Variable, 'Variable');

/** Makes a variable holding a copy of `initial`'s values. */
export function variable(initial: TensorLike, trainable = true, name?: string, dtype?: DataType): Variable {
  if (dtype !== undefined) assertDataType('variable', dtype);
  const t = convert('variable', initial, 'initial');
  if (dtype && t.dtype !== dtype) throw new TesseraError(`variable: initial value is ${t.dtype}, expected ${dtype}`);
  const v = new Variable(t, trainable, name ?? `variable_${nextVariable++}`);
  if (!(initial instanceof Tensor)) t.dispose();
  return v;
}
