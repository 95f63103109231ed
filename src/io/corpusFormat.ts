/**
 * One entry point for reading a tagged corpus in any format ner knows, so
 * that `train`, `eval`, `check` and `convert` read their data the same way:
 * which reader a file needs (said by the caller, or decided from its name
 * and first bytes, and said back), and the options each reader takes.
 *
 * Detection looks only at the name and the first non-space character, never
 * at the whole file, and says why it chose what it chose: a wrong guess is
 * then one glance away from `--data-format`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError, OptionError } from '../errors';
import { formatCount } from '../limits';
import type { Corpus } from '../types';
import { readBratCorpus } from './bratCorpus';
import { parseConll, readConllFile } from './conll';
import { parseCsvCorpus, readCsvCorpus } from './csvCorpus';
import { parseJsonlCorpus, readJsonlCorpus } from './jsonlCorpus';
import { parseLabelStudio, readLabelStudioCorpus } from './labelStudio';
import type { TextEncoding } from './lines';
import type { OffsetUnit, SpanCorpus, SpanCorpusOptions } from './spanCorpus';

export const DATA_FORMATS = ['conll', 'csv', 'jsonl', 'labelstudio', 'brat'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** A column by header name (CSV only) or 0-based index (negative counts from the end). */
export type Column = string | number;

/** How to read a corpus; each field applies to the formats its comment names. */
export interface CorpusReading {
  /** Default 'auto': detectFormat. */
  format?: DataFormat | 'auto';
  /** conll, csv. Default 0. */
  tokenColumn?: Column;
  /** conll, csv. Default -1 (the last). */
  tagColumn?: Column;
  /** csv: the column whose non-empty cells start sentences (GMB's `Sentence #`). */
  sentenceColumn?: Column;
  /** csv: the field delimiter, default ','. */
  delimiter?: string;
  /** conll: lines starting with this are comments. */
  commentPrefix?: string;
  /** Every format. Default 'utf8'. */
  encoding?: TextEncoding;
  /** jsonl, labelstudio, brat: what span offsets count. Default 'codepoint'. */
  offsets?: OffsetUnit;
  /** jsonl: names of integer tag ids. */
  tagNames?: readonly string[];
  /** The most tokens a sentence may have (a DataError naming where it is); default none. */
  maxSentenceTokens?: number;
  /** conll, csv: columns read as token features (see data/tokenFeatures.ts). */
  featureColumns?: readonly Column[];
}

/** Which options apply to which formats (the others are refused, so that none is silently ignored). */
const APPLIES: Record<Exclude<keyof CorpusReading, 'format' | 'maxSentenceTokens' | 'encoding'>, readonly DataFormat[]> = {
  tokenColumn: ['conll', 'csv'],
  tagColumn: ['conll', 'csv'],
  featureColumns: ['conll', 'csv'],
  sentenceColumn: ['csv'],
  delimiter: ['csv'],
  commentPrefix: ['conll'],
  offsets: ['jsonl', 'labelstudio', 'brat'],
  tagNames: ['jsonl'],
};

export interface ReadCorpus {
  corpus: Corpus;
  format: DataFormat;
  /** Why the format was chosen, when it was detected ("the extension .csv"). */
  detected?: string;
  /** What the span formats adjusted (spanCorpus.ts), one line each; empty for column formats. */
  notes: string[];
}

/** The format of `file` by its name and first character, and why. */
export function detectFormat(file: string): { format: DataFormat; reason: string } {
  if (isDirectory(file)) return { format: 'brat', reason: 'a directory (BRAT .txt/.ann pairs)' };
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return { format: 'csv', reason: 'the extension .csv' };
  if (ext === '.jsonl' || ext === '.ndjson') return { format: 'jsonl', reason: `the extension ${ext}` };
  if (ext === '.json') {
    // Label Studio exports one JSON array; Prodigy and doccano name JSON Lines .json at times.
    const first = firstCharacter(file);
    if (first === '{') return { format: 'jsonl', reason: 'the extension .json with an object first (JSON Lines)' };
    return { format: 'labelstudio', reason: 'the extension .json (a Label Studio export, an array of tasks)' };
  }
  return { format: 'conll', reason: ext === '' ? 'no extension names another format' : `the extension ${ext} names no other format` };
}

