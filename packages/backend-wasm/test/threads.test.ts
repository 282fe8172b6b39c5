import { Random, backendInstance, exp, runKernel, scalar, setBackend, tensor, type Tensor } from '@tessera/core';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_THREADS, WasmBackend, configureWasmBackend, setThreads } from '../src/node.js';
import { unshareMemoryImport } from '../src/module.js';

const rand = (shape: number[], seed: number): Tensor => {
  const r = new Random(seed);
  return tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => r.uniform(-1, 1)), shape);
};

beforeAll(async () => {
  expect(await setBackend('wasm')).toBe(true);
});
afterAll(async () => {
  await setThreads(1);
});

describe('threads', () => {
  it('splits matmul rows across worker threads with results identical to one thread', async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[1, 203, 300], [1, 300, 270], false, false],
      [[2, 300, 150], [1, 130, 300], true, true],
      [[1, 97, 64], [3, 64, 600], false, false],
    ];
    const single = cases.map(([sa, sb, ta, tb], i) => {
      const [a, b] = [rand(sa, i), rand(sb, i + 10)];
      const y = runKernel('BatchMatMul', [a, b], { transposeA: ta, transposeB: tb });
      const v = y.dataSync();
      [a, b, y].forEach((t) => t.dispose());
      return v;
    });
    await setThreads(3);
    const backend = backendInstance() as WasmBackend;
    expect(backend.threads).toBe(3);
    cases.forEach(([sa, sb, ta, tb], i) => {
      const [a, b] = [rand(sa, i), rand(sb, i + 10)];
      const y = runKernel('BatchMatMul', [a, b], { transposeA: ta, transposeB: tb });
      expect(y.dataSync()).toEqual(single[i]);
      [a, b, y].forEach((t) => t.dispose());
    });
    await setThreads(1);
    expect(backend.threads).toBe(1);
  });

  it('splits the convolutions and their gradients across the threads, matching one thread exactly', async () => {
    const same = { strides: [1, 1], pad: [1, 1, 1, 1], dilations: [1, 1] };
    const point = { strides: [1, 1], pad: [0, 0, 0, 0], dilations: [1, 1] };
    const cases: [string, number[], number[], Record<string, unknown>][] = [
      ['Conv2D', [4, 20, 20, 16], [3, 3, 16, 32], same],
      ['Conv2DBackpropInput', [4, 20, 20, 32], [3, 3, 16, 32], { ...same, inputShape: [4, 20, 20, 16] }],
      ['Conv2DBackpropFilter', [4, 20, 20, 16], [4, 20, 20, 32], { ...same, filterShape: [3, 3, 16, 32] }],
      ['Conv2D', [4, 20, 20, 64], [1, 1, 64, 48], point],
      ['Conv2DBackpropInput', [4, 20, 20, 48], [1, 1, 64, 48], { ...point, inputShape: [4, 20, 20, 64] }],
      ['Conv2DBackpropFilter', [4, 20, 20, 64], [4, 20, 20, 48], { ...point, filterShape: [1, 1, 64, 48] }],
      // The narrow direct convolution, split by image (25 and 10 images: uneven shares).
      ['Conv2D', [25, 13, 13, 6], [3, 3, 6, 16], point],
      ['Conv2D', [10, 28, 28, 1], [3, 3, 1, 32], same],
    ];
    const runAll = (): Float32Array[] =>
      cases.map(([kernel, s0, s1, attrs], i) => {
        const [a, b] = [rand(s0, 100 + i), rand(s1, 200 + i)];
        const y = runKernel(kernel, [a, b], attrs);
        const v = y.dataSync() as Float32Array;
        [a, b, y].forEach((t) => t.dispose());
        return v;
      });
    const single = runAll();
    await setThreads(2);
    expect((backendInstance() as WasmBackend).threads).toBe(2);
    const threaded = runAll();
    await setThreads(1);
    threaded.forEach((v, i) => expect(v, cases[i]![0]).toEqual(single[i]));
  });

  it('stays on one thread, with a single warning, without SharedArrayBuffer', async () => {
    const bytes = unshareMemoryImport(new Uint8Array(await readFile(new URL('../build/kernels.wasm', import.meta.url))));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (let i = 0; i < 2; i++) {
        const b = new WasmBackend({ module: new WebAssembly.Module(bytes), shared: false, build: 'custom' });
        await b.setThreads(4);
        expect(b.threads).toBe(1);
      }
      expect(warn).toHaveBeenCalledTimes(1);
      const message = String(warn.mock.calls[0]![0]);
      expect(message).toMatch(/SharedArrayBuffer is unavailable/);
      expect(message).toContain('Cross-Origin-Opener-Policy: same-origin');
      expect(message).toContain('Cross-Origin-Embedder-Policy: require-corp');
    } finally {
      warn.mockRestore();
    }
  });

  it('runs MAX_THREADS threads, the last one with its own scratch, matching one thread exactly', async () => {
    const product = (): Float32Array => {
      const [a, b] = [rand([1, 300, 200], 7), rand([1, 200, 150], 8)];
      const y = runKernel('BatchMatMul', [a, b], { transposeA: false, transposeB: false });
      const v = y.dataSync() as Float32Array;
      [a, b, y].forEach((t) => t.dispose());
      return v;
    };
    const single = product();
    await setThreads(MAX_THREADS);
    expect((backendInstance() as WasmBackend).threads).toBe(MAX_THREADS);
    const threaded = product();
    await setThreads(1);
    expect(threaded).toEqual(single);
  });
});

describe('thread counts', () => {
  const invalid = [MAX_THREADS + 1, 0, -1, 1.5, NaN, 1e6];

  it('rejects counts that are not integers from 1 to MAX_THREADS, before changing anything', async () => {
    await setThreads(2);
    const backend = backendInstance() as WasmBackend;
    const before = backend.memory();
    const [a, b] = [rand([1, 130, 70], 1), rand([1, 70, 90], 2)];
    const product = runKernel('BatchMatMul', [a, b], { transposeA: false, transposeB: false });
    const want = product.dataSync();
    product.dispose();
    for (const n of invalid) {
      const message = new RegExp(`integer from 1 to ${MAX_THREADS}, got ${String(n).replace('.', '\\.')}$`);
      await expect(setThreads(n), String(n)).rejects.toThrow(message);
      await expect(backend.setThreads(n), String(n)).rejects.toThrow(message);
      expect(() => configureWasmBackend({ threads: n }), String(n)).toThrow(message);
      expect(backend.threads).toBe(2);
    }
    const y = runKernel('BatchMatMul', [a, b], { transposeA: false, transposeB: false });
    expect(y.dataSync()).toEqual(want);
    const one = scalar(1);
    const e = exp(one);
    expect(e.dataSync()[0]).toBeCloseTo(Math.E, 6);
    [a, b, y, one, e].forEach((t) => t.dispose());
    expect(backend.memory()).toEqual(before);
    await setThreads(1);
  });

  it('rejects an invalid count in the options of a new backend', async () => {
    await expect(WasmBackend.create({ threads: MAX_THREADS + 1 })).rejects.toThrow(`integer from 1 to ${MAX_THREADS}, got ${MAX_THREADS + 1}`);
  });
});
