import {
  ENGINE, Tensor, TesseraError, Variable, add, clone, fmtShape, ones, tidy, zerosLike,
  type NodeGradFn,
} from '@tessera/core';
import { getGradient } from './registry.js';
import { Tape, assertGradShape, recordOn } from './tape.js';
import './rules.js';

/**
 * Backpropagates from `ys` (seeded with `dys`) to `xs` through the tape's nodes.
 * Returns one gradient per x (null where y does not depend on x).
 */
function backprop(tape: Tape, ys: Tensor[], dys: Tensor[], xs: Tensor[]): (Tensor | null)[] {
  const grads = new Map<number, Tensor>();
  ys.forEach((y, i) => accumulate(grads, y.id, dys[i]!));
  for (let n = tape.nodes.length - 1; n >= 0; n--) {
    const node = tape.nodes[n]!;
    if (!node.outputIds.some((id) => grads.has(id))) continue;
    const upstream = node.outputIds.map((id, i) => grads.get(id) ?? zerosFor(node.outputs[i]!));
    const rule: NodeGradFn | undefined =
      node.gradFn ??
      ((d, saved) => {
        const r = getGradient(node.kernel);
        if (!r) throw new TesseraError(`gradient: no gradient rule is registered for kernel '${node.kernel}'`);
        return r(d, { ...saved, needs: node.inputIds.map((id, i) => tape.isTrackedId(id) && node.inputs[i]!.dtype === 'float32') }, node.attrs);
      });
    ENGINE.opStack.push(`gradient of ${node.kernel}`);
    let dxs: (Tensor | null)[];
    try {
      dxs = rule(upstream, { inputs: node.inputs, outputs: node.outputs });
    } finally {
      ENGINE.opStack.pop();
    }
    node.inputIds.forEach((id, i) => {
      const dx = dxs[i];
      const x = node.inputs[i]!;
      if (!dx || !tape.isTrackedId(id) || x.dtype !== 'float32') return;
      assertGradShape(node.kernel, i, dx, x);
      accumulate(grads, id, dx);
    });
  }
  return xs.map((x) => grads.get(x.id) ?? null);
}

function accumulate(grads: Map<number, Tensor>, id: number, dx: Tensor): void {
  const prev = grads.get(id);
  grads.set(id, prev ? add(prev, dx) : dx);
}

function zerosFor(t: Tensor): Tensor {
  return zerosLike(t);
}

function checkSeed(y: Tensor, dy: Tensor | undefined, op: string): Tensor {
  if (dy === undefined) return ones(y.shape);
  if (dy.shape.length !== y.shape.length || dy.shape.some((d, i) => d !== y.shape[i])) {
    throw new TesseraError(`${op}: dy has shape ${fmtShape(dy.shape)}, expected the output's shape ${fmtShape(y.shape)}`);
  }
  return dy;
}

function checkInputs(op: string, xs: Tensor[]): void {
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new TesseraError(`${op}: input ${i} must be a Tensor`);
    x.assertAlive(op);
    if (x.dtype !== 'float32') throw new TesseraError(`${op}: input ${i} is ${x.dtype}; gradients are defined for float32 inputs only`);
  });
}

function checkOutput(op: string, y: unknown): Tensor {
  if (!(y instanceof Tensor)) throw new TesseraError(`${op}: the function must return a Tensor, got ${y === null ? 'null' : typeof y}`);
  if (y.dtype !== 'float32') throw new TesseraError(`${op}: the function returned a ${y.dtype} tensor; it must be float32 to be differentiated`);
  return y;
}

/**
 * Runs f(xs) on a fresh tape and returns its value and the gradients of sum(value · dy) w.r.t. xs.
 * Intermediates are freed; the value and gradients are returned to the caller's scope.
 */
