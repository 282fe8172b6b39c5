// Imports models saved by TensorFlow.js's Layers API (`model.save`, or the converter's
// `tfjs_layers_model` output): model.json (a Keras topology in snake_case plus a weights manifest)
// and its binary weight shards. Every layer class and option is mapped explicitly: what Tessera
// cannot reproduce exactly is an error naming the file, the layer and the option, never a quietly
// different model. Browser-safe: files come over fetch, from memory, or (Node) from a directory
// through the reader the Node entry registers.
import { TesseraError, tensor, type Tensor, type Variable } from '@tessera/core';
import {
  Activation, Add, Average, AveragePooling1D, AveragePooling2D, BatchNormalization, Concatenate, Conv1D, Conv2D, Conv2DTranspose, Cropping2D,
  DepthwiseConv2D, Dense, Dot, Dropout, Embedding, Flatten, GRU, GaussianNoise, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
  GlobalMaxPooling2D, LSTM, Layer, LayerNormalization, MaxPooling1D, MaxPooling2D, Maximum, Minimum, Multiply, Permute, RepeatVector, Rescaling,
  Reshape, SeparableConv2D, SimpleRNN, Subtract, SymbolicTensor, UpSampling2D, ZeroPadding2D, input, type SymbolicShape,
} from '@tessera/layers';
import { ITERATIONS_WEIGHT, train, type Optimizer } from '@tessera/optimizers';
import { allLayers } from './io.js';
import { float16 } from './safetensors.js';
import { Model } from './model.js';
import { Sequential } from './sequential.js';

// ------------------------------------------------------------------ the format

/** One entry of a weights manifest (TF.js's `WeightsManifestEntry`). */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  /** TF.js puts optimizer state in the group 'optimizer'. */
  group?: string;
  /** Weights quantized by the converter: uint8/uint16 (value = q·scale + min) or float16. */
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

/** A group of weights stored in consecutive shards (`paths`, relative to model.json). */
export interface TfjsWeightsGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

/** The parsed model.json of a TF.js Layers model. */
export interface TfjsModelJSON {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest?: TfjsWeightsGroup[];
  trainingConfig?: unknown;
  [key: string]: unknown;
}

/**
 * What `loadTfjsModel` reads:
 * - a string: an http(s) URL of model.json (a relative URL in a page), or in Node a directory
 *   holding model.json (or the path of model.json itself, or `file://…`);
 * - `{ modelJSON, weightData }`: the parsed (or text) model.json with its weightsManifest, and its
 *   shards concatenated in manifest order (one ArrayBuffer, or one per shard);
 * - `{ modelJSON, weightSpecs, weightData }`: the same with the weight list given apart;
 * - what TF.js's `io.withSaveHandler` receives: `{ modelTopology, weightSpecs, weightData, trainingConfig? }`.
 */
export type TfjsModelSource =
  | string
  | { modelJSON: TfjsModelJSON | string; weightData: ArrayBuffer | ArrayBuffer[] | Uint8Array; weightSpecs?: TfjsWeightSpec[] }
  | { modelTopology: unknown; weightSpecs: TfjsWeightSpec[]; weightData: ArrayBuffer | ArrayBuffer[] | Uint8Array; trainingConfig?: unknown; format?: string };

export interface LoadTfjsOptions {
  /**
   * Compile with the model's training config (optimizer, loss, metrics) and restore Adam's state
   * when the file has them (default true). false loads topology and weights only (enough to predict).
   */
  compile?: boolean;
  /** The fetch to use for URLs (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
  /** Passed to every `fetch` (headers, credentials, ...). */
  requestInit?: RequestInit;
}

/** Reads a model.json and the shards beside it (a directory, in Node). */
export interface TfjsFiles {
  /** Where model.json is, for messages. */
  where: string;
  readModelJSON(): Promise<string>;
  /** A shard by its path relative to model.json; a missing file is an error naming it. */
  readShard(path: string): Promise<ArrayBuffer>;
}

export type TfjsPathReader = (path: string) => TfjsFiles;

let pathReader: TfjsPathReader | null = null;

/** Lets `loadTfjsModel` take a directory path: installed by the Node entry, which has a file system. */
export function registerTfjsPathReader(reader: TfjsPathReader): void {
  pathReader = reader;
}

const OP = 'loadTfjsModel';

