import '../src/index.js';
import { ENGINE, Random, tensor, tidy, ready } from '@tessera/core';
await ready();
const r = new Random(1);
const rand = (shape: number[]) => tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.uniform(-1, 1)), shape);
for (const [xs, fs] of [[[32, 28, 28, 16], [3, 3, 16, 32]], [[64, 28, 28, 1], [5, 5, 1, 8]], [[16, 14, 14, 64], [3, 3, 64, 64]]]) {
  const x = rand(xs), f = rand(fs);
  const attrs = { strides: [1, 1], pad: [(fs[0] - 1) >> 1, fs[0] >> 1, (fs[1] - 1) >> 1, fs[1] >> 1], dilations: [1, 1] };
  const y = ENGINE.runKernel('Conv2D', [x, f], attrs)[0];
  const flops = 2 * y.size * fs[0] * fs[1] * fs[2];
  for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']) {
    const ins = k === 'Conv2D' ? [x, f] : k === 'Conv2DBackpropInput' ? [y, f] : [x, y];
    const at = { ...attrs, inputShape: xs, filterShape: fs };
    let best = 1e9;
    for (let i = 0; i < 5; i++) { const t = performance.now(); tidy(() => ENGINE.runKernel(k, ins, at)); best = Math.min(best, performance.now() - t); }
    console.log(JSON.stringify(xs), JSON.stringify(fs), k.padEnd(22), best.toFixed(1), 'ms', (flops / best / 1e6).toFixed(2), 'GFLOP/s');
  }
}
