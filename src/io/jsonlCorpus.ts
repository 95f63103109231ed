/**
 * JSON Lines annotation files: one JSON object a line, in any of the shapes
 * the common annotation tools export, mixed freely:
 *  - `{"text", "spans": [{"start", "end", "label"}, ...]}` (Prodigy, spaCy);
 *  - `{"text", "label": [[start, end, label], ...]}`, or `"labels"` (doccano);
 *  - `{"tokens": [...], "tags": [...]}` or `"ner_tags"` (Hugging Face
 *    datasets): already tokenised, one sentence; tags are strings, or integer
 *    ids when the caller passes `tagNames`.
 * A text record that lists its `tokens` (Prodigy's `{"text", "start",
 * "end"}`, or the token strings, as `ner predict --output-format spans`
 * writes them) keeps that tokenisation and is one sentence; without them the
 * text is tokenised by ner and cut into sentences. A record's sentences are
 * one document, and so are those of consecutive records with the same
 * `"document"` value (spanCorpus.ts, RecordDocuments).
 * A record with a Prodigy `answer` other than "accept" (reject, ignore) is
 * skipped, and noted. Blank lines are skipped; a BOM at the start and CRLF line ends are
 * tolerated. Text records go through spanCorpus.ts (tokenised, spans made
 * whole tokens, IOB2). Each record's line number is its record number in
 * errors, notes and `Sentence.lines`.
 */
import { DataError } from '../errors';
import type { Sentence } from '../types';
import { RecordDocuments, checkSpanOptions, recordTokens, show, spanSentences, type RawSpan, type SpanCorpus, type SpanCorpusOptions } from './spanCorpus';
import { readCorpusText } from './corpusFile';

const SHAPES = 'expected {"text", "spans": [{"start", "end", "label"}]}, {"text", "label" or "labels": [[start, end, label]]}, or {"tokens", "tags" or "ner_tags"}';

/** Reads a JSONL annotation file (UTF-8 unless `encoding` says Latin-1) into sentences; `path` is named as given in errors. */
export function readJsonlCorpus(path: string, options: SpanCorpusOptions = {}): SpanCorpus {
  checkSpanOptions(options);
  return parseJsonlCorpus(readCorpusText(path, 'JSONL', options.encoding).replace(/^\uFEFF/, ''), path, options);
}

/** Parses JSONL annotation text; `file` is only used in messages. */
export function parseJsonlCorpus(text: string, file: string, options: SpanCorpusOptions = {}): SpanCorpus {
  checkSpanOptions(options);
  const notes: string[] = [];
  const sentences: Sentence[] = [];
  const documents = new RecordDocuments(file, '"document"');
  text.replace(/^\uFEFF/, '').split('\n').forEach((raw, i) => {
    const record = i + 1;
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new DataError(file, record, `not valid JSON (${err instanceof Error ? err.message : String(err)}); ${SHAPES}, one a line`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DataError(file, record, `${SHAPES}, got ${show(value)}`);
    }
    const obj = value as Record<string, unknown>;
    if ('answer' in obj && obj.answer !== 'accept') {
      // Prodigy keeps rejected and ignored examples in its exports; they are not annotations to learn from.
      notes.push(`${file}:${record}: the answer is ${show(obj.answer)}, not "accept"; record skipped`);
      return;
    }
    const document = documents.next(obj.document, record);
    const hasSpans = 'spans' in obj || 'label' in obj || 'labels' in obj;
    if ('spans' in obj && ('label' in obj || 'labels' in obj) && (Array.isArray(obj.label) || Array.isArray(obj.labels))) {
      notes.push(`${file}:${record}: the record has both "spans" and ${Array.isArray(obj.label) ? '"label"' : '"labels"'}; the spans are read`);
    }
    if (typeof obj.text === 'string' && (hasSpans || !('tokens' in obj))) {
      const spans = textSpans(obj, file, record);
      // Prodigy's and ner's own records also list their tokens: the tokenisation the spans were made on.
      const given = Array.isArray(obj.tokens) && obj.tokens.length > 0 ? recordTokens(obj.text, obj.tokens, file, record, options.offsets ?? 'codepoint') : undefined;
      sentences.push(...spanSentences(obj.text, spans, { file, record, document }, options, notes, given));
    } else if ('tokens' in obj) {
      sentences.push(tokenRecord(obj, file, record, document, options));
    } else {
      throw new DataError(file, record, `${SHAPES}, got an object with keys ${show(Object.keys(obj))}`);
    }
  });
  if (sentences.length === 0) throw new DataError(file, undefined, 'no sentences found');
  return { file, sentences, notes };
}

