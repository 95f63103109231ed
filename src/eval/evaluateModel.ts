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
  return scored(model, corpus, model.predict(...predictArgs(corpus)));
}

/** evaluateModel through NerModel.decodeAsync (for backends that cannot read synchronously). */
export async function evaluateModelAsync(model: NerModel, corpus: Corpus): Promise<ModelEvaluation> {
  const decoded = await model.decodeAsync(...predictArgs(corpus));
  return scored(model, corpus, decoded.map((d) => d.tags));
}

function predictArgs(corpus: Corpus): [string[][], { documents: Array<number | undefined>; featureValues: Array<string[][] | undefined> }] {
  return [corpus.sentences.map((s) => s.tokens), { documents: corpus.sentences.map((s) => s.document), featureValues: corpus.sentences.map((s) => s.featureValues) }];
}

function scored(model: NerModel, corpus: Corpus, predictions: string[][]): ModelEvaluation {
  const pairs = corpus.sentences.map((s, i) => ({ gold: s.tags, pred: predictions[i] }));
  return { counts: evaluateSequences(pairs, model.scheme), predictions };
}
