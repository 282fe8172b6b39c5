// Trains the MNIST trainer's `mlp` recipe (784-64-10, ReLU, Adam 1e-3, batch 64, 10 epochs, inputs
// scaled to [0, 1]) with TensorFlow.js's own layers API on its cpu backend, on the same data, and
// prints the test accuracy: the peer's number for docs/results.md, to tell an implementation issue
// from the recipe's own ceiling.
//   pnpm --filter @tessera/bench exec tsx --conditions=source scripts/peer-accuracy.ts [epochs]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { imagesToFloat32 } from '@tessera/datasets';
import { loadMnist } from '@tessera/datasets/node';

const epochs = Number(process.argv[2] ?? 10);
await tf.setBackend('cpu');
const data = await loadMnist();
const nTrain = data.train.labels.length;
const nTest = data.test.labels.length;
const x = tf.tensor2d(imagesToFloat32(data.train.images), [nTrain, 784]);
const y = tf.oneHot(tf.tensor1d(Int32Array.from(data.train.labels), 'int32'), 10);
const xTest = tf.tensor2d(imagesToFloat32(data.test.images), [nTest, 784]);
const yTest = tf.oneHot(tf.tensor1d(Int32Array.from(data.test.labels), 'int32'), 10);

const model = tfl.sequential({
  layers: [tfl.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), tfl.layers.dense({ units: 10, activation: 'softmax' })],
});
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const t0 = performance.now();
await model.fit(x, y, {
  epochs, batchSize: 64, shuffle: true, verbose: 0,
  callbacks: { onEpochEnd: async (e, logs) => console.log(`epoch ${e + 1}: loss ${logs?.['loss']?.toFixed(4)} acc ${logs?.['acc']?.toFixed(4)}`) },
});
const seconds = (performance.now() - t0) / 1000;
const [, acc] = model.evaluate(xTest, yTest, { batchSize: 500 }) as tf.Scalar[];
console.log(`tfjs ${tf.version_core} cpu, mlp 784-64-10 adam 1e-3 b64 ${epochs} epochs: test accuracy ${(100 * (await acc!.data())[0]!).toFixed(2)}% in ${seconds.toFixed(0)} s`);
