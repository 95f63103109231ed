/**
 * A training run as the command line describes it: data files, columns, and
 * the TrainOptions. Every checkpoint records it, so that `ner train --resume`
 * runs the same run, refuses options that would change it, and can tell
 * whether the data files are still the ones the run started on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFingerprint } from '../io/fingerprint';
import { TEXT_ENCODINGS, type TextEncoding } from '../io/lines';
import { AnyOptionSpec, DEFAULT_TRAIN_OPTIONS, TRAIN_OPTIONS, TRAIN_OPTION_KEYS, TrainOptionKey, TrainOptions } from '../train/options';
import type { Column } from '../io/corpusFormat';
import { DATA_FORMAT_CHOICES, DataArgs, parseColumn, parseDelimiter, parseTagNames } from './dataOptions';
import { Shape, arrayOf, boolean, finiteNumber, integer, nullable, object, oneOf, optional, string } from '../util/jsonShape';

export interface RunConfig {
  /** Paths are absolute, so that a run resumes from any working directory. */
  out: string;
  data: string;
  dev: string | null;
  embeddingsExtend: string[];
  /** An index, or a CSV header name; null when not given (the format's default; checkpoints before other formats hold 0 and -1). */
  tokenColumn: Column | null;
  tagColumn: Column | null;
  /** Absent in checkpoints written before comments and encodings were read: none, UTF-8. */
  commentPrefix?: string | null;
  encoding?: TextEncoding;
  /**
   * --data-format as given ('auto' detects each file's); absent in
   * checkpoints written before other formats were read, which read CoNLL.
   */
  dataFormat?: string;
  sentenceColumn?: Column | null;
  delimiter?: string | null;
  offsets?: string | null;
  /** --tag-names as given, a file by its absolute path. */
  tagNames?: string | null;
  embeddingDimGiven: boolean;
  checkpointEvery: number;
  options: Partial<TrainOptions>;
  /** --gazetteer files, absolute (absent in checkpoints written before gazetteers: none). */
  gazetteers?: string[];
  gazetteerCase?: boolean;
  /** --feature-columns as given, indexes or header names (absent: none). */
  featureColumns?: Column[];
  /** Every data file the run read (absent in checkpoints written before they were recorded). */
  fingerprints?: FileFingerprint[];
}

/** The command-line options that are TrainOptions, by long name (train/options.ts). */
export const TRAIN_OPTION_FIELDS: Readonly<Record<string, TrainOptionKey>> = Object.fromEntries(TRAIN_OPTION_KEYS.map((key) => [TRAIN_OPTIONS[key].flag, key]));

/** Defaults of the run's other options (the TrainOptions ones are DEFAULT_TRAIN_OPTIONS). */
export const RUN_DEFAULTS = { 'token-column': 0, 'tag-column': -1, 'comment-prefix': null, encoding: 'utf8', 'checkpoint-every': 0 } as const;

/** The options of how the data is read that are recorded as given (null: not given), by flag and RunConfig field. */
const READING_FIELDS = {
  'sentence-column': 'sentenceColumn',
  delimiter: 'delimiter',
  offsets: 'offsets',
  'tag-names': 'tagNames',
} as const satisfies Record<string, keyof RunConfig>;

/** A tag-names value that names a file (not a list), by its absolute path: a run resumes from any working directory. */
const tagNamesValue = (value: unknown) => (value === undefined ? null : String(value).includes(',') ? String(value) : path.resolve(String(value)));

/**
 * Options --resume accepts with any value: they say how to run, not what
 * to compute (results are identical across thread counts; the backend is the
 * machine's; checkpoints and messages do not touch the weights).
 */
export const RESUME_NEUTRAL: readonly string[] = ['resume', 'config', 'allow-changed-data', 'backend', 'gpu', 'threads', 'quiet', 'checkpoint-every'];

/** yargs' argv, read by the options' long names; an option not given is undefined (the train options have no yargs defaults). */
export type Args = Record<string, unknown>;

const isTrainOption = (name: string): boolean => Object.prototype.hasOwnProperty.call(TRAIN_OPTION_FIELDS, name);
const resolved = (file: unknown) => (file === undefined || file === null ? file : path.resolve(String(file)));