function fail(where: string, message: string): TesseraError {
  return new TesseraError(`${OP}: ${where}: ${message}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? 'nothing' : (JSON.stringify(v) ?? String(v)).slice(0, 80));

// ------------------------------------------------------------------ sources

function fetchFiles(url: string, options: LoadTfjsOptions): TfjsFiles {
  const base = new URL(url, globalThis.location?.href ?? 'http://localhost/');
  const get = async (u: string, what: string): Promise<Response> => {
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TesseraError(`${OP}('${url}'): this platform has no fetch`);
    let r: Response;
    try {
      r = await f(u, options.requestInit);
    } catch (e) {
      throw new TesseraError(`${OP}: fetching ${what} from ${u} failed: ${(e as Error).message}`);
    }
    if (!r.ok) throw new TesseraError(`${OP}: fetching ${what} from ${u} answered HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`);
    return r;
  };
  return {
    where: base.href,
    readModelJSON: async () => (await get(base.href, 'model.json')).text(),
    readShard: async (path) => (await get(new URL(path, base).href, `the weights shard '${path}'`)).arrayBuffer(),
  };
}

function filesFor(source: string, options: LoadTfjsOptions): TfjsFiles {
  if (/^https?:\/\//.test(source) || (globalThis.location !== undefined && !/^[a-z]+:\/\//.test(source))) return fetchFiles(source, options);
  if (!pathReader) {
    throw new TesseraError(
      `${OP}('${source}'): a path needs a file system, which this build of @tessera/models does not have (the browser entry): ` +
        "pass a URL, or { modelJSON, weightData }; in Node, @tessera/models resolves to its Node entry by itself (a bundle made for browsers does not: import '@tessera/models/node')",
    );
  }
  return pathReader(source.replace(/^file:\/\//, ''));
}

function parseJSON(text: string, where: string): TfjsModelJSON {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw fail(where, `model.json is not JSON (${(e as Error).message})`);
  }
  if (!isObject(j)) throw fail(where, `model.json must hold an object, got ${show(j)}`);
  return j as TfjsModelJSON;
}

/** Refuses what is not a TF.js Layers model before anything is read or built. */
function checkLayersModel(j: TfjsModelJSON, where: string): void {
  const topology = j.modelTopology as Record<string, unknown> | undefined;
  if (j.format === 'graph-model' || (isObject(topology) && Array.isArray(topology['node']))) {
    throw fail(
      where,
      "this is a TF.js graph model (format 'graph-model', a TensorFlow graph from the converter), not a Layers model; only Layers models import: " +
        'convert the Keras model with `tensorflowjs_converter --output_format=tfjs_layers_model`, or save it from TF.js with model.save',
    );
  }
  if (j.format !== undefined && j.format !== 'layers-model') throw fail(where, `format is ${show(j.format)}, expected 'layers-model'`);
  if (!isObject(topology)) throw fail(where, `'modelTopology' must be an object (a Keras model config), got ${show(topology)}`);
}

interface Loaded {
  json: TfjsModelJSON;
  specs: TfjsWeightSpec[];
  data: Uint8Array;
  where: string;
}

function bytesOf(where: string, data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (data instanceof Uint8Array) return data;
  if (Array.isArray(data) && data.every((d) => d instanceof ArrayBuffer)) return concatBytes(data.map((d) => new Uint8Array(d)));
  throw fail(where, `weightData must be an ArrayBuffer (or a list of them, or a Uint8Array), got ${data === null ? 'null' : typeof data}`);
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

function manifestOf(j: TfjsModelJSON, where: string): TfjsWeightsGroup[] {
  const m = j.weightsManifest;
  if (!Array.isArray(m)) throw fail(where, `'weightsManifest' must be a list of { paths, weights } groups, got ${show(m)}`);
  m.forEach((g: Partial<TfjsWeightsGroup>, i) => {
    if (!isObject(g) || !Array.isArray(g.paths) || !g.paths.every((p) => typeof p === 'string') || !Array.isArray(g.weights)) {
      throw fail(where, `weightsManifest[${i}] must be { paths: string[], weights: [...] }, got ${show(g)}`);
    }
  });
  return m;
}

async function readSource(source: TfjsModelSource, options: LoadTfjsOptions): Promise<Loaded> {
  if (typeof source === 'string') {
    const files = filesFor(source, options);
    const where = files.where;
    const json = parseJSON(await files.readModelJSON(), where);
    checkLayersModel(json, where);
    const groups = manifestOf(json, where);
    const parts: Uint8Array[] = [];
    for (const [gi, g] of groups.entries()) {
      const shards: Uint8Array[] = [];
      for (const p of g.paths) shards.push(new Uint8Array(await files.readShard(p)));
      const got = shards.reduce((s, b) => s + b.byteLength, 0);
      const expected = g.weights.reduce((s, w) => s + specBytes(w, where), 0);
      if (got !== expected) {
        throw fail(
          where,
          `weights group ${gi} (shards ${g.paths.map((p) => `'${p}'`).join(', ')}) holds ${got} bytes, its ${g.weights.length} weights need ${expected}` +
            (got < expected ? ': a shard is short (truncated download or copy?)' : ': the shards are longer than the manifest says'),
        );
      }
      parts.push(...shards);
    }
    return { json, specs: groups.flatMap((g) => g.weights), data: concatBytes(parts), where };
  }
  if (!isObject(source)) throw new TesseraError(`${OP}: expected a URL, a directory, { modelJSON, weightData } or TF.js model artifacts, got ${show(source)}`);
  const where = 'the given model';
  let json: TfjsModelJSON;
  let specs: TfjsWeightSpec[];
  if ('modelJSON' in source) {
    json = typeof source.modelJSON === 'string' ? parseJSON(source.modelJSON, where) : source.modelJSON;
    if (!isObject(json)) throw fail(where, `modelJSON must be the parsed model.json, got ${show(json)}`);
    checkLayersModel(json, where);
    specs = source.weightSpecs ?? manifestOf(json, where).flatMap((g) => g.weights);
  } else if ('modelTopology' in source) {
    json = { modelTopology: source.modelTopology, trainingConfig: source.trainingConfig, ...(source.format === undefined ? {} : { format: source.format }) };
    checkLayersModel(json, where);
    specs = source.weightSpecs;
  } else {
    throw fail(where, `expected { modelJSON, weightData } or { modelTopology, weightSpecs, weightData }, got an object with ${Object.keys(source).join(', ') || 'no keys'}`);
  }
  if (!Array.isArray(specs)) throw fail(where, `weightSpecs must be a list, got ${show(specs)}`);
  const data = bytesOf(where, source.weightData);
  const expected = specs.reduce((s, w) => s + specBytes(w, where), 0);
  if (data.byteLength !== expected) {
    throw fail(where, `weightData has ${data.byteLength} bytes, the ${specs.length} weights of the manifest need ${expected}${data.byteLength < expected ? ' (truncated?)' : ''}`);
  }
  return { json, specs, data, where };
}

// ------------------------------------------------------------------ weights

const VALUE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function specBytes(w: TfjsWeightSpec, where: string): number {
  if (!isObject(w) || typeof w.name !== 'string') throw fail(where, `a weights manifest entry must be { name, shape, dtype }, got ${show(w)}`);
  if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(where, `weight '${w.name}': shape must be a list of non-negative integers, got ${show(w.shape)}`);
  }
  const stored = w.quantization ? w.quantization.dtype : w.dtype;
  if (!['float32', 'int32', 'bool'].includes(w.dtype)) throw fail(where, `weight '${w.name}' has dtype ${show(w.dtype)}; a Layers model's weights are float32 or int32`);
  const size = VALUE_BYTES[stored];
  if (size === undefined || (w.quantization && !['uint8', 'uint16', 'float16'].includes(stored))) {
    throw fail(where, `weight '${w.name}' is quantized as ${show(stored)}; supported quantizations are uint8, uint16 and float16`);
  }
  return w.shape.reduce((p, d) => p * d, 1) * size;
}

interface WeightRecord {
  spec: TfjsWeightSpec;
  values: Float32Array | Int32Array;
  used: boolean;
}

function decodeWeights(specs: TfjsWeightSpec[], data: Uint8Array, where: string): Map<string, WeightRecord> {
  const out = new Map<string, WeightRecord>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let o = 0;
  for (const spec of specs) {
    const bytes = specBytes(spec, where);
    const n = spec.shape.reduce((p, d) => p * d, 1);
    const q = spec.quantization;
    const integer = spec.dtype === 'int32' || spec.dtype === 'bool';
    const values = integer ? new Int32Array(n) : new Float32Array(n);
    if (q) {
      if (q.dtype !== 'float16' && (typeof q.scale !== 'number' || typeof q.min !== 'number')) {
        throw fail(where, `weight '${spec.name}' is quantized as ${q.dtype} without its scale and min`);
      }
      for (let i = 0; i < n; i++) {
        if (q.dtype === 'float16') values[i] = float16(view.getUint16(o + 2 * i, true));
        else {
          const v = q.dtype === 'uint8' ? view.getUint8(o + i) : view.getUint16(o + 2 * i, true);
          values[i] = integer ? Math.round(v * q.scale! + q.min!) : v * q.scale! + q.min!;
        }
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (spec.dtype === 'float32') values[i] = view.getFloat32(o + 4 * i, true);
        else if (spec.dtype === 'int32') values[i] = view.getInt32(o + 4 * i, true);
        else values[i] = view.getUint8(o + i);
      }
    }
    o += bytes;
    const key = spec.group === 'optimizer' ? `optimizer:${spec.name}` : spec.name;
    if (out.has(key)) throw fail(where, `the weights manifest lists '${spec.name}' twice`);
    out.set(key, { spec, values, used: false });
  }
  return out;
}

/** The name of a Tessera weight inside its layer: 'dense/kernel' → 'kernel' (a live-name suffix `_1` dropped). */
function shortName(layer: Layer, v: Variable): string {
  return v.name.slice(layer.name.length + 1).replace(/_\d+$/, '');
}

/**
 * The file's entry for a layer's weight: `<layer>/<weight>` (TF.js), else the one entry under
 * `<layer>/…/<weight>` (Keras's converter nests RNN weights under their cell).
 */
function findWeight(weights: Map<string, WeightRecord>, layer: Layer, tesseraName: string): WeightRecord | undefined {
  // Keras 2 and TF.js call DepthwiseConv2D's kernel depthwise_kernel (Keras 3 and Tessera: kernel).
  const short = layer.className === 'DepthwiseConv2D' && tesseraName === 'kernel' ? 'depthwise_kernel' : tesseraName;
  const exact = weights.get(`${layer.name}/${short}`) ?? weights.get(`${layer.name}/${short}:0`);
  if (exact) return exact;
  const nested = [...weights.entries()].filter(
    ([k, r]) => !k.startsWith('optimizer:') && (k.startsWith(`${layer.name}/`) && (r.spec.name.endsWith(`/${short}`) || r.spec.name.endsWith(`/${short}:0`))),
  );
  return nested.length === 1 ? nested[0]![1] : undefined;
}

function setWeightsFromFile(model: Model, weights: Map<string, WeightRecord>, where: string): void {
  for (const layer of allLayers(model)) {
    if (layer instanceof Model) continue;
    const vars = layer.weights;
    if (vars.length === 0) continue;
    const values: Tensor[] = [];
    try {
      for (const v of vars) {
        const r = findWeight(weights, layer, shortName(layer, v));
        const short = layer.className === 'DepthwiseConv2D' && shortName(layer, v) === 'kernel' ? 'depthwise_kernel' : shortName(layer, v);
        if (!r) {
          const present = [...weights.keys()].filter((k) => k.startsWith(`${layer.name}/`));
          throw fail(
            where,
            `layer '${layer.name}' (${layer.className}) needs the weight '${layer.name}/${short}' ${fmt(v.shape)}, which the weights manifest does not have` +
              (present.length ? ` (it has ${present.map((k) => `'${k}'`).join(', ')} for this layer)` : ''),
          );
        }
        if (r.spec.shape.length !== v.shape.length || r.spec.shape.some((d, i) => d !== v.shape[i])) {
          throw fail(where, `weight '${r.spec.name}' has shape ${fmt(r.spec.shape)} in the file, but layer '${layer.name}' (${layer.className}) needs ${fmt(v.shape)} for its ${short}`);
        }
        r.used = true;
        values.push(tensor(r.values, r.spec.shape, r.spec.dtype === 'float32' ? 'float32' : 'int32'));
      }
      layer.setWeights(values);
    } finally {
      values.forEach((t) => t.dispose());
    }
  }
  const unused = [...weights.entries()].filter(([k, r]) => !r.used && !k.startsWith('optimizer:'));
  if (unused.length > 0) {
    throw fail(where, `the weights manifest has ${unused.map(([, r]) => `'${r.spec.name}' ${fmt(r.spec.shape)}`).join(', ')}, which no layer of the model has`);
  }
}

function fmt(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

// ------------------------------------------------------------------ layer configs

/** What a converter knows of where its layer sits. */
interface Ctx {
  where: string;
  /** The shapes of the layer's first call (null for a Sequential's first layer without a known input). */
  inputShapes: SymbolicShape[] | null;
  kerasVersion: string;
}

/** Reads one layer's snake_case config, remembering what was read: every key must be read or the layer is refused. */
class Config {
  private readonly seen = new Set<string>();
  readonly name: string;

  constructor(readonly className: string, readonly raw: Record<string, unknown>, readonly ctx: Ctx) {
    this.name = typeof raw['name'] === 'string' ? raw['name'] : '(unnamed)';
  }

  error(message: string): TesseraError {
    return fail(this.ctx.where, `layer '${this.name}' (${this.className}): ${message}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  get(key: string): unknown {
    this.seen.add(key);
    return this.raw[key];
  }

  /** An option whose value Tessera cannot honour unless it is one of `allowed` (absent counts as the first). */
  fixed(key: string, allowed: unknown[], why: string): void {
    const v = this.get(key);
    if (v === undefined) return;
    if (!allowed.some((a) => a === v)) throw this.error(`option '${key}' = ${show(v)} is not supported (${why})`);
  }

  /** Options that do not change what the layer computes (implementation hints, informational sizes). */
  ignore(...keys: string[]): void {
    for (const k of keys) this.seen.add(k);
  }

  /** Every key must have been read: an option nobody mapped would otherwise be dropped. */
  finish(): void {
    const rest = Object.keys(this.raw).filter((k) => !this.seen.has(k));
    if (rest.length > 0) {
      throw this.error(`option ${rest.map((k) => `'${k}' = ${show(this.raw[k])}`).join(', ')} is not supported by Tessera's importer (the layer would compute something else)`);
    }
  }
}

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** TF.js serialises activations by snake_case name; TF.js's hard_sigmoid is clip(0.2x + 0.5, 0, 1). */
const ACTIVATIONS: Record<string, string> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', elu: 'elu', selu: 'selu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax',
  softplus: 'softplus', swish: 'swish', silu: 'swish', gelu: 'gelu', leaky_relu: 'leaky_relu',
  hard_sigmoid: 'hard_sigmoid_tfjs', hardSigmoid: 'hard_sigmoid_tfjs',
};

function activation(c: Config, key: string): string | undefined {
  const v = c.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw c.error(`option '${key}' = ${show(v)}: expected an activation name`);
  if ((v === 'hard_sigmoid' || v === 'hardSigmoid') && c.ctx.kerasVersion.startsWith('3')) {
    throw c.error(`option '${key}': Keras 3's hard_sigmoid (x/6 + 0.5) is not supported (Tessera has TF.js's and Keras 2's clip(0.2x + 0.5, 0, 1))`);
  }
  const name = ACTIVATIONS[v];
  if (!name) throw c.error(`option '${key}': the activation '${v}' is not supported (supported: ${Object.keys(ACTIVATIONS).join(', ')})`);
  return name;
}

const INITIALIZERS = [
  'Zeros', 'Ones', 'Constant', 'RandomNormal', 'RandomUniform', 'TruncatedNormal', 'VarianceScaling', 'GlorotUniform', 'GlorotNormal', 'HeNormal',
  'HeUniform', 'LeCunNormal', 'LeCunUniform', 'LecunNormal', 'LecunUniform', 'Orthogonal',
];

function nested(c: Config, key: string, kind: string, known: string[]): { className: string; config: Record<string, unknown> } | undefined {
  const v = c.get(key);
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || typeof v['class_name'] !== 'string') throw c.error(`option '${key}' = ${show(v)}: expected { class_name, config }`);
  const className = v['class_name'];
  if (!known.includes(className)) throw c.error(`option '${key}': the ${kind} '${className}' is not supported (supported: ${known.join(', ')})`);
  const raw = v['config'] ?? {};
  if (!isObject(raw)) throw c.error(`option '${key}': the config of ${className} must be an object`);
  // A null seed means "unseeded"; Tessera's initializers leave `seed` out for that.
  const config = Object.fromEntries(Object.entries(raw).filter(([k, x]) => !(k === 'seed' && x === null)).map(([k, x]) => [camel(k), x]));
  return { className, config };
}

