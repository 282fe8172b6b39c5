import type { DataType, TensorInfo } from '@tessera/core';
import { groupsFor, type WebGPUBackend } from '../backend.js';
import { WG, bindings, flatMain, wgslType } from '../wgsl.js';
import type { WebGPUKernel } from './kernel.js';

/**
 * NumPy broadcasting, folded into as few dimensions as possible: every input gets a stride per
 * output dimension (0 where it is broadcast), size-1 output dimensions are dropped, and
 * neighbouring dimensions merge wherever every input walks them contiguously. [3,4] ⊕ [4] becomes
 * rank 2, equal shapes rank 1.
 */
export function broadcastPlan(outShape: readonly number[], inShapes: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const r = outShape.length;
  const all = inShapes.map((s) => {
    const st = new Array<number>(r).fill(0);
    let acc = 1;
    for (let d = s.length - 1; d >= 0; d--) {
      const od = d + r - s.length;
      st[od] = s[d] === 1 ? 0 : acc;
      acc *= s[d]!;
    }
    return st;
  });
  const shape: number[] = [];
  const strides: number[][] = inShapes.map(() => []);
  for (let d = 0; d < r; d++) {
    const n = outShape[d]!;
    if (n === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && all.every((st, k) => strides[k]![last] === st[d]! * n)) {
      shape[last]! *= n;
      all.forEach((st, k) => (strides[k]![last] = st[d]!));
    } else {
      shape.push(n);
      all.forEach((st, k) => strides[k]!.push(st[d]!));
    }
  }
  if (shape.length === 0) {
    shape.push(1);
    strides.forEach((s) => s.push(0));
  }
  return { shape, strides };
}

export function broadcastShape(shapes: readonly (readonly number[])[]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(r).fill(1);
  for (const s of shapes) {
    for (let d = 0; d < s.length; d++) {
      const od = d + r - s.length;
      if (s[d] !== 1) out[od] = s[d]!;
    }
  }
  // A 0 anywhere wins over 1 (core has checked the shapes are compatible).
  for (const s of shapes) for (let d = 0; d < s.length; d++) if (s[d] === 0) out[d + r - s.length] = 0;
  return out;
}

const VARS = ['a', 'b', 'c'];

/**
 * Runs `expr` (WGSL over a, b, c: the inputs' elements) at every output element, broadcasting
 * the inputs. `key` names the op and its types for the pipeline cache.
 */
export function elementwise(backend: WebGPUBackend, key: string, inputs: TensorInfo[], outDtype: DataType, expr: string): TensorInfo {
  const outShape = broadcastShape(inputs.map((t) => t.shape));
  const out = backend.output(outShape, outDtype);
  const n = out.shape.reduce((p, d) => p * d, 1);
  if (n === 0) return out;
  const plan = broadcastPlan(outShape, inputs.map((t) => t.shape));
  const r = plan.shape.length;
  // Per input: 'same' (index i), 'one' (index 0) or 'strided'.
  const modes = inputs.map((t) => {
    if (t.shape.length === outShape.length && t.shape.every((d, j) => d === outShape[j])) return 'same';
    return t.shape.reduce((p, d) => p * d, 1) === 1 ? 'one' : 'strided';
  });
  const types = inputs.map((t) => wgslType(t.dtype));
  if (n % 4 === 0 && modes.every((m) => m !== 'strided')) {
    vectorElementwise(backend, key, inputs, out, n, modes as ('same' | 'one')[], types, wgslType(outDtype), expr);
    return out;
  }
  const fullKey = `ew:${key}:${types.join(',')}>${wgslType(outDtype)}:${modes.join(',')}:r${r}`;
  const params = [n, ...plan.shape, ...plan.strides.flat()];
  backend.run(
    fullKey,
    () => {
      const loads = inputs.map((_, k) => {
        const idx = modes[k] === 'same' ? 'i' : modes[k] === 'one' ? '0' : `off(${k}, i)`;
        return `  let ${VARS[k]} = X${k}[${idx}];`;
      });
      return `${bindings(wgslType(outDtype), types)}

const R = ${r};
fn off(k: i32, i: i32) -> i32 {
  var rem = i;
  var o = 0;
  for (var d = R - 1; d >= 0; d = d - 1) {
    let s = P[1 + d];
    o = o + (rem % s) * P[1 + R * (k + 1) + d];
    rem = rem / s;
  }
  return o;
}
${flatMain(WG, `${loads.join('\n')}\n  Y[i] = ${expr};`)}`;
    },
    backend.data(out),
    inputs.map((t) => backend.data(t)),
    params,
    groupsFor(n, WG),
  );
  return out;
}

