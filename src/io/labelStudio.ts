/**
 * Label Studio JSON exports: an array of tasks, each with `data.text` and
 * `annotations[]`, whose `result[]` items of `type: "labels"` carry
 * `value.start`, `value.end` and `value.labels` (an array; the first label
 * is taken and the others noted).
 *
 * Which annotation counts: cancelled ones (`was_cancelled: true`) are
 * skipped; of the rest, the latest by `updated_at` (else `created_at`);
 * where neither can be read as a date, or two are equal, the later in the
 * array wins. A task with no annotation left is skipped, and noted: its text
 * is not known to be free of entities. Result items of other types
 * (relations, choices) are not entities and are not counted.
 *
 * The task's index + 1 is its record number in errors, notes and
 * `Sentence.lines`. Spans become tags in spanCorpus.ts.
 */
import { DataError } from '../errors';
import type { Sentence } from '../types';
import { RecordDocuments, checkSpanOptions, show, spanSentences, type RawSpan, type SpanCorpus, type SpanCorpusOptions } from './spanCorpus';
import { readCorpusText } from './corpusFile';

/** Reads a Label Studio JSON export (UTF-8 unless `encoding` says Latin-1) into sentences; `path` is named as given in errors. */
export function readLabelStudioCorpus(path: string, options: SpanCorpusOptions = {}): SpanCorpus {
  checkSpanOptions(options);
  return parseLabelStudio(readCorpusText(path, 'Label Studio JSON', options.encoding).replace(/^\uFEFF/, ''), path, options);
}

/** Parses a Label Studio export; `file` is only used in messages. */
export function parseLabelStudio(text: string, file: string, options: SpanCorpusOptions = {}): SpanCorpus {
  checkSpanOptions(options);
  let tasks: unknown;
  try {
    tasks = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new DataError(file, undefined, `not valid JSON (${err instanceof Error ? err.message : String(err)}); expected a Label Studio export, an array of tasks`);
  }
  if (!Array.isArray(tasks)) throw new DataError(file, undefined, `expected a Label Studio export, an array of tasks, got ${show(tasks)}`);
  const notes: string[] = [];
  const sentences: Sentence[] = [];
  const documents = new RecordDocuments(file, '"data": {"document"}');
  tasks.forEach((task: unknown, i) => {
    const record = i + 1;
    const fail = (reason: string): never => {
      throw new DataError(file, record, `task ${record}: ${reason}`);
    };
    if (typeof task !== 'object' || task === null || Array.isArray(task)) fail(`expected a task object, got ${show(task)}`);
    const { data, annotations } = task as Record<string, unknown>;
    const body = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).text : undefined;
    if (typeof body !== 'string') fail(`expected "data": {"text": "..."}, got "data": ${show(data)}`);
    if (annotations !== undefined && !Array.isArray(annotations)) fail(`expected "annotations" to be an array, got ${show(annotations)}`);
    const chosen = latestAnnotation((annotations ?? []) as unknown[], fail);
    if (chosen === undefined) {
      notes.push(`${file}:${record}: task ${record} has no annotation that is not cancelled; skipped`);
      return;
    }
    const spans = labelSpans(chosen, fail, (what) => notes.push(`${file}:${record}: ${what}`));
    const document = documents.next((data as Record<string, unknown>).document, record);
    sentences.push(...spanSentences(body as string, spans, { file, record, document }, options, notes));
  });
  if (sentences.length === 0) throw new DataError(file, undefined, 'no annotated tasks found');
  return { file, sentences, notes };
}

/** The annotation that counts (see the header), or undefined when all are cancelled or there are none. */
function latestAnnotation(annotations: unknown[], fail: (reason: string) => never): Record<string, unknown> | undefined {
  let best: { a: Record<string, unknown>; time: number } | undefined;
  annotations.forEach((a, n) => {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) fail(`annotation ${n + 1}: expected an object, got ${show(a)}`);
    const ann = a as Record<string, unknown>;
    if (ann.was_cancelled === true) return;
    const stamp = ann.updated_at ?? ann.created_at;
    const parsed = typeof stamp === 'string' ? Date.parse(stamp) : NaN;
    const time = Number.isNaN(parsed) ? -Infinity : parsed;
    if (best === undefined || time >= best.time) best = { a: ann, time };
  });
  return best?.a;
}

/** The spans of one annotation's `labels` results. */
function labelSpans(annotation: Record<string, unknown>, fail: (reason: string) => never, note: (what: string) => void): RawSpan[] {
  const { result } = annotation;
  if (!Array.isArray(result)) fail(`expected the annotation's "result" to be an array, got ${show(result)}`);
  const spans: RawSpan[] = [];
  (result as unknown[]).forEach((item, n) => {
    if (typeof item !== 'object' || item === null) fail(`result ${n + 1}: expected an object, got ${show(item)}`);
    const { type, value } = item as Record<string, unknown>;
    if (type !== 'labels') return;
    if (typeof value !== 'object' || value === null) fail(`result ${n + 1}: expected "value": {"start", "end", "labels"}, got ${show(value)}`);
    const { start, end, labels, text } = value as Record<string, unknown>;
    if (!Array.isArray(labels) || labels.length === 0) fail(`result ${n + 1}: expected "labels" to be a non-empty array, got ${show(labels)}`);
    const list = labels as unknown[];
    if (list.length > 1) note(`result ${n + 1} [${String(start)}, ${String(end)}) has ${list.length} labels ${show(list)}; took the first`);
    spans.push({ start, end, label: list[0], text });
  });
  return spans;
}
