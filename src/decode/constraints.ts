/**
 * Which tag transitions a tag scheme allows, so that decoding can only
 * produce well-formed sequences (AllenNLP's `allowed_transitions`).
 *
 *   IOB2   START → O, B-X          I-X only after B-X or I-X      any → END
 *   IOB1   START → O, I-X          B-X only after B-X or I-X      any → END
 *   IOBES  START → O, B-X, S-X     after B-X or I-X: I-X or E-X   O, E-X, S-X → END
 *                                  after O, E-X, S-X: O, B-Y, S-Y
 *   BILOU  IOBES with L- for E- and U- for S-
 *   IOE2   any → START             I-X only before I-X or E-X     O, E-X → END
 *   IOE1   any → START             E-X only before I-X or E-X     O, I-X → END
 *
 * Forbidden transitions get a score of -Infinity, so that no path through
 * them can win (Viterbi) or carry probability (forward-backward).
 */
import type { TagScheme } from '../types';
import type { CrfWeights, TransitionMask } from '../model/crfTypes';
import { parseTag } from '../data/tagScheme';

/** The prefix of `tag`, with BILOU's L- and U- read as IOBES's E- and S-. */
function prefixOf(scheme: TagScheme, tag: string): { prefix: string; type: string } {
  const t = parseTag(tag);
  if (scheme !== 'bilou') return t;
  return { prefix: t.prefix === 'L' ? 'E' : t.prefix === 'U' ? 'S' : t.prefix, type: t.type };
}

function allowedPair(scheme: TagScheme, from: string, to: string): boolean {
  const a = prefixOf(scheme, from);
  const b = prefixOf(scheme, to);
  const sameType = a.prefix !== 'O' && a.type === b.type;
  switch (scheme) {
    case 'iob2':
      return b.prefix !== 'I' || ((a.prefix === 'B' || a.prefix === 'I') && sameType);
    case 'iob1':
      return b.prefix !== 'B' || ((a.prefix === 'B' || a.prefix === 'I') && sameType);
    case 'ioe2':
      return a.prefix !== 'I' || ((b.prefix === 'I' || b.prefix === 'E') && sameType);
    case 'ioe1':
      return a.prefix !== 'E' || ((b.prefix === 'I' || b.prefix === 'E') && sameType);
    case 'iobes':
    case 'bilou': {
      const inside = a.prefix === 'B' || a.prefix === 'I';
      if (inside) return (b.prefix === 'I' || b.prefix === 'E') && sameType;
      return b.prefix === 'O' || b.prefix === 'B' || b.prefix === 'S';
    }
  }
}

function allowedFirst(scheme: TagScheme, tag: string): boolean {
  const { prefix } = prefixOf(scheme, tag);
  switch (scheme) {
    case 'iob2':
      return prefix !== 'I';
    case 'iob1':
      return prefix !== 'B';
    case 'ioe1':
    case 'ioe2':
      return true;
    case 'iobes':
    case 'bilou':
      return prefix === 'O' || prefix === 'B' || prefix === 'S';
  }
}

function allowedLast(scheme: TagScheme, tag: string): boolean {
  const { prefix } = prefixOf(scheme, tag);
  switch (scheme) {
    case 'iob1':
    case 'iob2':
      return true;
    case 'ioe2':
      return prefix !== 'I';
    case 'ioe1':
      return prefix !== 'E';
    case 'iobes':
    case 'bilou':
      return prefix === 'O' || prefix === 'E' || prefix === 'S';
  }
}

/** The transitions `scheme` allows between `tags` (a model's tag vocabulary, in id order). */
export function allowedTransitions(tags: readonly string[], scheme: TagScheme): TransitionMask {
  return {
    start: tags.map((t) => allowedFirst(scheme, t)),
    transitions: tags.flatMap((from) => tags.map((to) => allowedPair(scheme, from, to))),
    end: tags.map((t) => allowedLast(scheme, t)),
  };
}

/** Copies `weights` with every forbidden transition at -Infinity. */
export function constrainWeights(weights: CrfWeights, allowed: TransitionMask): CrfWeights {
  const k = weights.numTags;
  if (allowed.start.length !== k || allowed.transitions.length !== k * k || allowed.end.length !== k) {
    throw new Error(`constrainWeights: a mask for ${allowed.start.length} tags does not fit a CRF with ${k} tags`);
  }
  const pick = (scores: Float32Array, ok: boolean[]) => Float32Array.from(scores, (s, i) => (ok[i] ? s : -Infinity));
  return { numTags: k, start: pick(weights.start, allowed.start), transitions: pick(weights.transitions, allowed.transitions), end: pick(weights.end, allowed.end) };
}
