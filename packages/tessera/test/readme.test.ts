// Every package's README example runs as written: each ```ts block (not ```ts browser or other
// variants, which need a page or a GPU) is written to a file and run with tsx in a child process,
// resolving the workspace packages from source.
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = join(here, '..');
const outDir = join(here, '.tessera-out', 'readme');
const tsx = join(here, 'node_modules', '.bin', 'tsx');

async function examples(): Promise<{ name: string; code: string }[]> {
  const found: { name: string; code: string }[] = [];
  for (const pkg of (await readdir(packagesDir)).sort()) {
    let text: string;
    try {
      text = await readFile(join(packagesDir, pkg, 'README.md'), 'utf8');
    } catch {
      continue;
    }
    [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].forEach((m, i) => found.push({ name: `${pkg}-${i}`, code: m[1]! }));
  }
  return found;
}

const all = await examples();

describe('README examples', () => {
  it('are found in every package', () => {
    const packages = new Set(all.map((e) => e.name.replace(/-\d+$/, '')));
    for (const pkg of ['core', 'autograd', 'backend-cpu', 'backend-wasm', 'datasets', 'layers', 'optimizers', 'models', 'zoo', 'tessera']) {
      expect(packages, pkg).toContain(pkg);
    }
  });

  it.each(all.map((e) => [e.name, e.code] as const))('%s runs', async (name, code) => {
    await mkdir(outDir, { recursive: true });
    const file = join(outDir, `${name}.ts`);
    await writeFile(file, code);
    const { stdout } = await promisify(execFile)(tsx, ['--conditions=source', file], { cwd: outDir, timeout: 60_000 });
    expect(stdout.trim().length, `${name} printed nothing`).toBeGreaterThan(0);
  });
});
