import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installApp } from './app.js';
import { packPublishable, type Tarball } from './workspace.js';

/** The packed packages and the app that installed them, in one temp folder outside the workspace. */
export interface PackagingFixture {
  root: string;
  appDir: string;
  tarballs: Tarball[];
}

/** Packs every publishable package and installs the tarballs into a fresh app. */
export async function preparePackagingFixture(): Promise<PackagingFixture> {
  const root = mkdtempSync(join(tmpdir(), 'tessera-packaging-'));
  try {
    const tarballs = await packPublishable(join(root, 'tarballs'));
    const appDir = join(root, 'app');
    await installApp(appDir, tarballs);
    return { root, appDir, tarballs };
  } catch (e) {
    removeFixture(root);
    throw e;
  }
}

export function removeFixture(root: string): void {
  rmSync(root, { recursive: true, force: true });
}
