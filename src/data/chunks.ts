/**
 * Chunk boundaries exactly as conlleval.pl (CoNLL-2000 evaluation script,
 * version 2004-01-26, Erik Tjong Kim Sang) finds them.
 *
 * This module is the leaf of the tag-handling code: `src/data/tagScheme.ts`
 * builds on it (and re-exports `parseTag`), so nothing here imports from there.
 * It sits in data/, upstream of decode/ (span probabilities) and eval/
 * (conlleval, reports), because all three read chunks the same way; in eval/
 * it made data/ and eval/ import each other.
 */

/** A tag split into conlleval's two parts: `B-PER` → `{prefix: 'B', type: 'PER'}`. */
export interface ParsedTag {
  /** The part before the first hyphen (`B`, `I`, `E`, `S`, `O`, or anything else). */
  prefix: string;
  /** The part after the first hyphen; '' when there is no hyphen (e.g. `O`). */
  type: string;
}

/**
 * Splits a tag at its FIRST hyphen, so types may contain hyphens
 * (`B-creative-work` → `B` + `creative-work`). This is conlleval's
 * `/^([^-]*)-(.*)$/` ("20040126 ET code which allows hyphens in the types");
 * a tag without a hyphen is all prefix with type ''.
 */
export function parseTag(tag: string): ParsedTag {
  const hyphen = tag.indexOf('-');
  if (hyphen < 0) return { prefix: tag, type: '' };
  return { prefix: tag.slice(0, hyphen), type: tag.slice(hyphen + 1) };
}

/**
 * conlleval's `endOfChunk`: did a chunk end between the previous and the
 * current word? A literal port, rule for rule, including the cases for tag
 * representations other than IOB (E, `[`, `]`, `.`). Note that conlleval has
 * no rule for S: an S- tag only ends a chunk through the type-change rule.
 */
export function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  let chunkEnd = false;

  if (prevTag === 'B' && tag === 'B') chunkEnd = true;
  if (prevTag === 'B' && tag === 'O') chunkEnd = true;
  if (prevTag === 'I' && tag === 'B') chunkEnd = true;
  if (prevTag === 'I' && tag === 'O') chunkEnd = true;

  if (prevTag === 'E' && tag === 'E') chunkEnd = true;
  if (prevTag === 'E' && tag === 'I') chunkEnd = true;
  if (prevTag === 'E' && tag === 'O') chunkEnd = true;
  if (prevTag === 'I' && tag === 'O') chunkEnd = true; // repeated in the original

  if (prevTag !== 'O' && prevTag !== '.' && prevType !== type) chunkEnd = true;

  // "corrected 1998-12-22: these chunks are assumed to have length 1"
  if (prevTag === ']') chunkEnd = true;
  if (prevTag === '[') chunkEnd = true;

  return chunkEnd;
}

/**
 * conlleval's `startOfChunk`: did a chunk start between the previous and the
 * current word? A literal port; as with `endOfChunk` there is no S rule, so
 * `S-X S-X` is read as ONE chunk (IOBES must be converted before evaluation).
 */
export function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  let chunkStart = false;

  if (prevTag === 'B' && tag === 'B') chunkStart = true;
  if (prevTag === 'I' && tag === 'B') chunkStart = true;
  if (prevTag === 'O' && tag === 'B') chunkStart = true;
  if (prevTag === 'O' && tag === 'I') chunkStart = true;

  if (prevTag === 'E' && tag === 'E') chunkStart = true;
  if (prevTag === 'E' && tag === 'I') chunkStart = true;
  if (prevTag === 'O' && tag === 'E') chunkStart = true;
  if (prevTag === 'O' && tag === 'I') chunkStart = true; // repeated in the original

  if (tag !== 'O' && tag !== '.' && prevType !== type) chunkStart = true;

  // "corrected 1998-12-22: these chunks are assumed to have length 1"
  if (tag === '[') chunkStart = true;
  if (tag === ']') chunkStart = true;

  return chunkStart;
}

/** An entity span within one sentence. */
export interface Chunk {
  type: string;
  /** Index of the first token. */
  start: number;
  /** Index one past the last token (exclusive). */
  end: number;
}

/** A predicate deciding whether a chunk starts/ends between two parsed tags. */
export type BoundaryRule = (prev: ParsedTag, cur: ParsedTag) => boolean;

/** How a scheme reads chunk boundaries between two neighbouring tags. */
export interface ChunkRules {
  isStart: BoundaryRule;
  isEnd: BoundaryRule;
}

/** conlleval's rules (IOB1, IOB2). */
export const CONLLEVAL_RULES: ChunkRules = {
  isStart: (p, c) => startOfChunk(p.prefix, c.prefix, p.type, c.type),
  isEnd: (p, c) => endOfChunk(p.prefix, c.prefix, p.type, c.type),
};

/** The tag conlleval assumes before the first word: its sentence boundary is read as `O`. */
export const OUTSIDE: ParsedTag = { prefix: 'O', type: '' };

/**
 * Chunks of one sentence under boundary rules (conlleval's by default).
 * A chunk opens wherever a start is detected; it closes at the next detected
 * end, at the next start (conlleval counts every start as a new phrase), or at
 * the end of the sentence, as conlleval's `-X- O O` boundary line does.
 */
export function extractChunks(tags: readonly string[], { isStart, isEnd }: ChunkRules = CONLLEVAL_RULES): Chunk[] {
  const chunks: Chunk[] = [];
  let open: { type: string; start: number } | undefined;
  let prev = OUTSIDE;
  tags.forEach((tag, i) => {
    const cur = parseTag(tag);
    const starts = isStart(prev, cur);
    if (open && (starts || isEnd(prev, cur))) {
      chunks.push({ type: open.type, start: open.start, end: i });
      open = undefined;
    }
    if (starts) open = { type: cur.type, start: i };
    prev = cur;
  });
  if (open) chunks.push({ type: open.type, start: open.start, end: tags.length });
  return chunks;
}
