// Export of a Tessera model to ONNX (a standard ModelProto, encoded by @bufbuild/protobuf from the
// generated onnx.proto descriptors of `onnx-buf`). Browser-safe: no Node built-in; the Node entry
// adds `saveOnnx(model, path)`.
//
// Layouts. Tessera is channels-last (NHWC, NLC); ONNX's Conv and pools are channels-first. Every
// value of the graph is kept in the form its producer made and converted only when a consumer needs
// another one, once per value: a chain conv → relu → pool → conv stays channels-first with one
// Transpose after the input, and a Flatten of a channels-first tensor followed by Dense permutes the
// Dense kernel's rows instead of transposing the activations.
import { create, toBinary } from '@bufbuild/protobuf';
import { TesseraError, type Tensor } from '@tessera/core';
import {
  Activation, Add, AveragePooling1D, AveragePooling2D, Average, BatchNormalization, Concatenate, Conv1D, Conv2D, Cropping2D, Dense, DepthwiseConv2D, Dot,
  Dropout, Embedding, Flatten, GRU, GaussianNoise, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, InputLayer, LSTM, Lambda,
  LayerNormalization, MaxPooling1D, MaxPooling2D, Maximum, Minimum, Multiply, Permute, RepeatVector, Rescaling, Reshape, SeparableConv2D, SimpleRNN,
  SpatialDropout2D, Subtract, UpSampling2D, ZeroPadding2D, serializeActivation, type ActivationFn, type Layer, type SymbolicShape, type SymbolicTensor,
} from '@tessera/layers';
import {
  AttributeProtoSchema, AttributeProto_AttributeType, GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, OperatorSetIdProtoSchema, TensorProtoSchema,
  TensorProto_DataType, TensorShapeProtoSchema, TensorShapeProto_DimensionSchema, TypeProtoSchema, TypeProto_TensorSchema, ValueInfoProtoSchema,
  type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from 'onnx-buf';
import { Model } from './model.js';

/** The opset written when none is asked for: ONNX 1.12 / IR 8, run by every onnxruntime since 1.12. */
export const DEFAULT_ONNX_OPSET = 17;
/** The lowest and highest opset `exportOnnx` writes (the ops it emits changed form at 13, 17 and 18). */
export const ONNX_OPSETS = [13, 21] as const;

export interface ExportOnnxOptions {
  /** The ONNX opset (default 17); 13 to 21. */
  opset?: number;
  /** ModelProto.doc_string. */
  docString?: string;
}

/** The IR version each opset came out with (onnx/onnx docs/Versioning.md). */
const IR_VERSION: Record<number, number> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -INT64_MAX - 1n;

type Form = 'nhwc' | 'nchw' | 'flatchw';
type ElemType = 'float32' | 'int32';

/** A value of the graph: its Keras shape and dtype, and the ONNX names of the forms made so far. */
interface Val {
  shape: SymbolicShape;
  dtype: ElemType;
  forms: Partial<Record<Form, string>>;
  /** How to make a form on first use (a Flatten of a channels-first tensor makes its 'nhwc' form lazily). */
  lazy: Partial<Record<Form, () => string>>;
  /** For 'flatchw': the Keras shape of the flattened sample [d1, ..., channels]. */
  flatOf?: number[];
}

type AttrValue = ['f', number] | ['i', number] | ['s', string] | ['fs', number[]] | ['is', number[]] | ['ss', string[]];

const enc = new TextEncoder();

function attribute(name: string, [kind, v]: AttrValue): AttributeProto {
  const T = AttributeProto_AttributeType;
  switch (kind) {
    case 'f':
      return create(AttributeProtoSchema, { name, type: T.FLOAT, f: v });
    case 'i':
      return create(AttributeProtoSchema, { name, type: T.INT, i: BigInt(v) });
    case 's':
      return create(AttributeProtoSchema, { name, type: T.STRING, s: enc.encode(v) });
    case 'fs':
      return create(AttributeProtoSchema, { name, type: T.FLOATS, floats: v });
    case 'is':
      return create(AttributeProtoSchema, { name, type: T.INTS, ints: v.map((x) => BigInt(x)) });
    case 'ss':
      return create(AttributeProtoSchema, { name, type: T.STRINGS, strings: v.map((x) => enc.encode(x)) });
  }
}

function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return create(TensorProtoSchema, { name, dims: dims.map((d) => BigInt(d)), dataType: TensorProto_DataType.FLOAT, rawData: bytes });
}

function int64Tensor(name: string, dims: readonly number[], values: readonly (number | bigint)[]): TensorProto {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return create(TensorProtoSchema, { name, dims: dims.map((d) => BigInt(d)), dataType: TensorProto_DataType.INT64, rawData: bytes });
}

function elemType(dtype: string): TensorProto_DataType {
  if (dtype === 'float32') return TensorProto_DataType.FLOAT;
  if (dtype === 'int32') return TensorProto_DataType.INT32;
  throw new TesseraError(`exportOnnx: dtype '${dtype}' has no ONNX mapping here (float32 and int32 are exported)`);
}

function valueInfo(name: string, dtype: string, shape: SymbolicShape): ValueInfoProto {
  const dim = shape.map((d, i) =>
    create(TensorShapeProto_DimensionSchema, {
      value: d !== null ? { case: 'dimValue', value: BigInt(d) } : i === 0 ? { case: 'dimParam', value: 'batch' } : { case: 'dimParam', value: `${name}_dim${i}` },
    }),
  );
  const tensorType = create(TypeProto_TensorSchema, { elemType: elemType(dtype), shape: create(TensorShapeProtoSchema, { dim }) });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}

/** A Keras kernel [...spatial, in, out] as an ONNX Conv weight [out, in, ...spatial]. */
function convWeight(k: ArrayLike<number>, shape: readonly number[]): { dims: number[]; data: Float32Array } {
  const spatial = shape.slice(0, -2);
  const cin = shape[shape.length - 2]!;
  const cout = shape[shape.length - 1]!;
  const s = spatial.reduce((a, b) => a * b, 1);
  const out = new Float32Array(k.length);
  for (let p = 0; p < s; p++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) out[(o * cin + i) * s + p] = k[(p * cin + i) * cout + o]!;
  return { dims: [cout, cin, ...spatial], data: out };
}

