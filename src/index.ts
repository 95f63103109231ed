/**
 * The library API of `ner`; the CLI in src/cli is built on exactly this.
 */
export { initBackend, describeBackend, activeBackend } from './backend';
export type { BackendInfo, BackendOptions, BackendName, BackendRequest } from './backend';
export { NerError, UsageError, OptionError, DataError, ModelError, NumericalError, FileSystemError } from './errors';
export type { Corpus, Sentence, TagScheme } from './types';

export { readConllFile, parseConll, readConllStream, ConllLineReader, formatConll } from './io/conll';
export { readCsvCorpus, parseCsvCorpus } from './io/csvCorpus';
export type { CsvCorpusOptions } from './io/csvCorpus';
export { readLines } from './io/lines';
export { tokenize } from './io/tokenize';
export { splitSentences } from './io/sentences';
export type { Token } from './io/tokenize';
export { readJsonlCorpus, parseJsonlCorpus } from './io/jsonlCorpus';
export { readLabelStudioCorpus, parseLabelStudio } from './io/labelStudio';
export { readBratCorpus } from './io/bratCorpus';
export { readCorpus, detectFormat, DATA_FORMATS } from './io/corpusFormat';
export type { CorpusReading, DataFormat, ReadCorpus } from './io/corpusFormat';
export { writeCorpus, bratFiles, sentenceDocument } from './io/corpusWriters';
export { convertCorpus } from './io/convertCorpus';
export type { BratCorpusOptions } from './io/bratCorpus';
export type { SpanCorpus, SpanCorpusOptions, OffsetUnit } from './io/spanCorpus';
export { spansJsonLine, labelStudioTask, bratAnn, bratConf } from './io/spanWriters';
export type { SpanDocument, BratOptions } from './io/spanWriters';

export { TAG_SCHEMES, detectScheme, convertTags, checkTags, readChunks, chunkRules, fromSuffixStyle } from './data/tagScheme';
export { Vocabulary, TagVocabulary } from './data/vocab';
export { Gazetteer, MATCH_CODES } from './data/gazetteer';
export type { GazetteerEntry, GazetteerJSON } from './data/gazetteer';
export { TokenFeatures } from './data/tokenFeatures';
export type { TokenFeaturesJSON, FeatureColumn } from './data/tokenFeatures';
export { readGazetteerFiles, parseGazetteer } from './io/gazetteerFile';
export { gazetteerCoverage } from './data/check';

export { CRF, crfLogPartition, crfPathScore, crfNegLogLikelihood, constrainParams } from './model/crf';
export type { CrfParams } from './model/crf';
export type { CrfWeights, TransitionMask } from './model/crfTypes';
export { NerModel } from './model/nerModel';
export { modelFromSaved } from './model/savedModel';
export { saveModel, loadModel } from './io/modelStore';
export type { DecodeOptions, DecodedSentence } from './model/nerModel';
export type { ModelMetadata, TrainingSummary, EpochRecord } from './model/metadata';

export { viterbi, viterbiBatch, viterbiNBest } from './decode/viterbi';
export { allowedTransitions, constrainWeights } from './decode/constraints';
export { forwardBackward, tokenMarginals, chunkProbability } from './decode/marginals';
export { tagLines, tagTokens, tagLinesAsync, tagTokensAsync } from './predict';
export type { TaggedSentence, Entity, TagOptions } from './predict';

export { extractChunks } from './data/chunks';
export { evaluateSequences, parseConllevalText, readConllevalSentences, scoreConllevalFile, formatConllevalReport, metrics } from './eval/conlleval';
export type { TagReading, ScoredFile } from './eval/conlleval';
export { spanReport, confusionMatrix, spanErrors, checkStrictTags } from './eval/report';
export { strictChunks } from './eval/strictSpans';
export type { StrictScheme } from './eval/strictSpans';
export { evaluateModel, evaluateModelAsync } from './eval/evaluateModel';

export { trainModel, DEFAULT_TRAIN_OPTIONS } from './train/trainer';
export type { TrainOptions, TrainEvents, TrainInput } from './train/trainer';
