import '@tessera/backend-cpu';
import {
  ENGINE, OPTIONAL_KERNELS, PRIMITIVE_KERNELS, add, backendInstance, listBackends, matmul, mean, mul, randomNormal, ready,
  relu, setBackend, square, sub, sum, tidy, variable, type Tensor,
} from '@tessera/core';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmBackend, WasmData, compileKernels, wasmKernels } from '../src/node.js';
import { unshareMemoryImport } from '../src/module.js';

const wasmUrl = new URL('../build/kernels.wasm', import.meta.url);

beforeAll(async () => {
  expect(await setBackend('wasm')).toBe(true);
});
afterAll(async () => {
  await setBackend('cpu');
});

describe('registration', () => {
  it("registers 'wasm' above 'cpu' with every contract kernel, and ready() picks it", async () => {
    const backends = listBackends();
    const wasm = backends.find((b) => b.name === 'wasm')!;
    const cpu = backends.find((b) => b.name === 'cpu')!;
    expect(wasm.priority).toBe(20);
    expect(wasm.priority).toBeGreaterThan(cpu.priority);
    const have = new Set(ENGINE.kernelNames('wasm'));
    expect([...PRIMITIVE_KERNELS, ...OPTIONAL_KERNELS].filter((k) => !have.has(k))).toEqual([]);
    expect(new Set(wasmKernels.map((k) => k.name)).size).toBe(wasmKernels.length);
    expect(backendInstance()).toBeInstanceOf(WasmBackend);
    expect(await ready()).toBe('wasm');
  });

  it('runs on a shared memory in Node (what worker threads will need)', () => {
    const b = backendInstance() as WasmBackend;
    expect(b.shared).toBe(true);
    expect(b.wasmMemory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('storage', () => {
  it('converts on write, reads copies and counts live bytes', async () => {
    const b = await WasmBackend.create({ source: wasmUrl });
    const f = b.write(new Float64Array([0.1, -2]), [2], 'float32');
    const i = b.write(new Float32Array([3.9, -4.9, 2]), [3], 'int32');
    const t = b.write(new Float32Array([0, 2, -1, NaN]), [4], 'bool');
    const e = b.write(new Float32Array(0), [2, 0], 'float32');
    expect(f).toBeInstanceOf(WasmData);
    expect(b.readSync(f)).toEqual(new Float32Array([0.1, -2]));
    expect(b.readSync(i)).toEqual(new Int32Array([3, -4, 2]));
    expect(b.readSync(t)).toEqual(new Uint8Array([0, 1, 1, 1]));
    expect(await b.read(e)).toEqual(new Float32Array(0));
    expect(b.memory()).toMatchObject({ bytes: 8 + 12 + 4, buffers: 4 });
    const copy = b.readSync(f);
    copy[0] = 99;
    expect(b.readSync(f)[0]).toBeCloseTo(0.1);
    for (const id of [f, i, t, e]) b.disposeData(id);
    b.disposeData(f);
    expect(b.memory()).toMatchObject({ bytes: 0, buffers: 0 });
    expect(() => b.readSync(f)).toThrow(/disposed/);
  });

  it('keeps values when the memory grows (views are re-created)', async () => {
    const b = await WasmBackend.create({ source: wasmUrl });
    const first = b.write(Float32Array.from({ length: 1000 }, (_, k) => k), [1000], 'float32');
    const before = b.memory().heapBytes;
    const big = b.write(new Float32Array(8 << 20), [8 << 20], 'float32');
    expect(b.memory().heapBytes).toBeGreaterThan(before);
    const back = b.readSync(first) as Float32Array;
    expect(back[999]).toBe(999);
    b.disposeData(big);
    b.disposeData(first);
  });

  it('names the limit when the memory is exhausted', async () => {
    const b = await WasmBackend.create({ source: wasmUrl, maximumPages: 64 });
    expect(() => b.write(new Float32Array(2 << 20), [2 << 20], 'float32')).toThrow(/out of memory/);
  });
});

describe('loading', () => {
  it('accepts the bytes, an ArrayBuffer or a compiled module', async () => {
    const bytes = await readFile(wasmUrl);
    for (const source of [bytes, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), new WebAssembly.Module(bytes)]) {
      const b = await WasmBackend.create({ source });
      const id = b.write(new Float32Array([1, 2]), [2], 'float32');
      expect(b.readSync(id)).toEqual(new Float32Array([1, 2]));
    }
  });

  it('runs with an unshared memory where SharedArrayBuffer is missing', async () => {
    const bytes = unshareMemoryImport(new Uint8Array(await readFile(wasmUrl)));
    const module = new WebAssembly.Module(bytes);
    const b = new WasmBackend({ module, shared: false, build: 'custom' });
    expect(b.wasmMemory.buffer).toBeInstanceOf(ArrayBuffer);
    const x = b.write(new Float32Array([1, -2, 3]), [3], 'float32');
    const y = b.empty([3], 'float32');
    b.kernels.unary(17 /* U_RELU */, 0, b.ptr(y), b.ptr({ dataId: x, shape: [3], dtype: 'float32' }), 3);
    expect(b.readSync(y.dataId)).toEqual(new Float32Array([1, 0, 3]));
  });

  it('reports a missing module with the command that builds it', async () => {
    await expect(compileKernels(new URL('./no-such.wasm', wasmUrl))).rejects.toThrow(/build:wasm/);
  });
});

describe('memory over a training loop', () => {
  it('the heap stops growing once the loop has warmed up', async () => {
    const b = backendInstance() as WasmBackend;
    const x = randomNormal([64, 100], 0, 1, 'float32', 1);
    const y = randomNormal([64, 10], 0, 1, 'float32', 2);
    const w1 = variable(randomNormal([100, 50], 0, 0.1, 'float32', 3), true, 'wasm_loop_w1');
    const w2 = variable(randomNormal([50, 10], 0, 0.1, 'float32', 4), true, 'wasm_loop_w2');
    const step = (): Tensor =>
      tidy(() => {
        // A two-layer net with its gradients written out, so the loop allocates and frees
        // tensors of many sizes every step.
        const h = relu(matmul(x, w1));
        const err = sub(matmul(h, w2), y);
        const dW2 = matmul(h, err, true, false);
        const dH = mul(matmul(err, w2, false, true), relu(h).greater(0).cast('float32'));
        const dW1 = matmul(x, dH, true, false);
        w1.assign(sub(w1, mul(dW1, 1e-4)));
        w2.assign(sub(w2, mul(dW2, 1e-4)));
        return mean(square(err));
      });
    for (let i = 0; i < 5; i++) step().dispose();
    const heap = b.memory().heapBytes;
    const live = b.memory().bytes;
    let last = Infinity;
    for (let i = 0; i < 200; i++) {
      const loss = step();
      last = (await loss.data())[0]!;
      loss.dispose();
    }
    expect(Number.isFinite(last)).toBe(true);
    expect(b.memory().bytes).toBe(live);
    expect(b.memory().heapBytes).toBe(heap);
    expect(sum(add(w1, 0)).dataSync()[0]).not.toBeNaN();
    [x, y, w1, w2].forEach((t) => t.dispose());
  });
});

describe('failures', () => {
  it('a kernel that runs out of memory half-way frees the outputs it had allocated', async () => {
    const b = await WasmBackend.create({ source: wasmUrl, maximumPages: 40 });
    const n = 200_000;
    const x = b.write(new Float32Array(n), [1, n], 'float32');
    const before = b.memory();
    const sum = wasmKernels.find((k) => k.name === 'Sum')!.fn;
    // The [n] output fits; its float64 accumulator after it does not.
    const run = (): unknown => b.guard(() => sum({ inputs: [{ dataId: x, shape: [1, n], dtype: 'float32' }], attrs: { axes: [0] }, backend: b }));
    expect(run).toThrow(/out of memory/);
    expect(b.memory()).toMatchObject({ bytes: before.bytes, buffers: before.buffers });
  });
});
