import { upcastType, type DataType } from '../dtypes.js';
import { TesseraError, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './shape_ops.js';
import { convert, op, runKernel, type TensorLike } from './op.js';

function floatInput(name: string, x: TensorLike): Tensor {
  const t = convert(name, x, 'x');
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

function numericInput(name: string, x: TensorLike): Tensor {
  const t = convert(name, x, 'x');
  return t.dtype === 'bool' ? cast(t, 'int32') : t;
}

const floatUnary = /* @__NO_SIDE_EFFECTS__ */ (name: string, kernel: string) => op(name, (x: TensorLike): Tensor => runKernel(kernel, [floatInput(name, x)]));
const keepUnary = /* @__NO_SIDE_EFFECTS__ */ (name: string, kernel: string) => op(name, (x: TensorLike): Tensor => runKernel(kernel, [numericInput(name, x)]));

export const exp = floatUnary('exp', 'Exp');
export const log = floatUnary('log', 'Log');
export const log1p = floatUnary('log1p', 'Log1p');
export const expm1 = floatUnary('expm1', 'Expm1');
export const sqrt = floatUnary('sqrt', 'Sqrt');
export const rsqrt = floatUnary('rsqrt', 'Rsqrt');
export const reciprocal = floatUnary('reciprocal', 'Reciprocal');
export const sin = floatUnary('sin', 'Sin');
export const cos = floatUnary('cos', 'Cos');
export const tanh = floatUnary('tanh', 'Tanh');
export const sigmoid = floatUnary('sigmoid', 'Sigmoid');
/** log(1 + exp(x)), computed without overflow. */
export const softplus = floatUnary('softplus', 'Softplus');
export const erf = floatUnary('erf', 'Erf');

export const neg = keepUnary('neg', 'Neg');
export const abs = keepUnary('abs', 'Abs');
export const square = keepUnary('square', 'Square');
export const sign = keepUnary('sign', 'Sign');
export const relu = keepUnary('relu', 'Relu');
export const floor = keepUnary('floor', 'Floor');
export const ceil = keepUnary('ceil', 'Ceil');
/** Rounds half to even (banker's rounding), like NumPy. */
export const round = keepUnary('round', 'Round');

/** Converts both operands (numbers adopt the other's dtype) and upcasts them to one dtype. */
export function binaryOperands(name: string, a: TensorLike, b: TensorLike, minDtype?: DataType): [Tensor, Tensor, number[]] {
  let ta = typeof a === 'number' && typeof b !== 'number' ? null : convert(name, a, 'a');
  let tb = convert(name, b, 'b', ta?.dtype);
  if (!ta) ta = convert(name, a, 'a', tb.dtype);
  const outShape = broadcastShapes(name, ta.shape, tb.shape);
  let dtype = upcastType(ta.dtype, tb.dtype);
  if (minDtype) dtype = upcastType(dtype, minDtype);
  if (ta.dtype !== dtype) ta = cast(ta, dtype);
  if (tb.dtype !== dtype) tb = cast(tb, dtype);
  return [ta, tb, outShape];
}

const arith = /* @__NO_SIDE_EFFECTS__ */ (name: string, kernel: string, minDtype?: DataType) =>
  op(name, (a: TensorLike, b: TensorLike): Tensor => {
    const [ta, tb] = binaryOperands(name, a, b, minDtype);
    return runKernel(kernel, [ta, tb]);
  });

export const add = arith('add', 'Add', 'int32');
export const sub = arith('sub', 'Sub', 'int32');
export const mul = arith('mul', 'Mul', 'int32');
/** True division: integer inputs give float32. */
export const div = arith('div', 'Div', 'float32');
export const pow = arith('pow', 'Pow', 'float32');
export const maximum = arith('maximum', 'Maximum', 'int32');
export const minimum = arith('minimum', 'Minimum', 'int32');
/** Floor modulo: the result has the sign of the divisor (NumPy's `mod`). */
export const mod = arith('mod', 'Mod', 'int32');

/** (a - b)². */
export const squaredDifference = op('squaredDifference', (a: TensorLike, b: TensorLike): Tensor => square(sub(a, b)));

const compare = /* @__NO_SIDE_EFFECTS__ */ (name: string, kernel: string) =>
  op(name, (a: TensorLike, b: TensorLike): Tensor => {
    const [ta, tb] = binaryOperands(name, a, b);
    return runKernel(kernel, [ta, tb]);
  });

export const equal = compare('equal', 'Equal');
export const notEqual = compare('notEqual', 'NotEqual');
export const less = compare('less', 'Less');
export const lessEqual = compare('lessEqual', 'LessEqual');
export const greater = compare('greater', 'Greater');
export const greaterEqual = compare('greaterEqual', 'GreaterEqual');

function boolInput(name: string, x: TensorLike, arg: string): Tensor {
  const t = convert(name, x, arg, 'bool');
  if (t.dtype !== 'bool') {
    throw new TesseraError(`${name}: argument '${arg}' must be bool, got ${t.dtype} ${fmtShape(t.shape)} (compare or cast it first)`);
  }
  return t;
}

export const logicalAnd = op('logicalAnd', (a: TensorLike, b: TensorLike): Tensor => {
  const ta = boolInput('logicalAnd', a, 'a');
  const tb = boolInput('logicalAnd', b, 'b');
  broadcastShapes('logicalAnd', ta.shape, tb.shape);
  return runKernel('LogicalAnd', [ta, tb]);
});

export const logicalOr = op('logicalOr', (a: TensorLike, b: TensorLike): Tensor => {
  const ta = boolInput('logicalOr', a, 'a');
  const tb = boolInput('logicalOr', b, 'b');
  broadcastShapes('logicalOr', ta.shape, tb.shape);
  return runKernel('LogicalOr', [ta, tb]);
});

export const logicalNot = op('logicalNot', (x: TensorLike): Tensor => runKernel('LogicalNot', [boolInput('logicalNot', x, 'x')]));

export const logicalXor = op('logicalXor', (a: TensorLike, b: TensorLike): Tensor =>
  logicalAnd(logicalOr(a, b), logicalNot(logicalAnd(a, b))),
);

/** Elementwise choice: a where cond is true, else b; all three broadcast together. */
export const where = op('where', (cond: TensorLike, a: TensorLike, b: TensorLike): Tensor => {
  const c = boolInput('where', cond, 'condition');
  const [ta, tb, abShape] = binaryOperands('where', a, b);
  broadcastShapes('where', c.shape, abShape);
  return runKernel('Select', [c, ta, tb]);
});