/** The spans of a text record, in either the Prodigy/spaCy or the doccano shape. */
function textSpans(obj: Record<string, unknown>, file: string, record: number): RawSpan[] {
  if ('spans' in obj) {
    if (!Array.isArray(obj.spans)) throw new DataError(file, record, `expected "spans" to be an array of {"start", "end", "label"}, got ${show(obj.spans)}`);
    return obj.spans.map((s, n) => {
      if (typeof s !== 'object' || s === null || Array.isArray(s)) {
        throw new DataError(file, record, `span ${n + 1}: expected {"start", "end", "label"}, got ${show(s)}`);
      }
      const { start, end, label, text } = s as Record<string, unknown>;
      return { start, end, label, text };
    });
  }
  const key = 'label' in obj ? 'label' : 'labels' in obj ? 'labels' : undefined;
  if (key === undefined) throw new DataError(file, record, `${SHAPES}; this "text" has none of "spans", "label", "labels" beside it`);
  const list = obj[key];
  if (!Array.isArray(list)) throw new DataError(file, record, `expected "${key}" to be an array of [start, end, label], got ${show(list)}`);
  return list.map((s, n) => {
    if (!Array.isArray(s) || s.length !== 3) {
      throw new DataError(file, record, `"${key}" item ${n + 1}: expected [start, end, label], got ${show(s)}`);
    }
    return { start: s[0], end: s[1], label: s[2] };
  });
}

/** One already-tokenised sentence: `tokens` with `tags` or `ner_tags`. */
function tokenRecord(obj: Record<string, unknown>, file: string, record: number, document: number, options: SpanCorpusOptions): Sentence {
  const { tokens } = obj;
  const key = 'tags' in obj ? 'tags' : 'ner_tags' in obj ? 'ner_tags' : undefined;
  if (key === undefined) throw new DataError(file, record, 'expected "tags" or "ner_tags" beside "tokens"');
  const tags = obj[key];
  if (!Array.isArray(tokens) || tokens.length === 0) throw new DataError(file, record, `expected "tokens" to be a non-empty array of strings, got ${show(tokens)}`);
  if (!Array.isArray(tags)) throw new DataError(file, record, `expected "${key}" to be an array, got ${show(tags)}`);
  if (tags.length !== tokens.length) throw new DataError(file, record, `${tokens.length} tokens but ${tags.length} ${key}; expected one tag a token`);
  tokens.forEach((t, n) => {
    if (typeof t !== 'string' || t === '' || /[\s\u0000-\u001F]/u.test(t)) {
      throw new DataError(file, record, `token ${n + 1}: expected a non-empty string without spaces or control characters, got ${show(t)}`);
    }
  });
  const names = options.tagNames;
  const out = tags.map((t: unknown, n) => {
    if (typeof t === 'string' && t !== '' && !/[\s\u0000-\u001F]/u.test(t)) return t;
    if (typeof t === 'number') {
      if (names === undefined) throw new DataError(file, record, `${key} item ${n + 1} is the id ${t}; integer tags need their names (--tag-names O,B-PER,...; tagNames in the library)`);
      if (!Number.isInteger(t) || t < 0 || t >= names.length) {
        throw new DataError(file, record, `${key} item ${n + 1}: expected an id from 0 to ${names.length - 1}, got ${t}`);
      }
      return names[t];
    }
    throw new DataError(file, record, `${key} item ${n + 1}: expected a tag (a non-empty string without spaces${names ? ' or an integer id' : ''}), got ${show(t)}`);
  });
  return { tokens: tokens as string[], tags: out, lines: tokens.map(() => record), document };
}
