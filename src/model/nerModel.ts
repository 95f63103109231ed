/**
 * A tagger as one object: the tf.layers network, the vocabularies that map
 * tokens and tags to ids, and the tag scheme; it encodes, scores (emissions
 * and loss) and decodes. It knows no files: io/modelStore.ts saves and loads
 * it, through the checks of model/savedModel.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { NumericalError } from '../errors';
import type { TagScheme } from '../types';
import type { Corpus } from '../types';
import { Batch, EncodedSentence, SentenceLike, encodeSentences, makeBatches } from '../data/batch';
import { casingOf, encodeChars } from '../data/features';
import { TokenFeatures } from '../data/tokenFeatures';
import { decodeContextTokens, joinEncoded, packSentences, rowPieces, sentenceLayout } from '../data/context';
import { chunkRules, convertTags, parseTag, readChunks } from '../data/tagScheme';
import { TagVocabulary, Vocabulary } from '../data/vocab';
import { NBEST_PARTIAL_PATHS, nbestPartialPaths, viterbi, viterbiBatch, viterbiNBest } from '../decode/viterbi';
import { LimitExceeded, formatCount } from '../limits';
import { allowedTransitions, constrainWeights } from '../decode/constraints';
import { chunkProbability, forwardBackward, tokenMarginals } from '../decode/marginals';
import { NER_VERSION } from '../version';
import { fastPath } from '../fast/fastPath';
import { inPart } from '../util/parts';
import type { CharEncoderKind } from './charEncoder';
import { CRF } from './crf';
import type { CrfWeights, TransitionMask } from './crfTypes';
import { fusedEmissions, slicedEmissions } from '../fast/fusedForward';
import { FORMAT_VERSION, MODEL_FORMAT, ModelMetadata, TrainingSummary } from './metadata';
import { LAYER, TaggerShape, buildTagger, crfOf } from './tagger';
import { Architecture, architecture } from './architecture';

/** The network's input tensors for a batch, in the order of its inputs (see tagger.ts). */
function networkInputs(shape: TaggerShape, batch: Batch): tf.Tensor[] {
  const [B, T] = [batch.size, batch.maxLength];
  const inputs: tf.Tensor[] = [tf.tensor2d(batch.ids, [B, T], 'int32')];
  if (shape.chars !== undefined) {
    if (batch.chars === undefined) throw new Error('the model reads characters, but the batch has none (encode with NerModel.encode)');
    inputs.push(tf.tensor3d(batch.chars, [B, T, batch.charLength], 'int32'));
  }
  if ((shape.casingDim ?? 0) > 0) {
    if (batch.casing === undefined) throw new Error('the model reads casing, but the batch has none (encode with NerModel.encode)');
    inputs.push(tf.tensor2d(batch.casing, [B, T], 'int32'));
  }
  if (shape.features !== undefined) {
    if (batch.features === undefined) throw new Error('the model reads token features, but the batch has none (encode with NerModel.encode)');
    inputs.push(tf.tensor3d(batch.features, [B, T, batch.featureCount], 'int32'));
  }
  return inputs;
}

/**
 * `scores`, once checked to be numbers: finite weights can still be large
 * enough to overflow them (a run that diverged just short of NaN), and no
 * path, best or n-best, means anything then.
 */
function finiteScores(scores: Float32Array): Float32Array {
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new NumericalError('the model gives NaN or infinite emission scores for this input: its weights are out of range (did its training diverge?); retrain it with a lower --lr');
    }
  }
  return scores;
}

/** For a network that learns IOBES, the prefixes each data scheme writes in their place, where that is a tag-by-tag rewrite. */
const IOBES_PREFIX_AS: Partial<Record<TagScheme, Readonly<Record<string, string>>>> = {
  iob2: { S: 'B', E: 'I' },
  ioe2: { B: 'I', S: 'E' },
  bilou: { S: 'U', E: 'L' },
};

/** Sentences per prediction batch, and a cap on padded tokens so long inputs stay bounded in memory. */
const PREDICT_BATCH = 64;
const PREDICT_MAX_TOKENS = 64 * 64;

