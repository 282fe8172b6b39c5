import { TesseraError } from '@tessera/core';
import { platform } from './platform.js';

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

/** Which build runs: the package's f32x4 SIMD one, its relaxed-SIMD one (fused multiply-add), or a module the user gave. */
export type WasmBuild = 'plain' | 'relaxed' | 'custom';

/**
 * Which of the package's builds to load: 'auto' takes the relaxed-SIMD one where the engine
 * accepts relaxed SIMD, 'relaxed' and 'plain' force one (forcing 'relaxed' where it is
 * unsupported is an error).
 */
export type SimdChoice = 'auto' | 'relaxed' | 'plain';

/** A module of one function, (v128, v128, v128) → v128 by f32x4.relaxed_madd: valid only where relaxed SIMD is. */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section
  0x03, 0x02, 0x01, 0x00, // function section
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // code: relaxed_madd
]);

/** Whether this WebAssembly engine accepts relaxed SIMD (Chromium does; Node 20 with --experimental-wasm-relaxed-simd). */
export function supportsRelaxedSimd(): boolean {
  return WebAssembly.validate(RELAXED_PROBE);
}

/** The build `simd` asks for, here. */
export function pickBuild(simd: SimdChoice = 'auto'): 'plain' | 'relaxed' {
  if (simd !== 'auto' && simd !== 'relaxed' && simd !== 'plain') {
    throw new TesseraError(`backend 'wasm': simd must be 'auto', 'relaxed' or 'plain', got ${String(simd)}`);
  }
  if (simd === 'plain') return 'plain';
  const relaxed = supportsRelaxedSimd();
  if (simd === 'relaxed' && !relaxed) {
    throw new TesseraError(
      "backend 'wasm': simd: 'relaxed' was asked for, but this WebAssembly engine does not support relaxed SIMD " +
        "(Node 20 needs --experimental-wasm-relaxed-simd); use simd: 'auto' or 'plain'",
    );
  }
  return relaxed ? 'relaxed' : 'plain';
}

/**
 * The URL of a build beside the package: ../build/ from src/ and from dist/ alike. Each URL is
 * written out as `new URL('literal', import.meta.url)`, the pattern bundlers (Vite, webpack)
 * turn into an emitted asset.
 */
function defaultUrl(build: 'plain' | 'relaxed'): URL {
  if (typeof import.meta.url !== 'string') {
    throw new TesseraError(
      "backend 'wasm': this bundle has no import.meta.url (an iife or cjs bundle), so it cannot locate the kernels module: " +
        "serve the package's build/kernels.wasm (or build/kernels-relaxed.wasm) and call configureWasmBackend({ source: <its URL> }) " +
        'before the backend is created',
    );
  }
  return build === 'relaxed' ? new URL('../build/kernels-relaxed.wasm', import.meta.url) : new URL('../build/kernels.wasm', import.meta.url);
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

/** A compiled kernels module, whether its memory import is shared, and which build it is. */
export interface CompiledKernels {
  module: WebAssembly.Module;
  shared: boolean;
  build: WasmBuild;
}

/**
 * Compiles the kernels module from `source`, or (without one) the package's build that `simd`
 * picks: build/kernels-relaxed.wasm or build/kernels.wasm next to this package.
 */
export async function compileKernels(source?: WasmSource, simd: SimdChoice = 'auto'): Promise<CompiledKernels> {
  let build: WasmBuild = 'custom';
  if (source === undefined) {
    const picked = pickBuild(simd);
    build = picked;
    source = defaultUrl(picked);
  }
  if (source instanceof WebAssembly.Module) {
    const mem = WebAssembly.Module.imports(source).find((i) => i.kind === 'memory');
    if (!mem) throw new TesseraError("backend 'wasm': the given module does not import a memory");
    // A precompiled module cannot be patched: it is taken to be the build's shared one.
    if (!canShareMemory()) {
      throw new TesseraError("backend 'wasm': a precompiled module needs SharedArrayBuffer here; pass its URL or bytes instead");
    }
    return { module: source, shared: true, build };
  }
  let bytes: Uint8Array;
  if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (ArrayBuffer.isView(source)) bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  else bytes = await platform().readBytes(source);
  const shared = canShareMemory();
  const code = shared ? bytes : unshareMemoryImport(bytes);
  return { module: await WebAssembly.compile(code as Uint8Array<ArrayBuffer>), shared, build };
}
