// Float32 matmul throughput of the wasm backend against the cpu backend, in the same process, on
// square n×n×n BatchMatMul kernels. Run: pnpm bench [--threads T] [--simd auto|relaxed|plain] [n ...]
// (single-threaded by default; --threads splits the wasm matmuls across T threads; --simd picks
// the build; the relaxed one needs Node started with --experimental-wasm-relaxed-simd, which
// `pnpm bench:relaxed` does).
import { WasmBackend, configureWasmBackend, setThreads, type SimdChoice } from '../src/node.js';
import '@tessera/backend-cpu';
import { Random, backendInstance, runKernel, setBackend, tensor, type Tensor } from '@tessera/core';

function random(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => r.uniform(-1, 1));
}

/** GFLOP/s of the best run over at least `ms` milliseconds (other processes only ever slow it down). */
async function bench(backend: string, n: number, transA: boolean, transB: boolean, ms: number): Promise<number> {
  await setBackend(backend);
  const a = tensor(random(n * n, 1), [1, n, n]);
  const b = tensor(random(n * n, 2), [1, n, n]);
  const run = (): void => runKernel('BatchMatMul', [a, b], { transposeA: transA, transposeB: transB }).dispose();
  run();
  let best = Infinity;
  const start = performance.now();
  let runs = 0;
  while (runs < 2 || performance.now() - start < ms) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
    runs++;
  }
  ([a, b] as Tensor[]).forEach((t) => t.dispose());
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

const argv = process.argv.slice(2);
/** The value after `flag`, removed from argv with it. */
const option = (flag: string): string | undefined => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv.splice(i, 2)[1] : undefined;
};
const threads = Number(option('--threads') ?? 1);
configureWasmBackend({ simd: (option('--simd') ?? 'auto') as SimdChoice });
const sizes = argv.map(Number).filter((n) => n > 0);
await setBackend('wasm');
await setThreads(threads);
console.log(`wasm (${(backendInstance() as WasmBackend).build} build) on ${threads} thread(s); cpu on 1`);
for (const n of sizes.length ? sizes : [256, 512, 1024]) {
  const wasm = await bench('wasm', n, false, false, 1000);
  const cpu = await bench('cpu', n, false, false, 1000);
  console.log(`n=${String(n).padStart(4)}  wasm ${wasm.toFixed(2).padStart(6)} GFLOP/s   cpu ${cpu.toFixed(2).padStart(6)} GFLOP/s   ×${(wasm / cpu).toFixed(1)}`);
}
const flags: [boolean, boolean, string][] = [[true, false, 'transposeA'], [false, true, 'transposeB'], [true, true, 'both']];
const line = [];
for (const [ta, tb, label] of flags) line.push(`${label} ${(await bench('wasm', 512, ta, tb, 500)).toFixed(2)}`);
console.log(`wasm n= 512  ${line.join(', ')} GFLOP/s`);
await setThreads(1);
