/**
 * Evaluation beyond conlleval's report: a per-type table with support and
 * micro, macro and weighted averages (seqeval's `classification_report`), a
 * token-level confusion matrix, and the mismatched spans themselves, for
 * `ner eval --report / --errors / --strict`.
 *
 * Spans are compared as sets of (start, end, type). Two readings:
 * - lenient (default): chunks as conlleval reads them, so the micro average
 *   equals conlleval's overall figures when every tag is O or one of the
 *   scheme's prefixes with a type (conlleval's main loop scores untyped and
 *   odd tags in ways no set of spans does: it never closes an untyped `B`
 *   before `S`);
 * - strict: the spans seqeval's `mode='strict'` finds (`strictSpans.ts`):
 *   roughly, only chunks whose tags are the scheme's own encoding of them
 *   (`B-X I-X`, not `I-X I-X` after O, in IOB2; `B-X I-X E-X` or `S-X` in
 *   IOBES), on both the gold and the predicted side.
 */
import type { TagScheme } from '../types';
import { DataError } from '../errors';
import { readChunks } from '../data/tagScheme';
import type { Chunk } from '../data/chunks';
import type { ScoredSentence } from './conlleval';
import { StrictTagError, strictChunks } from './strictSpans';

export interface TypeRow {
  type: string;
  /** Gold spans of the type. */
  support: number;
  /** Predicted spans of the type. */
  predicted: number;
  correct: number;
  /** Percentages, 0–100; 0 where undefined (nothing predicted, or no support). */
  precision: number;
  recall: number;
  f1: number;
}

export interface SpanReport {
  strict: boolean;
  /** Per type, sorted by name. */
  types: TypeRow[];
  /** Over all spans (equals conlleval's overall in lenient mode on well-typed tags; see the header). */
  micro: TypeRow;
  /** Unweighted mean over types of precision, recall and F1; support and counts are totals. */
  macro: TypeRow;
  /** Mean over types of precision, recall and F1 weighted by support (0 when there is none); counts are totals. */
  weighted: TypeRow;
}

export interface ConfusionMatrix {
  /** Row and column labels: every tag seen in gold or predictions, O first. */
  tags: string[];
  /** counts[gold][predicted] */
  counts: number[][];
}

export type ErrorKind = 'missed' | 'spurious' | 'type' | 'boundary';

export interface SpanError {
  /** Index of the sentence (0-based, in input order). */
  sentence: number;
  kind: ErrorKind;
  gold?: { type: string; start: number; end: number; text: string };
  pred?: { type: string; start: number; end: number; text: string };
  /** The sentence with the gold span in [ ] and the predicted one in { }. */
  context: string;
}

/** The chunks of one sentence: conlleval's reading, or seqeval's strict one. */
export function sentenceChunks(tags: readonly string[], scheme: TagScheme, strict: boolean): Chunk[] {
  return strict ? strictChunks(tags, scheme) : readChunks(tags, scheme);
}

/**
 * Throws a DataError at the first tag strict mode cannot read (where seqeval
 * raises: a tag that starts with no prefix, or a prefix foreign to `scheme`,
 * such as `E-PER` in IOB2), naming the file, line and column, and the tag as
 * the file writes it.
 */
export function checkStrictTags(sentences: readonly ScoredSentence[], scheme: TagScheme, file: string): void {
  for (const s of sentences) {
    for (const [column, tags, written] of [['gold', s.gold, s.written?.gold], ['predicted', s.pred, s.written?.pred]] as const) {
      try {
        strictChunks(tags, scheme);
      } catch (e) {
        if (!(e instanceof StrictTagError)) throw e;
        const asWritten = written?.[e.index] ?? e.tag;
        const tag = asWritten === e.tag ? `'${e.tag}'` : `'${asWritten}' (read as suffix-style: '${e.tag}')`;
        throw new DataError(file, s.lines?.[e.index], `${column} tag ${tag} ${e.reason} (--strict reads spans as seqeval's strict mode does, which refuses it too)`);
      }
    }
  }
}

