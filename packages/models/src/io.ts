import { DTYPES, TesseraError, bytesPerElement, isDataType, tensor, type DataType, type RandomState, type Tensor } from '@tessera/core';
import { Layer, deserializeLayer, type LossIdentifier, type Metric } from '@tessera/layers';
import { getOptimizer } from '@tessera/optimizers';
import { httpHandler, indexedDBHandler } from './browser-io.js';
import { Model } from './model.js';
import './sequential.js';

export const FORMAT = 'tessera-model';
/**
 * 2: model.json carries `manifestSha256` (its own checksum) and the weights file is named by its
 * content (`weights.<16 hex of its SHA-256>.bin`), so saving over a directory never overwrites the
 * file the previous model.json points to. Version 1 files (`weights.bin`, no manifest checksum)
 * still load.
 */
export const FORMAT_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: DataType;
  /** Byte offset in the weights file. */
  offset: number;
  byteLength: number;
}

export interface ModelJSON {
  format: typeof FORMAT;
  formatVersion: number;
  /** 'Sequential' (a chain) or 'Model' (a functional graph), and its config. */
  modelTopology: { className: string; config: Record<string, unknown> };
  trainingConfig: { optimizer: unknown; loss: unknown; lossWeights?: unknown; metrics: unknown } | null;
  weights: WeightEntry[];
  /** Optimizer state; slot names refer to model weights as `#<index>/<slot>`. */
  optimizerWeights: WeightEntry[];
  /**
   * Where each layer with a random generator (Dropout) stood, by index in the model's layers
   * flattened depth-first (each layer, then the layers it holds): training resumed from the file
   * draws the masks uninterrupted training would have. Absent in files from before it.
   */
  randomStates?: { layer: number; state: RandomState }[];
  weightsFile: string;
  weightsByteLength: number;
  /** SHA-256 of the weights file, hex. */
  weightsSha256: string;
  /**
   * SHA-256 (hex) of this manifest without this field, as canonical JSON (keys sorted): a
   * modified model.json (an offset, a shape, the topology) is caught like a modified weights file.
   * Absent in format version 1.
   */
  manifestSha256?: string;
}

/** How `loadModel` restores what a saved model was compiled with. */
export interface LoadOptions {
  /**
   * Compile the model again as it was saved, with its optimizer state (default true). false loads
   * the topology and the weights only (enough for predict).
   */
  compile?: boolean;
  /**
   * The loss to compile with instead of the saved one. Needed for a model compiled with a loss
   * function: model.json holds names and options, not code.
   */
  loss?: LossIdentifier;
  /** The metrics to compile with instead of the saved names (needed for custom Metric objects). */
  metrics?: (string | Metric)[];
}

/** Everything a saved model consists of, as held in memory. */
export interface ModelArtifacts {
  modelJSON: ModelJSON;
  weightData: ArrayBuffer;
}

export interface SaveResult {
  /** Where it went: a directory, or 'memory'. */
  location: string;
  modelJSONBytes: number;
  weightBytes: number;
}

/** Where a model is saved to / loaded from. */
export interface IOHandler {
  save?(artifacts: ModelArtifacts): Promise<SaveResult>;
  load?(): Promise<ModelArtifacts>;
}

/** Keeps artifacts in memory (browsers, tests, sending over the wire). */
export function memoryHandler(initial?: ModelArtifacts): IOHandler & { artifacts: ModelArtifacts | null } {
  const h = {
    artifacts: initial ?? null,
    async save(a: ModelArtifacts): Promise<SaveResult> {
      h.artifacts = { modelJSON: JSON.parse(JSON.stringify(a.modelJSON)) as ModelJSON, weightData: a.weightData.slice(0) };
      return { location: 'memory', modelJSONBytes: JSON.stringify(a.modelJSON).length, weightBytes: a.weightData.byteLength };
    },
    async load(): Promise<ModelArtifacts> {
      if (!h.artifacts) throw new TesseraError('loadModel: the memory handler holds no saved model');
      return { modelJSON: h.artifacts.modelJSON, weightData: h.artifacts.weightData.slice(0) };
    },
  };
  return h;
}

