/**
 * Reading a tagged corpus from CSV (or TSV with a header): one token per
 * row, the token and tag in named or numbered columns. Many corpora ship
 * this way rather than as CoNLL (Kaggle's GMB `ner_dataset.csv`, spreadsheet
 * exports), and CSV's quoting rules (commas, quotes and line breaks inside a
 * field) are too easy to get wrong by hand, so csv-parse splits the records
 * and this module only decides what they mean.
 *
 * Sentences are formed in one of two ways: by a sentence column (a non-empty
 * cell starts a new sentence, an empty cell continues the one above, as in
 * GMB where `Sentence: 1` is written on a sentence's first row only), or,
 * without one, by blank rows. Either way a blank row ends a sentence.
 *
 * The result is the same `Corpus` parseConll returns, with `Sentence.lines`
 * holding the 1-based line where each token's record starts (a quoted field
 * may span lines), so that later errors and tag-scheme warnings name
 * `file:line` as they do for CoNLL.
 */
import { parse, type CastingContext } from 'csv-parse/sync';
import { DataError, OptionError } from '../errors';
import { formatCount } from '../limits';
import { readCorpusText } from './corpusFile';
import type { Corpus, Sentence } from '../types';

export interface CsvCorpusOptions {
  /** Header name or 0-based index of the token column (a negative index counts from the end). */
  tokenColumn: string | number;
  /** Header name or index of the tag column; absent for prediction input (each sentence gets `tags: []`). */
  tagColumn?: string | number;
  /**
   * Header name or index of a column that groups rows into sentences: a
   * non-empty cell starts a new sentence (unless it repeats the cell that
   * started the current one, for files that write the id on every row), an
   * empty cell continues the one above. Absent: blank rows separate sentences.
   */
  sentenceColumn?: string | number;
  /** Field delimiter: one character, not a quote or line break. Default ','; '\t' for TSV with a header. */
  delimiter?: string;
  /** How the bytes are decoded: strict UTF-8 (default) or Latin-1 (ISO-8859-1). */
  encoding?: 'utf8' | 'latin1';
  /** The most tokens a sentence may have (a DataError at the row past it); default none. */
  maxSentenceTokens?: number;
  /** Header names or indexes of columns read as token features (`Sentence.featureValues`); default none. */
  featureColumns?: ReadonlyArray<string | number>;
}

/** One CSV record: its cells and the 1-based line where it starts. */
interface Row {
  cells: string[];
  line: number;
}

/** The columns a file's header resolves the options to (-1: not used). */
interface Columns {
  count: number;
  token: number;
  tag: number;
  sentence: number;
  features: number[];
}

/**
 * Control characters (C0, DEL, C1), and the space: what a CoNLL file could
 * not hold inside a token or tag (NBSP and other Unicode spaces it can).
 */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
const C1 = /[\u0080-\u009F]/;
const SPACE = ' ';

/**
 * Read a CSV corpus file. `file` is reported as given in errors. Throws
 * `DataError` (`file:line: reason`) for a missing, unreadable, undecodable or
 * malformed file.
 */
export function readCsvCorpus(file: string, options: CsvCorpusOptions): Corpus {
  checkOptions(options);
  return parseCsvCorpus(readCorpusText(file, 'CSV', options.encoding), file, options);
}

/**
 * Parse CSV text into a corpus. `file` is only used in error messages. The
 * first record that is not blank is the header; a byte-order mark at the
 * start is dropped.
 */
export function parseCsvCorpus(text: string, file: string, options: CsvCorpusOptions): Corpus {
  checkOptions(options);
  const records = splitRecords(text, file, options.delimiter ?? ',');
  // The header is the first record that is not blank.
  const start = records.findIndex((row) => !isBlank(row));
  if (start < 0) throw new DataError(file, undefined, 'empty file, expected a header row and token rows');
  const header = records[start];
  const rows = records.slice(start + 1);
  const columns = resolveColumns(file, header, options);
  const sentences = groupSentences(file, header, rows, columns, options.maxSentenceTokens ?? Infinity);
  if (sentences.length === 0) throw new DataError(file, undefined, 'no sentences found: no token rows after the header');
  const corpus: Corpus = { file, sentences };
  // Header names as given (they find their column in any layout); indexes resolved, negative ones too.
  if ((options.featureColumns ?? []).length > 0) corpus.featureColumns = options.featureColumns!.map((c, i) => (typeof c === 'string' ? c : columns.features[i]));
  return corpus;
}

