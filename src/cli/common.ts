/**
 * What the command modules share: backend options, messages on stderr that
 * respect --quiet, input checks, and atomic output files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Options } from 'yargs';
import { BACKEND_REQUESTS, BackendRequest, describeBackend, initBackend } from '../backend';
import { DataError } from '../errors';
import { withPath } from '../io/fsErrors';

export const backendOptions = {
  backend: {
    choices: BACKEND_REQUESTS as unknown as string[],
    default: 'auto',
    describe: 'tfjs backend: auto picks tensorflow (tfjs-node) when installed, else wasm, else cpu',
    group: 'Backend:',
  },
  gpu: {
    type: 'boolean',
    default: false,
    describe: 'run on a CUDA GPU through @tensorflow/tfjs-node-gpu (must be installed)',
    group: 'Backend:',
  },
  threads: {
    type: 'number',
    describe: 'threads on wasm/cpu: 2 runs the BiLSTM directions in parallel, 1 keeps one thread [default: 2 with 2+ cores]',
    group: 'Backend:',
  },
} satisfies Record<string, Options>;

export const quietOption = {
  quiet: { type: 'boolean', alias: 'q', default: false, describe: 'print nothing but errors and the requested output' },
} satisfies Record<string, Options>;

/** Informational lines go to stderr, so stdout holds only the requested output. */
export class Messages {
  constructor(private readonly quiet: boolean) {}
  info(line: string): void {
    if (!this.quiet) process.stderr.write(`${line}\n`);
  }
  warn(line: string): void {
    process.stderr.write(`ner: warning: ${line}\n`);
  }
}

export async function startBackend(args: { backend: string; gpu: boolean; threads?: number }, messages: Messages): Promise<string> {
  const info = await initBackend({ backend: args.backend as BackendRequest, gpu: args.gpu, threads: args.threads });
  messages.info(describeBackend(info));
  info.warnings.forEach((w) => messages.warn(w));
  return info.name;
}

/** Checks that `file` is a readable regular file, with the project's file-level messages. */
export function assertInputFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new DataError(file, undefined, 'no such file');
  }
  if (stat.isDirectory()) throw new DataError(file, undefined, 'is a directory, expected a file');
}

/** Reads a whole text input: a file, or stdin for '-'. */
export function readTextInput(file: string): string {
  if (file === '-') return fs.readFileSync(0, 'utf8');
  assertInputFile(file);
  return fs.readFileSync(file, 'utf8');
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * An output that appears complete or not at all: a file is written under a
 * temporary name and renamed on `commit`; '-' writes to stdout as it goes.
 */
export class AtomicOutput {
  private readonly fd: number;
  private readonly tmp?: string;

  constructor(private readonly target: string) {
    if (target === '-') {
      this.fd = 1;
      return;
    }
    const dir = path.dirname(path.resolve(target));
    if (!fs.existsSync(dir)) throw new DataError(target, undefined, `cannot write: directory ${dir} does not exist`);
    if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw new DataError(target, undefined, 'is a directory, expected a file to write');
    this.tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}`);
    this.fd = fs.openSync(this.tmp, 'w');
  }

  /**
   * Writes all of `text`. A pipe on stdout may be non-blocking: it can take
   * part of a write, or none (EAGAIN) while the reader catches up.
   */
  write(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += fs.writeSync(this.fd, bytes, offset);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw withPath(err, this.tmp === undefined ? '<stdout>' : this.target);
        Atomics.wait(PAUSE, 0, 0, 2); // a 2 ms sleep that does not spin
      }
    }
  }

  commit(): void {
    if (this.tmp === undefined) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    fs.renameSync(this.tmp, this.target);
  }

  abort(): void {
    if (this.tmp === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    fs.rmSync(this.tmp, { force: true });
  }
}

/** Runs `fill` against an AtomicOutput, committing on success and removing the partial file on failure. */
export async function writeAtomically(target: string, fill: (out: AtomicOutput) => void | Promise<void>): Promise<void> {
  const out = new AtomicOutput(target);
  try {
    await fill(out);
    out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
}
