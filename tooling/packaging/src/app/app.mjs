// The app a user builds from the published packages. For each backend asked for it trains a small
// classifier (Dense 8→16 relu→3 softmax, adam, sparse categorical cross-entropy) on a separable
// problem drawn from the seeded generator, and reports the first and last epoch loss.
// Node: `node app.mjs cpu wasm` prints the report as one JSON line.
// Browser: `index.html?backends=cpu,wasm,webgpu` puts it on `window.tesseraReport` and in #report.
import { Dense, adam, argMax, backendInstance, matmul, randomNormal, sequential, setBackend, setSeed, tidy } from 'tesserajs';
import { setThreads } from '@tessera/backend-wasm';
import '@tessera/backend-webgpu';

const inBrowser = typeof document !== 'undefined';

async function train(backend) {
  if (!(await setBackend(backend))) throw new Error(`backend '${backend}' is unavailable here`);
  const report = { backend };
  if (backend === 'wasm') {
    await setThreads(2);
    report.threads = backendInstance().threads;
  }
  setSeed(42);
  const x = randomNormal([256, 8]);
  // Labels from a random linear map: the classes are linearly separable.
  const y = tidy(() => argMax(matmul(x, randomNormal([8, 3])), 1));
  const model = sequential({
    layers: [new Dense({ units: 16, activation: 'relu', inputShape: [8] }), new Dense({ units: 3, activation: 'softmax' })],
  });
  model.compile({ optimizer: adam(0.02), loss: 'sparseCategoricalCrossentropy' });
  const { history } = await model.fit(x, y, { epochs: 5, batchSize: 32, verbose: 0, seed: 1 });
  report.firstLoss = history.loss[0];
  report.lastLoss = history.loss[history.loss.length - 1];
  model.dispose();
  x.dispose();
  y.dispose();
  return report;
}

async function main(backends) {
  const results = [];
  for (const backend of backends) {
    try {
      results.push(await train(backend));
    } catch (e) {
      results.push({ backend, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  }
  return { crossOriginIsolated: globalThis.crossOriginIsolated ?? null, results };
}

if (inBrowser) {
  const backends = (new URLSearchParams(location.search).get('backends') ?? 'cpu').split(',');
  const report = await main(backends);
  window.tesseraReport = report;
  document.getElementById('report').textContent = JSON.stringify(report);
} else {
  console.log(JSON.stringify(await main(process.argv.slice(2))));
  // Worker threads of the wasm backend would keep Node alive.
  process.exit(0);
}