/** Makes the `IOHandler` for a path (installed by the Node entry, which has a file system). */
export type PathHandlerFactory = (path: string) => IOHandler;

let pathHandler: PathHandlerFactory | null = null;

/**
 * Lets `save(path)` and `loadModel(path)` take a path: the Node entry (`@tessera/models/node`, which
 * Node picks for `@tessera/models` through the `node` export condition) registers its file handler.
 */
export function registerPathHandler(factory: PathHandlerFactory): void {
  pathHandler = factory;
}

function resolveHandler(target: string | IOHandler, op: string): IOHandler {
  if (typeof target !== 'string') return target;
  // TF.js's URL schemes: 'indexeddb://name', 'http(s)://…/model.json' (loading), 'file://dir'.
  if (target.startsWith('indexeddb://')) return indexedDBHandler(target.slice('indexeddb://'.length));
  if (/^https?:\/\//.test(target)) {
    if (op !== 'loadModel') throw new TesseraError(`${op}('${target}'): saving over HTTP needs a server of yours: pass an IOHandler whose save() sends the artifacts`);
    return httpHandler(target);
  }
  if (target.startsWith('file://')) target = target.slice('file://'.length);
  if (!pathHandler) {
    throw new TesseraError(
      `${op}('${target}'): a path needs a file system, which this build of @tessera/models does not have (the browser entry); ` +
        'in a browser pass an IOHandler such as memoryHandler(); in Node, @tessera/models resolves to its Node entry ' +
        "by itself (a bundle made for browsers does not: import '@tessera/models/node')",
    );
  }
  return pathHandler(target);
}