const initializer = (c: Config, key: string): ReturnType<typeof nested> => nested(c, key, 'initializer', INITIALIZERS);
const regularizer = (c: Config, key: string): ReturnType<typeof nested> => nested(c, key, 'regularizer', ['L1L2', 'L1', 'L2']);

function noConstraints(c: Config, ...keys: string[]): void {
  for (const k of keys) c.fixed(k, [null], 'Tessera has no weight constraints; training would not project the weights');
}

/** Options every layer has; `batch_input_shape` is used by the model builders. */
function base(c: Config): Record<string, unknown> {
  c.ignore('batch_input_shape', 'batch_size');
  c.fixed('dtype', ['float32', null], 'Tessera layers compute in float32');
  const args: Record<string, unknown> = { name: c.get('name') };
  const trainable = c.get('trainable');
  if (trainable !== undefined && trainable !== null) args['trainable'] = trainable;
  return args;
}

/** Options copied as they are (snake_case → camelCase), when given. */
function copy(c: Config, args: Record<string, unknown>, ...keys: string[]): void {
  for (const k of keys) {
    const v = c.get(k);
    if (v !== undefined && v !== null) args[camel(k)] = v;
  }
}

function kinds(c: Config, args: Record<string, unknown>, spec: { act?: string[]; init?: string[]; reg?: string[] }): void {
  for (const k of spec.act ?? []) {
    const v = activation(c, k);
    if (v !== undefined) args[camel(k)] = v;
  }
  for (const k of spec.init ?? []) {
    const v = initializer(c, k);
    if (v !== undefined) args[camel(k)] = v;
  }
  for (const k of spec.reg ?? []) {
    const v = regularizer(c, k);
    if (v !== undefined) args[camel(k)] = v;
  }
}

