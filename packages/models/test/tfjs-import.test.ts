// loadTfjsModel against the real peer: TF.js 4.22 builds (and trains) models at test time and saves
// them through an in-memory save handler; Tessera loads each and must predict what TF.js predicts.
import '@tessera/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random, Tensor, memory, tensor, tidy } from '@tessera/core';
import { getActivation } from '@tessera/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model, Sequential, loadModel, loadTfjsModel, type TfjsModelJSON, type TfjsWeightSpec } from '../src/node.js';

// Predictions must agree to this, relative to the largest output value (float32 on both sides).
const RTOL = 1e-5;

type Artifacts = { modelTopology: unknown; weightSpecs: TfjsWeightSpec[]; weightData: ArrayBuffer; trainingConfig?: unknown; format?: string };

async function saveTfjs(m: tfl.LayersModel, includeOptimizer = false): Promise<Artifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer },
  );
  const a = saved!;
  return {
    modelTopology: a.modelTopology,
    weightSpecs: a.weightSpecs as TfjsWeightSpec[],
    weightData: a.weightData as ArrayBuffer,
    ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
    ...(a.format ? { format: a.format } : {}),
  };
}

/** Replaces every weight of a TF.js model by seeded random values (positive variances), so biases and BN statistics matter. */
function randomizeWeights(m: tfl.LayersModel, seed: number): void {
  const r = new Random(seed);
  const values = m.weights.map((w) => {
    const shape = w.shape as number[];
    const n = shape.reduce((p, d) => p * d, 1);
    const positive = /moving_variance/.test(w.originalName);
    return tf.tensor(Float32Array.from({ length: n }, () => (positive ? r.uniform(0.5, 1.5) : r.uniform(-0.6, 0.6))), shape);
  });
  m.setWeights(values);
  tf.dispose(values);
}

interface Input {
  shape: number[];
  ints?: number;
}

function inputs(specs: Input[], seed: number): { tfjs: tf.Tensor[]; tessera: Tensor[] } {
  const r = new Random(seed);
  const data = specs.map((s) => {
    const n = s.shape.reduce((p, d) => p * d, 1);
    return Float32Array.from({ length: n }, () => (s.ints ? r.int(s.ints) : r.uniform(-1.5, 1.5)));
  });
  return { tfjs: data.map((d, i) => tf.tensor(d, specs[i]!.shape)), tessera: data.map((d, i) => tensor(d, specs[i]!.shape)) };
}

