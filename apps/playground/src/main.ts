// The page: controls, charts and the drawing pad. Everything that touches the model runs in the
// worker (worker.ts); the page only draws, so it stays responsive while training.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { downloadHandler } from '@tessera/models';
import { MODEL_NAMES, OPTIMIZER_NAMES, RECIPES, toMnistInput, type ModelName, type OptimizerName } from '@tessera/zoo';
import uPlot from 'uplot';
import type { DatasetName } from './data-index.js';
import type { BackendChoice, FilterImages, FromWorker, TestSummary, ToWorker } from './protocol.js';
import { paintTiles, TILE_PX } from './tiles.js';
import type { BatchReport } from './training.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker): void => worker.postMessage(m);

const ui = {
  dataset: $<HTMLSelectElement>('dataset'), model: $<HTMLSelectElement>('model'), backend: $<HTMLSelectElement>('backend'),
  threads: $<HTMLInputElement>('threads'), optimizer: $<HTMLSelectElement>('optimizer'), lr: $<HTMLInputElement>('lr'),
  batchSize: $<HTMLInputElement>('batch-size'), epochs: $<HTMLInputElement>('epochs'), trainImages: $<HTMLInputElement>('train-images'),
  start: $<HTMLButtonElement>('start'), pause: $<HTMLButtonElement>('pause'), stop: $<HTMLButtonElement>('stop'),
  status: $('train-status'), message: $('message'),
};

let classNames: string[] = [];
let dataReady = false;

function showMessage(text: string, kind: 'error' | 'info' = 'error'): void {
  ui.message.textContent = text;
  ui.message.className = kind;
  ui.message.hidden = false;
}

// ---------------------------------------------------------------- controls

for (const name of MODEL_NAMES) ui.model.add(new Option(`${name}: ${RECIPES[name].description}`, name));
for (const name of OPTIMIZER_NAMES) ui.optimizer.add(new Option(name, name));
function recipeDefaults(): void {
  const r = RECIPES[ui.model.value as ModelName];
  ui.optimizer.value = r.optimizer;
  ui.lr.value = String(r.lr);
  ui.batchSize.value = String(r.batchSize);
  ui.epochs.value = String(r.epochs);
}
ui.model.onchange = recipeDefaults;
recipeDefaults();

function setTraining(on: boolean): void {
  ui.start.disabled = on || !dataReady;
  ui.pause.disabled = !on;
  ui.stop.disabled = !on;
  ui.dataset.disabled = on;
  ui.pause.textContent = 'Pause';
}

ui.dataset.onchange = () => loadData(ui.dataset.value as DatasetName);
function loadData(name: DatasetName): void {
  dataReady = false;
  setTraining(false);
  $('data-status').textContent = 'loading…';
  send({ type: 'load-data', dataset: name });
}

ui.start.onclick = () => {
  const config = {
    model: ui.model.value as ModelName, optimizer: ui.optimizer.value as OptimizerName, lr: Number(ui.lr.value),
    batchSize: Number(ui.batchSize.value), epochs: Number(ui.epochs.value), trainImages: Number(ui.trainImages.value),
    validationImages: 1000, seed: 42,
  };
  if (!(config.lr > 0) || !(config.batchSize >= 1) || !(config.epochs >= 1) || !(config.trainImages >= 100)) {
    showMessage('Set a positive learning rate, a batch size and epochs of at least 1, and at least 100 training images.');
    return;
  }
  ui.message.hidden = true;
  resetCurves();
  $('test-accuracy').textContent = '–';
  setTraining(true);
  send({ type: 'train', config, backend: ui.backend.value as BackendChoice, threads: Number(ui.threads.value) });
};
ui.pause.onclick = () => send({ type: ui.pause.textContent === 'Pause' ? 'pause' : 'resume' });
ui.stop.onclick = () => send({ type: 'stop' });

// ---------------------------------------------------------------- curves (uPlot)

