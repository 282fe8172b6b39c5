// Shared tsup preset: ESM + .d.ts, built against dependencies' dist (not their sources).
import { builtinModules } from 'node:module';

const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.replace(/^node:/, '')));

/** Node-only files: `node.ts`, `*.node.ts` or anything under a `node/` folder. */
export const NODE_ONLY_FILE = /(^|[\\/])node([\\/]|\.ts$)|\.node\.ts$/;

/** The Node built-in an import names (`fs/promises` for 'node:fs/promises' or 'fs/promises'), or null. */
export function nodeBuiltin(specifier) {
  const bare = specifier.replace(/^node:/, '');
  return BUILTINS.has(bare) || BUILTINS.has(bare.split('/')[0]) ? bare : null;
}

/**
 * An esbuild plugin that keeps Node built-ins out of browser entries: a package's default entry
 * must bundle for browsers, so only Node-only files may import a built-in (it stays external, with
 * its `node:` prefix). Anything else importing one fails the build, naming the file and the import.
 */
export function browserCleanPlugin() {
  return {
    name: 'tessera-browser-clean',
    setup(build) {
      build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
        const bare = nodeBuiltin(args.path);
        if (bare === null) return undefined;
        if (NODE_ONLY_FILE.test(args.importer)) return { path: `node:${bare}`, external: true };
        return {
          errors: [
            {
              text:
                `${args.importer} imports the Node built-in '${args.path}': only Node entries (src/node.ts, *.node.ts, ` +
                'src/node/) may, so that the default entry bundles for browsers; move the Node-only code behind the node entry',
            },
          ],
        };
      });
    },
  };
}

/**
 * The preset. `nodeProgram: true` is for apps that only run in Node (they may import built-ins
 * anywhere); packages keep the browser-clean check.
 */
export function tessera(entry = ['src/index.ts'], extra = {}) {
  const { nodeProgram = false, esbuildPlugins = [], ...rest } = extra;
  return {
    entry,
    format: ['esm'],
    dts: { compilerOptions: { customConditions: [] } },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
    // What is shipped names built-ins as 'node:…', which bundlers and Deno understand as Node's.
    removeNodeProtocol: false,
    esbuildPlugins: nodeProgram ? esbuildPlugins : [browserCleanPlugin(), ...esbuildPlugins],
    ...rest,
  };
}
