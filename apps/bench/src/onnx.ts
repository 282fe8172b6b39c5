import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-web';
import { tensor, type Tensor } from '@tessera/core';
import { exportOnnx } from '@tessera/models';
import { tesseraLabel, useTessera, type Pairing } from './contenders.js';
import { duel, rangeOf, relativeDifference, row, type Row } from './harness.js';
import { MODEL_NAMES, buildTessera, inputShape, type ModelKind, type TrainingData } from './models.js';
import { AGREE, readDisposing } from './suites.js';

// Browser-clean: ONNX Runtime as a peer of Tessera wasm. The model is the one the other rows use
// (built by TF.js, imported into Tessera), exported by `exportOnnx`; the platform brings the
// runtime: onnxruntime-node in Node (contenders.node.ts), onnxruntime-web's wasm build in the page.

/** An ONNX Runtime the bench can time: onnxruntime-node, or onnxruntime-web (wasm) in a page. */
export interface OnnxRuntime {
  /** 'onnxruntime-node' or 'onnxruntime-web'. */
  name: string;
  version: string;
  /** How it runs (execution provider, threads, options), for the report. */
  detail: string;
  /**
   * The thread counts it can run in this process: null for any (onnxruntime-node takes them per
   * session); onnxruntime-web fixes its thread pool when it starts, so a page has one.
   */
  threads: number[] | null;
  /** A session of an ONNX model on `threads` threads. */
  session(model: Uint8Array, threads: number): Promise<OnnxSession>;
}

export interface OnnxSession {
  /** A call that runs the model on this input (made once, as Tessera's input tensor is) and returns its first output. */
  runner(x: Float32Array, shape: number[]): () => Promise<ArrayLike<number>>;
  release(): Promise<void>;
}

/** Both runtimes' sessions share onnxruntime-common's API. */
export function ortSession(ort: { Tensor: typeof OrtTensor }, session: InferenceSession): OnnxSession {
  const input = session.inputNames[0]!;
  const output = session.outputNames[0]!;
  return {
    runner(x, shape) {
      const feeds = { [input]: new ort.Tensor('float32', x, shape) };
      return async () => (await session.run(feeds))[output]!.data as Float32Array;
    },
    release: () => session.release(),
  };
}

/** A row's name for the runtime on `threads` threads: 'onnxruntime-node 2T'. */
export function onnxLabel(runtime: OnnxRuntime, threads: number): string {
  return `${runtime.name} ${threads}T`;
}

/**
 * Inference latency, ms, of Tessera wasm against ONNX Runtime on as many threads: `predict` on one
 * batch of `batch` MNIST images and reading the probabilities back, against the same model exported
 * by `exportOnnx` in an ONNX Runtime session. Outputs are checked equal first.
 */
export async function onnxInferenceBench(kind: ModelKind, data: TrainingData, batch: number, pairing: Pairing, runtime: OnnxRuntime, o: { minMs: number; rounds?: number }): Promise<Row> {
  const threads = pairing.tessera.threads;
  await useTessera(pairing.tessera);
  const ours = await buildTessera(kind);
  const name = `${MODEL_NAMES[kind]} inference, batch ${batch}`;
  const peerName = onnxLabel(runtime, threads);
  const shape = [batch, ...inputShape(kind)];
  const x = data.images.slice(0, batch * 784);
  let xo: Tensor | null = null;
  let session: OnnxSession | null = null;
  try {
    session = await runtime.session(await exportOnnx(ours), threads);
    xo = tensor(x, shape);
    const input = xo;
    const runOurs = (): Promise<ArrayLike<number>> => readDisposing(ours.predict(input, { batchSize: batch }) as Tensor);
    const runTheirs = session.runner(x, shape);
    const diff = relativeDifference(await runOurs(), await runTheirs());
    if (!(diff <= AGREE)) throw new Error(`${name}: predictions differ between Tessera and ${peerName} (relative ${diff})`);
    const t = await duel(runOurs, runTheirs, { minMs: o.minMs, minRepeats: 3, rounds: o.rounds ?? 2 });
    const ms = (v: number): number => v;
    return row(name, 'ms', tesseraLabel(pairing.tessera), t.ours.median, peerName, t.theirs.median, {
      range: { tessera: rangeOf(t.ours, ms), peer: rangeOf(t.theirs, ms) },
    });
  } finally {
    xo?.dispose();
    ours.dispose();
    await session?.release();
  }
}