const curves: { step: number[]; loss: (number | null)[]; valLoss: (number | null)[]; acc: (number | null)[]; valAcc: (number | null)[] } = {
  step: [], loss: [], valLoss: [], acc: [], valAcc: [],
};
function chart(id: string, title: string, names: [string, string]): uPlot {
  const el = $(id);
  return new uPlot(
    {
      title, width: Math.max(300, el.clientWidth || 600), height: 200, scales: { x: { time: false } },
      series: [{ label: 'step' }, { label: names[0], stroke: '#3a7bd5', width: 1.5 }, { label: names[1], stroke: '#d5533a', width: 1.5, spanGaps: true, points: { show: true } }],
    },
    [[], [], []],
    el,
  );
}
const lossChart = chart('chart-loss', 'Loss', ['train', 'validation']);
const accChart = chart('chart-acc', 'Accuracy', ['train', 'validation']);
function resetCurves(): void {
  for (const k of Object.keys(curves) as (keyof typeof curves)[]) curves[k].length = 0;
  lossChart.setData([[], [], []]);
  accChart.setData([[], [], []]);
}
function addReport(r: BatchReport): void {
  curves.step.push(r.step);
  curves.loss.push(r.loss);
  curves.acc.push(r.accuracy);
  curves.valLoss.push(r.valLoss ?? null);
  curves.valAcc.push(r.valAccuracy ?? null);
  lossChart.setData([curves.step, curves.loss, curves.valLoss] as uPlot.AlignedData);
  accChart.setData([curves.step, curves.acc, curves.valAcc] as uPlot.AlignedData);
  $('samples-per-sec').textContent = Math.round(r.samplesPerSec).toLocaleString('en-US');
  $('memory').textContent = `${r.numTensors} live, ${(r.numBytes / 1048576).toFixed(2)} MiB`;
  ui.status.textContent = `Training: epoch ${r.epoch + 1}, step ${r.step}, loss ${r.loss.toFixed(4)}, accuracy ${(100 * r.accuracy).toFixed(1)}%` +
    (r.valAccuracy !== undefined ? `, validation ${(100 * r.valAccuracy).toFixed(1)}%` : '');
}

// ---------------------------------------------------------------- images

function showFilters(f: FilterImages): void {
  $('filters-title').textContent = f.title;
  const canvas = $<HTMLCanvasElement>('filters');
  canvas.dataset.tiles = String(f.tiles);
  canvas.hidden = f.image === null;
  if (f.image === null) return;
  canvas.width = f.image.width;
  canvas.height = f.image.height;
  canvas.getContext('bitmaprenderer')!.transferFromImageBitmap(f.image);
}

/** The wrong answers' images: one PNG (made by the worker) that each figure shows a part of. */
let wrongSprite = '';
function showWrong(wrong: TestSummary['wrong'], sprite: Blob | null): void {
  if (wrongSprite) URL.revokeObjectURL(wrongSprite);
  wrongSprite = sprite ? URL.createObjectURL(sprite) : '';
  $('wrong').replaceChildren(...wrong.map((w, i) => {
    const fig = document.createElement('figure');
    const image = document.createElement('div');
    image.className = 'tile';
    image.style.backgroundImage = `url(${wrongSprite})`;
    image.style.backgroundSize = `${TILE_PX}px ${wrong.length * TILE_PX}px`;
    image.style.backgroundPosition = `0 ${-i * TILE_PX}px`;
    const cap = document.createElement('figcaption');
    cap.textContent = `${w.label}→${w.predicted}`;
    fig.title = `${classNames[w.label]} taken for ${classNames[w.predicted]}`;
    fig.append(image, cap);
    return fig;
  }));
}

function showTest(t: TestSummary): void {
  $('test-accuracy').textContent = `${(100 * t.accuracy).toFixed(2)}%`;
  const max = Math.max(...t.confusion.flat());
  const table = $('confusion');
  const head = `<tr><th>true↓ pred→</th>${classNames.map((_, j) => `<th>${j}</th>`).join('')}</tr>`;
  table.innerHTML = head + t.confusion.map((row, i) => `<tr><th title="${classNames[i]}">${i}</th>${row.map((n, j) => {
    const a = n === 0 ? 0 : 0.15 + 0.85 * Math.sqrt(n / max);
    const colour = i === j ? `rgba(58,123,213,${a})` : `rgba(213,83,58,${a})`;
    return `<td style="background:${colour}" title="${classNames[i]} → ${classNames[j]}: ${n}">${n}</td>`;
  }).join('')}</tr>`).join('');
  showWrong(t.wrong, t.wrongImages);
}