async function sha256(data: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** JSON with object keys sorted at every level: the same manifest always gives the same bytes. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The checksum of a manifest: SHA-256 of its canonical JSON without `manifestSha256`. */
export async function manifestSha256(j: ModelJSON): Promise<string> {
  const { manifestSha256: _, ...rest } = j;
  return sha256(new TextEncoder().encode(canonicalJson(rest)));
}

/** The hint for a TF.js model.json given where Tessera's is expected. */
export function tfjsFormatHint(format: unknown): string {
  if (format === 'layers-model') return ': it is a TF.js Layers model, which loadTfjsModel imports (docs/interop.md)';
  if (format === 'graph-model') return ': it is a TF.js graph model (a TensorFlow graph), which Tessera cannot load';
  return '';
}

function malformed(what: string, got: unknown): TesseraError {
  const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 80);
  return new TesseraError(`loadModel: model.json is malformed: ${what}, got ${shown}`);
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function checkEntries(list: unknown, field: string): WeightEntry[] {
  if (!Array.isArray(list)) throw malformed(`'${field}' must be an array of { name, shape, dtype, offset, byteLength }`, list);
  list.forEach((e: Partial<WeightEntry> | null, i) => {
    const at = `${field}[${i}]`;
    if (e === null || typeof e !== 'object') throw malformed(`${at} must be an object`, e);
    if (typeof e.name !== 'string') throw malformed(`${at}.name must be a string`, e.name);
    if (!Array.isArray(e.shape) || !e.shape.every(isCount)) throw malformed(`${at}.shape ('${e.name}') must be an array of non-negative integers`, e.shape);
    if (!isDataType(e.dtype)) throw malformed(`${at}.dtype ('${e.name}') must be one of ${DTYPES.join(', ')}`, e.dtype);
    if (!isCount(e.offset)) throw malformed(`${at}.offset ('${e.name}') must be a non-negative integer`, e.offset);
    if (!isCount(e.byteLength)) throw malformed(`${at}.byteLength ('${e.name}') must be a non-negative integer`, e.byteLength);
    const expected = e.shape.reduce((p, d) => p * d, 1) * bytesPerElement(e.dtype);
    if (e.byteLength !== expected) {
      throw new TesseraError(`loadModel: ${at} '${e.name}' declares shape [${e.shape}] ${e.dtype}, which is ${expected} bytes, but byteLength ${e.byteLength}`);
    }
  });
  return list as WeightEntry[];
}

/**
 * Checks that model.json has the fields loading reads, with the right types, before anything is
 * built: a clear format error instead of a TypeError deep inside.
 */
function checkManifest(j: ModelJSON): void {
  if (!READABLE_VERSIONS.includes(j.formatVersion)) {
    throw new TesseraError(`loadModel: format version ${JSON.stringify(j.formatVersion)} is not supported (this version reads ${READABLE_VERSIONS.join(' and ')})`);
  }
  const topology = j.modelTopology as { className?: unknown; config?: { layers?: unknown } } | undefined;
  if (topology === null || typeof topology !== 'object') throw malformed("'modelTopology' must be an object", topology);
  if (topology.className !== 'Sequential' && topology.className !== 'Model') {
    throw new TesseraError(`loadModel: unknown model class ${JSON.stringify(topology.className)} (expected 'Sequential' or 'Model')`);
  }
  if (topology.config === null || typeof topology.config !== 'object' || !Array.isArray(topology.config.layers)) {
    throw malformed("'modelTopology.config.layers' must be an array of layer configs", topology.config?.layers);
  }
  checkEntries(j.weights, 'weights');
  checkEntries(j.optimizerWeights, 'optimizerWeights');
  if (!isCount(j.weightsByteLength)) throw malformed("'weightsByteLength' must be a non-negative integer", j.weightsByteLength);
  if (typeof j.weightsSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(j.weightsSha256)) throw malformed("'weightsSha256' must be 64 hex digits", j.weightsSha256);
  if (j.randomStates !== undefined && !Array.isArray(j.randomStates)) throw malformed("'randomStates' must be an array", j.randomStates);
  if (j.trainingConfig !== null && (typeof j.trainingConfig !== 'object' || j.trainingConfig === undefined)) {
    throw malformed("'trainingConfig' must be an object or null", j.trainingConfig);
  }
}

/** The entries must tile the weights file exactly: in order, no overlap, no gap, nothing after the last. */
function checkTiling(j: ModelJSON): void {
  const all = [...j.weights.map((e) => ({ e, what: 'weight' })), ...j.optimizerWeights.map((e) => ({ e, what: 'optimizer weight' }))];
  let end = 0;
  for (const { e, what } of [...all].sort((a, b) => a.e.offset - b.e.offset)) {
    if (e.offset !== end) {
      throw new TesseraError(
        `loadModel: ${what} '${e.name}' starts at byte ${e.offset} of the weights file, expected ${end}: ` +
          (e.offset < end ? 'it overlaps the entry before it' : `bytes ${end}..${e.offset} belong to no entry`),
      );
    }
    end += e.byteLength;
  }
  if (end !== j.weightsByteLength) {
    throw new TesseraError(`loadModel: the entries cover ${end} bytes of the weights file, model.json says it has ${j.weightsByteLength}`);
  }
}

async function pack(list: { name: string; tensor: Tensor }[], chunks: Uint8Array[], offset: { v: number }): Promise<WeightEntry[]> {
  const out: WeightEntry[] = [];
  for (const { name, tensor: t } of list) {
    const d = await t.data();
    const typed = t.dtype === 'float32' ? Float32Array.from(d) : t.dtype === 'int32' ? Int32Array.from(d) : Uint8Array.from(d);
    const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    out.push({ name, shape: [...t.shape], dtype: t.dtype, offset: offset.v, byteLength: bytes.byteLength });
    chunks.push(bytes);
    offset.v += bytes.byteLength;
  }
  return out;
}

/** Builds the artifacts of a model (topology, weights, optimizer state). */
export async function toArtifacts(model: Model): Promise<ModelArtifacts> {
  if (!(model instanceof Model)) throw new TesseraError(`save: expected a Model or Sequential, got ${model === null ? 'null' : typeof model}`);
  if (!model.built) throw new TesseraError(`save: model '${model.name}' is not built yet (give the first layer an inputShape, or call build/fit first)`);
  // Before anything is read: a layer that cannot be saved (an unregistered Lambda) says so now.
  const topology = { className: model.className, config: model.getConfig() as unknown as Record<string, unknown> };
  const weights = model.weights;
  const chunks: Uint8Array[] = [];
  const offset = { v: 0 };
  const weightEntries = await pack(weights.map((w) => ({ name: w.name, tensor: w })), chunks, offset);
  let optimizerEntries: WeightEntry[] = [];
  if (model.isCompiled) {
    const byLength = weights.map((w, i) => ({ name: w.name, i })).sort((a, b) => b.name.length - a.name.length);
    const state = await model.optimizer.getWeights();
    const renamed = state.map(({ name, tensor: t }) => {
      const owner = byLength.find((w) => name.startsWith(`${w.name}/`));
      return { name: owner ? `#${owner.i}/${name.slice(owner.name.length + 1)}` : name, tensor: t };
    });
    try {
      optimizerEntries = await pack(renamed, chunks, offset);
    } finally {
      state.forEach((s) => s.tensor.dispose());
    }
  }
  const weightData = new Uint8Array(offset.v);
  let o = 0;
  for (const c of chunks) {
    weightData.set(c, o);
    o += c.byteLength;
  }
  const weightsSha256 = await sha256(weightData.buffer);
  const modelJSON: ModelJSON = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    modelTopology: topology,
    trainingConfig: model.compileConfig,
    weights: weightEntries,
    optimizerWeights: optimizerEntries,
    randomStates: allLayers(model).flatMap((l, layer) => {
      const state = l.getRandomState();
      return state ? [{ layer, state }] : [];
    }),
    weightsFile: `weights.${weightsSha256.slice(0, 16)}.bin`,
    weightsByteLength: weightData.byteLength,
    weightsSha256,
  };
  modelJSON.manifestSha256 = await manifestSha256(modelJSON);
  return { modelJSON, weightData: weightData.buffer };
}

