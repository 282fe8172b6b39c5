// Gradient rules for every kernel of the contract (and core's pseudo-kernels Reshape/Identity).
import {
  add, broadcastedAxes, cast, clipByValue, cos, div, equal, exp, expandDims, floor, gather, greater, greaterEqual,
  less, lessEqual, log, pow, logSoftmax, logicalAnd, maximum, mul, neg, pad, reducedShape, reshape, runKernel, sigmoid,
  sign, sin, slice, softmax, split, square, sub, sum, transpose, unsortedSegmentSum, where, zerosLike, TesseraError,
  type Attrs, type Conv2DAttrs, type PoolAttrs, type Tensor,
} from '@tessera/core';
import { registerGradient, type GradRule } from './registry.js';

/** Sums a broadcast gradient back to the input's shape. */
export function unbroadcast(dy: Tensor, shape: readonly number[]): Tensor {
  const axes = broadcastedAxes(shape, dy.shape);
  const s = axes.length > 0 ? sum(dy, axes, false) : dy;
  return s.shape.length === shape.length && s.shape.every((d, i) => d === shape[i]) ? s : reshape(s, shape);
}

const none = (n: number): GradRule => () => new Array<null>(n).fill(null);
type BinaryGrad = (dy: Tensor, a: Tensor, b: Tensor, y: Tensor) => Tensor | null;
/** A two-input rule from one function per input; each runs only when its gradient is needed. */
const binary = (fa: BinaryGrad, fb: BinaryGrad): GradRule =>
  ([dy], { inputs: [a, b], outputs: [y], needs }) => {
    const da = needs[0] !== false ? fa(dy!, a!, b!, y!) : null;
    const db = needs[1] !== false ? fb(dy!, a!, b!, y!) : null;
    return [da && unbroadcast(da, a!.shape), db && unbroadcast(db, b!.shape)];
  };
const unary = (f: (dy: Tensor, x: Tensor, y: Tensor) => Tensor | null): GradRule =>
  ([dy], { inputs: [x], outputs: [y] }) => [f(dy!, x!, y!)];

// ---- elementwise
registerGradient('Add', binary((dy) => dy, (dy) => dy));
registerGradient('Sub', binary((dy) => dy, (dy) => neg(dy)));
registerGradient('Mul', binary((dy, _a, b) => mul(dy, b), (dy, a) => mul(dy, a)));
registerGradient('Div', binary((dy, _a, b) => div(dy, b), (dy, a, b) => neg(div(mul(dy, a), square(b)))));
registerGradient(
  'Pow',
  binary(
    (dy, a, b) => mul(dy, mul(b, pow(a, sub(b, 1)))),
    (dy, a, _b, y) => mul(dy, mul(y, where(greater(a, 0), log(maximum(a, 1e-30)), zerosLike(a)))),
  ),
);
registerGradient('Maximum', binary((dy, a, b) => mul(dy, cast(greaterEqual(a, b), dy.dtype)), (dy, a, b) => mul(dy, cast(less(a, b), dy.dtype))));
registerGradient('Minimum', binary((dy, a, b) => mul(dy, cast(lessEqual(a, b), dy.dtype)), (dy, a, b) => mul(dy, cast(greater(a, b), dy.dtype))));
registerGradient('Mod', binary((dy) => dy, (dy, a, b) => mul(dy, neg(floor(div(a, b))))));
for (const k of ['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'LogicalAnd', 'LogicalOr']) registerGradient(k, none(2));
registerGradient('LogicalNot', none(1));
registerGradient('Select', ([dy], { inputs: [c, a, b] }) => [
  null,
  unbroadcast(where(c!, dy!, zerosLike(dy!)), a!.shape),
  unbroadcast(where(c!, zerosLike(dy!), dy!), b!.shape),
]);

registerGradient('Neg', unary((dy) => neg(dy)));
registerGradient('Abs', unary((dy, x) => mul(dy, sign(x))));
registerGradient('Square', unary((dy, x) => mul(dy, mul(x, 2))));
for (const k of ['Sign', 'Floor', 'Ceil', 'Round']) registerGradient(k, unary((dy) => zerosLike(dy)));
registerGradient('Relu', unary((dy, x) => mul(dy, cast(greater(x, 0), dy.dtype))));
registerGradient('Exp', unary((dy, _x, y) => mul(dy, y)));
registerGradient('Log', unary((dy, x) => div(dy, x)));
registerGradient('Log1p', unary((dy, x) => div(dy, add(x, 1))));
registerGradient('Expm1', unary((dy, _x, y) => mul(dy, add(y, 1))));
registerGradient('Sqrt', unary((dy, _x, y) => div(dy, mul(y, 2))));
registerGradient('Rsqrt', unary((dy, x, y) => mul(dy, mul(div(y, x), -0.5))));
registerGradient('Reciprocal', unary((dy, _x, y) => neg(mul(dy, square(y)))));
registerGradient('Sin', unary((dy, x) => mul(dy, cos(x))));
registerGradient('Cos', unary((dy, x) => neg(mul(dy, sin(x)))));
registerGradient('Tanh', unary((dy, _x, y) => mul(dy, sub(1, square(y)))));
registerGradient('Sigmoid', unary((dy, _x, y) => mul(dy, mul(y, sub(1, y)))));
registerGradient('Softplus', unary((dy, x) => mul(dy, sigmoid(x))));
registerGradient('Erf', unary((dy, x) => mul(dy, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)))));
registerGradient('Cast', (_dys, { inputs: [x] }) => [x!.dtype === 'float32' ? zerosLike(x!) : null]);
registerGradient('Identity', ([dy]) => [dy!]);