/**
 * The common case of `elementwise` (no input strided: each is the output's shape or one element,
 * and 4 divides the size): four elements a thread, read and written as vec4s, which SwiftShader
 * and GPUs alike move faster than four scalars. `expr` still runs on scalars, once a component.
 */
function vectorElementwise(
  backend: WebGPUBackend, key: string, inputs: TensorInfo[], out: TensorInfo, n: number,
  modes: ('same' | 'one')[], types: string[], outType: string, expr: string,
): void {
  const fullKey = `ew4:${key}:${types.join(',')}>${outType}:${modes.join(',')}`;
  const vars = inputs.map((_, k) => VARS[k]!);
  backend.run(
    fullKey,
    () => {
      const params = vars.map((v, k) => `${v}: ${types[k]}`).join(', ');
      const loads = vars.map((v, k) => `  let ${v}4 = X${k}[${modes[k] === 'same' ? 'i' : '0'}];`);
      const comp = (c: string): string => `op_(${vars.map((v, k) => (modes[k] === 'same' ? `${v}4.${c}` : `${v}4`)).join(', ')})`;
      return `${bindings(`vec4<${outType}>`, types.map((t, k) => (modes[k] === 'same' ? `vec4<${t}>` : t)))}
fn op_(${params}) -> ${outType} { return ${expr}; }
${flatMain(WG, `${loads.join('\n')}\n  Y[i] = vec4<${outType}>(${['x', 'y', 'z', 'w'].map(comp).join(', ')});`)}`;
    },
    backend.data(out),
    inputs.map((t) => backend.data(t)),
    [n / 4],
    groupsFor(n / 4, WG),
  );
}

// ---------------------------------------------------------------- unary

const UNARY_FLOAT: Record<string, string> = {
  Exp: 'exp_(a)',
  Log: 'log_(a)',
  Log1p: 'log1p_(a)',
  Expm1: 'expm1_(a)',
  Sqrt: 'sqrt(a)',
  Rsqrt: '1.0 / sqrt(a)',
  Reciprocal: '1.0 / a',
  Sin: 'sincos_(a, false)',
  Cos: 'sincos_(a, true)',
  Tanh: 'tanh_(a)',
  Sigmoid: 'sigmoid_(a)',
  Softplus: 'softplus_(a)',
  Erf: 'erf_(a)',
};

/** Dtype-keeping ops: the f32 and i32 forms (i32 arithmetic wraps in WGSL, as int32 does). */
const UNARY_KEEP: Record<string, { f32: string; i32: string }> = {
  Neg: { f32: '-a', i32: '-a' },
  Abs: { f32: 'abs(a)', i32: 'abs(a)' },
  Square: { f32: 'a * a', i32: 'a * a' },
  Sign: { f32: 'sign_(a)', i32: 'sign(a)' },
  Relu: { f32: 'select(a, 0.0, a < 0.0)', i32: 'max(a, 0)' },
  Floor: { f32: 'floor(a)', i32: 'a' },
  Ceil: { f32: 'ceil(a)', i32: 'a' },
  Round: { f32: 'round_(a)', i32: 'a' },
};

// ---------------------------------------------------------------- binary

const BINARY: Record<string, { f32: string; i32: string }> = {
  Add: { f32: 'a + b', i32: 'a + b' },
  Sub: { f32: 'a - b', i32: 'a - b' },
  Mul: { f32: 'a * b', i32: 'a * b' },
  Div: { f32: 'a / b', i32: 'i32(f32(a) / f32(b))' },
  Pow: { f32: 'pow_(a, b)', i32: 'i32(pow_(f32(a), f32(b)))' },
  Maximum: { f32: 'max_(a, b)', i32: 'max(a, b)' },
  Minimum: { f32: 'min_(a, b)', i32: 'min(a, b)' },
  Mod: { f32: 'fmod_(a, b)', i32: 'imod_(a, b)' },
};

