// What Tessera's browser tests share: Debian's headless Chromium, launched the same way everywhere,
// and a static server for a built site (cross-origin isolated unless asked otherwise). Used from
// sources (vitest, tsx); nothing here is published.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = process.env['CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Headless Chromium with its background traffic off (this machine reaches no other host). With
 * `webgpu` (default) WebGPU runs on SwiftShader, as the webgpu backend's browser check launches it;
 * without, the GPU is off, as on a machine with no adapter (and frames are not composited in
 * software, which keeps input responsive on a loaded machine).
 */
export async function launchChromium({ webgpu = true } = {}): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: install it with tooling/system-deps.sh (Debian's chromium), or set CHROMIUM to its path`);
  }
  const gpu = webgpu ? ['--enable-unsafe-webgpu', '--use-angle=swiftshader', '--enable-features=Vulkan'] : ['--disable-gpu'];
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu-sandbox', ...gpu, '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

/** The headers that make a page cross-origin isolated: what SharedArrayBuffer, and so wasm threads, need. */
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export interface StaticServer {
  url: string;
  /** Paths asked for, in order, with the status sent. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves the files under `root` on 127.0.0.1, with the isolation headers unless `isolated` is
 * false (a page served as by a plain static host).
 */
export async function serveStatic(root: string, { isolated = true } = {}): Promise<StaticServer> {
  const requests: string[] = [];
  const base = { ...(isolated ? ISOLATION_HEADERS : {}), 'Cache-Control': 'no-store' };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    let file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    const inside = file === root || file.startsWith(root.endsWith(sep) ? root : root + sep);
    let status = 404;
    if (inside) {
      try {
        if (statSync(file).isDirectory()) file = join(file, 'index.html');
        status = statSync(file).isFile() ? 200 : 404;
      } catch {
        status = 404;
      }
    }
    requests.push(`${status} ${path}`);
    if (status !== 200) {
      res.writeHead(status, { ...base, 'Content-Type': 'text/plain' }).end(`${status} ${path}`);
      return;
    }
    res.writeHead(200, { ...base, 'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
