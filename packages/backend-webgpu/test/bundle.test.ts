// The main entry must bundle for browsers with nothing from Node: Dawn lives behind './node' only.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

it('the main entry bundles for the browser without Node code', async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['source'],
    write: false,
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]!.text;
  expect(js).toContain("name: \"webgpu\"");
  for (const nodeOnly of ['node:', 'dawn.node', 'process.dlopen', 'from "webgpu"']) expect(js, nodeOnly).not.toContain(nodeOnly);
});
