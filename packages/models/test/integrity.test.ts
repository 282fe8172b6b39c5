import '@tessera/backend-cpu';
import * as fs from 'node:fs/promises';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, setSeed, tensor, type Tensor } from '@tessera/core';
import { Dense } from '@tessera/layers';
import { adam } from '@tessera/optimizers';
import { afterAll, describe, expect, it } from 'vitest';
import { fileHandler, loadModel, manifestSha256, sequential, toArtifacts, type FileSystem, type ModelArtifacts, type ModelJSON, type Sequential } from '../src/node.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-integrity-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function makeModel(seed: number): Sequential {
  setSeed(seed);
  const m = sequential({ layers: [new Dense({ units: 6, activation: 'relu', inputShape: [3] }), new Dense({ units: 2, activation: 'softmax' })] });
  m.compile({ optimizer: adam(0.01), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

const probe = (): Tensor => tensor([[0.1, -0.4, 0.7], [1, 2, -3]]);

async function predictionOf(m: Sequential): Promise<number[]> {
  const x = probe();
  const p = m.predict(x);
  const v = Array.from(await p.data());
  x.dispose();
  p.dispose();
  return v;
}

/** Trains one step so the optimizer has state to save. */
async function trained(seed: number): Promise<Sequential> {
  const m = makeModel(seed);
  const x = tensor([[1, 0, 0], [0, 1, 0]]);
  const y = tensor([0, 1], [2], 'int32');
  await m.trainOnBatch(x, y);
  x.dispose();
  y.dispose();
  return m;
}

async function resealed(j: ModelJSON): Promise<ModelJSON> {
  return { ...j, manifestSha256: await manifestSha256(j) };
}

/** Runs fn and checks it rejects with `message` and leaves the live tensors and bytes as they were. */
async function failsCleanly(fn: () => Promise<unknown>, message: RegExp | string): Promise<void> {
  const before = memory();
  await expect(fn()).rejects.toThrow(message);
  const after = memory();
  expect([after.numTensors, after.numBytes]).toEqual([before.numTensors, before.numBytes]);
}

describe('the manifest is checked as strictly as the weights', () => {
  it('an edited offset is caught by the checksum, and entries must tile the weights file exactly', async () => {
    const m = await trained(1);
    const art = await toArtifacts(m);
    const j = art.modelJSON;
    const overlapping: ModelJSON = { ...j, weights: j.weights.map((e, i) => (i === 1 ? { ...e, offset: e.offset - 4 } : e)) };
    await failsCleanly(() => loadModel({ modelJSON: overlapping, weightData: art.weightData }), /model.json's SHA-256 .* does not match the checksum it records/);
    await failsCleanly(
      async () => loadModel({ modelJSON: await resealed(overlapping), weightData: art.weightData }),
      new RegExp(`weight '${j.weights[1]!.name}' starts at byte ${j.weights[1]!.offset - 4} of the weights file, expected ${j.weights[1]!.offset}: it overlaps the entry before it`),
    );
    const gap: ModelJSON = { ...j, weights: j.weights.map((e, i) => (i === 0 ? { ...e, offset: e.offset + 4 } : e)) };
    await failsCleanly(async () => loadModel({ modelJSON: await resealed(gap), weightData: art.weightData }), /bytes 0\.\.4 belong to no entry/);
    const wrongSize: ModelJSON = { ...j, weights: j.weights.map((e, i) => (i === 0 ? { ...e, shape: [3, 5] } : e)) };
    await failsCleanly(async () => loadModel({ modelJSON: await resealed(wrongSize), weightData: art.weightData }), /declares shape \[3,5\] float32, which is 60 bytes, but byteLength 72/);
    m.dispose();
  });

  it('a malformed model.json is a format error naming the field, never a TypeError, and leaks nothing', async () => {
    const m = await trained(2);
    const art = await toArtifacts(m);
    const { weights: _, ...noWeights } = art.modelJSON;
    await failsCleanly(
      async () => loadModel({ modelJSON: await resealed(noWeights as ModelJSON), weightData: art.weightData }),
      "loadModel: model.json is malformed: 'weights' must be an array of { name, shape, dtype, offset, byteLength }, got nothing",
    );
    const badOptimizerName: ModelJSON = { ...art.modelJSON, optimizerWeights: art.modelJSON.optimizerWeights.map((e, i) => (i === 1 ? { ...e, name: '#99/m' } : e)) };
    await failsCleanly(
      async () => loadModel({ modelJSON: await resealed(badOptimizerName), weightData: art.weightData }),
      "loadModel: optimizer weight '#99/m' belongs to model weight #99, but the model has 4 weights (#0..#3)",
    );
    const badDtype: ModelJSON = { ...art.modelJSON, weights: art.modelJSON.weights.map((e, i) => (i === 0 ? { ...e, dtype: 'float64' as never } : e)) };
    await failsCleanly(async () => loadModel({ modelJSON: await resealed(badDtype), weightData: art.weightData }), /weights\[0\]\.dtype .* must be one of float32, int32, bool, got "float64"/);
    const noTopology: ModelJSON = { ...art.modelJSON, modelTopology: null as never };
    await failsCleanly(async () => loadModel({ modelJSON: await resealed(noTopology), weightData: art.weightData }), /'modelTopology' must be an object, got null/);
    m.dispose();
  });

  it('a failed load (unknown layer class, wrong weight shape, wrong count) disposes the half-built model', async () => {
    const m = await trained(3);
    const art = await toArtifacts(m);
    const topology = JSON.parse(JSON.stringify(art.modelJSON.modelTopology)) as ModelJSON['modelTopology'];
    ((topology.config.layers as unknown[])[1] as { className: string }).className = 'Densee';
    await failsCleanly(async () => loadModel({ modelJSON: await resealed({ ...art.modelJSON, modelTopology: topology }), weightData: art.weightData }), /Densee/);
    const wider = JSON.parse(JSON.stringify(art.modelJSON.modelTopology)) as ModelJSON['modelTopology'];
    ((wider.config.layers as unknown[])[0] as unknown as { config: { units: number } }).config.units = 7;
    await failsCleanly(async () => loadModel({ modelJSON: await resealed({ ...art.modelJSON, modelTopology: wider }), weightData: art.weightData }), /shape/);
    m.dispose();
  });

  it('files of format version 1 (weights.bin, no manifest checksum) still load', async () => {
    const m = await trained(4);
    const art = await toArtifacts(m);
    const { manifestSha256: _, ...v1 } = art.modelJSON;
    const loaded = await loadModel<Sequential>({ modelJSON: { ...v1, formatVersion: 1, weightsFile: 'weights.bin' }, weightData: art.weightData });
    expect(await predictionOf(loaded)).toEqual(await predictionOf(m));
    loaded.dispose();
    m.dispose();
  });
});

describe('saving over a checkpoint', () => {
  /** The file system, failing at operation number `failAt` (counting every open, write, sync, rename, unlink…). */
  function failingFs(failAt: number): { fs: FileSystem; ops: () => number } {
    let n = 0;
    const tick = (what: string): void => {
      if (n++ === failAt) throw new Error(`injected failure at operation ${failAt} (${what})`);
    };
    const fsWrapped: FileSystem = {
      mkdir: (async (...a: Parameters<typeof fs.mkdir>) => (tick('mkdir'), fs.mkdir(...a))) as FileSystem['mkdir'],
      open: (async (...a: Parameters<typeof fs.open>) => {
        tick('open');
        const h = await fs.open(...a);
        return Object.assign(Object.create(h) as typeof h, {
          writeFile: async (d: Uint8Array | string) => (tick('write'), h.writeFile(d)),
          sync: async () => (tick('sync'), h.sync()),
          close: async () => h.close(),
        });
      }) as FileSystem['open'],
      rename: (async (...a: Parameters<typeof fs.rename>) => (tick('rename'), fs.rename(...a))) as FileSystem['rename'],
      unlink: (async (...a: Parameters<typeof fs.unlink>) => (tick('unlink'), fs.unlink(...a))) as FileSystem['unlink'],
      readdir: (async (...a: Parameters<typeof fs.readdir>) => (tick('readdir'), fs.readdir(...a))) as FileSystem['readdir'],
      readFile: fs.readFile,
      stat: fs.stat,
    };
    return { fs: fsWrapped, ops: () => n };
  }

  it('interrupted at any step, leaves the previous model or the new one, and the next save cleans up', async () => {
    const older = await trained(5);
    const newer = await trained(6);
    const [oldPrediction, newPrediction] = [await predictionOf(older), await predictionOf(newer)];
    expect(newPrediction).not.toEqual(oldPrediction);
    const newArtifacts: ModelArtifacts = await toArtifacts(newer);

    // Count the operations of an undisturbed save.
    const counting = failingFs(Number.POSITIVE_INFINITY);
    await fileHandler(join(root, 'count'), { fs: counting.fs }).save!(newArtifacts);
    const total = counting.ops();
    expect(total).toBeGreaterThanOrEqual(10);

    const outcomes = new Set<string>();
    let failuresSwallowed = 0;
    for (let failAt = 0; failAt < total; failAt++) {
      const dir = join(root, `crash-${failAt}`);
      await older.save(dir);
      // Every failure propagates, except in flushing the directory, which is best effort (Windows cannot).
      const failure = await fileHandler(dir, { fs: failingFs(failAt).fs }).save!(newArtifacts).then(() => null, (e: Error) => e.message);
      if (failure !== null) expect(failure).toContain(`injected failure at operation ${failAt}`);
      else failuresSwallowed++;
      const loaded = await loadModel<Sequential>(dir);
      const p = await predictionOf(loaded);
      loaded.dispose();
      expect([oldPrediction, newPrediction], `interrupted at operation ${failAt}`).toContainEqual(p);
      outcomes.add(JSON.stringify(p) === JSON.stringify(oldPrediction) ? 'old' : 'new');
      // A later save completes and leaves exactly model.json and its weights file.
      await newer.save(dir);
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJSON;
      expect(readdirSync(dir).sort()).toEqual(['model.json', json.weightsFile].sort());
    }
    expect(outcomes).toEqual(new Set(['old', 'new']));
    expect(failuresSwallowed).toBe(2); // opening and flushing the directory
    older.dispose();
    newer.dispose();
  });

  it('loads from the path of model.json too, and says to pass a directory when saving to a .json path', async () => {
    const m = await trained(7);
    const dir = join(root, 'by-file');
    await m.save(dir);
    const loaded = await loadModel<Sequential>(join(dir, 'model.json'));
    expect(await predictionOf(loaded)).toEqual(await predictionOf(m));
    loaded.dispose();
    await expect(m.save(join(dir, 'model.json'))).rejects.toThrow(/pass the directory to save into .* not a .json path/);
    writeFileSync(join(root, 'plain-file'), 'x');
    await expect(loadModel(join(root, 'plain-file'))).rejects.toThrow(/plain-file is a file: pass the directory holding model.json/);
    m.dispose();
  });
});
