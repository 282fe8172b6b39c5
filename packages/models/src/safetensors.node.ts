// safetensors files on disk (Node only: exported by the Node entry).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TesseraError, type Tensor } from '@tessera/core';
import type { Model } from './model.js';
import { loadSafetensors, readSafetensors, saveSafetensors, type LoadSafetensorsOptions, type SaveSafetensorsOptions } from './safetensors.js';

async function read(op: string, path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new TesseraError(`${op}: cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Writes the model's weights to `path` (e.g. `model.safetensors`), through a temporary file renamed into place. */
export async function saveSafetensorsFile(model: Model, path: string, options: SaveSafetensorsOptions = {}): Promise<void> {
  const bytes = await saveSafetensors(model, options);
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${Math.random().toString(36).slice(2, 10)}`);
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

/** Sets the model's weights from the safetensors file at `path`. */
export async function loadSafetensorsFile(model: Model, path: string, options: LoadSafetensorsOptions = {}): Promise<void> {
  await loadSafetensors(model, await read('loadSafetensors', path), options);
}

/** Every tensor of the safetensors file at `path`, by name (the caller owns them). */
export async function readSafetensorsFile(path: string): Promise<Record<string, Tensor>> {
  return readSafetensors(await read('readSafetensors', path));
}
