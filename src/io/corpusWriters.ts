/**
 * A tagged corpus written in each format ner reads (corpusFormat.ts), so
 * that `ner convert` can move data between tools and reading the result
 * gives back the same tokens and tags wherever the format can hold them:
 *  - conll: `token TAG` lines, `-DOCSTART- O` before each document;
 *  - csv: a `token,tag` header, a blank row between sentences (the CSV
 *    reader's default reading: no options needed to read it back);
 *  - jsonl: one record a sentence, `{"text", "tokens", "spans"}`: the text
 *    is the tokens joined by single spaces, and the record lists its tokens,
 *    so the JSONL reader keeps them exactly; `"document": n` when the corpus
 *    has documents, which the reader joins again;
 *  - labelstudio: one task a sentence, its spans as `annotations`, and
 *    `data.document` as above;
 *  - brat: one `.txt`/`.ann` pair a document, one sentence a line.
 * The span formats hold spans, not tags: tags are read as chunks of the
 * corpus's scheme and come back in IOB2. Label Studio and BRAT hold no
 * tokens either: reading them back tokenises the text and cuts it into
 * sentences again, which may not give the same tokens and sentences back
 * (`ner convert` reads what it wrote and says so).
 * Documents (of more than one sentence: one alone reads as none) survive in
 * every format but csv, which keeps sentences only.
 */
import { stringify } from 'csv-stringify/sync';
import type { Corpus, Sentence, TagScheme } from '../types';
import { readChunks } from '../data/tagScheme';
import { DOCSTART, formatConll } from './conll';
import { type SpanDocument, bratAnn, bratConf, labelStudioTask, spansJsonLine } from './spanWriters';

export const WRITABLE_FORMATS = ['conll', 'csv', 'jsonl', 'labelstudio', 'brat'] as const;
export type WritableFormat = (typeof WRITABLE_FORMATS)[number];

/** Where text goes: io/output.ts's Output, or anything with write. */
export interface Sink {
  write(text: string): void;
}

/** A sentence as a text (tokens joined by single spaces) with its chunks as spans. */
export function sentenceDocument(sentence: Sentence, scheme: TagScheme): SpanDocument {
  const tokens: Array<{ start: number; end: number }> = [];
  let at = 0;
  for (const t of sentence.tokens) {
    tokens.push({ start: at, end: at + t.length });
    at += t.length + 1;
  }
  const spans = readChunks(sentence.tags, scheme).map((c) => ({ start: tokens[c.start].start, end: tokens[c.end - 1].end, label: c.type }));
  return { text: sentence.tokens.join(' '), tokens, spans };
}

/** Sentences grouped into documents: consecutive sentences of one document together; a sentence of none alone. */
export function documents(sentences: readonly Sentence[]): Sentence[][] {
  const out: Sentence[][] = [];
  sentences.forEach((s, i) => {
    const previous = sentences[i - 1];
    if (i > 0 && s.document !== undefined && previous.document === s.document) out[out.length - 1].push(s);
    else out.push([s]);
  });
  return out;
}

/**
 * Whether the corpus has documents worth keeping: one of more than one
 * sentence (a sentence alone in its document reads as one of none).
 */
function hasDocuments(sentences: readonly Sentence[]): boolean {
  return documents(sentences).some((group) => group.length > 1);
}

/** Each sentence's `document` value for the record formats: its document's number from 1, when the corpus has documents. */
function documentFields(sentences: readonly Sentence[]): Array<Record<string, number> | undefined> {
  if (!hasDocuments(sentences)) return sentences.map(() => undefined);
  return documents(sentences).flatMap((group, n) => group.map(() => ({ document: n + 1 })));
}

/** Writes `corpus` to `out` in a one-file format (every format but brat). */
export function writeCorpus(corpus: Corpus, format: Exclude<WritableFormat, 'brat'>, scheme: TagScheme, out: Sink): void {
  const { sentences } = corpus;
  if (format === 'conll') {
    const withDocuments = hasDocuments(sentences);
    (withDocuments ? documents(sentences) : [sentences]).forEach((group, i) => {
      if (withDocuments) out.write(`${i > 0 ? '\n' : ''}${DOCSTART} O\n\n`);
      out.write(formatConll(group));
    });
  } else if (format === 'csv') {
    out.write(stringify([['token', 'tag']]));
    sentences.forEach((s, i) => {
      if (i > 0) out.write('\n');
      out.write(stringify(s.tokens.map((t, j) => [t, s.tags[j]])));
    });
  } else if (format === 'jsonl') {
    const fields = documentFields(sentences);
    sentences.forEach((s, i) => out.write(spansJsonLine({ ...sentenceDocument(s, scheme), fields: fields[i] })));
  } else {
    const fields = documentFields(sentences);
    out.write('[');
    sentences.forEach((s, i) => out.write(`${i === 0 ? '\n' : ',\n'}${JSON.stringify(labelStudioTask({ ...sentenceDocument(s, scheme), fields: fields[i] }, 'annotations'))}`));
    out.write(sentences.length === 0 ? ']\n' : '\n]\n');
  }
}

/** One file of a BRAT collection. */
export interface NamedText {
  name: string;
  text: string;
}

/**
 * The files of `corpus` as a BRAT collection: `doc-000001.txt`/`.ann` for
 * each document (its sentences one a line), and an `annotation.conf`
 * declaring the entity types, so BRAT shows them without its defaults.
 */
export function* bratFiles(corpus: Corpus, scheme: TagScheme): Generator<NamedText> {
  const labels = new Set<string>();
  let n = 0;
  for (const group of documents(corpus.sentences)) {
    const name = `doc-${String(++n).padStart(6, '0')}`;
    let ann = '';
    let offset = 0;
    let firstId = 1;
    for (const s of group) {
      const doc = sentenceDocument(s, scheme);
      ann += bratAnn(doc, { offset, firstId });
      firstId += doc.spans.length;
      // The line break after each sentence is one code point; tokens hold none outside the BMP in their joins.
      offset += [...doc.text].length + 1;
      for (const span of doc.spans) labels.add(span.label);
    }
    yield { name: `${name}.txt`, text: group.map((s) => `${s.tokens.join(' ')}\n`).join('') };
    yield { name: `${name}.ann`, text: ann };
  }
  yield { name: 'annotation.conf', text: bratConf([...labels].sort()) };
}