function checkOptions(options: CsvCorpusOptions): void {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || /["\r\n]/.test(delimiter)) {
    throw new OptionError('delimiter', 'must be one character other than a double quote or line break', JSON.stringify(delimiter));
  }
  if (options.encoding !== undefined && options.encoding !== 'utf8' && options.encoding !== 'latin1') {
    throw new OptionError('encoding', "must be 'utf8' or 'latin1'", options.encoding);
  }
  if (options.tokenColumn === undefined) throw new OptionError('tokenColumn', 'must be given (a header name or an index)', undefined);
  for (const [name, value] of [['tokenColumn', options.tokenColumn], ['tagColumn', options.tagColumn], ['sentenceColumn', options.sentenceColumn]] as const) {
    if (typeof value === 'number' && !Number.isInteger(value)) throw new OptionError(name, 'must be a header name or an integer index', value);
    if (value === '') throw new OptionError(name, 'must be a header name or an integer index', "''");
  }
}

/** 0-based offset in `bytes` of the start of every line (after \r\n, \n or a lone \r). */
function lineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) starts.push(i + 1);
  }
  return starts;
}

/** 1-based line holding byte `offset`: binary search over `starts`. */
function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/**
 * The records of `text` with the line each starts on. csv-parse's own line
 * count is off after a quoted CRLF (two lines each), so lines are found from byte offsets:
 * each record starts where the one before it ended (`bytes` after it). Field
 * counts are checked by groupSentences, so that an empty line can be a blank
 * row; csv-parse's errors become DataErrors at the record they stop in.
 */
function splitRecords(text: string, file: string, delimiter: string): Row[] {
  const bytes = Buffer.from(text, 'utf8');
  const starts = lineStarts(bytes);
  const rows: Row[] = [];
  let end = 0;
  try {
    parse(bytes, {
      bom: true,
      delimiter,
      // Any line break ends a record, as in CoNLL (csv-parse would otherwise keep to the first one it meets).
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      skip_empty_lines: false,
      on_record: (record: string[], context: CastingContext) => {
        rows.push({ cells: record, line: lineAt(starts, end) });
        // The bytes read so far, through this record's line break (at run time; its typings omit it).
        end = (context as CastingContext & { readonly bytes: number }).bytes;
        return null;
      },
    });
  } catch (err) {
    throw new DataError(file, lineAt(starts, end), describeCsvError(err));
  }
  return rows;
}

