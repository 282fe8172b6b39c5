import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run.js';

/** The monorepo's root (this package lives in tooling/packaging). */
export const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Tarball {
  name: string;
  version: string;
  /** Absolute path of the .tgz. */
  file: string;
}

/**
 * The pnpm that runs this process (`pnpm test` sets npm_execpath), else the version the root
 * package.json names, through npx.
 */
function pnpmCommand(): { command: string; args: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath) && existsSync(execPath)) return { command: process.execPath, args: [execPath] };
  const { packageManager } = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')) as { packageManager: string };
  return { command: 'npx', args: ['-y', packageManager] };
}

/**
 * `pnpm pack` of every package under packages/ (each already built) into `destination`: pnpm
 * replaces the workspace: ranges with versions and applies publishConfig, as a publish would.
 */
export async function packPublishable(destination: string): Promise<Tarball[]> {
  const pnpm = pnpmCommand();
  const { stdout } = await run(
    pnpm.command,
    [...pnpm.args, '--recursive', '--filter', './packages/*', 'pack', '--pack-destination', destination, '--json'],
    { cwd: workspaceRoot },
  );
  const packed = JSON.parse(stdout) as { name: string; version: string; filename: string }[];
  return packed.map((p) => ({ name: p.name, version: p.version, file: resolve(destination, p.filename) })).sort((a, b) => a.name.localeCompare(b.name));
}

/** The package.json inside a tarball, as npm will install it. */
export async function packedManifest(tarball: Tarball): Promise<Record<string, any>> {
  const { stdout } = await run('tar', ['-xzOf', tarball.file, 'package/package.json'], { cwd: dirname(tarball.file) });
  return JSON.parse(stdout) as Record<string, any>;
}
