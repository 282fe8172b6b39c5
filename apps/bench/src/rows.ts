import { ENGINE } from '@tessera/core';
import { canShareMemory, type WasmBackend } from '@tessera/backend-wasm';
import { PAIRINGS, peerLabel, setupWebGPU, startOnnxRuntime, tesseraLabel, tfjsWasmConfig, useTfjs, wasmThreadCounts, type BackendName, type Pairing, type TfjsWasmConfig, type WebGPUSetup } from './contenders.js';
import { formatTable, type Row } from './harness.js';
import { inferenceBench, trainingBench, type ModelKind, type PeerTraining, type TrainingData } from './models.js';
import { onnxInferenceBench, type OnnxRuntime } from './onnx.js';
import { bandwidthBench, convBench, convShapes, matmulBench, softmaxCeBench } from './suites.js';
import { lstmGenerationBench } from './text.js';
import { runSweep, type SweepOptions, type SweepResult } from './sweep.js';

// Browser-clean: the rows of a run, the same in Node (run.ts) and in the page of `pnpm bench
// --browser` (src/browser/page.ts); each side brings its own data and platform.

export interface BenchOptions {
  matmulSizes: number[];
  /** Batch of the conv2d forward/backward rows; 0 skips them. */
  convBatch?: number;
  /** Elements of the bandwidth rows (add, sum); 0 skips them. */
  bandwidthSize?: number;
  /** [rows, classes] of the softmax cross-entropy row; null skips it. */
  softmaxCe?: [number, number] | null;
  /** Measured training steps per model; 0 skips a model. */
  mlpSteps: number;
  lenetSteps: number;
  cnnSteps?: number;
  resnetSteps?: number;
  /** Measured training steps of the character LSTM (`TEXT_LSTM`); 0 or absent skips it. */
  lstmSteps?: number;
  /** Tokens each generation row generates (the LSTM carrying its state against re-running the window); 0 or absent skips them. */
  lstmGeneration?: number;
  /** Batch sizes of the training benchmarks (defaults 128 for the MLP, 64 for LeNet-5, 32 for the CNN, 64 for the ResNet). */
  mlpBatch?: number;
  lenetBatch?: number;
  cnnBatch?: number;
  resnetBatch?: number;
  /** Batch of the LSTM training row (default 64 rows of 16 tokens, the names task's). */
  lstmBatch?: number;
  /** Inference latency rows: [model, batch size] pairs (default none). */
  inference?: [ModelKind, number][];
  /**
   * Inference latency against ONNX Runtime on as many threads, for the wasm pairings: [model, batch
   * size] pairs (default none).
   */
  onnxInference?: [ModelKind, number][];
  minMs: number;
  /** Tessera contenders and their TF.js peers (default: `PAIRINGS`, webgpu where an adapter exists). */
  pairings?: Pairing[];
  /** Only these Tessera backends (and their peers). */
  backends?: BackendName[];
  /**
   * Factor on the training steps and timing windows of the webgpu pairing (default 1). SwiftShader
   * runs WebGPU on the CPU, a few hundred times slower than a GPU.
   */
  webgpuScale?: number;
  /** Warm-up steps and measured rounds of the training benchmarks (defaults 3 and 2). */
  warmup?: number;
  rounds?: number;
  /** The size and thread sweep; null or absent skips it. */
  sweep?: Omit<SweepOptions, 'others' | 'peers'> | null;
  log?: (s: string) => void;
}

/** Tessera's wasm backend as it ran: SIMD is always on (its build requires it); threads need shared memory. */
export interface TesseraWasmInfo {
  simd: boolean;
  sharedMemory: boolean;
  /** The kernels build that ran: 'relaxed' (relaxed-SIMD fused multiply-add) or 'plain' (f32x4 SIMD). */
  build?: string;
  /** The thread counts the backend was seen running rows on (checked after each setThreads). */
  threads?: number[];
}

