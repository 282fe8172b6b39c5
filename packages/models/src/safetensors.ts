// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
// N bytes of JSON ({ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {...} }),
// then the tensors' raw little-endian bytes, tiling the rest of the file exactly. Reading checks
// all of that before any tensor is made; writing pads the header with spaces so the data starts
// 8-byte aligned, as the reference implementation does. Browser-safe (bytes in, bytes out); the
// Node entry adds file helpers.
import { Tensor, TesseraError, tensor } from '@tessera/core';
import { Layer, getActivation, type SymbolicShape, type SymbolicTensor } from '@tessera/layers';
import { Model } from './model.js';

/** The dtypes of the safetensors format. */
export const SAFETENSORS_DTYPES: Readonly<Record<string, number>> = /* @__PURE__ */ Object.freeze({
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
});

/** Larger headers are refused (the reference implementation's limit), so a corrupt length cannot make us allocate gigabytes. */
const MAX_HEADER = 100_000_000;

export interface SafetensorsInfo {
  dtype: string;
  shape: number[];
  /** Byte range in the data that follows the header. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
  /** The tensors, in the header's order. */
  tensors: Record<string, SafetensorsInfo>;
  /** Where the data starts in the file (8 + the header length). */
  dataStart: number;
}

function bad(op: string, message: string): TesseraError {
  return new TesseraError(`${op}: ${message}`);
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Parses and checks the header: JSON, known dtypes, shapes, and offsets that tile the data exactly. */
export function readSafetensorsHeader(bytes: Uint8Array | ArrayBuffer, op = 'readSafetensors'): SafetensorsHeader {
  const b = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  if (!(b instanceof Uint8Array)) throw bad(op, `expected the file's bytes (Uint8Array or ArrayBuffer), got ${bytes === null ? 'null' : typeof bytes}`);
  if (b.byteLength < 8) throw bad(op, `the file has ${b.byteLength} bytes; a safetensors file starts with an 8-byte header length`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(b.byteLength - 8)) {
    throw bad(op, `the header length is ${n} bytes, past the end of the file (${b.byteLength} bytes): not a safetensors file, or truncated`);
  }
  const length = Number(n);
  if (length > MAX_HEADER) throw bad(op, `the header length ${length} exceeds the format's limit of ${MAX_HEADER} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(8, 8 + length));
  } catch {
    throw bad(op, 'the header is not UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(op, `the header is not JSON (${(e as Error).message}); it starts ${JSON.stringify(text.slice(0, 40))}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad(op, 'the header must be a JSON object of tensors');
  const dataStart = 8 + length;
  const dataLength = b.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: Record<string, SafetensorsInfo> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || Object.values(entry).some((v) => typeof v !== 'string')) {
        throw bad(op, '__metadata__ must be an object of strings');
      }
      Object.assign(metadata, entry);
      continue;
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw bad(op, `tensor '${name}' must be { dtype, shape, data_offsets }`);
    const e = entry as Record<string, unknown>;
    const extra = Object.keys(e).filter((k) => !['dtype', 'shape', 'data_offsets'].includes(k));
    if (extra.length > 0) throw bad(op, `tensor '${name}' has unknown field ${extra.map((k) => `'${k}'`).join(', ')} (fields: dtype, shape, data_offsets)`);
    const { dtype, shape, data_offsets: offsets } = e;
    if (typeof dtype !== 'string' || SAFETENSORS_DTYPES[dtype] === undefined) {
      throw bad(op, `tensor '${name}' has dtype ${JSON.stringify(dtype)}, which is not a safetensors dtype (${Object.keys(SAFETENSORS_DTYPES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) throw bad(op, `tensor '${name}': shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      throw bad(op, `tensor '${name}': data_offsets must be [begin, end] (non-negative integers), got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) throw bad(op, `tensor '${name}': data_offsets [${begin}, ${end}] are out of order (begin after end)`);
    const expected = shape.reduce((p: number, d: number) => p * d, 1) * SAFETENSORS_DTYPES[dtype]!;
    if (end - begin !== expected) {
      throw bad(op, `tensor '${name}' is ${dtype} of shape [${shape.join(',')}], which is ${expected} bytes, but its data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    tensors[name] = { dtype, shape: [...shape], dataOffsets: [begin, end] };
  }
  // The tensors must tile the data: sorted by offset, each starts where the previous ended.
  let at = 0;
  for (const [name, t] of Object.entries(tensors).sort((x, y) => x[1].dataOffsets[0] - y[1].dataOffsets[0] || x[1].dataOffsets[1] - y[1].dataOffsets[1])) {
    const [begin, end] = t.dataOffsets;
    if (begin < at) throw bad(op, `tensor '${name}' (bytes ${begin}..${end}) overlaps the tensor before it, which ends at byte ${at}`);
    if (begin > at) throw bad(op, `bytes ${at}..${begin} of the data belong to no tensor (a gap before '${name}')`);
    at = end;
  }
  if (at > dataLength) throw bad(op, `the tensors need ${at} bytes of data, the file has ${dataLength} after the header: it is truncated`);
  if (at < dataLength) throw bad(op, `the file has ${dataLength - at} bytes after the last tensor's data (bytes ${at}..${dataLength} belong to no tensor)`);
  return { metadata, tensors, dataStart };
}

/** An IEEE half-precision value (its 16 bits) as a number. */
export function float16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** One tensor's values as float32 or int32 (the dtypes Tessera computes in); refuses what does not fit. */
function decode(op: string, name: string, info: SafetensorsInfo, bytes: Uint8Array, dataStart: number): { values: Float32Array | Int32Array | Uint8Array; dtype: 'float32' | 'int32' | 'bool' } {
  const [begin] = info.dataOffsets;
  const n = info.shape.reduce((p, d) => p * d, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, n * SAFETENSORS_DTYPES[info.dtype]!);
  const floats = (get: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => get(i));
  const ints = (get: (i: number) => number | bigint): Int32Array => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = get(i);
      if (v < -2147483648 || v > 2147483647) throw bad(op, `tensor '${name}' (${info.dtype}) holds ${v} at index ${i}, outside int32 (Tessera's integer dtype)`);
      out[i] = Number(v);
    }
    return out;
  };
  switch (info.dtype) {
    case 'F32':
      return { dtype: 'float32', values: floats((i) => view.getFloat32(4 * i, true)) };
    case 'F64':
      return { dtype: 'float32', values: floats((i) => view.getFloat64(8 * i, true)) };
    case 'F16':
      return { dtype: 'float32', values: floats((i) => float16(view.getUint16(2 * i, true))) };
    case 'BF16':
      return { dtype: 'float32', values: floats((i) => new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0]!) };
    case 'I32':
      return { dtype: 'int32', values: ints((i) => view.getInt32(4 * i, true)) };
    case 'I16':
      return { dtype: 'int32', values: ints((i) => view.getInt16(2 * i, true)) };
    case 'I8':
      return { dtype: 'int32', values: ints((i) => view.getInt8(i)) };
    case 'U8':
      return { dtype: 'int32', values: ints((i) => view.getUint8(i)) };
    case 'U16':
      return { dtype: 'int32', values: ints((i) => view.getUint16(2 * i, true)) };
    case 'U32':
      return { dtype: 'int32', values: ints((i) => view.getUint32(4 * i, true)) };
    case 'I64':
      return { dtype: 'int32', values: ints((i) => view.getBigInt64(8 * i, true)) };
    case 'U64':
      return { dtype: 'int32', values: ints((i) => view.getBigUint64(8 * i, true)) };
    case 'BOOL': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getUint8(i);
        if (v > 1) throw bad(op, `tensor '${name}' is BOOL but holds ${v} at index ${i}`);
        out[i] = v;
      }
      return { dtype: 'bool', values: out };
    }
    default:
      throw bad(op, `tensor '${name}' is ${info.dtype} (8-bit floats), which Tessera does not read`);
  }
}