/** What `NerModel.decode` computes besides the best tags. */
export interface DecodeOptions {
  /** Forbid transitions the tag scheme does not allow, so tags are always well-formed (default true). */
  constraints?: boolean;
  /** How many best paths to list (default 1: none listed). */
  nbest?: number;
  /** Per-token tag probabilities (forward-backward marginals). */
  marginals?: boolean;
  /** The probability of each predicted entity. */
  confidence?: boolean;
  /**
   * The document of each sentence (same order), for models trained with
   * document context: consecutive sentences of one document are read
   * together. Absent, or undefined for a sentence: read alone.
   */
  documents?: ReadonlyArray<number | undefined>;
  /**
   * Up to how many tokens of one document are read as one sequence (0: every
   * sentence alone). Default: decodeContextTokens of the model's training
   * context, that is, the whole document up to 1024 tokens (or the training
   * context, if longer) for a model trained with context, and every sentence
   * alone for one trained without.
   */
  contextTokens?: number;
  /**
   * For models that read feature columns (data/tokenFeatures.ts): each
   * sentence's values of them, per token (`Sentence.featureValues`, same order).
   */
  featureValues?: ReadonlyArray<ReadonlyArray<readonly string[]> | undefined>;
}

export interface DecodedSentence {
  /** The best path, in the model's output `scheme`. */
  tags: string[];
  /** The `nbest` best distinct paths, best first, with log P(path | sentence) (<= 0); the first equals `tags`. */
  nbest?: Array<{ tags: string[]; logProb: number }>;
  /** For each token, the probability of each tag. */
  marginals?: Array<Record<string, number>>;
  /** For each entity of `tags`, in order (readChunks(tags, scheme)), the probability of that span and type. */
  confidences?: number[];
}

/** Per-token tag probabilities keyed by `names[j]` (tags sharing a name add up). */
function tokenDistributions(marginals: Float64Array, length: number, names: readonly string[]): Array<Record<string, number>> {
  const k = names.length;
  return Array.from({ length }, (_, t) => {
    const dist: Record<string, number> = {};
    names.forEach((name, j) => (dist[name] = (dist[name] ?? 0) + marginals[t * k + j]));
    return dist;
  });
}

/** What a NerModel is made of. */
export interface NerModelParts {
  network: tf.LayersModel;
  words: Vocabulary;
  /** The tags the network predicts (in `modelScheme`). */
  tags: TagVocabulary;
  /** The tag scheme predictions are returned in: the scheme of the training data. */
  scheme: TagScheme;
  /** The scheme the network was trained in (IOBES when trained with --train-scheme iobes); default `scheme`. */
  modelScheme?: TagScheme;
  shape: TaggerShape;
  /** The character vocabulary, when the network has a character encoder. */
  chars?: Vocabulary;
  /** The token features (gazetteer, extra columns), when the network reads them. */
  features?: TokenFeatures;
  training?: TrainingSummary;
}

export class NerModel {
  readonly crf: CRF;
  readonly network: tf.LayersModel;
  readonly words: Vocabulary;
  readonly tags: TagVocabulary;
  readonly scheme: TagScheme;
  readonly modelScheme: TagScheme;
  readonly shape: TaggerShape;
  /** The network the shape describes, as both ways of running it read it. */
  readonly architecture: Architecture;
  readonly chars?: Vocabulary;
  readonly features?: TokenFeatures;
  training?: TrainingSummary;
  /** When the model was last saved, or loaded as saved; undefined until then. */
  savedAt?: string;
  private allowed?: TransitionMask;

  constructor(parts: NerModelParts) {
    this.network = parts.network;
    this.words = parts.words;
    this.tags = parts.tags;
    this.scheme = parts.scheme;
    this.modelScheme = parts.modelScheme ?? parts.scheme;
    this.shape = parts.shape;
    this.architecture = architecture(parts.shape);
    this.chars = parts.chars;
    this.features = parts.features;
    this.training = parts.training;
    this.crf = crfOf(this.network);
    if ((this.shape.chars !== undefined) !== (this.chars !== undefined)) {
      throw new Error('NerModel: a character encoder needs a character vocabulary, and only then');
    }
    const f = this.shape.features;
    if ((f !== undefined) !== (this.features !== undefined) || (f !== undefined && (f.rows !== this.features!.rows || f.count !== this.features!.count))) {
      throw new Error(`NerModel: the shape's token features (${f === undefined ? 'none' : `${f.count} in ${f.rows} rows`}) are not those of the feature definitions (${this.features === undefined ? 'none' : `${this.features.count} in ${this.features.rows} rows`})`);
    }
    // The inputs the shape promises are the network's: encode() feeds what the shape says.
    const promised = [
      LAYER.input,
      ...(this.shape.chars !== undefined ? [LAYER.charInput] : []),
      ...((this.shape.casingDim ?? 0) > 0 ? [LAYER.casingInput] : []),
      ...(f !== undefined ? [LAYER.featureInput] : []),
    ];
    if (promised.join() !== this.network.inputNames.join()) {
      throw new Error(`the shape (metadata.json) names the inputs ${promised.join(', ')}, the network (model.json) has ${this.network.inputNames.join(', ')}`);
    }
  }

