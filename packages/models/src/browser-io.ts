// IOHandlers for pages (and workers): IndexedDB, and a download / file-picker pair. They move the
// same artifacts as `model.save(path)` in Node — model.json plus the weights file it names, checked
// by the same SHA-256 sums when loaded — so a model saved by either side loads in the other.
import { TesseraError } from '@tessera/core';
import { FORMAT, tfjsFormatHint, type IOHandler, type ModelArtifacts, type ModelJSON, type SaveResult } from './io.js';

const STORE = 'models';

export interface IndexedDBOptions {
  /** The database (default 'tessera-models'); one object store inside holds every saved model. */
  database?: string;
  /** The IndexedDB to use (default `globalThis.indexedDB`; tests pass fake-indexeddb's). */
  indexedDB?: IDBFactory;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function openDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  const r = factory.open(name, 1);
  r.onupgradeneeded = () => {
    if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE);
  };
  return request(r);
}

function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || (e as { code?: unknown } | null)?.code === 22;
}

/** Runs `fn` on the store in one transaction and resolves when the transaction completes. */
async function inStore<T>(factory: IDBFactory, database: string, mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDatabase(factory, database);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      let result: T;
      tx.oncomplete = () => resolve(result);
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      const r = fn(tx.objectStore(STORE));
      r.onsuccess = () => (result = r.result);
    });
  } finally {
    db.close();
  }
}

function factoryOf(options: IndexedDBOptions, op: string): IDBFactory {
  const factory = options.indexedDB ?? globalThis.indexedDB;
  if (!factory) throw new TesseraError(`${op}: this platform has no IndexedDB (a page or a worker has; in Node save to a path)`);
  return factory;
}

/**
 * Saves a model under `name` in IndexedDB (model.json and the weights in one record) and loads it
 * back. A save that does not fit in the site's storage quota fails with an error that says so and
 * leaves the previous model under that name as it was.
 */
export function indexedDBHandler(name: string, options: IndexedDBOptions = {}): IOHandler {
  const database = options.database ?? 'tessera-models';
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const factory = factoryOf(options, `save to IndexedDB '${name}'`);
      const record = { modelJSON: a.modelJSON, weightData: a.weightData };
      try {
        await inStore(factory, database, 'readwrite', (store) => store.put(record, name));
      } catch (e) {
        if (isQuotaError(e)) {
          throw new TesseraError(
            `save to IndexedDB '${name}': the browser's storage quota for this site is full (QuotaExceededError): the model needs ${a.weightData.byteLength} bytes of weights; ` +
              'delete saved models or this site\'s data, or download the model to a file instead',
          );
        }
        throw new TesseraError(`save to IndexedDB '${name}' failed: ${(e as Error).message}`);
      }
      return { location: `indexeddb://${name}`, modelJSONBytes: JSON.stringify(a.modelJSON).length, weightBytes: a.weightData.byteLength };
    },
    async load(): Promise<ModelArtifacts> {
      const factory = factoryOf(options, `loadModel from IndexedDB '${name}'`);
      let record: { modelJSON?: ModelJSON; weightData?: ArrayBuffer } | undefined;
      try {
        record = await inStore(factory, database, 'readonly', (store) => store.get(name) as IDBRequest<typeof record>);
      } catch (e) {
        throw new TesseraError(`loadModel from IndexedDB '${name}' failed: ${(e as Error).message}`);
      }
      if (record === undefined) throw new TesseraError(`loadModel: IndexedDB has no model saved as '${name}'`);
      if (!record || typeof record !== 'object' || !(record.weightData instanceof ArrayBuffer)) {
        throw new TesseraError(`loadModel: IndexedDB entry '${name}' is not a Tessera model (no model.json and weights)`);
      }
      return { modelJSON: record.modelJSON as ModelJSON, weightData: record.weightData };
    },
  };
}

/** The names of the models saved in IndexedDB. */
export async function listIndexedDBModels(options: IndexedDBOptions = {}): Promise<string[]> {
  const keys = await inStore(factoryOf(options, 'listIndexedDBModels'), options.database ?? 'tessera-models', 'readonly', (store) => store.getAllKeys());
  return keys.map(String);
}

/**
 * Saves a model as two downloads, `model.json` and the weights file it names: the files
 * `model.save(dir)` writes in Node, which `loadModel(dir)` reads once both sit in one folder.
 * Needs a page (`document`).
 */
