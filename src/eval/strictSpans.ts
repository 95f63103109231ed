/**
 * Entity spans as seqeval's strict mode reads them (`mode='strict'`): a port
 * of `seqeval/scheme.py` (chakki-works/seqeval at cd01b52), pattern table for
 * pattern table, so that `ner eval --strict` gives seqeval's numbers exactly,
 * including on ill-formed input, where each scheme's patterns decide what is
 * dropped.
 *
 * The machine, per sentence (seqeval's `Tokens.entities`): walk the tags with
 * an `O` appended; where a tag is a START after its predecessor, extend the
 * span while each next tag is INSIDE after its predecessor; keep the span only
 * if the first tag after it is an END of it. Each START/INSIDE/END test is a
 * set of (previous prefix, current prefix, same type?) patterns.
 *
 * Tags are read as seqeval reads them: the prefix is the FIRST character (the
 * last with suffix-style tags, which `src/data/tagScheme.ts` rewrites before
 * they get here) and the type is the rest with hyphens stripped from both
 * ends, `_` when nothing is left (`B` is a chunk of type `_`).
 *
 * This module imports nothing from the rest of ner but the `Chunk` type: it
 * is the reference the strict numbers are checked against.
 */
import type { Chunk } from '../data/chunks';

/** The schemes seqeval's strict mode knows. */
export type StrictScheme = 'iob1' | 'iob2' | 'ioe1' | 'ioe2' | 'iobes' | 'bilou';

/** seqeval's `Prefix` members; `*` stands for `Prefix.ANY`. */
type Prefix = 'I' | 'O' | 'B' | 'E' | 'S' | 'U' | 'L';
const PREFIXES: ReadonlySet<string> = new Set<Prefix>(['I', 'O', 'B', 'E', 'S', 'U', 'L']);

/** seqeval's `Tag` condition on the types of the two tags. */
type TypeCondition = 'same' | 'diff' | 'any';

/** (previous prefix, current prefix, type condition); `*` matches any prefix. */
type Pattern = readonly [Prefix | '*', Prefix | '*', TypeCondition];

interface SchemePatterns {
  allowed: readonly Prefix[];
  start: readonly Pattern[];
  inside: readonly Pattern[];
  end: readonly Pattern[];
}

/** seqeval's classes IOB1 … BILOU, in its order and with its (sometimes surprising) entries. */
const PATTERNS: Record<StrictScheme, SchemePatterns> = {
  iob1: {
    allowed: ['I', 'O', 'B'],
    start: [['O', 'I', 'any'], ['I', 'I', 'diff'], ['B', 'I', 'any'], ['I', 'B', 'same'], ['B', 'B', 'same']],
    inside: [['B', 'I', 'same'], ['I', 'I', 'same']],
    end: [['I', 'I', 'diff'], ['I', 'O', 'any'], ['I', 'B', 'any'], ['B', 'O', 'any'], ['B', 'I', 'diff'], ['B', 'B', 'same']],
  },
  // seqeval marks IOE1 "hasn't yet been able to handle some cases" (`I-PER E-PER` at a
  // sentence end finds nothing); ported as it is, so that --strict stays seqeval's.
  ioe1: {
    allowed: ['I', 'O', 'E'],
    start: [['O', 'I', 'any'], ['I', 'I', 'diff'], ['E', 'I', 'any'], ['E', 'E', 'same']],
    inside: [['I', 'I', 'same'], ['I', 'E', 'same']],
    end: [['I', 'I', 'diff'], ['I', 'O', 'any'], ['I', 'E', 'diff'], ['E', 'I', 'same'], ['E', 'E', 'same']],
  },
  iob2: {
    allowed: ['I', 'O', 'B'],
    start: [['*', 'B', 'any']],
    inside: [['B', 'I', 'same'], ['I', 'I', 'same']],
    end: [['I', 'O', 'any'], ['I', 'I', 'diff'], ['I', 'B', 'any'], ['B', 'O', 'any'], ['B', 'I', 'diff'], ['B', 'B', 'any']],
  },
  ioe2: {
    allowed: ['I', 'O', 'E'],
    start: [['O', 'I', 'any'], ['O', 'E', 'any'], ['E', 'I', 'any'], ['E', 'E', 'any'], ['I', 'I', 'diff'], ['I', 'E', 'diff']],
    inside: [['I', 'E', 'same'], ['I', 'I', 'same']],
    end: [['E', '*', 'any']],
  },
  iobes: {
    allowed: ['I', 'O', 'B', 'E', 'S'],
    start: [['*', 'B', 'any'], ['*', 'S', 'any']],
    inside: [['B', 'I', 'same'], ['B', 'E', 'same'], ['I', 'I', 'same'], ['I', 'E', 'same']],
    end: [['S', '*', 'any'], ['E', '*', 'any']],
  },
  bilou: {
    allowed: ['B', 'I', 'L', 'O', 'U'],
    start: [['*', 'B', 'any'], ['*', 'U', 'any']],
    inside: [['B', 'I', 'same'], ['B', 'L', 'same'], ['I', 'I', 'same'], ['I', 'L', 'same']],
    end: [['U', '*', 'any'], ['L', '*', 'any']],
  },
};

