// A TF.js script ported by changing its import: `import * as tf from '@tensorflow/tfjs'` became
// `import * as tf from 'tesserajs'`, and nothing else.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-tfjs-port-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a TF.js script, ported by its import', () => {
  it('Sequential with tf.layers factories, tf.train, tf.callbacks; saved and loaded with tf.loadLayersModel', async () => {
    tf.setSeed(1);
    const xs = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const ys = tf.tensor2d([[0], [1], [1], [0]]);
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 8, activation: 'tanh', inputDim: 2 }));
    model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
    model.compile({ optimizer: tf.train.adam(0.1), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(xs, ys, { epochs: 300, verbose: 0, callbacks: tf.callbacks.earlyStopping({ monitor: 'loss', patience: 20 }) });
    expect(history.history['acc'] ?? history.history['accuracy']).toBeDefined();
    const preds = model.predict(xs) as tf.Tensor;
    expect(Array.from(await preds.data()).map((p) => Math.round(p))).toEqual([0, 1, 1, 0]);

    await model.save(`file://${join(dir, 'xor')}`);
    const fromFile = await tf.loadLayersModel(`file://${join(dir, 'xor')}`);
    expect(Array.from(await (fromFile.predict(xs) as tf.Tensor).data())).toEqual(Array.from(await preds.data()));

    // Served over HTTP, as a page would load it.
    const files = new Map(readdirSync(join(dir, 'xor')).map((f) => [`/xor/${f}`, readFileSync(join(dir, 'xor', f))]));
    const server = createServer((req, res) => {
      const body = files.get(req.url ?? '');
      res.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const fromHttp = await tf.loadLayersModel(`http://127.0.0.1:${port}/xor/model.json`);
      expect(Array.from(await (fromHttp.predict(xs) as tf.Tensor).data())).toEqual(Array.from(await preds.data()));
      await expect(tf.loadLayersModel(`http://127.0.0.1:${port}/missing/model.json`)).rejects.toThrow(/model\.json from http:\/\/127\.0\.0\.1:\d+\/missing\/model\.json answered HTTP 404/);
      fromHttp.dispose();
    } finally {
      server.close();
    }
    [model, fromFile].forEach((m) => m.dispose());
    [xs, ys, preds].forEach((t) => t.dispose());
  });

  it('the functional API with tf.input, tf.layers.*.apply and tf.model', async () => {
    const input = tf.input({ shape: [4] });
    const dense1 = tf.layers.dense({ units: 8, activation: 'relu' }).apply(input);
    const dense2 = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(dense1);
    const model = tf.model({ inputs: input, outputs: dense2 });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const x = tf.randomNormal([6, 4]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const h = await model.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 });
    expect(h.history['loss']).toHaveLength(3);
    expect((model.predict(x) as tf.Tensor).shape).toEqual([6, 3]);
    expect(() => tf.train.adamax(0.01, 0.9, 0.999, null, 0.1)).toThrow(/decay 0.1 .* is not supported/);
    expect(() => tf.layers.dense({ units: 1, inputDim: 2, inputShape: [2] })).toThrow(/give inputDim or inputShape, not both/);
    model.dispose();
  });
});
