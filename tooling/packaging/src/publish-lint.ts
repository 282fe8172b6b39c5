import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { run } from './run.js';
import type { Tarball } from './workspace.js';

const require = createRequire(import.meta.url);
const attwBin = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist/index.js');

export interface Findings {
  errors: string[];
  warnings: string[];
  suggestions: string[];
}

/** publint on the tarball as packed (so it sees exactly the published files and manifest). */
export async function publintTarball(tarball: Tarball): Promise<Findings> {
  const bytes = readFileSync(tarball.file);
  const { messages, pkg } = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer }, level: 'suggestion' });
  const findings: Findings = { errors: [], warnings: [], suggestions: [] };
  for (const m of messages) {
    const text = `${m.code}: ${formatMessage(m, pkg, { color: false }) ?? JSON.stringify(m.args)}`;
    (m.type === 'error' ? findings.errors : m.type === 'warning' ? findings.warnings : findings.suggestions).push(text);
  }
  return findings;
}

/** The packed manifest's `exports` subpaths that name a file other than JavaScript (a .wasm module). */
function assetSubpaths(manifest: { exports?: Record<string, unknown> }): string[] {
  return Object.entries(manifest.exports ?? {})
    .filter(([, target]) => typeof target === 'string' && !/\.(m|c)?js$/.test(target))
    .map(([subpath]) => subpath);
}

/**
 * Resolutions the `esm-only` profile leaves out: the packages are ESM only (`"type": "module"`,
 * `import` conditions, no CommonJS build), so `require` from CommonJS (node16-cjs) and the
 * pre-exports resolver (node10) are not supported ways in.
 */
const esmOnlyIgnored = new Set(['node10', 'node16-cjs']);

interface AttwProblem {
  kind: string;
  entrypoint?: string;
  resolutionKind?: string;
}

/**
 * `attw <tarball> --profile esm-only`, the CLI as a user runs it, with the asset subpaths
 * (`./kernels.wasm`) excluded: they are files to fetch, not modules with types. Every problem in
 * the resolutions the profile checks is an error (attw's exit status); the ones it ignores are
 * returned as suggestions, to be reported.
 */
export async function attwTarball(tarball: Tarball, manifest: { exports?: Record<string, unknown> }): Promise<Findings> {
  const assets = assetSubpaths(manifest);
  const args = [attwBin, tarball.file, '--profile', 'esm-only', '--format', 'json', ...(assets.length ? ['--exclude-entrypoints', ...assets] : [])];
  // attw exits 1 when it finds problems; its JSON is on stdout either way.
  const { stdout, code } = await run(process.execPath, args, { cwd: dirname(tarball.file), okCodes: [0, 1] });
  const { problems = [] } = (JSON.parse(stdout) as { analysis: { problems?: AttwProblem[] } }).analysis;
  const findings: Findings = { errors: [], warnings: [], suggestions: [] };
  for (const p of problems) {
    const text = `${p.kind} (${p.entrypoint ?? '.'}${p.resolutionKind ? `, ${p.resolutionKind}` : ''})`;
    (p.resolutionKind && esmOnlyIgnored.has(p.resolutionKind) ? findings.suggestions : findings.errors).push(text);
  }
  if (code === 1 && findings.errors.length === 0) findings.errors.push(`attw exited 1 with no problem outside ${[...esmOnlyIgnored].join(', ')}: ${stdout.slice(0, 500)}`);
  return findings;
}