/** What a run measured, wherever it ran. */
export interface RowsResult {
  /** How TF.js's wasm backend ran, when a pairing used it. */
  tfjsWasm?: TfjsWasmConfig;
  /** The WebGPU adapter both frameworks used, or why the webgpu pairing was left out. */
  webgpu?: WebGPUSetup;
  tesseraWasm: TesseraWasmInfo;
  /** ONNX Runtime as it ran, when ONNX rows were asked for, with the thread counts it ran on. */
  onnxRuntime?: OnnxRuntimeInfo;
  rows: Row[];
  /**
   * Tessera against itself: generation carrying the LSTM's state against re-running the window
   * (and in browser runs wasm on 2 threads against 1, the relaxed-SIMD build against the plain
   * one); `peerName` names the baseline.
   */
  selfRows?: Row[];
  sweep?: SweepResult;
}

export interface OnnxRuntimeInfo {
  name: string;
  version: string;
  detail: string;
  threads: number[];
}

/** Whether a run with these options needs the MNIST batches. */
export function needsData(o: BenchOptions): boolean {
  return o.mlpSteps > 0 || o.lenetSteps > 0 || (o.cnnSteps ?? 0) > 0 || (o.resnetSteps ?? 0) > 0 || (o.lstmSteps ?? 0) > 0 || (o.inference?.length ?? 0) > 0 || (o.onnxInference?.length ?? 0) > 0 || (o.sweep?.mlpSteps ?? 0) > 0;
}

/** The options of a run reduced to its inference rows (against TF.js and ONNX Runtime): no op rows, no training, no sweep. */
export function inferenceOnly(o: BenchOptions): BenchOptions {
  return { ...o, matmulSizes: [], convBatch: 0, bandwidthSize: 0, softmaxCe: null, mlpSteps: 0, lenetSteps: 0, cnnSteps: 0, resnetSteps: 0, lstmSteps: 0, lstmGeneration: 0, sweep: null };
}

/** Tessera's wasm backend as it ran (or would run: the build is known once it was created). */
export function tesseraWasmInfo(): TesseraWasmInfo {
  const build = (ENGINE.findBackend('wasm') as WasmBackend | undefined)?.build;
  return { simd: true, sharedMemory: canShareMemory(), ...(build ? { build } : {}), threads: wasmThreadCounts() };
}

