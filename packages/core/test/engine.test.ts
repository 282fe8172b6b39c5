import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Backend, DataId, DataType, TensorInfo, TypedArray } from '../src/index.js';
import { Engine, NonFiniteError, OutOfMemoryError, TesseraError } from '../src/index.js';

/** A minimal synchronous backend storing plain arrays; `log` records which backend ran each Add. */
class ArrayBackend implements Backend {
  readonly floatPrecision = 32 as const;
  private live = new Set<DataId>();
  constructor(readonly name: string) {}
  write(values: TypedArray): DataId {
    const id = { values: Float32Array.from(values) };
    this.live.add(id);
    return id;
  }
  async read(id: DataId): Promise<TypedArray> {
    return this.readSync(id);
  }
  readSync(id: DataId): TypedArray {
    return (id as { values: Float32Array }).values.slice();
  }
  disposeData(id: DataId): void {
    this.live.delete(id);
  }
  memory(): { bytes: number } {
    return { bytes: this.live.size };
  }
}

const ranOn: string[] = [];
function addKernel(engine: Engine, name: string): void {
  engine.registerKernel({
    name: 'Add',
    backend: name,
    fn: ({ inputs: [a, b], backend }: { inputs: TensorInfo[]; backend: ArrayBackend }) => {
      ranOn.push(backend.name);
      const x = backend.readSync(a!.dataId);
      const y = backend.readSync(b!.dataId);
      return { dataId: backend.write(x.map((v, i) => v + y[i]!)), shape: a!.shape, dtype: 'float32' as DataType };
    },
  });
}

/** Runs `fn` with console.warn captured; returns what it printed. */
async function warnings(fn: () => unknown): Promise<string[]> {
  const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    await fn();
    return spy.mock.calls.map((c) => c.map(String).join(' '));
  } finally {
    spy.mockRestore();
  }
}

const engines: Engine[] = [];
function engineWith(...factories: { name: string; priority: number; create(): Backend | Promise<Backend> }[]): Engine {
  const engine = new Engine();
  for (const f of factories) {
    engine.registerBackend(f);
    addKernel(engine, f.name);
  }
  engines.push(engine);
  return engine;
}

afterEach(() => {
  ranOn.length = 0;
});

