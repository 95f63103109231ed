/**
 * A port of conlleval.pl (CoNLL-2000 shared task evaluation script, version
 * 2004-01-26, Erik Tjong Kim Sang) that gives the same numbers and prints the
 * same report, byte for byte.
 *
 * Counting is a literal port of the script's main loop (rather than comparing
 * span sets) so that even odd input — ill-formed sequences, unknown prefixes —
 * is scored exactly as the reference scores it.
 */
import { SchemeDetection, TagStyle, chooseScheme, convertTags, fromSuffixStyle, tagStyle } from '../data/tagScheme';
import { DataError } from '../errors';
import { TagScheme } from '../types';
import { endOfChunk, parseTag, startOfChunk } from '../data/chunks';

/** What conlleval accumulates for one chunk type. */
export interface TypeCounts {
  /** Chunks of this type in the gold tags (`%foundCorrect`). */
  gold: number;
  /** Chunks of this type in the predicted tags (`%foundGuessed`). */
  guessed: number;
  /** Predicted chunks matching a gold chunk exactly, type included (`%correctChunk`). */
  correct: number;
}

/** Everything conlleval accumulates over a file. */
export interface ConllevalCounts {
  /** Tokens, not counting sentence boundaries (`$tokenCounter`). */
  tokens: number;
  /** Tokens whose predicted tag equals the gold tag (`$correctTags`). */
  correctTags: number;
  /** Gold chunks (`$foundCorrect`). */
  goldChunks: number;
  /** Predicted chunks (`$foundGuessed`). */
  guessedChunks: number;
  /** Correct predicted chunks (`$correctChunk`). */
  correctChunks: number;
  /** Per chunk type; a type is present once it has a gold or predicted chunk. */
  byType: Map<string, TypeCounts>;
}

/** A sentence with gold and predicted tags, as evaluation reads it. */
export interface ScoredSentence {
  tokens: string[];
  gold: string[];
  pred: string[];
  /** 1-based line of each token in the file it was read from, when read from one. */
  lines?: number[];
  /** The tags as the file wrote them, where `gold` and `pred` are rewritten (suffix style read as prefix style), for messages. */
  written?: { gold: string[]; pred: string[] };
}

/** One input line as conlleval sees it: a token with two tags, or a sentence boundary. */
type Row = { boundary: true } | { boundary: false; token: string; gold: string; pred: string; line?: number };

const BOUNDARY: Row = { boundary: true };

/** conlleval's `-X-`: a line whose first field is this separates sentences. */
const BOUNDARY_FIELD = '-X-';

/** A tag as conlleval's main loop holds it. */
interface LoopTag {
  tag: string;
  type: string;
}

/**
 * Splits a tag like conlleval, including its `$type ? $type : ""`, by which
 * Perl turns the (false) type "0" into "" (`B-0` is typeless to conlleval).
 */
function loopTag(tag: string): LoopTag {
  const { prefix, type } = parseTag(tag);
  return { tag: prefix, type: type === '0' ? '' : type };
}

const OUTSIDE: LoopTag = { tag: 'O', type: '' };

function typeCounts(counts: ConllevalCounts, type: string): TypeCounts {
  let entry = counts.byType.get(type);
  if (entry === undefined) {
    entry = { gold: 0, guessed: 0, correct: 0 };
    counts.byType.set(type, entry);
  }
  return entry;
}

/**
 * The tags conlleval's chunk rules are given for a sentence tagged in
 * `scheme`. They were written for IOB1, IOB2, IOE1 and IOE2 and read those as
 * they are; they know no S- (`S-X S-X` would be one chunk) nor L-/U-, so IOBES
 * and BILOU are rewritten to IOB2 first.
 */
function conllevalTags(tags: readonly string[], scheme?: TagScheme): readonly string[] {
  return scheme === 'iobes' || scheme === 'bilou' ? convertTags(tags, scheme, 'iob2') : tags;
}

/**
 * Runs conlleval's main loop over rows; variable names follow the Perl.
 * Chunks are counted on each sentence's `conllevalTags`, token accuracy on
 * the tags as they are, which is what conlleval (and seqeval) compare.
 */