const key = (c: Chunk) => `${c.start}:${c.end}:${c.type}`;

function row(type: string, support: number, predicted: number, correct: number): TypeRow {
  const precision = predicted > 0 ? (100 * correct) / predicted : 0;
  const recall = support > 0 ? (100 * correct) / support : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { type, support, predicted, correct, precision, recall, f1 };
}

export function spanReport(sentences: readonly ScoredSentence[], scheme: TagScheme, strict = false): SpanReport {
  const counts = new Map<string, { support: number; predicted: number; correct: number }>();
  const entry = (type: string) => {
    let e = counts.get(type);
    if (e === undefined) counts.set(type, (e = { support: 0, predicted: 0, correct: 0 }));
    return e;
  };
  for (const s of sentences) {
    const gold = sentenceChunks(s.gold, scheme, strict);
    const pred = sentenceChunks(s.pred, scheme, strict);
    const goldKeys = new Set(gold.map(key));
    for (const c of gold) entry(c.type).support++;
    for (const c of pred) {
      entry(c.type).predicted++;
      if (goldKeys.has(key(c))) entry(c.type).correct++;
    }
  }
  const types = [...counts.keys()].sort().map((type) => {
    const c = counts.get(type)!;
    return row(type, c.support, c.predicted, c.correct);
  });
  const total = (f: 'support' | 'predicted' | 'correct') => types.reduce((a, t) => a + t[f], 0);
  const micro = row('micro', total('support'), total('predicted'), total('correct'));
  const mean = (f: 'precision' | 'recall' | 'f1') => (types.length === 0 ? 0 : types.reduce((a, t) => a + t[f], 0) / types.length);
  const macro: TypeRow = { ...micro, type: 'macro', precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
  const bySupport = (f: 'precision' | 'recall' | 'f1') => (micro.support === 0 ? 0 : types.reduce((a, t) => a + t[f] * t.support, 0) / micro.support);
  const weighted: TypeRow = { ...micro, type: 'weighted', precision: bySupport('precision'), recall: bySupport('recall'), f1: bySupport('f1') };
  return { strict, types, micro, macro, weighted };
}

/** Gold tag against predicted tag, token by token. */
export function confusionMatrix(sentences: readonly ScoredSentence[]): ConfusionMatrix {
  const seen = new Set<string>();
  for (const s of sentences) for (const t of [...s.gold, ...s.pred]) seen.add(t);
  const tags = [...seen].sort((a, b) => (a === 'O' ? -1 : b === 'O' ? 1 : a.slice(2).localeCompare(b.slice(2)) || a.localeCompare(b)));
  const index = new Map(tags.map((t, i) => [t, i]));
  const counts = tags.map(() => tags.map(() => 0));
  for (const s of sentences) s.gold.forEach((g, i) => counts[index.get(g)!][index.get(s.pred[i])!]++);
  return { tags, counts };
}

/** The mismatched spans, sentence by sentence, at most `limit`. */
export function spanErrors(sentences: readonly ScoredSentence[], scheme: TagScheme, limit: number, strict = false): SpanError[] {
  const errors: SpanError[] = [];
  for (let n = 0; n < sentences.length && errors.length < limit; n++) {
    const s = sentences[n];
    const gold = sentenceChunks(s.gold, scheme, strict);
    const pred = sentenceChunks(s.pred, scheme, strict);
    const goldKeys = new Set(gold.map(key));
    const predKeys = new Set(pred.map(key));
    const overlaps = (a: Chunk, b: Chunk) => a.start < b.end && b.start < a.end;
    const span = (c: Chunk) => ({ type: c.type, start: c.start, end: c.end, text: s.tokens.slice(c.start, c.end).join(' ') });
    const found: SpanError[] = [];
    const pairedPred = new Set<string>();
    for (const g of gold) {
      if (predKeys.has(key(g))) continue;
      const p = pred.find((c) => !goldKeys.has(key(c)) && overlaps(c, g));
      if (p === undefined) {
        found.push({ sentence: n, kind: 'missed', gold: span(g), context: context(s.tokens, g) });
        continue;
      }
      pairedPred.add(key(p));
      const kind = p.start === g.start && p.end === g.end ? 'type' : 'boundary';
      found.push({ sentence: n, kind, gold: span(g), pred: span(p), context: context(s.tokens, g, p) });
    }
    for (const p of pred) {
      if (goldKeys.has(key(p)) || pairedPred.has(key(p))) continue;
      found.push({ sentence: n, kind: 'spurious', pred: span(p), context: context(s.tokens, undefined, p) });
    }
    found.sort((a, b) => (a.gold ?? a.pred)!.start - (b.gold ?? b.pred)!.start);
    errors.push(...found.slice(0, limit - errors.length));
  }
  return errors;
}

/** Up to 6 tokens either side, the gold span in [ ] and the predicted one in { }. */
function context(tokens: readonly string[], gold?: Chunk, pred?: Chunk): string {
  const from = Math.max(0, Math.min(gold?.start ?? Infinity, pred?.start ?? Infinity) - 6);
  const to = Math.min(tokens.length, Math.max(gold?.end ?? -1, pred?.end ?? -1) + 6);
  const out: string[] = from > 0 ? ['…'] : [];
  for (let i = from; i < to; i++) {
    let token = tokens[i];
    if (pred?.start === i) token = `{${token}`;
    if (gold?.start === i) token = `[${token}`;
    if (gold?.end === i + 1) token = `${token}]`;
    if (pred?.end === i + 1) token = `${token}}`;
    out.push(token);
  }
  if (to < tokens.length) out.push('…');
  return out.join(' ');
}

const fixed = (x: number) => x.toFixed(2).padStart(6);

/** The per-type table as text. */
export function formatSpanReport(report: SpanReport): string {
  const width = Math.max(8, ...report.types.map((t) => t.type.length));
  const line = (t: TypeRow) => `${t.type.padStart(width)}  ${String(t.support).padStart(7)}  ${String(t.predicted).padStart(7)}  ${fixed(t.precision)}  ${fixed(t.recall)}  ${fixed(t.f1)}\n`;
  const header = ['gold'.padStart(7), 'found'.padStart(7), 'P'.padStart(6), 'R'.padStart(6), 'F1'.padStart(6)].join('  ');
  // conlleval's per-type lines end in the entities found (predicted); its users read support (gold) here.
  let out = `${report.strict ? 'strict (seqeval)' : 'conlleval'} span matching (gold: entities in the data, the support; found: entities predicted)\n${'type'.padStart(width)}  ${header}\n`;
  for (const t of report.types) out += line(t);
  out += line(report.micro) + line(report.macro) + line(report.weighted);
  return out;
}

/** The confusion matrix as text: gold tags down, predicted tags across. */
export function formatConfusion(matrix: ConfusionMatrix): string {
  const width = Math.max(6, ...matrix.tags.map((t) => t.length), ...matrix.counts.flat().map((c) => String(c).length));
  let out = `token tags: gold down, predicted across\n${''.padStart(width)}${matrix.tags.map((t) => ` ${t.padStart(width)}`).join('')}\n`;
  matrix.tags.forEach((tag, i) => {
    out += tag.padStart(width) + matrix.counts[i].map((c) => ` ${String(c).padStart(width)}`).join('') + '\n';
  });
  return out;
}

/** The error list as text, one span per line. */
export function formatErrors(errors: readonly SpanError[]): string {
  return errors
    .map((e) => {
      const what = e.kind === 'missed' ? `missed ${e.gold!.type}` : e.kind === 'spurious' ? `spurious ${e.pred!.type}` : `${e.kind}: gold ${e.gold!.type}, predicted ${e.pred!.type}`;
      return `sentence ${e.sentence + 1}: ${what}: ${e.context}\n`;
    })
    .join('');
}
