/**
 * metadata.json: everything besides the weights that decoding needs, plus a
 * record of how the model was trained. Validated on load so that a model from
 * another tool or an incompatible version fails with a clear message.
 */
import { ModelError } from '../errors';
import type { TagScheme } from '../types';
import type { TagVocabularyJSON, VocabularyJSON } from '../data/vocab';
import type { TaggerShape } from './tagger';

export const MODEL_FORMAT = 'ner-bilstm-crf';
/** Bumped when a saved model can no longer be read the old way. */
export const FORMAT_VERSION = 1;

/** Dev-set scores in percent, as conlleval reports them. */
export interface DevScores {
  precision: number;
  recall: number;
  f1: number;
  /** The same per entity type (conlleval's), for the training report. */
  byType?: Record<string, { precision: number; recall: number; f1: number }>;
}

export interface EpochRecord {
  epoch: number;
  /** Mean training loss (negative log-likelihood per sentence). */
  loss: number;
  seconds: number;
  tokensPerSecond: number;
  learningRate: number;
  dev?: DevScores;
}

/** How the model was trained: options, data, and the learning curve. */
export interface TrainingSummary {
  options: Record<string, string | number | boolean | null>;
  data: { train: string; dev: string | null; sentences: number; tokens: number };
  backend: string;
  epochs: EpochRecord[];
  /** The epoch whose weights were saved: best dev F1, or the last without --dev. */
  bestEpoch: number;
  bestDev?: DevScores;
  stoppedEarly: boolean;
  /** Where training stopped after repeated NaN or infinite losses or gradients; the best earlier epoch was kept. */
  diverged?: { epoch: number; step: number };
  seconds: number;
}

export interface ModelMetadata {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  nerVersion: string;
  tfjsVersion: string;
  savedAt: string;
  /** The tag scheme the model predicts in (that of its training data). */
  scheme: TagScheme;
  /** The scheme of the network's own tags, when it differs (trained with --train-scheme iobes). */
  modelScheme?: TagScheme;
  words: VocabularyJSON;
  tags: TagVocabularyJSON;
  /** The character vocabulary, when the network has a character encoder. */
  chars?: VocabularyJSON;
  shape: TaggerShape;
  training?: TrainingSummary;
}

const SCHEMES: readonly TagScheme[] = ['iob1', 'iob2', 'iobes'];

/** Checks the fields decoding relies on; vocabularies are checked by their own fromJSON. */
export function validateMetadata(json: unknown, dir: string): ModelMetadata {
  const bad = (reason: string): never => {
    throw new ModelError(dir, `incompatible model: metadata.json ${reason}`);
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) bad('is not a JSON object');
  const m = json as Partial<ModelMetadata>;
  if (m.format !== MODEL_FORMAT) bad(`has format ${JSON.stringify(m.format)}, expected "${MODEL_FORMAT}"`);
  if (m.formatVersion !== FORMAT_VERSION) {
    bad(`has format version ${JSON.stringify(m.formatVersion)}; this ner reads version ${FORMAT_VERSION} (retrain or use the ner that saved it)`);
  }
  if (!SCHEMES.includes(m.scheme as TagScheme)) bad(`has tag scheme ${JSON.stringify(m.scheme)}, expected one of ${SCHEMES.join(', ')}`);
  if (m.modelScheme !== undefined && !SCHEMES.includes(m.modelScheme)) bad(`has model tag scheme ${JSON.stringify(m.modelScheme)}, expected one of ${SCHEMES.join(', ')}`);
  const shape = m.shape as Partial<TaggerShape> | undefined;
  for (const key of ['vocabSize', 'numTags', 'embeddingDim', 'hiddenSize', 'dropout'] as const) {
    if (typeof shape?.[key] !== 'number') bad(`lacks shape.${key}`);
  }
  const layers = shape?.lstmLayers;
  if (layers !== undefined && !(Number.isInteger(layers) && layers >= 1)) bad(`has shape.lstmLayers ${JSON.stringify(layers)}, expected a positive integer`);
  const context = shape?.contextTokens;
  if (context !== undefined && !(Number.isInteger(context) && context >= 0)) bad(`has shape.contextTokens ${JSON.stringify(context)}, expected a non-negative integer`);
  if (m.words === undefined || m.tags === undefined) bad('lacks the word or tag vocabulary');
  return m as ModelMetadata;
}
