/** A small tagged corpus and a fast-to-train model shape, for tests that need a real model. */
import type { Corpus } from '../../src/types';

const SENTENCES: Array<Array<[string, string]>> = [
  [['Angela', 'B-PER'], ['Merkel', 'I-PER'], ['visited', 'O'], ['Paris', 'B-LOC'], ['.', 'O']],
  [['Siemens', 'B-ORG'], ['opened', 'O'], ['an', 'O'], ['office', 'O'], ['in', 'O'], ['Berlin', 'B-LOC']],
  [['John', 'B-PER'], ['Smith', 'I-PER'], ['joined', 'O'], ['Google', 'B-ORG'], ['.', 'O']],
  [['The', 'O'], ['German', 'B-MISC'], ['team', 'O'], ['won', 'O']],
  [['Rome', 'B-LOC']],
  [['Bank', 'B-ORG'], ['of', 'I-ORG'], ['England', 'I-ORG'], ['raised', 'O'], ['rates', 'O'], ['again', 'O'], ['on', 'O'], ['Monday', 'O'], ['.', 'O']],
];

export function tinyCorpus(file = 'tiny.conll'): Corpus {
  return {
    file,
    sentences: SENTENCES.map((s, i) => ({
      tokens: s.map(([t]) => t),
      tags: s.map(([, g]) => g),
      lines: s.map((_, j) => 10 * i + j + 1),
    })),
  };
}

/**
 * A constant learning rate and no word dropout: tests train for a few epochs
 * and expect the model to have learnt, which the defaults (a schedule decayed
 * over the run, words dropped 5% of the time, made for 30 epochs of a real
 * corpus) need not give.
 */
export const TINY_OPTIONS = { embeddingDim: 8, hiddenSize: 6, batchSize: 2, epochs: 2, dropout: 0.1, schedule: 'anneal', wordUnk: 0 } as const;