/** Permutation of a rank-r channels-last tensor into channels-first, and back. */
const toFirst = (r: number): number[] => [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
const toLast = (r: number): number[] => [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];

/** The ONNX name of a registered activation, for messages and the mapping. */
function activationName(fn: ActivationFn, layer: Layer): string {
  try {
    return serializeActivation(fn);
  } catch {
    throw new TesseraError(`exportOnnx: layer '${layer.name}' (${layer.className}) uses a custom activation function, which ONNX cannot hold; use a built-in activation`);
  }
}

/** Names of the layers `exportOnnx` maps, for the error that lists them. */
const SUPPORTED = [
  'InputLayer', 'Dense', 'Activation', 'Dropout', 'SpatialDropout2D', 'GaussianNoise', 'Flatten', 'Reshape', 'Rescaling', 'Permute', 'RepeatVector',
  'Conv1D', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'MaxPooling1D', 'AveragePooling1D', 'MaxPooling2D', 'AveragePooling2D',
  'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D (nearest)',
  'BatchNormalization', 'LayerNormalization', 'Embedding', 'SimpleRNN', 'LSTM', 'GRU',
  'Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dot', 'nested Model/Sequential',
];

class OnnxBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly layerIds = new Map<Layer, number>();
  /** Where the current node comes from, for node names and messages. */
  layer: Layer | null = null;

  constructor(readonly opset: number, private readonly weights: Map<Tensor, Float32Array>) {}

  reserve(name: string): void {
    this.used.add(name);
  }

  unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns its output names (`outputs` names them, or a count makes fresh ones, '' skips one). */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs: number | (string | null)[] = 1): string[] {
    const prefix = this.layer ? `${this.layer.name}/` : '';
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.unique(`${prefix}${op}`)) : outputs.map((o) => (o === null ? '' : o));
    this.nodes.push(
      create(NodeProtoSchema, {
        name: this.unique(`${prefix}${op}_node`),
        opType: op,
        input: inputs,
        output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outs;
  }

  one(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(op, inputs, attrs, 1)[0]!;
  }

  /**
   * A float initializer named `name` (made unique), made once per layer object and name: a shared
   * layer called twice reuses its weights, and two layers that happen to share a name (one in a
   * nested model) do not.
   */
  floats(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    if (this.layer && !this.layerIds.has(this.layer)) this.layerIds.set(this.layer, this.layerIds.size);
    return this.initializer(`float:${this.layer ? this.layerIds.get(this.layer) : ''}:${name}`, name, () => floatTensor(name, dims, data), true);
  }

  /** An int64 initializer (shapes, axes, slice bounds), one per distinct value. */
  ints(values: readonly (number | bigint)[], dims: readonly number[] = [values.length]): string {
    return this.initializer(`int64:${dims.join('x')}:${values.join(',')}`, 'const_i64', (name) => int64Tensor(name, dims, values));
  }

  /** A float32 scalar initializer, one per distinct value. */
  scalar(v: number): string {
    return this.initializer(`scalar:${v}`, 'const_f32', (name) => floatTensor(name, [], [v]));
  }

  private initializer(key: string, base: string, make: (name: string) => TensorProto, named = false): string {
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.unique(base);
    const t = make(name);
    if (named) t.name = name;
    this.initializers.push(t);
    this.constants.set(key, name);
    return name;
  }

  /** The values of a weight, read before the conversion (so the export can be synchronous inside). */
  read(v: Tensor | null | undefined, what: string): Float32Array {
    const data = v ? this.weights.get(v) : undefined;
    if (!data) throw new TesseraError(`exportOnnx: layer '${this.layer?.name}' has no ${what} weight (is it built?)`);
    return data;
  }

  /** A weight as it is, named after its layer. */
  weight(v: Tensor | null, what: string, dims?: readonly number[]): string {
    const data = this.read(v, what);
    return this.floats(`${this.layer!.name}/${what}`, dims ?? v!.shape, data);
  }

  // --- values and their forms ---------------------------------------------------------------

  val(shape: SymbolicShape, dtype: ElemType, form: Form, name: string, flatOf?: number[]): Val {
    return { shape: [...shape], dtype, forms: { [form]: name }, lazy: {}, ...(flatOf ? { flatOf } : {}) };
  }

  /** The ONNX name of `v` in `form`, making it (once) if needed. */
  get(v: Val, form: Form): string {
    const have = v.forms[form];
    if (have) return have;
    const lazy = v.lazy[form];
    let name: string;
    if (lazy) {
      name = lazy();
    } else if (form === 'nchw' && v.forms.nhwc) {
      name = this.one('Transpose', [v.forms.nhwc], { perm: ['is', toFirst(v.shape.length)] });
    } else if (form === 'nhwc' && v.forms.nchw) {
      name = this.one('Transpose', [v.forms.nchw], { perm: ['is', toLast(v.shape.length)] });
    } else {
      throw new TesseraError(`exportOnnx: internal error: no way to make the ${form} form of a value of shape [${v.shape.join(',')}]`);
    }
    v.forms[form] = name;
    return name;
  }

  /**
   * The form to combine values in: one every value has already (channels-last first), else
   * channels-first where most of them are, else channels-last.
   */
  commonForm(vs: Val[]): Form {
    if (vs.every((v) => v.forms.nhwc !== undefined)) return 'nhwc';
    if (vs.every((v) => v.forms.nchw !== undefined)) return 'nchw';
    if (vs.every((v) => v.forms.flatchw !== undefined && sameFlat(v, vs[0]!))) return 'flatchw';
    const first = vs.filter((v) => v.forms.nchw !== undefined).length;
    return vs[0]!.shape.length >= 3 && 2 * first > vs.length ? 'nchw' : 'nhwc';
  }

  /** Applies an elementwise op to values in a common form; the result has that form. */
  elementwise(vs: Val[], make: (names: string[], form: Form) => string, shape?: SymbolicShape): Val {
    const form = this.commonForm(vs);
    const out = make(vs.map((v) => this.get(v, form)), form);
    return this.val(shape ?? vs[0]!.shape, vs[0]!.dtype, form, out, form === 'flatchw' ? vs[0]!.flatOf : undefined);
  }

  // --- helpers for ops whose form changed between opsets -------------------------------------

  /** ReduceX over `axes`: the axes are an attribute before opset 18 (ReduceSum: 13), an input since. */
  reduce(op: string, x: string, axes: number[], keepdims: boolean): string {
    const axesAsInput = op === 'ReduceSum' || this.opset >= 18;
    if (axesAsInput) return this.one(op, [x, this.ints(axes)], { keepdims: ['i', keepdims ? 1 : 0] });
    return this.one(op, [x], { axes: ['is', axes], keepdims: ['i', keepdims ? 1 : 0] });
  }

  /** Reshape keeping the batch size (0 copies it) to `shape` (the sample's dims; one may be -1). */
  reshape(x: string, sample: (number | null)[]): string {
    const dims = sample.map((d) => (d === null ? -1 : d));
    if (dims.filter((d) => d === -1).length > 1) {
      throw new TesseraError(`exportOnnx: layer '${this.layer?.name}' reshapes to [batch, ${sample.map(String).join(', ')}] with more than one unknown size`);
    }
    return this.one('Reshape', [x, this.ints([0, ...dims])]);
  }

  /** Applies a layer's activation to `v` (the identity adds nothing). */
  activate(v: Val, fn: ActivationFn, layer: Layer): Val {
    const name = activationName(fn, layer);
    if (name === 'linear') return v;
    if (name === 'softmax') {
      const form = v.forms.nchw && !v.forms.nhwc ? 'nchw' : 'nhwc';
      const axis = form === 'nchw' ? 1 : -1;
      return this.val(v.shape, 'float32', form, this.one('Softmax', [this.get(v, form)], { axis: ['i', axis] }));
    }
    const unary = (x: string): string => {
      switch (name) {
        case 'relu':
          return this.one('Relu', [x]);
        case 'sigmoid':
          return this.one('Sigmoid', [x]);
        case 'tanh':
          return this.one('Tanh', [x]);
        case 'elu':
          return this.one('Elu', [x], { alpha: ['f', 1] });
        case 'selu':
          return this.one('Selu', [x]);
        case 'softplus':
          return this.one('Softplus', [x]);
        case 'leaky_relu':
          return this.one('LeakyRelu', [x], { alpha: ['f', 0.2] });
        case 'relu6':
          return this.one('Clip', [x, this.scalar(0), this.scalar(6)]);
        case 'swish':
          return this.one('Mul', [x, this.one('Sigmoid', [x])]);
        case 'hard_sigmoid_tfjs':
          return this.one('HardSigmoid', [x], { alpha: ['f', 0.2], beta: ['f', 0.5] });
        case 'gelu': {
          // x · 0.5 · (1 + erf(x / √2)), as Tessera's exact gelu (the Gelu op needs opset 20).
          const e = this.one('Erf', [this.one('Mul', [x, this.scalar(Math.SQRT1_2)])]);
          return this.one('Mul', [this.one('Mul', [x, this.scalar(0.5)]), this.one('Add', [e, this.scalar(1)])]);
        }
        default:
          throw new TesseraError(`exportOnnx: layer '${layer.name}' (${layer.className}) uses the activation '${name}', which has no ONNX mapping here`);
      }
    };
    return this.elementwise([v], ([x], _form) => unary(x!));
  }
}

function sameFlat(a: Val, b: Val): boolean {
  return (a.flatOf ?? []).join(',') === (b.flatOf ?? []).join(',');
}

const known = (shape: SymbolicShape, what: string, layer: Layer): number[] => {
  if (shape.some((d) => d === null)) throw new TesseraError(`exportOnnx: layer '${layer.name}' needs the ${what} sizes known, got [${shape.map(String).join(',')}]`);
  return shape as number[];
};

// --- converters, one per layer class --------------------------------------------------------

function dense(b: OnnxBuilder, layer: Dense, [x]: Val[]): Val[] {
  const v = x!;
  const units = layer.units;
  const kernel = b.read(layer.kernel, 'kernel');
  const inDim = layer.kernel!.shape[0]!;
  let out: string;
  let form: Form = 'nhwc';
  if (v.shape.length === 2) {
    // A Flatten of a channels-first tensor: permute the kernel's rows instead of the activations.
    let input: string;
    let w: string;
    if (v.forms.flatchw && !v.forms.nhwc) {
      input = v.forms.flatchw;
      const c = v.flatOf![v.flatOf!.length - 1]!;
      const s = inDim / c;
      const rows = new Float32Array(kernel.length);
      // Row k of the channels-first flattening is channel k / s at position k % s; in NHWC order that is row (k % s) · c + k / s.
      for (let k = 0; k < inDim; k++) rows.set(kernel.subarray(((k % s) * c + Math.floor(k / s)) * units, ((k % s) * c + Math.floor(k / s) + 1) * units), k * units);
      w = b.floats(`${layer.name}/kernel_chw`, [inDim, units], rows);
    } else {
      input = b.get(v, 'nhwc');
      w = b.weight(layer.kernel, 'kernel');
    }
    const inputs = [input, w];
    if (layer.bias) inputs.push(b.weight(layer.bias, 'bias'));
    out = b.one('Gemm', inputs);
  } else {
    out = b.one('MatMul', [b.get(v, 'nhwc'), b.weight(layer.kernel, 'kernel')]);
    if (layer.bias) out = b.one('Add', [out, b.weight(layer.bias, 'bias')]);
    form = 'nhwc';
  }
  return [b.activate(b.val([...v.shape.slice(0, -1), units], 'float32', form, out), layer.activation, layer)];
}

function padsFor(padding: string, rank: number): Record<string, AttrValue> {
  return padding === 'same' ? { auto_pad: ['s', 'SAME_UPPER'] } : { pads: ['is', new Array<number>(2 * rank).fill(0)] };
}

function conv2d(b: OnnxBuilder, layer: Conv2D, [x]: Val[], outShape: SymbolicShape): Val[] {
  const { dims, data } = convWeight(b.read(layer.kernel, 'kernel'), layer.kernel!.shape);
  const inputs = [b.get(x!, 'nchw'), b.floats(`${layer.name}/kernel`, dims, data)];
  if (layer.bias) inputs.push(b.weight(layer.bias, 'bias'));
  const out = b.one('Conv', inputs, {
    kernel_shape: ['is', layer.kernelSize], strides: ['is', layer.strides], dilations: ['is', layer.dilationRate], ...padsFor(layer.padding, 2),
  });
  return [b.activate(b.val(outShape, 'float32', 'nchw', out), layer.activation, layer)];
}

function conv1d(b: OnnxBuilder, layer: Conv1D, [x]: Val[], outShape: SymbolicShape): Val[] {
  const { dims, data } = convWeight(b.read(layer.kernel, 'kernel'), layer.kernel!.shape);
  const inputs = [b.get(x!, 'nchw'), b.floats(`${layer.name}/kernel`, dims, data)];
  if (layer.bias) inputs.push(b.weight(layer.bias, 'bias'));
  const pads: Record<string, AttrValue> =
    layer.padding === 'causal' ? { pads: ['is', [(layer.kernelSize - 1) * layer.dilationRate, 0]] } : padsFor(layer.padding, 1);
  const out = b.one('Conv', inputs, { kernel_shape: ['is', [layer.kernelSize]], strides: ['is', [layer.strides]], dilations: ['is', [layer.dilationRate]], ...pads });
  return [b.activate(b.val(outShape, 'float32', 'nchw', out), layer.activation, layer)];
}

/** The depthwise step: ONNX Conv with one group per input channel, weight [c·m, 1, kh, kw]. */
function depthwise(b: OnnxBuilder, layer: DepthwiseConv2D | SeparableConv2D, x: Val, kernel: Tensor, what: string): string {
  const [kh, kw, c, m] = kernel.shape as [number, number, number, number];
  const k = b.read(kernel, what);
  const w = new Float32Array(k.length);
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let ci = 0; ci < c; ci++) for (let mi = 0; mi < m; mi++) {
    w[((ci * m + mi) * kh + i) * kw + j] = k[((i * kw + j) * c + ci) * m + mi]!;
  }
  const inputs = [b.get(x, 'nchw'), b.floats(`${layer.name}/${what}`, [c * m, 1, kh, kw], w)];
  if (layer instanceof DepthwiseConv2D && layer.bias) inputs.push(b.weight(layer.bias, 'bias'));
  return b.one('Conv', inputs, {
    group: ['i', c], kernel_shape: ['is', [kh, kw]], strides: ['is', layer.strides], dilations: ['is', layer.dilationRate], ...padsFor(layer.padding, 2),
  });
}

