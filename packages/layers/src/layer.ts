import {
  ENGINE, Tensor, TesseraError, Variable, add, cast, checkOptions, clone, fmtShape, notEqual, ones, tidy, variable, zeros, type DataType, type RandomState,
} from '@tessera/core';
import { getInitializer, type InitializerIdentifier } from './initializers.js';
import { getRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';
import { Node, SymbolicTensor, isSymbolic } from './symbolic.js';
import { checkBoolean, checkPositiveInt, describeValue, fmtSymbolic, isPlainObject, type SymbolicShape } from './util.js';

export interface LayerArgs {
  /** Unique by default: the snake-cased class name, then `_1`, `_2`, ... (`dense`, `dense_1`). */
  name?: string;
  trainable?: boolean;
  /** Shape of one sample (without the batch dimension). */
  inputShape?: SymbolicShape | null;
  /** Shape of a batch; takes precedence over `inputShape`. */
  batchInputShape?: SymbolicShape | null;
  /** Batch size used with `inputShape` (default: unknown). */
  batchSize?: number | null;
  /** Compute dtype; only float32 is supported. */
  dtype?: DataType;
}

/** The options every layer's constructor takes (LayerArgs). */
const LAYER_ARGS: readonly string[] = ['name', 'trainable', 'inputShape', 'batchInputShape', 'batchSize', 'dtype'];

/** What every layer's `getConfig()` holds; subclasses add their own options. */
export type BaseLayerConfig = {
  name: string;
  trainable: boolean;
  dtype: DataType;
  batchInputShape?: SymbolicShape;
};

/**
 * A mask (Keras's): a bool tensor with the shape of its tensor without the last (features) axis,
 * true where a position holds data and false where it is padding ([batch, time] for a sequence
 * [batch, time, features]). Made by `Masking` and `Embedding({ maskZero: true })`; in a model it
 * flows from layer to layer on its own, and masked positions count nowhere in losses and metrics.
 */
export type Mask = Tensor | null;
/** The masks of a layer's inputs: one, or one per input for list inputs (null: that input has none). */
export type MaskArg = Mask | Mask[];

export interface CallArgs {
  training: boolean;
  /** The input's mask (one per input for list inputs); only layers with `supportsMasking` get one. */
  mask?: MaskArg;
}

/**
 * `apply`'s options: `training`, `mask` (eager calls; in a model, masks flow by themselves) and the
 * layer's own call options (`callOptionNames`: an RNN's `initialState`, MultiHeadAttention's
 * `attentionMask`, ...). Tensor options given symbolic tensors become inputs of the graph.
 */
export interface ApplyArgs {
  training?: boolean;
  mask?: MaskArg;
  [option: string]: unknown;
}

/** What a symbolic call needs to know of an input to say which outputs carry a mask. */
export interface MaskSpec {
  readonly shape: SymbolicShape;
  readonly dtype: DataType;
  readonly masked: boolean;
}

/** The shape argument of `build`/`computeOutputShape`: one shape, or one per input for list inputs. */
export type ShapeOf<I> = I extends Tensor[] ? SymbolicShape[] : SymbolicShape;
/** What `apply` on symbolic tensors returns: one symbolic tensor, or one per output. */
export type SymbolicOf<O> = O extends Tensor[] ? SymbolicTensor[] : O extends Tensor ? SymbolicTensor : SymbolicTensor | SymbolicTensor[];

/** What a built layer accepts; checked by `apply` so that a bad input fails with a clear message. */
export interface InputSpec {
  /** Exact rank. */
  ndim?: number;
  minNdim?: number;
  /** Required sizes of some axes (negative counts from the end). */
  axes?: Record<number, number>;
}

export interface AddWeightOptions {
  trainable?: boolean;
  regularizer?: RegularizerIdentifier | null;
}

interface WeightEntry {
  variable: Variable;
  trainable: boolean;
  regularizer: Regularizer | null;
}

const BASE_KEYS = ['name', 'trainable', 'dtype', 'inputShape', 'batchInputShape', 'batchSize'];

/**
 * The base of every layer. A layer creates its weights lazily: `build(inputShape)` runs on the first
 * `apply` (or when a model knows the input shape), with the batch dimension unknown (null).
 * Subclasses implement `call` (the forward pass, with ops so autograd can differentiate it),
 * `onBuild` (create weights with `addWeight`), `computeOutputShape` and `getConfig`.
 *
 * `O` is what `apply` returns: one tensor for most layers, several for e.g. an RNN with returnState.
 * `I` is what it takes: one tensor, or a list (merge layers, models with several inputs).
 *
 * Layers held by a layer — as properties, in arrays, Maps, Sets or plain objects — are its sublayers:
 * their weights are part of its `weights`/`trainableWeights` (so `fit` trains them and `save` keeps
 * them), its regularization loss and `dispose`, with no registration call.
 *
 * `apply` on symbolic tensors (from `input()`) records the call instead of computing, building the
 * graph of a functional model.
 */
export abstract class Layer<O extends Tensor | Tensor[] = Tensor | Tensor[], I extends Tensor | Tensor[] = Tensor | Tensor[]> {
  readonly name: string;
  /** The declared input shape with the batch dimension, or null when it was not given. */
  readonly batchInputShape: SymbolicShape | null;
  readonly dtype: DataType;
  /** Set in onBuild (or the constructor); when left null, build pins the exact built shape. */
  protected inputSpec: InputSpec | null = null;
  /** Inputs of another dtype are cast to this before `call`. */
  protected inputDtype: 'float32' | 'int32' = 'float32';
  private builtShape: SymbolicShape | SymbolicShape[] | null = null;
  /** The symbolic calls of this layer, in order (a layer shared by two branches has two). */
  readonly inboundNodes: Node[] = [];
  /** The options the constructor got, until `assertKnownOptions` has checked them. */
  private givenOptions: object | null;
  private entries: WeightEntry[] = [];
  private trainableFlag: boolean;
  private disposed = false;
  /**
   * Keras's `supports_masking`: whether the layer takes inputs that carry a mask. A layer that does
   * not and is given one is an error (as in Keras 2; Keras 3 drops the mask silently), at the model's
   * construction: a mask it ignored would let padding count. Per-timestep layers (Dense, Dropout,
   * Activation, LayerNormalization, ...) pass the mask on; RNNs, attention and pooling use it.
   */
  supportsMasking = false;

  constructor(args: LayerArgs = {}) {
    if (!isPlainObject(args)) throw new TesseraError(`${new.target.name}: expected an options object, got ${describeValue(args)}`);
    this.givenOptions = args;
    const where = new.target.name;
    if (args.name !== undefined && args.name !== null && (typeof args.name !== 'string' || args.name.length === 0)) {
      throw new TesseraError(`${where}: name must be a non-empty string, got ${describeValue(args.name)}`);
    }
    this.name = args.name ? claimName(args.name) : uniqueLayerName(toSnakeCase(classNameOf(new.target) ?? new.target.name));
    this.trainableFlag = args.trainable === undefined || args.trainable === null ? true : checkBoolean(where, 'trainable', args.trainable);
    const dtype = args.dtype ?? 'float32';
    if (dtype !== 'float32') throw new TesseraError(`${where}: dtype '${String(dtype)}' is not supported; layers compute in float32`);
    this.dtype = dtype;
    if (args.batchInputShape !== undefined && args.batchInputShape !== null) {
      this.batchInputShape = checkShape(where, 'batchInputShape', args.batchInputShape);
    } else if (args.inputShape !== undefined && args.inputShape !== null) {
      const batch = args.batchSize === undefined || args.batchSize === null ? null : checkPositiveInt(where, 'batchSize', args.batchSize);
      this.batchInputShape = [batch, ...checkShape(where, 'inputShape', args.inputShape)];
    } else {
      this.batchInputShape = null;
    }
  }

  /** The name `registerLayer` knows this class by. */
  get className(): string {
    return classNameOf(this.constructor) ?? this.constructor.name;
  }

  get built(): boolean {
    return this.builtShape !== null;
  }

  /** The input shape the layer was built for (batch dimension null), or null before build. */
  get buildInputShape(): ShapeOf<I> | null {
    return this.builtShape ? (copyShapes(this.builtShape) as ShapeOf<I>) : null;
  }

  /** Whether the layer's weights are trained; false makes every weight non-trainable. */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  /** Sets every weight's trainability, this layer's and its sublayers' (as Keras does). */
  set trainable(value: boolean) {
    this.trainableFlag = checkBoolean(this.name, 'trainable', value);
    for (const e of this.entries) e.variable.trainable = value && e.trainable;
    for (const l of this.subLayers) l.trainable = value;
  }

  /**
   * The layers this layer holds (properties, arrays, Maps, Sets, plain objects; not itself), in
   * property order, each once. Their weights are part of this layer's.
   */
  get subLayers(): Layer[] {
    const found: Layer[] = [];
    const seen = new Set<unknown>([this]);
    const visit = (v: unknown, depth: number): void => {
      if (v === null || typeof v !== 'object' || seen.has(v) || depth > 4) return;
      seen.add(v);
      if (v instanceof Layer) {
        found.push(v);
        return;
      }
      if (Array.isArray(v) || v instanceof Set) for (const e of v) visit(e, depth + 1);
      else if (v instanceof Map) for (const e of v.values()) visit(e, depth + 1);
      else if (isPlainObject(v)) for (const e of Object.values(v)) visit(e, depth + 1);
    };
    for (const [key, v] of Object.entries(this)) if (!INTERNAL_FIELDS.has(key)) visit(v, 0);
    return found;
  }

  /** Creates the weights for inputs of this shape (batch dimension first, may be null); one shape per input for list inputs. */
  build(inputShape: ShapeOf<I>): void {
    this.assertUsable('build');
    const list = Array.isArray(inputShape) && inputShape.length > 0 && inputShape.every((s) => Array.isArray(s));
    const shape = list
      ? (inputShape as SymbolicShape[]).map((s, i) => checkShape(`${this.name}.build`, `inputShape[${i}]`, s))
      : checkShape(`${this.name}.build`, 'inputShape', inputShape);
    if (this.batchInputShape && !list) this.checkCompatible(shape as SymbolicShape, this.batchInputShape, 'was declared for');
    if (this.builtShape) {
      if (!list) this.checkSpec(shape as SymbolicShape);
      return;
    }
    try {
      ENGINE.withoutTapes(() => tidy(() => this.onBuild(shape as ShapeOf<I>)));
    } catch (e) {
      for (const entry of this.entries) entry.variable.dispose();
      this.entries = [];
      throw e;
    }
    if (!this.inputSpec && !list) {
      const axes: Record<number, number> = {};
      (shape as SymbolicShape).forEach((d, i) => {
        if (i > 0 && d !== null) axes[i] = d;
      });
      this.inputSpec = { ndim: shape.length, axes };
    }
    this.builtShape = copyShapes(shape);
  }

  /** Creates the layer's weights; `inputShape` has the batch dimension first (null). */
  protected onBuild(inputShape: ShapeOf<I>): void {
    void inputShape;
  }

  /** The forward pass. Runs inside a memory scope: intermediates are freed, the outputs kept. */
  abstract call(input: I, kwargs: CallArgs): O;

  /**
   * Builds the layer if needed, checks the input against what it was built for, and runs `call`.
   * Given symbolic tensors (from `input()`), records the call and returns symbolic outputs instead.
   */
  apply(input: SymbolicTensor | SymbolicTensor[], kwargs?: ApplyArgs): SymbolicOf<O>;
  apply(input: I, kwargs?: ApplyArgs): O;
  apply(input: I | SymbolicTensor | SymbolicTensor[], kwargs: ApplyArgs = {}): O | SymbolicOf<O> {
    const { training, mask, options } = this.checkApplyArgs(kwargs);
    if (isSymbolic(input)) {
      if (mask !== undefined) {
        throw new TesseraError(
          `${this.describe()}: apply got a mask for symbolic inputs; in a functional model masks flow from the layers that make them (Masking, Embedding with maskZero) — leave mask out`,
        );
      }
      return this.applySymbolic(input, training, options);
    }
    return this.applyEager(input as I, training, mask, options, false).outputs;
  }

  /**
   * Runs the layer as `apply` does and also returns its outputs' masks (`computeMask`), one per
   * output (null where an output has none): what a model's graph runs, so masks flow.
   */
  applyWithMasks(input: I, kwargs: ApplyArgs = {}): { outputs: Tensor[]; masks: Mask[] } {
    const { training, mask, options } = this.checkApplyArgs(kwargs);
    if (isSymbolic(input)) throw new TesseraError(`${this.describe()}: applyWithMasks takes tensors, not symbolic tensors`);
    const r = this.applyEager(input, training, mask, options, true);
    const outputs = Array.isArray(r.outputs) ? r.outputs : [r.outputs as Tensor];
    return { outputs, masks: normalizeMasks(this.describe(), r.masks, outputs.length) };
  }

  private checkApplyArgs(kwargs: ApplyArgs): { training: boolean | undefined; mask: MaskArg | undefined; options: Record<string, unknown> } {
    this.assertUsable('apply');
    if (!isPlainObject(kwargs)) throw new TesseraError(`${this.describe()}: apply's second argument must be { training?, mask?, ... }, got ${describeValue(kwargs)}`);
    checkOptions(`${this.name}.apply`, kwargs, ['training', 'mask', ...this.callOptionNames()]);
    const { training: t, mask, ...rest } = kwargs;
    const training = t === undefined ? undefined : checkBoolean(`${this.name}.apply`, 'training', t);
    const options: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) options[k] = v;
    return { training, mask: mask === null ? undefined : mask, options };
  }

  private applyEager(input: I, training: boolean | undefined, mask: MaskArg | undefined, options: Record<string, unknown>, wantMasks: boolean): { outputs: O; masks: MaskArg | null } {
    const list = Array.isArray(input);
    const inputs = (list ? input : [input]) as unknown[];
    this.checkArity(list, inputs.length);
    inputs.forEach((t, i) => {
      if (!(t instanceof Tensor)) {
        const what = list ? `a list of Tensors, but item ${i} is` : 'a Tensor, got';
        throw new TesseraError(`${this.describe()}: apply expects ${what} ${describeValue(t)}`);
      }
      t.assertAlive(`${this.name}.apply`);
    });
    for (const [k, v] of Object.entries(options)) {
      if (isSymbolic(v)) throw new TesseraError(`${this.describe()}: apply's option '${k}' is symbolic but the inputs are tensors; give both as tensors or both as symbolic tensors`);
    }
    const tensors = inputs as Tensor[];
    const masks = this.checkMasks(tensors, list, mask);
    if (!this.builtShape) {
      const shapes = tensors.map((t) => [null, ...t.shape.slice(1)] as SymbolicShape);
      this.build((list ? shapes : (this.batchInputShape ?? shapes[0]!)) as ShapeOf<I>);
    }
    if (!list) this.checkSpec(tensors[0]!.shape);
    return tidy(() => {
      const xs = tensors.map((t) => this.castInput(t));
      const ms = masks?.map((m) => (m === null || m.dtype === 'bool' ? m : notEqual(m, 0)));
      const args: CallArgs = { ...options, training: training ?? false };
      if (ms) args.mask = list ? ms : ms[0]!;
      return this.callAndMask((list ? xs : xs[0]!) as I, args, wantMasks);
    });
  }

  /** The given mask as one entry per input (null: none), checked against the inputs' shapes; undefined when no input has one. */
  private checkMasks(inputs: Tensor[], list: boolean, mask: MaskArg | undefined): Mask[] | undefined {
    if (mask === undefined) return undefined;
    const where = `${this.describe()}: apply's mask`;
    if (list !== Array.isArray(mask)) {
      throw new TesseraError(`${where} must be ${list ? `a list with one mask (or null) per input (${inputs.length})` : 'one tensor for the one input'}, got ${describeValue(mask)}`);
    }
    const ms = (list ? mask : [mask]) as unknown[];
    if (ms.length !== inputs.length) throw new TesseraError(`${where} has ${ms.length} entries for ${inputs.length} inputs`);
    if (ms.every((m) => m === null || m === undefined)) return undefined;
    if (!this.supportsMasking) {
      throw new TesseraError(`${this.describe()}: got a mask, but ${this.className} does not support masking (it would treat padded positions as data); drop the mask before this layer`);
    }
    return ms.map((m, i) => {
      if (m === null || m === undefined) return null;
      if (!(m instanceof Tensor)) throw new TesseraError(`${where}${list ? ` for input ${i}` : ''} must be a Tensor or null, got ${describeValue(m)}`);
      m.assertAlive(`${this.name}.apply`);
      const x = inputs[i]!;
      const expected = x.shape.slice(0, -1);
      if (m.rank !== expected.length || m.shape.some((d, k) => d !== expected[k])) {
        throw new TesseraError(
          `${where}${list ? ` for input ${i}` : ''} has shape ${fmtShape(m.shape)}, expected ${fmtShape(expected)} (the input ${fmtShape(x.shape)} without its last axis)`,
        );
      }
      return m;
    });
  }

  /**
   * `call`, and with `wantMasks` the outputs' masks from `computeMask` (outside any gradient tape).
   * A model overrides it to run its graph once for both.
   */
  protected callAndMask(input: I, kwargs: CallArgs, wantMasks: boolean): { outputs: O; masks: MaskArg | null } {
    const outputs = this.call(input, kwargs);
    const masks = wantMasks ? ENGINE.withoutTapes(() => this.computeMask(input, kwargs.mask ?? null)) : null;
    return { outputs, masks };
  }

  /**
   * The mask of the output (or one per output) for these inputs and their masks (Keras's
   * `compute_mask`). One mask for a layer with several outputs is the first output's (an RNN's
   * sequence, not its states). Default: a layer that supports masking passes its one input's mask
   * on; other layers make none. Masking, Embedding with maskZero and RNNs override it.
   */
  computeMask(input: I, mask: MaskArg | null): MaskArg | null {
    void input;
    if (!this.supportsMasking || Array.isArray(mask)) return null;
    return mask ?? null;
  }

  /** The layer's own call options beyond `training` and `mask` (an RNN's `initialState`, ...). */
  protected callOptionNames(): readonly string[] {
    return [];
  }

  /** Inputs of another dtype are cast to `inputDtype` before `call` (a model casts per input instead). */
  protected castInput(x: Tensor): Tensor {
    return x.dtype === this.inputDtype ? x : cast(x, this.inputDtype);
  }

  /**
   * Whether `call` takes a list of tensors (merge layers, models with several inputs) rather than
   * one; `apply` checks it so that a list given to a one-input layer fails clearly.
   */
  protected takesList(): boolean | 'either' {
    return false;
  }

  private checkArity(list: boolean, n: number): void {
    const takes = this.takesList();
    if (list && n === 0) throw new TesseraError(`${this.describe()}: apply got an empty list of inputs`);
    if (list && takes === false) throw new TesseraError(`${this.describe()}: takes one input tensor, got a list of ${n}`);
    if (!list && takes === true) throw new TesseraError(`${this.describe()}: takes a list of input tensors, got one tensor`);
  }

  /**
   * Why this layer cannot be saved, or null: a Lambda whose function is not registered says so
   * when the model is saved, not when it is loaded.
   */
  serializationProblem(): string | null {
    return null;
  }

  private applySymbolic(input: SymbolicTensor | SymbolicTensor[], training: boolean | undefined, options: Record<string, unknown>): SymbolicOf<O> {
    const list = Array.isArray(input);
    const inputs = list ? input : [input];
    this.checkArity(list, inputs.length);
    const nodeOptions = symbolicOptions(this.describe(), options);
    const shapes = inputs.map((s) => [...s.shape]);
    const shapeArg = (list ? shapes : shapes[0]!) as ShapeOf<I>;
    if (!this.builtShape) this.build((list ? shapeArg : (this.batchInputShape ?? shapeArg)) as ShapeOf<I>);
    if (!list) this.checkSpec(shapes[0]!);
    const masked = inputs.filter((s) => s.masked);
    if (masked.length > 0 && !this.supportsMasking) throw this.maskingError(masked[0]!);
    const outShapes = this.inferOutputShapes(shapeArg, inputs, list, nodeOptions.values);
    const outMasked = this.outputMasked(inputs, list, outShapes.length);
    const tensorInputs = nodeOptions.tensors.flatMap((t) => t.value);
    const node = new Node(this as Layer, [...inputs, ...tensorInputs], list, training, {
      arity: inputs.length,
      values: nodeOptions.values,
      tensors: nodeOptions.tensors.map((t) => ({ name: t.name, count: t.list ? t.value.length : null })),
    });
    node.outputs = outShapes.map((s, i) => new SymbolicTensor(s, this.outputDtype(i, inputs), node, i, outMasked[i] ?? false));
    this.inboundNodes.push(node);
    return (node.outputs.length === 1 ? node.outputs[0]! : node.outputs) as SymbolicOf<O>;
  }

  /** The error for a masked input reaching a layer that does not support masking. */
  maskingError(from: { name: string } | string): TesseraError {
    const source = typeof from === 'string' ? from : `'${from.name}'`;
    return new TesseraError(
      `${this.describe()}: its input ${source} carries a mask (from Masking or Embedding with maskZero), but ${this.className} does not support masking — ` +
        'it would treat padded positions as data. Consume the mask first (an RNN without returnSequences, GlobalAveragePooling1D), or make no mask',
    );
  }

  /**
   * Which outputs of a symbolic call carry a mask. By default found by running `computeMask` on
   * zeros of the inputs' shapes (with all-true masks on the masked inputs), when the layer has its
   * own `computeMask` or an input is masked.
   */
  outputMasked(inputs: readonly MaskSpec[], list: boolean, count: number): boolean[] {
    const none = new Array<boolean>(count).fill(false);
    if (!inputs.some((s) => s.masked) && this.computeMask === Layer.prototype.computeMask) return none;
    return ENGINE.withoutTapes(() =>
      tidy(() => {
        const xs = inputs.map((s) => zeros(s.shape.map((d) => d ?? 2), s.dtype === 'float32' ? 'float32' : 'int32'));
        const ms = inputs.map((s, i) => (s.masked ? notEqual(ones(xs[i]!.shape.slice(0, -1)), 0) : null));
        const anyMask = ms.some((m) => m !== null);
        const out = normalizeMasks(this.describe(), this.computeMask((list ? xs : xs[0]!) as I, anyMask ? (list ? ms : ms[0]!) : null), count);
        return out.map((m) => m !== null);
      }),
    );
  }

  /**
   * Output shapes for a symbolic call. A layer holding sublayers that does not define
   * `computeOutputShape` (a custom block) is run once on zeros of the input shape (unknown sizes
   * as 1) to find them, which also builds its sublayers.
   */
  private inferOutputShapes(shapeArg: ShapeOf<I>, inputs: SymbolicTensor[], list: boolean, options: Record<string, unknown>): SymbolicShape[] {
    return this.shapesByTracing() ? this.traceOutputShapes(inputs, list) : this.computeOutputShapes(shapeArg, options);
  }

  /** Whether symbolic calls find the output shapes by running the layer (a custom block with sublayers and no shape rule of its own). */
  protected shapesByTracing(): boolean {
    const ownShapeRule = this.computeOutputShape !== Layer.prototype.computeOutputShape || this.computeOutputShapes !== Layer.prototype.computeOutputShapes;
    return !ownShapeRule && this.subLayers.length > 0;
  }

  /**
   * Output shapes found by running `call` on zeros of the inputs' shapes, twice, with the unknown
   * sizes (null) as 2 and then 3: a size that differs between the runs depends on them and is unknown.
   */
  protected traceOutputShapes(inputs: SymbolicTensor[], list: boolean): SymbolicShape[] {
    const run = (fill: number): number[][] =>
      ENGINE.withoutTapes(() =>
        tidy(() => {
          const xs = inputs.map((s) => this.castInput(zeros(s.shape.map((d) => d ?? fill), s.dtype === 'float32' ? 'float32' : 'int32')));
          const out = this.call((list ? xs : xs[0]!) as I, { training: false });
          return (Array.isArray(out) ? out : [out]).map((t) => [...t.shape]);
        }),
      );
    const a = run(2);
    const b = run(3);
    return a.map((s, k) => s.map((d, i) => (b[k]![i] === d ? d : null)));
  }

  /** The dtype of output `index` of a symbolic call (float32 for every built-in layer). */
  protected outputDtype(index: number, inputs: SymbolicTensor[]): DataType {
    void index;
    void inputs;
    return 'float32';
  }

  /** Output shape for an input shape (dimensions may be null). */
  computeOutputShape(inputShape: ShapeOf<I>): SymbolicShape {
    if (Array.isArray(inputShape[0])) return [...(inputShape[0] as SymbolicShape)];
    return [...(inputShape as SymbolicShape)];
  }

  /**
   * Shapes of every output (a layer with several outputs, an RNN with returnState, overrides this);
   * `options` are the call's non-tensor options (MultiHeadAttention's returnAttentionScores).
   */
  computeOutputShapes(inputShape: ShapeOf<I>, options: Record<string, unknown> = {}): SymbolicShape[] {
    void options;
    return [this.computeOutputShape(inputShape)];
  }

  /**
   * Adds a weight named `${layer.name}/${name}` initialised by `initializer`. `trainable: false`
   * (e.g. BatchNormalization's moving statistics) keeps it out of `trainableWeights`.
   */
  addWeight(name: string, shape: readonly number[], initializer: InitializerIdentifier, options: AddWeightOptions = {}): Variable {
    this.assertUsable('addWeight');
    if (typeof name !== 'string' || name.length === 0) throw new TesseraError(`${this.describe()}.addWeight: name must be a non-empty string`);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new TesseraError(`${this.describe()}.addWeight: the shape of '${name}' must be non-negative integers, got ${describeValue(shape)}`);
    }
    const trainable = options.trainable ?? true;
    const regularizer = options.regularizer === undefined || options.regularizer === null ? null : getRegularizer(options.regularizer);
    const init = getInitializer(initializer);
    const value = ENGINE.withoutTapes(() => init.apply(shape));
    if (value.shape.length !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
      value.dispose();
      throw new TesseraError(`${this.describe()}.addWeight: initializer ${init.className} made ${fmtShape(value.shape)} for '${name}', expected ${fmtShape(shape)}`);
    }
    const v = variable(value, trainable && this.trainableFlag, `${this.name}/${name}`);
    value.dispose();
    this.entries.push({ variable: v, trainable, regularizer });
    return v;
  }

  /** Every weight: the layer's own in creation order, then its sublayers' (each once). */
  get weights(): Variable[] {
    return unique([...this.entries.map((e) => e.variable), ...this.subLayers.flatMap((l) => l.weights)]);
  }

  get trainableWeights(): Variable[] {
    if (!this.trainableFlag) return [];
    return unique([...this.entries.filter((e) => e.trainable).map((e) => e.variable), ...this.subLayers.flatMap((l) => l.trainableWeights)]);
  }

  get nonTrainableWeights(): Variable[] {
    const trainable = new Set(this.trainableWeights);
    return this.weights.filter((w) => !trainable.has(w));
  }

  /**
   * The position of the layer's random generator (Dropout's masks), or null for a layer that draws
   * nothing. Saved with the model, so training resumed from a checkpoint draws what uninterrupted
   * training would have.
   */
  getRandomState(): RandomState | null {
    return null;
  }

  /** Restores a position from `getRandomState`. */
  setRandomState(state: RandomState): void {
    throw new TesseraError(`${this.describe()}.setRandomState: this layer has no random generator (got ${describeValue(state)})`);
  }

  /** Copies of the weights' current values, in `weights` order. */
  getWeights(): Tensor[] {
    this.assertUsable('getWeights');
    return ENGINE.withoutTapes(() => this.weights.map((w) => clone(w)));
  }

  /** Replaces the weights' values (in `weights` order); shapes must match. Nothing changes on error. */
  setWeights(values: Tensor[]): void {
    this.assertUsable('setWeights');
    if (!Array.isArray(values)) throw new TesseraError(`${this.describe()}.setWeights: expected an array of tensors, got ${describeValue(values)}`);
    const ws = this.weights;
    if (values.length !== ws.length) {
      const hint = this.built ? '' : ' (it is not built yet: apply it or call build first)';
      throw new TesseraError(`${this.describe()}.setWeights: got ${values.length} tensors, the layer has ${ws.length} weights${hint}`);
    }
    values.forEach((t, i) => {
      const w = ws[i]!;
      if (!(t instanceof Tensor)) throw new TesseraError(`${this.describe()}.setWeights: value ${i} (for '${w.name}') must be a Tensor, got ${describeValue(t)}`);
      t.assertAlive(`${this.name}.setWeights`);
      if (t.shape.length !== w.shape.length || t.shape.some((d, j) => d !== w.shape[j])) {
        throw new TesseraError(`${this.describe()}.setWeights: value ${i} has shape ${fmtShape(t.shape)}, weight '${w.name}' is ${fmtShape(w.shape)}`);
      }
    });
    ENGINE.withoutTapes(() =>
      tidy(() => {
        values.forEach((t, i) => ws[i]!.assign(t.dtype === ws[i]!.dtype ? t : cast(t, ws[i]!.dtype)));
      }),
    );
  }

  /** Number of scalars in the weights (sublayers' included). */
  countParams(): number {
    if (!this.builtShape) {
      throw new TesseraError(`${this.describe()}.countParams: the layer is not built yet, so its weights do not exist (apply it or call build first)`);
    }
    return this.weights.reduce((s, w) => s + w.size, 0);
  }

  /**
   * Sum of the weight regularizers' penalties (a scalar, differentiable), sublayers' included, or
   * null when there are none.
   */
  regularizationLoss(): Tensor | null {
    this.assertUsable('regularizationLoss');
    return tidy(() => {
      const parts = this.entries.filter((e) => e.regularizer !== null).map((e) => e.regularizer!.penalty(e.variable));
      for (const l of this.subLayers) {
        const r = l.regularizationLoss();
        if (r) parts.push(r);
      }
      return parts.length === 0 ? null : parts.reduce((a, b) => add(a, b));
    });
  }

  /** The options that rebuild this layer (`deserializeLayer`); JSON-serialisable. */
  getConfig(): BaseLayerConfig {
    const config: BaseLayerConfig = { name: this.name, trainable: this.trainableFlag, dtype: this.dtype };
    if (this.batchInputShape) config.batchInputShape = [...this.batchInputShape];
    return config;
  }

  /** Frees the weights, its sublayers' too; the layer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    const subs = this.subLayers;
    for (const e of this.entries) e.variable.dispose();
    this.entries = [];
    this.disposed = true;
    for (const l of subs) l.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** "dense (Dense)", for messages. */
  protected describe(): string {
    return `${this.name} (${this.className})`;
  }

  private assertUsable(what: string): void {
    if (this.disposed) throw new TesseraError(`${this.describe()}.${what}: the layer was disposed`);
    this.assertKnownOptions();
  }

  /**
   * Rejects constructor options the layer does not know (`stateful` on an LSTM that has none,
   * snake_case `kernel_initializer`), naming the closest known one. A layer's options are what its
   * `getConfig()` holds plus the input-shape arguments, so the check needs the finished object: it
   * runs when the layer is added to a model, built or first applied, before it has any effect.
   */
  assertKnownOptions(): void {
    if (!this.givenOptions) return;
    const given = this.givenOptions;
    this.givenOptions = null;
    checkOptions(this.className, given, [...LAYER_ARGS, ...this.optionNames()]);
  }

  /** The options the constructor understands: by default the keys of `getConfig()`. */
  optionNames(): string[] {
    return Object.keys(this.getConfig());
  }

  private checkCompatible(shape: SymbolicShape, declared: SymbolicShape, verb: string): void {
    const ok = shape.length === declared.length && declared.every((d, i) => i === 0 || d === null || shape[i] === null || d === shape[i]);
    if (!ok) {
      throw new TesseraError(`${this.describe()}: got input shape ${fmtSymbolic(shape)}, but the layer ${verb} inputs of shape ${fmtSymbolic(declared)}`);
    }
  }

  private checkSpec(shape: readonly (number | null)[]): void {
    const spec = this.inputSpec;
    if (!spec) return;
    const expected: string[] = [];
    let ok = true;
    if (spec.ndim !== undefined) {
      expected.push(`rank ${spec.ndim}`);
      if (shape.length !== spec.ndim) ok = false;
    }
    if (spec.minNdim !== undefined) {
      expected.push(`rank >= ${spec.minNdim}`);
      if (shape.length < spec.minNdim) ok = false;
    }
    for (const [key, size] of Object.entries(spec.axes ?? {})) {
      const a = Number(key);
      expected.push(`axis ${a} of size ${size}`);
      const i = a < 0 ? shape.length + a : a;
      const d = shape[i];
      if (i < 0 || i >= shape.length || (d !== null && d !== size)) ok = false;
    }
    if (!ok) {
      const built = this.builtShape ? ` (it was built for inputs of shape ${fmtSymbolic(this.builtShape as SymbolicShape)})` : '';
      throw new TesseraError(`${this.describe()}: got an input of shape ${fmtSymbolic(shape)}, expected ${expected.join(' with ')}${built}`);
    }
  }
}

