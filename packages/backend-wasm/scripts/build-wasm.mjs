// Compiles assembly/ into build/kernels.wasm (f32x4 SIMD) and build/kernels-relaxed.wasm (the same
// source with relaxed SIMD enabled: its GEMM and convolution loops use the fused multiply-add, see
// assembly/madd.ts) with the AssemblyScript compiler.
//
//   node scripts/build-wasm.mjs             always compiles both
//   node scripts/build-wasm.mjs --if-stale  compiles only the outputs older than an input
//
// The module imports its memory (the backend creates it and runs the allocator) and declares it
// shared with a 4 GiB maximum, so that worker threads can run the same module on one Memory; the
// loader clears the shared flag where SharedArrayBuffer is unavailable. Each output is written to
// a temporary file and renamed, so concurrent builds (turbo runs `build` and `build:wasm` side by
// side) never expose a half-written module.
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const inputs = [join(root, 'assembly'), join(root, 'src', 'opcodes.ts'), fileURLToPath(import.meta.url)];

export const ASC_FLAGS = [
  '-O3',
  '--noAssert',
  '--runtime', 'stub',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory', '1',
  '--maximumMemory', '65536',
  '--enable', 'simd',
  '--enable', 'threads',
];

/** The builds: output file name and the flags added to ASC_FLAGS. */
const BUILDS = [
  { file: 'kernels.wasm', flags: [] },
  { file: 'kernels-relaxed.wasm', flags: ['--enable', 'relaxed-simd'] },
];

async function newestInput(paths) {
  let newest = 0;
  for (const p of paths) {
    const s = await stat(p);
    if (s.isDirectory()) {
      const names = await readdir(p);
      newest = Math.max(newest, await newestInput(names.map((n) => join(p, n))));
    } else {
      newest = Math.max(newest, s.mtimeMs);
    }
  }
  return newest;
}

async function isStale(out) {
  try {
    const built = (await stat(out)).mtimeMs;
    return (await newestInput(inputs)) > built;
  } catch {
    return true;
  }
}

async function compile(out, flags, quiet) {
  const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const started = Date.now();
  const { error, stderr } = await asc.main([join(root, 'assembly', 'index.ts'), '-o', tmp, ...ASC_FLAGS, ...flags]);
  if (error) {
    process.stderr.write(stderr.toString());
    throw new Error(`asc failed: ${error.message}`);
  }
  await rename(tmp, out);
  if (!quiet) console.log(`backend-wasm: compiled build/${out.split(/[\\/]/).pop()} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export async function buildWasm({ ifStale = false, quiet = false } = {}) {
  await mkdir(join(root, 'build'), { recursive: true });
  let compiled = false;
  for (const { file, flags } of BUILDS) {
    const out = join(root, 'build', file);
    if (ifStale && !(await isStale(out))) continue;
    await compile(out, flags, quiet);
    compiled = true;
  }
  return compiled;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes('--if-stale');
  buildWasm({ ifStale }).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