const channelsLast = (c: Config): void => c.fixed('data_format', ['channels_last', null], "Tessera's layers are channels-last (NHWC)");
const noActivityRegularizer = (c: Config): void => c.fixed('activity_regularizer', [null], 'Tessera has no activity regularizers');

function conv(c: Config, extra: string[], init: string[], reg: string[]): Record<string, unknown> {
  const args = base(c);
  copy(c, args, 'kernel_size', 'strides', 'padding', 'dilation_rate', 'use_bias', ...extra);
  channelsLast(c);
  c.fixed('groups', [1], 'grouped convolutions are not supported');
  kinds(c, args, { act: ['activation'], init: [...init, 'bias_initializer'], reg: [...reg, 'bias_regularizer'] });
  noActivityRegularizer(c);
  noConstraints(c, ...init.map((k) => k.replace('_initializer', '_constraint')), 'bias_constraint');
  return args;
}

function rnn(c: Config, gated: boolean): Record<string, unknown> {
  const args = base(c);
  copy(c, args, 'units', 'use_bias', 'return_sequences', 'return_state', 'go_backwards');
  kinds(c, args, {
    act: gated ? ['activation', 'recurrent_activation'] : ['activation'],
    init: ['kernel_initializer', 'recurrent_initializer', 'bias_initializer'],
    reg: ['kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer'],
  });
  noActivityRegularizer(c);
  noConstraints(c, 'kernel_constraint', 'recurrent_constraint', 'bias_constraint');
  c.fixed('dropout', [0, null], 'dropout inside recurrent layers is not supported');
  c.fixed('recurrent_dropout', [0, null], 'dropout inside recurrent layers is not supported');
  c.fixed('stateful', [false, null], 'stateful recurrent layers are not supported');
  c.fixed('time_major', [false, null], 'inputs are [batch, time, features]');
  // How the steps are computed, not what: TF.js itself ignores both.
  c.ignore('implementation', 'unroll');
  return args;
}

function pooling(c: Config): Record<string, unknown> {
  const args = base(c);
  copy(c, args, 'pool_size', 'strides', 'padding');
  channelsLast(c);
  return args;
}

function globalPooling(c: Config): Record<string, unknown> {
  const args = base(c);
  channelsLast(c);
  const keep = c.get('keepdims');
  if (keep !== undefined && keep !== null) args['keepDims'] = keep;
  return args;
}

type Converter = (c: Config) => Layer;

function asActivation(c: Config, name: string): Layer {
  return new Activation({ name: c.name, ...(c.raw['trainable'] === false ? { trainable: false } : {}), activation: name });
}

