// The preset's guard: a Node built-in reached from anything but a Node-only file fails the build.
import { build } from 'esbuild';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_ONLY_FILE, browserCleanPlugin, nodeBuiltin, tessera } from '../tsup.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-preset-'));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src', 'util.ts'), "import { readFile } from 'fs/promises';\nexport const read = readFile;\n");
  await writeFile(join(dir, 'src', 'index.ts'), "export { read } from './util.js';\n");
  await writeFile(join(dir, 'src', 'node.ts'), "import { join } from 'path';\nimport { Worker } from 'node:worker_threads';\nexport const x = [join, Worker];\n");
  await writeFile(join(dir, 'src', 'clean.ts'), "export const clean = 1;\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const bundle = (entry) =>
  build({ entryPoints: [join(dir, 'src', entry)], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'silent', plugins: [browserCleanPlugin()] });

describe('the tsup preset', () => {
  it('fails a build whose browser entry reaches a Node built-in, naming the file and the import', async () => {
    await expect(bundle('index.ts')).rejects.toThrow(/src[\\/]util\.ts imports the Node built-in 'fs\/promises': only Node entries/);
  });

  it('lets Node-only files use built-ins, shipped with the node: prefix', async () => {
    const out = (await bundle('node.ts')).outputFiles[0].text;
    expect(out).toContain('from "node:path"');
    expect(out).toContain('from "node:worker_threads"');
    expect((await bundle('clean.ts')).outputFiles[0].text).toContain('clean = 1');
  });

  it('knows which files are Node-only and which imports are built-ins', () => {
    for (const f of ['/p/src/node.ts', '/p/src/io.node.ts', '/p/src/node/fs.ts']) expect(NODE_ONLY_FILE.test(f), f).toBe(true);
    for (const f of ['/p/src/index.ts', '/p/src/nodes.ts', '/p/src/anode.ts']) expect(NODE_ONLY_FILE.test(f), f).toBe(false);
    expect(nodeBuiltin('node:fs/promises')).toBe('fs/promises');
    expect(nodeBuiltin('worker_threads')).toBe('worker_threads');
    expect(nodeBuiltin('webgpu')).toBeNull();
  });

  it('keeps the check in packages and leaves it out for Node programs', () => {
    expect(tessera().removeNodeProtocol).toBe(false);
    expect(tessera().esbuildPlugins.map((p) => p.name)).toEqual(['tessera-browser-clean']);
    expect(tessera(['src/main.ts'], { nodeProgram: true }).esbuildPlugins).toEqual([]);
    expect(tessera(['src/main.ts'], { nodeProgram: true })).not.toHaveProperty('nodeProgram');
  });
});
