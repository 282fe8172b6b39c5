import {
  OutOfMemoryError, add, backendInstance, cast, gather, matmul, mean, memory, mul, randomNormal, square, sub, tensor, tidy, variable, zeros, tile,
  type Tensor,
} from '@tessera/core';
import { valueAndGrads } from '@tessera/autograd';
import { conv2d, fill, max, maxPool2d, relu, reshape, slice, softmax, softmaxCrossEntropy, sum } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { WebGPUBackend } from '../src/index.js';
import { createNodeGPU } from '../src/node.js';

type Stats = ReturnType<WebGPUBackend['memory']>;
const stats = (): Stats => (backendInstance() as WebGPUBackend).memory();

describe('webgpu storage', () => {
  it('reads back every dtype and size-0 tensors', async () => {
    const f = tensor([1.5, -2, 3e20]);
    const i = tensor([-7, 0, 2147483647], [3], 'int32');
    const b = tensor([true, false, true]);
    const e = zeros([2, 0]);
    expect(Array.from(await f.data())).toEqual([1.5, -2, Math.fround(3e20)]);
    expect(await i.data()).toEqual(new Int32Array([-7, 0, 2147483647]));
    expect(await b.data()).toEqual(new Uint8Array([1, 0, 1]));
    expect(await e.data()).toEqual(new Float32Array(0));
    [f, i, b, e].forEach((t) => t.dispose());
  });

  it('has no synchronous read: dataSync names the async alternative', () => {
    const t = tensor([1, 2]);
    expect(backendInstance().readSync).toBeUndefined();
    expect(() => t.dataSync()).toThrow("dataSync: backend 'webgpu' cannot read synchronously; use await t.data()");
    t.dispose();
  });

  it('records many dispatches into one submit, made by the read', async () => {
    const x = tensor([1, 2, 3]);
    await x.data();
    const before = stats().submits;
    let y: Tensor = x;
    for (let k = 0; k < 10; k++) {
      const next = add(y, 1);
      if (y !== x) y.dispose();
      y = next;
    }
    expect(stats().submits, 'no submit per op').toBe(before);
    expect(Array.from(await y.data())).toEqual([11, 12, 13]);
    expect(stats().submits).toBe(before + 1);
    [x, y].forEach((t) => t.dispose());
  });

  it('compiles each kernel variant once', async () => {
    const a = tensor([1, 2, 3]);
    const first = mul(a, a);
    const pipelines = stats().pipelines;
    const second = mul(a, 2);
    const third = mul(tensor([4, 5, 6, 7, 8]), tensor([1, 2, 3, 4, 5]));
    expect(stats().pipelines).toBeLessThanOrEqual(pipelines + 1);
    expect(Array.from(await third.data())).toEqual([4, 10, 18, 28, 40]);
    // Sizes divisible by 4 take the vec4 variant: one more pipeline, then shared by every such size.
    const v4 = mul(tensor([1, 2, 3, 4]), tensor([4, 3, 2, 1]));
    const withVec4 = stats().pipelines;
    const v8 = mul(tensor([1, 2, 3, 4, 5, 6, 7, 8]), tensor([8, 7, 6, 5, 4, 3, 2, 1]));
    expect(stats().pipelines).toBe(withVec4);
    expect(Array.from(await v4.data())).toEqual([4, 6, 6, 4]);
    expect(Array.from(await v8.data())).toEqual([8, 14, 18, 20, 20, 18, 14, 8]);
    [a, first, second, third, v4, v8].forEach((t) => t.dispose());
  });

  it('reuses pooled buffers: a training loop stops allocating', async () => {
    const x = randomNormal([32, 16], 0, 1, 'float32', 1);
    const y = randomNormal([32, 1], 0, 1, 'float32', 2);
    const w = variable(zeros([16, 1]), true, 'pool_w');
    const step = (): Tensor =>
      tidy(() => {
        const err = sub(matmul(x, w), y);
        const loss = mean(square(err));
        w.assign(sub(w, mul(matmul(x, err, true, false), 0.01)));
        return loss;
      });
    for (let k = 0; k < 3; k++) {
      const l = step();
      await l.data();
      l.dispose();
    }
    const warm = stats();
    const engineBefore = memory().numBytes;
    for (let k = 0; k < 20; k++) {
      const l = step();
      await l.data();
      l.dispose();
    }
    const after = stats();
    expect(after.allocatedBytes, 'GPU bytes held by the pool').toBe(warm.allocatedBytes);
    expect(after.buffersCreated, 'no new GPU buffers').toBe(warm.buffersCreated);
    expect(after.bytes).toBe(warm.bytes);
    expect(memory().numBytes).toBe(engineBefore);
    [x, y, w].forEach((t) => t.dispose());
    // Pending buffers join the pool at the next submit; emptying it then frees all but the live.
    await (backendInstance() as WebGPUBackend).flush();
    (backendInstance() as WebGPUBackend).emptyPool();
    expect(stats().pooledBytes).toBe(0);
    expect(stats().allocatedBytes).toBeLessThan(after.allocatedBytes);
  });

  it('a small convolutional training loop keeps GPU memory flat and learns', async () => {
    const x = randomNormal([4, 8, 8, 1], 0, 1, 'float32', 3);
    const labels = tensor([[1, 0], [0, 1], [1, 0], [0, 1]]);
    let f = randomNormal([3, 3, 1, 4], 0, 0.3, 'float32', 4);
    let w = randomNormal([64, 2], 0, 0.1, 'float32', 5);
    const loss = (ft: Tensor, wt: Tensor): Tensor => {
      const h = maxPool2d(relu(conv2d(x, ft, 1, 'same')), 2);
      return mean(softmaxCrossEntropy(labels, matmul(reshape(h, [4, 64]), wt)));
    };
    const step = async (): Promise<number> => {
      const { value, grads } = valueAndGrads(loss)([f, w]);
      const f2 = tidy(() => sub(f, mul(grads[0]!, 0.5)));
      const w2 = tidy(() => sub(w, mul(grads[1]!, 0.5)));
      [f, w, ...grads].forEach((t) => t.dispose());
      [f, w] = [f2, w2];
      const l = (await value.data())[0]!;
      value.dispose();
      return l;
    };
    const first = await step();
    await step();
    const warm = stats();
    let last = first;
    for (let k = 0; k < 15; k++) last = await step();
    const after = stats();
    expect(after.allocatedBytes, 'GPU bytes held by the pool').toBe(warm.allocatedBytes);
    expect(after.bytes).toBe(warm.bytes);
    expect(last).toBeLessThan(first);
    [x, labels, f, w].forEach((t) => t.dispose());
  });
});

