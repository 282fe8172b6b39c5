import * as core from '@tessera/core';
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WasmBackend, compileKernels, configureWasmBackend, supportsRelaxedSimd } from '../src/node.js';

const src = (file: string): string => fileURLToPath(new URL(`../src/${file}`, import.meta.url));

async function bundle(entry: string, format: 'esm' | 'cjs', external: string[] = []): Promise<string> {
  const result = await build({
    entryPoints: [src(entry)], bundle: true, write: false, format, platform: 'browser', target: 'es2022',
    conditions: ['source'], external, logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe('builds', () => {
  it("'auto' loads the relaxed-SIMD build exactly where the engine accepts relaxed SIMD", async () => {
    const b = await WasmBackend.create();
    expect(b.build).toBe(supportsRelaxedSimd() ? 'relaxed' : 'plain');
    expect((await WasmBackend.create({ simd: 'plain' })).build).toBe('plain');
  });

  it("forcing 'relaxed' loads that build where supported, and says why not elsewhere", async () => {
    if (supportsRelaxedSimd()) {
      expect((await WasmBackend.create({ simd: 'relaxed' })).build).toBe('relaxed');
      expect(() => configureWasmBackend({ simd: 'relaxed' })).not.toThrow();
    } else {
      await expect(WasmBackend.create({ simd: 'relaxed' })).rejects.toThrow(/does not support relaxed SIMD.*--experimental-wasm-relaxed-simd/);
      expect(() => configureWasmBackend({ simd: 'relaxed' })).toThrow(/does not support relaxed SIMD/);
    }
    configureWasmBackend({ simd: 'auto' });
  });

  it('a given source wins over the choice of build', async () => {
    const bytes = await readFile(new URL('../build/kernels.wasm', import.meta.url));
    expect((await WasmBackend.create({ source: bytes, simd: 'relaxed' })).build).toBe('custom');
  });

  it('the relaxed build differs from the plain one and needs relaxed SIMD', async () => {
    const [plain, relaxed] = await Promise.all(
      ['kernels.wasm', 'kernels-relaxed.wasm'].map((f) => readFile(new URL(`../build/${f}`, import.meta.url))),
    );
    expect(WebAssembly.validate(plain!)).toBe(true);
    expect(WebAssembly.validate(relaxed!)).toBe(supportsRelaxedSimd());
    expect(Buffer.compare(plain!, relaxed!)).not.toBe(0);
  });
});

describe('start-up failures', () => {
  it('a fetch that fails names the URL and the HTTP status', async () => {
    const server = createServer((_, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kernels.wasm`;
      await expect(compileKernels(url)).rejects.toThrow(`fetching ${url} failed with HTTP 404`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a bundle without import.meta.url (cjs, iife) asks for the module to be served and configured', async () => {
    const code = await bundle('module.ts', 'cjs', ['@tessera/core']);
    const mod = { exports: {} as { compileKernels: typeof compileKernels } };
    new Function('module', 'exports', 'require', code)(mod, mod.exports, (id: string) => {
      if (id !== '@tessera/core') throw new Error(`unexpected require(${id})`);
      return core;
    });
    await expect(mod.exports.compileKernels()).rejects.toThrow(/no import\.meta\.url.*configureWasmBackend\(\{ source/);
  });
});

describe('entries', () => {
  it('the default entry bundles for browsers with no Node built-in; the Node entry needs them', async () => {
    await expect(bundle('index.ts', 'esm')).resolves.toContain('kernels-relaxed.wasm');
    await expect(bundle('node.ts', 'esm')).rejects.toThrow(/node:fs\/promises|node:worker_threads/);
  });
});