/** TF.js/Keras class name → the Tessera layer it becomes. */
const CONVERTERS: Record<string, Converter> = {
  Dense: (c) => {
    const args = base(c);
    copy(c, args, 'units', 'use_bias');
    kinds(c, args, { act: ['activation'], init: ['kernel_initializer', 'bias_initializer'], reg: ['kernel_regularizer', 'bias_regularizer'] });
    noActivityRegularizer(c);
    noConstraints(c, 'kernel_constraint', 'bias_constraint');
    return new Dense(args as never);
  },
  Conv2D: (c) => new Conv2D(conv(c, ['filters'], ['kernel_initializer'], ['kernel_regularizer']) as never),
  Conv1D: (c) => new Conv1D(conv(c, ['filters'], ['kernel_initializer'], ['kernel_regularizer']) as never),
  Conv2DTranspose: (c) => new Conv2DTranspose(conv(c, ['filters', 'output_padding'], ['kernel_initializer'], ['kernel_regularizer']) as never),
  DepthwiseConv2D: (c) => new DepthwiseConv2D(conv(c, ['depth_multiplier'], ['depthwise_initializer'], ['depthwise_regularizer']) as never),
  SeparableConv2D: (c) =>
    new SeparableConv2D(conv(c, ['filters', 'depth_multiplier'], ['depthwise_initializer', 'pointwise_initializer'], ['depthwise_regularizer', 'pointwise_regularizer']) as never),
  MaxPooling2D: (c) => new MaxPooling2D(pooling(c) as never),
  AveragePooling2D: (c) => new AveragePooling2D(pooling(c) as never),
  MaxPooling1D: (c) => new MaxPooling1D(pooling(c) as never),
  AveragePooling1D: (c) => new AveragePooling1D(pooling(c) as never),
  GlobalMaxPooling2D: (c) => new GlobalMaxPooling2D(globalPooling(c) as never),
  GlobalAveragePooling2D: (c) => new GlobalAveragePooling2D(globalPooling(c) as never),
  GlobalMaxPooling1D: (c) => new GlobalMaxPooling1D(globalPooling(c) as never),
  GlobalAveragePooling1D: (c) => new GlobalAveragePooling1D(globalPooling(c) as never),
  Flatten: (c) => {
    const args = base(c);
    channelsLast(c);
    return new Flatten(args);
  },
  Dropout: (c) => {
    const args = base(c);
    copy(c, args, 'rate', 'seed');
    c.fixed('noise_shape', [null], 'Tessera drops every element independently');
    return new Dropout(args as never);
  },
  GaussianNoise: (c) => {
    const args = base(c);
    copy(c, args, 'stddev', 'seed');
    return new GaussianNoise(args as never);
  },
  Activation: (c) => {
    const args = base(c);
    const name = activation(c, 'activation');
    if (name === undefined) throw c.error("option 'activation' is missing");
    return new Activation({ ...args, activation: name });
  },
  ReLU: (c) => {
    base(c);
    const max = c.get('max_value');
    c.fixed('negative_slope', [0], 'only the plain ReLU is supported');
    c.fixed('threshold', [0], 'only the plain ReLU is supported');
    if (max !== undefined && max !== null && max !== 6) throw c.error(`option 'max_value' = ${show(max)} is not supported (Tessera has relu and relu6)`);
    return asActivation(c, max === 6 ? 'relu6' : 'relu');
  },
  ELU: (c) => {
    base(c);
    c.fixed('alpha', [1], "Tessera's elu has alpha 1");
    return asActivation(c, 'elu');
  },
  Softmax: (c) => {
    base(c);
    const axis = c.get('axis') ?? -1;
    const rank = c.ctx.inputShapes?.[0]?.length;
    const last = axis === -1 || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === (rank ?? 0) - 1)) || axis === (rank ?? 0) - 1;
    if (!last) throw c.error(`option 'axis' = ${show(axis)} is not supported for inputs of rank ${rank ?? '?'} (Tessera's softmax runs over the last axis)`);
    return asActivation(c, 'softmax');
  },
  Reshape: (c) => {
    const args = base(c);
    const target = c.get('target_shape');
    if (!Array.isArray(target)) throw c.error(`option 'target_shape' = ${show(target)}: expected a list`);
    // TF.js writes the free dimension (-1) as null.
    return new Reshape({ ...args, targetShape: target.map((d) => (d === null ? -1 : d)) as number[] });
  },
  Permute: (c) => {
    const args = base(c);
    copy(c, args, 'dims');
    return new Permute(args as never);
  },
  RepeatVector: (c) => {
    const args = base(c);
    copy(c, args, 'n');
    return new RepeatVector(args as never);
  },
  ZeroPadding2D: (c) => {
    const args = base(c);
    copy(c, args, 'padding');
    channelsLast(c);
    return new ZeroPadding2D(args as never);
  },
  Cropping2D: (c) => {
    const args = base(c);
    copy(c, args, 'cropping');
    channelsLast(c);
    return new Cropping2D(args as never);
  },
  UpSampling2D: (c) => {
    const args = base(c);
    copy(c, args, 'size', 'interpolation');
    channelsLast(c);
    return new UpSampling2D(args as never);
  },
  Rescaling: (c) => {
    const args = base(c);
    copy(c, args, 'scale', 'offset');
    return new Rescaling(args as never);
  },
  BatchNormalization: (c) => {
    const args = base(c);
    const axis = c.get('axis');
    if (Array.isArray(axis)) {
      if (axis.length !== 1) throw c.error(`option 'axis' = ${show(axis)} is not supported (one feature axis)`);
      args['axis'] = axis[0];
    } else if (axis !== undefined && axis !== null) args['axis'] = axis;
    copy(c, args, 'momentum', 'epsilon', 'center', 'scale');
    kinds(c, args, {
      init: ['beta_initializer', 'gamma_initializer', 'moving_mean_initializer', 'moving_variance_initializer'],
      reg: ['beta_regularizer', 'gamma_regularizer'],
    });
    noConstraints(c, 'beta_constraint', 'gamma_constraint');
    c.fixed('renorm', [false], 'batch renormalization is not supported');
    c.fixed('virtual_batch_size', [null], 'virtual batches are not supported');
    c.fixed('adjustment', [null], 'adjustment functions are not supported');
    c.fixed('synchronized', [false], 'synchronized batch statistics are not supported');
    c.ignore('fused', 'renorm_clipping', 'renorm_momentum');
    return new BatchNormalization(args as never);
  },
  LayerNormalization: (c) => {
    const args = base(c);
    copy(c, args, 'axis', 'epsilon', 'center', 'scale');
    kinds(c, args, { init: ['beta_initializer', 'gamma_initializer'], reg: ['beta_regularizer', 'gamma_regularizer'] });
    noConstraints(c, 'beta_constraint', 'gamma_constraint');
    c.fixed('rms_scaling', [false], 'RMS normalization is not supported');
    return new LayerNormalization(args as never);
  },
  Embedding: (c) => {
    const args = base(c);
    copy(c, args, 'input_dim', 'output_dim');
    kinds(c, args, { init: ['embeddings_initializer'], reg: ['embeddings_regularizer'] });
    noActivityRegularizer(c);
    noConstraints(c, 'embeddings_constraint');
    c.fixed('mask_zero', [false, null], 'masking is not supported');
    // The sequence length only informs the input shape, which the model carries.
    c.ignore('input_length');
    return new Embedding(args as never);
  },
  SimpleRNN: (c) => new SimpleRNN(rnn(c, false) as never),
  LSTM: (c) => {
    const args = rnn(c, true);
    copy(c, args, 'unit_forget_bias');
    return new LSTM(args as never);
  },
  GRU: (c) => {
    const args = rnn(c, true);
    copy(c, args, 'reset_after');
    // TF.js's GRU has only reset_after=false (and writes it); Keras writes it since it made true the
    // default (2.3); older files without it mean false.
    args['resetAfter'] ??= false;
    return new GRU(args as never);
  },
  Add: (c) => new Add(base(c)),
  Subtract: (c) => new Subtract(base(c)),
  Multiply: (c) => new Multiply(base(c)),
  Average: (c) => new Average(base(c)),
  Maximum: (c) => new Maximum(base(c)),
  Minimum: (c) => new Minimum(base(c)),
  Concatenate: (c) => {
    const args = base(c);
    copy(c, args, 'axis');
    return new Concatenate(args as never);
  },
  Dot: (c) => {
    const args = base(c);
    copy(c, args, 'axes', 'normalize');
    return new Dot(args as never);
  },
};