/**
 * Every tensor of a safetensors file, by name: F32, F16, BF16 and F64 become float32, the integer
 * dtypes int32 (a value outside int32 is an error), BOOL bool. The caller owns the tensors.
 */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer): Record<string, Tensor> {
  const op = 'readSafetensors';
  const header = readSafetensorsHeader(bytes, op);
  const b = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  const decoded = Object.entries(header.tensors).map(([name, info]) => ({ name, info, ...decode(op, name, info, b, header.dataStart) }));
  return Object.fromEntries(decoded.map((d) => [d.name, tensor(d.values, d.info.shape, d.dtype)]));
}

// ------------------------------------------------------------------ writing

interface RawEntry {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

function littleEndianBytes(values: Float32Array | Int32Array | Uint8Array): Uint8Array {
  if (values instanceof Uint8Array) return values;
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] === 1) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => (values instanceof Float32Array ? view.setFloat32(4 * i, v, true) : view.setInt32(4 * i, v, true)));
  return out;
}

function encode(op: string, entries: RawEntry[], metadata: Record<string, string> | undefined): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string')) {
      throw bad(op, 'metadata must be an object of strings (the format stores only strings)');
    }
    if (Object.keys(metadata).length > 0) header['__metadata__'] = { ...metadata };
  }
  let offset = 0;
  for (const e of entries) {
    if (e.name === '__metadata__' || e.name in header) throw bad(op, `two tensors are named '${e.name}'`);
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.byteLength] };
    offset += e.bytes.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Spaces pad the header so the data starts 8-byte aligned (allowed by the format).
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.byteLength));
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let o = 8 + json.byteLength;
  for (const e of entries) {
    out.set(e.bytes, o);
    o += e.bytes.byteLength;
  }
  return out;
}

