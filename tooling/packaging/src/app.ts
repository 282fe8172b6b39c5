import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run.js';
import type { AppReport } from './report.js';
import type { Tarball } from './workspace.js';

/** The app's sources (app.mjs, index.html), copied into every temp app. */
export const appSources = join(dirname(fileURLToPath(import.meta.url)), 'app');

/**
 * The environment for commands run in the temp app: without the npm_* variables pnpm sets for its
 * scripts and vitest's NODE_ENV=test, so npm, node and the bundlers behave as in a user's shell.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|pnpm_|vitest|node_env$|test$)/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Creates a fresh app in `dir` that depends on every tarball, and installs them with npm in one go.
 * `overrides` pin the transitive @tessera/* ranges of the packed manifests (peers included) to the
 * same tarballs, so npm never asks the registry for them.
 */
export async function installApp(dir: string, tarballs: readonly Tarball[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(appSources)) copyFileSync(join(appSources, file), join(dir, file));
  const dependencies = Object.fromEntries(tarballs.map((t) => [t.name, `file:${t.file}`]));
  const overrides = Object.fromEntries(tarballs.map((t) => [t.name, `$${t.name}`]));
  const manifest = { name: 'tessera-packaging-app', version: '0.0.0', private: true, type: 'module', dependencies, overrides };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir, env: userEnv(), timeoutMs: 180_000 });
}

/** Every directory of package `name` under `dir`'s node_modules trees, nested ones included. */
export function installedCopies(dir: string, name: string): string[] {
  const found: string[] = [];
  const visit = (nodeModules: string): void => {
    if (!existsSync(nodeModules)) return;
    if (existsSync(join(nodeModules, name, 'package.json'))) found.push(join(nodeModules, name));
    for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const packages = entry.name.startsWith('@')
        ? readdirSync(join(nodeModules, entry.name), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(nodeModules, entry.name, e.name))
        : [join(nodeModules, entry.name)];
      for (const pkg of packages) visit(join(pkg, 'node_modules'));
    }
  };
  visit(join(dir, 'node_modules'));
  return found;
}

/** Where `name` is installed in the app (its top-level copy). */
export function installedPackage(appDir: string, name: string): string {
  return join(appDir, 'node_modules', ...name.split('/'));
}


/** `node app.mjs <backends…>` in the app, as a user runs it; resolves with its report. */
export async function runNodeApp(appDir: string, backends: readonly string[]): Promise<AppReport> {
  const { stdout } = await run(process.execPath, ['app.mjs', ...backends], { cwd: appDir, env: userEnv(), timeoutMs: 120_000 });
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as AppReport;
  } catch {
    throw new Error(`node app.mjs printed no report:\n${stdout.slice(-2000)}`);
  }
}