/** TF.js and Keras names of the layer classes that import. */
export const TFJS_LAYER_CLASSES: readonly string[] = /* @__PURE__ */ Object.freeze(['InputLayer', ...Object.keys(CONVERTERS), 'Sequential', 'Model', 'Functional']);

const MODEL_CLASSES = ['Sequential', 'Model', 'Functional'];

function layerConfig(lc: unknown, where: string, what: string): { className: string; config: Record<string, unknown> } {
  if (!isObject(lc) || typeof lc['class_name'] !== 'string') throw fail(where, `${what} must be { class_name, config }, got ${show(lc)}`);
  const config = lc['config'];
  if (!isObject(config) && !(MODEL_CLASSES.includes(lc['class_name']) && Array.isArray(config))) {
    throw fail(where, `${what} ('${lc['class_name']}') has no config object, got ${show(config)}`);
  }
  return { className: lc['class_name'], config: config as Record<string, unknown> };
}

function convertLayer(className: string, raw: Record<string, unknown>, ctx: Ctx): Layer {
  const c = new Config(className, raw, ctx);
  const convert = CONVERTERS[className];
  if (!convert) {
    throw c.error(`the layer class '${className}' is not supported (supported: ${TFJS_LAYER_CLASSES.join(', ')})`);
  }
  let layer: Layer;
  try {
    layer = convert(c);
  } catch (e) {
    if ((e as Error).message.startsWith(`${OP}:`)) throw e;
    throw c.error((e as Error).message);
  }
  try {
    c.finish();
  } catch (e) {
    layer.dispose();
    throw e;
  }
  return layer;
}

function shapeOf(c: Record<string, unknown>, key: string, where: string, what: string): SymbolicShape | null {
  const v = c[key];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || !v.every((d) => d === null || (Number.isSafeInteger(d) && d >= 0))) throw fail(where, `${what}: '${key}' must be a list of sizes or nulls, got ${show(v)}`);
  return v as SymbolicShape;
}

function inputFromConfig(raw: Record<string, unknown>, ctx: Ctx): SymbolicTensor {
  const c = new Config('InputLayer', raw, ctx);
  c.get('name');
  const shape = shapeOf(raw, 'batch_input_shape', ctx.where, `layer '${c.name}' (InputLayer)`) ?? shapeOf(raw, 'batch_shape', ctx.where, `layer '${c.name}' (InputLayer)`);
  c.ignore('batch_input_shape', 'batch_shape');
  if (!shape) throw c.error("it has no 'batch_input_shape'");
  const dtype = c.get('dtype') ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32') throw c.error(`option 'dtype' = ${show(dtype)} is not supported (float32 or int32)`);
  c.fixed('sparse', [false, null], 'sparse inputs are not supported');
  c.fixed('ragged', [false, null], 'ragged inputs are not supported');
  c.finish();
  return input({ batchShape: shape, dtype, name: c.name });
}

// ------------------------------------------------------------------ models

function buildModel(className: string, config: Record<string, unknown> | unknown[], ctx: Ctx): Model {
  if (className === 'Sequential') return buildSequential(config, ctx);
  if (className === 'Model' || className === 'Functional') {
    if (!isObject(config)) throw fail(ctx.where, `the ${className} config must be an object, got ${show(config)}`);
    return buildFunctional(config, ctx);
  }
  throw fail(ctx.where, `the model class '${className}' is not supported (expected Sequential, Model or Functional)`);
}

function buildSequential(config: Record<string, unknown> | unknown[], ctx: Ctx): Sequential {
  // Old Keras files hold the layer list itself as the config.
  const c = Array.isArray(config) ? { layers: config } : config;
  const layers = c['layers'];
  if (!Array.isArray(layers)) throw fail(ctx.where, `the Sequential config must have a 'layers' list, got ${show(layers)}`);
  const name = typeof c['name'] === 'string' ? c['name'] : undefined;
  const m = new Sequential(name === undefined ? {} : { name });
  try {
    let declared: SymbolicShape | null = null;
    layers.forEach((entry, i) => {
      const lc = layerConfig(entry, ctx.where, `Sequential layer ${i}`);
      const inner = { ...ctx, inputShapes: m.layers.length > 0 ? [m.outputShape] : null };
      if (lc.className === 'InputLayer') {
        if (m.layers.length > 0 || declared) throw fail(ctx.where, `Sequential layer ${i} is an InputLayer; only the first layer may be one`);
        const t = inputFromConfig(lc.config as Record<string, unknown>, inner);
        declared = [...t.shape];
        t.sourceLayer.dispose();
        return;
      }
      let layer: Layer;
      if (m.layers.length === 0) {
        const own = Array.isArray(lc.config) ? null : shapeOf(lc.config, 'batch_input_shape', ctx.where, `Sequential layer ${i}`);
        const shape = declared ?? own;
        if (!shape) throw fail(ctx.where, `the first layer of Sequential '${m.name}' has no 'batch_input_shape', so the model's input shape is unknown`);
        inner.inputShapes = [shape];
        layer = MODEL_CLASSES.includes(lc.className) ? buildModel(lc.className, lc.config, inner) : convertLayer(lc.className, { ...lc.config, batch_input_shape: undefined }, inner);
        try {
          m.add(layer);
          if (!m.built) m.build(shape);
        } catch (e) {
          layer.dispose();
          throw wrap(e, ctx.where, `layer '${layer.name}'`);
        }
        return;
      }
      layer = MODEL_CLASSES.includes(lc.className) ? buildModel(lc.className, lc.config, inner) : convertLayer(lc.className, lc.config as Record<string, unknown>, inner);
      try {
        m.add(layer);
      } catch (e) {
        layer.dispose();
        throw wrap(e, ctx.where, `layer '${layer.name}'`);
      }
    });
    if (m.layers.length === 0) throw fail(ctx.where, `Sequential '${m.name}' has no layers`);
    if (c['trainable'] === false) m.trainable = false;
  } catch (e) {
    m.dispose();
    throw e;
  }
  return m;
}

