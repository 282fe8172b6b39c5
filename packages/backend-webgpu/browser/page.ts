// Bundled into the test page: the package's browser entry (navigator.gpu), nothing from Node.
import { getBackend, setBackend } from '@tessera/core';
import { webgpuUnavailableReason } from '@tessera/backend-webgpu';
import { runScenario } from './scenario.js';

declare global {
  interface Window {
    tesseraResult: Promise<unknown>;
  }
}

window.tesseraResult = (async () => {
  if (!(await setBackend('webgpu'))) return { error: `setBackend('webgpu') resolved false: ${webgpuUnavailableReason()}` };
  const adapter = await navigator.gpu.requestAdapter();
  return { backend: getBackend(), adapter: adapter?.info ? `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}` : '?', ...(await runScenario()) };
})().catch((e: Error) => ({ error: `${e.message}\n${e.stack}` }));
