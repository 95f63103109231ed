/** Runs the built CLI in a child process, as a user would. */
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