  /** A fresh, untrained model for the given vocabularies. */
  static create(args: {
    words: Vocabulary;
    tags: TagVocabulary;
    scheme: TagScheme;
    modelScheme?: TagScheme;
    embeddingDim: number;
    hiddenSize: number;
    /** Stacked BiLSTM layers; absent: 1. */
    lstmLayers?: number;
    dropout: number;
    lockedDropout?: boolean;
    seed: number;
    /** Character encoder, with its vocabulary. */
    chars?: { vocabulary: Vocabulary; kind: CharEncoderKind; charDim: number; size: number; window: number };
    casingDim?: number;
    /** Token features, each embedded in `dim` values. */
    features?: { definitions: TokenFeatures; dim: number };
    /** Document context in tokens (see data/context.ts); 0 or absent: none. */
    contextTokens?: number;
  }): NerModel {
    const shape: TaggerShape = {
      vocabSize: args.words.size,
      numTags: args.tags.size,
      embeddingDim: args.embeddingDim,
      hiddenSize: args.hiddenSize,
      lstmLayers: args.lstmLayers ?? 1,
      dropout: args.dropout,
      lockedDropout: args.lockedDropout ?? false,
      casingDim: args.casingDim ?? 0,
      contextTokens: args.contextTokens ?? 0,
    };
    if (args.chars !== undefined) {
      const { vocabulary, kind, charDim, size, window } = args.chars;
      shape.chars = { kind, numChars: vocabulary.size, charDim, size, window };
    }
    const definitions = args.features?.definitions;
    if (definitions !== undefined && definitions.count > 0) shape.features = { rows: definitions.rows, dim: args.features!.dim, count: definitions.count };
    return new NerModel({
      network: buildTagger(shape, args.seed),
      words: args.words,
      tags: args.tags,
      scheme: args.scheme,
      modelScheme: args.modelScheme,
      shape,
      chars: args.chars?.vocabulary,
      features: shape.features === undefined ? undefined : definitions,
    });
  }

  /** Overwrites the word embedding matrix ([vocabulary size, embedding size], row-major), e.g. with pretrained vectors. */
  setWordEmbeddings(matrix: Float32Array): void {
    const variable = this.network.getLayer(LAYER.embedding).getWeights()[0];
    if (matrix.length !== variable.size) {
      throw new Error(`setWordEmbeddings: expected ${variable.shape.join(' x ')} values, got ${matrix.length}`);
    }
    const values = tf.tensor(matrix, variable.shape);
    this.network.getLayer(LAYER.embedding).setWeights([values]);
    values.dispose();
  }

  /**
   * Sentences as the network reads them: word ids, tag ids (given `tags`),
   * and the character and casing features the network uses.
   */
  encode(input: Corpus | ReadonlyArray<SentenceLike>, withTags: boolean): EncodedSentence[] {
    const encoded = encodeSentences(input, this.words, withTags ? this.tags : undefined);
    const sentences = Array.isArray(input) ? (input as ReadonlyArray<SentenceLike>) : (input as Corpus).sentences;
    encoded.forEach((e, i) => {
      const tokens = sentences[i].tokens;
      if (this.chars !== undefined) e.chars = encodeChars(tokens, this.chars);
      if ((this.shape.casingDim ?? 0) > 0) e.casing = Int32Array.from(tokens, casingOf);
      if (this.features !== undefined) e.features = this.features.encode(sentences[i]);
    });
    return encoded;
  }

  /**
   * Emission scores [B, T, K] for a batch; `training` turns dropout on.
   * Runs the fused LSTM where the backend has its kernels (wasm, cpu), else
   * the tf.layers graph; both compute the same function of the same weights.
   */
  emissions(batch: Batch, training: boolean): tf.Tensor3D {
    if (fastPath().lstm) return fusedEmissions(this.network, this.architecture, batch, training);
    return this.layersEmissions(batch, training);
  }

  /** Emission scores through tf.layers' own graph: the reference the fused path is tested against. */
  layersEmissions(batch: Batch, training: boolean): tf.Tensor3D {
    return tf.tidy(() => this.network.apply(networkInputs(this.shape, batch), { training }) as tf.Tensor3D);
  }

