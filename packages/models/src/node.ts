// The Node entry of @tessera/models: everything of the browser entry, plus `save(path)` and
// `loadModel(path)` on the file system. Node picks it for '@tessera/models' through the `node`
// export condition; bundles for browsers get the default entry, which reaches no Node built-in.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { registerPathHandler, type IOHandler, type ModelJSON } from './io.js';

export * from './index.js';

/** Saves as `<dir>/model.json` + `<dir>/weights.bin`, and loads them back. */
export function fileHandler(dir: string): IOHandler {
  return {
    async save(a) {
      await mkdir(dir, { recursive: true });
      const json = JSON.stringify(a.modelJSON, null, 1);
      await writeFile(join(dir, a.modelJSON.weightsFile), new Uint8Array(a.weightData));
      await writeFile(join(dir, 'model.json'), json);
      return { location: dir, modelJSONBytes: json.length, weightBytes: a.weightData.byteLength };
    },
    async load() {
      let text: string;
      try {
        text = await readFile(join(dir, 'model.json'), 'utf8');
      } catch (e) {
        throw new TesseraError(`loadModel: cannot read ${join(dir, 'model.json')}: ${(e as Error).message}`);
      }
      let modelJSON: ModelJSON;
      try {
        modelJSON = JSON.parse(text) as ModelJSON;
      } catch (e) {
        throw new TesseraError(`loadModel: ${join(dir, 'model.json')} is not valid JSON: ${(e as Error).message}`);
      }
      const file = join(dir, typeof modelJSON.weightsFile === 'string' ? basename(modelJSON.weightsFile) : 'weights.bin');
      let buf: Buffer;
      try {
        buf = await readFile(file);
      } catch (e) {
        throw new TesseraError(`loadModel: cannot read the weights file ${file}: ${(e as Error).message}`);
      }
      return { modelJSON, weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer };
    },
  };
}

registerPathHandler((path) => fileHandler(path.replace(/^file:\/\//, '')));
