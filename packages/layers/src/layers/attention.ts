import {
  Tensor, TesseraError, add, cast, expandDims, fmtShape, fusedMatMul, greaterEqual, logicalAnd, matmul, mul, notEqual, randomUniform, range, reshape, rngFor, softmax,
  sub, transpose, type Random, type RandomState, type Variable,
} from '@tessera/core';
import type { Initializer, InitializerIdentifier, SerializedInitializer } from '../initializers.js';
import { Layer, registerLayer, type BaseLayerConfig, type CallArgs, type LayerArgs, type MaskArg } from '../layer.js';
import type { Regularizer, RegularizerIdentifier, SerializedRegularizer } from '../regularizers.js';
import { checkBoolean, checkNumber, checkPositiveInt, describeValue, fmtSymbolic, type SymbolicShape } from '../util.js';
import { initializerConfig, initializerOption, regularizerConfig, regularizerOption } from './options.js';

export interface MultiHeadAttentionArgs extends LayerArgs {
  numHeads: number;
  /** Size of each head's query and key vectors. */
  keyDim: number;
  /** Size of each head's value vectors (default keyDim). */
  valueDim?: number | null;
  /** Dropout rate on the attention weights while training, in [0, 1). */
  dropout?: number;
  useBias?: boolean;
  /** Size of the output's last axis (default: the query's). */
  outputShape?: number | [number] | null;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerIdentifier | null;
  /** Default 'zeros'. */
  biasInitializer?: InitializerIdentifier | null;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  /** Seeds the attention dropout; default: from the global seed. */
  seed?: number | null;
}

export type MultiHeadAttentionConfig = BaseLayerConfig & {
  numHeads: number;
  keyDim: number;
  valueDim: number | null;
  dropout: number;
  useBias: boolean;
  outputShape: number | null;
  kernelInitializer: SerializedInitializer;
  biasInitializer: SerializedInitializer;
  kernelRegularizer: SerializedRegularizer | null;
  biasRegularizer: SerializedRegularizer | null;
  seed: number | null;
};

/** MultiHeadAttention's call options: `apply([query, value, key?], { attentionMask, useCausalMask, returnAttentionScores })`. */
export interface MultiHeadAttentionCallArgs extends CallArgs {
  /** [batch, T, S] (bool, or 0/1): true where query position t may attend to key position s. */
  attentionMask?: Tensor;
  /** Each query position attends only to key positions at or before it (a decoder). */
  useCausalMask?: boolean;
  /** Also return the attention weights [batch, numHeads, T, S] (before dropout). */
  returnAttentionScores?: boolean;
}

/** The additive mask value of Keras's masked softmax. */
const LARGE_NEGATIVE = -1e9;

/**
 * Multi-head scaled dot-product attention (Keras's `MultiHeadAttention`), composed from matmul
 * and softmax. `apply([query, value])` or `apply([query, value, key])` (key defaults to value) on
 * [batch, T, dim] and [batch, S, dim] sequences; self-attention is `apply([x, x])`. Per head h:
 * softmax(q_h·k_hᵀ / √keyDim + mask)·v_h, the heads concatenated and projected to the output.
 * Weights (Keras's shapes): query/key kernels [dim, numHeads, keyDim], value [dim, numHeads,
 * valueDim], attention_output [numHeads, valueDim, outDim], with biases.
 *
 * Masks: the query's and value's masks (and the key's, given separately) combine with
 * `attentionMask` and `useCausalMask` into one [batch, T, S] mask, all ANDed (Keras); masked
 * scores get −1e9 before the softmax. The output carries the query's mask.
 */
