// Single-threaded float32 matmul throughput of the cpu backend's GEMM (the BatchMatMul kernel's
// engine), on square n×n×n products. Run: npx tsx bench/matmul.ts
import { gemm } from '../src/kernels/gemm.js';

function random(n: number, seed: number): Float32Array {
  // A small LCG keeps the script free of runtime dependencies.
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function bench(n: number, transA: boolean, transB: boolean): number {
  const a = random(n * n, 1);
  const b = random(n * n, 2);
  const c = new Float32Array(n * n);
  const run = (): void => gemm(n, n, n, a, 0, transA, b, 0, transB, c, 0, false);
  for (let i = 0; i < 3; i++) run();
  // Repeat for at least half a second and keep the best run: other processes only ever slow it down.
  let best = Infinity;
  const start = performance.now();
  while (performance.now() - start < 500) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

for (const n of [128, 256, 512, 1024]) {
  console.log(`n=${String(n).padStart(4)}  ${bench(n, false, false).toFixed(2)} GFLOP/s`);
}
console.log(`n= 512  transposeA ${bench(512, true, false).toFixed(2)}, transposeB ${bench(512, false, true).toFixed(2)}, both ${bench(512, true, true).toFixed(2)} GFLOP/s`);
