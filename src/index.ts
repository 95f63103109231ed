/**
 * The library API of `ner`; the CLI in src/cli is built on exactly this.
 */
export { initBackend, describeBackend, activeBackend } from './backend';
export type { BackendInfo, BackendOptions, BackendName, BackendRequest } from './backend';
export { NerError, UsageError, DataError, ModelError } from './errors';
export type { Corpus, Sentence, TagScheme } from './types';

export { readConllFile, parseConll, formatConll } from './io/conll';
export { tokenize } from './io/tokenize';
export type { Token } from './io/tokenize';

export { detectScheme, convertTags, checkTags } from './data/tagScheme';
export { Vocabulary, TagVocabulary } from './data/vocab';

export { CRF, crfLogPartition, crfPathScore, crfNegLogLikelihood } from './model/crf';
export type { CrfParams, CrfWeights } from './model/crf';
export { NerModel } from './model/nerModel';
export type { ModelMetadata, TrainingSummary, EpochRecord } from './model/metadata';

export { viterbi, viterbiBatch } from './decode/viterbi';
export { tagLines, tagTokens } from './predict';
export type { TaggedSentence, Entity } from './predict';

export { extractChunks } from './eval/chunks';
export { evaluateSequences, parseConllevalText, formatConllevalReport, metrics } from './eval/conlleval';
export { evaluateModel } from './eval/evaluateModel';

export { trainModel, DEFAULT_TRAIN_OPTIONS } from './train/trainer';
export type { TrainOptions, TrainEvents, TrainInput } from './train/trainer';