const DTYPE_OF = { float32: 'F32', int32: 'I32', bool: 'BOOL' } as const;

export interface WriteSafetensorsOptions {
  /** Strings stored under `__metadata__`. */
  metadata?: Record<string, string>;
}

/** A safetensors file of these named tensors (float32 → F32, int32 → I32, bool → BOOL), in the order given. */
export async function writeSafetensors(tensors: Record<string, Tensor>, options: WriteSafetensorsOptions = {}): Promise<Uint8Array> {
  const op = 'writeSafetensors';
  if (tensors === null || typeof tensors !== 'object') throw bad(op, 'expected an object of named tensors');
  const entries: RawEntry[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw bad(op, `'${name}' must be a Tensor`);
    t.assertAlive(op);
    const values = (await t.data()) as Float32Array | Int32Array | Uint8Array;
    entries.push({ name, dtype: DTYPE_OF[t.dtype], shape: [...t.shape], bytes: littleEndianBytes(values) });
  }
  return encode(op, entries, options.metadata);
}

// ------------------------------------------------------------------ a model's weights

/**
 * Names and layouts of a model's weights in a safetensors file.
 * - 'tessera' (default): `<layer>.<weight>` (`dense.kernel`, `conv2d.bias`, `batch_normalization.moving_mean`,
 *   `lstm.recurrent_kernel`), each as Tessera holds it (Dense kernel [in, out], Conv2D kernel HWIO).
 * - 'pytorch': the names and layouts of the equivalent PyTorch modules' `state_dict`
 *   (`dense.weight` [out, in], Conv2d `weight` OIHW, BatchNorm `running_mean`, LSTM `weight_ih_l0`, ...):
 *   see docs/interop.md for the table.
 * A layer inside a nested model is prefixed by the model's name: `encoder.dense.kernel`.
 */
export type SafetensorsLayout = 'tessera' | 'pytorch';

