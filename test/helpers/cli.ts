/** Runs the built CLI in a child process, as a user would. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const REPO = path.join(__dirname, '..', '..', '..');
const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function ner(args: string[], options: { input?: string; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: options.cwd ?? REPO,
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, NER_DEBUG: '' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A user error as the CLI must report one: exit `code`, one `ner: error:`
 * line matching `message` (besides the backend line, the format read, the
 * help hint and warnings), and no stack trace.
 */
export function assertUserError(r: CliResult, code: number, message: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr.slice(0, 2000)})`);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('backend:') && !l.startsWith('reading ') && !l.startsWith('(run ') && !l.startsWith('ner: warning:'))
    // Dawn's own notes on Mesa's software adapter, written by its native code whenever WebGPU starts there.
    .filter((l) => !/^Warning: maxDynamic\w+ artificially reduced/.test(l));
  assert.equal(lines.length, 1, `one error line, got:\n${r.stderr.slice(0, 2000)}`);
  assert.match(lines[0], /^ner: error: /);
  assert.match(lines[0], message);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}
