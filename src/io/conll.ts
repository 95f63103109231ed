/**
 * Reading and writing CoNLL-style files: one token per line, columns separated
 * by spaces and/or tabs, blank lines between sentences, `-DOCSTART-` lines
 * between documents. Lines starting with a comment prefix
 * (`--comment-prefix '#'`) are skipped: they neither hold tokens nor end a
 * sentence, though they count in line numbers.
 *
 * Files are UTF-8 unless `encoding: 'latin1'` says ISO-8859-1 (each byte is
 * the code point of the same value, as Buffer's 'latin1' and Python's
 * latin-1 decode it; not windows-1252, which WHATWG's TextDecoder('latin1')
 * would give: bytes 0x80-0x9F are C1 controls here, not € ‘ ’).
 *
 * Tag strings are NOT validated here (the tag-scheme module does that, using
 * `Sentence.lines` to point at the offending line).
 */
import { DataError, UsageError } from '../errors';
import { MAX_LINE_BYTES, formatBytes, formatCount } from '../limits';
import type { Corpus, Sentence } from '../types';
import type { Line, TextEncoding } from './lines';
import { readCorpusText } from './corpusFile';

export interface ConllOptions {
  /** 0-based column holding the token; negative counts from the end. Default 0. */
  tokenColumn?: number;
  /** 0-based column holding the tag; negative counts from the end (-1 = last). Default -1. */
  tagColumn?: number;
  /**
   * Default true: every token line must have a tag column. When false
   * (prediction input) a 1-column file is accepted and each sentence gets
   * `tags: []`; tags that are present are still read.
   */
  requireTags?: boolean;
  /**
   * The most tokens a sentence may have (a DataError at the line past it);
   * default none. Readers for tagging pass MAX_TAGGED_TOKENS.
   */
  maxSentenceTokens?: number;
  /** Lines starting with this (at their very first character) are comments and skipped; default none. */
  commentPrefix?: string;
  /** How readConllFile decodes the file's bytes; default 'utf8'. Streams are decoded by readLines. */
  encoding?: TextEncoding;
  /** Columns read as token features (`Sentence.featureValues`), 0-based, negative counting from the end; default none. */
  featureColumns?: readonly number[];
}

export const DOCSTART = '-DOCSTART-';

const COLUMN_SEPARATOR = /[ \t]+/;
const LINE_BREAK = /\r\n|\r|\n/;
const INVISIBLE_LINE = /^[\s\uFEFF\u200B]*$/u;

function checkColumnOption(name: string, value: number): void {
  if (!Number.isInteger(value)) {
    throw new UsageError(`${name} must be an integer, got ${value}`);
  }
}

/** C0 control characters; tab separates columns and line breaks end lines, so none belongs in a token or tag. */
const CONTROL = /[\u0000-\u001F]/;

/**
 * Refuses a token or tag holding a control character (a NUL from a binary
 * file or a broken export would otherwise become part of the vocabulary, and
 * of every file the token is written to).
 */