function depthwiseConv2d(b: OnnxBuilder, layer: DepthwiseConv2D, [x]: Val[], outShape: SymbolicShape): Val[] {
  const out = depthwise(b, layer, x!, layer.kernel!, 'kernel');
  return [b.activate(b.val(outShape, 'float32', 'nchw', out), layer.activation, layer)];
}

function separableConv2d(b: OnnxBuilder, layer: SeparableConv2D, [x]: Val[], outShape: SymbolicShape): Val[] {
  const d = depthwise(b, layer, x!, layer.depthwiseKernel!, 'depthwise_kernel');
  const { dims, data } = convWeight(b.read(layer.pointwiseKernel, 'pointwise_kernel'), layer.pointwiseKernel!.shape);
  const inputs = [d, b.floats(`${layer.name}/pointwise_kernel`, dims, data)];
  if (layer.bias) inputs.push(b.weight(layer.bias, 'bias'));
  const out = b.one('Conv', inputs, { kernel_shape: ['is', [1, 1]] });
  return [b.activate(b.val(outShape, 'float32', 'nchw', out), layer.activation, layer)];
}

function pool(op: 'MaxPool' | 'AveragePool', size: number[], strides: number[], padding: string) {
  return (b: OnnxBuilder, _layer: Layer, [x]: Val[], [outShape]: SymbolicShape[]): Val[] => {
    const out = b.one(op, [b.get(x!, 'nchw')], { kernel_shape: ['is', size], strides: ['is', strides], ...padsFor(padding, size.length) });
    return [b.val(outShape!, 'float32', 'nchw', out)];
  };
}

