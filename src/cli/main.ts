#!/usr/bin/env node
/**
 * The `ner` command line: a thin layer over the library. Each command module
 * parses its options, calls the library and formats the result; this file
 * turns errors into one line on stderr and an exit code.
 */
import * as v8 from 'node:v8';
import yargs, { Argv, CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { NerError, UsageError } from '../errors';
import { NER_VERSION } from '../version';
import { fileSystemError } from '../io/fsErrors';
import { rejectNonFiniteNumbers } from './finiteNumbers';
import * as checkCommand from './check';
import * as convertCommand from './convert';
import * as evalCommand from './eval';
import * as predictCommand from './predict';
import * as serveCommand from './serve';
import * as reportCommand from './report';
import * as trainCommand from './train';

/**
 * yargs-parser reads a `-` after a long option as an argument of its own,
 * not as the option's value, so `--input -` failed with `Unknown argument: -`
 * (only `--input=-` worked). An option declared to take exactly one argument
 * takes a `-` there; so every string option of `command` does (arrays keep
 * taking several). A `-` after no option, or after a flag, is still unknown.
 */
function dashAsValue(command: { builder: (yargs: Argv) => Argv }): CommandModule {
  return {
    ...(command as CommandModule),
    builder: (yargs: Argv) => {
      const built = command.builder(yargs);
      // getOptions() is yargs' own (its typings omit it): the options the builder declared.
      const declared = (built as unknown as { getOptions(): { string: string[]; array: string[] } }).getOptions();
      for (const key of declared.string) if (!declared.array.includes(key)) built.nargs(key, 1);
      return built;
    },
  };
}

export function parser(argv: string[]) {
  return yargs(argv)
    .scriptName('ner')
    .usage('$0 <command> [options]\n\nNamed-entity recognition with a BiLSTM-CRF on TensorFlow.js.')
    .command(dashAsValue(trainCommand))
    .command(dashAsValue(predictCommand))
    .command(dashAsValue(evalCommand))
    .command(dashAsValue(checkCommand))
    .command(dashAsValue(convertCommand))
    .command(dashAsValue(serveCommand))
    .command(dashAsValue(reportCommand))
    .demandCommand(1, 'name a command: train, predict, eval, check, convert, serve or report')
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
      if (message === 'Unknown argument: -') throw new UsageError("a lone '-' (stdin or stdout) must be the value of an option, as in --input - or --output -");
      throw new UsageError(error?.message ?? message);
    });
}

const COMMANDS = ['train', 'predict', 'eval', 'check', 'convert', 'serve', 'report'];

/** The command `argv` names (its first word that is one), for the help hint. */
export function commandOf(argv: readonly string[]): string | undefined {
  return argv.find((a) => !a.startsWith('-') && COMMANDS.includes(a));
}

/** Prints an error as users should see it and returns the exit code; `command` names the help to point to. */
export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr, command?: string): number {
  // The reader of our stdout went away (`ner predict | head`): nothing left to say.
  if ((err as NodeJS.ErrnoException)?.code === 'EPIPE') return 0;
  // A full disk, a read-only mount, a path through a file: the user's to fix, in one line.
  err = fileSystemError(err) ?? err;
  if (err instanceof NerError) {
    const hint = !(err instanceof UsageError) ? '' : command === undefined ? "\n(run 'ner --help' for the commands)" : `\n(run 'ner ${command} --help' for the options)`;
    stderr.write(`ner: error: ${err.message}${hint}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  if (process.env.NER_DEBUG) stderr.write(`${e?.stack ?? String(err)}\n`);
  else stderr.write(`ner: internal error: ${e?.message ?? String(err)}\n(set NER_DEBUG=1 for a stack trace)\n`);
  return 1;
}

async function main(): Promise<void> {
  // V8 pretenures the allocation sites whose objects survived early on (reading a corpus,
  // loading a model); their later short-lived objects, such as the tensors of every LSTM step,
  // then go straight to the old generation and pile up until a full collection. Without it,
  // tagging one 100,000-token line peaks at 255 MB instead of 438 MB, and no slower (docs/formats.md, Limits).
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
  try {
    await parser(hideBin(process.argv)).parseAsync();
  } catch (err) {
    process.exitCode = reportError(err, process.stderr, commandOf(hideBin(process.argv)));
  }
}

if (require.main === module) void main();
