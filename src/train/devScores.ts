/**
 * A model's dev scores as training records them: conlleval's overall and
 * per-type precision, recall and F1.
 */
import type { Corpus } from '../types';
import type { DevScores } from '../model/metadata';
import type { NerModel } from '../model/nerModel';
import { metrics } from '../eval/conlleval';
import { evaluateModelAsync } from '../eval/evaluateModel';

export async function devScores(model: NerModel, dev: Corpus): Promise<DevScores> {
  const { overall, types, byType } = metrics((await evaluateModelAsync(model, dev)).counts);
  const perType: DevScores['byType'] = {};
  for (const type of types) perType[type] = { precision: byType[type].precision, recall: byType[type].recall, f1: byType[type].f1 };
  return { precision: overall.precision, recall: overall.recall, f1: overall.f1, byType: perType };
}
