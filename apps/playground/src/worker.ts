// The training worker: holds the data and the model, trains without blocking the page, answers
// predictions between steps, and saves / loads models.
import '@tessera/backend-cpu';
import { MAX_THREADS, setThreads } from '@tessera/backend-wasm';
import '@tessera/backend-webgpu';
import { getBackend, listBackends, memory, setBackend, tensor, tidy } from '@tessera/core';
import { MNIST_FILES, FASHION_MNIST_CLASS_NAMES, mnistFromBuffers, type MnistData, type MnistFileKey } from '@tessera/datasets';
import { indexedDBHandler, loadModel, memoryHandler, filesHandler } from '@tessera/models';
import { RECIPES, needsImageInput } from '@tessera/zoo';
import type { DataIndex, DatasetName } from './data-index.js';
import type { BackendChoice, BackendInfo, FilterImages, FromWorker, ModelInfo, TestSummary, ToWorker } from './protocol.js';
import { paintTiles, TILE_PX } from './tiles.js';
import { compileRecipe, evaluateOn, measureThroughput, rowShape, testReport, trainLoop, type BatchReport, type Net, type TestReport, type TrainConfig } from './training.js';

const post = (m: FromWorker, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);

let data: MnistData | null = null;
let model: Net | null = null;
let training = false;
let paused: { resume: () => void } | null = null;
let stopRequested = false;

/** One model operation at a time: a prediction or a save waits for the training step in flight. */
let chain: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const result = chain.then(fn);
  chain = result.catch(() => {});
  return result;
}

const yieldToEvents = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function probeBackends(): Promise<BackendInfo[]> {
  const out: BackendInfo[] = [];
  for (const name of ['cpu', 'wasm', 'webgpu'] as BackendChoice[]) {
    const ok = await setBackend(name);
    const failure = listBackends().find((b) => b.name === name)?.failure;
    out.push(ok ? { name, available: true } : { name, available: false, reason: failure ?? `${name} did not start` });
  }
  const best = out.find((b) => b.name === 'wasm' && b.available) ? 'wasm' : 'cpu';
  await setBackend(best);
  return out;
}

async function loadData(name: DatasetName): Promise<void> {
  const base = new URL(import.meta.env.BASE_URL, self.location.origin);
  const indexRes = await fetch(new URL('data/index.json', base));
  if (!indexRes.ok) throw new Error(`data/index.json: HTTP ${indexRes.status}`);
  const index = (await indexRes.json()) as DataIndex;
  const files = index[name];
  const total = Object.values(files).reduce((a, b) => a + b, 0);
  let loaded = 0;
  const buffers = {} as Record<MnistFileKey, Uint8Array>;
  await Promise.all(
    (Object.keys(MNIST_FILES) as MnistFileKey[]).map(async (key) => {
      const path = `data/${name}/${MNIST_FILES[key]}.gz`;
      const res = await fetch(new URL(path, base));
      if (!res.ok || !res.body) throw new Error(`${path}: HTTP ${res.status}`);
      const chunks: Uint8Array[] = [];
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.byteLength;
        post({ type: 'data-progress', loaded, total });
      }
      const bytes = new Uint8Array(chunks.reduce((a, c) => a + c.byteLength, 0));
      let o = 0;
      for (const c of chunks) {
        bytes.set(c, o);
        o += c.byteLength;
      }
      buffers[key] = bytes;
    }),
  );
  data = await mnistFromBuffers(buffers, name === 'fashion' ? { classNames: FASHION_MNIST_CLASS_NAMES } : {});
  post({ type: 'data-ready', dataset: name, train: data.train.labels.length, test: data.test.labels.length, classNames: [...data.classNames] });
}

function describe(m: Net, source: string): ModelInfo {
  return { name: m.name, params: m.countParams(), layers: m.layers.map((l) => l.className).join(' → '), source };
}

