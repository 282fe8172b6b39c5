import { defineConfig } from 'tsup';
import { tessera } from '@tessera/config/tsup';

// TF.js stays in node_modules (not bundled): its wasm backend finds its .wasm files and Node's
// builtins through its own CommonJS build. So do onnxruntime-node (a native binding),
// onnxruntime-web (the page loads its files as served), esbuild and playwright-core (--browser),
// which start native binaries of their own.
export default defineConfig(tessera(['src/main.ts', 'src/index.ts'], { dts: false, nodeProgram: true, external: [/^@tensorflow\//, /^onnxruntime-/, 'esbuild', 'playwright-core'] }));
