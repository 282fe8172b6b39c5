import type { TypedArray, UNARY_FLOAT_KERNELS, UNARY_KEEP_KERNELS } from '@tessera/core';
import { erf, roundHalfEven, sigmoid, softplus } from './math.js';
import type { CpuKernel, CpuKernelFn } from './kernel.js';

/** The loop of one unary kernel. Each op has its own loop so that V8 compiles the math inline. */
type UnaryLoop = (o: TypedArray, x: TypedArray, n: number) => void;

const FLOAT_LOOPS: Record<(typeof UNARY_FLOAT_KERNELS)[number], UnaryLoop> = {
  Exp: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]!); },
  Log: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.log(x[i]!); },
  Log1p: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.log1p(x[i]!); },
  Expm1: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.expm1(x[i]!); },
  Sqrt: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]!); },
  Rsqrt: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = 1 / Math.sqrt(x[i]!); },
  Reciprocal: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = 1 / x[i]!; },
  Sin: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.sin(x[i]!); },
  Cos: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.cos(x[i]!); },
  Tanh: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]!); },
  Sigmoid: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = sigmoid(x[i]!); },
  Softplus: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = softplus(x[i]!); },
  Erf: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = erf(x[i]!); },
};

/**
 * Dtype-keeping kernels, for float32 and int32. Int32Array stores wrap like int32 arithmetic
 * (−(−2³¹) stays −2³¹, as in NumPy); only Square needs Math.imul, since x·x can exceed 2⁵³.
 */
const KEEP_LOOPS: Record<(typeof UNARY_KEEP_KERNELS)[number], { float: UnaryLoop; int?: UnaryLoop }> = {
  Neg: { float: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = -x[i]!; } },
  Abs: { float: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]!); } },
  Square: {
    float: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = x[i]! * x[i]!; },
    int: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.imul(x[i]!, x[i]!); },
  },
  Sign: { float: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.sign(x[i]!); } },
  // `x < 0 ? 0 : x` rather than a max: NaN stays NaN, as it does in NumPy's maximum(x, 0).
  Relu: { float: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = x[i]! < 0 ? 0 : x[i]!; } },
  Floor: { float: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.floor(x[i]!); } },
  Ceil: { float: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = Math.ceil(x[i]!); } },
  Round: { float: (o, x, n) => { for (let i = 0; i < n; i++) o[i] = roundHalfEven(x[i]!); } },
};

const logicalNot: UnaryLoop = (o, x, n) => {
  for (let i = 0; i < n; i++) o[i] = x[i]! ^ 1;
};

function unaryKernel(loop: (dtype: string) => UnaryLoop): CpuKernelFn<Record<string, never>> {
  return ({ inputs: [x], backend }) => {
    const values = backend.data(x!.dataId);
    const out = backend.alloc(x!.dtype, values.length);
    loop(x!.dtype)(out, values, values.length);
    return backend.output(out, [...x!.shape], x!.dtype);
  };
}

export const unaryKernels: CpuKernel[] = [
  ...Object.entries(FLOAT_LOOPS).map(([name, loop]) => ({ name: name as CpuKernel['name'], fn: unaryKernel(() => loop) })),
  ...Object.entries(KEEP_LOOPS).map(([name, loops]) => ({
    name: name as CpuKernel['name'],
    fn: unaryKernel((dtype) => (dtype === 'int32' && loops.int ? loops.int : loops.float)),
  })),
  { name: 'LogicalNot', fn: unaryKernel(() => logicalNot) },
];