/** The first Dense or Conv2D kernel as images (up to 64 tiles, 16 to a row). */
async function filters(m: Net): Promise<FilterImages> {
  const layer = m.layers.find((l) => l.className === 'Dense' || l.className === 'Conv2D');
  const kernel = layer?.weights[0];
  if (!layer || !kernel) return { title: 'no Dense or Conv2D layer', tiles: 0, image: null };
  const values = await kernel.data();
  const shape = kernel.shape;
  const tiles: Float32Array[] = [];
  let title: string;
  let side: [number, number];
  if (layer.className === 'Dense') {
    const [inputs, units] = shape as [number, number];
    const s = Math.round(Math.sqrt(inputs));
    if (s * s !== inputs) return { title: `first Dense layer takes ${inputs} inputs (not an image)`, tiles: 0, image: null };
    for (let u = 0; u < Math.min(units, 64); u++) {
      const t = new Float32Array(inputs);
      for (let i = 0; i < inputs; i++) t[i] = values[i * units + u]!;
      tiles.push(t);
    }
    title = `${layer.name}: the weights into ${tiles.length} of ${units} units, as ${s}×${s} images`;
    side = [s, s];
  } else {
    const [kh, kw, cin, cout] = shape as [number, number, number, number];
    for (let f = 0; f < Math.min(cout, 64); f++) {
      const t = new Float32Array(kh * kw);
      for (let i = 0; i < kh * kw; i++) t[i] = values[i * cin * cout + f]!; // first input channel
      tiles.push(t);
    }
    title = `${layer.name}: ${tiles.length} of ${cout} ${kh}×${kw} filters`;
    side = [kw, kh];
  }
  const canvas = new OffscreenCanvas(1, 1);
  const zoom = Math.max(1, Math.round(TILE_PX / Math.max(...side)));
  paintTiles(canvas, tiles, { width: side[0], height: side[1], columns: 16, zoom, gap: 3, signed: true });
  return { title, tiles: tiles.length, image: canvas.transferToImageBitmap() };
}

async function announce(m: Net, source: string): Promise<void> {
  const f = await filters(m);
  post({ type: 'model', info: describe(m, source), filters: f }, f.image ? [f.image] : []);
}

/** The test report as the page shows it: the wrong answers' images as one PNG. */
async function summary(t: TestReport): Promise<TestSummary> {
  let wrongImages: Blob | null = null;
  if (t.wrong.length > 0) {
    const canvas = new OffscreenCanvas(1, 1);
    paintTiles(canvas, t.wrong.map((w) => w.pixels), { width: 28, height: 28, columns: 1, signed: false });
    wrongImages = await canvas.convertToBlob({ type: 'image/png' });
  }
  return { ...t, wrong: t.wrong.map(({ label, predicted }) => ({ label, predicted })), wrongImages };
}

/** A loaded model must take 28×28 digits (flat or as images) and give 10 classes. */
function checkShape(m: Net): void {
  const first = m.layers[0]?.batchInputShape?.slice(1) ?? [];
  const fits = JSON.stringify(first) === '[784]' || JSON.stringify(first) === '[28,28,1]';
  const classes = m.outputs[0]?.shape.at(-1);
  if (!fits || classes !== 10) {
    throw new Error(
      `this model takes inputs of shape [${first.join(', ')}] and gives ${classes} outputs; the playground needs a model for 28×28 digits ([784] or [28, 28, 1]) with 10 classes`,
    );
  }
}

async function adopt(m: Net, source: string): Promise<void> {
  try {
    checkShape(m);
  } catch (e) {
    m.dispose();
    throw e;
  }
  model?.dispose();
  model = m;
  await announce(m, source);
}

