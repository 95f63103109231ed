/**
 * What a corpus holds and what is wrong with it, before hours of training
 * are spent on it: counts, entity types, the longest sentence, tags that break
 * the tag scheme (with file:line), and sentences shared between training and
 * development data. Behind `ner check`, and run by `ner train` for warnings.
 */
import type { Corpus, TagScheme } from '../types';
import { SchemeDetection, chooseScheme, readChunks, schemeProblems } from './tagScheme';
import type { Gazetteer } from './gazetteer';

export interface Violation {
  file: string;
  line: number;
  message: string;
}

export interface CorpusReport {
  file: string;
  scheme: TagScheme;
  /** Why `scheme` was chosen, when it was detected rather than given. */
  detection?: SchemeDetection;
  sentences: number;
  tokens: number;
  /** Occurrences of each tag, by tag. */
  tags: Record<string, number>;
  /** Entities (chunks read in `scheme`) of each type. */
  entities: Record<string, number>;
  longest: { tokens: number; line: number; file: string };
  /** Every scheme violation; `violationCount` counts them all. */
  violations: Violation[];
  violationCount: number;
}

export interface Duplicates {
  /** Development sentences whose tokens are also a training sentence. */
  count: number;
  /** The first few, as `{ train line, dev line }` of each sentence's first token. */
  examples: Array<{ trainLine: number; devLine: number; text: string }>;
}

/** Sentences of this many tokens or more make a warning: they train in smaller batches, or alone. */
export const LONG_SENTENCE = 1000;

const MAX_LISTED = 100;

/** Counts and scheme violations of a tagged corpus; `scheme` defaults to the one detected. */
export function checkCorpus(corpus: Corpus, scheme?: TagScheme): CorpusReport {
  const detection = scheme === undefined ? chooseScheme(corpus.sentences) : undefined;
  const resolved = scheme ?? detection!.scheme;
  const tags: Record<string, number> = {};
  const entities: Record<string, number> = {};
  const violations: Violation[] = [];
  let violationCount = 0;
  let tokens = 0;
  let longest = { tokens: 0, line: 0, file: corpus.file };
  for (const s of corpus.sentences) {
    tokens += s.tokens.length;
    if (s.tokens.length > longest.tokens) longest = { tokens: s.tokens.length, line: s.lines[0], file: s.file ?? corpus.file };
    for (const t of s.tags) tags[t] = (tags[t] ?? 0) + 1;
    if (s.tags.length === 0) continue;
    for (const c of readChunks(s.tags, resolved)) entities[c.type] = (entities[c.type] ?? 0) + 1;
    for (const p of schemeProblems(s.tags, resolved)) {
      violationCount++;
      if (violations.length < MAX_LISTED) violations.push({ file: s.file ?? corpus.file, line: s.lines[p.index], message: p.message });
    }
  }
  return { file: corpus.file, scheme: resolved, detection, sentences: corpus.sentences.length, tokens, tags: sorted(tags), entities: sorted(entities), longest, violations, violationCount };
}

/** Development sentences that also occur, token for token, in the training data. */
export function duplicateSentences(train: Corpus, dev: Corpus): Duplicates {
  const seen = new Map<string, number>();
  for (const s of train.sentences) {
    const key = s.tokens.join('\u0000');
    if (!seen.has(key)) seen.set(key, s.lines[0]);
  }
  const examples: Duplicates['examples'] = [];
  let count = 0;
  for (const s of dev.sentences) {
    const trainLine = seen.get(s.tokens.join('\u0000'));
    if (trainLine === undefined) continue;
    count++;
    if (examples.length < 10) examples.push({ trainLine, devLine: s.lines[0], text: s.tokens.join(' ') });
  }
  return { count, examples };
}

/** Everything worth a warning, one line each (what `ner train` prints and `ner check --strict` fails on). */
export function issues(report: CorpusReport, duplicates?: Duplicates, devFile?: string): string[] {
  const out: string[] = [];
  if (report.violationCount > 0) {
    const first = report.violations[0];
    out.push(`${report.file}: ${report.violationCount} ${report.violationCount === 1 ? 'tag breaks' : 'tags break'} the ${report.scheme} scheme (first: ${first.file}:${first.line}: ${first.message})`);
  }
  if (report.longest.tokens >= LONG_SENTENCE) {
    out.push(`${report.longest.file}:${report.longest.line}: the longest sentence has ${report.longest.tokens} tokens; batches are capped in padded tokens, so such sentences train in small batches or alone`);
  }
  if (duplicates !== undefined && duplicates.count > 0) {
    const e = duplicates.examples[0];
    out.push(`${devFile}: ${duplicates.count} sentence${duplicates.count === 1 ? '' : 's'} also in ${report.file} (first: ${devFile}:${e.devLine} = ${report.file}:${e.trainLine})`);
  }
  return out;
}

function sorted(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(counts).sort()) out[key] = counts[key];
  return out;
}

/** How a gazetteer covers a corpus's entities, by gold type (see gazetteerCoverage). */
export interface GazetteerCoverage {
  file: string;
  /** Per gold type, and `all`: entities whose exact tokens the gazetteer lists under that type, only under others, or not at all. */
  byType: Record<string, { entities: number; rightType: number; otherType: number; absent: number }>;
}

/**
 * For each entity of `corpus` (read in `scheme`), whether the gazetteer
 * lists its exact token sequence (matched as the gazetteer matches, with or
 * without case) under the entity's type, only under other types, or not at
 * all: `ner check --gazetteer`.
 */
export function gazetteerCoverage(gazetteer: Gazetteer, corpus: Corpus, scheme: TagScheme): GazetteerCoverage {
  const byType: GazetteerCoverage['byType'] = {};
  const count = (type: string, field: 'rightType' | 'otherType' | 'absent') => {
    for (const key of [type, 'all']) {
      const c = (byType[key] ??= { entities: 0, rightType: 0, otherType: 0, absent: 0 });
      c.entities++;
      c[field]++;
    }
  };
  for (const s of corpus.sentences) {
    for (const chunk of readChunks(s.tags, scheme)) {
      const types = gazetteer.typesOf(s.tokens.slice(chunk.start, chunk.end));
      count(chunk.type, types.includes(chunk.type) ? 'rightType' : types.length > 0 ? 'otherType' : 'absent');
    }
  }
  return { file: corpus.file, byType };
}