describe('webgpu dispatch grids', () => {
  it('tensors past 65535 workgroups in x spill into y', async () => {
    const n = 65535 * 64 + 1000;
    const x = fill([n], 1.5);
    const y = add(x, 0.5);
    expect(Array.from(await slice(y, [n - 3], [3]).data())).toEqual([2, 2, 2]);
    expect(Array.from(await sum(y).data())).toEqual([2 * n]);
    const rows = tensor(Array.from({ length: 70000 * 2 }, (_, i) => (i % 2 === 0 ? 0 : Math.log(3))), [70000, 2]);
    const p = softmax(rows);
    const tail = Array.from(await slice(p, [69998, 0], [2, 2]).data());
    tail.forEach((v, i) => expect(v).toBeCloseTo(i % 2 === 0 ? 0.25 : 0.75, 6));
    [x, y, rows, p].forEach((t) => t.dispose());
  });

  // 2 rows of 300: a workgroup per row; 260 rows of 300: a thread per row (enough rows).
  it.each([2, 260])('long rows (%i of 300) give the right softmax and cross-entropy', async (rows) => {
    const c = 300;
    const logits = Array.from({ length: rows * c }, (_, i) => Math.fround(Math.sin(i) * 4));
    const labels = Array.from({ length: rows * c }, (_, i) => (i % c === (Math.floor(i / c) * 7) % c ? 1 : 0));
    const x = tensor(logits, [rows, c]);
    const y = tensor(labels, [rows, c]);
    const want = Array.from({ length: rows }, (_, r) => {
      const row = logits.slice(r * c, (r + 1) * c);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      return { p: row.map((v) => Math.exp(v - lse)), loss: lse - row[(r * 7) % c]! };
    });
    const p = Array.from(await softmax(x).data());
    p.forEach((v, i) => expect(v).toBeCloseTo(want[Math.floor(i / c)]!.p[i % c]!, 6));
    const loss = Array.from(await softmaxCrossEntropy(y, x).data());
    loss.forEach((v, r) => expect(v).toBeCloseTo(want[r]!.loss, 4));
    [x, y].forEach((t) => t.dispose());
  });

  it('reductions of millions of values run in chunks, then reduce the chunks', async () => {
    const n = 3_000_001;
    const x = fill([n], 0.5);
    const i = fill([2, n], 1, 'int32');
    expect(Array.from(await sum(x).data())).toEqual([n / 2]);
    expect(Array.from(await max(x).data())).toEqual([0.5]);
    expect(Array.from(await sum(i, 1).data())).toEqual([n, n]);
    [x, i].forEach((t) => t.dispose());
  });
});

