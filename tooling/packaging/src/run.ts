import { spawn } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Exit codes that count as success (default: 0 only). */
  okCodes?: readonly number[];
}

/**
 * Runs a command to completion and resolves with its output; rejects with the command, exit code
 * and the tail of its output when it fails, so a test failure shows what went wrong.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== null && (options.okCodes ?? [0]).includes(code)) resolve({ stdout, stderr, code });
      else {
        const how = signal ? `was killed (${signal})` : `exited with ${code}`;
        reject(new Error(`\`${command} ${args.join(' ')}\` in ${options.cwd} ${how}:\n${(stderr + stdout).slice(-4000)}`));
      }
    });
  });
}
