import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

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

export interface StaticServer {
  url: string;
  /** Paths asked for, in order, with the status sent. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves `root` on 127.0.0.1 with the headers that make a page cross-origin isolated (COOP
 * same-origin, COEP require-corp): what SharedArrayBuffer, and so wasm threads, need.
 */
export async function serveStatic(root: string): Promise<StaticServer> {
  const requests: string[] = [];
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
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' };
    if (status !== 200) {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain' }).end(`${status} ${path}`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream' });
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