// ---------------------------------------------------------------- drawing pad

const pad = $<HTMLCanvasElement>('pad');
const padCtx = pad.getContext('2d', { willReadFrequently: true })!;
/** Whether anything is drawn: an empty pad is not read back, resampled and sent to the model. */
let padInked = false;
function clearPad(): void {
  padCtx.fillStyle = '#fff';
  padCtx.fillRect(0, 0, pad.width, pad.height);
  padInked = false;
}
clearPad();
let drawing = false;
let last: [number, number] | null = null;
let predictId = 0;
let predictQueued = false;
function padPoint(e: PointerEvent): [number, number] {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
}
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  pad.setPointerCapture(e.pointerId);
  last = padPoint(e);
  stroke(last);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  stroke(padPoint(e));
});
const endStroke = (): void => {
  drawing = false;
  last = null;
  schedulePrediction();
};
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);
function stroke(to: [number, number]): void {
  padCtx.strokeStyle = '#000';
  padCtx.lineWidth = 20;
  padCtx.lineCap = 'round';
  padCtx.beginPath();
  padCtx.moveTo(...(last ?? to));
  padCtx.lineTo(...to);
  padCtx.stroke();
  padInked = true;
  last = to;
  schedulePrediction();
}
$('clear').onclick = () => {
  clearPad();
  schedulePrediction();
};
function schedulePrediction(): void {
  if (predictQueued) return;
  predictQueued = true;
  requestAnimationFrame(() => {
    predictQueued = false;
    let input: Float32Array = new Float32Array(28 * 28);
    if (padInked) {
      const { data } = padCtx.getImageData(0, 0, pad.width, pad.height);
      const pixels = new Float32Array(pad.width * pad.height);
      for (let i = 0; i < pixels.length; i++) pixels[i] = (data[i * 4]! + data[i * 4 + 1]! + data[i * 4 + 2]!) / 765;
      input = toMnistInput({ width: pad.width, height: pad.height, pixels });
    }
    paintTiles($<HTMLCanvasElement>('pad-preview'), [input.map((v) => 255 * v)], { width: 28, height: 28, columns: 1, signed: false });
    if (input.every((v) => v === 0)) return showProbabilities(null);
    send({ type: 'predict', id: ++predictId, pixels: input });
    document.body.dataset.predictionAsked = String(predictId);
  });
}
function showProbabilities(p: number[] | null): void {
  const top = p ? p.indexOf(Math.max(...p)) : -1;
  $('top-class').textContent = p ? `${top}${classNames[top] !== String(top) ? ` (${classNames[top]})` : ''}` : '–';
  $('top-class').dataset.probability = p ? String(p[top]) : '';
  $('probs').replaceChildren(...(p ?? new Array<number>(10).fill(0)).map((v, i) => {
    const li = document.createElement('li');
    li.className = i === top ? 'top' : '';
    li.dataset.probability = String(v);
    li.innerHTML = `<span class="value">${(100 * v).toFixed(1)}%</span><span class="bar" style="width:${(120 * v).toFixed(1)}px"></span>`;
    return li;
  }));
}
showProbabilities(null);

// ---------------------------------------------------------------- keeping models

const saveName = (): string => $<HTMLInputElement>('save-name').value.trim() || 'my-model';
$('save-idb').onclick = () => send({ type: 'save-indexeddb', name: saveName() });
$('load-idb').onclick = () => send({ type: 'load-indexeddb', name: saveName() });
$('download').onclick = () => send({ type: 'export' });
const upload = $<HTMLInputElement>('upload');
upload.onchange = () => {
  if (upload.files && upload.files.length > 0) send({ type: 'import', files: Array.from(upload.files) });
  upload.value = '';
};

// ---------------------------------------------------------------- the worker's answers