const COMPARE: Record<string, string> = {
  Equal: '==',
  NotEqual: '!=',
  Less: '<',
  LessEqual: '<=',
  Greater: '>',
  GreaterEqual: '>=',
};

/** bool arithmetic never reaches kernels: core upcasts it to int32 first. */
function typed(forms: { f32: string; i32: string }, dtype: DataType): string {
  return dtype === 'float32' ? forms.f32 : forms.i32;
}

/** The value of x ≠ 0 for each storage type (NaN counts as non-zero, -0 as zero). */
export function truthy(v: string, dtype: DataType): string {
  return dtype === 'float32' ? `nonzero_(${v})` : dtype === 'int32' ? `(${v} != 0)` : `(${v} != 0u)`;
}

/**
 * IEEE comparisons with NaN are false except !=; spelled out with bit tests because some drivers
 * (SwiftShader among them) compile float compares as if NaN could not occur.
 */
function compareExpr(op: string, dtype: DataType): string {
  if (dtype !== 'float32') return `select(0u, 1u, a ${op} b)`;
  const nan = '(isnan_(a) || isnan_(b))';
  return op === '!=' ? `select(0u, 1u, ${nan} || a != b)` : `select(0u, 1u, !${nan} && a ${op} b)`;
}

function castExpr(from: DataType, to: DataType): string {
  if (to === 'bool') return `select(0u, 1u, ${truthy('a', from)})`;
  if (to === 'float32') return 'f32(a)';
  // float → int truncates toward zero; NaN → 0 as JavaScript's ToInt32.
  if (from === 'float32') return 'select(i32(a), 0, isnan_(a))';
  return 'i32(a)';
}

export const elementwiseKernels: WebGPUKernel[] = [
  ...Object.entries(UNARY_FLOAT).map(([name, expr]): WebGPUKernel => ({
    name: name as WebGPUKernel['name'],
    fn: ({ inputs, backend }) => elementwise(backend, name, inputs, 'float32', expr),
  })),
  ...Object.entries(UNARY_KEEP).map(([name, forms]): WebGPUKernel => ({
    name: name as WebGPUKernel['name'],
    fn: ({ inputs, backend }) => {
      const dtype = inputs[0]!.dtype === 'bool' ? 'int32' : inputs[0]!.dtype;
      const expr = dtype === 'float32' ? forms.f32 : inputs[0]!.dtype === 'bool' ? forms.i32.replace(/\ba\b/g, 'i32(a)') : forms.i32;
      return elementwise(backend, name, inputs, dtype, expr);
    },
  })),
  ...Object.entries(BINARY).map(([name, forms]): WebGPUKernel => ({
    name: name as WebGPUKernel['name'],
    fn: ({ inputs, backend }) => elementwise(backend, name, inputs, inputs[0]!.dtype, typed(forms, inputs[0]!.dtype)),
  })),
  ...Object.entries(COMPARE).map(([name, op]): WebGPUKernel => ({
    name: name as WebGPUKernel['name'],
    fn: ({ inputs, backend }) => elementwise(backend, name, inputs, 'bool', compareExpr(op, inputs[0]!.dtype)),
  })),
  { name: 'LogicalAnd', fn: ({ inputs, backend }) => elementwise(backend, 'LogicalAnd', inputs, 'bool', 'a & b') },
  { name: 'LogicalOr', fn: ({ inputs, backend }) => elementwise(backend, 'LogicalOr', inputs, 'bool', 'a | b') },
  { name: 'LogicalNot', fn: ({ inputs, backend }) => elementwise(backend, 'LogicalNot', inputs, 'bool', 'a ^ 1u') },
  { name: 'Select', fn: ({ inputs, backend }) => elementwise(backend, 'Select', inputs, inputs[1]!.dtype, 'select(c, b, a != 0u)') },
  {
    name: 'Cast',
    fn: ({ inputs: [x], attrs: { dtype }, backend }) => {
      const from = x!.dtype;
      if (from === dtype) {
        const out = backend.output([...x!.shape], dtype);
        backend.copy(backend.data(x!), 0, backend.data(out), 0, backend.data(out).size * 4);
        return out;
      }
      return elementwise(backend, `Cast${from}`, [x!], dtype, castExpr(from, dtype));
    },
  },
];