function wrap(e: unknown, where: string, what: string): Error {
  const message = (e as Error).message;
  return message.startsWith(`${OP}:`) ? (e as Error) : fail(where, `${what}: ${message}`);
}

type NodeRef = [string, number, number, Record<string, unknown>?];

function nodeRef(v: unknown, where: string, what: string): NodeRef {
  if (!Array.isArray(v) || typeof v[0] !== 'string' || !Number.isInteger(v[1]) || !Number.isInteger(v[2])) {
    throw fail(where, `${what}: expected [layerName, nodeIndex, tensorIndex, kwargs?], got ${show(v)} (Keras 3's node format is not supported)`);
  }
  return v as NodeRef;
}

function buildFunctional(c: Record<string, unknown>, ctx: Ctx): Model {
  const layers = c['layers'];
  if (!Array.isArray(layers)) throw fail(ctx.where, `the model config must have a 'layers' list, got ${show(layers)}`);
  const made = new Map<string, { className: string; config: Record<string, unknown> | unknown[]; layer: Layer | null; outputs: SymbolicTensor[][] }>();
  const pending: { name: string; index: number; refs: NodeRef[] }[] = [];
  try {
    layers.forEach((entry, i) => {
      const lc = layerConfig(entry, ctx.where, `model layer ${i}`);
      const name = (entry as Record<string, unknown>)['name'] ?? (lc.config as Record<string, unknown>)['name'];
      if (typeof name !== 'string') throw fail(ctx.where, `model layer ${i} (${lc.className}) has no name`);
      if (made.has(name)) throw fail(ctx.where, `two layers are named '${name}'`);
      if (lc.className === 'InputLayer') {
        const t = inputFromConfig(lc.config as Record<string, unknown>, { ...ctx, inputShapes: null });
        made.set(name, { ...lc, layer: t.sourceLayer, outputs: [[t]] });
        return;
      }
      made.set(name, { ...lc, layer: null, outputs: [] });
      const nodes = (entry as Record<string, unknown>)['inbound_nodes'] ?? [];
      if (!Array.isArray(nodes)) throw fail(ctx.where, `layer '${name}': 'inbound_nodes' must be a list, got ${show(nodes)}`);
      nodes.forEach((node, k) => {
        if (!Array.isArray(node)) throw fail(ctx.where, `layer '${name}': inbound node ${k} must be a list of [layer, node, tensor, kwargs], got ${show(node)} (Keras 3's node format is not supported)`);
        pending.push({ name, index: k, refs: node.map((r) => nodeRef(r, ctx.where, `layer '${name}' inbound node ${k}`)) });
      });
    });
    const find = ([layer, node, index]: NodeRef, what: string): SymbolicTensor | undefined => {
      const m = made.get(layer);
      if (!m) throw fail(ctx.where, `${what} refers to layer '${layer}', which is not in the model`);
      // A nested model's node 0 is its own graph's (TF.js and Keras count it): its calls start at 1.
      return m.outputs[MODEL_CLASSES.includes(m.className) ? node - 1 : node]?.[index];
    };
    // Calls are replayed once their inputs exist, each layer's in order.
    while (pending.length > 0) {
      const i = pending.findIndex((p) => made.get(p.name)!.outputs.length === p.index && p.refs.every((r) => find(r, `layer '${p.name}'`) !== undefined));
      if (i < 0) throw fail(ctx.where, `the calls of ${pending.map((p) => `'${p.name}'`).join(', ')} wait for inputs no call makes`);
      const p = pending.splice(i, 1)[0]!;
      const ins = p.refs.map((r) => find(r, `layer '${p.name}'`)!);
      const entry = made.get(p.name)!;
      let training: boolean | undefined;
      for (const r of p.refs) {
        const kwargs = r[3] ?? {};
        if (!isObject(kwargs)) throw fail(ctx.where, `layer '${p.name}': call arguments ${show(kwargs)} are not an object`);
        for (const [k, v] of Object.entries(kwargs)) {
          if (k === 'training' && typeof v === 'boolean') training = v;
          else if (v !== null && v !== undefined) throw fail(ctx.where, `layer '${p.name}': the call argument '${k}' = ${show(v)} is not supported`);
        }
      }
      if (!entry.layer) {
        const inner = { ...ctx, inputShapes: ins.map((s) => [...s.shape]) };
        entry.layer = MODEL_CLASSES.includes(entry.className)
          ? buildModel(entry.className, entry.config, inner)
          : convertLayer(entry.className, entry.config as Record<string, unknown>, inner);
      }
      let out: SymbolicTensor | SymbolicTensor[];
      try {
        const list = ins.length > 1 || takesList(entry.className);
        out = entry.layer.apply(list ? ins : ins[0]!, training === undefined ? {} : { training });
      } catch (e) {
        throw wrap(e, ctx.where, `layer '${p.name}' (${entry.className})`);
      }
      entry.outputs.push(Array.isArray(out) ? out : [out]);
    }
    const resolve = (v: unknown, what: string): SymbolicTensor => {
      const r = nodeRef(v, ctx.where, what);
      const t = find(r, what);
      if (!t) throw fail(ctx.where, `${what} refers to ${show(v)}, which no call makes`);
      return t;
    };
    const list = (key: string): SymbolicTensor[] => {
      const v = c[key];
      if (!Array.isArray(v) || v.length === 0) throw fail(ctx.where, `the model config must have a non-empty '${key}' list, got ${show(v)}`);
      // A single reference may be written without the outer list.
      const refs = typeof v[0] === 'string' ? [v] : v;
      return refs.map((r, i) => resolve(r, `${key}[${i}]`));
    };
    const name = typeof c['name'] === 'string' ? c['name'] : undefined;
    const model = new Model({ ...(name === undefined ? {} : { name }), inputs: list('input_layers'), outputs: list('output_layers') });
    if (c['trainable'] === false) model.trainable = false;
    return model;
  } catch (e) {
    for (const { layer } of made.values()) layer?.dispose();
    throw e;
  }
}

/** Merge layers take a list even when the graph gives them one tensor. */
function takesList(className: string): boolean {
  return ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dot'].includes(className);
}

// ------------------------------------------------------------------ training config

