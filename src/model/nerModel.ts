/**
 * A trained tagger as one object: the tf.layers network, the vocabularies that
 * map tokens and tags to ids, and the tag scheme. Training, prediction and
 * saving all go through it.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors';
import type { TagScheme } from '../types';
import { Batch, encodeSentences, makeBatches } from '../data/batch';
import { TagVocabulary, Vocabulary } from '../data/vocab';
import { viterbiBatch } from '../decode/viterbi';
import { loadLayersModelFromFiles, readModelFiles, writeModelDir } from '../io/modelDir';
import { NER_VERSION } from '../version';
import { kernelAvailable } from '../backend/jsKernels';
import { CRF } from './crf';
import { fusedEmissions } from './fusedForward';
import { LSTM_CELL } from './lstmCell';
import { FORMAT_VERSION, MODEL_FORMAT, ModelMetadata, TrainingSummary, validateMetadata } from './metadata';
import { TaggerShape, buildTagger, crfOf } from './tagger';

/** Sentences per prediction batch, and a cap on padded tokens so long inputs stay bounded in memory. */
const PREDICT_BATCH = 64;
const PREDICT_MAX_TOKENS = 64 * 64;

export class NerModel {
  readonly crf: CRF;

  constructor(
    readonly network: tf.LayersModel,
    readonly words: Vocabulary,
    readonly tags: TagVocabulary,
    readonly scheme: TagScheme,
    readonly shape: TaggerShape,
    public training?: TrainingSummary,
  ) {
    this.crf = crfOf(network);
  }

  /** A fresh, untrained model for the given vocabularies. */
  static create(args: {
    words: Vocabulary;
    tags: TagVocabulary;
    scheme: TagScheme;
    embeddingDim: number;
    hiddenSize: number;
    dropout: number;
    seed: number;
  }): NerModel {
    const shape: TaggerShape = {
      vocabSize: args.words.size,
      numTags: args.tags.size,
      embeddingDim: args.embeddingDim,
      hiddenSize: args.hiddenSize,
      dropout: args.dropout,
    };
    return new NerModel(buildTagger(shape, args.seed), args.words, args.tags, args.scheme, shape);
  }

  /**
   * Emission scores [B, T, K] for a batch; `training` turns dropout on.
   * Runs the fused LSTM where the backend has its kernels (wasm, cpu), else
   * the tf.layers graph; both compute the same function of the same weights.
   */
  emissions(batch: Batch, training: boolean): tf.Tensor3D {
    if (kernelAvailable(LSTM_CELL)) return fusedEmissions(this.network, batch, this.shape.dropout, training);
    return this.layersEmissions(batch, training);
  }

  /** Emission scores through tf.layers' own graph: the reference the fused path is tested against. */
  layersEmissions(batch: Batch, training: boolean): tf.Tensor3D {
    return tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, [batch.size, batch.maxLength], 'int32');
      return this.network.apply(ids, { training }) as tf.Tensor3D;
    });
  }

  /** Mean CRF negative log-likelihood of the batch's gold tags, with dropout on. */
  loss(batch: Batch): tf.Scalar {
    return tf.tidy(() => {
      const emissions = this.emissions(batch, true);
      const tags = tf.tensor2d(batch.tags, [batch.size, batch.maxLength], 'int32');
      const mask = tf.tensor2d(batch.mask, [batch.size, batch.maxLength], 'float32');
      return this.crf.negativeLogLikelihood(emissions, tags, mask);
    });
  }

  /** Viterbi tag ids for each sentence of a batch, in batch order. */
  decodeBatch(batch: Batch): number[][] {
    const emissions = this.emissions(batch, false);
    try {
      return viterbiBatch(emissions.dataSync(), batch.lengths, batch.maxLength, this.crf.weightsForDecoding());
    } finally {
      emissions.dispose();
    }
  }

  /** Predicted tags for tokenised sentences, in input order. Empty sentences get []. */
  predict(sentences: ReadonlyArray<ReadonlyArray<string>>): string[][] {
    const out: string[][] = sentences.map(() => []);
    const nonEmpty = sentences.map((tokens, i) => ({ tokens, i })).filter((s) => s.tokens.length > 0);
    const encoded = encodeSentences(nonEmpty.map((s) => ({ tokens: s.tokens, tags: [] })), this.words);
    const batches = makeBatches(encoded, PREDICT_BATCH, { sortByLength: true, maxTokens: PREDICT_MAX_TOKENS });
    for (const batch of batches) {
      const paths = this.decodeBatch(batch);
      paths.forEach((path, row) => {
        out[nonEmpty[batch.indices[row]].i] = this.tags.decode(path);
      });
    }
    return out;
  }

  metadata(): ModelMetadata {
    return {
      format: MODEL_FORMAT,
      formatVersion: FORMAT_VERSION,
      nerVersion: NER_VERSION,
      tfjsVersion: tf.version.tfjs,
      savedAt: new Date().toISOString(),
      scheme: this.scheme,
      words: this.words.toJSON(),
      tags: this.tags.toJSON(),
      shape: this.shape,
      training: this.training,
    };
  }

  /** Writes DIR atomically: model.json, weights.bin, metadata.json. */
  async save(dir: string): Promise<void> {
    await writeModelDir(dir, this.network, this.metadata());
  }

  /** Loads a directory written by `save`, with a clear ModelError for anything missing or wrong. */
  static async load(dir: string): Promise<NerModel> {
    const files = readModelFiles(dir);
    const meta = validateMetadata(files.metadata, dir);
    let words: Vocabulary;
    let tags: TagVocabulary;
    try {
      words = Vocabulary.fromJSON(meta.words);
      tags = TagVocabulary.fromJSON(meta.tags);
    } catch (err) {
      throw new ModelError(dir, `corrupt model: metadata.json: ${(err as Error).message}`);
    }
    if (words.size !== meta.shape.vocabSize || tags.size !== meta.shape.numTags) {
      throw new ModelError(dir, `corrupt model: metadata.json vocabularies (${words.size} words, ${tags.size} tags) do not match its shape`);
    }
    const network = await loadLayersModelFromFiles(dir, files);
    let model: NerModel;
    try {
      model = new NerModel(network, words, tags, meta.scheme, meta.shape, meta.training);
    } catch (err) {
      network.dispose();
      throw new ModelError(dir, `incompatible model: ${(err as Error).message}`);
    }
    if (model.crf.numTags !== tags.size) {
      network.dispose();
      throw new ModelError(dir, `corrupt model: the CRF has ${model.crf.numTags} tags but metadata.json lists ${tags.size}`);
    }
    return model;
  }

  dispose(): void {
    this.network.dispose();
  }
}