export interface SaveSafetensorsOptions extends WriteSafetensorsOptions {
  layout?: SafetensorsLayout;
}

export interface LoadSafetensorsOptions {
  layout?: SafetensorsLayout;
  /**
   * Every weight of the model must be in the file and every tensor of the file must be a weight
   * of the model (default true, as PyTorch's load_state_dict). false sets the weights that are
   * there and ignores the file's other tensors.
   */
  strict?: boolean;
}

/** One tensor of the file: its name and shape there, and how it maps to the model's weights. */
interface FileTensor {
  key: string;
  dtype?: 'I64';
  shape: number[];
  /** Builds the file's values from the layer's weights (float32, Tessera layout). */
  toFile(weights: Float32Array[]): Float32Array | BigInt64Array;
}

/** A layer's weights in the file: its file tensors, and how to rebuild its weights from them. */
interface LayerMapping {
  layer: Layer;
  tensors: FileTensor[];
  /** The layer's weights (Tessera layout, in `layer.weights` order) from the file's values (by tensor index; a missing one is null). */
  fromFile(values: (Float32Array | null)[]): Float32Array[];
}

/** Permutes the axes of a row-major array: out[i_perm] = x[i]. */
function permute(x: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(x.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < rank; k++) src += idx[k]! * inStrides[perm[k]!]!;
    out[o] = x[src]!;
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k]! < outShape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

const inverse = (perm: number[]): number[] => perm.map((_, i) => perm.indexOf(i));

/** Reorders the gate blocks along the last axis (each `units` wide): out block k = x block order[k]. */
function reorderGates(x: Float32Array, shape: number[], units: number, order: number[]): Float32Array {
  const cols = shape[shape.length - 1]!;
  const rows = x.length / cols;
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    order.forEach((from, to) => out.set(x.subarray(r * cols + from * units, r * cols + (from + 1) * units), r * cols + to * units));
  }
  return out;
}

/** The short name of a Tessera weight inside its layer ('dense/kernel_1' → 'kernel'). */
function weightName(layer: Layer, w: { name: string }): string {
  return w.name.slice(layer.name.length + 1).replace(/_\d+$/, '');
}

/** The Tessera layout: one file tensor per weight, as it is. */
function tesseraMapping(layer: Layer, prefix: string): LayerMapping {
  const ws = layer.weights;
  return {
    layer,
    tensors: ws.map((w, i) => ({ key: `${prefix}${layer.name}.${weightName(layer, w)}`, shape: [...w.shape], toFile: (v) => v[i]! })),
    fromFile: (values) => values.map((v) => v!),
  };
}

/** For a Dense fed by a Flatten of NHWC maps: the [h, w, c] of those maps (PyTorch flattens them as c, h, w). */
function flattenedFrom(model: Model, layer: Layer): [number, number, number] | null {
  for (const node of model.topology.nodes) {
    if (node.layer !== layer) continue;
    const src: SymbolicTensor | undefined = node.inputs[0];
    const flat = src?.node;
    if (!flat || flat.layer.className !== 'Flatten') return null;
    const shape = flat.inputs[0]?.shape;
    if (!shape || shape.length !== 4 || shape.slice(1).some((d) => d === null)) return null;
    return shape.slice(1) as [number, number, number];
  }
  return null;
}

