import { TesseraError, fmtShape } from '@tessera/core';

/**
 * The IDX format (LeCun's MNIST files): a 4-byte magic number — two zero bytes, a type code, the
 * number of dimensions — then one big-endian uint32 per dimension, then the values, big-endian,
 * row-major, nothing after them.
 */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export interface IdxDataMap {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** A parsed IDX file: its element type, its shape and its values (a copy, in native byte order). */
export type IdxArray = { [D in IdxDtype]: { dtype: D; shape: number[]; data: IdxDataMap[D] } }[IdxDtype];

interface IdxType {
  code: number;
  dtype: IdxDtype;
  bytes: number;
  name: string;
}

/** Value ranges of the integer types, for encodeIdx. */
const INT_RANGES: Partial<Record<IdxDtype, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

const IDX_TYPES: readonly IdxType[] = [
  { code: 0x08, dtype: 'uint8', bytes: 1, name: 'unsigned byte' },
  { code: 0x09, dtype: 'int8', bytes: 1, name: 'signed byte' },
  { code: 0x0b, dtype: 'int16', bytes: 2, name: 'short' },
  { code: 0x0c, dtype: 'int32', bytes: 4, name: 'int' },
  { code: 0x0d, dtype: 'float32', bytes: 4, name: 'float' },
  { code: 0x0e, dtype: 'float64', bytes: 8, name: 'double' },
];

const hex = (v: number): string => `0x${v.toString(16).padStart(2, '0')}`;

function typeByCode(code: number): IdxType | undefined {
  return IDX_TYPES.find((t) => t.code === code);
}

function typeByDtype(dtype: IdxDtype): IdxType {
  const t = IDX_TYPES.find((x) => x.dtype === dtype);
  if (!t) throw new TesseraError(`encodeIdx: unknown dtype '${String(dtype)}' (expected ${IDX_TYPES.map((x) => x.dtype).join(', ')})`);
  return t;
}

/** Views any binary input as bytes without copying. */
export function asBytes(buffer: ArrayBuffer | ArrayBufferView, op = 'parseIdx'): Uint8Array {
  if (buffer instanceof Uint8Array) return buffer;
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  throw new TesseraError(`${op}: expected binary data (an ArrayBuffer or Uint8Array), got ${buffer === null ? 'null' : typeof buffer}`);
}

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(buffer: ArrayBuffer | ArrayBufferView): boolean {
  const b = asBytes(buffer);
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Parses an uncompressed IDX file. Throws when the magic number, the type code, the dimension count
 * or the length does not match the format, saying what was expected and what was found. Gzipped
 * input is rejected here: use `parseIdxMaybeGzip` (or the node entry's `parseIdxMaybeGzipSync`).
 */
export function parseIdx(buffer: ArrayBuffer | Uint8Array, source = 'IDX data'): IdxArray {
  const bytes = asBytes(buffer);
  const fail = (msg: string): TesseraError => new TesseraError(`parseIdx: ${source}: ${msg}`);
  if (isGzip(bytes)) {
    throw fail('the data is gzip-compressed (starts with 1f 8b); decompress it first or use parseIdxMaybeGzip');
  }
  if (bytes.length < 4) throw fail(`${bytes.length} bytes is too short for an IDX magic number, expected at least 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw fail(
      `bad magic number ${[...bytes.subarray(0, 4)].map(hex).join(' ')}: expected two zero bytes, a type code and a dimension count (e.g. 00 00 08 03 for MNIST images)`,
    );
  }
  const type = typeByCode(bytes[2]!);
  if (!type) {
    throw fail(`unknown type code ${hex(bytes[2]!)} in the magic number, expected one of ${IDX_TYPES.map((t) => `${hex(t.code)} (${t.name})`).join(', ')}`);
  }
  const rank = bytes[3]!;
  if (rank === 0) throw fail('the magic number declares 0 dimensions, expected at least 1');
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw fail(`truncated header: ${rank} dimensions need ${headerBytes} header bytes, found ${bytes.length} bytes in all`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    const what = `shape ${fmtShape(shape)} of ${type.name}s needs ${headerBytes} header bytes + ${count * type.bytes} data bytes = ${expected} bytes`;
    if (bytes.length < expected) throw fail(`truncated: ${what}, found ${bytes.length} (${expected - bytes.length} missing)`);
    throw fail(`${bytes.length - expected} extra bytes after the data: ${what}, found ${bytes.length}`);
  }
  return { dtype: type.dtype, shape, data: readValues(type, view, headerBytes, count) } as IdxArray;
}

function readValues(type: IdxType, view: DataView, offset: number, count: number): IdxDataMap[IdxDtype] {
  switch (type.dtype) {
    case 'uint8':
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Writes values as an IDX file (the inverse of `parseIdx`). */
export function encodeIdx(array: { dtype: IdxDtype; shape: readonly number[]; data: ArrayLike<number> }): Uint8Array {
  const type = typeByDtype(array.dtype);
  const { shape, data } = array;
  if (shape.length === 0 || shape.length > 255) throw new TesseraError(`encodeIdx: IDX needs 1 to 255 dimensions, got shape ${fmtShape(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new TesseraError(`encodeIdx: dimension ${d} of shape ${fmtShape(shape)} is not a uint32`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new TesseraError(`encodeIdx: ${data.length} values do not fill shape ${fmtShape(shape)} (size ${count})`);
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + count * type.bytes);
  const view = new DataView(out.buffer);
  out[2] = type.code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const write: (i: number, v: number) => void = {
    uint8: (i: number, v: number) => view.setUint8(header + i, v),
    int8: (i: number, v: number) => view.setInt8(header + i, v),
    int16: (i: number, v: number) => view.setInt16(header + 2 * i, v, false),
    int32: (i: number, v: number) => view.setInt32(header + 4 * i, v, false),
    float32: (i: number, v: number) => view.setFloat32(header + 4 * i, v, false),
    float64: (i: number, v: number) => view.setFloat64(header + 8 * i, v, false),
  }[type.dtype];
  const range = INT_RANGES[type.dtype];
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    if (range && !(Number.isInteger(v) && v >= range[0] && v <= range[1])) {
      throw new TesseraError(`encodeIdx: value ${v} at flat index ${i} is not a ${type.dtype} (an integer in [${range[0]}, ${range[1]}])`);
    }
    write(i, v);
  }
  return out;
}
