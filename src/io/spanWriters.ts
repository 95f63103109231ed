/**
 * A text with character spans, written in the shapes the annotation tools
 * import: JSON Lines of spans (Prodigy, spaCy, doccano-like), Label Studio
 * tasks, and BRAT standoff. Pure functions, no I/O and nothing about models:
 * `ner predict` writes its predictions through them, and gold data can be
 * written the same way.
 *
 * A SpanDocument holds UTF-16 indices (JavaScript's own); every writer puts
 * out Unicode code-point offsets, as the tools (Python) count: in "😀 Paris",
 * Paris is [3, 8) in UTF-16 and [2, 7) in code points. Spans are written in
 * the order given. A span that is empty, reversed, out of the text, or cuts
 * a surrogate pair in two is a RangeError (a caller's bug, not bad data).
 */

export interface SpanDocument {
  text: string;
  /** Token boundaries, UTF-16 indices into text (optional). */
  tokens?: Array<{ start: number; end: number }>;
  /** UTF-16 indices into text, end exclusive. */
  spans: Array<{ start: number; end: number; label: string; confidence?: number }>;
  /** The input record's other fields, kept (ids, meta). */
  fields?: Record<string, unknown>;
}

/**
 * Code-point offsets for UTF-16 indices into one text: built in one pass
 * over the text, then each lookup is constant time.
 */
export class CodePoints {
  /** Code points before each UTF-16 index, -1 inside a surrogate pair. */
  private readonly before: Int32Array;

  constructor(readonly text: string) {
    this.before = new Int32Array(text.length + 1);
    let points = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const pairs = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      this.before[i] = points++;
      if (pairs) this.before[++i] = -1;
    }
    this.before[text.length] = points;
  }

  /** How many code points the text holds. */
  get length(): number {
    return this.before[this.text.length];
  }

  /** The code-point offset of UTF-16 index `i`. */
  at(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i > this.text.length) throw new RangeError(`offset ${i} is outside the text (0 to ${this.text.length})`);
    const points = this.before[i];
    if (points < 0) throw new RangeError(`offset ${i} falls between the two halves of a surrogate pair`);
    return points;
  }
}

type Span = SpanDocument['spans'][number];

function checkSpan(doc: SpanDocument, span: Span, n: number): void {
  const { start, end, label } = span;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > doc.text.length || start >= end) {
    throw new RangeError(`span ${n + 1} [${start}, ${end}) is not a non-empty range in a text of ${doc.text.length} UTF-16 units`);
  }
  if (typeof label !== 'string' || label === '') throw new RangeError(`span ${n + 1}: the label must be a non-empty string`);
}

/** Spans in code points, checked. */
function pointSpans(doc: SpanDocument, points: CodePoints): Array<Span & { text: string }> {
  return doc.spans.map((s, n) => {
    checkSpan(doc, s, n);
    return { ...s, start: points.at(s.start), end: points.at(s.end), text: doc.text.slice(s.start, s.end) };
  });
}

/**
 * One JSON Lines record, newline included:
 * `{...fields, "text", "tokens": ["token", ...], "spans": [{"start", "end", "label", "confidence"?}]}`,
 * offsets in code points (Prodigy's and spaCy's `spans`). `tokens` (the
 * token texts) is there when the document has tokens. Fields of the same
 * names as these are replaced.
 */
export function spansJsonLine(doc: SpanDocument): string {
  const points = new CodePoints(doc.text);
  const record: Record<string, unknown> = { ...doc.fields, text: doc.text };
  if (doc.tokens !== undefined) {
    record.tokens = doc.tokens.map((t, n) => {
      if (!Number.isInteger(t.start) || !Number.isInteger(t.end) || t.start < 0 || t.end > doc.text.length || t.start > t.end) {
        throw new RangeError(`token ${n + 1} [${t.start}, ${t.end}) is outside the text`);
      }
      return doc.text.slice(t.start, t.end);
    });
  }
  record.spans = pointSpans(doc, points).map(({ start, end, label, confidence }) => (confidence === undefined ? { start, end, label } : { start, end, label, confidence }));
  return `${JSON.stringify(record)}\n`;
}

/** The names the result items refer to: Label Studio's usual NER labeling config, `<Labels name="label" toName="text">` over `<Text name="text" value="$text"/>`. */
export const LABEL_STUDIO_FROM_NAME = 'label';
export const LABEL_STUDIO_TO_NAME = 'text';

