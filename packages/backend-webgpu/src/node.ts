// Node entry: WebGPU through Dawn (the `webgpu` npm package). Browser bundles import the main
// entry only, which never touches this file.
import { existsSync, readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { create, globals } from 'webgpu';
import { registerWebGPU, type RegisterWebGPUOptions } from './index.js';

export * from './index.js';

export interface NodeGPUOptions {
  /** Dawn's options, e.g. ['backend=vulkan', 'adapter=SwiftShader']. */
  dawnOptions?: string[];
  /** Leave the Vulkan loader alone (see `preloadVulkanLoader`). */
  noLoaderPreload?: boolean;
}

const SYSTEM_LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib'];
/** glibc's flag that keeps a library loaded after dlclose; Node does not export it. */
const RTLD_NODELETE = 0x1000;

/**
 * Dawn opens the Vulkan loader as `libvulkan.so.1`. Debian's chromium ships its own loader next to
 * its SwiftShader ICD without installing the system one; when `VK_ICD_FILENAMES` points at such an
 * ICD and no system loader exists, this loads the one beside it first (the dynamic linker then
 * hands Dawn the already-loaded library by its soname). Returns the path it loaded, if any.
 */
export function preloadVulkanLoader(): string | null {
  if (process.platform !== 'linux') return null;
  const ldPath = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if ([...ldPath, ...SYSTEM_LIB_DIRS].some((d) => existsSync(join(d, 'libvulkan.so.1')))) return null;
  const icd = process.env.VK_ICD_FILENAMES?.split(':')[0];
  if (!icd) return null;
  const loader = join(dirname(icd), 'libvulkan.so.1');
  if (!existsSync(loader)) return null;
  try {
    // process.dlopen loads the library, then rejects it as not being a Node addon; NODELETE keeps it loaded.
    process.dlopen({ exports: {} }, loader, constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_GLOBAL | RTLD_NODELETE);
  } catch {
    // "Module did not self-register" is expected.
  }
  return loader;
}

/** Where Debian's `chromium` package puts SwiftShader's Vulkan ICD (a CPU implementation of Vulkan). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const VULKAN_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/**
 * Points `VK_ICD_FILENAMES` at SwiftShader when it is unset, no Vulkan driver is installed (no ICD
 * file in the standard folders) and SwiftShader is (see `SWIFTSHADER_ICD`). WebGPU then runs, slowly,
 * on the CPU instead of finding no adapter. Returns the ICD it chose, or null when it changed nothing.
 */
export function useSwiftShaderIfNoVulkanDriver(icd = SWIFTSHADER_ICD): string | null {
  if (process.platform !== 'linux' || process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return null;
  const installed = VULKAN_ICD_DIRS.some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
  if (installed || !existsSync(icd)) return null;
  process.env.VK_ICD_FILENAMES = icd;
  return icd;
}

/** Dawn's GPU object, with the WebGPU globals (GPUBufferUsage, …) installed where missing. */
export function createNodeGPU(options: NodeGPUOptions = {}): GPU {
  for (const [k, v] of Object.entries(globals as Record<string, unknown>)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  if (!options.noLoaderPreload) preloadVulkanLoader();
  return create(options.dawnOptions ?? []);
}

/** Registers 'webgpu' backed by Dawn; the GPU is created when the backend first is. */
export function registerNodeWebGPU(options: NodeGPUOptions & Omit<RegisterWebGPUOptions, 'gpu'> = {}): void {
  let gpu: GPU | null = null;
  registerWebGPU({ ...options, gpu: () => (gpu ??= createNodeGPU(options)) });
}

registerNodeWebGPU();
