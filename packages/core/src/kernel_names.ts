/**
 * The kernel contract: every kernel a backend may implement, with its inputs and attributes.
 * `PRIMITIVE_KERNELS` must be implemented by every backend; `OPTIONAL_KERNELS` are fused/faster
 * kernels that core uses when the active backend registers them. docs/kernels.md mirrors this file.
 *
 * Conventions (all kernels):
 * - inputs are contiguous row-major buffers; outputs are new buffers;
 * - binary and select kernels broadcast NumPy-style; core has already checked the shapes
 *   and made the dtypes equal (bool < int32 < float32 upcasting);
 * - float-only kernels only ever receive float32 inputs (core casts int/bool first).
 */

/** Elementwise unary kernels, inputs [x], no attributes. */
export const UNARY_FLOAT_KERNELS = [
  'Exp', 'Log', 'Log1p', 'Expm1', 'Sqrt', 'Rsqrt', 'Reciprocal', 'Sin', 'Cos', 'Tanh', 'Sigmoid',
  'Softplus', 'Erf',
] as const;
/** Unary kernels that keep the dtype (float32 or int32). */
export const UNARY_KEEP_KERNELS = ['Neg', 'Abs', 'Square', 'Sign', 'Relu', 'Floor', 'Ceil', 'Round'] as const;

/** Binary kernels, inputs [a, b] of one dtype, output that dtype. Div and Pow get float32 only. */
export const BINARY_KERNELS = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Maximum', 'Minimum', 'Mod'] as const;
/** Comparisons, inputs [a, b] of one dtype, output bool. */
export const COMPARE_KERNELS = ['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual'] as const;
/** Logic, bool inputs, bool output: LogicalAnd/LogicalOr take [a, b], LogicalNot takes [x]. */
export const LOGIC_KERNELS = ['LogicalAnd', 'LogicalOr', 'LogicalNot'] as const;

/** Reductions, inputs [x], attrs { axes: number[] } (sorted, unique, non-empty); the axes are removed. */
export const REDUCE_KERNELS = ['Sum', 'Prod', 'Max', 'Min', 'All', 'Any'] as const;

export const PRIMITIVE_KERNELS = [
  ...UNARY_FLOAT_KERNELS,
  ...UNARY_KEEP_KERNELS,
  ...BINARY_KERNELS,
  ...COMPARE_KERNELS,
  ...LOGIC_KERNELS,
  ...REDUCE_KERNELS,
  /** inputs [x], attrs { axis: number }, output int32 with `axis` removed; first index wins ties. */
  'ArgMax',
  'ArgMin',
  /** inputs [cond(bool), a, b] (a, b same dtype), broadcast together. */
  'Select',
  /** inputs [x], attrs { dtype }. float→int truncates toward zero; anything→bool is x != 0. */
  'Cast',
  /**
   * inputs [a, b] of rank 3: a is [batchA, M, K] ([batchA, K, M] if transposeA), b is [batchB, K, N]
   * ([batchB, N, K] if transposeB); batchA == batchB or one of them is 1. attrs { transposeA, transposeB }.
   * Output [max(batchA, batchB), M, N]. float32 only.
   */
  'BatchMatMul',
  /** inputs [x], attrs { perm: number[] }. */
  'Transpose',
  /** inputs [x], attrs { begin: number[], size: number[] } (both full rank, in range). */
  'Slice',
  /** inputs [x0, x1, ...] of one dtype and rank, attrs { axis }. */
  'Concat',
  /** inputs [x], attrs { paddings: [before, after][], value: number }. */
  'Pad',
  /** inputs [x], attrs { reps: number[] } (full rank). */
  'Tile',
  /**
   * inputs [x, indices(int32)], attrs { axis }. Output x.shape[:axis] + indices.shape + x.shape[axis+1:].
   * An index outside [0, x.shape[axis]) throws.
   */
  'Gather',
  /**
   * inputs [x, segmentIds(int32, 1-D, length x.shape[0])], attrs { numSegments }. Output
   * [numSegments, ...x.shape[1:]]: row i of the output sums the rows of x whose id is i. Ids outside
   * [0, numSegments) are dropped.
   */
  'UnsortedSegmentSum',
  /**
   * 2-D convolution, NHWC input [x: [N,H,W,C], filter: [fh,fw,C,O]], attrs Conv2DAttrs. Output
   * [N, outH, outW, O]. (Cross-correlation, as in every DL framework.)
   */
  'Conv2D',
  /** inputs [dy, filter], attrs Conv2DAttrs & { inputShape }: gradient w.r.t. the input. */
  'Conv2DBackpropInput',
  /** inputs [x, dy], attrs Conv2DAttrs & { filterShape }: gradient w.r.t. the filter. */
  'Conv2DBackpropFilter',
  /** inputs [x NHWC], attrs PoolAttrs. Padding cells never win. */
  'MaxPool',
  /** inputs [dy, x], attrs PoolAttrs: routes dy to the first max of each window. */
  'MaxPoolGrad',
  /** inputs [x NHWC], attrs PoolAttrs. The mean is over the window's cells inside the input. */
  'AvgPool',
  /** inputs [dy], attrs PoolAttrs & { inputShape }. */
  'AvgPoolGrad',
] as const;

export const OPTIONAL_KERNELS = [
  /**
   * inputs [a, b, bias?] as BatchMatMul (bias broadcast over the last dim, length N), attrs
   * { transposeA, transposeB, activation: 'linear' | 'relu' | 'sigmoid' | 'tanh', hasBias }.
   */
  'FusedMatMul',
  /**
   * inputs [x NHWC, filter HWIO, bias [O]?] as Conv2D, attrs Conv2DAttrs & { activation: 'linear' |
   * 'relu' | 'sigmoid' | 'tanh', hasBias }: activation(conv2d(x, filter) + bias).
   */
  'FusedConv2D',
  /** inputs [logits [B, C], labels [B, C] (probabilities)], output per-example loss [B]. float32. */
  'SoftmaxCrossEntropy',
  /** inputs [logits] of any rank, softmax over the last axis. float32. */
  'Softmax',
] as const;

export type PrimitiveKernelName = (typeof PRIMITIVE_KERNELS)[number];
export type OptionalKernelName = (typeof OPTIONAL_KERNELS)[number];
export type KernelName = PrimitiveKernelName | OptionalKernelName;

export interface Conv2DAttrs {
  strides: [number, number];
  /** Explicit padding [top, bottom, left, right]. */
  pad: [number, number, number, number];
  dilations: [number, number];
}

export interface PoolAttrs {
  filterSize: [number, number];
  strides: [number, number];
  pad: [number, number, number, number];
}

export interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

export type FusedActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh';

export interface FusedMatMulAttrs extends MatMulAttrs {
  activation: FusedActivation;
  hasBias: boolean;
}

export interface FusedConv2DAttrs extends Conv2DAttrs {
  activation: FusedActivation;
  hasBias: boolean;
}