/** The largest |a − b| relative to the largest |b|. */
function relativeError(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

async function expectSamePredictions(tfModel: tfl.LayersModel, model: Model, specs: Input[], seed = 1): Promise<void> {
  const x = inputs(specs, seed);
  const expected = tfModel.predict(x.tfjs.length === 1 ? x.tfjs[0]! : x.tfjs) as tf.Tensor | tf.Tensor[];
  const got = model.predict((x.tessera.length === 1 ? x.tessera[0]! : x.tessera) as never) as Tensor | Tensor[];
  const e = Array.isArray(expected) ? expected : [expected];
  const g = Array.isArray(got) ? got : [got];
  expect(g.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    expect(g[i]!.shape).toEqual(e[i]!.shape);
    const err = relativeError(g[i]!.dataSync(), e[i]!.dataSync() as Float32Array);
    expect(err, `output ${i}`).toBeLessThan(RTOL);
  }
  tf.dispose([...x.tfjs, ...e]);
  [...x.tessera, ...g].forEach((t) => t.dispose());
}

async function roundTrip(tfModel: tfl.LayersModel, specs: Input[], seed = 1): Promise<Model> {
  randomizeWeights(tfModel, seed);
  const model = await loadTfjsModel(await saveTfjs(tfModel));
  await expectSamePredictions(tfModel, model, specs, seed + 100);
  return model;
}

const L = tfl.layers;
const dir = mkdtempSync(join(tmpdir(), 'tessera-tfjs-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadTfjsModel: every supported layer, predictions equal to TF.js', () => {
  it('an MLP with every activation, regularizers, initializers and Dropout', async () => {
    const m = tfl.sequential({
      layers: [
        L.dense({ units: 8, activation: 'relu', inputShape: [6], kernelRegularizer: tfl.regularizers.l2({ l2: 0.01 }), kernelInitializer: 'heNormal' }),
        L.dropout({ rate: 0.3 }),
        ...(['relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softplus', 'swish', 'gelu', 'hardSigmoid', 'linear'] as const).map((a) =>
          L.dense({ units: 7, activation: a, biasRegularizer: tfl.regularizers.l1l2({ l1: 0.001, l2: 0.002 }) }),
        ),
        L.activation({ activation: 'tanh' }),
        L.dense({ units: 4, activation: 'softmax', useBias: false, kernelInitializer: tfl.initializers.randomUniform({ minval: -0.1, maxval: 0.1 }) }),
      ],
    });
    const model = await roundTrip(m, [{ shape: [5, 6] }]);
    expect(model).toBeInstanceOf(Sequential);
    expect(model.layers.map((l) => l.className)).toEqual(['Dense', 'Dropout', ...Array(10).fill('Dense'), 'Activation', 'Dense']);
    const first = model.layers[0] as unknown as { kernelRegularizer: { l2: number }; kernelInitializer: { className: string } };
    expect(first.kernelRegularizer.l2).toBeCloseTo(0.01);
    expect(first.kernelInitializer.className).toBe('VarianceScaling');
    expect(model.regularizationLoss()).not.toBeNull();
    model.dispose();
  });

  it('a CNN: Conv2D, BatchNormalization, the 2-D pools, depthwise, separable and transposed convolutions, padding, cropping, upsampling', async () => {
    const m = tfl.sequential({
      layers: [
        L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [10, 10, 2] }),
        L.batchNormalization({}),
        L.maxPooling2d({ poolSize: 2 }),
        L.zeroPadding2d({ padding: 1 }),
        L.conv2d({ filters: 3, kernelSize: [2, 3], strides: [1, 2], dilationRate: 1, activation: 'tanh' }),
        L.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, padding: 'same' }),
        L.separableConv2d({ filters: 4, kernelSize: 2, activation: 'relu' }),
        L.upSampling2d({ size: [2, 2] }),
        L.cropping2D({ cropping: [[1, 0], [0, 1]] }),
        L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
        L.averagePooling2d({ poolSize: 2, strides: 1 }),
        L.batchNormalization({ center: false, epsilon: 0.01 }),
        L.flatten(),
        L.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const model = await roundTrip(m, [{ shape: [3, 10, 10, 2] }], 2);
    model.dispose();
  });

  it('global pools, Conv1D, the 1-D pools, Reshape, Permute, RepeatVector, LayerNormalization, Rescaling and the activation layers', async () => {
    const x = tfl.input({ shape: [12, 3] });
    let h = L.conv1d({ filters: 4, kernelSize: 3, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
    h = L.maxPooling1d({ poolSize: 2 }).apply(h) as tfl.SymbolicTensor;
    h = L.conv1d({ filters: 4, kernelSize: 2, strides: 1, padding: 'same' }).apply(h) as tfl.SymbolicTensor;
    const a = L.globalMaxPooling1d({}).apply(L.averagePooling1d({ poolSize: 2 }).apply(h)) as tfl.SymbolicTensor;
    const b = L.globalAveragePooling1d({}).apply(L.layerNormalization({}).apply(h)) as tfl.SymbolicTensor;
    const img = L.reshape({ targetShape: [2, 2, 5] }).apply(L.permute({ dims: [2, 1] }).apply(h)) as tfl.SymbolicTensor;
    const c = L.globalMaxPooling2d({}).apply(L.reLU({}).apply(img)) as tfl.SymbolicTensor;
    const d = L.globalAveragePooling2d({}).apply(L.elu({}).apply(L.rescaling({ scale: 0.5, offset: 0.1 }).apply(img))) as tfl.SymbolicTensor;
    const joined = L.concatenate({}).apply([a, b, c, d]) as tfl.SymbolicTensor;
    const rep = L.flatten().apply(L.repeatVector({ n: 2 }).apply(joined)) as tfl.SymbolicTensor;
    const out = L.softmax({}).apply(L.gaussianNoise({ stddev: 0.3 }).apply(L.dense({ units: 5 }).apply(rep))) as tfl.SymbolicTensor;
    const model = await roundTrip(tfl.model({ inputs: x, outputs: out }), [{ shape: [4, 12, 3] }], 3);
    expect(model).not.toBeInstanceOf(Sequential);
    model.dispose();
  });

  it("Embedding, SimpleRNN, GRU and LSTM (TF.js's gate order, reset_after=false and hard-sigmoid gates)", async () => {
    const r = { recurrentInitializer: 'glorotNormal' as const };
    const m = tfl.sequential({
      layers: [
        L.embedding({ inputDim: 10, outputDim: 4, inputLength: 7, inputShape: [7] }),
        L.simpleRNN({ units: 5, returnSequences: true, ...r }),
        L.gru({ units: 4, returnSequences: true, ...r }),
        L.lstm({ units: 3, returnSequences: true, goBackwards: true, ...r }),
        L.gru({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid', activation: 'relu', ...r }),
        L.lstm({ units: 4, recurrentActivation: 'sigmoid', ...r }),
      ],
    });
    const model = await roundTrip(m, [{ shape: [3, 7], ints: 10 }], 4);
    const gru = model.layers[2] as unknown as { resetAfter: boolean; recurrentActivation: unknown };
    expect(gru.resetAfter).toBe(false);
    expect(gru.recurrentActivation).toBe(getActivation('hard_sigmoid_tfjs'));
    model.dispose();
  });

  it('a functional model: two inputs, the merge layers, a nested Sequential, a shared layer, an LSTM state as a second output', async () => {
    const a = tfl.input({ shape: [5], name: 'left' });
    const b = tfl.input({ shape: [5], name: 'right' });
    const shared = L.dense({ units: 6, activation: 'tanh' });
    const ha = shared.apply(a) as tfl.SymbolicTensor;
    const hb = shared.apply(b) as tfl.SymbolicTensor;
    const inner = tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [6], activation: 'relu' }), L.dense({ units: 6 })] });
    const merged = [
      L.add({}).apply([ha, hb]),
      L.multiply({}).apply([ha, hb]),
      L.average({}).apply([ha, hb]),
      L.maximum({}).apply([ha, inner.apply(hb) as tfl.SymbolicTensor]),
      L.minimum({}).apply([ha, hb]),
    ] as tfl.SymbolicTensor[];
    const dot = L.dot({ axes: -1, normalize: true }).apply([ha, hb]) as tfl.SymbolicTensor;
    const cat = L.concatenate({ axis: -1 }).apply([...merged, dot]) as tfl.SymbolicTensor;
    const seq = L.reshape({ targetShape: [31, 1] }).apply(cat) as tfl.SymbolicTensor;
    const [, state] = L.lstm({ units: 3, returnState: true, recurrentInitializer: 'glorotNormal' }).apply(seq) as tfl.SymbolicTensor[];
    const out = L.dense({ units: 2, activation: 'sigmoid', name: 'score' }).apply(cat) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: [a, b], outputs: [out, state!] });
    const model = await roundTrip(m, [{ shape: [4, 5] }, { shape: [4, 5] }], 5);
    expect(model.inputNames).toEqual(['left', 'right']);
    expect(model.outputNames[0]).toBe('score');
    expect(model.layers.some((l) => l instanceof Sequential)).toBe(true);
    model.dispose();
  });

  it('LeNet-5 trained by TF.js for a few steps: same predictions, and training continues with its Adam state', async () => {
    const m = tfl.sequential({
      layers: [
        L.conv2d({ filters: 6, kernelSize: 5, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
        L.averagePooling2d({ poolSize: 2 }),
        L.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
        L.averagePooling2d({ poolSize: 2 }),
        L.flatten(),
        L.dense({ units: 120, activation: 'relu' }),
        L.dense({ units: 84, activation: 'relu' }),
        L.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    // A tiny epsilon: TF.js adds it after Adam's bias correction, Keras and Tessera before, which
    // otherwise shows on weights whose gradients are that small.
    m.compile({ optimizer: tf.train.adam(0.002, 0.9, 0.999, 1e-12), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const r = new Random(6);
    const batch = (n: number): { x: Float32Array; y: Float32Array } => ({
      x: Float32Array.from({ length: n * 784 }, () => r.uniform(0, 1)),
      y: Float32Array.from({ length: n }, () => r.int(10)),
    });
    for (let step = 0; step < 3; step++) {
      const { x, y } = batch(4);
      const [xs, ys] = [tf.tensor(x, [4, 28, 28, 1]), tf.tensor(y, [4, 1])];
      await m.trainOnBatch(xs, ys);
      tf.dispose([xs, ys]);
    }
    const model = await loadTfjsModel(await saveTfjs(m, true));
    await expectSamePredictions(m, model, [{ shape: [3, 28, 28, 1] }], 7);
    expect(model.isCompiled).toBe(true);
    expect(model.optimizer.className).toBe('Adam');
    expect(model.optimizer.iterations).toBe(3);
    // Adam's moments are TF.js's, weight by weight.
    const tfState = new Map((await m.optimizer.getWeights()).map((w) => [w.name, w.tensor]));
    m.weights.forEach((w, i) => {
      const v = model.weights[i]!;
      for (const [tfSlot, slot] of [['m', 'momentum'], ['v', 'velocity']] as const) {
        expect(Array.from(model.optimizer.getSlot(v, slot)!.dataSync())).toEqual(Array.from(tfState.get(`${w.originalName}/${tfSlot}`)!.dataSync()));
      }
    });
    // One more step on the same batch in both: Adam's moments and step count came along, so the weights stay equal.
    const { x, y } = batch(4);
    const [xs, ys] = [tf.tensor(x, [4, 28, 28, 1]), tf.tensor(y, [4, 1])];
    await m.trainOnBatch(xs, ys);
    const [txs, tys] = [tensor(x, [4, 28, 28, 1]), tensor(y, [4, 1])];
    await model.trainOnBatch(txs, tys);
    const expected = m.getWeights();
    const got = model.getWeights();
    expect(got.length).toBe(expected.length);
    got.forEach((g, i) => expect(relativeError(g.dataSync(), expected[i]!.dataSync() as Float32Array)).toBeLessThan(1e-3));
    tf.dispose([xs, ys, ...expected]);
    [txs, tys, ...got].forEach((t) => t.dispose());
    model.dispose();
  });
});

describe('loadTfjsModel: sources', () => {
  let artifacts: Artifacts;
  let tfModel: tfl.LayersModel;
  let server: Server;
  let base: string;

  /** model.json and two shards, the layout TF.js's converter writes. */
  function writeDir(name: string, a: Artifacts): string {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    const bytes = new Uint8Array(a.weightData);
    const cut = Math.floor(bytes.byteLength / 2);
    writeFileSync(join(d, 'group1-shard1of2.bin'), bytes.subarray(0, cut));
    writeFileSync(join(d, 'group1-shard2of2.bin'), bytes.subarray(cut));
    const modelJSON: TfjsModelJSON = {
      modelTopology: a.modelTopology,
      format: 'layers-model',
      generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
      convertedBy: null,
      weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: a.weightSpecs }],
    };
    writeFileSync(join(d, 'model.json'), JSON.stringify(modelJSON));
    return d;
  }

  beforeAll(async () => {
    tfModel = tfl.sequential({ layers: [L.dense({ units: 4, activation: 'relu', inputShape: [3] }), L.dense({ units: 2 })] });
    randomizeWeights(tfModel, 8);
    artifacts = await saveTfjs(tfModel);
    writeDir('mlp', artifacts);
    server = createServer((req, res) => {
      readFile(join(dir, decodeURIComponent(req.url ?? '/')))
        .then((b) => res.end(b))
        .catch(() => {
          res.statusCode = 404;
          res.end('not found');
        });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('a directory, the path of model.json, file://, a URL, { modelJSON, weightData }, { modelJSON, weightSpecs, weightData } and TF.js artifacts', async () => {
    const json = JSON.parse(await readFile(join(dir, 'mlp', 'model.json'), 'utf8')) as TfjsModelJSON;
    const sources = [
      join(dir, 'mlp'),
      join(dir, 'mlp', 'model.json'),
      `file://${join(dir, 'mlp')}`,
      `${base}/mlp/model.json`,
      { modelJSON: json, weightData: artifacts.weightData },
      { modelJSON: JSON.stringify(json), weightData: [artifacts.weightData.slice(0, 20), artifacts.weightData.slice(20)] },
      { modelJSON: { ...json, weightsManifest: undefined } as TfjsModelJSON, weightSpecs: artifacts.weightSpecs, weightData: new Uint8Array(artifacts.weightData) },
      artifacts,
    ];
    for (const source of sources) {
      const before = memory().numTensors;
      const model = await loadTfjsModel(source as never);
      await expectSamePredictions(tfModel, model, [{ shape: [2, 3] }]);
      model.dispose();
      expect(memory().numTensors).toBe(before);
    }
  });

  it("Tessera's own loaders point a TF.js model.json to loadTfjsModel", async () => {
    const hint = 'it is a TF.js Layers model, which loadTfjsModel imports';
    await expect(loadModel(join(dir, 'mlp'))).rejects.toThrow(`loadModel: ${join(dir, 'mlp', 'model.json')} is not a Tessera model: ${hint}`);
    await expect(loadModel(`${base}/mlp/model.json`)).rejects.toThrow(`loadModel: ${base}/mlp/model.json is not a Tessera model.json (format "layers-model"): ${hint}`);
    await expect(loadModel({ modelJSON: { format: 'layers-model' }, weightData: new ArrayBuffer(0) } as never)).rejects.toThrow(hint);
  });

  it('quantized weights (uint8 with scale and min, float16) are dequantized', async () => {
    const specs: TfjsWeightSpec[] = [
      { name: artifacts.weightSpecs[0]!.name, shape: [3, 4], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
      { name: artifacts.weightSpecs[1]!.name, shape: [4], dtype: 'float32', quantization: { dtype: 'float16' } },
      ...artifacts.weightSpecs.slice(2),
    ];
    const kernel = Uint8Array.from({ length: 12 }, (_, i) => i);
    const half = new Uint16Array([0x3c00, 0xc000, 0x3800, 0x0000]); // 1, -2, 0.5, 0
    const rest = new Uint8Array(artifacts.weightData).subarray((12 + 4) * 4);
    const data = new Uint8Array(12 + 8 + rest.byteLength);
    data.set(kernel, 0);
    data.set(new Uint8Array(half.buffer), 12);
    data.set(rest, 20);
    const model = await loadTfjsModel({ modelTopology: artifacts.modelTopology, weightSpecs: specs, weightData: data });
    const [k, b] = model.getWeights();
    expect(Array.from(k!.dataSync())).toEqual(Array.from(kernel, (q) => q * 0.5 - 1));
    expect(Array.from(b!.dataSync())).toEqual([1, -2, 0.5, 0]);
    model.getWeights().forEach((t) => t.dispose());
    [k, b].forEach((t) => t!.dispose());
    model.dispose();
  });
});

describe('loadTfjsModel: bad input is refused, naming the file, the layer and the option, and nothing stays in memory', () => {
  let artifacts: Artifacts;

  beforeAll(async () => {
    const m = tfl.sequential({ layers: [L.dense({ units: 4, inputShape: [3], name: 'hidden' }), L.dense({ units: 2, name: 'out' })] });
    artifacts = await saveTfjs(m);
  });

  /** A copy of the artifacts with the topology edited. */
  function edited(edit: (layers: Record<string, unknown>[]) => void, a: Artifacts = artifacts): Artifacts {
    const topology = JSON.parse(JSON.stringify(a.modelTopology)) as { config: { layers: Record<string, unknown>[] } };
    edit(topology.config.layers);
    return { ...a, modelTopology: topology };
  }

  async function refused(source: unknown, message: RegExp | string): Promise<void> {
    const before = memory();
    await expect(loadTfjsModel(source as never)).rejects.toThrow(message);
    const after = memory();
    expect([after.numTensors, after.numBytes]).toEqual([before.numTensors, before.numBytes]);
  }

  it('a TF.js graph model', async () => {
    const graph = { format: 'graph-model', modelTopology: { node: [{ name: 'x', op: 'Placeholder' }] }, weightsManifest: [] };
    await refused({ modelJSON: graph, weightData: new ArrayBuffer(0) }, /the given model: this is a TF.js graph model .*only Layers models import/);
    const d = join(dir, 'graph');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'model.json'), JSON.stringify(graph));
    await refused(d, `${join(d, 'model.json')}: this is a TF.js graph model`);
  });

  it('a missing shard, a short shard, and short or long in-memory weight data', async () => {
    const d = join(dir, 'broken');
    mkdirSync(d, { recursive: true });
    const manifest = { modelTopology: artifacts.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights: artifacts.weightSpecs }] };
    writeFileSync(join(d, 'model.json'), JSON.stringify(manifest));
    writeFileSync(join(d, 'a.bin'), new Uint8Array(artifacts.weightData).subarray(0, 40));
    await refused(d, `${join(d, 'model.json')}: the weights shard 'b.bin' is missing`);
    writeFileSync(join(d, 'b.bin'), new Uint8Array(artifacts.weightData).subarray(40, artifacts.weightData.byteLength - 4));
    await refused(d, /weights group 0 \(shards 'a.bin', 'b.bin'\) holds 100 bytes, its 4 weights need 104: a shard is short/);
    await refused({ ...artifacts, weightData: artifacts.weightData.slice(0, 100) }, /weightData has 100 bytes, the 4 weights of the manifest need 104 \(truncated\?\)/);
    await refused({ ...artifacts, weightData: new ArrayBuffer(120) }, /weightData has 120 bytes, the 4 weights of the manifest need 104/);
  });

  it('a missing model.json, a file that is not JSON, an HTTP error', async () => {
    await refused(join(dir, 'nowhere'), /does not exist/);
    const d = join(dir, 'notjson');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'model.json'), '<html>');
    await refused(d, /model.json is not JSON/);
    const fetch404 = (async () => new Response('no', { status: 404, statusText: 'Not Found' })) as typeof globalThis.fetch;
    await expect(loadTfjsModel('http://example.invalid/m/model.json', { fetch: fetch404 })).rejects.toThrow(
      'fetching model.json from http://example.invalid/m/model.json answered HTTP 404 Not Found',
    );
  });

  it('a weight whose shape does not match its layer, a weight the model lacks, a weight no layer has', async () => {
    const specs = artifacts.weightSpecs.map((s) => (s.name === 'hidden/kernel' ? { ...s, shape: [4, 3] } : s));
    await refused({ ...artifacts, weightSpecs: specs }, "weight 'hidden/kernel' has shape [4,3] in the file, but layer 'hidden' (Dense) needs [3,4] for its kernel");
    const renamed = artifacts.weightSpecs.map((s) => (s.name === 'out/bias' ? { ...s, name: 'other/bias' } : s));
    await refused({ ...artifacts, weightSpecs: renamed }, "layer 'out' (Dense) needs the weight 'out/bias' [2], which the weights manifest does not have (it has 'out/kernel' for this layer)");
    const extra = [...artifacts.weightSpecs, { name: 'stray/w', shape: [1], dtype: 'float32' }];
    const data = new Uint8Array(artifacts.weightData.byteLength + 4);
    data.set(new Uint8Array(artifacts.weightData));
    await refused({ ...artifacts, weightSpecs: extra, weightData: data }, "the weights manifest has 'stray/w' [1], which no layer of the model has");
    await refused({ ...artifacts, weightSpecs: artifacts.weightSpecs.map((s, i) => (i === 0 ? { ...s, dtype: 'string' } : s)) }, /weight 'hidden\/kernel' has dtype "string"/);
  });

  it('an unsupported layer class, option or activation', async () => {
    const layers = edited((ls) => {
      ls[1] = { class_name: 'PReLU', config: { name: 'out', alpha_initializer: null } };
    });
    await refused(layers, /the given model: layer 'out' \(PReLU\): the layer class 'PReLU' is not supported \(supported: InputLayer, Dense, /);
    await refused(
      edited((ls) => ((ls[0]!['config'] as Record<string, unknown>)['kernel_constraint'] = { class_name: 'MaxNorm', config: { max_value: 2, axis: 0 } })),
      /layer 'hidden' \(Dense\): option 'kernel_constraint' = .*MaxNorm.* is not supported \(Tessera has no weight constraints/,
    );
    await refused(
      edited((ls) => ((ls[1]!['config'] as Record<string, unknown>)['activation'] = 'softsign')),
      /layer 'out' \(Dense\): option 'activation': the activation 'softsign' is not supported/,
    );
    await refused(
      edited((ls) => ((ls[1]!['config'] as Record<string, unknown>)['kernel_mask'] = [1, 0])),
      /layer 'out' \(Dense\): option 'kernel_mask' = \[1,0\] is not supported by Tessera's importer/,
    );
    await refused(edited((ls) => ((ls[1]!['config'] as Record<string, unknown>)['units'] = 0)), /layer 'out' \(Dense\): Dense: units must be a positive integer/);
    // From TF.js itself: an LSTM with dropout and a channels-first convolution.
    const lstm = await saveTfjs(tfl.sequential({ layers: [L.lstm({ units: 2, dropout: 0.2, inputShape: [3, 2], recurrentInitializer: 'glorotNormal' })] }));
    await refused(lstm, /\(LSTM\): option 'dropout' = 0.2 is not supported \(dropout inside recurrent layers is not supported\)/);
    const conv = await saveTfjs(tfl.sequential({ layers: [L.conv2d({ filters: 2, kernelSize: 2, dataFormat: 'channelsFirst', inputShape: [2, 4, 4] })] }));
    await refused(conv, /\(Conv2D\): option 'data_format' = "channels_first" is not supported \(Tessera's layers are channels-last/);
  });

  it('a failure at the last layer of a functional model frees the layers made before it', async () => {
    const x = tfl.input({ shape: [4] });
    const h = L.dense({ units: 5 }).apply(x) as tfl.SymbolicTensor;
    const out = L.dense({ units: 2, name: 'last' }).apply(L.dense({ units: 3 }).apply(h)) as tfl.SymbolicTensor;
    const a = await saveTfjs(tfl.model({ inputs: x, outputs: out }));
    const bad = edited((ls) => ((ls[ls.length - 1]!['config'] as Record<string, unknown>)['activation'] = 'mish'), a);
    await refused(bad, /layer 'last' \(Dense\): option 'activation': the activation 'mish' is not supported/);
  });
});

it("hard_sigmoid_tfjs is TF.js's hard sigmoid, clip(0.2x + 0.5, 0, 1)", () => {
  const y = tidy(() => getActivation('hard_sigmoid_tfjs')(tensor([-3, -1, 0, 1, 3])));
  expect(Array.from(y.dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([0, 0.3, 0.5, 0.7, 1]);
  y.dispose();
});
