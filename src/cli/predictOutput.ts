/**
 * What `ner predict` writes: its output formats, each fed one tagged input
 * record at a time (a text line, a JSON Lines record, a CoNLL sentence), so
 * that memory stays bounded whatever the input's size.
 *
 * Per sentence: conll, tsv, csv, json (json records carry a JSON Lines
 * input record's fields). Per input record, offsets in code points, through
 * io/spanWriters.ts: spans (JSON Lines), labelstudio (one JSON array of
 * tasks, streamed), brat (one .txt/.ann document for the whole input).
 */
import { stringify } from 'csv-stringify/sync';
import type { TaggedSentence } from '../predict';
import { roundProbabilities } from '../predict';
import type { TokenSpan } from '../decode/entities';
import type { Output } from '../io/output';
import { CodePoints, type SpanDocument, bratAnn, bratConf, labelStudioTask, spansJsonLine } from '../io/spanWriters';

export const OUTPUT_FORMATS = ['conll', 'json', 'tsv', 'csv', 'spans', 'labelstudio', 'brat'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Columns of the tsv and csv formats: one row per entity. */
const SPAN_COLUMNS = ['sentence', 'start', 'end', 'type', 'text', 'confidence'];

/** What goes before the first record: the header row of the span formats. */
export function formatHeader(format: OutputFormat): string {
  if (format === 'tsv') return `${SPAN_COLUMNS.join('\t')}\n`;
  if (format === 'csv') return stringify([SPAN_COLUMNS]);
  return '';
}

/**
 * A sentence record of the json format: the input record's `fields` first
 * (JSON Lines input), then the sentence's own (which replace fields of the
 * same names). Only the sentence's numbers are rounded (roundProbabilities);
 * the fields are written as they were read.
 */
function jsonRecord(sentence: TaggedSentence, fields?: Record<string, unknown>): string {
  const own = JSON.stringify(sentence, roundProbabilities);
  if (fields === undefined) return `${own}\n`;
  const kept = Object.fromEntries(Object.entries(fields).filter(([key]) => !Object.prototype.hasOwnProperty.call(sentence, key)));
  const head = JSON.stringify(kept);
  return head === '{}' ? `${own}\n` : `${head.slice(0, -1)},${own.slice(1)}\n`;
}

/**
 * One sentence in a per-sentence format (conll, json, tsv, csv). `number` is
 * the sentence's 1-based position in the input (the tsv and csv `sentence`
 * column); `fields` are a JSON Lines input record's other fields (json only).
 */
export function formatRecord(sentence: TaggedSentence, format: OutputFormat, number = 1, fields?: Record<string, unknown>): string {
  if (format === 'json') return jsonRecord(sentence, fields);
  if (format === 'conll') return sentence.tokens.map((t, i) => `${t} ${sentence.tags[i]}\n`).join('') + '\n';
  if (format !== 'tsv' && format !== 'csv') throw new Error(`formatRecord: ${format} is written per input record, not per sentence`);
  const rows = sentence.entities.map((e) => [String(number), String(e.start), String(e.end), e.type, e.text, e.confidence === undefined ? '' : e.confidence.toFixed(4)]);
  // A tab or line break inside a span (raw text) would break a tsv row.
  if (format === 'tsv') return rows.map((fields) => `${fields.map((f) => f.replace(/[\t\r\n]/g, ' ')).join('\t')}\n`).join('');
  return rows.length === 0 ? '' : stringify(rows);
}

/** One input record, tagged. */
export interface TaggedRecord {
  /** The text whose UTF-16 indices the sentences' entity offsets are. */
  text: string;
  /** Its sentences (none for a blank line with --split-sentences). */
  sentences: TaggedSentence[];
  /** Where its tokens are in `text` (all sentences', in order); asked only by the spans format. */
  tokenSpans: () => TokenSpan[];
  /** A JSON Lines input record's fields other than `text`; undefined for text and CoNLL input. */
  fields?: Record<string, unknown>;
}

/** Writes an output format, one tagged record at a time. */
export interface RecordWriter {
  record(r: TaggedRecord): void;
  /** After the last record. */
  end(): void;
}

/** The keys of a format's records that a JSON Lines input field of the same name gives way to. */
const OWN_KEYS: Partial<Record<OutputFormat, readonly string[]>> = {
  json: ['tokens', 'tags', 'entities', 'line', 'nbest', 'marginals'],
  spans: ['tokens', 'spans'],
};

/**
 * `writer`, saying once through `warn` when an input record's field gives
 * way to the output's own of that name (gold `spans` read back would be the
 * predictions).
 */
export function sayingReplacedFields(writer: RecordWriter, format: OutputFormat, warn: (line: string) => void): RecordWriter {
  const own = OWN_KEYS[format] ?? [];
  let said = false;
  return {
    record(r) {
      const clash = said || r.fields === undefined ? [] : own.filter((key) => Object.prototype.hasOwnProperty.call(r.fields, key));
      if (clash.length > 0) {
        said = true;
        warn(`the input records' ${clash.map((k) => `"${k}"`).join(', ')} ${clash.length === 1 ? 'field is' : 'fields are'} replaced by the predictions' in the ${format} output`);
      }
      writer.record(r);
    },
    end: () => writer.end(),
  };
}

/** Confidences as the json format prints them: 6 decimals. */
const round6 = (c: number | undefined): number | undefined => (c === undefined ? undefined : Number(c.toFixed(6)));

/** The record as a SpanDocument: its entities as spans, with their confidences. */
export function spanDocument(r: TaggedRecord, withTokens: boolean): SpanDocument {
  const spans = r.sentences.flatMap((s) =>
    s.entities.map((e) => {
      const confidence = round6(e.confidence);
      return confidence === undefined ? { start: e.charStart, end: e.charEnd, label: e.type } : { start: e.charStart, end: e.charEnd, label: e.type, confidence };
    }),
  );
  const doc: SpanDocument = { text: r.text, spans };
  if (withTokens) doc.tokens = r.tokenSpans();
  if (r.fields !== undefined) doc.fields = r.fields;
  return doc;
}

/** A writer of the formats that write per sentence; `counter.sentences` numbers them (tsv, csv). */
function sentenceWriter(out: Output, format: OutputFormat, counter: { sentences: number }): RecordWriter {
  out.write(formatHeader(format));
  return {
    record(r) {
      for (const s of r.sentences) out.write(formatRecord(s, format, ++counter.sentences, r.fields));
    },
    end() {},
  };
}

/**
 * A Label Studio import file: one JSON array of tasks, written as it comes
 * (`[`, tasks separated by `,\n`, `]`); `[]` for no tasks. A text line without
 * tokens (a blank line) makes no task.
 */
function labelStudioWriter(out: Output, modelVersion: string | undefined, counter: { sentences: number }): RecordWriter {
  let tasks = 0;
  out.write('[');
  return {
    record(r) {
      counter.sentences += r.sentences.length;
      if (r.fields === undefined && r.sentences.every((s) => s.tokens.length === 0)) return;
      out.write(`${tasks++ === 0 ? '' : ',\n'}${JSON.stringify(labelStudioTask(spanDocument(r, false), 'predictions', modelVersion))}`);
    },
    end() {
      out.write(']\n');
    },
  };
}

/**
 * A BRAT collection: one document `<name>.txt` holding every record's text
 * followed by a line break, `<name>.ann` its entities (offsets into the
 * whole .txt, in code points), and an annotation.conf naming `labels`.
 */
export function bratWriter(open: (name: string) => Output, name: string, labels: readonly string[], counter: { sentences: number }): RecordWriter {
  const txt = open(`${name}.txt`);
  const ann = open(`${name}.ann`);
  let offset = 0;
  let firstId = 1;
  return {
    record(r) {
      counter.sentences += r.sentences.length;
      const doc = spanDocument(r, false);
      txt.write(`${r.text}\n`);
      ann.write(bratAnn(doc, { offset, firstId }));
      offset += new CodePoints(r.text).length + 1;
      firstId += doc.spans.length;
    },
    end() {
      open('annotation.conf').write(bratConf(labels));
    },
  };
}

/** A writer for every format but brat (which writes a directory: bratWriter). */
export function recordWriter(out: Output, format: OutputFormat, modelVersion: string | undefined, counter: { sentences: number }): RecordWriter {
  if (format === 'spans') {
    return {
      record(r) {
        counter.sentences += r.sentences.length;
        out.write(spansJsonLine(spanDocument(r, true)));
      },
      end() {},
    };
  }
  if (format === 'labelstudio') return labelStudioWriter(out, modelVersion, counter);
  if (format === 'brat') throw new Error('recordWriter: brat writes a directory (bratWriter)');
  return sentenceWriter(out, format, counter);
}
