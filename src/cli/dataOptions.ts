/**
 * How `train`, `eval`, `check` and `convert` are told to read their data:
 * the options (one definition for every command), their parsing into the
 * library's CorpusReading, and the reading itself with what the command line
 * says about it (the format detected, what span formats adjusted).
 *
 * The options have no yargs defaults: the library's are the defaults, and
 * `train --resume` can tell an option given from one left out.
 */
import * as fs from 'node:fs';
import type { Options } from 'yargs';
import { OptionError, UsageError } from '../errors';
import { Column, CorpusReading, DATA_FORMATS, DataFormat, ReadCorpus, planReads, readPlanned, summarizeNotes } from '../io/corpusFormat';
import { TEXT_ENCODINGS, type TextEncoding } from '../io/lines';
import type { OffsetUnit } from '../io/spanCorpus';
import type { Messages } from './common';

export const DATA_FORMAT_CHOICES = ['auto', ...DATA_FORMATS] as const;

/** The options, by flag; `files` names the commands' data options in the descriptions. */
export function dataOptions(files: string) {
  const group = 'Data format:';
  return {
    'data-format': {
      choices: DATA_FORMAT_CHOICES as unknown as string[],
      defaultDescription: 'auto',
      describe: `format of ${files}: auto decides by the name (a directory: brat; .csv: csv; .jsonl: jsonl; .json: labelstudio, or jsonl when it starts with an object; else conll) and says what it chose`,
      group,
    },
    'token-column': { type: 'string', defaultDescription: '0', describe: 'conll, csv: column of the token, a 0-based index (negative counts from the end) or a csv header name', group },
    'tag-column': { type: 'string', defaultDescription: '-1', describe: 'conll, csv: column of the tag (-1 = last), an index or a csv header name', group },
    'sentence-column': { type: 'string', describe: "csv: column whose non-empty cells start sentences, an empty cell continuing the one above (GMB: 'Sentence #'); default: blank rows end sentences", group },
    delimiter: { type: 'string', defaultDescription: ',', describe: "csv: field delimiter, one character; 'tab' or '\\t' for a tab", group },
    'comment-prefix': { type: 'string', describe: "conll: skip lines starting with this (e.g. '#'): not tokens, not sentence ends", group },
    encoding: { choices: TEXT_ENCODINGS as unknown as string[], defaultDescription: 'utf8', describe: 'encoding of the files (latin1: ISO-8859-1)', group },
    offsets: { choices: ['codepoint', 'utf16'], defaultDescription: 'codepoint', describe: 'jsonl, labelstudio, brat: what span offsets count: Unicode code points (Python, BRAT, Label Studio) or UTF-16 units (JavaScript)', group },
    'tag-names': { type: 'string', describe: 'jsonl: names of integer tag ids ("ner_tags": [3, 0]), as a,b,c or a file of one name a line', group },
  } satisfies Record<string, Options>;
}

/** The options as yargs hands them over (all strings but the choices). */
export interface DataArgs {
  dataFormat?: string;
  tokenColumn?: string | number;
  tagColumn?: string | number;
  sentenceColumn?: string | number;
  delimiter?: string;
  commentPrefix?: string;
  encoding?: string;
  offsets?: string;
  tagNames?: string | readonly string[];
}

/** The library's option names, as the user typed them. */
const FLAGS: Record<string, string> = {
  format: '--data-format',
  tokenColumn: '--token-column',
  tagColumn: '--tag-column',
  featureColumns: '--feature-columns',
  sentenceColumn: '--sentence-column',
  delimiter: '--delimiter',
  commentPrefix: '--comment-prefix',
  encoding: '--encoding',
  offsets: '--offsets',
  tagNames: '--tag-names',
};

/** An OptionError from the readers, under the flag the user typed. */
export function asFlagError(err: unknown): unknown {
  if (!(err instanceof OptionError) || FLAGS[err.option] === undefined) return err;
  // A tab or space would not show.
  const shown = typeof err.value === 'string' && /\s/.test(err.value) ? JSON.stringify(err.value) : String(err.value);
  return new UsageError(`${FLAGS[err.option]} ${err.reason}, got ${shown}`);
}

/** A column as given: an integer index when it reads as one (`-1`, `2`), else a header name. */
export function parseColumn(flag: string, value: string | number | undefined): Column | undefined {
  if (value === undefined || typeof value === 'number') return value;
  if (value.trim() === '') throw new UsageError(`${flag} must be a column index or a header name, got an empty string`);
  return /^[+-]?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
}

/** `tab` and `\t` as a tab: a tab is hard to type in a shell. */
export function parseDelimiter(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value === 'tab' || value === '\\t' ? '\t' : value;
}

/** `a,b,c`, or the name of a file of one tag name a line (blank lines ignored). */
export function parseTagNames(value: string | readonly string[] | undefined): string[] | undefined {
  if (value === undefined || Array.isArray(value)) return value as string[] | undefined;
  const given = value as string;
  if (given.includes(',')) return given.split(',').map((t) => t.trim());
  let text: string;
  try {
    text = fs.readFileSync(given, 'utf8');
  } catch {
    throw new UsageError(`--tag-names ${given}: no such file; give the names as a,b,c (in id order) or a file of one name a line`);
  }
  return text.split(/\r?\n/).map((t) => t.trim()).filter((t) => t !== '');
}

/** The CorpusReading the options describe (library defaults for what is not given). */
export function corpusReading(args: DataArgs): CorpusReading {
  if (args.commentPrefix === '') throw new UsageError('--comment-prefix must not be empty');
  return {
    format: (args.dataFormat ?? 'auto') as DataFormat | 'auto',
    tokenColumn: parseColumn('--token-column', args.tokenColumn),
    tagColumn: parseColumn('--tag-column', args.tagColumn),
    sentenceColumn: parseColumn('--sentence-column', args.sentenceColumn),
    delimiter: parseDelimiter(args.delimiter),
    commentPrefix: args.commentPrefix,
    encoding: args.encoding as TextEncoding | undefined,
    offsets: args.offsets as OffsetUnit | undefined,
    tagNames: parseTagNames(args.tagNames),
  };
}

/** A data file of a command, and the most tokens its sentences may have (dev data is tagged, within the tagging limit). */
export interface DataFile {
  file: string;
  maxSentenceTokens?: number;
}

/**
 * Reads a command's data files, together (planReads: each gets the options
 * of its format; one that fits none is refused by flag): says which format
 * auto-detection chose, before reading, so that a wrong guess shows next to
 * the error it causes; and, unless `listsNotes` (the caller shows them
 * all), sums up in one warning a file what reading spans adjusted.
 */
export function readDataFiles(files: readonly DataFile[], reading: CorpusReading, messages: Messages, listsNotes = false): ReadCorpus[] {
  try {
    const plans = planReads(files.map((f) => f.file), reading);
    return plans.map((plan, i) => {
      if (plan.detected !== undefined) messages.info(`reading ${plan.file} as ${plan.format}: ${plan.detected} (--data-format to choose)`);
      const read = readPlanned({ ...plan, reading: { ...plan.reading, maxSentenceTokens: files[i].maxSentenceTokens } });
      const summary = listsNotes ? undefined : summarizeNotes(plan.file, read.notes);
      if (summary !== undefined) messages.warn(summary);
      return read;
    });
  } catch (err) {
    throw asFlagError(err);
  }
}
