/**
 * Character-offset span annotations (a text and `[start, end) label` spans,
 * as Prodigy, spaCy, doccano, BRAT and Label Studio export them) turned into
 * the token/tag sentences the trainer reads. The format readers
 * (jsonlCorpus.ts, labelStudio.ts) only find texts and spans in their files;
 * everything about turning a span into tags lives here, once.
 *
 * Offsets count Unicode code points by default, as Python (and so every tool
 * above) does; `offsets: 'utf16'` is for files made in JavaScript. An emoji
 * outside the BMP is one code point but two UTF-16 units, so code-point
 * offsets are converted before anything is sliced.
 *
 * A text is cut with the project's tokenizer (tokenize.ts) so that training
 * sees tokens the way `ner predict` will, then two rules make the spans fit:
 *  - no token straddles a span boundary: a token is cut at every span start
 *    and end inside it (`Parisian` with a span on `Paris` becomes `Paris`
 *    `ian`), and each cut is noted;
 *  - no sentence boundary falls inside a span: where splitSentences would
 *    cut inside one (`Mr. Smith` is safe, `U.S. Steel Corp. Ltd` may not
 *    be), the two sentences are merged, and the merge is noted.
 * Every span thus becomes whole tokens, tagged in IOB2 (B-X, I-X, O).
 *
 * Where the file also says what text a span covers and the offsets cover
 * something else, the offsets win and a note says so (the sign of offsets in
 * the other unit). Adjustments are notes, never silent: spaces at a span's edges are trimmed;
 * a span of nothing but spaces has no token to tag and is dropped; of two
 * overlapping spans (BIO cannot hold both) the longer is kept (a tie: the
 * one that starts first, then the one listed first). Offsets out of range,
 * empty or non-integer, or a label that is not a non-empty string, are
 * DataErrors naming `file:record`.
 *
 * `Sentence.lines` holds the 1-based record number of every token (the JSONL
 * line, or a Label Studio task's index + 1), so later checks point at the
 * record; `Sentence.document` is the record's 0-based ordinal among the
 * records read, since the sentences of one text are one document.
 */
import { DataError, OptionError } from '../errors';
import type { Corpus, Sentence } from '../types';
import { splitSentences } from './sentences';
import { tokenize, type Token } from './tokenize';
import type { TextEncoding } from './lines';

/** What span offsets count. */
export type OffsetUnit = 'codepoint' | 'utf16';

export interface SpanCorpusOptions {
  /** What span offsets count: Unicode code points (default; Python, BRAT, Label Studio) or UTF-16 code units (JavaScript). */
  offsets?: OffsetUnit;
  /** Tag names for records whose tags are integer ids (`ner_tags: [3, 0, 0]`): id i is `tagNames[i]`. */
  tagNames?: readonly string[];
  /** How the files' bytes are decoded: strict UTF-8 (default) or Latin-1. */
  encoding?: TextEncoding;
}

/** A corpus read from span annotations, with what had to be adjusted on the way. */
export interface SpanCorpus extends Corpus {
  /** One line per adjustment (`file:record: ...`), for a summary; empty when nothing was adjusted. */
  notes: string[];
}

/** Refuses options out of their range (OptionError), before any file is read. */
export function checkSpanOptions(options: SpanCorpusOptions): void {
  const { offsets, tagNames } = options;
  if (offsets !== undefined && offsets !== 'codepoint' && offsets !== 'utf16') {
    throw new OptionError('offsets', "must be 'codepoint' or 'utf16'", offsets);
  }
  if (tagNames !== undefined && (!Array.isArray(tagNames) || tagNames.some((t) => typeof t !== 'string' || t === '' || /\s/u.test(t)))) {
    throw new OptionError('tagNames', 'must be tag names (non-empty strings without spaces)', JSON.stringify(tagNames));
  }
  if (options.encoding !== undefined && options.encoding !== 'utf8' && options.encoding !== 'latin1') {
    throw new OptionError('encoding', "must be 'utf8' or 'latin1'", options.encoding);
  }
}

/**
 * Document ids for a file's records, in order. A record's sentences are one
 * document; consecutive records with the same `document` value (a string
 * or number; `ner convert` writes one when a corpus has documents) are one
 * too, so document context survives formats that hold one text a record.
 */
export class RecordDocuments {
  private id = -1;
  private last: string | number | undefined;

  constructor(
    private readonly file: string,
    private readonly where: string,
  ) {}