function optimizerFrom(v: unknown, where: string): Optimizer {
  if (!isObject(v) || typeof v['class_name'] !== 'string' || !isObject(v['config'])) {
    throw fail(where, `trainingConfig.optimizer_config must be { class_name, config }, got ${show(v)}`);
  }
  const name = v['class_name'];
  const c = v['config'];
  const known: Record<string, string[]> = {
    SGD: ['learningRate'],
    Momentum: ['learningRate', 'momentum', 'useNesterov'],
    RMSProp: ['learningRate', 'decay', 'momentum', 'epsilon', 'centered'],
    Adam: ['learningRate', 'beta1', 'beta2', 'epsilon'],
    Adadelta: ['learningRate', 'rho', 'epsilon'],
    Adamax: ['learningRate', 'beta1', 'beta2', 'epsilon', 'decay'],
    Adagrad: ['learningRate', 'initialAccumulatorValue'],
  };
  const keys = known[name];
  const extra = keys ? Object.keys(c).filter((k) => !keys.includes(k)) : [];
  if (!keys || extra.length > 0) {
    throw fail(
      where,
      `the optimizer ${name} ${keys ? `with option ${extra.map((k) => `'${k}'`).join(', ')}` : ''} is not one TF.js writes (${Object.keys(known).join(', ')}); ` +
        'load with { compile: false } and compile the model yourself',
    );
  }
  const n = (k: string): number | undefined => (c[k] === undefined || c[k] === null ? undefined : (c[k] as number));
  const lr = n('learningRate');
  try {
    switch (name) {
      case 'SGD':
        return train.sgd(lr ?? 0.01);
      case 'Momentum':
        return train.momentum(lr ?? 0.01, n('momentum') ?? 0, (c['useNesterov'] as boolean | undefined) ?? false);
      case 'RMSProp':
        return train.rmsprop(lr ?? 0.001, n('decay'), n('momentum'), n('epsilon') ?? null, (c['centered'] as boolean | undefined) ?? false);
      case 'Adam':
        return train.adam(lr, n('beta1'), n('beta2'), n('epsilon') ?? null);
      case 'Adadelta':
        return train.adadelta(lr, n('rho'), n('epsilon') ?? null);
      case 'Adamax':
        return train.adamax(lr, n('beta1'), n('beta2'), n('epsilon') ?? null, n('decay'));
      default:
        return train.adagrad(lr ?? 0.01, n('initialAccumulatorValue'));
    }
  } catch (e) {
    throw fail(where, `trainingConfig: ${(e as Error).message}; load with { compile: false } to skip the training config`);
  }
}

async function compileFrom(model: Model, tc: unknown, weights: Map<string, WeightRecord>, where: string): Promise<void> {
  if (!isObject(tc)) throw fail(where, `trainingConfig must be an object, got ${show(tc)}`);
  const loss = tc['loss'];
  if (loss === undefined || loss === null) throw fail(where, 'trainingConfig has no loss; load with { compile: false }');
  const metrics = tc['metrics'];
  const lossWeights = tc['loss_weights'];
  const optimizer = optimizerFrom(tc['optimizer_config'], where);
  try {
    model.compile({
      optimizer,
      loss: loss as never,
      ...(metrics === undefined || metrics === null ? {} : { metrics: metrics as never }),
      ...(lossWeights === undefined || lossWeights === null ? {} : { lossWeights: lossWeights as never }),
    });
  } catch (e) {
    optimizer.dispose();
    throw fail(where, `cannot compile with the trainingConfig (${(e as Error).message}); load with { compile: false } and compile the model yourself`);
  }
  const state = [...weights.values()].filter((r) => r.spec.group === 'optimizer');
  if (state.length === 0) return;
  if (optimizer.className !== 'Adam') {
    throw fail(
      where,
      `the file has the state of its ${String((tc['optimizer_config'] as Record<string, unknown>)['class_name'])} optimizer, which Tessera imports only for Adam; load with { compile: false } and compile the model yourself`,
    );
  }
  // TF.js's Adam keeps m and v per weight (as Keras's and Tessera's) and counts steps in 'iter'.
  const byFileName = new Map<string, Variable>();
  for (const layer of allLayers(model)) {
    if (layer instanceof Model) continue;
    for (const v of layer.weights) {
      const r = findWeight(weights, layer, shortName(layer, v));
      if (r) byFileName.set(r.spec.name, v);
    }
  }
  const named: { name: string; tensor: Tensor }[] = [];
  try {
    for (const r of state) {
      if (r.spec.name === 'iter') {
        named.push({ name: ITERATIONS_WEIGHT, tensor: tensor(r.values, r.spec.shape, 'int32') });
        continue;
      }
      const m = /^(.*)\/(m|v)$/.exec(r.spec.name);
      const v = m ? byFileName.get(m[1]!) : undefined;
      if (!m || !v) throw fail(where, `optimizer weight '${r.spec.name}' is not Adam state of a weight of the model (expected 'iter' or '<weight>/m', '<weight>/v')`);
      named.push({ name: `${v.name}/${m[2] === 'm' ? 'momentum' : 'velocity'}`, tensor: tensor(r.values, r.spec.shape, 'float32') });
    }
    await optimizer.setWeights(named);
  } finally {
    named.forEach((s) => s.tensor.dispose());
  }
}

// ------------------------------------------------------------------ entry point

/**
 * Loads a TF.js Layers model (model.json + weight shards) as a Tessera `Sequential` (for TF.js's
 * Sequential) or functional `Model`, with its weights, and — unless `{ compile: false }` — compiled
 * with its training config. See docs/interop.md for the layers and options that import.
 */
export async function loadTfjsModel<M extends Model = Model>(source: TfjsModelSource, options: LoadTfjsOptions = {}): Promise<M> {
  if (!isObject(options)) throw new TesseraError(`${OP}: options must be an object, got ${show(options)}`);
  const unknownOption = Object.keys(options).find((k) => !['compile', 'fetch', 'requestInit'].includes(k));
  if (unknownOption) throw new TesseraError(`${OP}: unknown option '${unknownOption}' (options: compile, fetch, requestInit)`);
  const { json, specs, data, where } = await readSource(source, options);
  const weights = decodeWeights(specs, data, where);
  let topology = json.modelTopology as Record<string, unknown>;
  let trainingConfig = json.trainingConfig;
  // The converter's Keras files nest the model under model_config, with training_config beside it.
  if (isObject(topology['model_config'])) {
    trainingConfig ??= topology['training_config'];
    topology = { ...(topology['model_config'] as Record<string, unknown>), keras_version: topology['keras_version'] };
  }
  const lc = layerConfig(topology, where, 'modelTopology');
  const kerasVersion = typeof topology['keras_version'] === 'string' ? topology['keras_version'] : '';
  const model = buildModel(lc.className, lc.config, { where, inputShapes: null, kerasVersion });
  try {
    setWeightsFromFile(model, weights, where);
    if (options.compile !== false && trainingConfig !== undefined && trainingConfig !== null) await compileFrom(model, trainingConfig, weights, where);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model as M;
}
