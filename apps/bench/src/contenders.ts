import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfw from '@tensorflow/tfjs-backend-wasm';
import { backendInstance, setBackend } from '@tessera/core';
import '@tessera/backend-cpu';
import { setThreads } from '@tessera/backend-wasm';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BackendName = 'cpu' | 'wasm' | 'webgpu';
export const BACKEND_NAMES: BackendName[] = ['cpu', 'wasm', 'webgpu'];

/** A Tessera backend as a contender: 'cpu', 'webgpu', or 'wasm' on a number of threads (`setThreads`). */
export interface TesseraContender {
  backend: BackendName;
  threads: number;
}

/** A TF.js backend: its cpu, wasm and webgpu backends are the peers. */
export type Peer = BackendName;

/** One column pair of the table: a Tessera contender against a TF.js backend, in the same process. */
export interface Pairing {
  tessera: TesseraContender;
  peer: Peer;
}

/** cpu–cpu, wasm 1 thread–wasm, wasm 2 threads–wasm, webgpu–webgpu (where an adapter exists). */
export const PAIRINGS: Pairing[] = [
  { tessera: { backend: 'cpu', threads: 1 }, peer: 'cpu' },
  { tessera: { backend: 'wasm', threads: 1 }, peer: 'wasm' },
  { tessera: { backend: 'wasm', threads: 2 }, peer: 'wasm' },
  { tessera: { backend: 'webgpu', threads: 1 }, peer: 'webgpu' },
];

export function tesseraLabel(c: TesseraContender): string {
  return c.backend === 'wasm' ? `wasm ${c.threads}T` : c.backend;
}

export function peerLabel(peer: Peer): string {
  return `tfjs ${peer}`;
}

export async function useTessera(c: TesseraContender): Promise<void> {
  if (c.backend === 'webgpu') await requireWebGPU();
  if (!(await setBackend(c.backend))) throw new Error(`Tessera backend '${c.backend}' is unavailable`);
  if (c.backend === 'wasm') await setThreads(c.threads);
}

export async function useTfjs(peer: Peer): Promise<void> {
  if (peer === 'wasm') useTfjsWasmFiles();
  if (peer === 'webgpu') await requireWebGPU();
  if (!(await tf.setBackend(peer))) throw new Error(`TF.js backend '${peer}' failed to initialise`);
}

/** How WebGPU runs here: one Dawn GPU object shared by Tessera and TF.js, so both get the same adapter. */
export interface WebGPUSetup {
  ok: boolean;
  /** Tessera's description of the adapter (vendor, architecture, device, description). */
  adapter?: string;
  /** The same adapter as TF.js's webgpu backend reports it. */
  tfjsAdapter?: string;
  /** The SwiftShader ICD chosen because no Vulkan driver is installed (null: the system's driver). */
  swiftShader?: string | null;
  /** Why WebGPU is unavailable. */
  detail?: string;
}

let webgpu: Promise<WebGPUSetup> | null = null;

/**
 * Starts WebGPU once: Dawn (the npm package `webgpu`) with SwiftShader standing in where no Vulkan
 * driver is installed; Tessera's webgpu backend and TF.js's (which looks for `navigator.gpu` when
 * it is imported) share the GPU object. Never throws: `ok` false and `detail` say why not.
 */
export function setupWebGPU(): Promise<WebGPUSetup> {
  return (webgpu ??= (async (): Promise<WebGPUSetup> => {
    try {
      const node = await import('@tessera/backend-webgpu/node');
      const swiftShader = node.useSwiftShaderIfNoVulkanDriver();
      const gpu = node.createNodeGPU();
      if (!(await gpu.requestAdapter())) return { ok: false, swiftShader, detail: 'requestAdapter() returned null: no WebGPU adapter' };
      node.registerWebGPU({ gpu });
      const g = globalThis as { navigator?: { gpu?: GPU } };
      if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
      else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await setBackend('webgpu'))) return { ok: false, swiftShader, detail: `Tessera's webgpu backend failed: ${node.webgpuUnavailableReason() ?? 'unknown'}` };
      const adapter = (backendInstance() as unknown as { adapterInfo: string }).adapterInfo;
      if (!(await tf.setBackend('webgpu'))) return { ok: false, swiftShader, adapter, detail: "TF.js's webgpu backend failed to initialise" };
      const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } }).adapterInfo;
      const tfjsAdapter = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown';
      return { ok: true, adapter, tfjsAdapter, swiftShader };
    } catch (e) {
      return { ok: false, detail: (e as Error).message.split('\n')[0] };
    }
  })());
}

async function requireWebGPU(): Promise<void> {
  const s = await setupWebGPU();
  if (!s.ok) throw new Error(`WebGPU is unavailable: ${s.detail}`);
}

const require = createRequire(import.meta.url);
/** The .wasm binaries shipped in the npm package (dist/), as a path prefix: nothing is fetched. */
export const TFJS_WASM_DIR = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
let wasmPathsSet = false;

function useTfjsWasmFiles(): void {
  if (wasmPathsSet) return;
  tfw.setWasmPaths(TFJS_WASM_DIR);
  wasmPathsSet = true;
}

export interface TfjsWasmConfig {
  version: string;
  simd: boolean;
  /** TF.js's own verdict on threads; it answers false in Node whatever the machine. */
  multithreadSupported: boolean;
  threads: number;
  binary: string;
  /** Whether forcing the threaded build on works in Node (probed in a child process), and why not. */
  threadedBuild?: { ok: boolean; detail: string };
}

/** How TF.js's wasm backend runs here (call after it was initialised by `useTfjs('wasm')`). */
export async function tfjsWasmConfig(): Promise<TfjsWasmConfig> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const multithreadSupported = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
  const binary = simd && multithreadSupported ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  return { version: tfw.version_wasm, simd, multithreadSupported, threads: tfw.getThreadsCount(), binary };
}

/**
 * Forces TF.js's threaded-SIMD build in a fresh Node process (WASM_HAS_MULTITHREAD_SUPPORT set to
 * true, 2 threads) and reports whether it initialises. In 4.22 it does not: its pthread workers are
 * created from blob: URLs, which Node's Worker rejects.
 */
export function probeTfjsWasmThreads(timeoutMs = 60_000): Promise<{ ok: boolean; detail: string }> {
  const script = `
    import * as tf from '@tensorflow/tfjs-core';
    import * as tfw from '@tensorflow/tfjs-backend-wasm';
    tfw.setWasmPaths(${JSON.stringify(TFJS_WASM_DIR)});
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    tfw.setThreadsCount(2);
    const errors = [];
    console.warn = console.error = console.log = (...a) => errors.push(a.map((v) => String(v).split('\\n')[0]).join(' '));
    const ok = await tf.setBackend('wasm');
    process.stdout.write(JSON.stringify(ok ? { ok, detail: 'threads ' + tfw.getThreadsCount() } : { ok, detail: errors.join(' | ') }));
    process.exit(0);`;
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd, timeout: timeoutMs }, (err, stdout) => {
      try {
        resolve(JSON.parse(stdout) as { ok: boolean; detail: string });
      } catch {
        resolve({ ok: false, detail: `probe failed: ${err?.message ?? stdout}` });
      }
    });
  });
}
