import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { getBackend, oneHot, ready, setBackend, setSeed, tensor, tidy, argMax, type Tensor } from '@tessera/core';
import { batchesFromArrays, imagesToFloat32, type MnistData } from '@tessera/datasets';
import { loadFashionMnist, loadMnist } from '@tessera/datasets/node';
import { schedules } from '@tessera/optimizers';
import { TerminateOnNaN, type History, type Model } from '@tessera/models';
import { saveOnnxFile, saveSafetensorsFile } from '@tessera/models/node';
import { RECIPES, makeOptimizer, type InputStats } from '@tessera/zoo';
import type { BackendName, ExportFormat, TrainOptions } from './args.js';
import { renderReport } from './report.js';

/**
 * Fails before training when the output directory cannot be written (a read-only place, a file in
 * the way), instead of after it, when the trained model would be thrown away.
 */
async function checkWritable(dir: string): Promise<void> {
  const probe = join(dir, `.tessera-write-check-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe);
  } catch (e) {
    throw new Error(`--out ${dir}: cannot write there (${(e as Error).message}); choose a writable directory — checked before training, so no trained model is lost`);
  }
}

/** Activates the requested backend, or the fastest available one. */
export async function selectBackend(name: BackendName | undefined): Promise<string> {
  if (name && name !== 'cpu') {
    try {
      if (name === 'webgpu') {
        // Node reaches WebGPU through Dawn; with no Vulkan driver installed, SwiftShader (CPU) stands in.
        const webgpu = await import('@tessera/backend-webgpu/node');
        const icd = webgpu.useSwiftShaderIfNoVulkanDriver();
        if (icd) console.log(`webgpu: no Vulkan driver installed; using SwiftShader (a CPU implementation, slow) from ${icd}`);
      } else {
        await import(/* @vite-ignore */ `@tessera/backend-${name}`);
      }
    } catch (e) {
      throw new Error(`backend '${name}' is not available here: the package @tessera/backend-${name} could not be loaded (${(e as Error).message.split('\n')[0]})`);
    }
  }
  if (name) {
    if (!(await setBackend(name))) throw new Error(`backend '${name}' is installed but could not start on this machine`);
    return name;
  }
  // The fastest available: wasm registers above cpu wherever WebAssembly runs.
  await import('@tessera/backend-wasm');
  return ready();
}

export interface TrainResult {
  testAccuracy: number;
  testLoss: number;
  history: History;
  outDir: string;
  seconds: number;
  backend: string;
  confusion: number[][];
}

/** Trains one of the classic models on MNIST, evaluates on the test set, saves model and report. */
export async function train(o: TrainOptions, log: (s: string) => void = console.log): Promise<TrainResult> {
  const backend = await selectBackend(o.backend);
  if (o.threads > 1) {
    if (backend !== 'wasm') throw new Error(`--threads ${o.threads}: threads are the wasm backend's, and this run is on ${backend}`);
    const { setThreads } = await import('@tessera/backend-wasm');
    await setThreads(o.threads);
  }
  setSeed(o.seed);
  const recipe = RECIPES[o.model];
  const epochs = o.epochs ?? recipe.epochs;
  const batchSize = o.batchSize ?? recipe.batchSize;
  const lr = o.lr ?? recipe.lr;
  const lrDecay = o.lrDecay ?? recipe.lrDecay;
  const optimizerName = o.optimizer ?? recipe.optimizer;
  const labelSmoothing = o.labelSmoothing ?? recipe.labelSmoothing;
  const shift = o.shift ?? recipe.augment?.shift ?? 0;
  const flip = o.flip ?? recipe.augment?.flipHorizontal ?? false;
  if ((shift > 0 || flip) && recipe.input !== 'image') throw new Error(`--shift/--flip move pixels of images; the ${o.model} model takes flat rows of 784`);
  const outDir = resolve(o.out ?? join('out', o.model));
  await checkWritable(outDir);

  const t0 = performance.now();
  const data: MnistData = o.dataset === 'fashion' ? await loadFashionMnist({ dir: o.dataDir }) : await loadMnist({ dir: o.dataDir });
  const total = data.train.labels.length;
  const nTrainAll = o.limit > 0 ? Math.min(o.limit, total) : total;
  const nVal = o.validation;
  if (nVal >= nTrainAll) throw new Error(`--validation ${nVal} leaves no training images (${nTrainAll} available)`);
  const nTrain = nTrainAll - nVal;
  const rowShape = recipe.input === 'flat' ? [784] : [28, 28, 1];
  const size = { ...(o.width !== undefined ? { width: o.width } : {}), ...(o.blocks !== undefined ? { blocks: o.blocks } : {}) };
  const sizeText = Object.keys(size).length ? ` — resized: ${[...(o.width !== undefined ? [`width ${o.width} (${o.width}/${2 * o.width}/${4 * o.width} filters)`] : []), ...(o.blocks !== undefined ? [`${o.blocks} block(s) per stage`] : [])].join(', ')}` : '';
  log(`Tessera MNIST trainer — ${recipe.description}${sizeText}`);
  log(`backend ${backend}, ${o.dataset === 'fashion' ? 'Fashion-MNIST' : 'MNIST'}: ${nTrain} train / ${nVal > 0 ? `${nVal} validation` : 'no held-out validation (val_* = test set, monitoring only)'} / ${data.test.labels.length} test images (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const rate = describeRate(lr, lrDecay);
  const lossText = labelSmoothing > 0 ? `cross-entropy with label smoothing ${labelSmoothing}` : 'cross-entropy';
  log(`optimizer ${optimizerName} ${rate}, ${lossText}, batch ${batchSize}, ${epochs} epochs, seed ${o.seed}`);
  const augment = shift > 0 || flip ? { shift, flipHorizontal: flip } : undefined;
  const augmentText = [...(shift > 0 ? [`random shifts of up to ${shift} pixel(s)`] : []), ...(flip ? ['mirrored left-right half the time'] : [])].join(', ');
  log(augment ? `training images augmented: ${augmentText}` : 'no augmentation');

  const trainSet = batchesFromArrays(
    data.train.images.subarray(0, nTrain * 784), [nTrain, ...rowShape],
    data.train.labels.subarray(0, nTrain), [nTrain],
    { batchSize, shuffle: true, seed: o.seed, xScale: 1 / 255, oneHot: 10, ...(augment ? { augment } : {}) },
  );
  const toX = (images: Uint8Array, n: number): Tensor => tensor(imagesToFloat32(images), [n, ...rowShape]);
  const toY = (labels: Uint8Array): Tensor => tidy(() => oneHot(tensor(Int32Array.from(labels), [labels.length], 'int32'), 10));
  const nTest = data.test.labels.length;
  const xTest = toX(data.test.images, nTest);
  const yTest = toY(data.test.labels);
  const xVal = nVal > 0 ? toX(data.train.images.subarray(nTrain * 784, nTrainAll * 784), nVal) : xTest;
  const yVal = nVal > 0 ? toY(data.train.labels.subarray(nTrain, nTrainAll)) : yTest;

  const standardize = o.inputs ? o.inputs === 'standard' : recipe.standardize;
  const stats = standardize ? pixelStats(data.train.images.subarray(0, nTrain * 784)) : undefined;
  if (stats) log(`inputs standardised with the training pixels' mean ${stats.mean.toFixed(4)} and deviation ${stats.std.toFixed(4)} (a Rescaling layer in the model)`);
  const model = recipe.build(stats, size);
  model.summary(log);
  // The decay is per epoch, applied continuously per step (Keras's ExponentialDecay).
  const steps = Math.ceil(nTrain / batchSize);
  const learningRate = lrDecay === 1 ? lr : schedules.exponentialDecay({ initialLearningRate: lr, decaySteps: steps, decayRate: lrDecay });
  model.compile({ optimizer: makeOptimizer(optimizerName, learningRate), loss: { name: 'categoricalCrossentropy', labelSmoothing }, metrics: ['accuracy'] });
  const tTrain = performance.now();
  const stopOnNaN = new TerminateOnNaN(0);
  const history = await model.fit(trainSet, { epochs, validationData: [xVal, yVal], verbose: o.verbose, callbacks: [stopOnNaN] });
  const seconds = (performance.now() - tTrain) / 1000;
  if (stopOnNaN.stoppedAt) {
    const { epoch, batch, loss } = stopOnNaN.stoppedAt;
    model.dispose();
    [xTest, yTest, ...(nVal > 0 ? [xVal, yVal] : [])].forEach((t) => t.dispose());
    throw new Error(
      `training stopped in epoch ${epoch + 1}, batch ${batch + 1}: the loss became ${loss} (TerminateOnNaN); nothing was saved. ` +
        `Lower the learning rate (--lr, now ${lr}) or check the data`,
    );
  }
  if (nVal > 0) {
    xVal.dispose();
    yVal.dispose();
  }
  const testLogs = await model.evaluate(xTest, yTest, { batchSize: 500 });
  const predicted = tidy(() => argMax(model.predict(xTest, { batchSize: 500 }), -1));
  const pred = await predicted.data();
  predicted.dispose();
  xTest.dispose();
  yTest.dispose();
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  let correct = 0;
  for (let i = 0; i < nTest; i++) {
    const t = data.test.labels[i]!;
    confusion[t]![pred[i]!]!++;
    if (t === pred[i]) correct++;
  }
  const testAccuracy = correct / nTest;

  await mkdir(outDir, { recursive: true });
  await model.save(join(outDir, 'model'));
  for (const format of o.exports) log(await exportModel(model, format, outDir));
  const facts: [string, string][] = [
    ['model', `${recipe.description}${sizeText}`],
    ['dataset', o.dataset === 'fashion' ? 'Fashion-MNIST' : 'MNIST'],
    ['backend', backend],
    ['optimizer', `${optimizerName}, ${rate}`],
    ['loss', lossText + (labelSmoothing > 0 ? ' (the losses shown include it)' : '')],
    ['inputs', stats ? `standardised (mean ${stats.mean.toFixed(4)}, deviation ${stats.std.toFixed(4)})` : 'pixels / 255'],
    ['augmentation', augment ? augmentText : 'none'],
    ['batch size / epochs', `${batchSize} / ${history.epoch.length}`],
    ['images', `${nTrain} train, ${nVal > 0 ? `${nVal} held-out validation` : 'validation curves = test set (monitoring only)'}, ${nTest} test`],
    ['parameters', model.countParams().toLocaleString('en-US')],
    ['training time', `${seconds.toFixed(1)} s (${Math.round((nTrain * history.epoch.length) / seconds)} samples/s)`],
    ['test accuracy', `${(100 * testAccuracy).toFixed(2)}%`],
    ['test loss', testLogs['loss']!.toFixed(4)],
  ];
  await writeFile(join(outDir, 'report.html'), renderReport({ title: `Tessera MNIST — ${o.model}`, facts, history: history.history, confusion, classNames: [...data.classNames] }));
  await writeFile(join(outDir, 'history.json'), JSON.stringify({ options: { ...o, epochs, batchSize, lr, lrDecay, optimizer: optimizerName, labelSmoothing, shift, flip, inputs: stats ? 'standard' : 'unit' }, inputStats: stats ?? null, backend, seconds, testAccuracy, testLoss: testLogs['loss'], history: history.history, confusion }, null, 1));
  model.dispose();
  log(`test accuracy: ${(100 * testAccuracy).toFixed(2)}% (loss ${testLogs['loss']!.toFixed(4)}) — ${seconds.toFixed(1)} s of training on ${getBackend()}`);
  log(`saved model to ${join(outDir, 'model')} and the report to ${join(outDir, 'report.html')}`);
  return { testAccuracy, testLoss: testLogs['loss']!, history, outDir, seconds, backend, confusion };
}

/** Writes the trained model in an `--export` format beside the saved one; returns the line to log. */
async function exportModel(model: Model, format: ExportFormat, outDir: string): Promise<string> {
  switch (format) {
    case 'safetensors': {
      const path = join(outDir, 'model.safetensors');
      await saveSafetensorsFile(model, path, { layout: 'pytorch' });
      return `exported the weights to ${path} (safetensors, PyTorch names and layouts)`;
    }
    case 'onnx': {
      const path = join(outDir, 'model.onnx');
      await saveOnnxFile(model, path);
      return `exported the model to ${path} (ONNX, input '${model.inputNames[0]}' [batch, ${model.inputs[0]!.shape.slice(1).join(', ')}])`;
    }
  }
}

/** Mean and standard deviation of byte pixels on the [0, 1] scale (in float64). */
export function pixelStats(images: Uint8Array): InputStats {
  const counts = new Float64Array(256);
  for (let i = 0; i < images.length; i++) counts[images[i]!]!++;
  let sum = 0;
  let sq = 0;
  for (let v = 0; v < 256; v++) {
    sum += counts[v]! * (v / 255);
    sq += counts[v]! * (v / 255) ** 2;
  }
  const mean = sum / images.length;
  return { mean, std: Math.sqrt(Math.max(sq / images.length - mean * mean, 0)) };
}

function describeRate(lr: number, decay: number): string {
  return decay === 1 ? `learning rate ${lr}` : `learning rate ${lr} × ${decay} per epoch`;
}