// ---- reductions
function expandReduced(dy: Tensor, x: Tensor, axes: number[]): Tensor {
  return reshape(dy, reducedShape(x.shape, axes, true));
}
function broadcastLike(t: Tensor, x: Tensor): Tensor {
  return add(t, zerosLike(x));
}
registerGradient('Sum', ([dy], { inputs: [x] }, attrs) => {
  if (x!.dtype !== 'float32') return [null];
  return [broadcastLike(expandReduced(dy!, x!, attrs['axes'] as number[]), x!)];
});
registerGradient('Prod', ([dy], { inputs: [x], outputs: [y] }, attrs) => {
  // d prod / dx_i = prod / x_i; exact for inputs without zeros.
  const axes = attrs['axes'] as number[];
  return [div(mul(expandReduced(dy!, x!, axes), expandReduced(y!, x!, axes)), x!)];
});
const extremum: GradRule = ([dy], { inputs: [x], outputs: [y] }, attrs) => {
  if (x!.dtype !== 'float32') return [null];
  const axes = attrs['axes'] as number[];
  const mask = cast(equal(x!, expandReduced(y!, x!, axes)), 'float32');
  const ties = sum(mask, axes, true);
  return [div(mul(mask, expandReduced(dy!, x!, axes)), ties)];
};
registerGradient('Max', extremum);
registerGradient('Min', extremum);
for (const k of ['All', 'Any', 'ArgMax', 'ArgMin']) registerGradient(k, none(1));