function countRows(rows: readonly Row[], scheme?: TagScheme): ConllevalCounts {
  const chunkRows = scheme === 'iobes' || scheme === 'bilou' ? mapSentences(rows, (tags) => conllevalTags(tags, scheme)) : rows;
  const counts: ConllevalCounts = {
    tokens: 0,
    correctTags: 0,
    goldChunks: 0,
    guessedChunks: 0,
    correctChunks: 0,
    byType: new Map(),
  };
  let lastCorrect = OUTSIDE;
  let lastGuessed = OUTSIDE;
  let inCorrect = false; // "currently processed chunk is correct until now"

  const countCorrect = (type: string): void => {
    counts.correctChunks++;
    typeCounts(counts, type).correct++;
  };

  chunkRows.forEach((row, r) => {
    // "sentence breaks should always be counted as out of chunk": conlleval
    // replaces a boundary line by `-X- O O` and forces the guess to O.
    const correct = row.boundary ? OUTSIDE : loopTag(row.gold);
    const guessed = row.boundary ? OUTSIDE : loopTag(row.pred);

    const correctEnds = endOfChunk(lastCorrect.tag, correct.tag, lastCorrect.type, correct.type);
    const guessedEnds = endOfChunk(lastGuessed.tag, guessed.tag, lastGuessed.type, guessed.type);
    if (inCorrect) {
      if (correctEnds && guessedEnds && lastGuessed.type === lastCorrect.type) {
        inCorrect = false;
        countCorrect(lastCorrect.type);
      } else if (correctEnds !== guessedEnds || guessed.type !== correct.type) {
        inCorrect = false;
      }
    }

    const correctStarts = startOfChunk(lastCorrect.tag, correct.tag, lastCorrect.type, correct.type);
    const guessedStarts = startOfChunk(lastGuessed.tag, guessed.tag, lastGuessed.type, guessed.type);
    if (correctStarts && guessedStarts && guessed.type === correct.type) inCorrect = true;
    if (correctStarts) {
      counts.goldChunks++;
      typeCounts(counts, correct.type).gold++;
    }
    if (guessedStarts) {
      counts.guessedChunks++;
      typeCounts(counts, guessed.type).guessed++;
    }
    const raw = rows[r];
    if (!raw.boundary) {
      const [rawCorrect, rawGuessed] = [loopTag(raw.gold), loopTag(raw.pred)];
      if (rawCorrect.tag === rawGuessed.tag && rawGuessed.type === rawCorrect.type) counts.correctTags++;
      counts.tokens++;
    }

    lastCorrect = correct;
    lastGuessed = guessed;
  });
  // End of input closes a chunk that is still correct.
  if (inCorrect) countCorrect(lastCorrect.type);
  return counts;
}

/** Rows for sentences: their tokens, each sentence followed by a boundary (a blank line). */
function* sentenceRows(pairs: readonly { gold: readonly string[]; pred: readonly string[] }[]): Generator<Row> {
  for (const { gold, pred } of pairs) {
    for (let i = 0; i < gold.length; i++) yield { boundary: false, token: '', gold: gold[i], pred: pred[i] };
    yield BOUNDARY;
  }
}

/**
 * Counts gold against predicted tags, one pair per sentence, as conlleval
 * would for a file with a blank line after each sentence; chunks in IOBES and
 * BILOU are counted after rewriting both sides to IOB2 (see conllevalTags).
 */
export function evaluateSequences(
  pairs: readonly { gold: readonly string[]; pred: readonly string[] }[],
  scheme?: TagScheme,
): ConllevalCounts {
  pairs.forEach(({ gold, pred }, i) => {
    if (gold.length !== pred.length) {
      throw new Error(`sentence ${i}: ${gold.length} gold tags but ${pred.length} predicted tags`);
    }
  });
  return countRows([...sentenceRows(pairs)], scheme);
}