async function train(config: TrainConfig, backend: BackendChoice, threads: number): Promise<void> {
  if (!data) throw new Error('the data has not loaded yet');
  if (training) throw new Error('training is already running');
  if (!(await setBackend(backend))) throw new Error(`backend ${backend} cannot start here: ${listBackends().find((b) => b.name === backend)?.failure ?? 'unknown reason'}`);
  if (backend === 'wasm') await setThreads(threads);
  model?.dispose();
  model = RECIPES[config.model].build();
  compileRecipe(model, config);
  const m = model;
  const shape = rowShape(config.model);
  const nTrain = Math.min(config.trainImages, data.train.labels.length - config.validationImages);
  const cfg = { ...config, trainImages: nTrain };
  const valImages = data.train.images.subarray(nTrain * 784, (nTrain + config.validationImages) * 784);
  const valLabels = data.train.labels.subarray(nTrain, nTrain + config.validationImages);
  training = true;
  stopRequested = false;
  post({ type: 'started', backend: getBackend(), threads: backend === 'wasm' ? threads : 1, steps: Math.ceil(nTrain / config.batchSize) * config.epochs });
  await announce(m, `${RECIPES[config.model].description}, untrained`);
  const t0 = performance.now();
  let group = { loss: 0, accuracy: 0, batches: 0, samples: 0, t: performance.now() };
  let lastYield = performance.now();
  let lastVal = 0;
  let lastEpoch = 0;
  let samples = 0;
  try {
    await trainLoop(m, data, cfg, {
      exclusive,
      afterBatch: async (step, epoch, logs) => {
        group.loss += logs['loss']!;
        group.accuracy += logs['accuracy']!;
        group.batches++;
        group.samples += config.batchSize;
        samples += config.batchSize;
        const now = performance.now();
        const epochEnd = step % Math.ceil(nTrain / config.batchSize) === 0;
        if (now - group.t > 400 || epochEnd || epoch !== lastEpoch) {
          const { numTensors, numBytes } = memory();
          const report: BatchReport = {
            step, epoch, loss: group.loss / group.batches, accuracy: group.accuracy / group.batches,
            samplesPerSec: group.samples / ((now - group.t) / 1000), numTensors, numBytes,
          };
          if (valLabels.length > 0 && (now - lastVal > 2000 || epochEnd)) {
            const v = await exclusive(() => evaluateOn(m, valImages, valLabels, shape));
            report.valLoss = v.loss;
            report.valAccuracy = v.accuracy;
            lastVal = performance.now();
          }
          post({ type: 'batch', report });
          group = { loss: 0, accuracy: 0, batches: 0, samples: 0, t: performance.now() };
          lastEpoch = epoch;
        }
        if (performance.now() - lastYield > 30) {
          await yieldToEvents();
          lastYield = performance.now();
        }
        if (paused) {
          post({ type: 'paused' });
          await new Promise<void>((resolve) => (paused = { resume: resolve }));
          post({ type: 'resumed' });
          group.t = performance.now();
        }
        return !stopRequested;
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const test = await exclusive(() => testReport(m, data!, shape));
    post({ type: 'done', stopped: stopRequested, test: await summary(test), seconds, samplesPerSec: samples / seconds });
    await announce(m, `${RECIPES[config.model].description}, trained here`);
  } finally {
    training = false;
    paused = null;
  }
}

function predict(pixels: Float32Array): number[] {
  if (!model) throw new Error('no model yet: train one or load one');
  const m = model;
  const shape = needsImageInput(m) ? [1, 28, 28, 1] : [1, 784];
  return tidy(() => Array.from(m.predict(tensor(pixels, shape)).dataSync()));
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'load-data':
      return loadData(msg.dataset);
    case 'train':
      return train(msg.config, msg.backend, msg.threads);
    case 'pause':
      if (training && !paused) paused = { resume: () => {} };
      return;
    case 'resume': {
      const p = paused;
      paused = null;
      p?.resume();
      return;
    }
    case 'stop': {
      stopRequested = true;
      const p = paused;
      paused = null;
      p?.resume();
      return;
    }
    case 'predict': {
      const probabilities = await exclusive(async () => predict(msg.pixels));
      post({ type: 'prediction', id: msg.id, probabilities });
      return;
    }
    case 'save-indexeddb': {
      if (!model) throw new Error('no model to save: train one or load one');
      const m = model;
      const r = await exclusive(() => m.save(indexedDBHandler(msg.name)));
      post({ type: 'saved', location: r.location });
      return;
    }
    case 'load-indexeddb': {
      const m = await exclusive(() => loadModel<Net>(indexedDBHandler(msg.name)));
      return adopt(m, `loaded from IndexedDB '${msg.name}'`);
    }
    case 'export': {
      if (!model) throw new Error('no model to download: train one or load one');
      const m = model;
      const h = memoryHandler();
      await exclusive(() => m.save(h));
      post({ type: 'artifacts', artifacts: h.artifacts! }, [h.artifacts!.weightData]);
      return;
    }
    case 'import': {
      const m = await exclusive(() => loadModel<Net>(filesHandler(msg.files)));
      return adopt(m, `loaded from ${msg.files.map((f) => f.name).join(' + ')}`);
    }
    case 'bench': {
      if (!data) throw new Error('the data has not loaded yet');
      const d = data;
      if (!(await setBackend('wasm'))) throw new Error('the wasm backend cannot start here');
      await setThreads(msg.threads);
      const result = await exclusive(() => measureThroughput(d));
      post({ type: 'bench', result, backend: getBackend(), threads: msg.threads });
      return;
    }
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  handle(e.data).catch((err: unknown) => post({ type: 'error', context: e.data.type, message: (err as Error).message ?? String(err) }));
};

void (async () => {
  const backends = await probeBackends();
  post({ type: 'ready', backends, isolated: self.crossOriginIsolated, maxThreads: Math.min(MAX_THREADS, navigator.hardwareConcurrency || 1) });
})();