/** Whether `file` names a directory (following links); false when it names nothing. */
export function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** The first character that is not a space or BOM in the first 4 KiB of a regular file; '' when none or not readable. */
function firstCharacter(file: string): string {
  let fd: number | undefined;
  try {
    if (!fs.statSync(file).isFile()) return '';
    fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(4096);
    const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
    return /[^\s\uFEFF]/u.exec(buffer.subarray(0, n).toString('latin1'))?.[0] ?? '';
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A file to read: its format, why (when it was detected), and the options that apply to it. */
export interface PlannedRead {
  file: string;
  format: DataFormat;
  detected?: string;
  reading: CorpusReading;
}

/** Whether a column option names a column (or, for a list, any column) by header name, which only CSV has. */
function byHeaderName(name: string, value: unknown): boolean {
  if (!/Columns?$/.test(name)) return false;
  return Array.isArray(value) ? value.some((v) => typeof v === 'string') : typeof value === 'string';
}

/** Whether option `name` with `value` applies to `format` (a column by header name applies to csv only). */
function applies(name: keyof typeof APPLIES, value: unknown, format: DataFormat): boolean {
  if (!APPLIES[name].includes(format)) return false;
  return !(format === 'conll' && byHeaderName(name, value));
}

/**
 * How each of `files`, read together (a run's training and dev data), is
 * read: its format, said or detected, and those of `reading`'s options that
 * apply to it, so that CSV training data may go with CoNLL dev data. An
 * option that applies to none of the files is refused (an OptionError
 * naming each file's format), never ignored.
 */
export function planReads(files: readonly string[], reading: CorpusReading): PlannedRead[] {
  const given = reading.format === undefined || reading.format === 'auto' ? undefined : reading.format;
  if (given !== undefined && !DATA_FORMATS.includes(given)) throw new OptionError('format', `must be auto or one of ${DATA_FORMATS.join(', ')}`, given);
  const plans = files.map((file): PlannedRead => {
    const { format, reason } = given === undefined ? detectFormat(file) : { format: given, reason: undefined };
    return { file, format, detected: reason, reading: { format, encoding: reading.encoding, maxSentenceTokens: reading.maxSentenceTokens } };
  });
  for (const name of Object.keys(APPLIES) as Array<keyof typeof APPLIES>) {
    const value = reading[name];
    if (value === undefined) continue;
    const takers = plans.filter((p) => applies(name, value, p.format));
    if (takers.length === 0) throw new OptionError(name, refusal(name, value, plans), Array.isArray(value) ? value.join(',') : value);
    for (const p of takers) (p.reading as Record<string, unknown>)[name] = value;
  }
  return plans;
}

/** Why an option fits none of the files: what it applies to, what each file is, and how to say otherwise. */
function refusal(name: keyof typeof APPLIES, value: unknown, plans: readonly PlannedRead[]): string {
  const byName = byHeaderName(name, value);
  const formats = byName ? ['csv'] : APPLIES[name];
  const what = plans.map((p) => `${p.file} is ${p.format}${p.detected === undefined ? '' : `: ${p.detected}`}`).join('; ');
  const fix = !byName && plans.some((p) => p.detected !== undefined) ? `; --data-format ${formats[0]} reads it as ${formats[0]}` : '';
  return `applies to ${formats.join(', ').replace(/, (?=[^,]*$)/, ' and ')} data${byName ? ' as a header name (conll columns are numbered)' : ''} (${what}${fix})`;
}

/** Reads the corpus `file` as `reading` says; `file` is named as given in errors. */
export function readCorpus(file: string, reading: CorpusReading = {}): ReadCorpus {
  return readPlanned(planReads([file], reading)[0]);
}

/** Reads one file of planReads. */
export function readPlanned(plan: PlannedRead): ReadCorpus {
  const { file, format, reading } = plan;
  const { encoding, maxSentenceTokens } = reading;
  let corpus: Corpus;
  let notes: string[] = [];
  if (format === 'conll') {
    corpus = readConllFile(file, {
      tokenColumn: reading.tokenColumn as number | undefined,
      tagColumn: reading.tagColumn as number | undefined,
      commentPrefix: reading.commentPrefix,
      encoding,
      maxSentenceTokens,
      featureColumns: reading.featureColumns as number[] | undefined,
    });
  } else if (format === 'csv') {
    corpus = readCsvCorpus(file, {
      tokenColumn: reading.tokenColumn ?? 0,
      tagColumn: reading.tagColumn ?? -1,
      sentenceColumn: reading.sentenceColumn,
      delimiter: reading.delimiter,
      encoding,
      maxSentenceTokens,
      featureColumns: reading.featureColumns,
    });
  } else {
    const options: SpanCorpusOptions = { offsets: reading.offsets, tagNames: reading.tagNames, encoding };
    const read = format === 'jsonl' ? readJsonlCorpus(file, options) : format === 'labelstudio' ? readLabelStudioCorpus(file, options) : readDirectory(file, options, plan.detected !== undefined);
    ({ notes } = read);
    corpus = { file: read.file, sentences: read.sentences };
    checkSentenceLengths(corpus, maxSentenceTokens ?? Infinity);
  }
  return { corpus, format, detected: plan.detected, notes };
}

/** A BRAT corpus; when the format was detected (the path is a directory), a directory with no pairs says how it was read. */
function readDirectory(dir: string, options: SpanCorpusOptions, detected: boolean): SpanCorpus {
  try {
    return readBratCorpus(dir, options);
  } catch (err) {
    if (!detected || !(err instanceof DataError) || !err.reason.startsWith('no .txt/.ann pairs')) throw err;
    throw new DataError(err.file, err.line, `is a directory, so it was read as a BRAT corpus: ${err.reason}`);
  }
}

/**
 * Parses text in a one-file format, with every option at its default (the
 * layout corpusWriters.ts writes): `ner convert` reads back what it wrote.
 */
export function parseCorpus(text: string, file: string, format: Exclude<DataFormat, 'brat'>): SpanCorpus {
  if (format === 'conll') return { ...parseConll(text, file), notes: [] };
  if (format === 'csv') return { ...parseCsvCorpus(text, file, { tokenColumn: 0, tagColumn: -1 }), notes: [] };
  return format === 'jsonl' ? parseJsonlCorpus(text, file) : parseLabelStudio(text, file);
}

/** The span formats' sentences are made whole, so their length is checked after (the column readers check as they read). */
function checkSentenceLengths(corpus: Corpus, max: number): void {
  for (const s of corpus.sentences) {
    if (s.tokens.length > max) {
      throw new DataError(s.file ?? corpus.file, s.lines[0], `a sentence of ${formatCount(s.tokens.length)} tokens, more than ${formatCount(max)}, the most ner tags as one sentence (docs/formats.md, Limits)`);
    }
  }
}

/** One line that says what reading adjusted, for the command line: how many, the first, and where to see them all. */
export function summarizeNotes(file: string, notes: readonly string[]): string | undefined {
  if (notes.length === 0) return undefined;
  const more = notes.length > 1 ? `; ${notes.length - 1} more: ner check --data ${file} lists them all` : '';
  return `${file}: ${notes.length} adjustment${notes.length === 1 ? '' : 's'} while reading spans into tags: ${notes[0]}${more}`;
}
