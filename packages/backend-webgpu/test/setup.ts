// Every test file runs on Dawn: the node helper registers 'webgpu' with Dawn's GPU. Without an
// adapter the tests fail here, naming the reason, rather than skipping.
import '../src/node.js';
import { ENGINE, setBackend } from '@tessera/core';
import { afterAll, beforeAll } from 'vitest';
import { webgpuUnavailableReason } from '../src/index.js';

beforeAll(async () => {
  if (!(await setBackend('webgpu'))) {
    throw new Error(
      `the 'webgpu' backend could not be created: ${webgpuUnavailableReason()} ` +
        `(VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}). Tests need a WebGPU adapter: ` +
        `a GPU with Vulkan drivers, or Debian's chromium package, whose SwiftShader ICD vitest.config.ts selects`,
    );
  }
});

// Destroying the device lets Dawn's threads end, so the worker exits promptly.
afterAll(() => {
  ENGINE.removeBackend('webgpu');
});
