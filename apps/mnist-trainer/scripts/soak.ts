// The soak test (opt-in, not part of CI's time budget): long training on cpu and wasm must keep the
// live tensors and the backend's bytes flat and the process's memory levelling off.
//
//   pnpm --filter @tessera/mnist-trainer soak [--epochs 20] [--steps 10000] [--backends cpu,wasm] [--out out/soak.json]
//
// Phase 1 fits the MLP 784-128-10 (Adam, batch 64) on all of MNIST for `epochs` epochs; phase 2 runs
// `steps` trainOnBatch calls on one model. Memory is sampled at every epoch end and every 500 steps.
// It exits non-zero if the tensor count or the backend's bytes move between samples, or if the
// resident set grows by more than 10% over the second half of the steps.
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import '@tessera/backend-cpu';
import '@tessera/backend-wasm';
import { memory, setBackend, setSeed, slice, tensor, tidy } from '@tessera/core';
import { imagesToFloat32 } from '@tessera/datasets';
import { loadMnist } from '@tessera/datasets/node';
import { Dense } from '@tessera/layers';
import { CustomCallback, sequential, type Sequential } from '@tessera/models';

interface Sample {
  at: string;
  tensors: number;
  bytes: number;
  backendBytes: number;
  rssMiB: number;
}

function sample(at: string): Sample {
  const m = memory();
  return { at, tensors: m.numTensors, bytes: m.numBytes, backendBytes: Number(m.backend['bytes'] ?? 0), rssMiB: process.memoryUsage().rss / 2 ** 20 };
}

function mlp(): Sequential {
  const model = sequential({ layers: [new Dense({ units: 128, activation: 'relu', inputShape: [784] }), new Dense({ units: 10, activation: 'softmax' })] });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Samples after the first must hold the same tensor count and bytes: anything else is a leak. */
function flat(samples: Sample[]): boolean {
  const [first, ...rest] = samples.slice(1);
  return rest.every((s) => s.tensors === first!.tensors && s.bytes === first!.bytes && s.backendBytes === first!.backendBytes);
}

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '20' },
    steps: { type: 'string', default: '10000' },
    backends: { type: 'string', default: 'cpu,wasm' },
    out: { type: 'string', default: 'out/soak.json' },
  },
});
const epochs = Number(values.epochs);
const steps = Number(values.steps);
const mnist = await loadMnist();
const images = imagesToFloat32(mnist.train.images);
const labels = Int32Array.from(mnist.train.labels);
const report: Record<string, { fit: Sample[]; steps: Sample[]; seconds: number; rssGrowthSecondHalf: number; ok: boolean }> = {};
let failed = false;

for (const backend of values.backends.split(',')) {
  if (!(await setBackend(backend))) throw new Error(`backend '${backend}' is unavailable`);
  setSeed(1);
  const t0 = performance.now();
  const x = tensor(images, [labels.length, 784]);
  const y = tensor(labels, [labels.length], 'int32');
  const fitSamples = [sample('start')];
  const model = mlp();
  await model.fit(x, y, {
    epochs, batchSize: 64, verbose: 0,
    callbacks: [new CustomCallback({ onEpochEnd: (e) => void fitSamples.push(sample(`epoch ${e + 1}`)) })],
  });
  model.dispose();

  const stepSamples = [sample('start')];
  const model2 = mlp();
  for (let s = 0; s < steps; s++) {
    const start = (s * 64) % (labels.length - 64);
    const [xb, yb] = tidy(() => [slice(x, [start, 0], [64, 784]), slice(y, [start], [64])]);
    await model2.trainOnBatch(xb!, yb!);
    xb!.dispose();
    yb!.dispose();
    if ((s + 1) % 500 === 0) stepSamples.push(sample(`step ${s + 1}`));
  }
  model2.dispose();
  x.dispose();
  y.dispose();
  const half = stepSamples[Math.floor(stepSamples.length / 2)]!.rssMiB;
  const growth = stepSamples.at(-1)!.rssMiB / half - 1;
  const ok = flat(fitSamples) && flat(stepSamples) && growth < 0.1;
  failed ||= !ok;
  report[backend] = { fit: fitSamples, steps: stepSamples, seconds: (performance.now() - t0) / 1000, rssGrowthSecondHalf: growth, ok };
  const range = (list: Sample[], key: 'tensors' | 'bytes' | 'backendBytes'): string => `${list[1]![key]} → ${list.at(-1)![key]}`;
  console.log(
    `${backend}: ${epochs} epochs + ${steps} steps in ${report[backend].seconds.toFixed(0)} s. ` +
      `fit: tensors ${range(fitSamples, 'tensors')}, bytes ${range(fitSamples, 'bytes')}, backend bytes ${range(fitSamples, 'backendBytes')}; ` +
      `steps: tensors ${range(stepSamples, 'tensors')}, bytes ${range(stepSamples, 'bytes')}, backend bytes ${range(stepSamples, 'backendBytes')}; ` +
      `RSS ${fitSamples[0]!.rssMiB.toFixed(0)} MiB at the start, ${Math.max(...fitSamples.map((s) => s.rssMiB)).toFixed(0)} at the fit's peak, ` +
      `${half.toFixed(0)} → ${stepSamples.at(-1)!.rssMiB.toFixed(0)} over the second half of the steps (${(growth * 100).toFixed(1)}%) — ${ok ? 'flat' : 'NOT FLAT'}`,
  );
}
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, JSON.stringify({ date: new Date().toISOString(), node: process.version, epochs, steps, report }, null, 1));
console.log(`wrote ${values.out}`);
process.exit(failed ? 1 : 0);
