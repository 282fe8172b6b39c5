import { defineConfig } from 'tsup';
import { tessera } from '@tessera/config/tsup';

// Two entries: the browser-safe main entry, and the Node helper that brings in Dawn (`webgpu`
// stays external, as every dependency does).
export default defineConfig(tessera(['src/index.ts', 'src/node.ts'], { external: ['webgpu'] }));
