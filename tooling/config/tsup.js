// Shared tsup preset: ESM + .d.ts, built against dependencies' dist (not their sources).
export function tessera(entry = ['src/index.ts'], extra = {}) {
  return {
    entry,
    format: ['esm'],
    dts: { compilerOptions: { customConditions: [] } },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
    ...extra,
  };
}