function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool', keepDims: boolean) {
  return (b: OnnxBuilder, _layer: Layer, [x]: Val[], [outShape]: SymbolicShape[]): Val[] => {
    const pooled = b.one(op, [b.get(x!, 'nchw')]);
    if (keepDims) return [b.val(outShape!, 'float32', 'nchw', pooled)];
    return [b.val(outShape!, 'float32', 'nhwc', b.one('Flatten', [pooled], { axis: ['i', 1] }))];
  };
}

function flatten(b: OnnxBuilder, layer: Flatten, [x]: Val[], outShape: SymbolicShape): Val[] {
  const v = x!;
  if (v.forms.nchw && !v.forms.nhwc && v.shape.length >= 3) {
    // Flatten the channels-first tensor as it is; its Keras (channels-last) order is made only if some consumer needs it.
    const flat = b.one('Flatten', [v.forms.nchw], { axis: ['i', 1] });
    const out = b.val(outShape, 'float32', 'flatchw', flat, known(v.shape.slice(1), 'flattened', layer));
    const layerNow = b.layer;
    out.lazy.nhwc = () => {
      const saved = b.layer;
      b.layer = layerNow;
      const name = b.one('Flatten', [b.get(v, 'nhwc')], { axis: ['i', 1] });
      b.layer = saved;
      return name;
    };
    return [out];
  }
  return [b.val(outShape, v.dtype, 'nhwc', b.one('Flatten', [b.get(v, 'nhwc')], { axis: ['i', 1] }))];
}

