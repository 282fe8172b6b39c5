import type { DataType } from '@tessera/core';
import type { Layer } from './layer.js';
import { fmtSymbolic, type SymbolicShape } from './util.js';

let nextId = 0;

/**
 * A placeholder for a tensor in a model under construction (Keras's KerasTensor): it has a shape
 * (the batch dimension unknown, null) and a dtype, and remembers the layer call that makes it.
 * `input()` makes the first ones; `layer.apply(symbolic)` makes the next; `model({ inputs, outputs })`
 * turns the graph between them into a Model.
 */
export class SymbolicTensor {
  readonly id = nextId++;
  readonly shape: SymbolicShape;
  constructor(
    shape: SymbolicShape,
    readonly dtype: DataType,
    /** The layer call that makes this tensor. */
    readonly node: Node,
    /** Which of that call's outputs it is. */
    readonly outputIndex: number,
  ) {
    this.shape = [...shape];
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The layer whose call makes this tensor. */
  get sourceLayer(): Layer {
    return this.node.layer;
  }

  /** `dense_1/0` (the layer's name and which of its outputs), for messages. */
  get name(): string {
    return this.node.layer.name + (this.node.outputs.length > 1 ? `:${this.outputIndex}` : '');
  }

  toString(): string {
    return `SymbolicTensor(${this.name}, shape ${fmtSymbolic(this.shape)}, ${this.dtype})`;
  }
}

/** One call of a layer on symbolic tensors: its inputs and the outputs it made. */
export class Node {
  outputs: SymbolicTensor[] = [];
  constructor(
    readonly layer: Layer,
    readonly inputs: SymbolicTensor[],
    /** Whether the layer was called with a list (a merge layer, a multi-input model). */
    readonly listInput: boolean,
    /** `training` fixed at the call (undefined: follows the model's mode). */
    readonly training: boolean | undefined,
  ) {}
}

export function isSymbolic(x: unknown): x is SymbolicTensor | SymbolicTensor[] {
  return x instanceof SymbolicTensor || (Array.isArray(x) && x.length > 0 && x.every((e) => e instanceof SymbolicTensor));
}
