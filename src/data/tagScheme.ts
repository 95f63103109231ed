/**
 * Tag schemes (IOB1, IOB2, IOBES, IOE1, IOE2, BILOU): validation, detection
 * and conversion.
 *
 *   IOB1   chunks start with I-; B- only where a chunk directly follows one of its type
 *   IOB2   every chunk starts with B-
 *   IOE1   chunks end with I-; E- only where a chunk is directly followed by one of its type
 *   IOE2   every chunk ends with E-
 *   IOBES  B- … E- around longer chunks, S- alone
 *   BILOU  IOBES with L- for E- and U- for S- (spaCy's)
 *
 * (Tjong Kim Sang & Veenstra 1999, "Representing text chunks", for the first four.)
 *
 * Pure functions over tag strings. Chunks are read with conlleval's rules
 * (`src/data/chunks.ts`), so what we convert, warn about and evaluate all
 * agree on where an entity begins and ends.
 */
import { DataError } from '../errors';
import { CONLLEVAL_RULES, Chunk, ChunkRules, ParsedTag, endOfChunk, extractChunks, parseTag, startOfChunk } from './chunks';
import { Corpus, TagScheme } from '../types';

export { parseTag };
export type { ParsedTag };

/** The prefixes a tag may carry in any scheme, 'O' standing alone. */
type Prefix = 'O' | 'B' | 'I' | 'E' | 'S' | 'L' | 'U';

/** Which prefixes each scheme uses; anything else is foreign to it. */
const SCHEME_PREFIXES: Record<TagScheme, readonly Prefix[]> = {
  iob1: ['O', 'B', 'I'],
  iob2: ['O', 'B', 'I'],
  iobes: ['O', 'B', 'I', 'E', 'S'],
  ioe1: ['O', 'I', 'E'],
  ioe2: ['O', 'I', 'E'],
  bilou: ['O', 'B', 'I', 'L', 'U'],
};

/** Every scheme ner reads. */
export const TAG_SCHEMES = Object.keys(SCHEME_PREFIXES) as TagScheme[];

const CHUNK_PREFIX = /^[BIESLU]-./;

/** `PER-B`, `creative-work-I`: a type, a hyphen and a prefix letter last (seqeval's `suffix=True`). */
const SUFFIX_STYLE = /^.+-[BIESLU]$/;

/**
 * Why `tag` fits no scheme at all, or null when it is `O` or one of
 * `B-`, `I-`, `E-`, `S-`, `L-`, `U-` followed by a non-empty type.
 */
export function tagProblem(tag: string): string | null {
  if (tag === 'O' || CHUNK_PREFIX.test(tag)) return null;
  const problem = `tag '${tag}' fits no tag scheme (expected O or B-, I-, E-, S-, L-, U- followed by a type)`;
  if (!SUFFIX_STYLE.test(tag)) return problem;
  return `${problem}; it looks suffix-style, with the prefix last: write it ${fromSuffixStyle(tag)}`;
}

/**
 * A suffix-style tag (`PER-B`) in the usual prefix style (`B-PER`), read as
 * seqeval reads it with `suffix=True`: the prefix is the last character (a
 * code point: `PER-😀` is `😀-PER`), the type what precedes it without
 * hyphens at either end. `O` stays `O`; a tag with nothing before its prefix
 * (`B`) stays as it is.
 */
export function fromSuffixStyle(tag: string): string {
  if (tag === 'O' || tag.length === 0) return tag;
  const chars = Array.from(tag);
  const prefix = chars.pop()!;
  const type = chars.join('').replace(/^-+|-+$/g, '');
  return type === '' ? prefix : `${prefix}-${type}`;
}

/**
 * How the tags of a column look: suffix style with an example, prefix style
 * with an example, or neither, when no tag says (only `O` and untyped tags like `B`).
 */
export type TagStyle = { style: 'prefix'; example: string } | { style: 'suffix'; example: string } | { style: 'none' };

/**
 * Suffix style when every typed tag but `O` ends in a hyphen and a prefix
 * letter, and at least one does not also start like a prefix-style tag
 * (`B-I` could be either); prefix style when some typed tag does not end so.
 */
export function tagStyle(tagSequences: Iterable<readonly string[]>): TagStyle {
  let suffixExample: string | undefined;
  let prefixExample: string | undefined;
  for (const tags of tagSequences) {
    for (const tag of tags) {
      if (tag === 'O' || !tag.includes('-')) continue;
      if (!SUFFIX_STYLE.test(tag)) return { style: 'prefix', example: tag };
      if (!CHUNK_PREFIX.test(tag)) suffixExample ??= tag;
      else prefixExample ??= tag;
    }
  }
  if (suffixExample !== undefined) return { style: 'suffix', example: suffixExample };
  return prefixExample === undefined ? { style: 'none' } : { style: 'prefix', example: prefixExample };
}