function batchNorm(b: OnnxBuilder, layer: BatchNormalization, [x]: Val[]): Val[] {
  const v = x!;
  const rank = v.shape.length;
  const axis = layer.axis < 0 ? layer.axis + rank : layer.axis;
  const c = layer.movingMean!.shape[0]!;
  const gamma = layer.gamma ? b.read(layer.gamma, 'gamma') : new Float32Array(c).fill(1);
  const beta = layer.beta ? b.read(layer.beta, 'beta') : new Float32Array(c);
  const mean = b.read(layer.movingMean, 'moving_mean');
  const variance = b.read(layer.movingVariance, 'moving_variance');
  // ONNX's BatchNormalization normalises axis 1: the features of [batch, features], or the channels
  // of a channels-first value (used where the value is channels-first already, e.g. after a Conv).
  const bnForm: Form | null = rank === 2 && axis === 1 ? 'nhwc' : rank >= 3 && axis === rank - 1 && v.forms.nchw ? 'nchw' : null;
  if (bnForm) {
    const out = b.one(
      'BatchNormalization',
      [
        b.get(v, bnForm),
        b.floats(`${layer.name}/gamma`, [c], gamma),
        b.floats(`${layer.name}/beta`, [c], beta),
        b.floats(`${layer.name}/moving_mean`, [c], mean),
        b.floats(`${layer.name}/moving_variance`, [c], variance),
      ],
      { epsilon: ['f', layer.epsilon] },
    );
    return [b.val(v.shape, 'float32', bnForm, out)];
  }
  // Another axis: y = x·k + (beta − mean·k), k = gamma / √(variance + ε), broadcast along that axis.
  const k = new Float32Array(c);
  const offset = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    k[i] = Math.fround(Math.fround(1 / Math.sqrt(Math.fround(variance[i]! + layer.epsilon))) * gamma[i]!);
    offset[i] = Math.fround(beta[i]! - Math.fround(mean[i]! * k[i]!));
  }
  const dims = v.shape.slice(1).map((_, i) => (i + 1 === axis ? c : 1));
  const y = b.one('Add', [b.one('Mul', [b.get(v, 'nhwc'), b.floats(`${layer.name}/scale`, dims, k)]), b.floats(`${layer.name}/offset`, dims, offset)]);
  return [b.val(v.shape, 'float32', 'nhwc', y)];
}

function layerNorm(b: OnnxBuilder, layer: LayerNormalization, [x]: Val[]): Val[] {
  const v = x!;
  const rank = v.shape.length;
  const axes = (typeof layer.axis === 'number' ? [layer.axis] : layer.axis).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (!trailing) {
    throw new TesseraError(`exportOnnx: layer '${layer.name}' (LayerNormalization) normalises axes [${axes.join(',')}] of a rank-${rank} input; ONNX maps only trailing axes`);
  }
  const dims = axes.map((a) => v.shape[a] as number);
  const size = dims.reduce((p, q) => p * q, 1);
  const xn = b.get(v, 'nhwc');
  let y: string;
  if (b.opset >= 17) {
    const scale = layer.gamma ? b.weight(layer.gamma, 'gamma') : b.floats(`${layer.name}/ones`, dims, new Float32Array(size).fill(1));
    const inputs = [xn, scale];
    if (layer.beta) inputs.push(b.weight(layer.beta, 'beta'));
    y = b.one('LayerNormalization', inputs, { axis: ['i', axes[0]!], epsilon: ['f', layer.epsilon] });
  } else {
    const mean = b.reduce('ReduceMean', xn, axes, true);
    const centred = b.one('Sub', [xn, mean]);
    const variance = b.reduce('ReduceMean', b.one('Mul', [centred, centred]), axes, true);
    y = b.one('Div', [centred, b.one('Sqrt', [b.one('Add', [variance, b.scalar(layer.epsilon)])])]);
    if (layer.gamma) y = b.one('Mul', [y, b.weight(layer.gamma, 'gamma')]);
    if (layer.beta) y = b.one('Add', [y, b.weight(layer.beta, 'beta')]);
  }
  return [b.val(v.shape, 'float32', 'nhwc', y)];
}

function embedding(b: OnnxBuilder, layer: Embedding, [x]: Val[], outShape: SymbolicShape): Val[] {
  const v = x!;
  const out = b.one('Gather', [b.weight(layer.embeddings, 'embeddings'), b.get(v, 'nhwc')], { axis: ['i', 0] });
  return [b.val(outShape, 'float32', 'nhwc', out)];
}

/** ONNX's names of the activations its RNN ops take. */
function rnnActivation(fn: ActivationFn, layer: Layer): { name: string; alpha: number; beta: number } {
  const name = activationName(fn, layer);
  const map: Record<string, { name: string; alpha: number; beta: number }> = {
    tanh: { name: 'Tanh', alpha: 0, beta: 0 },
    sigmoid: { name: 'Sigmoid', alpha: 0, beta: 0 },
    relu: { name: 'Relu', alpha: 0, beta: 0 },
    hard_sigmoid_tfjs: { name: 'HardSigmoid', alpha: 0.2, beta: 0.5 },
  };
  const m = map[name];
  if (!m) throw new TesseraError(`exportOnnx: layer '${layer.name}' (${layer.className}) uses the activation '${name}', which ONNX's ${layer.className === 'SimpleRNN' ? 'RNN' : layer.className} op does not take (tanh, sigmoid, relu, hard_sigmoid_tfjs)`);
  return m;
}

/**
 * SimpleRNN, LSTM and GRU as ONNX's RNN, LSTM and GRU ops (time-major: a Transpose in and out).
 * Keras's gate blocks are i, f, c, o (LSTM) and z, r, h (GRU); ONNX's are i, o, f, c and z, r, h.
 */