/** Rewrites each sentence (the rows between boundaries), both columns, with `f`; row for row. */
function mapSentences(rows: readonly Row[], f: (tags: readonly string[]) => readonly string[]): Row[] {
  const out: Row[] = [];
  let sentence: Array<{ token: string; gold: string; pred: string }> = [];
  const flush = () => {
    const gold = f(sentence.map((r) => r.gold));
    const pred = f(sentence.map((r) => r.pred));
    gold.forEach((g, i) => out.push({ boundary: false, token: sentence[i].token, gold: g, pred: pred[i] }));
    sentence = [];
  };
  for (const row of rows) {
    if (row.boundary) {
      flush();
      out.push(row);
    } else {
      sentence.push(row);
    }
  }
  flush();
  return out;
}

/** Fields of a line: runs of spaces or tabs separate them (conlleval itself splits on single spaces). */
function fieldsOf(line: string): string[] {
  const trimmed = line.replace(/^[ \t]+|[ \t\r]+$/g, '');
  return trimmed === '' ? [] : trimmed.split(/[ \t]+/);
}

/**
 * Reads text in conlleval's input layout — `token ... gold predicted` per
 * line; the last field is the prediction, the one before it the gold tag; a
 * blank line or a line whose first field is `-X-` separates sentences. Any
 * other line is a token, `-DOCSTART-` lines included, exactly as in
 * conlleval. Like conlleval, every non-blank line (`-X-` lines too) must have
 * as many fields as the first non-blank one. Accepts CRLF line ends and a
 * UTF-8 byte-order mark.
 */
function readRows(text: string, file: string): Row[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the newline ending the last line
  if (lines.length === 0) throw new DataError(file, undefined, 'file is empty (expected lines of: token, gold tag, predicted tag)');

  const rows: Row[] = [];
  let first: { columns: number; line: number } | undefined;
  lines.forEach((line, i) => {
    const lineNumber = i + 1;
    const fields = fieldsOf(line);
    if (fields.length === 0) {
      rows.push(BOUNDARY);
      return;
    }
    const boundary = fields[0] === BOUNDARY_FIELD;
    if (!boundary && fields.length < 2) {
      throw new DataError(file, lineNumber, `expected at least 2 columns (gold tag, predicted tag), found ${fields.length}`);
    }
    // conlleval's "unexpected number of features" check, which it applies
    // before recognising boundaries, so `-X-` lines are held to it as well.
    if (first === undefined) first = { columns: fields.length, line: lineNumber };
    else if (fields.length !== first.columns) {
      throw new DataError(
        file,
        lineNumber,
        `unexpected number of columns: found ${fields.length}, expected ${first.columns} as on line ${first.line}`,
      );
    }
    rows.push(boundary ? BOUNDARY : { boundary: false, token: fields[0], gold: fields[fields.length - 2], pred: fields[fields.length - 1], line: lineNumber });
  });
  if (!rows.some((row) => !row.boundary)) {
    throw new DataError(file, undefined, 'no tokens found (only blank lines and -X- sentence boundaries)');
  }
  return rows;
}

/**
 * Counts a file in conlleval's layout (see readRows) as conlleval does; in
 * IOBES and BILOU, chunks are counted on each sentence rewritten to IOB2 (see
 * conllevalTags).
 */
export function parseConllevalText(text: string, file: string, scheme?: TagScheme): ConllevalCounts {
  return countRows(readRows(text, file), scheme);
}

/** The sentences of a file in conlleval's layout (same reading and errors as parseConllevalText), for reports beyond conlleval's. */
export function readConllevalSentences(text: string, file: string): ScoredSentence[] {
  return sentencesOf(readRows(text, file));
}

/** How the tags of a prediction file are read. */
export interface TagReading {
  /** The tag scheme; undefined detects it from the gold column (chooseScheme). */
  scheme?: TagScheme;
  /** The tags carry their prefix last (`PER-B`, seqeval's `suffix=True`): read them as `B-PER`. */
  suffix?: boolean;
}

