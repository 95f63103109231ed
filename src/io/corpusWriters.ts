/**
 * A tagged corpus written in each format ner reads (corpusFormat.ts), so
 * that `ner convert` can move data between tools and reading the result
 * gives back the same tokens and tags wherever the format can hold them:
 *  - conll: `token TAG` lines, `-DOCSTART- O` between documents;
 *  - csv: a `token,tag` header, a blank row between sentences (the CSV
 *    reader's default reading: no options needed to read it back);
 *  - jsonl: one record a sentence, `{"text", "tokens", "spans"}`: the text
 *    is the tokens joined by single spaces, and the record lists its tokens,
 *    so the JSONL reader keeps them exactly;
 *  - labelstudio: one task a sentence, its spans as `annotations`;
 *  - brat: one `.txt`/`.ann` pair a document, one sentence a line.
 * The span formats hold spans, not tags: tags are read as chunks of the
 * corpus's scheme and come back in IOB2. Label Studio and BRAT hold no
 * tokens either: reading them back tokenises the text and cuts it into
 * sentences again, which may not give the same tokens and sentences back
 * (`ner convert` reads what it wrote and says so).
 * Documents survive in conll and brat; jsonl, labelstudio and csv keep
 * sentences only.
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

/** Writes `corpus` to `out` in a one-file format (every format but brat). */
export function writeCorpus(corpus: Corpus, format: Exclude<WritableFormat, 'brat'>, scheme: TagScheme, out: Sink): void {
  const { sentences } = corpus;
  if (format === 'conll') {
    const hasDocuments = sentences.some((s) => s.document !== undefined);
    (hasDocuments ? documents(sentences) : [sentences]).forEach((group, i) => {
      if (hasDocuments) out.write(`${i > 0 ? '\n' : ''}${DOCSTART} O\n\n`);
      out.write(formatConll(group));
    });
  } else if (format === 'csv') {
    out.write(stringify([['token', 'tag']]));
    sentences.forEach((s, i) => {
      if (i > 0) out.write('\n');
      out.write(stringify(s.tokens.map((t, j) => [t, s.tags[j]])));
    });
  } else if (format === 'jsonl') {
    for (const s of sentences) out.write(spansJsonLine(sentenceDocument(s, scheme)));
  } else {
    out.write('[');
    sentences.forEach((s, i) => out.write(`${i === 0 ? '\n' : ',\n'}${JSON.stringify(labelStudioTask(sentenceDocument(s, scheme), 'annotations'))}`));
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