describe('backend choice', () => {
  it('ready() moves from a backend picked by an early op to the better one that started meanwhile, and earlier tensors follow', async () => {
    let finish: (b: Backend) => void = () => {};
    const engine = engineWith(
      { name: 'slow-lo', priority: 10, create: () => new ArrayBackend('slow-lo') },
      { name: 'slow-hi', priority: 20, create: () => new Promise<Backend>((resolve) => (finish = resolve)) },
    );
    let early: ReturnType<Engine['makeTensor']> | undefined;
    const said = await warnings(() => {
      early = engine.makeTensor(new Float32Array([1, 2]), [2], 'float32');
      engine.makeTensor(new Float32Array([3]), [1], 'float32'); // a second early op does not say it again
    });
    expect(engine.backendName()).toBe('slow-lo');
    expect(said).toEqual([
      "tessera: an op ran before 'slow-hi' finished starting, so it runs on 'slow-lo' for now; await ready() switches to the " +
        'best backend (tensors made meanwhile move with it), or await ready() before the first op',
    ]);
    finish(new ArrayBackend('slow-hi'));
    expect((await engine.ready()).name).toBe('slow-hi');
    const [sum] = engine.runKernel('Add', [early!, early!]);
    expect(ranOn).toEqual(['slow-hi']);
    expect(Array.from(sum!.dataSync())).toEqual([2, 4]);
    expect(early!.storage.backend.name).toBe('slow-hi');
  });

  it('keeps a backend chosen with setBackend, even when a better one is registered', async () => {
    const engine = engineWith(
      { name: 'pick-lo', priority: 10, create: () => new ArrayBackend('pick-lo') },
      { name: 'pick-hi', priority: 20, create: async () => new ArrayBackend('pick-hi') },
    );
    expect(await engine.setBackend('pick-lo')).toBe(true);
    expect((await engine.ready()).name).toBe('pick-lo');
  });

  it('keeps why a backend failed to start, says it once, and names it in later errors', async () => {
    const reason = "backend 'wasm-like': fetching http://127.0.0.1/kernels.wasm failed with HTTP 404";
    const engine = engineWith({ name: 'wasm-like', priority: 20, create: async () => Promise.reject(new TesseraError(reason)) });
    let results: boolean[] = [];
    const said = await warnings(async () => {
      results = [await engine.setBackend('wasm-like'), await engine.setBackend('wasm-like')];
    });
    expect(results).toEqual([false, false]);
    expect(said).toEqual([`tessera: backend 'wasm-like' could not start: ${reason}`]);
    expect(engine.registeredBackends()).toEqual([{ name: 'wasm-like', priority: 20, active: false, failure: reason }]);
    expect(engine.backendFailure('wasm-like')).toBe(reason);
    expect(() => engine.backend).toThrow(`no backend is active (registered: wasm-like) — 'wasm-like' failed to start: ${reason}`);
    await expect(engine.ready()).rejects.toThrow(`ready: no backend could be started (registered: wasm-like) — 'wasm-like' failed to start: ${reason}`);
  });

  it('tells an op that ran before an async-only backend started to await ready()', () => {
    const engine = engineWith({ name: 'async-only', priority: 20, create: () => new Promise<Backend>(() => {}) });
    expect(() => engine.backend).toThrow(
      "no backend is active (registered: async-only); 'async-only' start asynchronously: await ready() (or await setBackend(name)) before the first op",
    );
  });

  it('says a synchronous factory that throws is unavailable, with its reason', async () => {
    const engine = engineWith(
      {
        name: 'gpu-like',
        priority: 30,
        create: () => {
          throw new TesseraError('webgpu: requestAdapter() returned null: no WebGPU adapter is available here');
        },
      },
      { name: 'cpu-like', priority: 10, create: () => new ArrayBackend('cpu-like') },
    );
    const said = await warnings(() => expect(engine.backendName()).toBe('cpu-like'));
    expect(said).toEqual(["tessera: backend 'gpu-like' could not start: webgpu: requestAdapter() returned null: no WebGPU adapter is available here"]);
    expect((await engine.ready()).name).toBe('cpu-like');
  });
});

/** A backend that reads only asynchronously (like WebGPU) and can be marked lost. */
class AsyncArrayBackend implements Backend {
  readonly floatPrecision = 32 as const;
  lost = false;
  constructor(readonly name: string) {}
  write(values: TypedArray): DataId {
    return { values: Float32Array.from(values) };
  }
  async read(id: DataId): Promise<TypedArray> {
    await new Promise((r) => setTimeout(r, 1));
    return (id as { values: Float32Array }).values.slice();
  }
  disposeData(): void {}
  memory(): { bytes: number } {
    return { bytes: 0 };
  }
  isLost(): boolean {
    return this.lost;
  }
}

function logKernel(engine: Engine, backend: string): void {
  engine.registerKernel({
    name: 'Log',
    backend,
    fn: ({ inputs: [x], backend: b }: { inputs: TensorInfo[]; backend: AsyncArrayBackend }) => {
      const v = (x!.dataId as { values: Float32Array }).values.map(Math.log);
      return { dataId: b.write(v), shape: x!.shape, dtype: 'float32' as DataType };
    },
  });
}

