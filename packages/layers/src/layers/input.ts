import { TesseraError, type Tensor } from '@tessera/core';
import { Layer, registerLayer, type BaseLayerConfig, type LayerArgs } from '../layer.js';
import { Node, SymbolicTensor } from '../symbolic.js';
import { checkOneOf, describeValue, isPlainObject, type SymbolicShape } from '../util.js';

export interface InputArgs {
  /** Shape of one sample, without the batch dimension (null for a size that varies). */
  shape?: SymbolicShape;
  /** Shape with the batch dimension; instead of `shape`. */
  batchShape?: SymbolicShape;
  /** Fixed batch size with `shape` (default: any). */
  batchSize?: number | null;
  /** 'float32' (default) or 'int32' (token ids for an Embedding). */
  dtype?: 'float32' | 'int32';
  name?: string;
}

export type InputLayerArgs = Omit<LayerArgs, 'dtype'> & { dtype?: 'float32' | 'int32' };
export type InputLayerConfig = Omit<BaseLayerConfig, 'dtype'> & { dtype: 'float32' | 'int32'; batchInputShape: SymbolicShape };

/**
 * The entry point of a functional model: holds the shape and dtype of one input. Made by `input()`;
 * it computes nothing (a model feeds its inputs' tensors straight to the layers that use them).
 */
export class InputLayer extends Layer<Tensor, Tensor> {
  /** The symbolic tensor this input stands for. */
  readonly output: SymbolicTensor;
  readonly inputDtypeDeclared: 'float32' | 'int32';

  constructor(args: InputLayerArgs) {
    if (!isPlainObject(args)) throw new TesseraError(`InputLayer: expected an options object, got ${describeValue(args)}`);
    const { dtype = 'float32', ...rest } = args;
    super(rest);
    this.inputDtypeDeclared = checkOneOf('InputLayer', 'dtype', dtype, ['float32', 'int32'] as const);
    if (!this.batchInputShape) throw new TesseraError(`InputLayer '${this.name}': give its shape (input({ shape: [...] }))`);
    this.inputDtype = this.inputDtypeDeclared;
    this.build(this.batchInputShape);
    const node = new Node(this as Layer, [], false, undefined);
    this.output = new SymbolicTensor(this.batchInputShape, this.inputDtypeDeclared, node, 0);
    node.outputs = [this.output];
    this.inboundNodes.push(node);
  }

  call(x: Tensor): Tensor {
    return x;
  }

  override getConfig(): InputLayerConfig {
    return { ...super.getConfig(), dtype: this.inputDtypeDeclared, batchInputShape: [...this.batchInputShape!] };
  }
}

/**
 * A symbolic input of a functional model (Keras's `Input`, TF.js's `tf.input`):
 * `const x = input({ shape: [28, 28, 1] })`, then `layer.apply(x)` and `model({ inputs: x, outputs })`.
 */
export function input(options: InputArgs): SymbolicTensor {
  const args = options;
  if (!isPlainObject(options)) throw new TesseraError(`input: expected { shape, dtype?, name? }, got ${describeValue(args)}`);
  const known = ['shape', 'batchShape', 'batchSize', 'dtype', 'name'];
  const unknown = Object.keys(args).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new TesseraError(`input: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (options: ${known.join(', ')})`);
  if (args.shape === undefined && args.batchShape === undefined) throw new TesseraError('input: give shape (one sample, without the batch dimension) or batchShape');
  if (args.shape !== undefined && args.batchShape !== undefined) throw new TesseraError('input: give shape or batchShape, not both');
  const layer = new InputLayer({
    ...(args.name === undefined ? {} : { name: args.name }),
    ...(args.batchShape !== undefined ? { batchInputShape: args.batchShape } : { inputShape: args.shape!, batchSize: args.batchSize ?? null }),
    dtype: args.dtype ?? 'float32',
  });
  return layer.output;
}

registerLayer('InputLayer', InputLayer);