export function downloadHandler(): IOHandler {
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      if (typeof document === 'undefined') throw new TesseraError('save to a download: needs a page (document); in a worker, send the artifacts to the page');
      const json = JSON.stringify(a.modelJSON, null, 1);
      const files: [string, Blob][] = [
        ['model.json', new Blob([json], { type: 'application/json' })],
        [a.modelJSON.weightsFile, new Blob([a.weightData], { type: 'application/octet-stream' })],
      ];
      for (const [fileName, blob] of files) {
        const url = URL.createObjectURL(blob);
        const link = document.createElement('a');
        link.href = url;
        link.download = fileName;
        link.style.display = 'none';
        document.body.append(link);
        link.click();
        link.remove();
        // The download has taken the blob once the click's task ran.
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      }
      return { location: 'download', modelJSONBytes: json.length, weightBytes: a.weightData.byteLength };
    },
  };
}

/**
 * Loads a model from files a person picked (an `<input type="file" multiple>`'s FileList or a
 * drop): model.json and its weights file. Any names work as long as one file is JSON; the weights
 * file is the one model.json names, or else the only other file.
 */
export function filesHandler(files: ArrayLike<File> | Iterable<File>): IOHandler {
  const list = Array.from(files as ArrayLike<File>);
  return {
    async load(): Promise<ModelArtifacts> {
      if (list.length === 0) throw new TesseraError('loadModel: no files given: pick model.json and its weights file');
      const jsonFiles = list.filter((f) => /\.json$/i.test(f.name));
      if (jsonFiles.length !== 1) {
        throw new TesseraError(
          `loadModel: expected one model.json among the picked files, got ${jsonFiles.length} .json files (${list.map((f) => f.name).join(', ')}): ` +
            'pick the model.json and the weights file of one saved model',
        );
      }
      const jsonFile = jsonFiles[0]!;
      let modelJSON: ModelJSON;
      try {
        modelJSON = JSON.parse(await jsonFile.text()) as ModelJSON;
      } catch (e) {
        throw new TesseraError(`loadModel: ${jsonFile.name} is not a Tessera model: it is not JSON (${(e as Error).message})`);
      }
      if (modelJSON === null || typeof modelJSON !== 'object' || modelJSON.format !== FORMAT) {
        throw new TesseraError(`loadModel: ${jsonFile.name} is not a Tessera model (format is ${JSON.stringify((modelJSON as Partial<ModelJSON> | null)?.format)}, expected '${FORMAT}')`);
      }
      const others = list.filter((f) => f !== jsonFile);
      const weights = others.find((f) => f.name === modelJSON.weightsFile) ?? (others.length === 1 ? others[0] : undefined);
      if (!weights) {
        throw new TesseraError(
          `loadModel: ${jsonFile.name} names its weights file '${modelJSON.weightsFile}'; ` +
            (others.length === 0 ? 'pick it together with model.json' : `it is not among the picked files (${others.map((f) => f.name).join(', ')})`),
        );
      }
      return { modelJSON, weightData: await weights.arrayBuffer() };
    },
  };
}

export interface HttpOptions {
  /** Passed to every `fetch` (headers, credentials, ...). */
  requestInit?: RequestInit;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
}

/**
 * Loads a model served over HTTP: `url` is its model.json; the weights file it names is fetched
 * from beside it. Works in pages, workers and Node (which has `fetch`). A failed request names the
 * URL and the HTTP status.
 */
export function httpHandler(url: string, options: HttpOptions = {}): IOHandler {
  if (typeof url !== 'string' || url.length === 0) throw new TesseraError(`httpHandler: expected the URL of a model.json, got ${String(url)}`);
  const get = async (u: string, what: string): Promise<Response> => {
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TesseraError('httpHandler: this platform has no fetch');
    let r: Response;
    try {
      r = await f(u, options.requestInit);
    } catch (e) {
      throw new TesseraError(`loadModel: fetching ${what} from ${u} failed: ${(e as Error).message}`);
    }
    if (!r.ok) throw new TesseraError(`loadModel: fetching ${what} from ${u} answered HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`);
    return r;
  };
  return {
    async load(): Promise<ModelArtifacts> {
      const base = new URL(url, globalThis.location?.href ?? 'http://localhost/');
      const text = await (await get(base.href, 'model.json')).text();
      let modelJSON: ModelJSON;
      try {
        modelJSON = JSON.parse(text) as ModelJSON;
      } catch {
        throw new TesseraError(`loadModel: ${base.href} is not JSON (it starts ${JSON.stringify(text.slice(0, 40))})`);
      }
      if (modelJSON === null || typeof modelJSON !== 'object' || modelJSON.format !== FORMAT || typeof modelJSON.weightsFile !== 'string') {
        const format = (modelJSON as { format?: unknown } | null)?.format;
        throw new TesseraError(`loadModel: ${base.href} is not a Tessera model.json (format ${JSON.stringify(format)})${tfjsFormatHint(format)}`);
      }
      const weightsUrl = new URL(modelJSON.weightsFile, base).href;
      const weightData = await (await get(weightsUrl, 'the weights file')).arrayBuffer();
      return { modelJSON, weightData };
    },
  };
}
