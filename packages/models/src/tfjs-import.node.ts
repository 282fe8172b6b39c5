// Reads a TF.js Layers model from a directory for `loadTfjsModel` (Node only: the Node entry registers it).
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TesseraError } from '@tessera/core';
import type { TfjsFiles } from './tfjs-import.js';

/** model.json and its shards from `path`: a directory holding model.json, or the path of model.json itself. */
export function tfjsFileReader(path: string): TfjsFiles {
  const jsonPath = (async (): Promise<string> => {
    const s = await stat(path).catch(() => null);
    if (s === null) throw new TesseraError(`loadTfjsModel: ${path} does not exist`);
    return s.isDirectory() ? join(path, 'model.json') : path;
  })();
  // Known once model.json is: a failed stat surfaces from readModelJSON, which runs first.
  jsonPath.catch(() => undefined);
  return {
    where: /\.json$/i.test(path) ? path : join(path, 'model.json'),
    async readModelJSON(): Promise<string> {
      const p = await jsonPath;
      try {
        return await readFile(p, 'utf8');
      } catch (e) {
        throw new TesseraError(`loadTfjsModel: cannot read ${p}: ${(e as Error).message}`);
      }
    },
    async readShard(shard: string): Promise<ArrayBuffer> {
      const file = join(dirname(await jsonPath), shard);
      let buf: Buffer;
      try {
        buf = await readFile(file);
      } catch (e) {
        const missing = (e as { code?: string }).code === 'ENOENT';
        throw new TesseraError(`loadTfjsModel: ${await jsonPath}: ${missing ? `the weights shard '${shard}' is missing (${file})` : `cannot read the weights shard ${file}: ${(e as Error).message}`}`);
      }
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    },
  };
}
