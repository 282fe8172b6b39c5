// --export onnx, and every model of the trainer in onnxruntime-node against Tessera's predict.
import '@tessera/backend-cpu';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random, setSeed, tensor, type Tensor } from '@tessera/core';
import { exportOnnx, loadModel, type Model } from '@tessera/models/node';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_NAMES, RECIPES, parseArgs, train, type TrainOptions } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-mnist-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The largest difference between onnxruntime's output and `model.predict` on `x`, relative above 1. */
async function difference(session: ort.InferenceSession, model: Model, x: Tensor): Promise<number> {
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', (await x.data()) as Float32Array, x.shape) };
  const got = (await session.run(feeds))[session.outputNames[0]!]!;
  const want = model.predict(x) as Tensor;
  expect(got.dims).toEqual(want.shape);
  const a = got.data as Float32Array;
  const b = await want.data();
  want.dispose();
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

function pixels(shape: number[], seed: number): Tensor {
  const r = new Random(seed);
  return tensor(Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => r.uniform(0, 1)), shape);
}

describe('MNIST trainer: ONNX export', () => {
  it('--export onnx writes model.onnx beside the saved model; onnxruntime gives its predictions', async () => {
    const o = { ...(parseArgs(['--model', 'mlp', '--epochs', '1', '--limit', '500', '--inputs', 'standard', '--export', 'onnx']) as TrainOptions), out: join(dir, 'mlp'), verbose: 0 };
    const lines: string[] = [];
    const r = await train(o, (s) => lines.push(s));
    const path = join(r.outDir, 'model.onnx');
    const saved = await loadModel(join(r.outDir, 'model'), { compile: false });
    expect(lines).toContain(`exported the model to ${path} (ONNX, input '${saved.inputNames[0]}' [batch, 784])`);
    const session = await ort.InferenceSession.create(path);
    const x = pixels([4, 784], 1);
    expect(await difference(session, saved, x)).toBeLessThanOrEqual(1e-5);
    await session.release();
    saved.dispose();
    x.dispose();
    expect((parseArgs(['--export', 'safetensors,onnx']) as TrainOptions).exports).toEqual(['safetensors', 'onnx']);
  });

  it.each(MODEL_NAMES)('the %s network runs in onnxruntime with the same outputs', async (name) => {
    setSeed(7);
    const recipe = RECIPES[name];
    const model = recipe.build(recipe.standardize ? { mean: 0.13, std: 0.31 } : undefined);
    const session = await ort.InferenceSession.create(await exportOnnx(model));
    const x = pixels(recipe.input === 'flat' ? [3, 784] : [3, 28, 28, 1], 2);
    expect(await difference(session, model, x)).toBeLessThanOrEqual(1e-5);
    await session.release();
    model.dispose();
    x.dispose();
  });
});