const bench = new URLSearchParams(location.search).get('bench');
worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'ready': {
      $('isolation-notice').hidden = m.isolated;
      for (const b of m.backends) {
        const o = new Option(b.available ? b.name : `${b.name} (unavailable)`, b.name);
        o.disabled = !b.available;
        if (b.reason) o.title = b.reason;
        ui.backend.add(o);
      }
      ui.backend.value = m.backends.find((b) => b.name === 'wasm' && b.available) ? 'wasm' : 'cpu';
      $('backend-reasons').replaceChildren(...m.backends.filter((b) => !b.available).map((b) => {
        const li = document.createElement('li');
        li.dataset.backend = b.name;
        // Backends' reasons usually start with their own name ('webgpu: requestAdapter() …'): not twice.
        const reason = b.reason ?? `${b.name} did not start`;
        li.textContent = reason.startsWith(`${b.name}: `) ? reason : `${b.name}: ${reason}`;
        return li;
      }));
      ui.threads.max = String(m.isolated ? m.maxThreads : 1);
      ui.threads.value = String(m.isolated ? Math.min(2, m.maxThreads) : 1);
      ui.threads.disabled = !m.isolated;
      loadData('mnist');
      break;
    }
    case 'data-progress':
      $<HTMLProgressElement>('data-progress').value = m.loaded / m.total;
      $('data-status').textContent = `${(m.loaded / 1048576).toFixed(1)} of ${(m.total / 1048576).toFixed(1)} MB`;
      break;
    case 'data-ready':
      classNames = m.classNames;
      dataReady = true;
      $<HTMLProgressElement>('data-progress').value = 1;
      $('data-status').textContent = `${m.dataset === 'mnist' ? 'MNIST' : 'Fashion-MNIST'}: ${m.train} train / ${m.test} test images`;
      document.body.dataset.data = m.dataset;
      setTraining(false);
      ui.status.textContent = 'Ready to train.';
      if (bench !== null) send({ type: 'bench', threads: Number(bench) || 2 });
      break;
    case 'started':
      ui.status.textContent = `Training on ${m.backend}${m.backend === 'wasm' ? ` (${m.threads} thread${m.threads > 1 ? 's' : ''})` : ''}: ${m.steps} steps…`;
      document.body.dataset.backend = m.backend;
      break;
    case 'batch':
      addReport(m.report);
      break;
    case 'paused':
      ui.pause.textContent = 'Resume';
      ui.status.textContent += ' (paused)';
      break;
    case 'resumed':
      ui.pause.textContent = 'Pause';
      break;
    case 'done':
      setTraining(false);
      showTest(m.test);
      ui.status.textContent = `${m.stopped ? 'Stopped' : 'Done'}: ${m.seconds.toFixed(1)} s, ${Math.round(m.samplesPerSec).toLocaleString('en-US')} samples/s on average; test accuracy ${(100 * m.test.accuracy).toFixed(2)}%.`;
      document.body.dataset.done = String(Number(document.body.dataset.done ?? 0) + 1);
      schedulePrediction();
      break;
    case 'model':
      $('model-info').textContent = `${m.info.name} (${m.info.source}): ${m.info.layers}, ${m.info.params.toLocaleString('en-US')} parameters.`;
      showFilters(m.filters);
      if (!m.info.source.includes('untrained')) schedulePrediction();
      document.body.dataset.model = String(Number(document.body.dataset.model ?? 0) + 1);
      break;
    case 'prediction':
      if (m.id === predictId) {
        showProbabilities(m.probabilities);
        document.body.dataset.predictionShown = String(m.id);
      }
      break;
    case 'saved':
      showMessage(`Saved to ${m.location}.`, 'info');
      break;
    case 'artifacts':
      downloadHandler().save!(m.artifacts).then(
        () => showMessage('Downloaded model.json and its weights file: keep them in one folder (loadModel(dir) in Node reads them).', 'info'),
        (err: Error) => showMessage(err.message),
      );
      break;
    case 'bench':
      $('train-status').textContent = `Throughput: ${Math.round(m.result.samplesPerSec)} samples/s (MLP 784-128-10, batch 128, ${m.backend}, ${m.threads} threads)`;
      (window as { benchResult?: unknown }).benchResult = m;
      break;
    case 'error':
      if (m.context === 'train') setTraining(false);
      if (m.context === 'load-data') $('data-status').textContent = 'failed';
      showMessage(`${m.context === 'train' ? 'Training' : m.context.replace(/-/g, ' ')} failed: ${m.message}`);
      document.body.dataset.errors = String(Number(document.body.dataset.errors ?? 0) + 1);
      break;
  }
};
worker.onerror = (e) => showMessage(`The worker failed: ${e.message}`);
