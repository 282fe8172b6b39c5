// Headless Debian Chromium, launched as tooling/packaging/src/browser.ts launches it (WebGPU on
// SwiftShader, no background traffic); `webgpu: false` leaves WebGPU off, as on a machine without
// an adapter.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium({ webgpu = true } = {}): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: install it with tooling/system-deps.sh (Debian's chromium), or set CHROMIUM to its path`);
  }
  const gpu = webgpu ? ['--enable-unsafe-webgpu', '--use-angle=swiftshader', '--enable-features=Vulkan'] : ['--disable-gpu'];
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu-sandbox', ...gpu, '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}