function recurrent(b: OnnxBuilder, layer: SimpleRNN | LSTM | GRU, [x]: Val[], outShapes: SymbolicShape[]): Val[] {
  const flags = layer as unknown as { stateful?: boolean };
  if (flags.stateful) {
    throw new TesseraError(`exportOnnx: layer '${layer.name}' (${layer.className}) is stateful: its carried states live in Tessera between calls, which an ONNX graph cannot hold`);
  }
  const op = layer instanceof LSTM ? 'LSTM' : layer instanceof GRU ? 'GRU' : 'RNN';
  const gates = op === 'LSTM' ? 4 : op === 'GRU' ? 3 : 1;
  const order = op === 'LSTM' ? [0, 3, 1, 2] : [0, 1, 2].slice(0, gates);
  const u = layer.units;
  const features = layer.kernel!.shape[0]!;
  const kernel = b.read(layer.kernel, 'kernel');
  const recurrentKernel = b.read(layer.recurrentKernel, 'recurrent_kernel');
  const g = gates * u;
  // W[onnxGate·u + j][f] = kernel[f][kerasGate·u + j]; R likewise from the recurrent kernel.
  const W = new Float32Array(g * features);
  const R = new Float32Array(g * u);
  order.forEach((kg, og) => {
    for (let j = 0; j < u; j++) {
      for (let f = 0; f < features; f++) W[(og * u + j) * features + f] = kernel[f * g + kg * u + j]!;
      for (let k = 0; k < u; k++) R[(og * u + j) * u + k] = recurrentKernel[k * g + kg * u + j]!;
    }
  });
  const inputs = [b.get(x!, 'nhwc'), b.floats(`${layer.name}/W`, [1, g, features], W), b.floats(`${layer.name}/R`, [1, g, u], R)];
  if (layer.bias) {
    const bias = b.read(layer.bias, 'bias');
    const B = new Float32Array(2 * g);
    const resetAfter = layer instanceof GRU && layer.resetAfter;
    order.forEach((kg, og) => {
      for (let j = 0; j < u; j++) {
        B[og * u + j] = bias[kg * u + j]!;
        if (resetAfter) B[g + og * u + j] = bias[g + kg * u + j]!;
      }
    });
    inputs.push(b.floats(`${layer.name}/B`, [1, 2 * g], B));
  }
  // Batch-major to time-major; goBackwards reads the steps from the end (its outputs stay in that order, as Keras's).
  let xs = b.one('Transpose', [inputs[0]!], { perm: ['is', [1, 0, 2]] });
  if (layer.goBackwards) xs = b.one('Slice', [xs, b.ints([-1]), b.ints([INT64_MIN]), b.ints([0]), b.ints([-1])]);
  inputs[0] = xs;
  const acts = op === 'LSTM'
    ? [rnnActivation((layer as LSTM).recurrentActivation, layer), rnnActivation(layer.activation, layer), rnnActivation(layer.activation, layer)]
    : op === 'GRU'
      ? [rnnActivation((layer as GRU).recurrentActivation, layer), rnnActivation(layer.activation, layer)]
      : [rnnActivation(layer.activation, layer)];
  const attrs: Record<string, AttrValue> = { hidden_size: ['i', u], activations: ['ss', acts.map((a) => a.name)] };
  if (acts.some((a) => a.name === 'HardSigmoid')) {
    attrs.activation_alpha = ['fs', acts.map((a) => a.alpha)];
    attrs.activation_beta = ['fs', acts.map((a) => a.beta)];
  }
  if (op === 'GRU') attrs.linear_before_reset = ['i', (layer as GRU).resetAfter ? 1 : 0];
  const wantY = layer.returnSequences;
  const wantC = op === 'LSTM' && layer.returnState;
  const outNames = [wantY ? b.unique(`${layer.name}/Y`) : null, b.unique(`${layer.name}/Y_h`), wantC ? b.unique(`${layer.name}/Y_c`) : null];
  while (outNames[outNames.length - 1] === null) outNames.pop();
  const [y, yh, yc] = b.node(op, inputs, attrs, outNames);
  const squeeze = (name: string, axis: number): string => b.one('Squeeze', [name, b.ints([axis])]);
  const h = squeeze(yh!, 0);
  const first = wantY ? b.one('Transpose', [squeeze(y!, 1)], { perm: ['is', [1, 0, 2]] }) : h;
  const outs = [b.val(outShapes[0]!, 'float32', 'nhwc', first)];
  if (layer.returnState) {
    outs.push(b.val(outShapes[1]!, 'float32', 'nhwc', h));
    if (op === 'LSTM') outs.push(b.val(outShapes[2]!, 'float32', 'nhwc', squeeze(yc!, 0)));
  }
  return outs;
}

function merge(op: 'Add' | 'Sub' | 'Mul' | 'Max' | 'Min', average = false) {
  return (b: OnnxBuilder, layer: Layer, xs: Val[]): Val[] => {
    // Left to right, pairwise, as Tessera reduces (the same float sums).
    let out = b.elementwise(xs, (names) => names.slice(1).reduce((acc, n) => b.one(op, [acc, n]), names[0]!));
    if (average) out = b.elementwise([out], ([n]) => b.one('Mul', [n!, b.scalar(Math.fround(1 / xs.length))]));
    void layer;
    return [out];
  };
}

function concatenate(b: OnnxBuilder, layer: Concatenate, xs: Val[], outShape: SymbolicShape): Val[] {
  const rank = xs[0]!.shape.length;
  const a = layer.axis < 0 ? layer.axis + rank : layer.axis;
  const form: Form = rank >= 3 && xs.every((x) => x.forms.nchw && !x.forms.nhwc) ? 'nchw' : 'nhwc';
  const axis = form === 'nchw' ? (a === rank - 1 ? 1 : a + 1) : a;
  return [b.val(outShape, xs[0]!.dtype, form, b.one('Concat', xs.map((x) => b.get(x, form)), { axis: ['i', axis] }))];
}

function dot(b: OnnxBuilder, layer: Dot, xs: Val[], outShape: SymbolicShape): Val[] {
  let [x, y] = xs.map((v) => b.get(v, 'nhwc')) as [string, string];
  const [rx, ry] = [xs[0]!.shape.length, xs[1]!.shape.length];
  const pair = Array.isArray(layer.axes) ? layer.axes : [layer.axes, layer.axes];
  const a = pair[0]! < 0 ? pair[0]! + rx : pair[0]!;
  const c = pair[1]! < 0 ? pair[1]! + ry : pair[1]!;
  if (layer.normalize) {
    const l2 = (t: string, axis: number): string =>
      b.one('Div', [t, b.one('Sqrt', [b.one('Max', [b.reduce('ReduceSum', b.one('Mul', [t, t]), [axis], true), b.scalar(1e-12)])])]);
    x = l2(x, a);
    y = l2(y, c);
  }
  const xm = rx === 2 ? b.one('Unsqueeze', [x, b.ints([1])]) : a === 2 ? x : b.one('Transpose', [x], { perm: ['is', [0, 2, 1]] });
  const ym = ry === 2 ? b.one('Unsqueeze', [y, b.ints([2])]) : c === 1 ? y : b.one('Transpose', [y], { perm: ['is', [0, 2, 1]] });
  const out = b.reshape(b.one('MatMul', [xm, ym]), outShape.slice(1));
  return [b.val(outShape, 'float32', 'nhwc', out)];
}

