import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { appSources, installedPackage, userEnv } from './app.js';
import { run } from './run.js';

const require = createRequire(import.meta.url);
/** The bundlers' CLIs, from this package's devDependencies. */
const viteBin = join(dirname(require.resolve('vite/package.json')), 'bin/vite.js');
const esbuildBin = require.resolve('esbuild/bin/esbuild');

/**
 * `vite build` of the app (its index.html) into `<app>/<outDir>`, with Vite's defaults: no config
 * file in the app, production mode, run as the user would, from the app's directory.
 */
export async function viteBuild(appDir: string, outDir: string): Promise<string> {
  await run(process.execPath, [viteBin, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: appDir, env: userEnv(), timeoutMs: 120_000 });
  return join(appDir, outDir);
}

/**
 * `esbuild app.mjs --bundle --platform=browser --format=esm` into `<app>/<outDir>/assets/app.js`,
 * plus the page that loads it. esbuild leaves `new URL('….wasm', import.meta.url)` as it is, so
 * the bundle looks for the wasm backend's kernels relative to itself; the user step this needs
 * (see `copyWasmNextToBundle`) is done here too.
 */
export async function esbuildBuild(appDir: string, outDir: string): Promise<{ dir: string; wasmCopied: string[] }> {
  const dir = join(appDir, outDir);
  const bundle = join(dir, 'assets/app.js');
  await run(esbuildBin, ['app.mjs', '--bundle', '--platform=browser', '--format=esm', `--outfile=${bundle}`, '--log-level=warning'], { cwd: appDir, env: userEnv(), timeoutMs: 60_000 });
  const html = readFileSync(join(appSources, 'index.html'), 'utf8').replace('./app.mjs', './assets/app.js');
  writeFileSync(join(dir, 'index.html'), html);
  return { dir, wasmCopied: copyWasmNextToBundle(appDir, bundle) };
}

/**
 * The documented user step for bundlers that do not ship assets referenced with
 * `new URL(…, import.meta.url)` (esbuild): copy `@tessera/backend-wasm/build/*.wasm` to where the
 * bundle resolves them, i.e. each relative path to one of those files that the bundle names,
 * taken from the bundle's own folder. Returns the files written; throws when the bundle names
 * none (then this step no longer describes how the package finds its kernels).
 */
export function copyWasmNextToBundle(appDir: string, bundle: string): string[] {
  const build = join(installedPackage(appDir, '@tessera/backend-wasm'), 'build');
  const modules = readdirSync(build).filter((f) => f.endsWith('.wasm'));
  const js = readFileSync(bundle, 'utf8');
  const copied = new Set<string>();
  for (const [, ref] of js.matchAll(/["'`](\.{1,2}\/[^"'`\s]*\.wasm)["'`]/g)) {
    const name = ref!.slice(ref!.lastIndexOf('/') + 1);
    if (!modules.includes(name)) continue;
    const target = resolve(dirname(bundle), ref!);
    mkdirSync(dirname(target), { recursive: true });
    for (const m of modules) {
      copyFileSync(join(build, m), join(dirname(target), m));
      copied.add(join(dirname(target), m));
    }
  }
  if (copied.size === 0) {
    throw new Error(`the esbuild bundle ${bundle} names none of @tessera/backend-wasm's modules (${modules.join(', ')}) by a relative URL: the copy step no longer applies`);
  }
  return [...copied];
}