function checkPrintable(file: string, lineNo: number, what: 'token' | 'tag' | 'feature value', value: string): void {
  const found = CONTROL.exec(value);
  if (found === null) return;
  const code = `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  throw new DataError(file, lineNo, `the ${what} holds control character ${code}${code === 'U+0000' ? ' (NUL)' : ''}; tokens and tags must be text without control characters`);
}

/** Resolve a possibly negative column index against a line of `n` columns; -1 when out of range. */
function resolveColumn(column: number, n: number): number {
  const index = column < 0 ? n + column : column;
  return index >= 0 && index < n ? index : -1;
}

/** Layout fixed by the first token line of a file. */
interface Layout {
  columns: number;
  firstLine: number;
  /** Whether the first line starts with '#' (a comment, if the column count breaks). */
  firstHash: boolean;
  tokenIndex: number;
  /** -1 when the file has no tag column (only possible with requireTags false). */
  tagIndex: number;
  /** The feature columns' indexes, in the order asked. */
  featureIndexes: number[];
}

/**
 * CoNLL parsing one line at a time, so that a whole text (parseConll) and a
 * stream (readConllStream, for `ner predict`) follow the same rules. The
 * first token line fixes the column layout; every later one must match it.
 */
export class ConllLineReader {
  private readonly tokenColumn: number;
  private readonly tagColumn: number;
  private readonly requireTags: boolean;
  private readonly maxSentenceTokens: number;
  private readonly commentPrefix?: string;
  private readonly featureColumns: readonly number[];
  private layout?: Layout;
  private current: Sentence = { tokens: [], tags: [], lines: [] };
  private lineNo = 0;
  /** The document being read: undefined until the first `-DOCSTART-` line. */
  private document?: number;

  constructor(
    private readonly file: string,
    options: ConllOptions = {},
  ) {
    this.tokenColumn = options.tokenColumn ?? 0;
    this.tagColumn = options.tagColumn ?? -1;
    this.requireTags = options.requireTags ?? true;
    this.maxSentenceTokens = options.maxSentenceTokens ?? Infinity;
    this.commentPrefix = options.commentPrefix;
    if (this.commentPrefix === '') throw new UsageError('--comment-prefix must not be empty');
    checkColumnOption('--token-column', this.tokenColumn);
    checkColumnOption('--tag-column', this.tagColumn);
    this.featureColumns = options.featureColumns ?? [];
    for (const c of this.featureColumns) checkColumnOption('--feature-columns', c);
  }

  /**
   * Reads the next line (without its line break); returns the sentence it
   * ends, if any. The file's byte-order mark is the caller's to drop (readLines
   * and parseConll do): a U+FEFF that reaches here is text.
   */
  push(raw: string): Sentence | undefined {
    const lineNo = ++this.lineNo;
    // UTF-8 takes at least one byte per UTF-16 unit: only a line this long can be too long.
    if (raw.length > MAX_LINE_BYTES / 3 && Buffer.byteLength(raw) > MAX_LINE_BYTES) {
      throw new DataError(this.file, lineNo, `line longer than ${formatBytes(MAX_LINE_BYTES)}, the most ner reads as one line`);
    }
    if (this.commentPrefix !== undefined && raw.startsWith(this.commentPrefix)) return undefined;
    const line = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    // A line of nothing but invisible characters (a stray BOM or zero-width space, as in WNUT-17's dev set) is blank.
    if (INVISIBLE_LINE.test(line)) return this.finish();
    const cols = line.split(COLUMN_SEPARATOR);
    if (cols[0] === DOCSTART) {
      const done = this.finish();
      this.document = (this.document ?? -1) + 1;
      return done;
    }
    const n = cols.length;
    const file = this.file;
    // As a prefix would be matched: at the line's first character.
    const hash = this.commentPrefix === undefined && raw.startsWith('#');
    if (this.layout === undefined) {
      try {
        this.layout = establishLayout(file, lineNo, n, this.tokenColumn, this.tagColumn, this.requireTags, hash);
        // Input to tag may lack the tag column: a feature column where the tag would be is the feature.
        if (!this.requireTags && this.featureColumns.some((c) => resolveColumn(c, n) === this.layout!.tagIndex)) this.layout.tagIndex = -1;
        this.layout.featureIndexes = featureIndexes(file, lineNo, n, this.featureColumns, this.layout);
      } catch (err) {
        if (hash && err instanceof DataError) throw new DataError(file, lineNo, `${err.reason} ${commentHint('this line')}`);
        throw err;
      }
    } else if (n !== this.layout.columns) {
      // A '#' line on either side is likely a comment that set or broke the layout.
      const hint = hash ? ` ${commentHint('this line')}` : this.layout.firstHash ? ` ${commentHint(`line ${this.layout.firstLine}`)}` : '';
      if (this.layout.tagIndex >= 0 && n < 2) {
        throw new DataError(file, lineNo, `expected at least 2 columns (token and tag), found ${n}${hint}`);
      }
      const columns = this.layout.columns;
      throw new DataError(file, lineNo, `expected ${columns} column${columns === 1 ? '' : 's'} like line ${this.layout.firstLine}, found ${n}${hint}`);
    }
    const token = cols[this.layout.tokenIndex];
    if (token === undefined || token === '') throw new DataError(file, lineNo, 'empty token');
    checkPrintable(file, lineNo, 'token', token);
    if (this.current.tokens.length >= this.maxSentenceTokens) {
      const from = this.current.lines[0];
      throw new DataError(file, lineNo, `the sentence from line ${from} has more than ${formatCount(this.maxSentenceTokens)} tokens, the most ner tags as one sentence (docs/formats.md, Limits)`);
    }
    this.current.tokens.push(token);
    this.current.lines.push(lineNo);
    if (this.layout.tagIndex >= 0) {
      const tag = cols[this.layout.tagIndex];
      if (tag === undefined || tag === '') throw new DataError(file, lineNo, 'empty tag');
      checkPrintable(file, lineNo, 'tag', tag);
      this.current.tags.push(tag);
    }
    if (this.featureColumns.length > 0) {
      const values = this.layout.featureIndexes.map((i) => cols[i]);
      for (const v of values) checkPrintable(file, lineNo, 'feature value', v);
      (this.current.featureValues ??= []).push(values);
    }
    return undefined;
  }

  /**
   * The feature columns as 0-based indexes of the file's columns (negative
   * ones resolved against its first token line), once that line is read: what
   * a model keeps, so that input without the tag column reads the same columns.
   */
  featureColumnsRead(): number[] {
    return this.layout?.featureIndexes ?? this.featureColumns.filter((c) => c >= 0);
  }

  /** Ends the sentence being read, returning it if it has tokens (call at the end of input). */
  finish(): Sentence | undefined {
    if (this.current.tokens.length === 0) return undefined;
    const done = this.current;
    if (this.document !== undefined) done.document = this.document;
    this.current = { tokens: [], tags: [], lines: [] };
    return done;
  }
}

/**
 * Parse CoNLL text. `file` is only used in error messages.
 * Throws `DataError` (`file:line: reason`) on malformed input or when no token is found.
 */
export function parseConll(text: string, file: string, options: ConllOptions = {}): Corpus {
  const reader = new ConllLineReader(file, options);
  const sentences: Sentence[] = [];
  // A byte-order mark counts only at the very start of the file.
  for (const line of text.replace(/^\uFEFF/, '').split(LINE_BREAK)) {
    const sentence = reader.push(line);
    if (sentence !== undefined) sentences.push(sentence);
  }
  const last = reader.finish();
  if (last !== undefined) sentences.push(last);
  if (sentences.length === 0) throw new DataError(file, undefined, 'no sentences found');
  const corpus: Corpus = { file, sentences };
  if ((options.featureColumns ?? []).length > 0) corpus.featureColumns = reader.featureColumnsRead();
  return corpus;
}

/** Sentences of a CoNLL stream as they complete (see readLines for decoding). */
export async function* readConllStream(lines: AsyncIterable<Line>, file: string, options: ConllOptions = {}): AsyncGenerator<Sentence> {
  const reader = new ConllLineReader(file, options);
  let any = false;
  for await (const { text } of lines) {
    const sentence = reader.push(text);
    if (sentence !== undefined) {
      any = true;
      yield sentence;
    }
  }
  const last = reader.finish();
  if (last !== undefined) yield last;
  else if (!any) throw new DataError(file, undefined, 'no sentences found');
}

/** The hint for a column-count error at or after a line starting with '#'. */
function commentHint(which: string): string {
  return `(${which} starts with '#': if such lines are comments, give --comment-prefix '#')`;
}

/** The indexes of the feature columns in a line of `n` columns: each in range, and neither the token's nor the tag's. */
function featureIndexes(file: string, lineNo: number, n: number, columns: readonly number[], layout: Layout): number[] {
  return columns.map((column) => {
    const index = resolveColumn(column, n);
    if (index < 0) throw new DataError(file, lineNo, `feature column ${column} is out of range: line has ${n} column${n === 1 ? '' : 's'}`);
    if (index === layout.tokenIndex || index === layout.tagIndex) {
      throw new DataError(file, lineNo, `feature column ${column} is column ${index} of ${n}, the ${index === layout.tokenIndex ? 'token' : 'tag'} column`);
    }
    return index;
  });
}

function establishLayout(
  file: string,
  lineNo: number,
  n: number,
  tokenColumn: number,
  tagColumn: number,
  requireTags: boolean,
  firstHash: boolean,
): Layout {
  if (requireTags && n < 2) {
    throw new DataError(file, lineNo, `expected at least 2 columns (token and tag), found ${n}`);
  }
  const plural = n === 1 ? '' : 's';
  const tokenIndex = resolveColumn(tokenColumn, n);
  if (tokenIndex < 0) {
    throw new DataError(file, lineNo, `--token-column ${tokenColumn} is out of range: line has ${n} column${plural}`);
  }
  // Without required tags, a 1-column file simply has no tags.
  if (!requireTags && n === 1) {
    return { columns: n, firstLine: lineNo, firstHash, tokenIndex, tagIndex: -1, featureIndexes: [] };
  }
  const tagIndex = resolveColumn(tagColumn, n);
  if (tagIndex < 0) {
    throw new DataError(file, lineNo, `--tag-column ${tagColumn} is out of range: line has ${n} column${plural}`);
  }
  if (tagIndex === tokenIndex) {
    throw new DataError(
      file,
      lineNo,
      `--token-column ${tokenColumn} and --tag-column ${tagColumn} both select column ${tokenIndex} of ${n}`,
    );
  }
  return { columns: n, firstLine: lineNo, firstHash, tokenIndex, tagIndex, featureIndexes: [] };
}

/**
 * Read a CoNLL file (UTF-8, a BOM tolerated; or ISO-8859-1 with
 * `encoding: 'latin1'`). `path` is reported as given in errors.
 */
export function readConllFile(path: string, options: ConllOptions = {}): Corpus {
  return parseConll(readCorpusText(path, 'CoNLL', options.encoding), path, options);
}

/**
 * Format rows of columns: one row per line, columns joined by a single space,
 * one blank line between sentences, and a trailing newline. Empty sentences
 * are skipped. This is the layout conlleval reads (`token gold pred`).
 */
export function formatConllColumns(sentences: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>): string {
  const blocks: string[] = [];
  for (const rows of sentences) {
    if (rows.length === 0) continue;
    blocks.push(rows.map((cols) => cols.join(' ')).join('\n'));
  }
  return blocks.length === 0 ? '' : blocks.join('\n\n') + '\n';
}

/**
 * Format tagged sentences as `token TAG` lines. Sentences with `tags: []`
 * are written as bare tokens. Throws when tags and tokens differ in length.
 */
export function formatConll(sentences: ReadonlyArray<{ tokens: readonly string[]; tags: readonly string[] }>): string {
  return formatConllColumns(
    sentences.map((s, i) => {
      if (s.tags.length !== 0 && s.tags.length !== s.tokens.length) {
        throw new Error(`formatConll: sentence ${i} has ${s.tokens.length} tokens but ${s.tags.length} tags`);
      }
      return s.tokens.map((tok, j) => (s.tags.length === 0 ? [tok] : [tok, s.tags[j]]));
    }),
  );
}
