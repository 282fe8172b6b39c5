import { existsSync } from 'node:fs';
import { tesseraVitest } from '@tessera/config/vitest';

// Tests run WebGPU in Node through Dawn. Without a GPU, Debian's chromium brings SwiftShader, a
// Vulkan driver on the CPU: point the Vulkan loader at it unless the environment chose a driver.
// Workers are forked after this runs, so they inherit the variable.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

export default tesseraVitest({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
