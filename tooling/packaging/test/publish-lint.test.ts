import { describe, expect, inject, test } from 'vitest';
import { attwTarball, publintTarball } from '../src/publish-lint.js';
import { packedManifest } from '../src/workspace.js';

const { tarballs } = inject('packaging');
const cases = tarballs.map((t) => [t.name, t] as const);

describe.concurrent('publint', () => {
  test.each(cases)('%s has no error or warning', async (_name, tarball) => {
    const findings = await publintTarball(tarball);
    // Suggestions do not fail the check; they are printed to be seen.
    for (const s of findings.suggestions) console.info(`publint ${tarball.name}: ${s}`);
    expect(findings.errors).toEqual([]);
    expect(findings.warnings).toEqual([]);
  });
});

describe.concurrent('attw --profile esm-only', () => {
  test.each(cases)('%s has no problem', async (_name, tarball) => {
    const findings = await attwTarball(tarball, await packedManifest(tarball));
    expect(findings.errors).toEqual([]);
  });
});
