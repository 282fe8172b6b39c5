/** Compiles assembly/ into build/kernels.wasm and build/kernels-relaxed.wasm; resolves whether it compiled any (false: both were up to date). */
export function buildWasm(options?: { ifStale?: boolean; quiet?: boolean }): Promise<boolean>;
export const ASC_FLAGS: string[];
