/**
 * What the command modules share: backend options, messages on stderr that
 * respect --quiet, and input checks. Outputs are io/output.ts's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Options } from 'yargs';
import { BACKEND_REQUESTS, BackendRequest, describeBackend, initBackend } from '../backend';
import { DataError } from '../errors';
import { readWholeFile } from '../io/readWhole';
import { METADATA_JSON, MODEL_JSON, WEIGHTS_BIN } from '../io/modelDir';
import type { InputFile } from '../io/output';

export const backendOptions = {
  backend: {
    choices: BACKEND_REQUESTS as unknown as string[],
    default: 'auto',
    describe: 'tfjs backend: auto picks tensorflow (tfjs-node) when installed, else wasm, else cpu; webgpu runs on any GPU through WebGPU (Dawn), or on a software adapter',
    group: 'Backend:',
  },
  gpu: {
    type: 'boolean',
    default: false,
    describe: 'run on a GPU: CUDA through @tensorflow/tfjs-node-gpu when it is installed and sees a device, else WebGPU on a hardware adapter; an error when neither is there',
    group: 'Backend:',
  },
  threads: {
    type: 'number',
    describe: 'threads on wasm/cpu: 2 runs the BiLSTM directions in parallel (and scores dev in the background), 1 keeps one thread [default: 2 with 2+ cores]',
    group: 'Backend:',
  },
} satisfies Record<string, Options>;

/**
 * `options` with every option that has no group in `group`: a command's own
 * options, which --help then lists first (yargs shows groups in the order
 * they first appear, and ungrouped options last, under "Options:").
 */
export function commandGroup<T extends Record<string, Options>>(group: string, options: T): T {
  return Object.fromEntries(Object.entries(options).map(([name, o]) => [name, o.group === undefined ? { ...o, group } : o])) as T;
}

export const quietOption = {
  quiet: { type: 'boolean', alias: 'q', default: false, describe: 'print only errors, warnings and the requested output' },
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
  if (file === '-') return readWholeFile(0, '<stdin>').toString('utf8');
  assertInputFile(file);
  return readWholeFile(file, file).toString('utf8');
}

/** The files a command reads from model directory `dir`, which no output may replace. */
export function modelInputs(dir: string): InputFile[] {
  return [MODEL_JSON, WEIGHTS_BIN, METADATA_JSON].map((name) => ({ option: '--model', file: path.join(dir, name) }));
}
