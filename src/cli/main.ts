#!/usr/bin/env node
/**
 * The `ner` command line: a thin layer over the library. Each command module
 * parses its options, calls the library and formats the result; this file
 * turns errors into one line on stderr and an exit code.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { NerError, UsageError } from '../errors';
import { NER_VERSION } from '../version';
import { fileSystemError } from '../io/fsErrors';
import { rejectNonFiniteNumbers } from './finiteNumbers';
import * as checkCommand from './check';
import * as evalCommand from './eval';
import * as predictCommand from './predict';
import * as serveCommand from './serve';
import * as reportCommand from './report';
import * as trainCommand from './train';

export function parser(argv: string[]) {
  return yargs(argv)
    .scriptName('ner')
    .usage('$0 <command> [options]\n\nNamed-entity recognition with a BiLSTM-CRF on TensorFlow.js.')
    .command(trainCommand)
    .command(predictCommand)
    .command(evalCommand)
    .command(checkCommand)
    .command(serveCommand)
    .command(reportCommand)
    .demandCommand(1, 'name a command: train, predict, eval, check, serve or report')
    .recommendCommands()
    .strict()
    .version(NER_VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns ?? 80))
    // A repeated option takes its last value, as in most CLIs, instead of becoming an array.
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .middleware(rejectNonFiniteNumbers, true)
    .fail((message, error) => {
      // Errors from handlers pass through untouched; yargs' own complaints (its
      // YError, which also wraps errors thrown while reading --config) are usage errors.
      if (error !== undefined && error !== null && error.name !== 'YError') throw error;
      throw new UsageError(error?.message ?? message);
    });
}

/** Prints an error as users should see it and returns the exit code. */
export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  // The reader of our stdout went away (`ner predict | head`): nothing left to say.
  if ((err as NodeJS.ErrnoException)?.code === 'EPIPE') return 0;
  // A full disk, a read-only mount, a path through a file: the user's to fix, in one line.
  err = fileSystemError(err) ?? err;
  if (err instanceof NerError) {
    const hint = err instanceof UsageError ? "\n(run 'ner <command> --help' for the options)" : '';
    stderr.write(`ner: error: ${err.message}${hint}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  if (process.env.NER_DEBUG) stderr.write(`${e?.stack ?? String(err)}\n`);
  else stderr.write(`ner: internal error: ${e?.message ?? String(err)}\n(set NER_DEBUG=1 for a stack trace)\n`);
  return 1;
}

async function main(): Promise<void> {
  try {
    await parser(hideBin(process.argv)).parseAsync();
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

if (require.main === module) void main();
