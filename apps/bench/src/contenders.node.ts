// Node's side of the contenders: TF.js wasm's .wasm files from the npm package on disk, WebGPU
// through Dawn (SwiftShader where no Vulkan driver is installed), onnxruntime-node, and the probe
// of TF.js's threaded build. Importing this file installs them.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setBenchPlatform, type StartedWebGPU } from './contenders.js';
import { ortSession, type OnnxRuntime } from './onnx.js';

const require = createRequire(import.meta.url);
/** The .wasm binaries shipped in the npm package (dist/), as a path prefix: nothing is fetched. */
export const TFJS_WASM_DIR = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';

/** Dawn's GPU object, registered as Tessera's and installed at `navigator.gpu` for TF.js. */
async function startDawn(): Promise<StartedWebGPU> {
  const node = await import('@tessera/backend-webgpu/node');
  const swiftShader = node.useSwiftShaderIfNoVulkanDriver();
  const gpu = node.createNodeGPU();
  node.registerWebGPU({ gpu });
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  return { gpu, swiftShader, unavailableReason: node.webgpuUnavailableReason };
}

/**
 * onnxruntime-node (its CPU binary ships in the npm package): the CPU execution provider, one
 * session per row with intraOpNumThreads = the Tessera row's threads, one inter-op thread and
 * sequential execution; everything else its defaults (all graph optimisations, spinning threads).
 */
async function startOnnxNode(): Promise<OnnxRuntime> {
  const ort = await import('onnxruntime-node');
  return {
    name: 'onnxruntime-node',
    version: ort.env.versions.node ?? ort.env.versions.common,
    detail: 'CPU execution provider, intraOpNumThreads = the Tessera row\'s threads, interOpNumThreads 1, sequential execution, its default graph optimisations (all)',
    threads: null,
    async session(model, threads) {
      const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
      return ortSession(ort, session);
    },
  };
}

setBenchPlatform({ tfjsWasmPaths: TFJS_WASM_DIR, startWebGPU: startDawn, startOnnxRuntime: startOnnxNode });

/**
 * Forces TF.js's threaded-SIMD build in a fresh Node process (WASM_HAS_MULTITHREAD_SUPPORT set to
 * true, 2 threads) and reports whether it initialises. In 4.22 it does not: its pthread workers are
 * created from blob: URLs, which Node's Worker rejects.
 */
export function probeTfjsWasmThreads(timeoutMs = 60_000): Promise<{ ok: boolean; detail: string }> {
  const script = `
    import * as tf from '@tensorflow/tfjs-core';
    import * as tfw from '@tensorflow/tfjs-backend-wasm';
    tfw.setWasmPaths(${JSON.stringify(TFJS_WASM_DIR)});
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    tfw.setThreadsCount(2);
    const errors = [];
    console.warn = console.error = console.log = (...a) => errors.push(a.map((v) => String(v).split('\\n')[0]).join(' '));
    const ok = await tf.setBackend('wasm');
    process.stdout.write(JSON.stringify(ok ? { ok, detail: 'threads ' + tfw.getThreadsCount() } : { ok, detail: errors.join(' | ') }));
    process.exit(0);`;
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd, timeout: timeoutMs }, (err, stdout) => {
      try {
        resolve(JSON.parse(stdout) as { ok: boolean; detail: string });
      } catch {
        resolve({ ok: false, detail: `probe failed: ${err?.message ?? stdout}` });
      }
    });
  });
}