/** The model's layers flattened depth-first: each layer, then the layers it holds (a nested model's too). */
export function allLayers(model: Model): Layer[] {
  const out: Layer[] = [];
  const visit = (l: Layer): void => {
    if (out.includes(l)) return;
    out.push(l);
    for (const s of l instanceof Model ? l.layers : l.subLayers) visit(s);
  };
  model.layers.forEach(visit);
  return out;
}

export async function saveModel(model: Model, target: string | IOHandler): Promise<SaveResult> {
  const handler = resolveHandler(target, 'save');
  if (!handler.save) throw new TesseraError('save: this IO handler cannot save');
  return handler.save(await toArtifacts(model));
}

/** One entry's values (checkManifest and checkTiling have vouched for its shape, dtype and place). */
function readEntry(e: WeightEntry, data: ArrayBuffer): Tensor {
  const slice = data.slice(e.offset, e.offset + e.byteLength);
  const values = e.dtype === 'float32' ? new Float32Array(slice) : e.dtype === 'int32' ? new Int32Array(slice) : new Uint8Array(slice);
  return tensor(values, e.shape, e.dtype);
}

/** Checks format, version, length and checksum, then rebuilds the model with its weights and optimizer state. */
export async function fromArtifacts<M extends Model = Model>(a: ModelArtifacts, options: LoadOptions = {}): Promise<M> {
  const j = a.modelJSON;
  if (j === null || typeof j !== 'object' || j.format !== FORMAT) {
    throw new TesseraError(`loadModel: not a Tessera model (format is ${JSON.stringify(j?.format)}, expected '${FORMAT}')${tfjsFormatHint(j?.format)}`);
  }
  checkManifest(j);
  if (j.formatVersion >= 2) {
    const digest = await manifestSha256(j);
    if (digest !== j.manifestSha256) {
      throw new TesseraError(
        `loadModel: model.json's SHA-256 (${digest.slice(0, 12)}…) does not match the checksum it records (${String(j.manifestSha256).slice(0, 12)}…): the manifest was modified or damaged`,
      );
    }
  }
  checkTiling(j);
  if (a.weightData.byteLength !== j.weightsByteLength) {
    throw new TesseraError(
      `loadModel: the weights file has ${a.weightData.byteLength} bytes, model.json expects ${j.weightsByteLength} (truncated or from another save)`,
    );
  }
  const digest = await sha256(a.weightData);
  if (digest !== j.weightsSha256) {
    throw new TesseraError(`loadModel: the weights file's SHA-256 (${digest.slice(0, 12)}…) does not match model.json (${String(j.weightsSha256).slice(0, 12)}…): the file is corrupted or was modified`);
  }
  const built = deserializeLayer({ className: j.modelTopology.className, config: j.modelTopology.config });
  if (!(built instanceof Model)) {
    built.dispose();
    throw new TesseraError(`loadModel: the topology is a ${built.className}, not a model`);
  }
  const model = built;
  const vars = model.weights;
  if (vars.length !== j.weights.length) {
    model.dispose();
    throw new TesseraError(`loadModel: the topology has ${vars.length} weights, the file has ${j.weights.length}`);
  }
  const values = j.weights.map((e) => readEntry(e, a.weightData));
  try {
    model.setWeights(values);
    const flat = allLayers(model);
    for (const { layer, state } of j.randomStates ?? []) {
      const l = flat[layer];
      if (!l) throw new TesseraError(`loadModel: model.json has a random state for layer ${layer}, the model has ${flat.length} layers`);
      l.setRandomState(state);
    }
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    values.forEach((t) => t.dispose());
  }
  if (j.trainingConfig && options.compile !== false) {
    const tc = j.trainingConfig;
    const loss = options.loss ?? (tc.loss as LossIdentifier | null);
    try {
      if (loss === null || loss === undefined) {
        throw new TesseraError(
          'loadModel: the model was compiled with a loss function, which model.json cannot hold: pass it again, loadModel(source, { loss }), or load the weights only with { compile: false }',
        );
      }
      try {
        model.compile({
          optimizer: getOptimizer(tc.optimizer as Parameters<typeof getOptimizer>[0]),
          loss: loss as Parameters<Model['compile']>[0]['loss'],
          ...(tc.lossWeights === undefined ? {} : { lossWeights: tc.lossWeights as Record<string, number> }),
          metrics: (options.metrics ?? tc.metrics) as Parameters<Model['compile']>[0]['metrics'],
        });
      } catch (e) {
        throw new TesseraError(`loadModel: cannot compile the saved model again (${(e as Error).message}); pass the loss and metrics, loadModel(source, { loss, metrics }), or load the weights only with { compile: false }`);
      }
    } catch (e) {
      model.dispose();
      throw e;
    }
    if (j.optimizerWeights.length > 0) {
      const names = j.optimizerWeights.map((e) => {
        const m = /^#(\d+)\/(.*)$/.exec(e.name);
        if (!m) return e.name;
        const owner = vars[Number(m[1])];
        if (!owner) {
          model.dispose();
          throw new TesseraError(`loadModel: optimizer weight '${e.name}' belongs to model weight #${m[1]}, but the model has ${vars.length} weights (#0..#${vars.length - 1})`);
        }
        return `${owner.name}/${m[2]}`;
      });
      const state = j.optimizerWeights.map((e, i) => ({ name: names[i]!, tensor: readEntry(e, a.weightData) }));
      try {
        await model.optimizer.setWeights(state);
      } catch (e) {
        model.dispose();
        throw e;
      } finally {
        state.forEach((s) => s.tensor.dispose());
      }
    }
  }
  return model as M;
}

/** Loads a model saved by `model.save`: a directory path (Node), an IOHandler, or artifacts. */
export async function loadModel<M extends Model = Model>(source: string | IOHandler | ModelArtifacts, options: LoadOptions = {}): Promise<M> {
  if (typeof source === 'object' && 'modelJSON' in source) return fromArtifacts<M>(source, options);
  const handler = resolveHandler(source, 'loadModel');
  if (!handler.load) throw new TesseraError('loadModel: this IO handler cannot load');
  return fromArtifacts<M>(await handler.load(), options);
}
