// Runs browser/check.ts (ops and one training step in headless chromium's WebGPU, compared with
// the cpu backend) as a child process, so the browser and its server never share the test
// worker's Dawn instance.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

describe('in headless chromium', () => {
  it('runs ops and a training step on WebGPU and matches the cpu backend', async () => {
    if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install Debian's chromium (tooling/system-deps.sh)`);
    const tsx = join(root, 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(tsx, ['--conditions=source', 'browser/check.ts'], { cwd: root, timeout: 110_000 });
    expect(stdout).toMatch(/page ran on 'webgpu'/);
    expect(stdout).toMatch(/ok w after one SGD step/);
    expect(stdout.trim().split('\n').at(-1)).toBe('browser check passed');
  });
});