/** The run that `args` describe, with the defaults of the options not given. */
export function runConfigFromArgs(args: Args): RunConfig {
  const options: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(TRAIN_OPTION_FIELDS)) {
    options[field] = args[name] ?? DEFAULT_TRAIN_OPTIONS[field];
    if (TRAIN_OPTIONS[field].kind === 'file') options[field] = resolved(options[field]);
  }
  return {
    out: path.resolve(String(args.out)),
    data: path.resolve(String(args.data)),
    dev: args.dev === undefined ? null : path.resolve(String(args.dev)),
    embeddingsExtend: ((args['embeddings-extend'] as unknown[] | undefined) ?? []).map((f) => path.resolve(String(f))),
    tokenColumn: parseColumn('--token-column', args['token-column'] as string | undefined) ?? null,
    tagColumn: parseColumn('--tag-column', args['tag-column'] as string | undefined) ?? null,
    commentPrefix: (args['comment-prefix'] as string | undefined) ?? RUN_DEFAULTS['comment-prefix'],
    encoding: (args.encoding as TextEncoding | undefined) ?? RUN_DEFAULTS.encoding,
    dataFormat: (args['data-format'] as string | undefined) ?? 'auto',
    sentenceColumn: parseColumn('--sentence-column', args['sentence-column'] as string | undefined) ?? null,
    delimiter: (args.delimiter as string | undefined) ?? null,
    offsets: (args.offsets as string | undefined) ?? null,
    tagNames: tagNamesValue(args['tag-names']),
    gazetteers: ((args.gazetteer as unknown[] | undefined) ?? []).map((f) => path.resolve(String(f))),
    gazetteerCase: args['gazetteer-case'] === true,
    featureColumns: ((args['feature-columns'] as unknown[] | undefined) ?? []).map((c) => parseColumn('--feature-columns', c as string)!),
    embeddingDimGiven: args['embedding-dim'] !== undefined,
    checkpointEvery: (args['checkpoint-every'] as number | undefined) ?? RUN_DEFAULTS['checkpoint-every'],
    options: options as Partial<TrainOptions>,
  };
}

/** How the run reads its data files, as the command line would say it (dataOptions.ts turns it into a CorpusReading). */
export function dataArgs(config: RunConfig): DataArgs {
  const given = <T>(v: T | null | undefined) => v ?? undefined;
  return {
    dataFormat: config.dataFormat ?? 'conll',
    tokenColumn: given(config.tokenColumn),
    tagColumn: given(config.tagColumn),
    sentenceColumn: given(config.sentenceColumn),
    delimiter: given(config.delimiter),
    commentPrefix: given(config.commentPrefix),
    encoding: config.encoding,
    offsets: given(config.offsets),
    tagNames: given(config.tagNames),
  };
}

/** Every data file the run reads (a --tag-names list is no file). */
export function dataFiles(config: RunConfig): string[] {
  const tagNamesFile = config.tagNames?.includes(',') === false ? config.tagNames : undefined;
  // Not the gazetteers: the run's model keeps its own copy, and a resumed run does not read them.
  const files = [config.data, config.dev, config.options.embeddings, ...config.embeddingsExtend, tagNamesFile].filter((f): f is string => typeof f === 'string');
  return [...new Set(files)];
}

/** The value `config` has for a command-line option, paths absolute and defaults filled in. */
function runValue(config: RunConfig, name: string): unknown {
  switch (name) {
    case 'out':
      return config.out;
    case 'data':
      return config.data;
    case 'dev':
      return config.dev ?? undefined;
    case 'embeddings-extend':
      return config.embeddingsExtend;
    case 'gazetteer':
      return config.gazetteers ?? [];
    case 'gazetteer-case':
      return config.gazetteerCase === true;
    case 'feature-columns':
      return config.featureColumns ?? [];
    case 'token-column':
      return config.tokenColumn ?? RUN_DEFAULTS['token-column'];
    case 'tag-column':
      return config.tagColumn ?? RUN_DEFAULTS['tag-column'];
    case 'comment-prefix':
      return config.commentPrefix ?? undefined;
    case 'encoding':
      return config.encoding ?? RUN_DEFAULTS.encoding;
    case 'data-format':
      return config.dataFormat ?? 'conll';
  }
  if (Object.prototype.hasOwnProperty.call(READING_FIELDS, name)) return config[READING_FIELDS[name as keyof typeof READING_FIELDS]] ?? undefined;
  if (!isTrainOption(name)) return undefined;
  const field = TRAIN_OPTION_FIELDS[name];
  return config.options[field] ?? DEFAULT_TRAIN_OPTIONS[field];
}

