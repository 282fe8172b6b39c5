// `vite build` and `vite preview` of this app as a person runs them: own processes (free of the
// test runner's resolve conditions), the preview on a free port with vite.config.ts's headers.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const appRoot = join(import.meta.dirname, '..');
const vite = join(appRoot, 'node_modules', 'vite', 'bin', 'vite.js');
const { NODE_OPTIONS: _, ...env } = process.env;

export async function buildApp(): Promise<void> {
  await promisify(execFile)('node', [vite, 'build', '--logLevel', 'warn'], { cwd: appRoot, env });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Serves dist/ with `vite preview`; resolves once it listens. */
export async function previewApp(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn('node', [vite, 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: appRoot, env, stdio: 'pipe' });
  const url = `http://127.0.0.1:${port}/`;
  await new Promise<void>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes(url)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`vite preview exited (${code}): ${text}`)));
  });
  return { url, process: child };
}
