// Compiles assembly/ into build/kernels.wasm with the AssemblyScript compiler.
//
//   node scripts/build-wasm.mjs             always compiles
//   node scripts/build-wasm.mjs --if-stale  compiles only when an input is newer than the output
//
// The module imports its memory (the backend creates it and runs the allocator) and declares it
// shared with a 4 GiB maximum, so that worker threads can run the same module on one Memory; the
// loader clears the shared flag where SharedArrayBuffer is unavailable. The output is written to
// a temporary file and renamed, so concurrent builds (turbo runs `build` and `build:wasm` side by
// side) never expose a half-written module.
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'kernels.wasm');
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

async function isStale() {
  try {
    const built = (await stat(out)).mtimeMs;
    return (await newestInput(inputs)) > built;
  } catch {
    return true;
  }
}

export async function buildWasm({ ifStale = false, quiet = false } = {}) {
  if (ifStale && !(await isStale())) return false;
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const started = Date.now();
  const { error, stderr } = await asc.main([join(root, 'assembly', 'index.ts'), '-o', tmp, ...ASC_FLAGS]);
  if (error) {
    process.stderr.write(stderr.toString());
    throw new Error(`asc failed: ${error.message}`);
  }
  await rename(tmp, out);
  if (!quiet) console.log(`backend-wasm: compiled build/kernels.wasm in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes('--if-stale');
  buildWasm({ ifStale }).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