/** A tag as seqeval's `Token` holds it. */
export interface StrictTag {
  prefix: Prefix;
  type: string;
}

/** A tag seqeval would refuse: its index in the sentence, the tag, and why (a phrase that follows the tag). */
export class StrictTagError extends Error {
  constructor(
    readonly index: number,
    readonly tag: string,
    readonly reason: string,
  ) {
    super(`tag '${tag}' ${reason}`);
    this.name = 'StrictTagError';
  }
}

function allowedList(scheme: StrictScheme): string {
  return PATTERNS[scheme].allowed.join(', ');
}

/**
 * seqeval's `Token(tag)`: prefix = first character, type = the rest without
 * leading or trailing hyphens, `_` if empty. Throws where seqeval raises
 * (an empty tag, a first character that is no prefix, a prefix the scheme
 * does not allow: `Token.is_valid`).
 */
export function strictTag(tag: string, scheme: StrictScheme, index = 0): StrictTag {
  const first = tag.charAt(0);
  if (!PREFIXES.has(first)) throw new StrictTagError(index, tag, `has no prefix that strict mode reads (it must start with one of ${allowedList(scheme)})`);
  const prefix = first as Prefix;
  if (!PATTERNS[scheme].allowed.includes(prefix)) {
    throw new StrictTagError(index, tag, `is not part of the ${scheme} tag scheme, which strict mode reads with the prefixes ${allowedList(scheme)}`);
  }
  return { prefix, type: tag.slice(1).replace(/^-+|-+$/g, '') || '_' };
}

function matches(patterns: readonly Pattern[], prev: StrictTag, cur: StrictTag): boolean {
  return patterns.some(([p, c, condition]) => {
    if (p !== '*' && p !== prev.prefix) return false;
    if (c !== '*' && c !== cur.prefix) return false;
    if (condition === 'any') return true;
    return (prev.type === cur.type) === (condition === 'same');
  });
}

/** Whether `cur` starts, continues or (after `prev`) ends a chunk in `scheme`: seqeval's is_start / is_inside / is_end. */
export function strictBoundaries(scheme: StrictScheme, prev: StrictTag, cur: StrictTag): { start: boolean; inside: boolean; end: boolean } {
  const p = PATTERNS[scheme];
  return { start: matches(p.start, prev, cur), inside: matches(p.inside, prev, cur), end: matches(p.end, prev, cur) };
}

const OUTSIDE: StrictTag = { prefix: 'O', type: '_' };

/**
 * The chunks seqeval's strict mode finds in one sentence (`Tokens.entities`),
 * in order, types as seqeval names them (`_` for untyped tags).
 */
export function strictChunks(tags: readonly string[], scheme: StrictScheme): Chunk[] {
  const p = PATTERNS[scheme];
  // seqeval appends an O so that a chunk at the end of the sentence can end.
  const parsed = [...tags.map((t, i) => strictTag(t, scheme, i)), OUTSIDE];
  const chunks: Chunk[] = [];
  let i = 0;
  let prev = OUTSIDE;
  while (i < parsed.length) {
    const token = parsed[i];
    if (matches(p.start, prev, token)) {
      // _forward: the first index after `i` that is not inside (the appended O never is).
      let end = i + 1;
      while (end < parsed.length && matches(p.inside, parsed[end - 1], parsed[end])) end++;
      // seqeval returns len(tokens) - 1 if it runs off the end; the O makes that unreachable.
      if (end < parsed.length && matches(p.end, parsed[end - 1], parsed[end])) chunks.push({ type: token.type, start: i, end });
      i = end;
    } else {
      i++;
    }
    prev = parsed[i - 1];
  }
  return chunks;
}