describe('lost backends', () => {
  it('setBackend replaces a lost instance with a new one; tensors of the lost one say their values are gone', async () => {
    const made: AsyncArrayBackend[] = [];
    const engine = engineWith({ name: 'gpu-like', priority: 30, create: async () => (made.push(new AsyncArrayBackend('gpu-like')), made.at(-1)!) });
    expect(await engine.setBackend('gpu-like')).toBe(true);
    const x = engine.makeTensor(new Float32Array([1]), [1], 'float32');
    expect(await engine.setBackend('gpu-like')).toBe(true);
    expect(made).toHaveLength(1);
    made[0]!.lost = true;
    expect(await engine.setBackend('gpu-like')).toBe(true);
    expect(made).toHaveLength(2);
    expect(engine.backend).toBe(made[1]);
    expect(() => engine.runKernel('Add', [x, x])).toThrow(/^Add: tensor #\d+ \(\[1\] float32\) lived on an instance of backend 'gpu-like' that was lost or removed/);
  });

  it('ready() starts a lost chosen backend again; removeBackend forgets an instance', async () => {
    const made: AsyncArrayBackend[] = [];
    const engine = engineWith({ name: 'gpu-like2', priority: 30, create: async () => (made.push(new AsyncArrayBackend('gpu-like2')), made.at(-1)!) });
    await engine.setBackend('gpu-like2');
    made[0]!.lost = true;
    expect(await engine.ready()).toBe(made[1]);
    engine.removeBackend('gpu-like2');
    expect(engine.registeredBackends()[0]!.active).toBe(false);
    expect(await engine.ready()).toBe(made[2]);
  });
});

describe('debug mode on a backend that reads only asynchronously', () => {
  it('reports a NaN at the next read, naming the op and kernel', async () => {
    const engine = engineWith({ name: 'async-debug', priority: 30, create: async () => new AsyncArrayBackend('async-debug') });
    logKernel(engine, 'async-debug');
    await engine.setBackend('async-debug');
    engine.debug = true;
    const x = engine.makeTensor(new Float32Array([2, -1]), [2], 'float32');
    engine.opStack.push('log');
    const [y] = engine.runKernel('Log', [x]);
    engine.opStack.pop();
    await expect(engine.readData(y!)).rejects.toThrow(NonFiniteError);
    // Reported once; reads work again.
    expect(Array.from(await engine.readData(x))).toEqual([2, -1]);
  });

  it('once the check has settled, the next kernel throws it', async () => {
    const engine = engineWith({ name: 'async-debug2', priority: 30, create: async () => new AsyncArrayBackend('async-debug2') });
    logKernel(engine, 'async-debug2');
    await engine.setBackend('async-debug2');
    engine.debug = true;
    const x = engine.makeTensor(new Float32Array([-1]), [1], 'float32');
    engine.opStack.push('log');
    engine.runKernel('Log', [x]);
    engine.opStack.pop();
    // Before the values arrive nothing is known; after, the next kernel reports it (once).
    const ok = engine.makeTensor(new Float32Array([1]), [1], 'float32');
    expect(() => engine.runKernel('Log', [ok])).not.toThrow();
    await new Promise((r) => setTimeout(r, 20));
    expect(() => engine.runKernel('Log', [ok])).toThrow(/^log: kernel 'Log' produced NaN at flat index 0 of its output \[1\] \(debug mode; found asynchronously/);
    expect(() => engine.runKernel('Log', [ok])).not.toThrow();
  });
});

describe('allocation failures', () => {
  it('a kernel whose array cannot be allocated is an OutOfMemoryError naming the op, backend, kernel and inputs', () => {
    const engine = engineWith({ name: 'alloc-like', priority: 10, create: () => new ArrayBackend('alloc-like') });
    engine.registerKernel({ name: 'Tile', backend: 'alloc-like', fn: () => ({ dataId: { values: new Float32Array(1e10) }, shape: [1e10], dtype: 'float32' }) });
    const x = engine.makeTensor(new Float32Array([1]), [1], 'float32');
    engine.opStack.push('tile');
    try {
      expect(() => engine.runKernel('Tile', [x])).toThrow(OutOfMemoryError);
      expect(() => engine.runKernel('Tile', [x])).toThrow(
        /^tile: backend 'alloc-like': out of memory: JavaScript could not allocate an array \(Invalid typed array length: 10000000000\) for kernel 'Tile' on inputs \[1\] float32 \(4 bytes in live tensors\)$/,
      );
    } finally {
      engine.opStack.pop();
    }
  });
});
