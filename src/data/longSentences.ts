/**
 * Training sentences too long to train whole, cut into pieces that do
 * (limits.ts, MAX_TRAINING_TOKENS): backpropagation holds every token's
 * activations, and a long sentence trains alone, so one sentence of 100,000
 * tokens took a training step of 5 GB.
 *
 * A cut goes right after the last `O` tag that keeps the piece within the
 * limit, so no entity is split and each piece ends and starts where every
 * scheme allows a sentence to (after `O` comes only what may open one). Only
 * a stretch of more than `maxTokens` tokens without any `O` is cut at the
 * limit itself, inside an entity.
 */
import type { Corpus, Sentence } from '../types';

export interface CutCorpus {
  corpus: Corpus;
  /** The sentences that were cut, as they were. */
  cut: Sentence[];
}

/** Where a sentence's pieces end (exclusive token indices, the last being its length). */
export function pieceEnds(tags: readonly string[], length: number, maxTokens: number): number[] {
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new Error(`pieceEnds: maxTokens must be a positive integer, got ${maxTokens}`);
  const ends: number[] = [];
  let start = 0;
  while (length - start > maxTokens) {
    let end = start + maxTokens;
    // The last O within the limit ends the piece (tags[end - 1] is the piece's last tag).
    while (end > start && tags[end - 1] !== 'O') end--;
    if (end === start) end = start + maxTokens;
    ends.push(end);
    start = end;
  }
  ends.push(length);
  return ends;
}

/** `corpus` with every sentence longer than `maxTokens` tokens cut into pieces (see above); the rest as they were. */
export function cutLongSentences(corpus: Corpus, maxTokens: number): CutCorpus {
  const cut: Sentence[] = [];
  const sentences = corpus.sentences.flatMap((s) => {
    if (s.tokens.length <= maxTokens) return [s];
    cut.push(s);
    let start = 0;
    return pieceEnds(s.tags, s.tokens.length, maxTokens).map((end) => {
      const piece: Sentence = { tokens: s.tokens.slice(start, end), tags: s.tags.slice(start, end), lines: s.lines.slice(start, end) };
      if (s.document !== undefined) piece.document = s.document;
      if (s.file !== undefined) piece.file = s.file;
      if (s.featureValues !== undefined) piece.featureValues = s.featureValues.slice(start, end);
      start = end;
      return piece;
    });
  });
  return { corpus: cut.length === 0 ? corpus : { ...corpus, sentences }, cut };
}
