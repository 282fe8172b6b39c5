// float32 matmul throughput, WebGPU (Dawn; SwiftShader when no GPU) against the cpu backend, in one
// process, on square n×n×n products. Run: pnpm --filter @tessera/backend-webgpu bench
// (tsx --conditions=source bench/matmul.ts). Times include submitting and awaiting the result.
import { matmul, randomNormal, setBackend, type Tensor } from '@tessera/core';
import '@tessera/backend-cpu';
import { useSwiftShaderIfNoVulkanDriver } from '../src/node.js';

useSwiftShaderIfNoVulkanDriver();

async function bench(backend: string, n: number): Promise<number> {
  if (!(await setBackend(backend))) throw new Error(`backend '${backend}' is unavailable`);
  const a = randomNormal([n, n], 0, 1, 'float32', 1);
  const b = randomNormal([n, n], 0, 1, 'float32', 2);
  const run = async (): Promise<void> => {
    const c: Tensor = matmul(a, b);
    await c.data();
    c.dispose();
  };
  await run();
  // Best of the runs in about a second (at least two): other processes only ever slow it down.
  let best = Infinity;
  const start = performance.now();
  for (let k = 0; k < 2 || performance.now() - start < 1000; k++) {
    const t0 = performance.now();
    await run();
    best = Math.min(best, performance.now() - t0);
  }
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const n of sizes.length > 0 ? sizes : [256, 512, 1024]) {
  const gpu = await bench('webgpu', n);
  const cpu = await bench('cpu', n);
  console.log(`n=${String(n).padStart(4)}  webgpu ${gpu.toFixed(2)} GFLOP/s   cpu ${cpu.toFixed(2)} GFLOP/s`);
}
process.exit(0);