  /**
   * Mean CRF negative log-likelihood of the batch's gold tags per row, with
   * dropout on; with `constraints`, over well-formed paths only (see
   * crf.constrainParams). A row that joins several sentences (document
   * context) has the sum of their NLLs: each sentence is its own CRF
   * sequence, with its own start and end transitions, on emission scores
   * computed over the whole row.
   */
  loss(batch: Batch, constraints = false): tf.Scalar {
    return tf.tidy(() => {
      const allowed = constraints ? this.transitionMask() : undefined;
      const emissions = this.emissions(batch, true); // [B, T, K]
      return inPart('CRF loss', () => this.crfLoss(batch, emissions, allowed));
    });
  }

  /** The loss of `emissions` [B, T, K] for the batch's gold tags (see loss). */
  private crfLoss(batch: Batch, emissions: tf.Tensor3D, allowed: TransitionMask | undefined): tf.Scalar {
    if (batch.pieces === undefined) {
      const tags = tf.tensor2d(batch.tags, [batch.size, batch.maxLength], 'int32');
      const mask = tf.tensor2d(batch.mask, [batch.size, batch.maxLength], 'float32');
      return this.crf.negativeLogLikelihood(emissions, tags, mask, allowed);
    }
    const layout = sentenceLayout(batch);
    const [N, S, K] = [layout.count, layout.maxLength, emissions.shape[2]];
    // Gather's gradient is UnsortedSegmentSum, registered for wasm (fast/kernels.ts).
    const cells = tf.reshape(emissions, [batch.size * batch.maxLength, K]);
    const sentences = tf.reshape(tf.gather(cells, tf.tensor1d(layout.rows, 'int32')), [N, S, K]) as tf.Tensor3D;
    const tags = tf.tensor2d(layout.tags, [N, S], 'int32');
    const mask = tf.tensor2d(layout.mask, [N, S], 'float32');
    return tf.mul(this.crf.negativeLogLikelihood(sentences, tags, mask, allowed), N / batch.size) as tf.Scalar;
  }

  /** The transitions the model's tag scheme allows (the tag set never changes, so worked out once). */
  transitionMask(): TransitionMask {
    this.allowed ??= allowedTransitions(this.tags.tags(), this.modelScheme);
    return this.allowed;
  }

  /**
   * The CRF's weights for decoding; with `constraints`, transitions the model's
   * tag scheme forbids are impossible, so every output is well-formed.
   */
  decodingWeights(constraints: boolean): CrfWeights {
    return this.checkedWeights(this.crf.weightsForDecoding(), constraints);
  }

  private checkedWeights(weights: CrfWeights, constraints: boolean): CrfWeights {
    if (![weights.start, weights.end, weights.transitions].every((w) => w.every(Number.isFinite))) {
      throw new NumericalError('the model has NaN or infinite transition scores: its weights are out of range (did its training diverge?); retrain it with a lower --lr');
    }
    return constraints ? constrainWeights(weights, this.transitionMask()) : weights;
  }

  /** Viterbi tag ids for each sentence of a batch (one sentence per row), in batch order. */
  decodeBatch(batch: Batch, constraints = true): number[][] {
    if (batch.pieces !== undefined) throw new Error('decodeBatch: rows join several sentences; use decode');
    return this.withEmissions(batch, (scores) => viterbiBatch(scores, batch.lengths, batch.maxLength, this.decodingWeights(constraints)));
  }

  /** A batch's emission scores [B, T, K] read with `await data()` (see decodeAsync). */
  private async emissionsData(batch: Batch): Promise<Float32Array> {
    if (batch.size * batch.maxLength > PREDICT_MAX_TOKENS) return finiteScores(slicedEmissions(this.network, this.architecture, batch));
    const emissions = this.emissions(batch, false);
    try {
      return finiteScores((await emissions.data()) as Float32Array);
    } finally {
      emissions.dispose();
    }
  }

  private withEmissions<R>(batch: Batch, use: (scores: Float32Array) => R): R {
    // Only a single sequence longer than the cap makes a batch this big: read it in slices, so memory stays bounded.
    if (batch.size * batch.maxLength > PREDICT_MAX_TOKENS) return use(finiteScores(slicedEmissions(this.network, this.architecture, batch)));
    const emissions = this.emissions(batch, false);
    try {
      return use(finiteScores(emissions.dataSync() as Float32Array));
    } finally {
      emissions.dispose();
    }
  }

