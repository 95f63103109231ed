/**
 * Which tag transitions a tag scheme allows, so that decoding can only
 * produce well-formed sequences (AllenNLP's `allowed_transitions`).
 *
 *   IOB2   START → O, B-X          I-X only after B-X or I-X      any → END
 *   IOB1   START → O, I-X          B-X only after B-X or I-X      any → END
 *   IOBES  START → O, B-X, S-X     after B-X or I-X: I-X or E-X   O, E-X, S-X → END
 *                                  after O, E-X, S-X: O, B-Y, S-Y
 *
 * Forbidden transitions get a score of -Infinity, so that no path through
 * them can win (Viterbi) or carry probability (forward-backward).
 */
import type { TagScheme } from '../types';
import type { CrfWeights } from '../model/crf';
import { parseTag } from '../data/tagScheme';

/** Allowed transitions over K tags: `start[j]`, `transitions[i * K + j]` (from i to j), `end[i]`. */
export interface TransitionMask {
  start: boolean[];
  transitions: boolean[];
  end: boolean[];
}

function allowedPair(scheme: TagScheme, from: string, to: string): boolean {
  const a = parseTag(from);
  const b = parseTag(to);
  const sameType = a.prefix !== 'O' && a.type === b.type;
  switch (scheme) {
    case 'iob2':
      return b.prefix !== 'I' || ((a.prefix === 'B' || a.prefix === 'I') && sameType);
    case 'iob1':
      return b.prefix !== 'B' || ((a.prefix === 'B' || a.prefix === 'I') && sameType);
    case 'iobes': {
      const inside = a.prefix === 'B' || a.prefix === 'I';
      if (inside) return (b.prefix === 'I' || b.prefix === 'E') && sameType;
      return b.prefix === 'O' || b.prefix === 'B' || b.prefix === 'S';
    }
  }
}

function allowedFirst(scheme: TagScheme, tag: string): boolean {
  const { prefix } = parseTag(tag);
  if (scheme === 'iob2') return prefix !== 'I';
  if (scheme === 'iob1') return prefix !== 'B';
  return prefix === 'O' || prefix === 'B' || prefix === 'S';
}

function allowedLast(scheme: TagScheme, tag: string): boolean {
  const { prefix } = parseTag(tag);
  return scheme !== 'iobes' || prefix === 'O' || prefix === 'E' || prefix === 'S';
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
