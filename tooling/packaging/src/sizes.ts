import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { installedPackage } from './app.js';
import { workspaceRoot } from './workspace.js';

export interface BundleSize {
  name: string;
  minified: number;
  gzip: number;
  /** Minified bytes each package contributes, largest first. */
  packages: [string, number][];
  /** Files the bundle loads besides its JavaScript (the wasm modules), with their gzip sizes. */
  assets: { file: string; bytes: number; gzip: number }[];
  /** The minified bundle itself. */
  code: string;
}

export interface SizeEntry {
  name: string;
  /** The entry module's source. */
  source: string;
  /** Where bare imports resolve besides the app's node_modules (TF.js from apps/bench). */
  nodePaths?: string[];
  /** A package whose build/*.wasm files the bundle loads. */
  wasmFrom?: string;
}

const gzip = (bytes: Uint8Array): number => gzipSync(bytes, { level: 9 }).length;

/** The package a bundled file belongs to, from its path (the part after the last node_modules/). */
function packageOf(path: string): string {
  const i = path.lastIndexOf('node_modules/');
  if (i < 0) return '(entry)';
  const parts = path.slice(i + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** esbuild --bundle --minify --format=esm --platform=browser of one entry, resolved from `appDir`; sizes with gzip -9. */
export async function measureBundle(appDir: string, entry: SizeEntry): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: entry.source, resolveDir: appDir, sourcefile: `${entry.name}.mjs`, loader: 'js' },
    absWorkingDir: appDir,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    nodePaths: entry.nodePaths ?? [],
    write: false,
    metafile: true,
    outfile: 'out.js',
    logLevel: 'error',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))!.contents;
  const byPackage = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      byPackage.set(packageOf(path), (byPackage.get(packageOf(path)) ?? 0) + bytesInOutput);
    }
  }
  const assets = [];
  if (entry.wasmFrom) {
    const dir = join(installedPackage(appDir, entry.wasmFrom), 'build');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.wasm')).sort()) {
      const bytes = readFileSync(join(dir, file));
      assets.push({ file, bytes: bytes.length, gzip: gzip(bytes) });
    }
  }
  return { name: entry.name, minified: js.length, gzip: gzip(js), packages: [...byPackage].sort((a, b) => b[1] - a[1]), assets, code: new TextDecoder().decode(js) };
}

/** A few ops, a gradient and the cpu backend: the smallest useful Tessera program. */
export const coreAutogradCpu: SizeEntry = {
  name: 'core+autograd+cpu',
  source: `import { add, matmul, relu, setBackend, sum, tensor } from '@tessera/core';
import { grad } from '@tessera/autograd';
import '@tessera/backend-cpu';
await setBackend('cpu');
const x = tensor([[1, 2], [3, 4]]);
const dx = grad((t) => sum(relu(matmul(t, t))))(x);
console.log(await dx.data(), await add(x, 1).data());
`,
};

/** The same ops on the wasm backend (its .wasm modules are counted separately). */
export const coreWasm: SizeEntry = {
  name: 'core+wasm',
  source: `import { add, matmul, relu, setBackend, sum, tensor } from '@tessera/core';
import '@tessera/backend-wasm';
await setBackend('wasm');
const x = tensor([[1, 2], [3, 4]]);
console.log(await sum(relu(matmul(x, x))).data(), await add(x, 1).data());
`,
  wasmFrom: '@tessera/backend-wasm',
};

/** Everything the umbrella exports, kept alive: its upper bound. */
export const umbrella: SizeEntry = {
  name: 'tesserajs (all exports)',
  source: `import * as tessera from 'tesserajs';
globalThis.tessera = tessera;
`,
};

/** TensorFlow.js 4.22 doing what coreAutogradCpu does, resolved from apps/bench's devDependencies. */
export const tfjsCoreCpu: SizeEntry = {
  name: '@tensorflow/tfjs-core+tfjs-backend-cpu 4.22',
  source: `import { add, grad, matMul, relu, setBackend, sum, tensor } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
await setBackend('cpu');
const x = tensor([[1, 2], [3, 4]]);
const dx = grad((t) => sum(relu(matMul(t, t))))(x);
console.log(await dx.data(), await add(x, 1).data());
`,
  nodePaths: [join(workspaceRoot, 'apps/bench/node_modules')],
};

export const sizeEntries: SizeEntry[] = [coreAutogradCpu, coreWasm, umbrella, tfjsCoreCpu];

/** Decimal kilobytes, as the size targets are stated. */
export const kb = (n: number): string => `${(n / 1000).toFixed(1)} kB`;

/** The sizes as a Markdown table, the wasm modules and the per-package shares below it. */
export function sizeTable(sizes: readonly BundleSize[]): string {
  const lines = ['| bundle | minified | gzip -9 |', '|---|---:|---:|'];
  for (const s of sizes) {
    lines.push(`| ${s.name} | ${kb(s.minified)} | ${kb(s.gzip)} |`);
    for (const a of s.assets) lines.push(`| ↳ ${a.file} (loaded at run time) | ${kb(a.bytes)} | ${kb(a.gzip)} |`);
  }
  lines.push('', 'Minified bytes per package:', '');
  for (const s of sizes) lines.push(`- ${s.name}: ${s.packages.map(([p, n]) => `${p} ${kb(n)}`).join(', ')}`);
  return lines.join('\n');
}