/** Fields of the base class that never hold sublayers (not scanned by `subLayers`). */
const INTERNAL_FIELDS = new Set(['entries', 'givenOptions', 'inboundNodes', 'builtShape', 'inputSpec', 'batchInputShape']);

/** A layer's masks as one entry per output: one mask is the first output's. */
function normalizeMasks(where: string, masks: MaskArg | null | undefined, count: number): Mask[] {
  const out = new Array<Mask>(count).fill(null);
  if (masks === null || masks === undefined) return out;
  if (!Array.isArray(masks)) {
    out[0] = masks;
    return out;
  }
  if (masks.length !== count) throw new TesseraError(`${where}: computeMask returned ${masks.length} masks for ${count} outputs`);
  return masks.map((m) => m ?? null);
}

/** A symbolic call's options: symbolic tensors (or lists of them) become graph inputs, the rest must be JSON values. */
function symbolicOptions(where: string, options: Record<string, unknown>): {
  values: Record<string, unknown>;
  tensors: { name: string; value: SymbolicTensor[]; list: boolean }[];
} {
  const values: Record<string, unknown> = {};
  const tensors: { name: string; value: SymbolicTensor[]; list: boolean }[] = [];
  for (const [name, v] of Object.entries(options)) {
    if (v instanceof SymbolicTensor) tensors.push({ name, value: [v], list: false });
    else if (isSymbolic(v)) tensors.push({ name, value: v as SymbolicTensor[], list: true });
    else if (v instanceof Tensor || (Array.isArray(v) && v.some((e) => e instanceof Tensor))) {
      throw new TesseraError(`${where}: apply's option '${name}' is a tensor but the inputs are symbolic; in a functional model give it as a symbolic tensor (from input() or a layer)`);
    } else if (v === null || ['boolean', 'number', 'string'].includes(typeof v)) values[name] = v;
    else throw new TesseraError(`${where}: apply's option '${name}' must be a symbolic tensor, a list of them or a plain value in a functional model, got ${describeValue(v)}`);
  }
  return { values, tensors };
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function copyShapes(s: SymbolicShape | SymbolicShape[]): SymbolicShape | SymbolicShape[] {
  return s.map((d) => (Array.isArray(d) ? [...d] : d)) as SymbolicShape | SymbolicShape[];
}

function checkShape(where: string, what: string, shape: unknown): SymbolicShape {
  if (!Array.isArray(shape) || shape.some((d) => d !== null && (typeof d !== 'number' || !Number.isInteger(d) || d < 0))) {
    throw new TesseraError(`${where}: ${what} must be an array of non-negative integers or null, got ${describeValue(shape)}`);
  }
  return shape.map((d) => (d === null ? null : (d as number)));
}

// ---------------------------------------------------------------- names

const nameCounters = new Map<string, number>();
const takenNames = new Set<string>();

/** Keras's to_snake_case: 'Conv2D' → 'conv2d', 'MaxPooling2D' → 'max_pooling2d', 'SimpleRNN' → 'simple_rnn'. */
export function toSnakeCase(name: string): string {
  return name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

function claimName(name: string): string {
  takenNames.add(name);
  return name;
}

/** `prefix`, then `prefix_1`, `prefix_2`, ... skipping names already in use. */
function uniqueLayerName(prefix: string): string {
  for (;;) {
    const n = nameCounters.get(prefix) ?? 0;
    nameCounters.set(prefix, n + 1);
    const name = n === 0 ? prefix : `${prefix}_${n}`;
    if (!takenNames.has(name)) return claimName(name);
  }
}

/** Forgets the automatic layer names handed out so far (Keras's clear_session), e.g. between tests. */
export function resetLayerNames(): void {
  nameCounters.clear();
  takenNames.clear();
}

// ---------------------------------------------------------------- serialisation registry

export interface SerializedLayer {
  className: string;
  config: Record<string, unknown>;
}

const factories = new Map<string, (config: Record<string, unknown>) => Layer>();
const classNames = new Map<unknown, string>();

function classNameOf(ctor: unknown): string | undefined {
  return classNames.get(ctor);
}

/**
 * Makes `deserializeLayer` able to rebuild layers of this class from their config: with the class's
 * static `fromConfig(config)` when it has one (models), else `new ctor(config)`.
 */
export function registerLayer<A>(className: string, ctor: new (args: A) => Layer<any, any>): void {
  if (typeof className !== 'string' || className.length === 0) throw new TesseraError('registerLayer: className must be a non-empty string');
  if (typeof ctor !== 'function') throw new TesseraError(`registerLayer: '${className}' must be given a layer class, got ${describeValue(ctor)}`);
  // Configs come from JSON: the constructors check every value they read.
  const fromConfig = (ctor as unknown as { fromConfig?: (config: Record<string, unknown>) => Layer }).fromConfig;
  factories.set(className, typeof fromConfig === 'function' ? (config) => fromConfig.call(ctor, config) : (config) => new ctor(config as unknown as A) as Layer);
  classNames.set(ctor, className);
}

/** Class names `deserializeLayer` knows. */
export function registeredLayers(): string[] {
  return [...factories.keys()];
}

export function serializeLayer(layer: Layer): SerializedLayer {
  if (!(layer instanceof Layer)) throw new TesseraError(`serializeLayer: expected a Layer, got ${describeValue(layer)}`);
  const problem = layer.serializationProblem();
  if (problem) throw new TesseraError(`serializeLayer: ${problem}`);
  const className = classNameOf(layer.constructor);
  if (!className) {
    throw new TesseraError(`serializeLayer: the class ${layer.constructor.name} of layer '${layer.name}' is not registered; call registerLayer('${layer.constructor.name}', ${layer.constructor.name}) first`);
  }
  return { className, config: layer.getConfig() };
}

/** Rebuilds a layer from `{ className, config }`. Unknown classes and options throw, naming the known ones. */
export function deserializeLayer(serialized: SerializedLayer): Layer {
  if (!isPlainObject(serialized) || typeof serialized.className !== 'string') {
    throw new TesseraError(`deserializeLayer: expected { className, config }, got ${describeValue(serialized)}`);
  }
  const { className } = serialized;
  const config = serialized.config ?? {};
  if (!isPlainObject(config)) throw new TesseraError(`deserializeLayer: the config of '${className}' must be an object, got ${describeValue(config)}`);
  const make = factories.get(className);
  if (!make) {
    throw new TesseraError(`deserializeLayer: unknown layer class '${className}' (known: ${registeredLayers().join(', ')}; register custom layers with registerLayer)`);
  }
  const layer = make(config);
  const known = new Set([...BASE_KEYS, ...layer.optionNames()]);
  const unknown = Object.keys(config).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    layer.dispose();
    throw new TesseraError(`deserializeLayer: ${className} has no option ${unknown.map((k) => `'${k}'`).join(', ')} (options: ${[...known].join(', ')})`);
  }
  return layer;
}