/** A prediction file, read and counted. */
export interface ScoredFile {
  counts: ConllevalCounts;
  /** The sentences, tags in prefix style (rewritten when read with `suffix`). */
  sentences: ScoredSentence[];
  scheme: TagScheme;
  /** Why the scheme is what it is, when it was detected. */
  detection?: SchemeDetection;
  /** How each column's tags look as written, so a caller can warn of a missing or needless `suffix`. */
  style: { gold: TagStyle; pred: TagStyle };
}

/** Reads a file in conlleval's layout once: conlleval's counts, the sentences, and the scheme. */
export function scoreConllevalFile(text: string, file: string, reading: TagReading = {}): ScoredFile {
  const written = readRows(text, file);
  const asWritten = sentencesOf(written);
  const style = { gold: tagStyle(asWritten.map((s) => s.gold)), pred: tagStyle(asWritten.map((s) => s.pred)) };
  const suffix = (tags: string[]) => tags.map(fromSuffixStyle);
  const rows = reading.suffix ? written.map((row) => (row.boundary ? row : { ...row, gold: fromSuffixStyle(row.gold), pred: fromSuffixStyle(row.pred) })) : written;
  const sentences = reading.suffix ? asWritten.map((s) => ({ ...s, gold: suffix(s.gold), pred: suffix(s.pred), written: { gold: s.gold, pred: s.pred } })) : asWritten;
  const detection = reading.scheme === undefined ? chooseScheme(sentences.map((s) => ({ tags: s.gold, lines: s.lines }))) : undefined;
  const scheme = reading.scheme ?? detection!.scheme;
  return { counts: countRows(rows, scheme), sentences, scheme, detection, style };
}

function sentencesOf(rows: readonly Row[]): ScoredSentence[] {
  const sentences: ScoredSentence[] = [];
  const empty = (): ScoredSentence & { lines: number[] } => ({ tokens: [], gold: [], pred: [], lines: [] });
  let current = empty();
  for (const row of [...rows, BOUNDARY]) {
    if (!row.boundary) {
      current.tokens.push(row.token);
      current.gold.push(row.gold);
      current.pred.push(row.pred);
      if (row.line !== undefined) current.lines.push(row.line);
    } else if (current.tokens.length > 0) {
      sentences.push(current);
      current = empty();
    }
  }
  return sentences;
}

/** Precision, recall and F1 as percentages (0–100), unrounded. */
export interface ChunkScores {
  precision: number;
  recall: number;
  f1: number;
}

export interface TypeMetrics extends ChunkScores {
  /** Predicted phrases of this type. */
  found: number;
  /** Gold phrases of this type. */
  gold: number;
  /** Correct predicted phrases of this type. */
  correct: number;
}

export interface OverallMetrics extends ChunkScores {
  tokens: number;
  /** Gold phrases. */
  phrases: number;
  /** Predicted phrases. */
  found: number;
  /** Correct predicted phrases. */
  correct: number;
  /** Percentage of tokens tagged correctly; 0 when there are no tokens. */
  accuracy: number;
}

export interface ConllevalMetrics {
  overall: OverallMetrics;
  /** The chunk types in conlleval's order (sorted by bytes); byType's key order may differ for numeric-looking types. */
  types: string[];
  byType: Record<string, TypeMetrics>;
}