/** Every pairing's rows in turn, then the sweep. `loadData` is called once, if a row needs the MNIST batches. */
export async function runRows(o: BenchOptions, loadData: () => Promise<TrainingData>): Promise<RowsResult> {
  const log = o.log ?? console.log;
  const rows: Row[] = [];
  const add = (r: Row[]): void => {
    rows.push(...r);
    formatTable(r).split('\n').slice(2).forEach((l) => log(l));
  };
  let pairings = (o.pairings ?? PAIRINGS).filter((p) => !o.backends || o.backends.includes(p.tessera.backend));
  let webgpu: WebGPUSetup | undefined;
  if (pairings.some((p) => p.tessera.backend === 'webgpu' || p.peer === 'webgpu')) {
    webgpu = await setupWebGPU();
    if (webgpu.ok) {
      log(`WebGPU adapter: ${webgpu.adapter} (TF.js sees: ${webgpu.tfjsAdapter})${webgpu.swiftShader ? ` — SwiftShader from ${webgpu.swiftShader}, no Vulkan driver installed` : ''}`);
    } else {
      log(`WebGPU pairing left out: ${webgpu.detail}`);
      pairings = pairings.filter((p) => p.tessera.backend !== 'webgpu' && p.peer !== 'webgpu');
    }
  }
  let tfjsWasm: TfjsWasmConfig | undefined;
  if (pairings.some((p) => p.peer === 'wasm')) {
    await useTfjs('wasm');
    tfjsWasm = await tfjsWasmConfig();
  }
  let onnx: OnnxRuntime | null = null;
  const onnxThreads = new Set<number>();
  if (o.onnxInference?.length && pairings.some((p) => p.tessera.backend === 'wasm')) {
    onnx = await startOnnxRuntime();
    log(`ONNX Runtime: ${onnx.name} ${onnx.version}, ${onnx.detail}`);
  }
  const data = needsData(o) ? await loadData() : null;
  const peerResults = new Map<string, PeerTraining>();
  for (const p of pairings) {
    log(`-- Tessera ${tesseraLabel(p.tessera)} against ${peerLabel(p.peer)}`);
    const scale = p.tessera.backend === 'webgpu' ? (o.webgpuScale ?? 1) : 1;
    const steps = (n: number | undefined): number => (n && n > 0 ? Math.max(2, Math.round(n * scale)) : 0);
    const op = { minMs: o.minMs * scale, rounds: o.rounds };
    for (const n of o.matmulSizes) add([await matmulBench(n, p, op)]);
    if (o.convBatch) for (const s of convShapes(o.convBatch)) add(await convBench(s, p, op));
    if (o.bandwidthSize) add(await bandwidthBench(o.bandwidthSize, p, op));
    if (o.softmaxCe) add([await softmaxCeBench(o.softmaxCe[0], o.softmaxCe[1], p, op)]);
    const training = { warmup: o.warmup, rounds: o.rounds, peerResults };
    if (data) {
      if (o.mlpSteps > 0) add(await trainingBench('mlp', data, o.mlpBatch ?? 128, steps(o.mlpSteps), p, training));
      if (o.lenetSteps > 0) add(await trainingBench('lenet5', data, o.lenetBatch ?? 64, steps(o.lenetSteps), p, training));
      if (o.cnnSteps) add(await trainingBench('cnn', data, o.cnnBatch ?? 32, steps(o.cnnSteps), p, training));
      if (o.resnetSteps) add(await trainingBench('resnet', data, o.resnetBatch ?? 64, steps(o.resnetSteps), p, training));
      if (o.lstmSteps) add(await trainingBench('lstm', data, o.lstmBatch ?? 64, steps(o.lstmSteps), p, training));
      for (const [kind, b] of o.inference ?? []) add([await inferenceBench(kind, data, b, p, op)]);
      if (onnx && p.tessera.backend === 'wasm') {
        if (onnx.threads && !onnx.threads.includes(p.tessera.threads)) {
          log(`(${onnx.name} runs on ${onnx.threads.join(', ')} thread(s) here: its rows against ${tesseraLabel(p.tessera)} are left to a run that starts it on ${p.tessera.threads})`);
        } else {
          for (const [kind, b] of o.onnxInference ?? []) add([await onnxInferenceBench(kind, data, b, p, onnx, op)]);
          onnxThreads.add(p.tessera.threads);
        }
      }
    }
  }
  const selfRows: Row[] = [];
  if (o.lstmGeneration) {
    const contenders = pairings.map((p) => p.tessera).filter((c, i, all) => all.findIndex((d) => tesseraLabel(d) === tesseraLabel(c)) === i);
    for (const c of contenders) {
      log(`-- Tessera ${tesseraLabel(c)} against itself: LSTM generation carrying the state, against re-running the window`);
      const scale = c.backend === 'webgpu' ? (o.webgpuScale ?? 1) : 1;
      const r = await lstmGenerationBench(o.lstmGeneration, c, { minMs: o.minMs * scale, rounds: o.rounds });
      selfRows.push(r);
      formatTable([r], 'baseline').split('\n').slice(2).forEach((l) => log(l));
    }
  }
  let sweep: SweepResult | undefined;
  if (o.sweep) {
    log('-- sweep: sizes and threads');
    const others = pairings.map((p) => p.tessera).filter((c, i, all) => c.backend !== 'wasm' && all.findIndex((d) => d.backend === c.backend) === i);
    const peers = [...new Set(pairings.map((p) => p.peer))];
    sweep = await runSweep({ ...o.sweep, others, peers }, data, log);
  }
  return {
    ...(tfjsWasm ? { tfjsWasm } : {}),
    ...(webgpu ? { webgpu } : {}),
    tesseraWasm: tesseraWasmInfo(),
    ...(onnx ? { onnxRuntime: { name: onnx.name, version: onnx.version, detail: onnx.detail, threads: [...onnxThreads].sort((a, b) => a - b) } } : {}),
    rows,
    ...(selfRows.length ? { selfRows } : {}),
    ...(sweep ? { sweep } : {}),
  };
}
