import { TesseraError, tensor, type DataType, type RandomState, type Tensor } from '@tessera/core';
import type { LossIdentifier, Metric } from '@tessera/layers';
import { getOptimizer } from '@tessera/optimizers';
import { Sequential } from './sequential.js';

export const FORMAT = 'tessera-model';
export const FORMAT_VERSION = 1;

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
  modelTopology: { className: 'Sequential'; config: ReturnType<Sequential['getConfig']> };
  trainingConfig: { optimizer: unknown; loss: unknown; metrics: unknown[] } | null;
  weights: WeightEntry[];
  /** Optimizer state; slot names refer to model weights as `#<index>/<slot>`. */
  optimizerWeights: WeightEntry[];
  /**
   * Where each layer with a random generator (Dropout) stood, by layer index: training resumed from
   * the file draws the masks uninterrupted training would have. Absent in files from before it.
   */
  randomStates?: { layer: number; state: RandomState }[];
  weightsFile: string;
  weightsByteLength: number;
  /** SHA-256 of the weights file, hex. */
  weightsSha256: string;
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
  if (!pathHandler) {
    throw new TesseraError(
      `${op}('${target}'): a path needs a file system, which this build of @tessera/models does not have (the browser entry); ` +
        'in a browser pass an IOHandler such as memoryHandler(); in Node, @tessera/models resolves to its Node entry ' +
        "by itself (a bundle made for browsers does not: import '@tessera/models/node')",
    );
  }
  return pathHandler(target);
}

async function sha256(data: ArrayBuffer): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function bytesOf(dtype: DataType): number {
  return dtype === 'bool' ? 1 : 4;
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
export async function toArtifacts(model: Sequential): Promise<ModelArtifacts> {
  if (!model.built) throw new TesseraError(`save: model '${model.name}' is not built yet (give the first layer an inputShape, or call build/fit first)`);
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
  const modelJSON: ModelJSON = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    modelTopology: { className: 'Sequential', config: model.getConfig() },
    trainingConfig: model.compileConfig,
    weights: weightEntries,
    optimizerWeights: optimizerEntries,
    randomStates: model.layers.flatMap((l, layer) => {
      const state = l.getRandomState();
      return state ? [{ layer, state }] : [];
    }),
    weightsFile: 'weights.bin',
    weightsByteLength: weightData.byteLength,
    weightsSha256: await sha256(weightData.buffer),
  };
  return { modelJSON, weightData: weightData.buffer };
}

export async function saveModel(model: Sequential, target: string | IOHandler): Promise<SaveResult> {
  const handler = resolveHandler(target, 'save');
  if (!handler.save) throw new TesseraError('save: this IO handler cannot save');
  return handler.save(await toArtifacts(model));
}

function readEntry(e: WeightEntry, data: ArrayBuffer, what: string): Tensor {
  const size = e.shape.reduce((p, d) => p * d, 1);
  if (!['float32', 'int32', 'bool'].includes(e.dtype) || e.byteLength !== size * bytesOf(e.dtype)) {
    throw new TesseraError(`loadModel: ${what} '${e.name}' declares shape [${e.shape}] ${e.dtype} but ${e.byteLength} bytes`);
  }
  if (e.offset < 0 || e.offset + e.byteLength > data.byteLength) {
    throw new TesseraError(`loadModel: ${what} '${e.name}' lies outside the weights file (bytes ${e.offset}..${e.offset + e.byteLength} of ${data.byteLength})`);
  }
  const slice = data.slice(e.offset, e.offset + e.byteLength);
  const values = e.dtype === 'float32' ? new Float32Array(slice) : e.dtype === 'int32' ? new Int32Array(slice) : new Uint8Array(slice);
  return tensor(values, e.shape, e.dtype);
}

/** Checks format, version, length and checksum, then rebuilds the model with its weights and optimizer state. */
export async function fromArtifacts(a: ModelArtifacts, options: LoadOptions = {}): Promise<Sequential> {
  const j = a.modelJSON;
  if (!j || j.format !== FORMAT) throw new TesseraError(`loadModel: not a Tessera model (format is ${JSON.stringify(j?.format)}, expected '${FORMAT}')`);
  if (j.formatVersion !== FORMAT_VERSION) {
    throw new TesseraError(`loadModel: format version ${j.formatVersion} is not supported (this version reads ${FORMAT_VERSION})`);
  }
  if (a.weightData.byteLength !== j.weightsByteLength) {
    throw new TesseraError(
      `loadModel: the weights file has ${a.weightData.byteLength} bytes, model.json expects ${j.weightsByteLength} (truncated or from another save)`,
    );
  }
  const digest = await sha256(a.weightData);
  if (digest !== j.weightsSha256) {
    throw new TesseraError(`loadModel: the weights file's SHA-256 (${digest.slice(0, 12)}…) does not match model.json (${String(j.weightsSha256).slice(0, 12)}…): the file is corrupted or was modified`);
  }
  if (j.modelTopology?.className !== 'Sequential') throw new TesseraError(`loadModel: unknown model class '${j.modelTopology?.className}'`);
  const model = Sequential.fromConfig(j.modelTopology.config);
  const vars = model.weights;
  if (vars.length !== j.weights.length) {
    model.dispose();
    throw new TesseraError(`loadModel: the topology has ${vars.length} weights, the file has ${j.weights.length}`);
  }
  const values = j.weights.map((e) => readEntry(e, a.weightData, 'weight'));
  try {
    model.setWeights(values);
    for (const { layer, state } of j.randomStates ?? []) {
      const l = model.layers[layer];
      if (!l) throw new TesseraError(`loadModel: model.json has a random state for layer ${layer}, the model has ${model.layers.length} layers`);
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
          loss,
          metrics: options.metrics ?? (tc.metrics as string[]),
        });
      } catch (e) {
        throw new TesseraError(`loadModel: cannot compile the saved model again (${(e as Error).message}); pass the loss and metrics, loadModel(source, { loss, metrics }), or load the weights only with { compile: false }`);
      }
    } catch (e) {
      model.dispose();
      throw e;
    }
    if (j.optimizerWeights.length > 0) {
      const state = j.optimizerWeights.map((e) => {
        const m = /^#(\d+)\/(.*)$/.exec(e.name);
        const name = m ? `${vars[Number(m[1])]!.name}/${m[2]}` : e.name;
        return { name, tensor: readEntry(e, a.weightData, 'optimizer weight') };
      });
      try {
        await model.optimizer.setWeights(state);
      } finally {
        state.forEach((s) => s.tensor.dispose());
      }
    }
  }
  return model;
}

/** Loads a model saved by `model.save`: a directory path (Node), an IOHandler, or artifacts. */
export async function loadModel(source: string | IOHandler | ModelArtifacts, options: LoadOptions = {}): Promise<Sequential> {
  if (typeof source === 'object' && 'modelJSON' in source) return fromArtifacts(source, options);
  const handler = resolveHandler(source, 'loadModel');
  if (!handler.load) throw new TesseraError('loadModel: this IO handler cannot load');
  return fromArtifacts(await handler.load(), options);
}