export class MultiHeadAttention extends Layer<Tensor | Tensor[], Tensor[]> {
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputDim: number | null;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly seed: number | null;
  private readonly valueDimGiven: number | null;
  private readonly rng: Random;
  queryKernel: Variable | null = null;
  queryBias: Variable | null = null;
  keyKernel: Variable | null = null;
  keyBias: Variable | null = null;
  valueKernel: Variable | null = null;
  valueBias: Variable | null = null;
  outputKernel: Variable | null = null;
  outputBias: Variable | null = null;

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    const w = 'MultiHeadAttention';
    this.numHeads = checkPositiveInt(w, 'numHeads', args?.numHeads);
    this.keyDim = checkPositiveInt(w, 'keyDim', args.keyDim);
    this.valueDimGiven = args.valueDim === undefined || args.valueDim === null ? null : checkPositiveInt(w, 'valueDim', args.valueDim);
    this.valueDim = this.valueDimGiven ?? this.keyDim;
    this.dropout = checkNumber(w, 'dropout', args.dropout ?? 0, (r) => r >= 0 && r < 1, 'a number in [0, 1)');
    this.useBias = args.useBias === undefined ? true : checkBoolean(w, 'useBias', args.useBias);
    const out = Array.isArray(args.outputShape) && args.outputShape.length === 1 ? args.outputShape[0] : args.outputShape;
    this.outputDim = out === undefined || out === null ? null : checkPositiveInt(w, 'outputShape', out);
    this.kernelInitializer = initializerOption(args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = initializerOption(args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizerOption(args.kernelRegularizer);
    this.biasRegularizer = regularizerOption(args.biasRegularizer);
    if (args.seed !== undefined && args.seed !== null && !Number.isInteger(args.seed)) throw new TesseraError(`${w}: seed must be an integer, got ${describeValue(args.seed)}`);
    this.seed = args.seed ?? null;
    this.rng = rngFor(this.seed ?? undefined);
    this.supportsMasking = true;
  }

  protected override takesList(): boolean {
    return true;
  }

  protected override callOptionNames(): readonly string[] {
    return ['attentionMask', 'useCausalMask', 'returnAttentionScores'];
  }

  /** [query, value, key] shapes, checked: rank 3, known features, value and key of one length. */
  private shapes(inputShape: SymbolicShape[]): [SymbolicShape, SymbolicShape, SymbolicShape] {
    if (!Array.isArray(inputShape) || inputShape.length < 2 || inputShape.length > 3) {
      throw new TesseraError(`${this.describe()}: takes [query, value] or [query, value, key], got ${Array.isArray(inputShape) ? inputShape.length : 0} inputs`);
    }
    const [q, v, k = v] = inputShape as [SymbolicShape, SymbolicShape, SymbolicShape?];
    const names = ['query', 'value', 'key'];
    [q, v, k].forEach((s, i) => {
      if (s.length !== 3 || s[2] === null) {
        throw new TesseraError(`${this.describe()}: ${names[i]} must be [batch, length, features] with known features, got ${fmtSymbolic(s)}`);
      }
    });
    if (v[1] !== null && k[1] !== null && v[1] !== k[1]) {
      throw new TesseraError(`${this.describe()}: value ${fmtSymbolic(v)} and key ${fmtSymbolic(k)} must have the same length (axis 1)`);
    }
    return [q, v, k];
  }

  protected override onBuild(inputShape: SymbolicShape[]): void {
    const [q, v, k] = this.shapes(inputShape);
    const h = this.numHeads;
    const opts = { regularizer: this.kernelRegularizer };
    const bias = (name: string, shape: number[]): Variable | null =>
      this.useBias ? this.addWeight(name, shape, this.biasInitializer, { regularizer: this.biasRegularizer }) : null;
    this.queryKernel = this.addWeight('query/kernel', [q[2]!, h, this.keyDim], this.kernelInitializer, opts);
    this.queryBias = bias('query/bias', [h, this.keyDim]);
    this.keyKernel = this.addWeight('key/kernel', [k[2]!, h, this.keyDim], this.kernelInitializer, opts);
    this.keyBias = bias('key/bias', [h, this.keyDim]);
    this.valueKernel = this.addWeight('value/kernel', [v[2]!, h, this.valueDim], this.kernelInitializer, opts);
    this.valueBias = bias('value/bias', [h, this.valueDim]);
    const outDim = this.outputDim ?? q[2]!;
    this.outputKernel = this.addWeight('attention_output/kernel', [h, this.valueDim, outDim], this.kernelInitializer, opts);
    this.outputBias = bias('attention_output/bias', [outDim]);
  }

  /** Projects [batch, L, dim] to heads [batch, numHeads, L, size] in one matmul. */
  private project(x: Tensor, kernel: Variable, bias: Variable | null, size: number): Tensor {
    const [b, len, dim] = x.shape as [number, number, number];
    const flat = fusedMatMul({ a: x, b: reshape(kernel, [dim, this.numHeads * size]), bias: bias ? reshape(bias, [this.numHeads * size]) : undefined });
    return transpose(reshape(flat, [b, len, this.numHeads, size]), [0, 2, 1, 3]);
  }

  call(xs: Tensor[], kwargs: Partial<MultiHeadAttentionCallArgs> = {}): Tensor | Tensor[] {
    const [query, value, key = value] = xs as [Tensor, Tensor, Tensor?];
    this.shapes(xs.map((x) => x.shape as SymbolicShape));
    const [b, t] = query.shape as [number, number, number];
    const s = value.shape[1]!;
    if (value.shape[0] !== b || key.shape[0] !== b || key.shape[1] !== s) {
      throw new TesseraError(
        `${this.describe()}: query ${fmtShape(query.shape)}, value ${fmtShape(value.shape)} and key ${fmtShape(key.shape)} must share the batch size, and value and key the length`,
      );
    }
    const mask = this.attentionMask(xs, b, t, s, kwargs);
    const q = mul(this.project(query, this.queryKernel!, this.queryBias, this.keyDim), 1 / Math.sqrt(this.keyDim));
    const k = this.project(key, this.keyKernel!, this.keyBias, this.keyDim);
    const v = this.project(value, this.valueKernel!, this.valueBias, this.valueDim);
    let scores = matmul(q, k, false, true); // [b, heads, t, s]
    if (mask) scores = add(scores, mul(sub(1, cast(expandDims(mask, 1), 'float32')), LARGE_NEGATIVE));
    const weights = softmax(scores, -1);
    let attended = weights;
    if (kwargs.training && this.dropout > 0) {
      const u = randomUniform(weights.shape, 0, 1, 'float32', this.rng.nextU32());
      attended = mul(weights, mul(cast(greaterEqual(u, this.dropout), 'float32'), 1 / (1 - this.dropout)));
    }
    const context = reshape(transpose(matmul(attended, v), [0, 2, 1, 3]), [b, t, this.numHeads * this.valueDim]);
    const outDim = this.outputKernel!.shape[2]!;
    const out = fusedMatMul({ a: context, b: reshape(this.outputKernel!, [this.numHeads * this.valueDim, outDim]), bias: this.outputBias ?? undefined });
    return kwargs.returnAttentionScores ? [out, weights] : out;
  }

  /** One bool mask broadcasting to [batch, T, S] from the inputs' masks, attentionMask and the causal mask (ANDed), or null. */
  private attentionMask(xs: Tensor[], b: number, t: number, s: number, kwargs: Partial<MultiHeadAttentionCallArgs>): Tensor | null {
    const parts: Tensor[] = [];
    const masks = Array.isArray(kwargs.mask) ? kwargs.mask : [];
    const [qm, vm, km] = [masks[0] ?? null, masks[1] ?? null, xs.length > 2 ? (masks[2] ?? null) : null];
    if (qm) parts.push(reshape(qm, [b, t, 1]));
    if (vm) parts.push(reshape(vm, [b, 1, s]));
    if (km) parts.push(reshape(km, [b, 1, s]));
    if (kwargs.useCausalMask !== undefined && typeof kwargs.useCausalMask !== 'boolean') {
      throw new TesseraError(`${this.describe()}: useCausalMask must be true or false, got ${describeValue(kwargs.useCausalMask)}`);
    }
    if (kwargs.useCausalMask) parts.push(greaterEqual(reshape(range(0, t, 1, 'int32'), [1, t, 1]), reshape(range(0, s, 1, 'int32'), [1, 1, s])));
    const given = kwargs.attentionMask;
    if (given !== undefined && given !== null) {
      if (!(given instanceof Tensor)) throw new TesseraError(`${this.describe()}: attentionMask must be a Tensor [batch, T, S], got ${describeValue(given)}`);
      given.assertAlive(`${this.name}.apply`);
      if (given.rank !== 3 || (given.shape[0] !== b && given.shape[0] !== 1) || given.shape[1] !== t || given.shape[2] !== s) {
        throw new TesseraError(`${this.describe()}: attentionMask has shape ${fmtShape(given.shape)}, expected [batch, T, S] = [${b},${t},${s}] (query length T, key length S)`);
      }
      parts.push(given.dtype === 'bool' ? given : notEqual(given, 0));
    }
    return parts.length === 0 ? null : parts.reduce((a, c) => logicalAnd(a, c));
  }

  /** The output keeps the query's mask; the attention scores have none. */
  override computeMask(xs: Tensor[], mask: MaskArg | null): Tensor | null {
    void xs;
    return Array.isArray(mask) ? (mask[0] ?? null) : null;
  }

  override computeOutputShape(inputShape: SymbolicShape[]): SymbolicShape {
    const [q] = this.shapes(inputShape);
    return [q[0] ?? null, q[1] ?? null, this.outputDim ?? q[2]!];
  }

  override computeOutputShapes(inputShape: SymbolicShape[], options: Record<string, unknown> = {}): SymbolicShape[] {
    const out = this.computeOutputShape(inputShape);
    if (!options['returnAttentionScores']) return [out];
    const [q, v] = this.shapes(inputShape);
    return [out, [q[0] ?? null, this.numHeads, q[1] ?? null, v[1] ?? null]];
  }

  override getRandomState(): RandomState {
    return this.rng.getState();
  }

  override setRandomState(state: RandomState): void {
    this.rng.setState(state);
  }

  override getConfig(): MultiHeadAttentionConfig {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDimGiven,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputDim,
      kernelInitializer: initializerConfig(this.kernelInitializer),
      biasInitializer: initializerConfig(this.biasInitializer),
      kernelRegularizer: regularizerConfig(this.kernelRegularizer),
      biasRegularizer: regularizerConfig(this.biasRegularizer),
      seed: this.seed,
    };
  }
}

registerLayer('MultiHeadAttention', MultiHeadAttention);
