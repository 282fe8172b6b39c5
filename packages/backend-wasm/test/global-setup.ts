import { buildWasm } from '../scripts/build-wasm.mjs';

/** Compiles build/kernels.wasm when it is missing or older than its sources (a fresh clone, an edited assembly/). */
export default async function setup(): Promise<void> {
  await buildWasm({ ifStale: true });
}
