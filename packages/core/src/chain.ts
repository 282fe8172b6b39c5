// Method-style ops (`x.add(y).relu()`), installed on Tensor's prototype.
import type { DataType } from './dtypes.js';
import * as ew from './ops/elementwise.js';
import { matmul } from './ops/matmul.js';
import { softmax } from './ops/nn.js';
import type { TensorLike } from './ops/op.js';
import * as red from './ops/reduce.js';
import * as sh from './ops/shape_ops.js';
import { Tensor } from './tensor.js';

type Axis = number | number[];

declare module './tensor.js' {
  interface Tensor {
    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor;
    maximum(b: TensorLike): Tensor;
    minimum(b: TensorLike): Tensor;
    equal(b: TensorLike): Tensor;
    greater(b: TensorLike): Tensor;
    less(b: TensorLike): Tensor;
    matmul(b: TensorLike, transposeA?: boolean, transposeB?: boolean): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    softmax(axis?: number): Tensor;
    sum(axis?: Axis, keepDims?: boolean): Tensor;
    mean(axis?: Axis, keepDims?: boolean): Tensor;
    max(axis?: Axis, keepDims?: boolean): Tensor;
    min(axis?: Axis, keepDims?: boolean): Tensor;
    argMax(axis?: number): Tensor;
    reshape(shape: readonly number[]): Tensor;
    flatten(): Tensor;
    expandDims(axis?: number): Tensor;
    squeeze(axis?: number | number[]): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    cast(dtype: DataType): Tensor;
    clone(): Tensor;
  }
}

const methods: Record<string, (this: Tensor, ...args: any[]) => Tensor> = {
  add(b) { return ew.add(this, b); },
  sub(b) { return ew.sub(this, b); },
  mul(b) { return ew.mul(this, b); },
  div(b) { return ew.div(this, b); },
  pow(b) { return ew.pow(this, b); },
  maximum(b) { return ew.maximum(this, b); },
  minimum(b) { return ew.minimum(this, b); },
  equal(b) { return ew.equal(this, b); },
  greater(b) { return ew.greater(this, b); },
  less(b) { return ew.less(this, b); },
  matmul(b, ta, tb) { return matmul(this, b, ta, tb); },
  neg() { return ew.neg(this); },
  abs() { return ew.abs(this); },
  exp() { return ew.exp(this); },
  log() { return ew.log(this); },
  sqrt() { return ew.sqrt(this); },
  square() { return ew.square(this); },
  relu() { return ew.relu(this); },
  sigmoid() { return ew.sigmoid(this); },
  tanh() { return ew.tanh(this); },
  softmax(axis) { return softmax(this, axis); },
  sum(axis, keepDims) { return red.sum(this, axis, keepDims); },
  mean(axis, keepDims) { return red.mean(this, axis, keepDims); },
  max(axis, keepDims) { return red.max(this, axis, keepDims); },
  min(axis, keepDims) { return red.min(this, axis, keepDims); },
  argMax(axis) { return red.argMax(this, axis); },
  reshape(shape) { return sh.reshape(this, shape); },
  flatten() { return sh.flatten(this); },
  expandDims(axis) { return sh.expandDims(this, axis); },
  squeeze(axis) { return sh.squeeze(this, axis); },
  transpose(perm) { return sh.transpose(this, perm); },
  cast(dtype) { return sh.cast(this, dtype); },
  clone() { return sh.clone(this); },
};

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
