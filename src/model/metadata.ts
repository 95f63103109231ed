/**
 * metadata.json: everything besides the weights that decoding needs, plus a
 * record of how the model was trained. Validated on load so that a model from
 * another tool or an incompatible version fails with a clear message.
 */
import { ModelError } from '../errors';
import type { TagScheme } from '../types';
import { TAG_SCHEMES } from '../data/tagScheme';
import type { TagVocabularyJSON, VocabularyJSON } from '../data/vocab';
import type { TokenFeaturesJSON } from '../data/tokenFeatures';
import { TaggerShape, validateShape } from './tagger';

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
  /** When the model was saved (ISO 8601); absent in a model not saved yet (a checkpoint's, or one in memory). */
  savedAt?: string;
  /** The tag scheme the model predicts in (that of its training data). */
  scheme: TagScheme;
  /** The scheme of the network's own tags, when it differs (trained with --train-scheme iobes). */
  modelScheme?: TagScheme;
  words: VocabularyJSON;
  tags: TagVocabularyJSON;
  /** The character vocabulary, when the network has a character encoder. */
  chars?: VocabularyJSON;
  /** The token features' definitions (gazetteer, extra columns), when the network reads them. */
  features?: TokenFeaturesJSON;
  shape: TaggerShape;
  training?: TrainingSummary;
}

const SCHEMES: readonly TagScheme[] = TAG_SCHEMES;

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
  if (shape === null || typeof shape !== 'object' || Array.isArray(shape)) bad('lacks the network shape');
  for (const key of ['vocabSize', 'numTags', 'embeddingDim', 'hiddenSize', 'dropout'] as const) {
    if (typeof shape?.[key] !== 'number') bad(`lacks shape.${key}`);
  }
  const layers = shape?.lstmLayers;
  if (layers !== undefined && !(Number.isInteger(layers) && layers >= 1)) bad(`has shape.lstmLayers ${JSON.stringify(layers)}, expected a positive integer`);
  const context = shape?.contextTokens;
  if (context !== undefined && !(Number.isInteger(context) && context >= 0)) bad(`has shape.contextTokens ${JSON.stringify(context)}, expected a non-negative integer`);
  try {
    validateShape(shape as TaggerShape);
  } catch (err) {
    bad(`has a bad shape: ${(err as Error).message.replace(/^tagger: /, 'shape.')}`);
  }
  if (m.words === undefined || m.tags === undefined) bad('lacks the word or tag vocabulary');
  if (m.savedAt !== undefined && typeof m.savedAt !== 'string') corrupt(dir, 'savedAt', m.savedAt, 'a date string');
  if (m.training !== undefined) checkTraining(m.training, dir);
  return m as ModelMetadata;
}

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => x !== null && typeof x === 'object' && !Array.isArray(x);
/** JSON writes NaN and Infinity (a diverged epoch's loss, say) as null. */
const isNumber = (x: unknown): boolean => x === null || typeof x === 'number';

function corrupt(dir: string, field: string, value: unknown, expected: string): never {
  const shown = JSON.stringify(value) ?? String(value);
  throw new ModelError(dir, `corrupt model: metadata.json has ${field} ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}, expected ${expected}`);
}

/** Checks each field of `object` named in `fields` against its test; a missing field is checked as undefined. */
function checkFields(dir: string, prefix: string, object: Json, fields: Record<string, [(x: unknown) => boolean, string]>): void {
  for (const [key, [ok, expected]] of Object.entries(fields)) {
    if (!ok(object[key])) corrupt(dir, `${prefix}.${key}`, object[key], expected);
  }
}

const NUMBER: [(x: unknown) => boolean, string] = [isNumber, 'a number'];

function checkScores(dir: string, field: string, scores: unknown): void {
  if (!isObject(scores)) corrupt(dir, field, scores, 'an object of precision, recall and F1');
  checkFields(dir, field, scores, { precision: NUMBER, recall: NUMBER, f1: NUMBER });
  if (scores.byType === undefined) return;
  if (!isObject(scores.byType)) corrupt(dir, `${field}.byType`, scores.byType, 'an object of scores by entity type');
  for (const [type, s] of Object.entries(scores.byType)) checkScores(dir, `${field}.byType.${type}`, s);
}

/**
 * Checks the training summary as far as the report and the served page read
 * it, so that a wrong type is a ModelError rather than a crash in `ner report`.
 * Fields it does not know are left alone.
 */
function checkTraining(t: unknown, dir: string): void {
  if (!isObject(t)) corrupt(dir, 'training', t, 'an object');
  const string: [(x: unknown) => boolean, string] = [(x) => typeof x === 'string', 'a string'];
  checkFields(dir, 'training', t, {
    options: [isObject, 'an object of option values'],
    data: [isObject, 'an object'],
    backend: string,
    epochs: [Array.isArray, 'an array of epoch records'],
    bestEpoch: NUMBER,
    stoppedEarly: [(x) => typeof x === 'boolean', 'true or false'],
    seconds: NUMBER,
  });
  const data = t.data as Json;
  checkFields(dir, 'training.data', data, { train: string, dev: [(x) => x === null || typeof x === 'string', 'a string or null'], sentences: NUMBER, tokens: NUMBER });
  (t.epochs as unknown[]).forEach((e, i) => {
    const field = `training.epochs[${i}]`;
    if (!isObject(e)) corrupt(dir, field, e, 'an epoch record');
    checkFields(dir, field, e, { epoch: NUMBER, loss: NUMBER, seconds: NUMBER, tokensPerSecond: NUMBER, learningRate: [(x) => x === undefined || isNumber(x), 'a number'] });
    if (e.dev !== undefined) checkScores(dir, `${field}.dev`, e.dev);
  });
  if (t.bestDev !== undefined) checkScores(dir, 'training.bestDev', t.bestDev);
  if (t.diverged !== undefined) {
    if (!isObject(t.diverged)) corrupt(dir, 'training.diverged', t.diverged, 'an object of epoch and step');
    checkFields(dir, 'training.diverged', t.diverged, { epoch: NUMBER, step: NUMBER });
  }
}
