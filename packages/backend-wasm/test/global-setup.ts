import { buildWasm } from '../scripts/build-wasm.mjs';

/** Compiles the two builds when missing or older than their sources (a fresh clone, an edited assembly/). */
export default async function setup(): Promise<void> {
  await buildWasm({ ifStale: true });
}