/** csv-parse's error in this project's words (its messages name its own line count). */
function describeCsvError(err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code;
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field in this record is never closed (a " with no closing ")';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a closing quote is followed by text instead of the delimiter or a line break (write a quote inside a quoted field as "")';
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'text after a closing quote (write a quote inside a quoted field as "")';
    default:
      return `not valid CSV: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** A header name for a message; one with a line break or other control character is quoted ("Wo\\nrd"). */
function shownName(cell: string): string {
  return CONTROL.test(cell) ? JSON.stringify(cell) : cell;
}

function headerNames(header: Row): string {
  return header.cells.map(shownName).join(', ');
}

/** Index of `column` (a header name or a possibly negative index) in `header`, or a DataError at the header. */
function resolveColumn(file: string, header: Row, option: string, column: string | number): number {
  const n = header.cells.length;
  if (typeof column === 'number') {
    const index = column < 0 ? n + column : column;
    if (index >= 0 && index < n) return index;
    throw new DataError(file, header.line, `${option} ${column} is out of range: the header has ${n} column${n === 1 ? '' : 's'} (${headerNames(header)})`);
  }
  const index = header.cells.indexOf(column);
  if (index < 0) throw new DataError(file, header.line, `no column '${column}' in the header: ${headerNames(header)}`);
  if (header.cells.indexOf(column, index + 1) >= 0) {
    throw new DataError(file, header.line, `column '${column}' appears more than once in the header; give ${option} as an index`);
  }
  return index;
}

function resolveColumns(file: string, header: Row, options: CsvCorpusOptions): Columns {
  const count = header.cells.length;
  const token = resolveColumn(file, header, 'tokenColumn', options.tokenColumn);
  const tag = options.tagColumn === undefined ? -1 : resolveColumn(file, header, 'tagColumn', options.tagColumn);
  const sentence = options.sentenceColumn === undefined ? -1 : resolveColumn(file, header, 'sentenceColumn', options.sentenceColumn);
  const named = (i: number): string => `column ${i} (${shownName(header.cells[i])})`;
  if (tag === token) throw new DataError(file, header.line, `the tag and token columns (--tag-column, --token-column) are both ${named(token)}`);
  if (sentence === token || (sentence >= 0 && sentence === tag)) {
    throw new DataError(file, header.line, `the sentence column (--sentence-column) is ${named(sentence)}, already the ${sentence === token ? 'token' : 'tag'} column`);
  }
  const features = (options.featureColumns ?? []).map((column) => {
    const index = resolveColumn(file, header, 'featureColumns', column);
    if (index === token || index === tag || index === sentence) {
      throw new DataError(file, header.line, `the feature column (--feature-columns) ${named(index)} is already the ${index === token ? 'token' : index === tag ? 'tag' : 'sentence'} column`);
    }
    return index;
  });
  return { count, token, tag, sentence, features };
}

/** True for a row that separates sentences: an empty line, or every cell empty. */
function isBlank(row: Row): boolean {
  return row.cells.every((cell) => cell === '');
}

/** Refuses a token or tag that a CoNLL file could not hold: a control character or a space. */
function checkCell(file: string, line: number, what: 'token' | 'tag' | 'feature value', value: string): void {
  const control = CONTROL.exec(value);
  if (control !== null) {
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    // Bytes 0x80-0x9F read as Latin-1 are C1 controls; in Windows-1252 they are quotes, dashes and the euro sign.
    const hint = C1.test(control[0]) ? ' (the file may be Windows-1252 rather than Latin-1)' : code === 'U+0000' ? ' (NUL)' : '';
    throw new DataError(file, line, `the ${what} holds control character ${code}${hint}; tokens and tags must be text without control characters`);
  }
  if (value.includes(SPACE)) {
    throw new DataError(file, line, `the ${what} ${JSON.stringify(value)} holds a space; a ${what} must be one word, as in a CoNLL file`);
  }
}

/** Rows into sentences (see the module comment); checks every row's field count and cells. */
function groupSentences(file: string, header: Row, rows: readonly Row[], columns: Columns, maxSentenceTokens: number): Sentence[] {
  const sentences: Sentence[] = [];
  let current: Sentence = { tokens: [], tags: [], lines: [] };
  /** The sentence-column cell that started `current`. */
  let currentId = '';
  const finish = (): void => {
    if (current.tokens.length > 0) sentences.push(current);
    current = { tokens: [], tags: [], lines: [] };
    currentId = '';
  };
  for (const row of rows) {
    if (isBlank(row)) {
      finish();
      continue;
    }
    const n = row.cells.length;
    if (n !== columns.count) {
      throw new DataError(file, row.line, `expected ${columns.count} fields like the header (line ${header.line}), found ${n}`);
    }
    if (columns.sentence >= 0) {
      const id = row.cells[columns.sentence];
      if (id !== '' && id !== currentId) {
        finish();
        currentId = id;
      }
    }
    const token = row.cells[columns.token];
    if (token === '') throw new DataError(file, row.line, `empty token (column ${shownName(header.cells[columns.token])})`);
    checkCell(file, row.line, 'token', token);
    if (current.tokens.length >= maxSentenceTokens) {
      throw new DataError(file, row.line, `the sentence from line ${current.lines[0]} has more than ${formatCount(maxSentenceTokens)} tokens, the most ner tags as one sentence (docs/formats.md, Limits)`);
    }
    if (columns.tag >= 0) {
      const tag = row.cells[columns.tag];
      if (tag === '') throw new DataError(file, row.line, `empty tag (column ${shownName(header.cells[columns.tag])})`);
      checkCell(file, row.line, 'tag', tag);
      current.tags.push(tag);
    }
    if (columns.features.length > 0) {
      const values = columns.features.map((i) => row.cells[i]);
      for (const v of values) checkCell(file, row.line, 'feature value', v);
      (current.featureValues ??= []).push(values);
    }
    current.tokens.push(token);
    current.lines.push(row.line);
  }
  finish();
  return sentences;
}