  /** The document of record `record`, whose document value is `key` (undefined: none). */
  next(key: unknown, record: number): number {
    if (key !== undefined && typeof key !== 'string' && !(typeof key === 'number' && Number.isFinite(key))) {
      throw new DataError(this.file, record, `expected ${this.where} to be a string or a number naming the record's document, got ${show(key)}`);
    }
    if (key === undefined || key !== this.last) this.id++;
    this.last = key;
    return this.id;
  }
}

/** A span as a file gives it: offsets in the file's unit, not yet checked. */
export interface RawSpan {
  start: unknown;
  end: unknown;
  label: unknown;
  /** The text the file says the span covers (Label Studio's `value.text`, Prodigy's span `text`), when it says. */
  text?: unknown;
}

/** A checked span, in UTF-16 indices into the text. */
interface Span {
  start: number;
  end: number;
  label: string;
  /** The offsets as the file wrote them, for notes. */
  given: string;
}

/** What the tokenizer treats as space between tokens (tokenize.ts, SPACE): never part of a token. */
const SPACE_CHAR = /[\s\u0000-\u001F\u200B\uFEFF]/u;

/**
 * Sentences of one annotated text. `record` is the 1-based record number
 * (for errors, notes and `Sentence.lines`), `document` the record's ordinal.
 * With `breakAtNewlines`, a line break in the text also ends a sentence (one
 * sentence a line, as BRAT corpora are), unless it falls inside a span: then,
 * like any boundary there, the two are merged and noted.
 * Notes are appended to `notes`. `given` is the record's own tokenisation
 * (recordTokens), when it has one: then the text is one sentence, cut into
 * those tokens, as the tool that wrote it had them.
 */
export function spanSentences(
  text: string,
  rawSpans: readonly RawSpan[],
  where: { file: string; record: number; document: number; breakAtNewlines?: boolean },
  options: SpanCorpusOptions,
  notes: string[],
  given?: readonly Token[],
): Sentence[] {
  const { file, record } = where;
  const note = (what: string): void => {
    notes.push(`${file}:${record}: ${what}`);
  };
  const spans = keepNonOverlapping(checkSpans(text, rawSpans, file, record, options.offsets ?? 'codepoint', note), note);

  const tokens = cutAtBoundaries(given ?? tokenize(text), spans, text, note);
  // The span each token belongs to (index into spans), or -1.
  const owner = new Array<number>(tokens.length).fill(-1);
  let k = 0;
  tokens.forEach((t, i) => {
    while (k < spans.length && spans[k].end <= t.start) k++;
    if (k < spans.length && spans[k].start <= t.start && t.end <= spans[k].end) owner[i] = k;
  });

  const split = () => (where.breakAtNewlines === true ? splitAtLineBreaks(splitSentences(tokens), text) : splitSentences(tokens));
  const groups = given !== undefined ? [tokens] : mergeInsideSpans(split(), owner, spans, note);
  const sentences: Sentence[] = [];
  let i = 0;
  for (const group of groups) {
    const sentence: Sentence = { tokens: [], tags: [], lines: [], document: where.document };
    for (const t of group) {
      const o = owner[i];
      sentence.tokens.push(t.text);
      sentence.tags.push(o < 0 ? 'O' : `${i > 0 && owner[i - 1] === o ? 'I' : 'B'}-${spans[o].label}`);
      sentence.lines.push(record);
      i++;
    }
    sentences.push(sentence);
  }
  return sentences;
}

/**
 * A record's own tokens, where they are in `text`: each either a string,
 * found in order with only spaces before it (ner predict's `spans` output,
 * spaCy's token texts), or Prodigy's `{"start", "end"}` (offsets in the
 * file's unit). A token that is not where the list says is a DataError.
 */
