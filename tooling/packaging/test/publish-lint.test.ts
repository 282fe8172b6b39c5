import { describe, expect, inject, test } from 'vitest';
import { attwTarball, publintTarball } from '../src/publish-lint.js';
import { packedManifest } from '../src/workspace.js';

const { tarballs } = inject('packaging');
const cases = tarballs.map((t) => [t.name, t] as const);

describe.concurrent('publint', () => {
  test.each(cases)('%s has no error', async (_name, tarball) => {
    const findings = await publintTarball(tarball);
    // Warnings and suggestions do not fail the check; they are printed to be seen.
    for (const w of [...findings.warnings, ...findings.suggestions]) console.info(`publint ${tarball.name}: ${w}`);
    expect(findings.errors).toEqual([]);
  });
});

describe.concurrent('attw --profile esm-only', () => {
  test.each(cases)('%s has no problem', async (_name, tarball) => {
    const findings = await attwTarball(tarball, await packedManifest(tarball));
    expect(findings.errors).toEqual([]);
  });
});
