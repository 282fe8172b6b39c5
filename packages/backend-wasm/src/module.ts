import { TesseraError } from '@tessera/core';

/** Where the compiled kernels come from: a URL (or path, in Node), the bytes, or a compiled module. */
export type WasmSource = URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/** The functions the AssemblyScript module exports (assembly/index.ts); addresses are byte offsets. */
export interface KernelExports {
  heapBase(): number;
  unary(op: number, dtype: number, out: number, x: number, n: number): void;
  binary(op: number, dtype: number, out: number, a: number, b: number, layout: number, nd: number, size: number): void;
  select(dtype: number, out: number, cond: number, a: number, b: number, layout: number, nd: number, size: number): void;
  cast(from: number, to: number, out: number, x: number, n: number): void;
  reduce(op: number, dtype: number, outDtype: number, out: number, x: number, xSize: number, outSize: number, acc: number, layout: number, nd: number): void;
  argReduce(sign: number, dtype: number, out: number, x: number, outer: number, n: number, inner: number, best: number): void;
  segmentSum(dtype: number, out: number, x: number, ids: number, rows: number, inner: number, numSegments: number, acc: number): void;
  copyNd(esz: number, dst: number, src: number, layout: number, nd: number): void;
  fill(esz: number, dst: number, bits: number, n: number): void;
  gather(esz: number, out: number, x: number, indices: number, outer: number, d: number, k: number, inner: number): void;
  gemm(m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, accumulate: number, scratch: number): void;
  gemmScratchBytes(): number;
  batchMatMul(c: number, a: number, b: number, batch: number, strideA: number, strideB: number, m: number, n: number, k: number, transA: number, transB: number, scratch: number): void;
  biasActivation(c: number, rows: number, n: number, bias: number, act: number, tile: number): void;
  conv2d(y: number, x: number, f: number, geometry: number, col: number, scratch: number): void;
  conv2dBackpropInput(dx: number, dy: number, f: number, geometry: number, col: number, scratch: number): void;
  conv2dBackpropFilter(df: number, x: number, dy: number, geometry: number, col: number, scratch: number): void;
  conv2dNarrowImages(y: number, x: number, f: number, geometry: number, img0: number, img1: number): void;
  im2colRows(x: number, geometry: number, r0: number, r1: number, col: number): void;
  col2imRows(col: number, geometry: number, r0: number, r1: number, dx: number): void;
  pool(mode: number, out: number, a: number, b: number, geometry: number, scratch: number): void;
  softmax(y: number, x: number, rows: number, c: number): void;
  softmaxCrossEntropy(loss: number, x: number, labels: number, rows: number, c: number): void;
}

/** The module as built: memory imported as `env.memory`, declared shared with this maximum (pages). */
export const MODULE_MAX_PAGES = 65536;

/**
 * Whether this realm can create a shared WebAssembly.Memory: SharedArrayBuffer exists (in
 * browsers only on cross-origin-isolated pages).
 */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** The module built next to the package: build/kernels.wasm, one level up from src/ and from dist/. */
function defaultUrl(): URL {
  return new URL('../build/kernels.wasm', import.meta.url);
}

/** Reads the module: from the file system in Node (a path or file: URL), over fetch otherwise. */
async function fetchBytes(source: URL | string): Promise<Uint8Array> {
  const isPath = typeof source === 'string' && isNode() && !/^[a-z]+:\/\//i.test(source);
  const base = typeof location === 'undefined' ? undefined : location.href;
  const url = isPath ? source : new URL(String(source), base);
  if (isNode() && (typeof url === 'string' || url.protocol === 'file:')) {
    const { readFile } = await import('node:fs/promises');
    try {
      return new Uint8Array(await readFile(url));
    } catch (e) {
      const missing = (e as { code?: string }).code === 'ENOENT';
      throw new TesseraError(
        `backend 'wasm': cannot read the kernels module at ${String(url)}` +
          (missing ? ' (build it with `pnpm --filter @tessera/backend-wasm build:wasm`)' : `: ${(e as Error).message}`),
      );
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new TesseraError(`backend 'wasm': fetching ${String(url)} failed with HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Clears the `shared` flag of the imported memory, for realms without SharedArrayBuffer. The
 * kernels use no atomic instructions, so the module is equally valid with an unshared memory.
 */
export function unshareMemoryImport(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = bytes.slice();
  let p = 8;
  const leb = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = out[p++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  while (p < out.length) {
    const id = out[p++]!;
    const size = leb();
    const end = p + size;
    if (id === 2) {
      const count = leb();
      for (let i = 0; i < count; i++) {
        // `p += leb()` would add to the p read before leb() moved it.
        const moduleName = leb();
        p += moduleName;
        const fieldName = leb();
        p += fieldName;
        const kind = out[p++]!;
        if (kind === 2) {
          if (out[p] === 0x03) out[p] = 0x01;
          return out;
        }
        if (kind === 0) leb();
        else if (kind === 1) {
          p++;
          const flags = out[p++]!;
          leb();
          if (flags & 1) leb();
        } else if (kind === 3) p += 2;
        else break;
      }
      break;
    }
    p = end;
  }
  throw new TesseraError("backend 'wasm': the kernels module does not import a memory");
}

/** A compiled kernels module and whether its memory import is shared. */
export interface CompiledKernels {
  module: WebAssembly.Module;
  shared: boolean;
}

/** Compiles the kernels module from `source` (default: build/kernels.wasm next to this package). */
export async function compileKernels(source: WasmSource = defaultUrl()): Promise<CompiledKernels> {
  if (source instanceof WebAssembly.Module) {
    const mem = WebAssembly.Module.imports(source).find((i) => i.kind === 'memory');
    if (!mem) throw new TesseraError("backend 'wasm': the given module does not import a memory");
    // A precompiled module cannot be patched: it is taken to be the build's shared one.
    if (!canShareMemory()) {
      throw new TesseraError("backend 'wasm': a precompiled module needs SharedArrayBuffer here; pass its URL or bytes instead");
    }
    return { module: source, shared: true };
  }
  let bytes: Uint8Array;
  if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (ArrayBuffer.isView(source)) bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  else bytes = await fetchBytes(source);
  const shared = canShareMemory();
  const code = shared ? bytes : unshareMemoryImport(bytes);
  return { module: await WebAssembly.compile(code as Uint8Array<ArrayBuffer>), shared };
}