/** conlleval's percentages; where it would divide by zero the value is 0. */
function scores(correct: number, guessed: number, gold: number): ChunkScores {
  const precision = guessed > 0 ? (100 * correct) / guessed : 0;
  const recall = gold > 0 ? (100 * correct) / gold : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** Compares strings as Perl's `sort` does: by their UTF-8 bytes. */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The per-type lines conlleval prints, in its order: `sort(keys %foundCorrect,
 * keys %foundGuessed)` with adjacent duplicates dropped — except that its test
 * `not($lastType)` is true after the (false) empty type, so a typeless chunk
 * type '' (from tags like `B`) is listed twice when both sides have one.
 */
function reportTypes(counts: ConllevalCounts): string[] {
  const keys: string[] = [];
  for (const [type, c] of counts.byType) if (c.gold > 0) keys.push(type);
  for (const [type, c] of counts.byType) if (c.guessed > 0) keys.push(type);
  keys.sort(byBytes);
  const types: string[] = [];
  let last: string | undefined;
  for (const type of keys) {
    const lastIsTrue = last !== undefined && last !== '' && last !== '0';
    if (!lastIsTrue || last !== type) types.push(type);
    last = type;
  }
  return types;
}

/** The numbers conlleval reports, unrounded. */
export function metrics(counts: ConllevalCounts): ConllevalMetrics {
  const overall: OverallMetrics = {
    tokens: counts.tokens,
    phrases: counts.goldChunks,
    found: counts.guessedChunks,
    correct: counts.correctChunks,
    accuracy: counts.tokens > 0 ? (100 * counts.correctTags) / counts.tokens : 0,
    ...scores(counts.correctChunks, counts.guessedChunks, counts.goldChunks),
  };
  const types = [...new Set(reportTypes(counts))];
  // No prototype, so a type named like `__proto__` is an ordinary key.
  const byType: Record<string, TypeMetrics> = Object.create(null);
  for (const type of types) {
    const c = counts.byType.get(type) ?? { gold: 0, guessed: 0, correct: 0 };
    byType[type] = { ...scores(c.correct, c.guessed, c.gold), found: c.guessed, gold: c.gold, correct: c.correct };
  }
  return { overall, types, byType };
}

/**
 * `printf "%.2f"` as Perl does it (through C): the exact binary value rounded,
 * exact ties to even. `toFixed` rounds the exact value too but breaks ties
 * upward, so 3.125 (1 of 32 tokens) would print 3.13 instead of 3.12. A double
 * is an exact tie at the third decimal only when it is an odd multiple of 1/8.
 */
export function formatFixed2(x: number): string {
  const magnitude = Math.abs(x);
  const eighths = magnitude * 8;
  if (!(Number.isInteger(eighths) && eighths % 2 === 1)) return x.toFixed(2);
  const below = Math.floor(magnitude * 100); // exact: magnitude * 100 = (odd * 12.5)
  const hundredths = below % 2 === 0 ? below : below + 1;
  return (x < 0 ? '-' : '') + (hundredths / 100).toFixed(2);
}

/** `%6.2f` */
function percent(x: number): string {
  return formatFixed2(x).padStart(6);
}

/** `%17s`: Perl pads byte strings, so the width counts UTF-8 bytes. */
function typeColumn(type: string): string {
  return ' '.repeat(Math.max(0, 17 - Buffer.byteLength(type, 'utf8'))) + type;
}

/** The text conlleval.pl prints (without options) for these counts, byte for byte. */
export function formatConllevalReport(counts: ConllevalCounts): string {
  const { overall, byType } = metrics(counts);
  let report = `processed ${overall.tokens} tokens with ${overall.phrases} phrases; found: ${overall.found} phrases; correct: ${overall.correct}.\n`;
  // conlleval prints the accuracy line only when it has seen tokens.
  if (overall.tokens > 0) {
    report +=
      `accuracy: ${percent(overall.accuracy)}%; precision: ${percent(overall.precision)}%; ` +
      `recall: ${percent(overall.recall)}%; FB1: ${percent(overall.f1)}\n`;
  }
  for (const type of reportTypes(counts)) {
    const m = byType[type];
    report +=
      `${typeColumn(type)}: precision: ${percent(m.precision)}%; recall: ${percent(m.recall)}%; ` +
      `FB1: ${percent(m.f1)}  ${m.found}\n`;
  }
  return report;
}

/** Metrics rounded to 2 decimals the way the report prints them, ready for `JSON.stringify`. */
export function conllevalJson(counts: ConllevalCounts): ConllevalMetrics {
  const round = (x: number): number => Number(formatFixed2(x));
  const roundScores = <T extends ChunkScores>(m: T): T => ({ ...m, precision: round(m.precision), recall: round(m.recall), f1: round(m.f1) });
  const { overall, types, byType } = metrics(counts);
  const rounded: Record<string, TypeMetrics> = Object.create(null);
  for (const type of types) rounded[type] = roundScores(byType[type]);
  return { overall: { ...roundScores(overall), accuracy: round(overall.accuracy) }, types, byType: rounded };
}
