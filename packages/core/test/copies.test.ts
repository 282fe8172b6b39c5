// Two copies of core in one process (a failed dedupe, a CDN import beside a bundled one): each test
// bundles src/ into its own file, so the copies share no module, only globalThis.
import { build, type Plugin } from 'esbuild';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as here from '../src/index.js';

type Core = typeof here;
const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
let dir = '';
let copies = 0;

/** Bundles core into a new file and imports it: a copy that shares nothing with this one but globalThis. */
async function loadCopy(version?: string): Promise<Core> {
  const plugins: Plugin[] = version
    ? [{ name: 'version', setup: (b) => b.onLoad({ filter: /package\.json$/ }, () => ({ contents: JSON.stringify({ version }), loader: 'json' })) }]
    : [];
  const out = join(dir, `core-copy-${copies++}.mjs`);
  const result = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', write: false, plugins, logLevel: 'silent' });
  await writeFile(out, result.outputFiles[0]!.text);
  return (await import(pathToFileURL(out).href)) as Core;
}

/** A synchronous backend over plain arrays with the one kernel the test runs. */
function registerArrayBackend(core: Core, name: string): void {
  const live = new Set<object>();
  core.registerBackend({
    name,
    priority: -1,
    create: () => ({
      name,
      floatPrecision: 32,
      write: (values) => {
        const id = { values: Float32Array.from(values) };
        live.add(id);
        return id;
      },
      read: async (id) => (id as { values: Float32Array }).values.slice(),
      readSync: (id) => (id as { values: Float32Array }).values.slice(),
      disposeData: (id) => void live.delete(id),
      memory: () => ({ bytes: live.size * 4 }),
    }),
  });
  core.registerKernel({
    name: 'Add',
    backend: name,
    fn: ({ inputs: [a, b], backend }) => {
      const x = backend.readSync!(a!.dataId);
      const y = backend.readSync!(b!.dataId);
      return { dataId: backend.write(x.map((v, i) => v + y[i]!), a!.shape, 'float32'), shape: a!.shape, dtype: 'float32' };
    },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-core-copies-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('several copies of @tessera/core', () => {
  it('of the same version share one engine: backends, kernels, memory, ids, the seed and instanceof', async () => {
    const other = await loadCopy();
    expect(other.ENGINE).toBe(here.ENGINE);
    expect(other.Tensor).not.toBe(here.Tensor);
    // A backend registered through one copy is the other's too.
    registerArrayBackend(other, 'copies-array');
    expect(await here.setBackend('copies-array')).toBe(true);
    expect(other.getBackend()).toBe('copies-array');

    const before = here.memory().numTensors;
    const a = other.tensor([1, 2, 3]);
    const b = here.tensor([10, 20, 30]);
    expect(a).toBeInstanceOf(here.Tensor);
    expect(b).toBeInstanceOf(other.Tensor);
    expect(here.memory().numTensors).toBe(before + 2);
    expect(a.id).not.toBe(b.id);
    expect(Array.from(here.add(a, b).dataSync())).toEqual([11, 22, 33]);
    expect(Array.from(other.add(b, a).dataSync())).toEqual([11, 22, 33]);

    const v = other.variable(here.tensor([1, 1, 1]));
    expect(v).toBeInstanceOf(here.Variable);
    expect(a).not.toBeInstanceOf(here.Variable);

    // One global generator: seeding through either copy fixes the draws of both.
    here.setSeed(7);
    const first = here.rngFor().nextU32();
    other.setSeed(7);
    expect(other.rngFor().nextU32()).toBe(first);

    // Errors thrown by one copy are the other's error classes too.
    let caught: unknown;
    try {
      other.tensor([1, 2]).reshape([3]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(here.TesseraError);
    here.dispose([a, b, v]);
  });

  it('of another major version is a clear error naming both versions', async () => {
    const loading = loadCopy('1.4.0');
    await expect(loading).rejects.toThrow(
      `@tessera/core 1.4.0 was loaded where @tessera/core ${here.CORE_VERSION} already runs: versions 0.1.x and 1.x cannot share one engine`,
    );
    await expect(loading).rejects.toBeInstanceOf(here.TesseraError);
    await expect(loadCopy('0.2.0')).rejects.toThrow(/versions 0\.1\.x and 0\.2\.x cannot share one engine/);
  });

  it('compares versions as semver carets: the major, or 0.minor before 1.0', () => {
    expect(here.engineCompatibility('0.1.0')).toBe(here.engineCompatibility('0.1.7'));
    expect(here.engineCompatibility('2.0.0')).toBe(here.engineCompatibility('2.5.1'));
    expect(here.engineCompatibility('0.1.0')).not.toBe(here.engineCompatibility('0.2.0'));
  });
});