export function recordTokens(text: string, list: readonly unknown[], file: string, record: number, unit: OffsetUnit): Token[] {
  const toUtf16 = unit === 'codepoint' ? codePointIndex(text) : null;
  const limit = toUtf16 === null ? text.length : toUtf16.length - 1;
  const tokens: Token[] = [];
  let at = 0;
  // Text no token holds must be space: a word left out would vanish from training unseen.
  const onlySpaceUpTo = (to: number, which: string) => {
    if ([...text.slice(at, to)].some((c) => !SPACE_CHAR.test(c))) {
      throw new DataError(file, record, `${which}: the text ${show(text.slice(at, to).trim())} before it is in no token; "tokens" must cover the text's words, in order`);
    }
  };
  list.forEach((item, n) => {
    const which = `token ${n + 1}`;
    let start: number;
    let end: number;
    if (typeof item === 'string') {
      start = item === '' ? -1 : text.indexOf(item, at);
      if (start < 0) throw new DataError(file, record, `${which} ${show(item)} is not in the text after ${JSON.stringify(text.slice(Math.max(0, at - 20), at))}; "tokens" must list the text's words in order`);
      end = start + item.length;
    } else {
      const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      if (!Number.isInteger(o.start) || !Number.isInteger(o.end) || (o.start as number) < 0 || (o.end as number) > limit || (o.start as number) >= (o.end as number)) {
        throw new DataError(file, record, `${which}: expected a string or {"start", "end"} with 0 <= start < end <= ${limit} (${offsetWords(unit)}), got ${show(item)}`);
      }
      start = toUtf16 === null ? (o.start as number) : toUtf16[o.start as number];
      end = toUtf16 === null ? (o.end as number) : toUtf16[o.end as number];
      if (toUtf16 === null && (insidePair(text, start) || insidePair(text, end))) {
        throw new DataError(file, record, `${which} ${show(item)}: an offset falls inside a surrogate pair (an emoji or other character outside the BMP); are the offsets code points (--offsets codepoint)?`);
      }
      if (start < at) throw new DataError(file, record, `${which} ${show(item)} starts before the end of the token before it`);
    }
    onlySpaceUpTo(start, which);
    // spaCy lists the space after a paragraph as a token of its own; it is space, not a word.
    while (start < end && SPACE_CHAR.test(text[start])) start++;
    while (end > start && SPACE_CHAR.test(text[end - 1])) end--;
    if (start < end) {
      const token = text.slice(start, end);
      // As in a CoNLL token: no space or control character inside (a zero-width space may be there, as in WNUT-17).
      if (/[\s\u0000-\u001F]/u.test(token)) throw new DataError(file, record, `${which} ${show(token)} holds a space; a token cannot`);
      tokens.push({ text: token, start, end });
    }
    at = Math.max(at, end);
  });
  onlySpaceUpTo(text.length, `after token ${list.length}`);
  return tokens;
}

/** What offsets count, for messages, with the option that says otherwise. */
export function offsetWords(unit: OffsetUnit): string {
  return unit === 'codepoint' ? 'offsets counted in code points; --offsets utf16 if the file counts UTF-16 units' : 'offsets counted in UTF-16 units, as --offsets utf16 says';
}

/**
 * Checks each span and converts its offsets to UTF-16 indices; trims spaces
 * at its edges and drops one that is nothing but spaces (both noted).
 */
function checkSpans(
  text: string,
  rawSpans: readonly RawSpan[],
  file: string,
  record: number,
  unit: OffsetUnit,
  note: (what: string) => void,
): Span[] {
  const toUtf16 = unit === 'codepoint' ? codePointIndex(text) : null;
  const length = toUtf16 === null ? text.length : toUtf16.length - 1;
  const unitName = unit === 'codepoint' ? 'code points' : 'UTF-16 code units';
  const spans: Span[] = [];
  rawSpans.forEach((raw, n) => {
    const which = `span ${n + 1}`;
    const { start, end, label } = raw;
    if (typeof label !== 'string' || label === '') {
      throw new DataError(file, record, `${which}: expected a label that is a non-empty string, got ${show(label)}`);
    }
    if (/[\s\u0000-\u001F]/u.test(label)) throw new DataError(file, record, `${which}: the label ${JSON.stringify(label)} holds a space or control character; a tag cannot`);
    // A span's label is its entity type; a tag there would become B-B-LOC, and O would be an entity.
    if (label === 'O' || /^[BIESLU]-./.test(label)) {
      throw new DataError(file, record, `${which}: the label ${JSON.stringify(label)} is a tag, not an entity type${label === 'O' ? ' (O marks no entity: leave the span out)' : ` (write ${JSON.stringify(label.slice(2))})`}`);
    }
    for (const [name, v] of [['start', start], ['end', end]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new DataError(file, record, `${which} (${label}): expected an integer ${name} offset, got ${show(v)}`);
      }
    }
    const s = start as number;
    const e = end as number;
    const given = `[${s}, ${e}) ${label}`;
    if (s < 0 || e > length) {
      throw new DataError(file, record, `${which} ${given}: out of range, the text is ${length} ${unitName} long (${offsetWords(unit)})`);
    }
    if (s >= e) throw new DataError(file, record, `${which} ${given}: empty, expected start < end`);
    let a = toUtf16 === null ? s : toUtf16[s];
    let b = toUtf16 === null ? e : toUtf16[e];
    if (toUtf16 === null && (insidePair(text, a) || insidePair(text, b))) {
      throw new DataError(file, record, `${which} ${given}: an offset falls inside a surrogate pair (an emoji or other character outside the BMP); are the offsets code points (--offsets codepoint)?`);
    }
    const said = raw.text;
    if (typeof said === 'string' && said.trim() !== text.slice(a, b).trim()) {
      // The classic sign of offsets in the other unit (an emoji earlier in the text shifts them by one).
      note(`${which} ${given} covers ${JSON.stringify(text.slice(a, b))} but the file says ${JSON.stringify(said)}; kept as the offsets say (${offsetWords(unit)})`);
    }
    while (a < b && SPACE_CHAR.test(text[a])) a++;
    while (b > a && SPACE_CHAR.test(text[b - 1])) b--;
    if (a === b) {
      note(`${which} ${given} covers only spaces; dropped`);
      return;
    }
    if (a !== (toUtf16 === null ? s : toUtf16[s]) || b !== (toUtf16 === null ? e : toUtf16[e])) {
      note(`${which} ${given}: spaces at its edges trimmed`);
    }
    spans.push({ start: a, end: b, label, given });
  });
  return spans;
}

