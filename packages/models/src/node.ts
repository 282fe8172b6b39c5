// The Node entry of @tessera/models: everything of the browser entry, plus `save(path)` and
// `loadModel(path)` on the file system. Node picks it for '@tessera/models' through the `node`
// export condition; bundles for browsers get the default entry, which reaches no Node built-in.
import * as nodeFs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { registerPathHandler, tfjsFormatHint, type IOHandler, type ModelArtifacts, type ModelJSON, type SaveResult } from './io.js';
import { registerTfjsPathReader } from './tfjs-import.js';
import { tfjsFileReader } from './tfjs-import.node.js';

export * from './index.js';
export { loadSafetensorsFile, readSafetensorsFile, saveSafetensorsFile } from './safetensors.node.js';
export { saveOnnxFile } from './onnx.node.js';

/** The file operations a save or load uses (tests pass a wrapper that fails at a chosen step). */
export type FileSystem = Pick<typeof nodeFs, 'mkdir' | 'open' | 'rename' | 'unlink' | 'readdir' | 'readFile' | 'stat'>;

export interface FileHandlerOptions {
  fs?: FileSystem;
}

/** Files a save writes or leaves behind: weights files (any version's name) and interrupted temporaries. */
const WEIGHTS_FILE = /^weights(\.[0-9a-f]{16})?\.bin$/;
const TEMPORARY = /^\.(model\.json|weights(\.[0-9a-f]{16})?\.bin)\.tmp-[0-9a-z]+$/;

/** Writes `data` to a temporary file beside `path`, flushes it to the disk and renames it over `path`. */
async function writeAtomically(fs: FileSystem, path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${Math.random().toString(36).slice(2, 10)}`);
  const file = await fs.open(tmp, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.rename(tmp, path);
}

/** Flushes a directory's entries (the renames) where the platform allows opening a directory. */
async function syncDirectory(fs: FileSystem, dir: string): Promise<void> {
  let handle: Awaited<ReturnType<FileSystem['open']>> | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open or flush a directory; the renames are still atomic there.
  } finally {
    await handle?.close();
  }
}

/**
 * Saves as `<dir>/model.json` + `<dir>/weights.<hash>.bin`, and loads them back.
 *
 * A save never leaves a directory that does not load: the weights go to a new file named by their
 * content, then model.json is replaced in one rename (the moment the new model takes over), and
 * only then are the previous weights file and any temporaries of interrupted saves removed. A
 * crash or an error at any step leaves the previous model or the new one, both complete.
 */
export function fileHandler(path: string, { fs = nodeFs }: FileHandlerOptions = {}): IOHandler {
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      if (/\.json$/i.test(path)) {
        throw new TesseraError(`save('${path}'): pass the directory to save into (it gets model.json and the weights file), not a .json path`);
      }
      const dir = path;
      await fs.mkdir(dir, { recursive: true });
      const json = JSON.stringify(a.modelJSON, null, 1);
      await writeAtomically(fs, join(dir, a.modelJSON.weightsFile), new Uint8Array(a.weightData));
      await writeAtomically(fs, join(dir, 'model.json'), json);
      await syncDirectory(fs, dir);
      for (const name of await fs.readdir(dir)) {
        if ((WEIGHTS_FILE.test(name) && name !== a.modelJSON.weightsFile) || TEMPORARY.test(name)) await fs.unlink(join(dir, name));
      }
      return { location: dir, modelJSONBytes: json.length, weightBytes: a.weightData.byteLength };
    },
    async load(): Promise<ModelArtifacts> {
      // The TF.js habit: the path of model.json itself.
      let dir = path;
      if (/\.json$/i.test(path) && (await fs.stat(path).catch(() => null))?.isFile()) dir = dirname(path);
      const jsonPath = join(dir, 'model.json');
      let text: string;
      try {
        text = await fs.readFile(jsonPath, 'utf8');
      } catch (e) {
        const code = (e as { code?: string }).code;
        const hint = code === 'ENOTDIR' ? ` (${path} is a file: pass the directory holding model.json)` : '';
        throw new TesseraError(`loadModel: cannot read ${jsonPath}: ${(e as Error).message}${hint}`);
      }
      let modelJSON: ModelJSON;
      try {
        modelJSON = JSON.parse(text) as ModelJSON;
      } catch (e) {
        throw new TesseraError(`loadModel: ${jsonPath} is not valid JSON: ${(e as Error).message}`);
      }
      const format = (modelJSON as { format?: unknown } | null)?.format;
      if (format === 'layers-model' || format === 'graph-model') throw new TesseraError(`loadModel: ${jsonPath} is not a Tessera model${tfjsFormatHint(format)}`);
      const name = typeof modelJSON?.weightsFile === 'string' ? basename(modelJSON.weightsFile) : 'weights.bin';
      const file = join(dir, name);
      let buf: Buffer;
      try {
        buf = await fs.readFile(file);
      } catch (e) {
        throw new TesseraError(`loadModel: cannot read the weights file ${file}: ${(e as Error).message}`);
      }
      return { modelJSON, weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer };
    },
  };
}

registerPathHandler((path) => fileHandler(path.replace(/^file:\/\//, '')));
registerTfjsPathReader((path) => tfjsFileReader(path.replace(/^file:\/\//, '')));