  /** Predicted tags for tokenised sentences, in input order, in `scheme`. Empty sentences get []. */
  predict(sentences: ReadonlyArray<ReadonlyArray<string>>, options: Pick<DecodeOptions, 'constraints' | 'documents' | 'contextTokens' | 'featureValues'> = {}): string[][] {
    return this.decode(sentences, options).map((d) => d.tags);
  }

  /**
   * Tags, and on request n-best paths, token marginals and entity
   * confidences, for tokenised sentences, in input order (see DecodeOptions).
   * Probabilities are under the CRF restricted to well-formed paths when
   * `constraints` is on (the default), under the plain CRF otherwise.
   */
  decode(sentences: ReadonlyArray<ReadonlyArray<string>>, options: DecodeOptions = {}): DecodedSentence[] {
    const plan = this.decodePlan(sentences, options);
    const weights = this.decodingWeights(options.constraints ?? true);
    for (const batch of plan.batches) this.withEmissions(batch, (scores) => plan.take(batch, scores, weights));
    return plan.out;
  }

  /**
   * `decode`, reading the scores with `await tensor.data()`: the same results,
   * on every backend, and the only way on one that cannot read its tensors
   * synchronously (webgpu in Node, which has no OffscreenCanvas).
   */
  async decodeAsync(sentences: ReadonlyArray<ReadonlyArray<string>>, options: DecodeOptions = {}): Promise<DecodedSentence[]> {
    const plan = this.decodePlan(sentences, options);
    const weights = this.checkedWeights(await this.crf.weightsForDecodingAsync(), options.constraints ?? true);
    for (const batch of plan.batches) plan.take(batch, await this.emissionsData(batch), weights);
    return plan.out;
  }

  /** What decode does around the scores: the checks, the batches to score, and decoding each batch's scores into `out`. */
  private decodePlan(sentences: ReadonlyArray<ReadonlyArray<string>>, options: DecodeOptions): { batches: Batch[]; take(batch: Batch, scores: Float32Array, weights: CrfWeights): void; out: DecodedSentence[] } {
    const { nbest = 1, marginals = false, confidence = false, documents } = options;
    const contextTokens = options.contextTokens ?? decodeContextTokens(this.shape.contextTokens ?? 0);
    if (!Number.isInteger(nbest) || nbest < 1) throw new Error(`decode: nbest must be a positive integer, got ${nbest}`);
    if (!Number.isInteger(contextTokens) || contextTokens < 0) throw new Error(`decode: contextTokens must be a non-negative integer, got ${contextTokens}`);
    if (documents !== undefined && documents.length !== sentences.length) {
      throw new Error(`decode: ${sentences.length} sentences but ${documents.length} document ids`);
    }
    if (options.featureValues !== undefined && options.featureValues.length !== sentences.length) {
      throw new Error(`decode: ${sentences.length} sentences but feature values for ${options.featureValues.length}`);
    }
    if (nbest > 1) {
      // Before any work: the n-best lists of every sentence must fit (see viterbiNBest).
      sentences.forEach((tokens, i) => {
        const kept = nbestPartialPaths(tokens.length, this.tags.size, nbest);
        if (kept > NBEST_PARTIAL_PATHS) {
          throw new LimitExceeded(
            `the ${nbest} best paths of a sentence of ${formatCount(tokens.length)} tokens would keep ${formatCount(kept)} partial paths (tokens x tags x paths), ` +
              `over the limit of ${formatCount(NBEST_PARTIAL_PATHS)}: ask for fewer (--nbest)`,
            i,
          );
        }
      });
    }
    const out: DecodedSentence[] = sentences.map(() => ({ tags: [] }));
    const nonEmpty = sentences.map((tokens, i) => ({ tokens, i })).filter((s) => s.tokens.length > 0);
    const encoded = this.encode(nonEmpty.map((s) => ({ tokens: s.tokens, tags: [], featureValues: options.featureValues?.[s.i] })), false);
    const groups = packSentences(
      Int32Array.from(encoded, (e) => e.length),
      documents && nonEmpty.map((s) => documents[s.i]),
      contextTokens,
    );
    const sequences = groups.map((group, i) => joinEncoded(group.map((j) => encoded[j]), i));
    const batches = makeBatches(sequences, PREDICT_BATCH, { sortByLength: true, maxTokens: PREDICT_MAX_TOKENS });
    // Per call, not per sentence: what reading entities and marginals needs of the tag set.
    const parsedTags = this.tags.tags().map(parseTag);
    const rules = chunkRules(this.modelScheme);
    const names = marginals ? this.marginalNames() : [];
    const toScheme = (ids: number[]) => {
      const tags = this.tags.decode(ids);
      return this.modelScheme === this.scheme ? tags : convertTags(tags, this.modelScheme, this.scheme);
    };
    const decodeSentence = (scores: Float32Array, length: number, offset: number, weights: CrfWeights): DecodedSentence => {
      const best = nbest === 1 ? [viterbi(scores, length, weights, offset)] : viterbiNBest(scores, length, weights, nbest, offset);
      const decoded: DecodedSentence = { tags: toScheme(best[0].path) };
      if (nbest > 1 || marginals || confidence) {
        const fb = forwardBackward(scores, length, weights, offset);
        if (nbest > 1) decoded.nbest = best.map((b) => ({ tags: toScheme(b.path), logProb: Math.min(0, b.score - fb.logPartition) }));
        if (marginals) decoded.marginals = tokenDistributions(tokenMarginals(fb), length, names);
        if (confidence) {
          // Entities are the same spans in the model's scheme and the output's (convertTags keeps chunks).
          decoded.confidences = readChunks(decoded.tags, this.scheme).map((chunk) => chunkProbability(fb, scores, weights, parsedTags, rules, chunk, offset));
        }
      }
      return decoded;
    };
    const take = (batch: Batch, scores: Float32Array, weights: CrfWeights): void => {
      rowPieces(batch).forEach((pieces, row) => {
        // Each sentence of the row is its own CRF sequence, starting where the one before it ends.
        const group = groups[batch.indices[row]];
        let start = 0;
        pieces.forEach((length, p) => {
          const offset = (row * batch.maxLength + start) * weights.numTags;
          out[nonEmpty[group[p]].i] = decodeSentence(scores, length, offset, weights);
          start += length;
        });
      });
    };
    return { batches, take, out };
  }