/**
 * Of overlapping spans, keeps the longer (a tie: the earlier start, then the
 * one listed first), noting each one dropped; returns the kept, by start.
 */
function keepNonOverlapping(spans: Span[], note: (what: string) => void): Span[] {
  const order = spans.map((s, i) => ({ s, i }));
  order.sort((x, y) => y.s.end - y.s.start - (x.s.end - x.s.start) || x.s.start - y.s.start || x.i - y.i);
  const kept: Span[] = [];
  for (const { s } of order) {
    const clash = kept.find((k) => k.start < s.end && s.start < k.end);
    if (clash === undefined) kept.push(s);
    else note(`span ${s.given} overlaps ${clash.given}, which is ${clash.end - clash.start > s.end - s.start ? 'longer' : 'as long and comes first'}; dropped ${s.given}`);
  }
  return kept.sort((x, y) => x.start - y.start);
}

/** Cuts tokens at every span start and end that falls inside one, noting each word cut. */
function cutAtBoundaries(tokens: readonly Token[], spans: readonly Span[], text: string, note: (what: string) => void): Token[] {
  const boundaries = [...new Set(spans.flatMap((s) => [s.start, s.end]))].sort((a, b) => a - b);
  const out: Token[] = [];
  let b = 0;
  for (const t of tokens) {
    while (b < boundaries.length && boundaries[b] <= t.start) b++;
    let from = t.start;
    let j = b;
    while (j < boundaries.length && boundaries[j] < t.end) {
      out.push({ text: text.slice(from, boundaries[j]), start: from, end: boundaries[j] });
      from = boundaries[j];
      j++;
    }
    if (from !== t.start) note(`the token ${JSON.stringify(t.text)} is cut at a span boundary`);
    out.push(from === t.start ? t : { text: text.slice(from, t.end), start: from, end: t.end });
  }
  return out;
}

/** Cuts sentences again wherever the space between two of their tokens holds a line break. */
function splitAtLineBreaks(groups: Token[][], text: string): Token[][] {
  return groups.flatMap((group) => {
    const out: Token[][] = [[group[0]]];
    for (let i = 1; i < group.length; i++) {
      if (text.slice(group[i - 1].end, group[i].start).includes('\n')) out.push([]);
      out[out.length - 1].push(group[i]);
    }
    return out;
  });
}

/** Joins neighbouring sentences whose boundary falls inside a span, noting each join. */
function mergeInsideSpans(groups: Token[][], owner: readonly number[], spans: readonly Span[], note: (what: string) => void): Token[][] {
  const out: Token[][] = [];
  let i = 0;
  for (const group of groups) {
    const first = i;
    i += group.length;
    const o = owner[first];
    if (out.length > 0 && o >= 0 && owner[first - 1] === o) {
      note(`a sentence boundary fell inside span ${spans[o].given}; the two sentences are kept as one`);
      out[out.length - 1].push(...group);
    } else {
      out.push([...group]);
    }
  }
  return out;
}

/** For each code-point offset 0..n (n = code points in `text`), its UTF-16 index. */
export function codePointIndex(text: string): number[] {
  const index = [0];
  let u = 0;
  for (const c of text) {
    u += c.length;
    index.push(u);
  }
  return index;
}

/** True when UTF-16 index `i` falls between the two halves of a surrogate pair. */
export function insidePair(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return false;
  const before = text.charCodeAt(i - 1);
  const at = text.charCodeAt(i);
  return before >= 0xd800 && before <= 0xdbff && at >= 0xdc00 && at <= 0xdfff;
}

/** A value as a message shows what came: JSON, shortened. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