function pytorchMapping(model: Model, layer: Layer, prefix: string, op: string): LayerMapping | null {
  const ws = layer.weights;
  const byName = new Map(ws.map((w, i) => [weightName(layer, w), i]));
  const idx = (n: string): number | undefined => byName.get(n);
  const shapeOf = (n: string): number[] => [...ws[idx(n)!]!.shape];
  const key = (n: string): string => `${prefix}${layer.name}.${n}`;
  const refuse = (why: string): TesseraError => bad(op, `layer '${layer.name}' (${layer.className}) has no PyTorch layout: ${why} (save it with { layout: 'tessera' })`);
  const bias = (name = 'bias'): FileTensor[] => (idx('bias') === undefined ? [] : [{ key: key(name), shape: shapeOf('bias'), toFile: (v) => v[idx('bias')!]! }]);
  const className = layer.className;
  const l = layer as unknown as Record<string, unknown>;
  switch (className) {
    case 'Dense': {
      const [inDim, units] = shapeOf('kernel') as [number, number];
      const hwc = flattenedFrom(model, layer);
      // [in, out] → [out, in]; after a Flatten of NHWC maps the inputs are reordered to PyTorch's CHW.
      const toTorch = (k: Float32Array): Float32Array => {
        const rows = hwc ? permute(k, [...hwc, units], [2, 0, 1, 3]) : k;
        return permute(rows, [inDim, units], [1, 0]);
      };
      const fromTorch = (w: Float32Array): Float32Array => {
        const k = permute(w, [units, inDim], [1, 0]);
        return hwc ? permute(k, [hwc[2], hwc[0], hwc[1], units], [1, 2, 0, 3]) : k;
      };
      return {
        layer,
        tensors: [{ key: key('weight'), shape: [units, inDim], toFile: (v) => toTorch(v[idx('kernel')!]!) }, ...bias()],
        fromFile: (v) => [fromTorch(v[0]!), ...(idx('bias') === undefined ? [] : [v[1]!])],
      };
    }
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv2DTranspose': {
      // Conv1D [k, in, out] → [out, in, k]; Conv2D HWIO → OIHW; Conv2DTranspose [kh, kw, out, in] → [in, out, kh, kw].
      const shape = shapeOf('kernel');
      const perm = shape.length === 3 ? [2, 1, 0] : [3, 2, 0, 1];
      return {
        layer,
        tensors: [{ key: key('weight'), shape: perm.map((p) => shape[p]!), toFile: (v) => permute(v[idx('kernel')!]!, shape, perm) }, ...bias()],
        fromFile: (v) => [permute(v[0]!, perm.map((p) => shape[p]!), inverse(perm)), ...(idx('bias') === undefined ? [] : [v[1]!])],
      };
    }
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      // The depthwise kernel [kh, kw, in, m] is a grouped Conv2d weight [in·m, 1, kh, kw] (output channel c·m + j).
      const dwName = className === 'DepthwiseConv2D' ? 'kernel' : 'depthwise_kernel';
      const [kh, kw, cin, m] = shapeOf(dwName) as [number, number, number, number];
      const dw: FileTensor = {
        key: key(className === 'DepthwiseConv2D' ? 'weight' : 'depthwise.weight'),
        shape: [cin * m, 1, kh, kw],
        toFile: (v) => permute(v[idx(dwName)!]!, [kh, kw, cin, m], [2, 3, 0, 1]),
      };
      const dwBack = (x: Float32Array): Float32Array => permute(x, [cin, m, kh, kw], [2, 3, 0, 1]);
      if (className === 'DepthwiseConv2D') {
        return { layer, tensors: [dw, ...bias()], fromFile: (v) => [dwBack(v[0]!), ...(idx('bias') === undefined ? [] : [v[1]!])] };
      }
      const pw = shapeOf('pointwise_kernel');
      const perm = [3, 2, 0, 1];
      return {
        layer,
        tensors: [
          dw,
          { key: key('pointwise.weight'), shape: perm.map((p) => pw[p]!), toFile: (v) => permute(v[idx('pointwise_kernel')!]!, pw, perm) },
          ...bias('pointwise.bias'),
        ],
        fromFile: (v) => [dwBack(v[0]!), permute(v[1]!, perm.map((p) => pw[p]!), inverse(perm)), ...(idx('bias') === undefined ? [] : [v[2]!])],
      };
    }
    case 'BatchNormalization': {
      const hasGamma = idx('gamma') !== undefined;
      const hasBeta = idx('beta') !== undefined;
      if (hasGamma !== hasBeta) throw refuse('PyTorch\'s BatchNorm has both weight and bias (affine) or neither, this layer has only one of gamma and beta');
      const c = shapeOf('moving_mean');
      const tensors: FileTensor[] = [
        ...(hasGamma ? [{ key: key('weight'), shape: c, toFile: (v: Float32Array[]) => v[idx('gamma')!]! }, { key: key('bias'), shape: c, toFile: (v: Float32Array[]) => v[idx('beta')!]! }] : []),
        { key: key('running_mean'), shape: c, toFile: (v) => v[idx('moving_mean')!]! },
        { key: key('running_var'), shape: c, toFile: (v) => v[idx('moving_variance')!]! },
        // PyTorch's BatchNorm has a step counter buffer; load_state_dict (strict) wants it.
        { key: key('num_batches_tracked'), dtype: 'I64', shape: [], toFile: () => new BigInt64Array(1) },
      ];
      const n = hasGamma ? 2 : 0;
      return {
        layer,
        tensors,
        fromFile: (v) => ws.map((w) => {
          const name = weightName(layer, w);
          return name === 'gamma' ? v[0]! : name === 'beta' ? v[1]! : name === 'moving_mean' ? v[n]! : v[n + 1]!;
        }),
      };
    }
    case 'LayerNormalization': {
      // PyTorch's LayerNorm normalises the trailing dimensions: the layer's axes must be those.
      const axis = l['axis'] as number | number[];
      const rank = (layer.buildInputShape as SymbolicShape).length;
      const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
      if (!axes.every((a, i) => a === rank - axes.length + i)) throw refuse(`it normalises over axis ${JSON.stringify(axis)} of rank-${rank} inputs, not the trailing ones`);
      const hasGamma = idx('gamma') !== undefined;
      const hasBeta = idx('beta') !== undefined;
      return {
        layer,
        tensors: [
          ...(hasGamma ? [{ key: key('weight'), shape: shapeOf('gamma'), toFile: (v: Float32Array[]) => v[idx('gamma')!]! }] : []),
          ...(hasBeta ? [{ key: key('bias'), shape: shapeOf('beta'), toFile: (v: Float32Array[]) => v[idx('beta')!]! }] : []),
        ],
        fromFile: (v) => v.map((x) => x!),
      };
    }
    case 'Embedding':
      return { layer, tensors: [{ key: key('weight'), shape: shapeOf('embeddings'), toFile: (v) => v[0]! }], fromFile: (v) => [v[0]!] };
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU': {
      const units = l['units'] as number;
      const act = l['activation'];
      const recurrent = l['recurrentActivation'];
      if (className === 'SimpleRNN' && act !== getActivation('tanh') && act !== getActivation('relu')) throw refuse("PyTorch's RNN has tanh or relu only");
      if (className !== 'SimpleRNN' && (act !== getActivation('tanh') || recurrent !== getActivation('sigmoid'))) {
        throw refuse(`PyTorch's ${className} computes with tanh and sigmoid, this layer has other activations`);
      }
      if (className === 'GRU' && l['resetAfter'] !== true) throw refuse("PyTorch's GRU applies the reset gate after the recurrent matmul (resetAfter: true)");
      // Keras's gates: LSTM i, f, c, o (PyTorch i, f, g, o: the same); GRU z, r, h (PyTorch r, z, n).
      const order = className === 'GRU' ? [1, 0, 2] : className === 'LSTM' ? [0, 1, 2, 3] : [0];
      const gates = (x: Float32Array, shape: number[]): Float32Array => reorderGates(x, shape, units, order);
      const ungates = (x: Float32Array, shape: number[]): Float32Array => reorderGates(x, shape, units, inverse(order));
      const k = shapeOf('kernel');
      const rk = shapeOf('recurrent_kernel');
      const g = k[1]!;
      const hasBias = idx('bias') !== undefined;
      const resetAfter = className === 'GRU';
      const tensors: FileTensor[] = [
        { key: key('weight_ih_l0'), shape: [g, k[0]!], toFile: (v) => permute(gates(v[idx('kernel')!]!, k), k, [1, 0]) },
        { key: key('weight_hh_l0'), shape: [g, units], toFile: (v) => permute(gates(v[idx('recurrent_kernel')!]!, rk), rk, [1, 0]) },
      ];
      if (hasBias) {
        // Keras adds one bias (GRU: an input and a recurrent one); PyTorch always has two.
        const b = (v: Float32Array[], row: number): Float32Array => {
          const all = v[idx('bias')!]!;
          if (!resetAfter) return row === 0 ? gates(all, [g]) : new Float32Array(g);
          return gates(all.subarray(row * g, (row + 1) * g), [g]);
        };
        tensors.push({ key: key('bias_ih_l0'), shape: [g], toFile: (v) => b(v, 0) }, { key: key('bias_hh_l0'), shape: [g], toFile: (v) => b(v, 1) });
      }
      return {
        layer,
        tensors,
        fromFile: (v) => {
          const out = [ungates(permute(v[0]!, [g, k[0]!], [1, 0]), k), ungates(permute(v[1]!, [g, units], [1, 0]), rk)];
          if (hasBias) {
            const [ih, hh] = [ungates(v[2]!, [g]), ungates(v[3]!, [g])];
            if (resetAfter) {
              const both = new Float32Array(2 * g);
              both.set(ih, 0);
              both.set(hh, g);
              out.push(both);
            } else out.push(ih.map((x, i) => x + hh[i]!));
          }
          return out;
        },
      };
    }
    default:
      if (ws.length === 0) return null;
      throw refuse('no PyTorch module corresponds to it');
  }
}

