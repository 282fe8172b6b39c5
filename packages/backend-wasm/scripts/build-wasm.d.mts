/** Compiles assembly/ into build/kernels.wasm; resolves whether it compiled (false: it was up to date). */
export function buildWasm(options?: { ifStale?: boolean; quiet?: boolean }): Promise<boolean>;
export const ASC_FLAGS: string[];
