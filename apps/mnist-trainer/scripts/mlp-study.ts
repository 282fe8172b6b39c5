// The study behind the MLP recipe's label smoothing (docs/results.md): which addition to the issue's
// recipe (784-64-10, ReLU, Adam 1e-3, batch 64, 10 epochs) generalises better, judged on a held-out
// validation split of the training set, never on the test set.
//
//   npx tsx scripts/mlp-study.ts [variants] [seeds] [val|test]
//   npx tsx scripts/mlp-study.ts base,smooth-0.1 1,2,3,4,5 val
//
// 'val' trains on the first 50,000 training images and scores the last 10,000; 'test' trains on
// all 60,000 and scores the test set. Prints the score after every epoch. wasm backend, ~15 s a run.
import { Random, argMax, setBackend, setSeed, tensor, tidy, type Tensor } from '@tessera/core';
import { loadMnist } from '@tessera/datasets/node';
import { Dense, Dropout, type Layer } from '@tessera/layers';
import { Sequential } from '@tessera/models';
import { adam } from '@tessera/optimizers';

interface Variant { l2?: number; dropout?: number; smoothing?: number; shift?: number }
const VARIANTS: Record<string, Variant> = {
  base: {},
  'l2-1e-5': { l2: 1e-5 },
  'l2-1e-4': { l2: 1e-4 },
  'dropout-0.1': { dropout: 0.1 },
  'dropout-0.2': { dropout: 0.2 },
  'smooth-0.05': { smoothing: 0.05 },
  'smooth-0.1': { smoothing: 0.1 },
  'smooth-0.2': { smoothing: 0.2 },
  'smooth-0.1-dropout-0.1': { smoothing: 0.1, dropout: 0.1 },
  'shift-1': { shift: 1 },
  'shift-2': { shift: 2 },
};

const args = process.argv.slice(2);
const names = (args[0] ?? Object.keys(VARIANTS).join(',')).split(',');
for (const n of names) if (!VARIANTS[n]) throw new Error(`unknown variant '${n}'; known: ${Object.keys(VARIANTS).join(', ')}`);
const seeds = (args[1] ?? '1,2,3').split(',').map(Number);
const mode = args[2] ?? 'val'; // 'val': train 50k, score the last 10k of train; 'test': train 60k, score test

await import('@tessera/backend-wasm');
await setBackend('wasm');
const data = await loadMnist();
const nTrain = mode === 'val' ? 50000 : 60000;
const trainX = data.train.images.subarray(0, nTrain * 784);
const trainY = data.train.labels.subarray(0, nTrain);
const evalImages = mode === 'val' ? data.train.images.subarray(50000 * 784) : data.test.images;
const evalLabels = mode === 'val' ? data.train.labels.subarray(50000) : data.test.labels;

function shifted(src: Uint8Array, out: Float32Array, o: number, dx: number, dy: number): void {
  for (let y = 0; y < 28; y++) {
    const sy = y - dy;
    for (let x = 0; x < 28; x++) {
      const sx = x - dx;
      out[o + y * 28 + x] = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? src[sy * 28 + sx]! / 255 : 0;
    }
  }
}

function* epochBatches(rng: Random, shift: number): Generator<{ xs: Tensor; ys: Tensor }> {
  const order = Int32Array.from({ length: nTrain }, (_, i) => i);
  rng.shuffle(order);
  for (let s = 0; s < nTrain; s += 64) {
    const b = Math.min(64, nTrain - s);
    const xb = new Float32Array(b * 784);
    const yb = new Float32Array(b * 10);
    for (let k = 0; k < b; k++) {
      const r = order[s + k]!;
      const img = trainX.subarray(r * 784, (r + 1) * 784);
      const span = 2 * shift + 1;
      const dx = shift ? rng.int(span) - shift : 0;
      const dy = shift ? rng.int(span) - shift : 0;
      shifted(img, xb, k * 784, dx, dy);
      yb[k * 10 + trainY[r]!] = 1;
    }
    yield { xs: tensor(xb, [b, 784]), ys: tensor(yb, [b, 10]) };
  }
}

async function run(name: string, seed: number): Promise<number[]> {
  const v = VARIANTS[name]!;
  setSeed(seed);
  const rng = new Random(seed * 7919 + 17);
  const reg = v.l2 ? { className: 'L1L2', config: { l2: v.l2 } } : null;
  const layers: Layer[] = [new Dense({ units: 64, activation: 'relu', inputShape: [784], kernelRegularizer: reg })];
  if (v.dropout) layers.push(new Dropout({ rate: v.dropout }));
  layers.push(new Dense({ units: 10, activation: 'softmax', kernelRegularizer: reg }));
  const model = new Sequential({ layers });
  const loss = v.smoothing ? { name: 'categoricalCrossentropy', labelSmoothing: v.smoothing } : 'categoricalCrossentropy';
  model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss, metrics: ['accuracy'] });
  const xEval = tensor(Float32Array.from(evalImages, (p) => p / 255), [evalLabels.length, 784]);
  const accs: number[] = [];
  for (let e = 0; e < 10; e++) {
    await model.fit({ [Symbol.iterator]: () => epochBatches(rng, v.shift ?? 0) }, { epochs: 1, verbose: 0 });
    const pred = tidy(() => argMax(model.predict(xEval, { batchSize: 1000 }), -1));
    const p = await pred.data();
    pred.dispose();
    let c = 0;
    for (let i = 0; i < evalLabels.length; i++) if (p[i] === evalLabels[i]) c++;
    accs.push((100 * c) / evalLabels.length);
  }
  xEval.dispose();
  model.dispose();
  return accs;
}

for (const name of names) {
  const finals: number[] = [];
  for (const seed of seeds) {
    const t = performance.now();
    const accs = await run(name, seed);
    finals.push(accs[9]!);
    console.log(`${name} seed ${seed}: ${accs.map((a) => a.toFixed(2)).join(' ')} (${((performance.now() - t) / 1000).toFixed(0)} s)`);
  }
  console.log(`== ${name} [${mode}] mean ${(finals.reduce((a, b) => a + b, 0) / finals.length).toFixed(3)} over seeds ${seeds.join(',')}`);
}