/** Every weight-holding layer of the model (nested models' layers prefixed by the model's name) and its mapping. */
function mappings(model: Model, layout: SafetensorsLayout, op: string, prefix = ''): LayerMapping[] {
  const out: LayerMapping[] = [];
  for (const layer of model.layers) {
    if (layer instanceof Model) {
      out.push(...mappings(layer, layout, op, `${prefix}${layer.name}.`));
      continue;
    }
    if (layer.weights.length === 0) continue;
    if (layer.subLayers.length > 0) {
      throw bad(op, `layer '${layer.name}' (${layer.className}) holds layers of its own, which safetensors saving does not name yet`);
    }
    const m = layout === 'pytorch' ? pytorchMapping(model, layer, prefix, op) : tesseraMapping(layer, prefix);
    if (m) out.push(m);
  }
  return out;
}

function checkModel(op: string, model: unknown, layout: unknown): asserts model is Model {
  if (!(model instanceof Model)) throw bad(op, `expected a Model or Sequential, got ${model === null ? 'null' : typeof model}`);
  if (!model.built) throw bad(op, `model '${model.name}' is not built yet (give the first layer an inputShape, or call build/fit first)`);
  if (layout !== 'tessera' && layout !== 'pytorch') throw bad(op, `layout must be 'tessera' or 'pytorch', got ${JSON.stringify(layout)}`);
}