// ---- matmul
/** Gradients of a batched matmul; an input whose gradient is not needed costs nothing. */
function matmulGrads(dy: Tensor, a: Tensor, b: Tensor, tA: boolean, tB: boolean, needs: boolean[]): [Tensor | null, Tensor | null] {
  const mm = (x: Tensor, y: Tensor, ta: boolean, tb: boolean): Tensor => runKernel('BatchMatMul', [x, y], { transposeA: ta, transposeB: tb });
  const wantA = needs[0] !== false;
  const wantB = needs[1] !== false;
  let da: Tensor | null = null;
  let db: Tensor | null = null;
  if (!tA && !tB) [da, db] = [wantA ? mm(dy, b, false, true) : null, wantB ? mm(a, dy, true, false) : null];
  else if (tA && !tB) [da, db] = [wantA ? mm(b, dy, false, true) : null, wantB ? mm(a, dy, false, false) : null];
  else if (!tA && tB) [da, db] = [wantA ? mm(dy, b, false, false) : null, wantB ? mm(dy, a, true, false) : null];
  else [da, db] = [wantA ? mm(b, dy, true, true) : null, wantB ? mm(dy, a, true, true) : null];
  if (da && a.shape[0] === 1 && da.shape[0] !== 1) da = sum(da, 0, true);
  if (db && b.shape[0] === 1 && db.shape[0] !== 1) db = sum(db, 0, true);
  return [da, db];
}
registerGradient('BatchMatMul', ([dy], { inputs: [a, b], needs }, attrs) =>
  matmulGrads(dy!, a!, b!, attrs['transposeA'] as boolean, attrs['transposeB'] as boolean, needs),
);
/** The gradient before a fused kernel's activation, from the gradient after it and the kernel's output y. */
function throughActivation(dy: Tensor, y: Tensor, activation: unknown): Tensor {
  switch (activation) {
    case 'relu':
      return mul(dy, cast(greater(y, 0), 'float32'));
    case 'sigmoid':
      return mul(dy, mul(y, sub(1, y)));
    case 'tanh':
      return mul(dy, sub(1, square(y)));
    default:
      return dy;
  }
}
registerGradient('FusedMatMul', ([dy], { inputs, outputs: [y], needs }, attrs) => {
  const [a, b, bias] = inputs;
  const dz = throughActivation(dy!, y!, attrs['activation']);
  const [da, db] = matmulGrads(dz, a!, b!, attrs['transposeA'] as boolean, attrs['transposeB'] as boolean, needs);
  return bias ? [da, db, needs[2] !== false ? sum(dz, [0, 1]) : null] : [da, db];
});

// ---- softmax family (optional kernels)
registerGradient('Softmax', ([dy], { outputs: [y] }) => [mul(y!, sub(dy!, sum(mul(dy!, y!), -1, true)))]);
registerGradient('SoftmaxCrossEntropy', ([dy], { inputs: [logits, labels], needs }) => {
  const d = expandDims(dy!, -1);
  // Labels are data almost always: their gradient (a whole logSoftmax) only when asked for.
  return [needs[0] !== false ? mul(d, sub(softmax(logits!), labels!)) : null, needs[1] !== false ? mul(d, neg(logSoftmax(logits!))) : null];
});

// ---- shape ops
registerGradient('Reshape', ([dy], { inputs: [x] }) => [reshape(dy!, x!.shape)]);
registerGradient('Transpose', ([dy], _s, attrs) => {
  const perm = attrs['perm'] as number[];
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return [transpose(dy!, inv)];
});
registerGradient('Slice', ([dy], { inputs: [x] }, attrs) => {
  const begin = attrs['begin'] as number[];
  const size = attrs['size'] as number[];
  return [pad(dy!, x!.shape.map((d, i) => [begin[i]!, d - begin[i]! - size[i]!] as [number, number]))];
});
registerGradient('Concat', ([dy], { inputs }, attrs) => {
  const axis = attrs['axis'] as number;
  return split(dy!, inputs.map((t) => t.shape[axis]!), axis);
});
registerGradient('Pad', ([dy], { inputs: [x] }, attrs) => {
  const paddings = attrs['paddings'] as [number, number][];
  return [slice(dy!, paddings.map((p) => p[0]), x!.shape)];
});
registerGradient('Tile', ([dy], { inputs: [x] }, attrs) => {
  const reps = attrs['reps'] as number[];
  const split2: number[] = [];
  x!.shape.forEach((d, i) => split2.push(reps[i]!, d));
  const axes = reps.map((_, i) => 2 * i);
  return [reshape(sum(reshape(dy!, split2), axes), x!.shape)];
});
registerGradient('Gather', ([dy], { inputs: [x, indices] }, attrs) => {
  const axis = attrs['axis'] as number;
  const xs = x!.shape;
  const pre = xs.slice(0, axis);
  const post = xs.slice(axis + 1);
  const ni = indices!.rank;
  // dy is pre + I + post; bring the index dims to the front, flatten them, segment-sum into rows.
  const perm = [...range(axis, axis + ni), ...range(0, axis), ...range(axis + ni, dy!.rank)];
  const moved = reshape(transpose(dy!, perm), [-1, ...pre, ...post]);
  const summed = unsortedSegmentSum(moved, reshape(indices!, [-1]), xs[axis]!);
  const back = [...range(1, axis + 1), 0, ...range(axis + 1, xs.length)];
  return [transpose(summed, back), null];
});
registerGradient('UnsortedSegmentSum', ([dy], { inputs: [x, ids] }, attrs) => {
  const n = attrs['numSegments'] as number;
  if (x!.dtype !== 'float32') return [null, null];
  const valid = logicalAnd(greaterEqual(ids!, 0), less(ids!, n));
  const rows = gather(dy!, clipByValue(ids!, 0, Math.max(n - 1, 0)), 0);
  const mask = reshape(cast(valid, 'float32'), [ids!.shape[0]!, ...new Array<number>(x!.rank - 1).fill(1)]);
  return [mul(rows, mask), null];
});

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
}