function valueAndGradsImpl(op: string, f: (...xs: Tensor[]) => Tensor, xs: Tensor[], dy?: Tensor): { value: Tensor; grads: Tensor[] } {
  checkInputs(op, xs);
  const tape = new Tape();
  try {
    return tidy(() => {
      xs.forEach((x) => tape.watch(x));
      const value = checkOutput(op, recordOn(tape, () => f(...xs)));
      const seed = checkSeed(value, dy, op);
      const grads = backprop(tape, [value], [seed], xs).map((g, i) => g ?? zerosLike(xs[i]!));
      return { value, grads };
    });
  } finally {
    tape.dispose();
  }
}

/** f ↦ (x, dy?) ↦ df/dx (vector-Jacobian product with dy, default ones). */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  return (x, dy) => {
    const { value, grads } = valueAndGradsImpl('grad', f, [x], dy);
    value.dispose();
    return grads[0]!;
  };
}

/** f ↦ (xs, dy?) ↦ [df/dx_i]. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  return (xs, dy) => {
    const r = valueAndGradsImpl('grads', f, xs, dy);
    r.value.dispose();
    return r.grads;
  };
}

export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  return (x, dy) => {
    const r = valueAndGradsImpl('valueAndGrad', f, [x], dy);
    return { value: r.value, grad: r.grads[0]! };
  };
}

export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  return (xs, dy) => valueAndGradsImpl('valueAndGrads', f, xs, dy);
}

/**
 * Gradients of a scalar loss w.r.t. variables: the given list, or every trainable variable.
 * Returns the loss and a map from variable name to gradient (variables f does not use are absent).
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
  const vars = varList ?? [...ENGINE.variables().values()].filter((v): v is Variable => v instanceof Variable && v.trainable);
  vars.forEach((v, i) => {
    if (!(v instanceof Variable)) throw new TesseraError(`variableGrads: varList[${i}] is not a Variable`);
    v.assertAlive('variableGrads');
  });
  const tape = new Tape();
  try {
    return tidy(() => {
      vars.forEach((v) => tape.watch(v));
      const value = checkOutput('variableGrads', recordOn(tape, f));
      if (value.rank !== 0) throw new TesseraError(`variableGrads: the loss must be a scalar, got shape ${fmtShape(value.shape)}`);
      const gs = backprop(tape, [value], [ones([])], vars);
      const out: Record<string, Tensor> = {};
      vars.forEach((v, i) => {
        if (gs[i]) out[v.name] = gs[i]!;
      });
      return { value, grads: out };
    });
  } finally {
    tape.dispose();
  }
}

/** Identity whose gradient is zero: nothing recorded flows through it. */
export function stopGradient(x: Tensor): Tensor {
  return ENGINE.withoutTapes(() => clone(x));
}

export interface CustomGradResult {
  value: Tensor;
  /** Gradients w.r.t. each input, given dy and the saved inputs/value. */
  gradFunc: (dy: Tensor, saved: { inputs: Tensor[]; value: Tensor }) => Tensor | Tensor[];
}

/**
 * Defines an op with a hand-written gradient: f returns its value and a gradient function. The
 * forward pass is not recorded; the gradient function is (so it can itself be differentiated).
 */
export function customGrad(f: (...inputs: Tensor[]) => CustomGradResult): (...inputs: Tensor[]) => Tensor {
  return (...inputs) => {
    let res!: CustomGradResult;
    const value = ENGINE.withoutTapes(() =>
      tidy(() => {
        res = f(...inputs);
        if (!(res?.value instanceof Tensor)) throw new TesseraError('customGrad: f must return { value: Tensor, gradFunc }');
        return res.value;
      }),
    );
    const out = ENGINE.shareStorage(value, value.shape, value.dtype);
    value.dispose();
    const gradFn: NodeGradFn = ([dy], saved) => {
      const g = res.gradFunc(dy!, { inputs: saved.inputs, value: saved.outputs[0]! });
      const list = Array.isArray(g) ? g : [g];
      if (list.length !== inputs.length) {
        throw new TesseraError(`customGrad: gradFunc returned ${list.length} gradients for ${inputs.length} inputs`);
      }
      return list;
    };
    if (ENGINE.tapes.length > 0) ENGINE.record({ kernel: 'CustomGrad', inputs, outputs: [out], attrs: {}, gradFn });
    return out;
  };
}