describe('webgpu errors', () => {
  it('gather with out-of-range indices computed on the GPU rejects the next read', async () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    const idx = cast(tensor([0, 7.5]), 'int32');
    const g = gather(x, idx);
    await expect(g.data()).rejects.toThrow(/Gather.*index 7 .*out of range/);
    // The flag is cleared: the backend keeps working.
    const ok = gather(x, cast(tensor([2, 0]), 'int32'));
    expect(Array.from(await ok.data())).toEqual([5, 6, 1, 2]);
    [x, idx, g, ok].forEach((t) => t.dispose());
  });

  it('an allocation beyond maxBufferSize throws before touching the GPU', () => {
    const max = (backendInstance() as WebGPUBackend).device.limits.maxBufferSize;
    const one = tensor([1]);
    const reps = Math.floor(max / 4) + 1;
    expect(() => tile(one, [reps])).toThrow(OutOfMemoryError);
    expect(() => tile(one, [reps])).toThrow(
      new RegExp(`^tile: backend 'webgpu': out of memory: \\d+ bytes needed in one buffer, the device's maxBufferSize is ${max} bytes .*\\(kernel 'Tile' on inputs \\[1\\] float32\\)$`),
    );
    one.dispose();
  });

  it('a lost device makes every later call throw, naming the loss', async () => {
    const b = await WebGPUBackend.create({ gpu: createNodeGPU() });
    const id = b.write(new Float32Array([1, 2]), [2], 'float32');
    b.device.destroy();
    await b.device.lost;
    expect(() => b.write(new Float32Array([1]), [1], 'float32')).toThrow(/webgpu: the GPU device was lost \(destroyed\)/);
    await expect(b.read(id)).rejects.toThrow(/device was lost/);
  });

  it('create() fails clearly without an adapter', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    await expect(WebGPUBackend.create({ gpu })).rejects.toThrow('webgpu: requestAdapter() returned null');
  });
});

describe('useSwiftShaderIfNoVulkanDriver', () => {
  it('sets VK_ICD_FILENAMES only when it is unset, no driver is installed and the ICD exists', async () => {
    const { mkdtempSync, writeFileSync, readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { useSwiftShaderIfNoVulkanDriver } = await import('../src/node.js');
    const saved = { icd: process.env.VK_ICD_FILENAMES, drivers: process.env.VK_DRIVER_FILES };
    const icd = join(mkdtempSync(join(tmpdir(), 'tessera-icd-')), 'icd.json');
    writeFileSync(icd, '{}');
    try {
      process.env.VK_ICD_FILENAMES = '/somewhere/else.json';
      expect(useSwiftShaderIfNoVulkanDriver(icd)).toBeNull();
      expect(process.env.VK_ICD_FILENAMES).toBe('/somewhere/else.json');
      delete process.env.VK_ICD_FILENAMES;
      delete process.env.VK_DRIVER_FILES;
      expect(useSwiftShaderIfNoVulkanDriver(icd + '.missing')).toBeNull();
      expect(process.env.VK_ICD_FILENAMES).toBeUndefined();
      const driverInstalled = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'].some((d) => {
        try {
          return readdirSync(d).some((f) => f.endsWith('.json'));
        } catch {
          return false;
        }
      });
      expect(useSwiftShaderIfNoVulkanDriver(icd)).toBe(driverInstalled ? null : icd);
      expect(process.env.VK_ICD_FILENAMES).toBe(driverInstalled ? undefined : icd);
    } finally {
      if (saved.icd === undefined) delete process.env.VK_ICD_FILENAMES;
      else process.env.VK_ICD_FILENAMES = saved.icd;
      if (saved.drivers !== undefined) process.env.VK_DRIVER_FILES = saved.drivers;
    }
  });
});
