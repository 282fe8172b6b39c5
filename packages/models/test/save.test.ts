import '@tessera/backend-cpu';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, setSeed, type Tensor } from '@tessera/core';
import { Dense, Dropout, binaryCrossentropy, metrics } from '@tessera/layers';
import { adam } from '@tessera/optimizers';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, manifestSha256, memoryHandler, sequential, toArtifacts, type ModelJSON, type Sequential } from '../src/node.js';
import { twoSpirals } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-save-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeModel(): Sequential {
  const m = sequential({
    layers: [
      new Dense({ units: 12, activation: 'relu', inputShape: [2] }),
      new Dropout({ rate: 0.1, seed: 3 }),
      new Dense({ units: 1, activation: 'sigmoid', kernelRegularizer: 'l2' }),
    ],
  });
  m.compile({ optimizer: adam(0.01), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** A manifest edited on purpose, with its checksum updated so that loading reaches the later checks. */
async function resealed(j: ModelJSON): Promise<ModelJSON> {
  return { ...j, manifestSha256: await manifestSha256(j) };
}

async function same(a: Tensor, b: Tensor): Promise<boolean> {
  const [x, y] = [await a.data(), await b.data()];
  return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
}

describe('save and load', () => {
  it('save -> load -> predict is bit-identical (file system)', async () => {
    setSeed(11);
    const { x, y } = twoSpirals(50, 1);
    const model = makeModel();
    await model.fit(x, y, { epochs: 3, batchSize: 20, verbose: 0, seed: 1 });
    const res = await model.save(join(dir, 'm1'));
    expect(res.weightBytes).toBeGreaterThan(0);
    const loaded = await loadModel<Sequential>(join(dir, 'm1'));
    const [p1, p2] = [model.predict(x), loaded.predict(x)];
    expect(await same(p1, p2)).toBe(true);
    expect(loaded.layers.map((l) => l.constructor.name)).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(loaded.countParams()).toBe(model.countParams());
    [p1, p2, x, y].forEach((t) => t.dispose());
    model.dispose();
    loaded.dispose();
  });

  it('resumed training continues the same loss curve as uninterrupted training', async () => {
    const { x, y } = twoSpirals(60, 2);
    setSeed(12);
    const a = sequential({ layers: [new Dense({ units: 10, activation: 'tanh', inputShape: [2] }), new Dense({ units: 1, activation: 'sigmoid' })] });
    a.compile({ optimizer: adam(0.02), loss: 'binaryCrossentropy' });
    const full = await a.fit(x, y, { epochs: 6, batchSize: 16, verbose: 0, seed: 5 });

    setSeed(12);
    const b = sequential({ layers: [new Dense({ units: 10, activation: 'tanh', inputShape: [2] }), new Dense({ units: 1, activation: 'sigmoid' })] });
    b.compile({ optimizer: adam(0.02), loss: 'binaryCrossentropy' });
    const first = await b.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, seed: 5 });
    const handler = memoryHandler();
    await b.save(handler);
    b.dispose();
    const c = await loadModel<Sequential>(handler);
    const second = await c.fit(x, y, { epochs: 6, initialEpoch: 3, batchSize: 16, verbose: 0, seed: 5 });
    expect([...first.history['loss']!, ...second.history['loss']!]).toEqual(full.history['loss']);
    expect(second.epoch).toEqual([3, 4, 5]);
    [a, c].forEach((m) => m.dispose());
    [x, y].forEach((t) => t.dispose());
  });

  it('resumes Dropout exactly: the saved generator position continues the same masks', async () => {
    const { x, y } = twoSpirals(60, 6);
    const make = (): Sequential => {
      const m = sequential({ layers: [new Dense({ units: 16, activation: 'relu', inputShape: [2] }), new Dropout({ rate: 0.3 }), new Dense({ units: 1, activation: 'sigmoid' })] });
      m.compile({ optimizer: adam(0.02), loss: 'binaryCrossentropy' });
      return m;
    };
    setSeed(16);
    const a = make();
    const full = await a.fit(x, y, { epochs: 6, batchSize: 16, verbose: 0, seed: 5 });
    setSeed(16);
    const b = make();
    const first = await b.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, seed: 5 });
    const handler = memoryHandler();
    await b.save(handler);
    b.dispose();
    const json = handler.artifacts!.modelJSON;
    expect(json.randomStates).toHaveLength(1);
    expect(json.randomStates![0]!.layer).toBe(1);
    setSeed(99); // the loaded Dropout must not draw a fresh generator from the global one
    const c = await loadModel<Sequential>(handler);
    const second = await c.fit(x, y, { epochs: 6, initialEpoch: 3, batchSize: 16, verbose: 0, seed: 5 });
    expect([...first.history['loss']!, ...second.history['loss']!]).toEqual(full.history['loss']);

    // A version-1 file without the field (written before it existed) still loads; a bad state is named.
    const { randomStates: _, manifestSha256: __, ...older } = json;
    (await loadModel<Sequential>({ modelJSON: { ...older, formatVersion: 1 }, weightData: handler.artifacts!.weightData })).dispose();
    const bad = await resealed({ ...json, randomStates: [{ layer: 1, state: { words: [0, 0, 0, 0], spare: null } }] });
    await expect(loadModel({ modelJSON: bad, weightData: handler.artifacts!.weightData })).rejects.toThrow(/Random.setState: expected \{ words: four 32-bit unsigned integers, not all 0/);
    const wrongLayer = await resealed({ ...json, randomStates: [{ layer: 0, state: json.randomStates![0]!.state }] });
    await expect(loadModel({ modelJSON: wrongLayer, weightData: handler.artifacts!.weightData })).rejects.toThrow(/dense.*setRandomState: this layer has no random generator/);
    [a, c].forEach((m) => m.dispose());
    [x, y].forEach((t) => t.dispose());
  });

  it('keeps a loss given with options, and asks again for a loss function or a custom metric', async () => {
    const { x, y } = twoSpirals(30, 4);
    const layers = (): Dense[] => [new Dense({ units: 6, activation: 'tanh', inputShape: [2] }), new Dense({ units: 1, activation: 'sigmoid' })];
    setSeed(15);
    const smoothed = sequential({ layers: layers() });
    smoothed.compile({ optimizer: adam(0.01), loss: { name: 'binaryCrossentropy', fromLogits: false }, metrics: ['accuracy'] });
    const h1 = memoryHandler();
    await smoothed.save(h1);
    const back = await loadModel<Sequential>(h1);
    expect(back.compileConfig?.loss).toEqual({ name: 'binaryCrossentropy', fromLogits: false });

    const before = memory().numTensors;
    const bce = (t: Tensor, p: Tensor): Tensor => binaryCrossentropy(t, p);
    const custom = sequential({ layers: layers() });
    custom.compile({ optimizer: adam(0.01), loss: bce });
    await custom.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0, seed: 2 });
    const h2 = memoryHandler();
    await custom.save(h2);
    const tensorsSaved = memory().numTensors;
    await expect(loadModel(h2)).rejects.toThrow(/compiled with a loss function, which model.json cannot hold: pass it again, loadModel\(source, \{ loss \}\), or load the weights only with \{ compile: false \}/);
    expect(memory().numTensors).toBe(tensorsSaved); // the half-built model was disposed
    const weightsOnly = await loadModel<Sequential>(h2, { compile: false });
    expect(weightsOnly.isCompiled).toBe(false);
    const withLoss = await loadModel<Sequential>(h2, { loss: bce });
    // The optimizer state came back too: one more epoch from the loaded model equals one more from the original.
    const [a, b] = [await custom.fit(x, y, { epochs: 3, initialEpoch: 2, batchSize: 10, verbose: 0, seed: 2 }), await withLoss.fit(x, y, { epochs: 3, initialEpoch: 2, batchSize: 10, verbose: 0, seed: 2 })];
    expect(b.history['loss']).toEqual(a.history['loss']);

    const counting = { ...metrics.binaryAccuracy(), name: 'myAccuracy' };
    custom.compile({ optimizer: adam(0.01), loss: 'binaryCrossentropy', metrics: [counting] });
    const h3 = memoryHandler();
    await custom.save(h3);
    await expect(loadModel(h3)).rejects.toThrow(/cannot compile the saved model again \(getMetric: unknown metric 'myAccuracy'.*\); pass the loss and metrics/);
    const m3 = await loadModel<Sequential>(h3, { metrics: [counting] });
    expect(m3.metricsNames).toEqual(['loss', 'myAccuracy']);
    [smoothed, back, custom, weightsOnly, withLoss, m3].forEach((m) => m.dispose());
    [x, y].forEach((t) => t.dispose());
    expect(memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('rejects a truncated weights file, a tampered one, an unknown layer and a wrong format, naming the problem', async () => {
    setSeed(13);
    const model = makeModel();
    await model.save(join(dir, 'm2'));
    const json = readFileSync(join(dir, 'm2', 'model.json'), 'utf8');
    const weightsFile = join(dir, 'm2', (JSON.parse(json) as ModelJSON).weightsFile);
    const bin = readFileSync(weightsFile);

    writeFileSync(weightsFile, bin.subarray(0, bin.length - 7));
    await expect(loadModel(join(dir, 'm2'))).rejects.toThrow(/weights file has \d+ bytes, model.json expects \d+ \(truncated/);

    const tampered = Buffer.from(bin);
    tampered[5] = tampered[5]! ^ 0x40;
    writeFileSync(weightsFile, tampered);
    await expect(loadModel(join(dir, 'm2'))).rejects.toThrow(/SHA-256 .* does not match/);

    writeFileSync(weightsFile, bin);
    // An edited manifest is caught by its own checksum; one whose checksum was updated too still
    // names the layer class it does not know.
    const renamed = JSON.parse(json.replace('"Dropout"', '"Dropoutt"')) as ModelJSON;
    writeFileSync(join(dir, 'm2', 'model.json'), JSON.stringify(renamed));
    await expect(loadModel(join(dir, 'm2'))).rejects.toThrow(/model.json's SHA-256 .* does not match the checksum it records/);
    renamed.manifestSha256 = await manifestSha256(renamed);
    writeFileSync(join(dir, 'm2', 'model.json'), JSON.stringify(renamed));
    await expect(loadModel(join(dir, 'm2'))).rejects.toThrow(/Dropoutt/);

    writeFileSync(join(dir, 'm2', 'model.json'), json.replace('"formatVersion": 2', '"formatVersion": 99'));
    await expect(loadModel(join(dir, 'm2'))).rejects.toThrow(/format version 99 is not supported/);

    await expect(loadModel(join(dir, 'missing'))).rejects.toThrow(/cannot read/);
    model.dispose();
  });

  it('in-memory artifacts round-trip and saving leaks nothing', async () => {
    setSeed(14);
    const model = makeModel();
    const { x, y } = twoSpirals(20, 3);
    await model.fit(x, y, { epochs: 1, batchSize: 10, verbose: 0 });
    const before = memory().numTensors;
    const art = await toArtifacts(model);
    expect(memory().numTensors).toBe(before);
    expect(art.modelJSON.format).toBe('tessera-model');
    expect(art.modelJSON.optimizerWeights.length).toBeGreaterThan(0);
    const loaded = await loadModel<Sequential>(art);
    const [p1, p2] = [model.predict(x), loaded.predict(x)];
    expect(await same(p1, p2)).toBe(true);
    [p1, p2, x, y].forEach((t) => t.dispose());
    model.dispose();
    loaded.dispose();
  });
});