const PATH_OPTIONS = new Set(['out', 'data', 'dev', ...TRAIN_OPTION_KEYS.filter((key) => TRAIN_OPTIONS[key].kind === 'file').map((key) => TRAIN_OPTIONS[key].flag)]);

function sameTagNames(given: string, recorded: string | undefined): boolean {
  try {
    return recorded !== undefined && parseTagNames(given)!.join(',') === parseTagNames(recorded)!.join(',');
  } catch {
    return false;
  }
}

const COLUMN_OPTIONS = new Set(['token-column', 'tag-column', 'sentence-column']);

function samePath(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}

function sameValue(name: string, given: unknown, recorded: unknown): boolean {
  if (name === 'feature-columns') {
    const columns = (given as unknown[]).map((c) => parseColumn('--feature-columns', c as string));
    const had = (recorded as Column[] | undefined) ?? [];
    return columns.length === had.length && columns.every((c, i) => c === had[i]);
  }
  if (name === 'embeddings-extend' || name === 'gazetteer') {
    const files = (given as unknown[]).map(String);
    const had = (recorded as string[] | undefined) ?? [];
    return files.length === had.length && files.every((f, i) => samePath(f, had[i]));
  }
  if (PATH_OPTIONS.has(name)) return typeof recorded === 'string' && samePath(String(given), recorded);
  if (COLUMN_OPTIONS.has(name)) return parseColumn(`--${name}`, given as string) === recorded;
  // Spelt differently, the same: `tab` and '\t', a list and a file of the same names, ',' and no delimiter.
  if (name === 'delimiter') return (parseDelimiter(String(given)) ?? ',') === (parseDelimiter(recorded as string | undefined) ?? ',');
  if (name === 'tag-names') return tagNamesValue(given) === recorded || sameTagNames(String(given), recorded as string | undefined);
  return given === recorded;
}

/**
 * The options of `args` (among `names`) that would change the run `recorded`
 * if --resume took them, each as "--lr (0.5, the run has 0.015)". An option
 * given with the value the run has is no change; RESUME_NEUTRAL ones never are.
 */
export function changedOptions(args: Args, names: readonly string[], recorded: RunConfig): string[] {
  const changed: string[] = [];
  for (const name of names) {
    const given = args[name];
    if (given === undefined || RESUME_NEUTRAL.includes(name)) continue;
    const had = runValue(recorded, name);
    if (sameValue(name, given, had)) continue;
    const show = (v: unknown) => (Array.isArray(v) ? v.join(' ') : v === undefined ? 'none' : String(v));
    changed.push(`--${name} (${show(given)}, the run has ${show(had)})`);
  }
  return changed;
}

const KIND_SHAPES: Record<AnyOptionSpec['kind'], Shape> = { number: finiteNumber, boolean, choice: string, file: nullable(string) };
const optionShapes: Record<string, Shape> = {};
for (const key of TRAIN_OPTION_KEYS) optionShapes[key] = optional(KIND_SHAPES[TRAIN_OPTIONS[key].kind]);

/** A column: an index or a header name. */
const column: Shape = (v, p) => (typeof v === 'string' ? undefined : integer()(v, p)?.replace('an integer', 'an integer or a header name'));

const RUN_CONFIG_SHAPE: Shape = object({
  out: string,
  data: string,
  dev: nullable(string),
  embeddingsExtend: arrayOf(string),
  tokenColumn: nullable(column),
  tagColumn: nullable(column),
  commentPrefix: optional(nullable(string)),
  encoding: optional(oneOf(...TEXT_ENCODINGS)),
  dataFormat: optional(oneOf(...DATA_FORMAT_CHOICES)),
  sentenceColumn: optional(nullable(column)),
  delimiter: optional(nullable(string)),
  offsets: optional(nullable(oneOf('codepoint', 'utf16'))),
  tagNames: optional(nullable(string)),
  gazetteers: optional(arrayOf(string)),
  gazetteerCase: optional(boolean),
  featureColumns: optional(arrayOf(column)),
  embeddingDimGiven: boolean,
  checkpointEvery: integer(0),
  options: object(optionShapes),
  fingerprints: optional(arrayOf(object({ file: string, size: integer(0), sha256: string }))),
});

/** Checks a configuration read from a checkpoint; returns what is wrong ("config.data must be a string, got 42"), or undefined. */
export function runConfigProblem(json: unknown): string | undefined {
  return RUN_CONFIG_SHAPE(json, 'config');
}