/** Whether `scheme` uses the prefix of `tag` (assumes `tagProblem(tag)` is null). */
function schemeUses(scheme: TagScheme, tag: string): boolean {
  return (SCHEME_PREFIXES[scheme] as readonly string[]).includes(parseTag(tag).prefix);
}

function describePrefixes(scheme: TagScheme): string {
  const names = SCHEME_PREFIXES[scheme].map((p) => (p === 'O' ? 'O' : `${p}-`));
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function foreignPrefixMessage(tag: string, scheme: TagScheme): string {
  return `tag '${tag}' is not part of the ${scheme} tag scheme (which uses ${describePrefixes(scheme)})`;
}

/**
 * Throws a `DataError` pointing at the file and line of the first tag that
 * fits no scheme or, when `scheme` is given, whose prefix that scheme does not
 * use (e.g. `S-PER` in a corpus declared `iob2`). Sentences without tags pass.
 */
export function checkTags(corpus: Corpus, scheme?: TagScheme): void {
  for (const sentence of corpus.sentences) {
    sentence.tags.forEach((tag, i) => {
      const problem = tagProblem(tag) ?? (scheme && !schemeUses(scheme, tag) ? foreignPrefixMessage(tag, scheme) : null);
      if (problem !== null) throw new DataError(sentence.file ?? corpus.file, sentence.lines[i], problem);
    });
  }
}

/** A sentence's tags for detection, with the file line of each tag when known. */
export interface TaggedLines {
  tags: readonly string[];
  lines?: readonly number[];
}

/** Why detection chose a scheme: how many chunks each candidate would break. */
export interface SchemeDetection {
  scheme: TagScheme;
  /** Chunks in the corpus, read in `scheme`. */
  chunks: number;
  /** For each candidate, the chunks (read in that candidate) holding a tag that breaks it. */
  broken: Record<TagScheme, number>;
  /** Lines where `scheme` breaks: the first tag of each broken chunk, the first few only. */
  lines: number[];
}

/**
 * Candidates in the order ties are broken: IOB2 is the most common scheme
 * today, IOBES next; IOB1 mostly survives in the original CoNLL files; BILOU
 * is spaCy's; the IOE schemes are rare. (Ties that matter are between schemes
 * that read the tags alike: `I-X O` is one chunk in IOB1 and IOE1.)
 */
export const SCHEME_PREFERENCE: readonly TagScheme[] = ['iob2', 'iobes', 'iob1', 'bilou', 'ioe2', 'ioe1'];

/** How many breaking lines a detection keeps (and names). */
const DETECTION_LINES = 3;

/** Indices of the first breaking tag of each chunk of `tags` that breaks `scheme`. */
function brokenChunkStarts(tags: readonly string[], scheme: TagScheme): number[] {
  const problems = schemeProblems(tags, scheme);
  if (problems.length === 0) return [];
  const chunkAt = new Array<number>(tags.length).fill(-1);
  readChunks(tags, scheme).forEach((c, k) => chunkAt.fill(k, c.start, c.end));
  const seen = new Set<number>();
  const out: number[] = [];
  for (const p of problems) {
    // A breaking tag outside every chunk (none is known) would count on its own.
    const key = chunkAt[p.index] >= 0 ? chunkAt[p.index] : -1 - p.index;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p.index);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Chooses the scheme the tags support as a whole: the candidate that the
 * fewest chunks break (each chunk counted once, however many of its tags
 * break it; ties go by SCHEME_PREFERENCE). A handful of stray tags never
 * decides it: an IOB2 corpus with one `O I-LOC` breaks IOB2 once and IOB1 at
 * nearly every entity (IOB1 opens chunks with I-), a few stray E-/S- tags
 * break IOB2 a few times and IOBES at nearly every entity (IOBES closes every
 * chunk with E- or S-). Tags that fit no scheme are read as O: they break
 * every candidate alike.
 */
export function chooseScheme(sentences: readonly TaggedLines[]): SchemeDetection {
  const cleaned = withoutForeignTags(sentences);
  const breaks = Object.fromEntries(SCHEME_PREFERENCE.map((s) => [s, breaksOf(cleaned, s)])) as Record<TagScheme, SchemeBreaks>;
  const broken = Object.fromEntries(SCHEME_PREFERENCE.map((s) => [s, breaks[s].broken])) as Record<TagScheme, number>;
  // reduce keeps the first of equals, so the order of SCHEME_PREFERENCE breaks ties.
  const scheme = SCHEME_PREFERENCE.reduce((best, s) => (broken[s] < broken[best] ? s : best));
  const chunks = cleaned.reduce((n, s) => n + readChunks(s.tags, scheme).length, 0);
  return { scheme, chunks, broken, lines: breaks[scheme].lines };
}

/** How many chunks (read in a scheme) a tag breaks, and the lines of the first few. */
export interface SchemeBreaks {
  broken: number;
  lines: number[];
}

/** Tags that fit no scheme read as O: they break every candidate alike. */
function withoutForeignTags(sentences: readonly TaggedLines[]): TaggedLines[] {
  return sentences.map((s) => ({ tags: s.tags.map((t) => (tagProblem(t) === null ? t : 'O')), lines: s.lines }));
}

function breaksOf(sentences: readonly TaggedLines[], scheme: TagScheme): SchemeBreaks {
  let broken = 0;
  const lines: number[] = [];
  for (const s of sentences) {
    const starts = brokenChunkStarts(s.tags, scheme);
    broken += starts.length;
    for (const i of starts) if (lines.length < DETECTION_LINES && s.lines?.[i] !== undefined) lines.push(s.lines[i]);
  }
  return { broken, lines };
}

/** The chunks of `sentences` that break `scheme`, as chooseScheme counts them (to check a scheme the user named). */
export function schemeBreaks(sentences: readonly TaggedLines[], scheme: TagScheme): SchemeBreaks {
  return breaksOf(withoutForeignTags(sentences), scheme);
}

/** The scheme `chooseScheme` picks (IOB2 for a corpus without entities). */
export function detectScheme(tagSequences: readonly (readonly string[])[]): TagScheme {
  return chooseScheme(tagSequences.map((tags) => ({ tags }))).scheme;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * A detection in words, for one line of output: `iob2 (auto: 1 of 23,499
 * chunks breaks it, at train.conll:1234; iobes would break 23,499, iob1
 * 23,498, bilou 23,499, ioe2 23,499, ioe1 23,499)`.
 */
export function describeDetection(d: SchemeDetection, file: string): string {
  if (d.chunks === 0 && d.broken[d.scheme] === 0) return `${d.scheme} (auto: no entities to tell the schemes apart; ${d.scheme} is the default)`;
  const n = d.broken[d.scheme];
  let breaks = `${n === 0 ? 'none' : count(n)} of ${count(d.chunks)} chunk${d.chunks === 1 ? '' : 's'} ${n === 1 || n === 0 ? 'breaks' : 'break'} it`;
  if (d.lines.length > 0) {
    const more = n - d.lines.length;
    breaks += `, at ${d.lines.map((l) => `${file}:${l}`).join(', ')}${more > 0 ? ` and ${count(more)} more` : ''}`;
  }
  const others = SCHEME_PREFERENCE.filter((s) => s !== d.scheme);
  const would = others.map((s, k) => `${s}${k === 0 ? ' would break' : ''} ${count(d.broken[s])}`).join(', ');
  const tied = others.filter((s) => d.broken[s] === n);
  const tie = tied.length === 0 ? '' : `; a tie with ${tied.join(' and ')}, which goes to ${d.scheme} (ties go to ${SCHEME_PREFERENCE.join(', then ')})`;
  return `${d.scheme} (auto: ${breaks}; ${would}${tie})`;
}

/** A tag that is ill-formed for a scheme, for warnings. */
export interface SchemeProblem {
  /** Index of the tag in its sentence. */
  index: number;
  message: string;
}

function where(tags: readonly string[], i: number): string {
  return i === 0 ? 'at the start of the sentence' : `after ${tags[i - 1]}`;
}

/** Tags that fit no scheme, or use a prefix foreign to `scheme`, reported per index. */
function prefixProblem(tag: string, scheme: TagScheme): string | null {
  return tagProblem(tag) ?? (schemeUses(scheme, tag) ? null : foreignPrefixMessage(tag, scheme));
}

/**
 * Problems found tag by tag: a prefix foreign to `scheme`, or else what
 * `neighbours` says about the tag next to its neighbours (null: nothing).
 */
function tagByTagProblems(
  tags: readonly string[],
  scheme: TagScheme,
  neighbours: (cur: ParsedTag, i: number) => string | null,
): SchemeProblem[] {
  const problems: SchemeProblem[] = [];
  tags.forEach((tag, i) => {
    const message = prefixProblem(tag, scheme) ?? neighbours(parseTag(tag), i);
    if (message !== null) problems.push({ index: i, message });
  });
  return problems;
}

/** Whether tags[j] exists and is `I-` or `prefix-` followed by `type`. */
function continues(tags: readonly string[], j: number, prefix: Prefix, type: string): boolean {
  if (j < 0 || j >= tags.length) return false;
  const t = parseTag(tags[j]);
  return (t.prefix === 'I' || t.prefix === prefix) && t.type === type;
}

/**
 * IOB2 starts every chunk with B-, so I-X only continues B-X or I-X. IOB1
 * starts chunks with I-, and B-X only separates a chunk from a directly
 * preceding chunk of the same type.
 */
function iobProblems(tags: readonly string[], scheme: 'iob1' | 'iob2'): SchemeProblem[] {
  return tagByTagProblems(tags, scheme, (cur, i) => {
    const tag = tags[i];
    if (continues(tags, i - 1, 'B', cur.type)) return null;
    if (scheme === 'iob2' && cur.prefix === 'I') return `${tag} must follow B-${cur.type} or I-${cur.type} in iob2 (found ${where(tags, i)})`;
    if (scheme === 'iob1' && cur.prefix === 'B') {
      return `${tag} must follow I-${cur.type} or B-${cur.type} in iob1, where chunks start with I- (found ${where(tags, i)})`;
    }
    return null;
  });
}

/**
 * IOE1 and IOE2, the mirror of IOB1 and IOB2: IOE2 ends every chunk with E-,
 * so I-X must be followed by I-X or E-X; IOE1 ends chunks with I-, and E-X
 * only separates a chunk from a directly following chunk of the same type.
 */
function ioeProblems(tags: readonly string[], scheme: 'ioe1' | 'ioe2'): SchemeProblem[] {
  return tagByTagProblems(tags, scheme, (cur, i) => {
    const tag = tags[i];
    if (continues(tags, i + 1, 'E', cur.type)) return null;
    const found = i + 1 < tags.length ? tags[i + 1] : 'the end of the sentence';
    if (scheme === 'ioe2' && cur.prefix === 'I') return `${tag} must be followed by I-${cur.type} or E-${cur.type} in ioe2 (found ${found})`;
    if (scheme === 'ioe1' && cur.prefix === 'E') {
      return `${tag} must be followed by I-${cur.type} or E-${cur.type} in ioe1, where chunks end with I- (found ${found})`;
    }
    return null;
  });
}

/** The prefixes that close chunks in IOBES and BILOU. */
const CLOSING: Record<'iobes' | 'bilou', { last: Prefix; single: Prefix }> = {
  iobes: { last: 'E', single: 'S' },
  bilou: { last: 'L', single: 'U' },
};

/**
 * IOBES (BILOU alike, with L for E): after B-X or I-X only I-X or E-X may
 * come; I-X and E-X only after B-X or I-X. Checked on every transition,
 * sentence start and end included (both read as O), so an unfinished chunk is
 * reported at its last tag and an unopened one at its first.
 */
function closedProblems(tags: readonly string[], scheme: 'iobes' | 'bilou'): SchemeProblem[] {
  const { last } = CLOSING[scheme];
  const problems: SchemeProblem[] = [];
  // Ill-formed tags are reported once and otherwise read as O so they do not cascade.
  const parsed = tags.map((tag): ParsedTag => (prefixProblem(tag, scheme) === null ? parseTag(tag) : { prefix: 'O', type: '' }));
  for (let i = 0; i <= tags.length; i++) {
    const prev = i === 0 ? undefined : parsed[i - 1];
    const cur = i === tags.length ? undefined : parsed[i];
    const prevOpen = prev !== undefined && (prev.prefix === 'B' || prev.prefix === 'I');
    const curContinues = cur !== undefined && (cur.prefix === 'I' || cur.prefix === last);
    const joined = prevOpen && curContinues && prev.type === cur.type;
    if (prevOpen && !joined) {
      const next = cur === undefined ? 'the end of the sentence' : tags[i];
      problems.push({
        index: i - 1,
        message: `${tags[i - 1]} must be followed by I-${prev.type} or ${last}-${prev.type} in ${scheme} (found ${next})`,
      });
    }
    if (cur === undefined) continue;
    const bad = prefixProblem(tags[i], scheme);
    if (bad !== null) problems.push({ index: i, message: bad });
    else if (curContinues && !joined) {
      problems.push({
        index: i,
        message: `${tags[i]} must follow B-${cur.type} or I-${cur.type} in ${scheme} (found ${where(tags, i)})`,
      });
    }
  }
  return problems;
}

/** Tags of one sentence that are ill-formed for `scheme`, in sentence order (for warnings). */
export function schemeProblems(tags: readonly string[], scheme: TagScheme): SchemeProblem[] {
  switch (scheme) {
    case 'iobes':
    case 'bilou':
      return closedProblems(tags, scheme);
    case 'ioe1':
    case 'ioe2':
      return ioeProblems(tags, scheme);
    default:
      return iobProblems(tags, scheme);
  }
}

/**
 * IOBES chunk boundaries: conlleval's rules, which know nothing of S and let
 * chunks run on after E, plus "B- and S- always open a chunk" and "E- and S-
 * always close one". (A start also closes the open chunk, see extractChunks.)
 */
function iobesStart(p: ParsedTag, c: ParsedTag): boolean {
  return (
    startOfChunk(p.prefix, c.prefix, p.type, c.type) ||
    c.prefix === 'B' ||
    c.prefix === 'S' ||
    ((p.prefix === 'E' || p.prefix === 'S') && c.prefix !== 'O')
  );
}

function iobesEnd(p: ParsedTag, c: ParsedTag): boolean {
  return endOfChunk(p.prefix, c.prefix, p.type, c.type) || p.prefix === 'E' || p.prefix === 'S';
}

const IOBES_RULES: ChunkRules = { isStart: iobesStart, isEnd: iobesEnd };

/** A BILOU tag read as its IOBES twin: L- is E-, U- is S-. */
function asIobes(t: ParsedTag): ParsedTag {
  return t.prefix === 'L' ? { prefix: 'E', type: t.type } : t.prefix === 'U' ? { prefix: 'S', type: t.type } : t;
}

const BILOU_RULES: ChunkRules = {
  isStart: (p, c) => iobesStart(asIobes(p), asIobes(c)),
  isEnd: (p, c) => iobesEnd(asIobes(p), asIobes(c)),
};

/**
 * How `scheme` reads chunk boundaries between neighbouring tags. conlleval's
 * own rules cover IOB1, IOB2, IOE1 and IOE2 (its E- rules are for the IOE
 * schemes); IOBES and BILOU need S-/U- to close chunks.
 */
export function chunkRules(scheme: TagScheme): ChunkRules {
  return scheme === 'iobes' ? IOBES_RULES : scheme === 'bilou' ? BILOU_RULES : CONLLEVAL_RULES;
}

/** The entity spans of a sentence tagged in `scheme`; ill-formed input is read as conlleval reads it. */
export function readChunks(tags: readonly string[], scheme: TagScheme): Chunk[] {
  return extractChunks(tags, chunkRules(scheme));
}

/** Tags for `chunks` in a sentence of `length` tokens, written in `scheme`. */
export function writeChunks(chunks: readonly Chunk[], length: number, scheme: TagScheme): string[] {
  const tags = new Array<string>(length).fill('O');
  chunks.forEach((chunk, k) => {
    const { type, start, end } = chunk;
    for (let i = start; i < end; i++) tags[i] = `I-${type}`;
    switch (scheme) {
      case 'iob2':
        tags[start] = `B-${type}`;
        break;
      case 'iob1': {
        // IOB1 starts chunks with I-, except right after a chunk of the same type.
        const before = chunks[k - 1];
        if (before !== undefined && before.end === start && before.type === type) tags[start] = `B-${type}`;
        break;
      }
      case 'ioe2':
        tags[end - 1] = `E-${type}`;
        break;
      case 'ioe1': {
        // IOE1 ends chunks with I-, except right before a chunk of the same type.
        const after = chunks[k + 1];
        if (after !== undefined && after.start === end && after.type === type) tags[end - 1] = `E-${type}`;
        break;
      }
      case 'iobes':
      case 'bilou': {
        const { last, single } = CLOSING[scheme];
        if (end - start === 1) {
          tags[start] = `${single}-${type}`;
        } else {
          tags[start] = `B-${type}`;
          tags[end - 1] = `${last}-${type}`;
        }
      }
    }
  });
  return tags;
}

/**
 * Rewrites one sentence's tags from one scheme to another through its entity
 * spans. Never throws: input that is ill-formed in `from` is read with
 * conlleval's chunk rules (so `O I-PER` in iob2 is a PER chunk).
 */
export function convertTags(tags: readonly string[], from: TagScheme, to: TagScheme): string[] {
  return writeChunks(readChunks(tags, from), tags.length, to);
}
