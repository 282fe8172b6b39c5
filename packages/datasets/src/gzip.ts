import { TesseraError } from '@tessera/core';
import { asBytes, isGzip, parseIdx, type IdxArray } from './idx.js';

/**
 * Decompresses gzip data with the platform's `DecompressionStream` (browsers, Deno, Node ≥ 18).
 * Input that does not start with the gzip magic number is returned as is.
 */
export async function gunzipIfNeeded(buffer: ArrayBuffer | Uint8Array, source = 'the data'): Promise<Uint8Array> {
  const bytes = asBytes(buffer, 'gunzip');
  if (!isGzip(bytes)) return bytes;
  if (typeof DecompressionStream === 'undefined') {
    throw new TesseraError('gunzip: this platform has no DecompressionStream; decompress the data first (or use the node entry, which uses zlib)');
  }
  // Copy into a fresh ArrayBuffer: Blob parts must not be views of shared memory.
  const blob = new Blob([bytes.slice()]);
  try {
    const stream = blob.stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new TesseraError(`gunzip: ${source} starts with the gzip magic number but does not decompress: ${(e as Error).message}`);
  }
}

/** `parseIdx` that first decompresses gzipped input (detected by its 1f 8b magic number). */
export async function parseIdxMaybeGzip(buffer: ArrayBuffer | Uint8Array, source = 'IDX data'): Promise<IdxArray> {
  return parseIdx(await gunzipIfNeeded(buffer, source), source);
}