// ---- convolution and pooling
function convAttrs(attrs: Attrs): Conv2DAttrs {
  return { strides: attrs['strides'] as [number, number], pad: attrs['pad'] as Conv2DAttrs['pad'], dilations: attrs['dilations'] as [number, number] };
}
const conv = (x: Tensor, f: Tensor, a: Conv2DAttrs): Tensor => runKernel('Conv2D', [x, f], { ...a });
const convBI = (dy: Tensor, f: Tensor, a: Conv2DAttrs, inputShape: readonly number[]): Tensor =>
  runKernel('Conv2DBackpropInput', [dy, f], { ...a, inputShape: [...inputShape] });
const convBF = (x: Tensor, dy: Tensor, a: Conv2DAttrs, filterShape: readonly number[]): Tensor =>
  runKernel('Conv2DBackpropFilter', [x, dy], { ...a, filterShape: [...filterShape] });

registerGradient('Conv2D', ([dy], { inputs: [x, f], needs }, attrs) => {
  const a = convAttrs(attrs);
  // The first layer's input gradient is never needed in training: skip the most expensive backprop.
  return [needs[0] !== false ? convBI(dy!, f!, a, x!.shape) : null, needs[1] !== false ? convBF(x!, dy!, a, f!.shape) : null];
});
registerGradient('FusedConv2D', ([dy], { inputs: [x, f, bias], outputs: [y], needs }, attrs) => {
  const a = convAttrs(attrs);
  const dz = throughActivation(dy!, y!, attrs['activation']);
  const grads = [needs[0] !== false ? convBI(dz, f!, a, x!.shape) : null, needs[1] !== false ? convBF(x!, dz, a, f!.shape) : null];
  return bias ? [...grads, needs[2] !== false ? sum(dz, [0, 1, 2]) : null] : grads;
});
// The backprops are bilinear adjoints of Conv2D, so their own gradients are convolutions again.
registerGradient('Conv2DBackpropInput', ([g], { inputs: [dy, f] }, attrs) => {
  const a = convAttrs(attrs);
  return [conv(g!, f!, a), convBF(g!, dy!, a, f!.shape)];
});
registerGradient('Conv2DBackpropFilter', ([g], { inputs: [x, dy] }, attrs) => {
  const a = convAttrs(attrs);
  return [convBI(dy!, g!, a, x!.shape), conv(x!, g!, a)];
});
function poolAttrs(attrs: Attrs): PoolAttrs {
  return { filterSize: attrs['filterSize'] as [number, number], strides: attrs['strides'] as [number, number], pad: attrs['pad'] as PoolAttrs['pad'] };
}
registerGradient('MaxPool', ([dy], { inputs: [x] }, attrs) => [runKernel('MaxPoolGrad', [dy!, x!], { ...poolAttrs(attrs) })]);
registerGradient('MaxPoolGrad', () => {
  // Its adjoint needs the argmax of every window as data, which no primitive kernel returns.
  throw new TesseraError('second-order gradients through maxPool2d are not supported (gradient of MaxPoolGrad); use avgPool2d or a strided conv2d where you need them');
});
registerGradient('AvgPool', ([dy], { inputs: [x] }, attrs) => [runKernel('AvgPoolGrad', [dy!], { ...poolAttrs(attrs), inputShape: [...x!.shape] })]);
// AvgPoolGrad is linear in dy and is AvgPool's adjoint, so its adjoint is AvgPool.
registerGradient('AvgPoolGrad', ([g], _s, attrs) => [runKernel('AvgPool', [g!], { ...poolAttrs(attrs) })]);
