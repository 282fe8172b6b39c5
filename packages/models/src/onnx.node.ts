// ONNX files on disk (Node only: exported by the Node entry).
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Model } from './model.js';
import { exportOnnx, type ExportOnnxOptions } from './onnx.js';

/**
 * Exports the model (see `exportOnnx`) to `path` (e.g. `model.onnx`), creating its directory, through
 * a temporary file renamed into place: an error leaves no partial file. Returns the bytes written.
 */
export async function saveOnnxFile(model: Model, path: string, options: ExportOnnxOptions = {}): Promise<number> {
  const bytes = await exportOnnx(model, options);
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${Math.random().toString(36).slice(2, 10)}`);
  try {
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return bytes.byteLength;
}