/**
 * One Label Studio task (the objects of the JSON array it imports):
 * `{"data": {"text", ...fields}, "predictions" | "annotations": [{"model_version"?, "score"?, "result": [...]}]}`.
 * Each result item is `{"from_name": "label", "to_name": "text", "type": "labels",
 * "value": {"start", "end", "text", "labels": [label]}, "score"?}`, offsets in
 * code points, `score` the span's confidence when it has one. The task's
 * `score` (predictions only) is the LEAST confidence of its spans: Label
 * Studio sorts tasks by it, and a task is as doubtful as its most doubtful
 * entity; it is left out when a span has no confidence, or there are no spans
 * (nothing says how sure "no entity" is). `modelVersion` is written when given.
 */
export function labelStudioTask(doc: SpanDocument, kind: 'predictions' | 'annotations', modelVersion?: string): object {
  if (kind !== 'predictions' && kind !== 'annotations') throw new RangeError(`kind must be 'predictions' or 'annotations', got ${String(kind)}`);
  const spans = pointSpans(doc, new CodePoints(doc.text));
  const result = spans.map(({ start, end, text, label, confidence }) => {
    const item: Record<string, unknown> = {
      from_name: LABEL_STUDIO_FROM_NAME,
      to_name: LABEL_STUDIO_TO_NAME,
      type: 'labels',
      value: { start, end, text, labels: [label] },
    };
    if (confidence !== undefined) item.score = confidence;
    return item;
  });
  const entry: Record<string, unknown> = {};
  if (modelVersion !== undefined) entry.model_version = modelVersion;
  const scores = spans.map((s) => s.confidence);
  if (kind === 'predictions' && scores.length > 0 && scores.every((c) => c !== undefined)) entry.score = Math.min(...(scores as number[]));
  entry.result = result;
  return { data: { ...doc.fields, text: doc.text }, [kind]: [entry] };
}

/** Where a BRAT fragment must end: a line break (BRAT shows a document line by line). */
const LINE_BREAK = /[\r\n]+/g;

export interface BratOptions {
  /** Code points before this text in the .txt file (when several texts share one document): added to every offset. Default 0. */
  offset?: number;
  /** The number of the first `T` annotation (when several texts share one .ann file). Default 1. */
  firstId?: number;
}

/**
 * BRAT standoff (.ann) lines for the document's spans, one a span:
 * `T1<TAB>LABEL start end<TAB>text`, code-point offsets. A span that holds a
 * line break is written as BRAT writes a discontinuous annotation: fragments
 * `s1 e1;s2 e2` cut at the line breaks (which belong to no fragment), its text
 * the fragments' texts joined by single spaces. A span that is nothing but
 * line breaks, or a label with a space in it (BRAT's type is one word), is a
 * RangeError. The .txt file must hold `text` exactly, at `options.offset`.
 */
export function bratAnn(doc: SpanDocument, options: BratOptions = {}): string {
  const { offset = 0, firstId = 1 } = options;
  const points = new CodePoints(doc.text);
  return doc.spans
    .map((s, n) => {
      checkSpan(doc, s, n);
      if (/\s/u.test(s.label)) throw new RangeError(`span ${n + 1}: the label ${JSON.stringify(s.label)} holds a space; a BRAT type cannot`);
      const fragments: Array<[number, number]> = [];
      let from = s.start;
      const covered = doc.text.slice(s.start, s.end);
      for (const m of covered.matchAll(LINE_BREAK)) {
        const at = s.start + m.index!;
        if (at > from) fragments.push([from, at]);
        from = at + m[0].length;
      }
      if (s.end > from) fragments.push([from, s.end]);
      if (fragments.length === 0) throw new RangeError(`span ${n + 1} [${s.start}, ${s.end}) holds nothing but line breaks`);
      const where = fragments.map(([a, b]) => `${points.at(a) + offset} ${points.at(b) + offset}`).join(';');
      const text = fragments.map(([a, b]) => doc.text.slice(a, b)).join(' ');
      return `T${firstId + n}\t${s.label} ${where}\t${text}\n`;
    })
    .join('');
}

/**
 * A BRAT annotation.conf declaring `labels` as entity types (no relations,
 * events or attributes), so the collection shows its types without BRAT's
 * default configuration.
 */
export function bratConf(labels: readonly string[]): string {
  return `[entities]\n${labels.map((l) => `${l}\n`).join('')}\n[relations]\n\n[events]\n\n[attributes]\n`;
}
