// One exported model in the browser peer: onnxruntime-web (its WebAssembly build) in headless
// Chromium must give Tessera's predictions within 1e-5, as onnxruntime-node does (onnx.test.ts).
import '@tessera/backend-cpu';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { launchChromium, serveStatic } from '@tessera/chromium';
import { Random, tensor, type Tensor } from '@tessera/core';
import { AveragePooling2D, BatchNormalization, Conv2D, Dense, Flatten, MaxPooling2D } from '@tessera/layers';
import { expect, it } from 'vitest';
import { exportOnnx, sequential } from '../src/index.js';

const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));

it('a LeNet-5-like CNN exported by Tessera runs in onnxruntime-web (wasm) in Chromium with the same outputs', async () => {
  const m = sequential({
    layers: [
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 12, 1] }),
      new BatchNormalization(),
      new MaxPooling2D(),
      new Conv2D({ filters: 6, kernelSize: 3, activation: 'tanh' }),
      new AveragePooling2D(),
      new Flatten(),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const r = new Random(3);
  const x: Tensor = tensor(Array.from({ length: 2 * 144 }, () => r.uniform(0, 1)), [2, 12, 12, 1]);
  const dir = await mkdtemp(join(tmpdir(), 'tessera-ort-web-'));
  const server = await serveStatic(dir, { isolated: false });
  const browser = await launchChromium({ webgpu: false });
  try {
    await writeFile(join(dir, 'model.onnx'), await exportOnnx(m));
    for (const f of ['ort.wasm.min.js', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) await copyFile(join(ortDist, f), join(dir, f));
    await writeFile(join(dir, 'index.html'), '<!doctype html><script src="ort.wasm.min.js"></script>');
    const page = await browser.newPage();
    await page.goto(server.url);
    const input = { name: m.inputNames[0]!, output: m.outputNames[0]!, data: Array.from(await x.data()), shape: x.shape };
    const got = await page.evaluate(async ({ name, output, data, shape }) => {
      const ort = (globalThis as unknown as { ort: typeof import('onnxruntime-web') }).ort;
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.wasmPaths = new URL('./', location.href).href;
      const session = await ort.InferenceSession.create(await (await fetch('model.onnx')).arrayBuffer(), { executionProviders: ['wasm'] });
      const out = await session.run({ [name]: new ort.Tensor('float32', Float32Array.from(data), shape) });
      return { dims: [...out[output]!.dims], values: Array.from(out[output]!.data as Float32Array) };
    }, input);
    const want = m.predict(x) as Tensor;
    expect(got.dims).toEqual(want.shape);
    const b = await want.data();
    expect(Math.max(...got.values.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThanOrEqual(1e-5);
    want.dispose();
  } finally {
    await browser.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
    x.dispose();
  }
}, 120_000);