/**
 * A model's weights as a safetensors file (see `SafetensorsLayout` for the names and layouts).
 * The metadata records the layout and the model's name, with `format: 'pt'` in the PyTorch layout
 * (what `safetensors.torch.save_file` writes).
 */
export async function saveSafetensors(model: Model, options: SaveSafetensorsOptions = {}): Promise<Uint8Array> {
  const op = 'saveSafetensors';
  const { layout = 'tessera', metadata } = options;
  checkModel(op, model, layout);
  const entries: RawEntry[] = [];
  for (const m of mappings(model, layout, op)) {
    const values = await Promise.all(m.layer.weights.map(async (w) => Float32Array.from(await w.data())));
    for (const t of m.tensors) {
      const v = t.toFile(values);
      entries.push({ name: t.key, dtype: t.dtype ?? 'F32', shape: t.shape, bytes: v instanceof BigInt64Array ? new Uint8Array(v.buffer) : littleEndianBytes(v) });
    }
  }
  return encode(op, entries, { ...(layout === 'pytorch' ? { format: 'pt' } : {}), 'tessera.layout': layout, 'tessera.model': model.name, ...metadata });
}

/**
 * Sets a model's weights from a safetensors file written by `saveSafetensors` or by PyTorch (in
 * the chosen layout). Everything is checked — names, shapes, dtypes (float tensors only; F16,
 * BF16 and F64 are converted) — before any weight changes.
 */
