/**
 * Scores a model on a tagged corpus the way conlleval scores a prediction file.
 */
import type { Corpus } from '../types';
import type { NerModel } from '../model/nerModel';
import { ConllevalCounts, evaluateSequences } from './conlleval';

export interface ModelEvaluation {
  counts: ConllevalCounts;
  /** The predicted tags, sentence by sentence, in corpus order. */
  predictions: string[][];
}

export function evaluateModel(model: NerModel, corpus: Corpus): ModelEvaluation {
  const predictions = model.predict(
    corpus.sentences.map((s) => s.tokens),
    { documents: corpus.sentences.map((s) => s.document), featureValues: corpus.sentences.map((s) => s.featureValues) },
  );
  const pairs = corpus.sentences.map((s, i) => ({ gold: s.tags, pred: predictions[i] }));
  return { counts: evaluateSequences(pairs, model.scheme), predictions };
}
