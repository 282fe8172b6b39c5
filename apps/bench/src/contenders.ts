import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfw from '@tensorflow/tfjs-backend-wasm';
import { backendInstance, setBackend } from '@tessera/core';
import '@tessera/backend-cpu';
import { setThreads, type WasmBackend } from '@tessera/backend-wasm';
import type { OnnxRuntime } from './onnx.js';

// Browser-clean: the page of `pnpm bench --browser` bundles this file. What differs between Node
// and the page (where TF.js wasm's .wasm files are, how WebGPU starts) comes in through
// `setBenchPlatform`: contenders.node.ts installs Node's, src/browser/page.ts the page's.

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
  if (c.backend === 'wasm') {
    await setThreads(c.threads);
    // setThreads runs on one thread where memory cannot be shared (a page that is not
    // cross-origin isolated): a row labelled 2T must have run on 2.
    const ran = (backendInstance() as unknown as WasmBackend).threads;
    if (ran !== c.threads) throw new Error(`Tessera wasm runs on ${ran} thread(s), not the ${c.threads} asked for (is SharedArrayBuffer available?)`);
    threadCounts.add(ran);
  }
}

const threadCounts = new Set<number>();
/** The thread counts Tessera's wasm backend was seen running on (checked after each setThreads). */
export function wasmThreadCounts(): number[] {
  return [...threadCounts].sort((a, b) => a - b);
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

/** Tessera's webgpu backend, started by the platform: the GPU object TF.js must find at `navigator.gpu`. */
export interface StartedWebGPU {
  gpu: GPU;
  /** The SwiftShader ICD chosen because no Vulkan driver is installed (Node), or null. */
  swiftShader: string | null;
  /** Why Tessera's 'webgpu' backend failed to start (its `webgpuUnavailableReason`). */
  unavailableReason: () => string | null;
}

/** What differs between Node and the page. */
export interface BenchPlatform {
  /** Where TF.js wasm's .wasm files are: a directory path (Node) or a URL prefix (the page), ending in '/'. */
  tfjsWasmPaths: string | null;
  /** TF.js wasm's thread count (`setThreadsCount`, before it starts); null: its default. */
  tfjsWasmThreads: number | null;
  /** Registers Tessera's 'webgpu' backend and returns the GPU it uses; null where there is no WebGPU at all. */
  startWebGPU: (() => Promise<StartedWebGPU>) | null;
  /** Loads ONNX Runtime (onnxruntime-node in Node, onnxruntime-web in the page); null where there is none. */
  startOnnxRuntime: (() => Promise<OnnxRuntime>) | null;
}

let platform: BenchPlatform = { tfjsWasmPaths: null, tfjsWasmThreads: null, startWebGPU: null, startOnnxRuntime: null };

export function setBenchPlatform(next: Partial<BenchPlatform>): void {
  platform = { ...platform, ...next };
}

let webgpu: Promise<WebGPUSetup> | null = null;

/**
 * Starts WebGPU once, for both frameworks on the same GPU object: Tessera's webgpu backend (the
 * platform starts it: Dawn in Node, `navigator.gpu` in the page) and TF.js's (which looks for
 * `navigator.gpu` when it is imported). Never throws: `ok` false and `detail` say why not.
 */
export function setupWebGPU(): Promise<WebGPUSetup> {
  return (webgpu ??= (async (): Promise<WebGPUSetup> => {
    let swiftShader: string | null = null;
    try {
      if (!platform.startWebGPU) return { ok: false, detail: 'no WebGPU on this platform' };
      const started = await platform.startWebGPU();
      swiftShader = started.swiftShader;
      if (!(await started.gpu.requestAdapter())) return { ok: false, swiftShader, detail: 'requestAdapter() returned null: no WebGPU adapter' };
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await setBackend('webgpu'))) return { ok: false, swiftShader, detail: `Tessera's webgpu backend failed: ${started.unavailableReason() ?? 'unknown'}` };
      const adapter = (backendInstance() as unknown as { adapterInfo: string }).adapterInfo;
      if (!(await tf.setBackend('webgpu'))) return { ok: false, swiftShader, adapter, detail: "TF.js's webgpu backend failed to initialise" };
      const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } }).adapterInfo;
      const tfjsAdapter = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown';
      return { ok: true, adapter, tfjsAdapter, swiftShader };
    } catch (e) {
      return { ok: false, swiftShader, detail: (e as Error).message.split('\n')[0] };
    }
  })());
}

let onnxRuntime: Promise<OnnxRuntime> | null = null;

/** ONNX Runtime, loaded once by the platform. */
export function startOnnxRuntime(): Promise<OnnxRuntime> {
  const start = platform.startOnnxRuntime;
  if (!start) return Promise.reject(new Error('ONNX Runtime: the platform brings none (setBenchPlatform({ startOnnxRuntime }))'));
  return (onnxRuntime ??= start());
}

async function requireWebGPU(): Promise<void> {
  const s = await setupWebGPU();
  if (!s.ok) throw new Error(`WebGPU is unavailable: ${s.detail}`);
}

let wasmPathsSet = false;

function useTfjsWasmFiles(): void {
  if (wasmPathsSet) return;
  if (!platform.tfjsWasmPaths) throw new Error("TF.js wasm: where its .wasm files are was not set (setBenchPlatform({ tfjsWasmPaths }))");
  tfw.setWasmPaths(platform.tfjsWasmPaths);
  if (platform.tfjsWasmThreads !== null) tfw.setThreadsCount(platform.tfjsWasmThreads);
  wasmPathsSet = true;
}

export interface TfjsWasmConfig {
  version: string;
  simd: boolean;
  /** TF.js's own verdict on threads: false in Node whatever the machine; true on a cross-origin-isolated page. */
  multithreadSupported: boolean;
  threads: number;
  binary: string;
  /**
   * Whether TF.js can run more threads than its default: in Node, its threaded build forced on in a
   * child process; in the page, setThreadsCount(2) in a second page load.
   */
  threadedBuild?: { ok: boolean; detail: string };
}

/** How TF.js's wasm backend runs here (call after it was initialised by `useTfjs('wasm')`). */
export async function tfjsWasmConfig(): Promise<TfjsWasmConfig> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const multithreadSupported = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
  const binary = simd && multithreadSupported ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  return { version: tfw.version_wasm, simd, multithreadSupported, threads: tfw.getThreadsCount(), binary };
}
