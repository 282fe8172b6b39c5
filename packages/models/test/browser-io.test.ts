import '@tessera/backend-cpu';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { tensor, tidy } from '@tessera/core';
import { Dense } from '@tessera/layers';
import { afterEach, describe, expect, it, vi } from 'vitest';
// The browser entry: these handlers are what a page gets.
import { filesHandler, indexedDBHandler, listIndexedDBModels, loadModel, sequential, toArtifacts, type Sequential } from '../src/index.js';

function model(): ReturnType<typeof sequential> {
  const m = sequential({ layers: [new Dense({ units: 3, activation: 'relu', inputShape: [4] }), new Dense({ units: 2, activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const x = [0.1, -0.4, 0.7, 0.3];
function predictRow(m: ReturnType<typeof sequential>): number[] {
  return tidy(() => Array.from(m.predict(tensor(x, [1, 4])).dataSync()));
}

afterEach(() => vi.restoreAllMocks());

describe('indexedDBHandler', () => {
  it('saves and loads back the same predictions and lists the saved names', async () => {
    const indexedDB = new IDBFactory();
    const m = model();
    const result = await m.save(indexedDBHandler('digits', { indexedDB }));
    expect(result.location).toBe('indexeddb://digits');
    const back = await loadModel<Sequential>(indexedDBHandler('digits', { indexedDB }));
    expect(predictRow(back)).toEqual(predictRow(m));
    expect(back.isCompiled).toBe(true);
    expect(await listIndexedDBModels({ indexedDB })).toEqual(['digits']);
    m.dispose();
    back.dispose();
  });

  it('says which name is missing', async () => {
    await expect(loadModel(indexedDBHandler('nothing', { indexedDB: new IDBFactory() }))).rejects.toThrow("loadModel: IndexedDB has no model saved as 'nothing'");
  });

  it('turns a full quota into a message that says so, and keeps the model saved before', async () => {
    const indexedDB = new IDBFactory();
    const m = model();
    await m.save(indexedDBHandler('digits', { indexedDB }));
    const before = predictRow(m);
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const other = model();
    await expect(other.save(indexedDBHandler('digits', { indexedDB }))).rejects.toThrow(/storage quota for this site is full \(QuotaExceededError\)/);
    vi.restoreAllMocks();
    const back = await loadModel<Sequential>(indexedDBHandler('digits', { indexedDB }));
    expect(predictRow(back)).toEqual(before);
    for (const t of [m, other, back]) t.dispose();
  });

  it('checks the checksum of what it loads', async () => {
    const indexedDB = new IDBFactory();
    const m = model();
    const a = await toArtifacts(m);
    new Uint8Array(a.weightData)[0]! ^= 1;
    await indexedDBHandler('bad', { indexedDB }).save!(a);
    await expect(loadModel(indexedDBHandler('bad', { indexedDB }))).rejects.toThrow(/SHA-256 .* does not match/);
    m.dispose();
  });
});

describe('filesHandler', () => {
  async function files(m: ReturnType<typeof sequential>, names?: [string, string]): Promise<File[]> {
    const a = await toArtifacts(m);
    return [new File([JSON.stringify(a.modelJSON)], names?.[0] ?? 'model.json'), new File([a.weightData], names?.[1] ?? a.modelJSON.weightsFile)];
  }

  it('loads model.json and its weights file, whatever the browser renamed them to', async () => {
    const m = model();
    const back = await loadModel<Sequential>(filesHandler(await files(m, ['model (1).json', 'weights (1).bin'])));
    expect(predictRow(back)).toEqual(predictRow(m));
    m.dispose();
    back.dispose();
  });

  it('names what is wrong with the picked files', async () => {
    const m = model();
    const [json, weights] = await files(m);
    await expect(loadModel(filesHandler([]))).rejects.toThrow('no files given');
    await expect(loadModel(filesHandler([new File(['\x89PNG...'], 'digit.json'), weights!]))).rejects.toThrow('digit.json is not a Tessera model: it is not JSON');
    await expect(loadModel(filesHandler([new File(['{"name":"x"}'], 'package.json')]))).rejects.toThrow('package.json is not a Tessera model (format is undefined');
    await expect(loadModel(filesHandler([json!]))).rejects.toThrow(/names its weights file 'weights\.[0-9a-f]{16}\.bin'; pick it together with model\.json/);
    await expect(loadModel(filesHandler([weights!]))).rejects.toThrow('expected one model.json among the picked files, got 0');
    const cut = new File([(await weights!.arrayBuffer()).slice(8)], weights!.name);
    await expect(loadModel(filesHandler([json!, cut]))).rejects.toThrow(/the weights file has \d+ bytes, model.json expects/);
    m.dispose();
  });
});
