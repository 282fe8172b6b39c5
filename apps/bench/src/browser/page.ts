// The page of `pnpm bench --browser`, bundled for the browser by driver.ts (esbuild, no Node
// built-ins): the same rows as Node (rows.ts), on what the driver serves — TF.js wasm's .wasm
// files under /tfjs-wasm/, Tessera's builds under /build/ (where the backend's default URL, ../build/
// from /page.js, points), the MNIST batches at /mnist.bin, onnxruntime-web's wasm build under /ort/.
// `?simd=auto|relaxed|plain` picks Tessera's wasm build for this page load (a page creates one wasm
// backend); `?tfjsThreads=n` TF.js wasm's thread count; `?ortThreads=n` onnxruntime-web's (default
// 1: it starts its thread pool once per page).
import type * as Ort from 'onnxruntime-web';
import { configureWasmBackend, type SimdChoice } from '@tessera/backend-wasm';
import { PAIRINGS, setBenchPlatform, tfjsWasmConfig, useTfjs, type StartedWebGPU } from '../contenders.js';
import { ortSession, type OnnxRuntime } from '../onnx.js';
import { formatTable } from '../harness.js';
import { trainingData } from '../models.js';
import { runRows, tesseraWasmInfo } from '../rows.js';
import { matmulBench, matmulThreadsBench } from '../suites.js';
import { decodeBatches, type BenchPage, type PageInfo } from './protocol.js';

let configError: Error | null = null;
try {
  configureWasmBackend({ simd: (new URLSearchParams(location.search).get('simd') ?? 'auto') as SimdChoice });
} catch (e) {
  configError = e as Error;
}

async function startWebGPU(): Promise<StartedWebGPU> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) throw new Error('navigator.gpu is undefined: this page has no WebGPU');
  const { webgpuUnavailableReason } = await import('@tessera/backend-webgpu');
  return { gpu, swiftShader: null, unavailableReason: webgpuUnavailableReason };
}

const ortThreads = Number(new URLSearchParams(location.search).get('ortThreads') ?? 1);

/** onnxruntime-web's wasm build as served under /ort/ (loaded at run time, not bundled: its workers load its own module). */
async function startOnnxWeb(): Promise<OnnxRuntime> {
  const ort = (await import(new URL('/ort/ort.wasm.min.mjs', location.href).href)) as typeof Ort;
  ort.env.wasm.numThreads = ortThreads;
  ort.env.wasm.wasmPaths = new URL('/ort/', location.href).href;
  ort.env.wasm.proxy = false;
  return {
    name: 'onnxruntime-web',
    version: ort.env.versions.web ?? ort.env.versions.common,
    detail: 'wasm execution provider (ort-wasm-simd-threaded.wasm), env.wasm.numThreads = the Tessera row\'s threads (fixed when it starts: a page load per thread count), its default graph optimisations (all)',
    threads: [ortThreads],
    async session(model, threads) {
      if (threads !== ortThreads) throw new Error(`onnxruntime-web was started on ${ortThreads} thread(s) in this page, not ${threads}`);
      const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
      // It falls back to one thread where the page is not cross-origin isolated.
      if (ort.env.wasm.numThreads !== threads) throw new Error(`onnxruntime-web runs on ${String(ort.env.wasm.numThreads)} thread(s), not the ${threads} asked for`);
      return ortSession(ort, session);
    },
  };
}

const tfjsThreads = new URLSearchParams(location.search).get('tfjsThreads');
setBenchPlatform({ tfjsWasmPaths: new URL('/tfjs-wasm/', location.href).href, tfjsWasmThreads: tfjsThreads ? Number(tfjsThreads) : null, startWebGPU, startOnnxRuntime: startOnnxWeb });

function pageInfo(): PageInfo {
  return { crossOriginIsolated, userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency };
}

async function loadBatches(): Promise<ReturnType<typeof trainingData>> {
  const res = await fetch('/mnist.bin');
  if (!res.ok) throw new Error(`fetching /mnist.bin failed with HTTP ${res.status}`);
  const { images, labels } = decodeBatches(new Uint8Array(await res.arrayBuffer()));
  return trainingData(images, labels);
}

const wasm1T = PAIRINGS.find((p) => p.tessera.backend === 'wasm' && p.tessera.threads === 1)!;

const page: BenchPage = {
  async run(o, threadsMatmul) {
    if (configError) throw configError;
    const log = (s: string): void => console.log(s);
    const result = await runRows({ ...o, log }, loadBatches);
    const selfRows = [...(result.selfRows ?? [])];
    if (threadsMatmul > 0 && (!o.backends || o.backends.includes('wasm'))) {
      log('-- Tessera wasm against itself: 2 threads against 1');
      const row = await matmulThreadsBench(threadsMatmul, 2, { minMs: o.minMs, rounds: o.rounds });
      log(formatTable([row], 'baseline').split('\n').slice(2).join('\n'));
      selfRows.push(row);
    }
    return { ...result, tesseraWasm: tesseraWasmInfo(), selfRows, page: pageInfo() };
  },
  async matmul(n, o) {
    if (configError) throw configError;
    const row = await matmulBench(n, wasm1T, o);
    return { row, build: tesseraWasmInfo().build };
  },
  async tfjsWasm() {
    await useTfjs('wasm');
    return tfjsWasmConfig();
  },
};
(globalThis as { tesseraBench?: BenchPage }).tesseraBench = page;