const identity = (_b: OnnxBuilder, _layer: Layer, [x]: Val[]): Val[] => [x!];

/** The converter of a layer: exact classes only (a subclass may compute something else). */
function converterFor(layer: Layer): ((b: OnnxBuilder, layer: Layer, inputs: Val[], outShapes: SymbolicShape[]) => Val[]) | null {
  const c = layer.constructor;
  const one = <L>(f: (b: OnnxBuilder, l: L, xs: Val[], out: SymbolicShape) => Val[]) => (b: OnnxBuilder, l: Layer, xs: Val[], outs: SymbolicShape[]) => f(b, l as L, xs, outs[0]!);
  switch (c) {
    case Dense:
      return one(dense);
    case Conv2D:
      return one(conv2d);
    case Conv1D:
      return one(conv1d);
    case DepthwiseConv2D:
      return one(depthwiseConv2d);
    case SeparableConv2D:
      return one(separableConv2d);
    case MaxPooling2D:
    case AveragePooling2D: {
      const l = layer as MaxPooling2D;
      return pool(c === MaxPooling2D ? 'MaxPool' : 'AveragePool', l.poolSize, l.strides, l.padding);
    }
    case MaxPooling1D:
    case AveragePooling1D: {
      const l = layer as MaxPooling1D;
      return pool(c === MaxPooling1D ? 'MaxPool' : 'AveragePool', [l.poolSize], [l.strides], l.padding);
    }
    case GlobalAveragePooling2D:
    case GlobalMaxPooling2D:
    case GlobalAveragePooling1D:
    case GlobalMaxPooling1D:
      return globalPool(c === GlobalAveragePooling2D || c === GlobalAveragePooling1D ? 'GlobalAveragePool' : 'GlobalMaxPool', (layer as GlobalMaxPooling2D).keepDims);
    case Flatten:
      return one(flatten);
    case Reshape:
      return one((b, l: Reshape, [x], out) => [b.val(out, x!.dtype, 'nhwc', b.reshape(b.get(x!, 'nhwc'), l.targetShape))]);
    case Dropout:
    case SpatialDropout2D:
    case GaussianNoise:
      return identity;
    case Activation:
      return one((b, l: Activation, [x]) => {
        const y = b.activate(x!, l.activation, l);
        // An Activation('linear') layer still gives its output a name of its own.
        return [y === x ? b.val(x!.shape, x!.dtype, 'nhwc', b.one('Identity', [b.get(x!, 'nhwc')])) : y];
      });
    case Rescaling:
      return one((b, l: Rescaling, [x]) => [
        b.elementwise([x!], ([n]) => {
          const scaled = b.one('Mul', [n!, b.scalar(l.scale)]);
          return l.offset === 0 ? scaled : b.one('Add', [scaled, b.scalar(l.offset)]);
        }),
      ]);
    case Permute:
      return one((b, l: Permute, [x], out) => [b.val(out, x!.dtype, 'nhwc', b.one('Transpose', [b.get(x!, 'nhwc')], { perm: ['is', [0, ...l.dims]] }))]);
    case RepeatVector:
      return one((b, l: RepeatVector, [x], out) => [
        b.val(out, x!.dtype, 'nhwc', b.one('Tile', [b.one('Unsqueeze', [b.get(x!, 'nhwc'), b.ints([1])]), b.ints([1, l.n, 1])])),
      ]);
    case ZeroPadding2D:
      return one((b, l: ZeroPadding2D, [x], out) => {
        const [[t, bo], [le, r]] = l.padding;
        return [b.val(out, x!.dtype, 'nchw', b.one('Pad', [b.get(x!, 'nchw'), b.ints([0, 0, t, le, 0, 0, bo, r])]))];
      });
    case Cropping2D:
      return one((b, l: Cropping2D, [x], out) => {
        const [[t, bo], [le, r]] = l.cropping;
        const ends = [bo === 0 ? INT64_MAX : BigInt(-bo), r === 0 ? INT64_MAX : BigInt(-r)];
        return [b.val(out, x!.dtype, 'nchw', b.one('Slice', [b.get(x!, 'nchw'), b.ints([t, le]), b.ints(ends), b.ints([2, 3])]))];
      });
    case UpSampling2D:
      return one((b, l: UpSampling2D, [x], out) => {
        if (l.interpolation !== 'nearest') {
          throw new TesseraError(`exportOnnx: layer '${l.name}' (UpSampling2D) uses interpolation '${l.interpolation}'; only 'nearest' is exported (ONNX's Resize rounds bilinear sampling differently)`);
        }
        const scales = b.floats(`${l.name}/scales`, [4], [1, 1, l.size[0], l.size[1]]);
        const y = b.one('Resize', [b.get(x!, 'nchw'), '', scales], { mode: ['s', 'nearest'], nearest_mode: ['s', 'floor'], coordinate_transformation_mode: ['s', 'asymmetric'] });
        return [b.val(out, x!.dtype, 'nchw', y)];
      });
    case BatchNormalization:
      return one(batchNorm);
    case LayerNormalization:
      return one(layerNorm);
    case Embedding:
      return one(embedding);
    case SimpleRNN:
    case LSTM:
    case GRU:
      return (b, l, xs, outs) => recurrent(b, l as LSTM, xs, outs);
    case Add:
      return merge('Add');
    case Subtract:
      return merge('Sub');
    case Multiply:
      return merge('Mul');
    case Average:
      return merge('Add', true);
    case Maximum:
      return merge('Max');
    case Minimum:
      return merge('Min');
    case Concatenate:
      return one(concatenate);
    case Dot:
      return one(dot);
    default:
      return null;
  }
}

