import '@tessera/backend-cpu';
import { describe, expect, it } from 'vitest';
// The browser entry alone (vitest isolates files, so the Node entry is not loaded here).
import { loadModel, memoryHandler, sequential } from '../src/index.js';
import { Dense } from '@tessera/layers';

describe('the browser entry of @tessera/models', () => {
  const model = (): ReturnType<typeof sequential> => sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });

  it('has no file system: a path is a clear error that says what to use instead', async () => {
    const m = model();
    await expect(m.save('out/browser-model')).rejects.toThrow(
      "save('out/browser-model'): a path needs a file system, which this build of @tessera/models does not have (the browser entry)",
    );
    await expect(loadModel('out/browser-model')).rejects.toThrow(/loadModel\('out\/browser-model'\): .* pass an IOHandler such as memoryHandler\(\)/);
    m.dispose();
  });

  it('saves and loads through an IOHandler', async () => {
    const m = model();
    const h = memoryHandler();
    await m.save(h);
    const back = await loadModel(h);
    expect(back.layers.length).toBe(1);
    m.dispose();
    back.dispose();
  });
});
