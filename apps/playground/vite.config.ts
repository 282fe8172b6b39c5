import { defineConfig } from 'vite';
import { mnistData } from './scripts/data-plugin.js';

// Threads need a cross-origin-isolated page (SharedArrayBuffer): both servers send these headers.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
  // The wasm backend finds build/kernels.wasm through new URL(…, import.meta.url): keep it out of
  // the dev server's pre-bundling so that URL points into the package.
  optimizeDeps: { exclude: ['@tessera/backend-wasm'] },
  worker: { format: 'es' },
  build: { target: 'es2022' },
  plugins: [mnistData()],
});