export async function loadSafetensors(model: Model, bytes: Uint8Array | ArrayBuffer, options: LoadSafetensorsOptions = {}): Promise<void> {
  const op = 'loadSafetensors';
  const { layout = 'tessera', strict = true } = options;
  checkModel(op, model, layout);
  const header = readSafetensorsHeader(bytes, op);
  const b = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  const used = new Set<string>();
  const partial: { mapping: LayerMapping; values: (Float32Array | null)[]; complete: boolean }[] = [];
  const missing: string[] = [];
  for (const m of mappings(model, layout, op)) {
    const values = m.tensors.map((t) => {
      const info = header.tensors[t.key];
      if (!info) {
        if (t.dtype !== 'I64') missing.push(t.key);
        return null;
      }
      used.add(t.key);
      if (info.shape.length !== t.shape.length || info.shape.some((d, i) => d !== t.shape[i])) {
        throw bad(op, `tensor '${t.key}' has shape [${info.shape.join(',')}] in the file, but layer '${m.layer.name}' (${m.layer.className}) needs [${t.shape.join(',')}]`);
      }
      if (t.dtype === 'I64') return null;
      if (!['F32', 'F16', 'BF16', 'F64'].includes(info.dtype)) {
        throw bad(op, `tensor '${t.key}' is ${info.dtype}, but the weights of layer '${m.layer.name}' are floating point (F32, F16, BF16 or F64 expected)`);
      }
      return decode(op, t.key, info, b, header.dataStart).values as Float32Array;
    });
    const absent = m.tensors.filter((t, i) => t.dtype !== 'I64' && values[i] === null).length;
    if (absent < m.tensors.filter((t) => t.dtype !== 'I64').length) partial.push({ mapping: m, values, complete: absent === 0 });
  }
  const unexpected = Object.keys(header.tensors).filter((k) => !used.has(k));
  if (strict && (missing.length > 0 || unexpected.length > 0)) {
    throw bad(
      op,
      [
        missing.length ? `the file lacks ${missing.map((k) => `'${k}'`).join(', ')}` : '',
        unexpected.length ? `the file has ${unexpected.map((k) => `'${k}'`).join(', ')}, which model '${model.name}' does not` : '',
      ].filter(Boolean).join('; ') + ` (layout '${layout}'; pass { strict: false } to load what matches)`,
    );
  }
  const updates: { layer: Layer; values: Float32Array[] }[] = [];
  for (const { mapping: m, values, complete } of partial) {
    // (strict: false) The file's missing tensors keep the layer's current values.
    if (!complete) {
      const current = await Promise.all(m.layer.weights.map(async (w) => Float32Array.from(await w.data())));
      m.tensors.forEach((t, i) => {
        if (values[i] === null && t.dtype !== 'I64') values[i] = t.toFile(current) as Float32Array;
      });
    }
    updates.push({ layer: m.layer, values: m.fromFile(values) });
  }
  for (const { layer, values } of updates) {
    const ts = values.map((v, i) => tensor(v, layer.weights[i]!.shape));
    try {
      layer.setWeights(ts);
    } finally {
      ts.forEach((t) => t.dispose());
    }
  }
}
