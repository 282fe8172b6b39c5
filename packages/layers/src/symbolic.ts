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
    /** Whether it carries a mask (Keras's `_keras_mask`): the model computes it with the value. */
    readonly masked = false,
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

/** The call options of a node beyond `training`: plain values, and tensor options given as graph inputs. */
export interface NodeOptions {
  /** How many of the node's inputs are the call's positional input(s); the rest are tensor options. */
  arity: number;
  /** Options with plain (JSON) values, e.g. `{ useCausalMask: true }`. */
  values: Record<string, unknown>;
  /** Tensor options in input order after the positional ones: one tensor (count null) or a list of count. */
  tensors: { name: string; count: number | null }[];
}

/** One call of a layer on symbolic tensors: its inputs and the outputs it made. */
export class Node {
  outputs: SymbolicTensor[] = [];
  readonly options: NodeOptions;
  constructor(
    readonly layer: Layer,
    /** Every tensor the call reads: its positional input(s), then its tensor options (an RNN's initialState). */
    readonly inputs: SymbolicTensor[],
    /** Whether the layer was called with a list (a merge layer, a multi-input model). */
    readonly listInput: boolean,
    /** `training` fixed at the call (undefined: follows the model's mode). */
    readonly training: boolean | undefined,
    options?: NodeOptions,
  ) {
    this.options = options ?? { arity: inputs.length, values: {}, tensors: [] };
  }

  /** The call's positional input(s), without its tensor options. */
  get positional(): SymbolicTensor[] {
    return this.inputs.slice(0, this.options.arity);
  }

  /** The call's options for these values of `inputs` (in the same order): plain ones and tensor ones. */
  callOptions<T>(values: T[]): Record<string, unknown> {
    const out: Record<string, unknown> = { ...this.options.values };
    let k = this.options.arity;
    for (const { name, count } of this.options.tensors) {
      if (count === null) out[name] = values[k++];
      else {
        out[name] = values.slice(k, k + count);
        k += count;
      }
    }
    return out;
  }
}

export function isSymbolic(x: unknown): x is SymbolicTensor | SymbolicTensor[] {
  return x instanceof SymbolicTensor || (Array.isArray(x) && x.length > 0 && x.every((e) => e instanceof SymbolicTensor));
}
