import { TesseraError, checkOptions, type Tensor } from '@tessera/core';
import { InputLayer, Layer, SymbolicTensor, deserializeLayer, registerLayer, serializeLayer, type SerializedLayer, type SymbolicShape } from '@tessera/layers';
import { Graph, Model } from './model.js';

export {
  type Batch, type CompileArgs, type FitArgs, type FitDatasetArgs, type LossIdentifier, type OptimizerIdentifier,
} from './model.js';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

export type SequentialConfig = {
  name: string;
  layers: SerializedLayer[];
  inputShape: SymbolicShape | null;
};

/**
 * A linear stack of layers: the special case of `Model` whose graph is a chain. Its graph is built
 * as soon as the input shape is known (the first layer's `inputShape`, `build()`, or the first
 * batch), and from then on it trains, evaluates and saves exactly as any Model.
 */
export class Sequential extends Model<Tensor, Tensor> {
  constructor(args: SequentialArgs = {}) {
    checkOptions('Sequential', args, ['layers', 'name']);
    super(args.name === undefined ? {} : { name: args.name });
    this.layers = [];
    for (const l of args.layers ?? []) this.add(l);
  }

  /** Appends a layer; builds it at once when the input shape is known. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new TesseraError(`Sequential.add: expected a Layer, got ${layer === null ? 'null' : typeof layer}`);
    layer.assertKnownOptions();
    if (layer instanceof InputLayer) throw new TesseraError('Sequential.add: an InputLayer goes first only; give the first layer an inputShape instead');
    if (this.layers.includes(layer)) throw new TesseraError(`Sequential.add: layer '${layer.name}' is already in the model`);
    if (this.layers.some((l) => l.name === layer.name)) {
      throw new TesseraError(`Sequential.add: a layer named '${layer.name}' is already in the model; layer names must be unique`);
    }
    this.layers.push(layer);
    try {
      if (this.buildInputShape) this.chain(this.buildInputShape as SymbolicShape);
      else if (this.layers.length === 1 && layer.batchInputShape) this.build(layer.batchInputShape);
    } catch (e) {
      this.layers.pop();
      if (this.buildInputShape) this.chain(this.buildInputShape as SymbolicShape);
      throw e;
    }
  }

  /** Removes the last layer. */
  pop(): Layer {
    const l = this.layers.pop();
    if (!l) throw new TesseraError('Sequential.pop: the model has no layers');
    if (this.buildInputShape && this.layers.length > 0) this.chain(this.buildInputShape as SymbolicShape);
    else if (this.layers.length === 0) this.graph = null;
    return l;
  }

  protected override onBuild(inputShape: SymbolicShape): void {
    if (this.layers.length === 0) throw new TesseraError(`${this.name}: the model has no layers`);
    this.chain(inputShape);
  }

  /** Builds the chain's graph from an input of this shape: each layer applied to the last one's output. */
  private chain(inputShape: SymbolicShape): void {
    const layers = [...this.layers];
    const input = new InputLayer({ batchInputShape: inputShape, name: `${this.name}_input` }).output;
    let h: SymbolicTensor = input;
    for (const l of layers) {
      const out = l.apply(h);
      if (Array.isArray(out)) {
        throw new TesseraError(`${this.name}: layer '${l.name}' returns ${out.length} tensors; a Sequential model needs one output per layer (returnState is for functional use)`);
      }
      h = out;
    }
    this.graph = new Graph([input], [h], `Sequential '${this.name}'`);
    this.layers = layers;
    // `call` checks the input against the input layer, naming the first layer.
    this.inputSpec = {};
  }

  override call(input: Tensor, kwargs: { training: boolean }): Tensor {
    if (this.layers.length === 0) throw new TesseraError(`${this.name}: the model has no layers`);
    return super.call(input, kwargs);
  }

  override get built(): boolean {
    return this.layers.length > 0 && this.graph !== null && this.layers.every((l) => l.built);
  }

  get outputShape(): (number | null)[] {
    const g = this.requireGraph('outputShape');
    return [...g.outputs[0]!.shape];
  }

  override get inputNames(): string[] {
    return this.graph ? super.inputNames : ['input'];
  }

  override get outputNames(): string[] {
    return this.graph ? super.outputNames : [this.layers[this.layers.length - 1]?.name ?? 'output'];
  }

  /** Layer, output shape and parameters, without the InputLayer (as Keras prints a Sequential). */
  protected override summaryRows(): string[][] {
    const rows: string[][] = [['Layer (type)', 'Output Shape', 'Param #']];
    const g = this.graph;
    for (const l of this.layers) {
      const node = g?.nodesOf(l)[0];
      const out = node ? `(${node.outputs[0]!.shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}${node.outputs[0]!.shape.length === 1 ? ',' : ''})` : 'unknown (not built)';
      rows.push([`${l.name} (${l.className})`, out, l.built ? l.countParams().toLocaleString('en-US') : '0 (unbuilt)']);
    }
    return rows;
  }

  override countParams(): number {
    return this.layers.reduce((s, l) => s + l.countParams(), 0);
  }

  override optionNames(): string[] {
    return ['name', 'layers', 'inputShape'];
  }

  override getConfig(): SequentialConfig & { trainable: boolean; dtype: 'float32' } {
    return {
      name: this.name,
      trainable: this.trainable,
      dtype: 'float32',
      layers: this.layers.map((l) => serializeLayer(l)),
      inputShape: (this.buildInputShape as SymbolicShape | null) ?? null,
    };
  }

  static override fromConfig(config: Record<string, unknown>): Sequential {
    const c = config as unknown as SequentialConfig & { trainable?: boolean };
    if (!Array.isArray(c.layers)) throw new TesseraError('Sequential.fromConfig: expected { name, layers, inputShape }');
    const m = new Sequential({ name: c.name });
    try {
      for (const l of c.layers) m.add(deserializeLayer(l));
      if (c.inputShape && !m.built) m.build(c.inputShape);
      if (c.trainable === false) m.trainable = false;
    } catch (e) {
      // The layers built before the one that failed hold weights: free them.
      m.dispose();
      throw e;
    }
    return m;
  }
}

/** `sequential({ layers })`, like tf.sequential. */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}

registerLayer('Sequential', Sequential as unknown as new (args: unknown) => Layer);