/** Refuses what an ONNX graph cannot hold, naming the layer. */
function checkExportable(layer: Layer): void {
  if (layer instanceof Lambda) {
    throw new TesseraError(
      `exportOnnx: layer '${layer.name}' is a Lambda layer: it runs a JavaScript function${layer.fnName ? ` ('${layer.fnName}')` : ''}, which an ONNX graph cannot hold; ` +
        'replace it with built-in layers before exporting',
    );
  }
  const flags = layer as unknown as { maskZero?: boolean };
  if (flags.maskZero === true || layer.className === 'Masking') {
    throw new TesseraError(`exportOnnx: layer '${layer.name}' (${layer.className}) makes a mask; masks are not exported to ONNX (build the model without masking to export it)`);
  }
}

class Exporter {
  constructor(readonly b: OnnxBuilder) {}

  /** Converts the graph of `model` with its inputs bound to `inputs`; returns the values of its outputs. */
  run(model: Model, inputs: Val[]): Val[] {
    const g = model.topology;
    const values = new Map<SymbolicTensor, Val>();
    g.inputs.forEach((t, i) => values.set(t, inputs[i]!));
    for (const node of g.nodes) {
      const layer = node.layer;
      const xs = node.inputs.map((t) => {
        const v = values.get(t);
        if (!v) throw new TesseraError(`exportOnnx: internal error: the input ${t.name} of layer '${layer.name}' has not been converted`);
        return v;
      });
      let outs: Val[];
      if (layer instanceof Model) {
        outs = this.run(layer, xs);
      } else if (layer instanceof InputLayer) {
        outs = xs;
      } else {
        checkExportable(layer);
        const convert = converterFor(layer);
        if (!convert) {
          throw new TesseraError(
            `exportOnnx: layer '${layer.name}' (${layer.className}) has no ONNX mapping; exported layers: ${SUPPORTED.join(', ')}`,
          );
        }
        const saved = this.b.layer;
        this.b.layer = layer;
        try {
          // As Layer.apply: inputs of another dtype are cast to the layer's input dtype first.
          const want = (layer as unknown as { inputDtype: ElemType }).inputDtype;
          const cast = xs.map((v) => (v.dtype === want ? v : this.b.elementwise([v], ([n]) => this.b.one('Cast', [n!], { to: ['i', elemType(want)] }))));
          cast.forEach((v) => (v.dtype = want));
          outs = convert(this.b, layer, cast, node.outputs.map((o) => o.shape));
        } finally {
          this.b.layer = saved;
        }
      }
      node.outputs.forEach((o, i) => {
        const v = outs[i];
        if (!v) throw new TesseraError(`exportOnnx: internal error: layer '${layer.name}' gave ${outs.length} outputs, its call has ${node.outputs.length}`);
        values.set(o, v);
      });
    }
    return g.outputs.map((o) => values.get(o)!);
  }
}

/**
 * Exports a model (functional `Model` or `Sequential`, nested models included) as an ONNX ModelProto:
 * inputs and outputs named as the model's (`inputNames`, `outputNames`), a dynamic batch dimension
 * ('batch'), the model's weights as initializers, in inference form (Dropout and noise layers are
 * the identity, BatchNormalization uses its moving statistics). Inputs stay channels-last (NHWC) as
 * in Tessera. A layer with no ONNX mapping (a Lambda, a custom layer, a custom activation) is an
 * error naming it, and nothing is returned.
 *
 * ```ts
 * const bytes = await exportOnnx(model);                 // opset 17
 * const session = await ort.InferenceSession.create(bytes);
 * ```
 */
export async function exportOnnx(model: Model, options: ExportOnnxOptions = {}): Promise<Uint8Array> {
  if (!(model instanceof Model)) throw new TesseraError(`exportOnnx: expected a Model or Sequential, got ${model === null ? 'null' : typeof model}`);
  if (typeof options !== 'object' || options === null) throw new TesseraError('exportOnnx: options must be an object { opset?, docString? }');
  const unknown = Object.keys(options).filter((k) => k !== 'opset' && k !== 'docString');
  if (unknown.length > 0) throw new TesseraError(`exportOnnx: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (options: opset, docString)`);
  const opset = options.opset ?? DEFAULT_ONNX_OPSET;
  if (!Number.isInteger(opset) || opset < ONNX_OPSETS[0] || opset > ONNX_OPSETS[1]) {
    throw new TesseraError(`exportOnnx: opset must be an integer from ${ONNX_OPSETS[0]} to ${ONNX_OPSETS[1]}, got ${String(opset)}`);
  }
  const graph = model.topology;
  // Every weight is read first (asynchronously, so any backend works); the conversion itself is synchronous.
  const weights = new Map<Tensor, Float32Array>();
  for (const v of model.weights) {
    if (v.dtype !== 'float32') throw new TesseraError(`exportOnnx: weight '${v.name}' is ${v.dtype}; only float32 weights are exported`);
    weights.set(v, (await v.data()) as Float32Array);
  }
  const b = new OnnxBuilder(opset, weights);
  const inputNames = model.inputNames;
  const outputNames = model.outputNames;
  for (const n of [...inputNames, ...outputNames]) b.reserve(n);
  const inputs = graph.inputs.map((t, i) => {
    const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
    return b.val(t.shape, dtype, 'nhwc', inputNames[i]!);
  });
  const outs = new Exporter(b).run(model, inputs);
  const outputInfos = outs.map((v, i) => {
    const name = outputNames[i]!;
    b.layer = null;
    b.node('Identity', [b.get(v, 'nhwc')], {}, [name]);
    return valueInfo(name, graph.outputs[i]!.dtype, graph.outputs[i]!.shape);
  });
  const proto = create(ModelProtoSchema, {
    irVersion: BigInt(IR_VERSION[opset]!),
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opset) })],
    producerName: 'tessera',
    docString: options.docString ?? '',
    graph: create(GraphProtoSchema, {
      name: model.name,
      node: b.nodes,
      initializer: b.initializers,
      input: graph.inputs.map((t, i) => valueInfo(inputNames[i]!, t.dtype, t.shape)),
      output: outputInfos,
    }),
  });
  return toBinary(ModelProtoSchema, proto);
}