  /**
   * The tag each marginal is reported under. A model trained in IOBES for
   * IOB2, BILOU or IOE2 data reports the data's tags (for IOB2, S-X counts as
   * B-X and E-X as I-X: exact for the well-formed paths that constrained
   * decoding allows); for IOB1 and IOE1 data, where a tag depends on its
   * neighbours, the model's tags.
   */
  private marginalNames(): string[] {
    const renames = this.modelScheme === 'iobes' ? IOBES_PREFIX_AS[this.scheme] : undefined;
    return this.tags.tags().map((tag) => {
      const { prefix, type } = parseTag(tag);
      const renamed = renames?.[prefix];
      return renamed === undefined ? tag : `${renamed}-${type}`;
    });
  }

  metadata(): ModelMetadata {
    return {
      format: MODEL_FORMAT,
      formatVersion: FORMAT_VERSION,
      nerVersion: NER_VERSION,
      tfjsVersion: tf.version.tfjs,
      savedAt: this.savedAt,
      scheme: this.scheme,
      modelScheme: this.modelScheme,
      words: this.words.toJSON(),
      tags: this.tags.toJSON(),
      chars: this.chars?.toJSON(),
      features: this.features?.toJSON(),
      shape: this.shape,
      training: this.training,
    };
  }

  /**
   * The name of the first weight that holds a NaN or an infinity, if any: one
   * sum per weight, one read (a sum is finite iff its terms are, overflow
   * aside, which is divergence too).
   */
  nonFiniteWeight(): string | undefined {
    const finite = this.weightsFinite();
    try {
      return this.firstNonFinite(finite.dataSync());
    } finally {
      finite.dispose();
    }
  }

  /** nonFiniteWeight, read with `await data()` (for backends that cannot read synchronously). */
  async nonFiniteWeightAsync(): Promise<string | undefined> {
    const finite = this.weightsFinite();
    try {
      return this.firstNonFinite(await finite.data());
    } finally {
      finite.dispose();
    }
  }

  private weightsFinite(): tf.Tensor1D {
    return tf.tidy(() => tf.isFinite(tf.stack(this.network.weights.map((w) => tf.sum(tf.cast(w.read(), 'float32'))))) as tf.Tensor1D);
  }

  private firstNonFinite(finite: ArrayLike<number>): string | undefined {
    const i = Array.prototype.findIndex.call(finite, (f: number) => f === 0);
    return i < 0 ? undefined : this.network.weights[i].name;
  }

  dispose(): void {
    this.network.dispose();
  }
}
