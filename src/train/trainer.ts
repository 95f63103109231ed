/**
 * Training: read corpora in, a saved-ready NerModel out. End-to-end gradient
 * descent on the CRF negative log-likelihood through the whole network, with
 * gradient-norm clipping, per-epoch dev evaluation, early stopping, and the
 * best-dev weights kept.
 */
import * as tf from '@tensorflow/tfjs';
import { DataError, UsageError } from '../errors';
import type { Corpus, TagScheme } from '../types';
import { encodeSentences, makeBatches } from '../data/batch';
import { checkTags, detectScheme } from '../data/tagScheme';
import { TagVocabulary, Vocabulary } from '../data/vocab';
import { metrics } from '../eval/conlleval';
import { evaluateModel } from '../eval/evaluateModel';
import type { DevScores, EpochRecord, TrainingSummary } from '../model/metadata';
import { NerModel } from '../model/nerModel';
import { makeRng, withRandomSource } from '../util/random';
import { Adam } from './optimizer';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  embeddingDim: number;
  hiddenSize: number;
  dropout: number;
  seed: number;
  /** Stop after this many epochs without a better dev F1 (needs a dev set). 0 = never. */
  patience: number;
  /** Words seen fewer times in training map to <unk>. */
  minCount: number;
  lowercase: boolean;
  /** Clip the global gradient norm to this value; 0 = no clipping. */
  clipNorm: number;
  scheme: 'auto' | TagScheme;
}

/** Defaults of `ner train`: the reference shape (embedding 100, BiLSTM 128 per direction, batch 32, Adam 1e-3). */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 20,
  batchSize: 32,
  learningRate: 1e-3,
  embeddingDim: 100,
  hiddenSize: 128,
  dropout: 0.5,
  seed: 1,
  patience: 5,
  minCount: 1,
  lowercase: false,
  clipNorm: 5,
  scheme: 'auto',
};

/** Progress reports, so a CLI or a notebook can show them; training itself prints nothing. */
export interface TrainEvents {
  onStart?(info: { sentences: number; tokens: number; batchesPerEpoch: number; epochs: number; scheme: TagScheme; tags: string[]; vocabulary: number }): void;
  onBatch?(info: { epoch: number; batch: number; batches: number; loss: number; tokensPerSecond: number }): void;
  onEpoch?(record: EpochRecord, info: { improved: boolean; best: number }): void;
  onWarning?(message: string): void;
}

export interface TrainInput {
  train: Corpus;
  dev?: Corpus;
  options?: Partial<TrainOptions>;
  /** Recorded in the training summary. */
  backend?: string;
  events?: TrainEvents;
}

function validateOptions(o: TrainOptions): void {
  const intAtLeast = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${v}`);
  };
  intAtLeast('epochs', o.epochs, 1);
  intAtLeast('batch-size', o.batchSize, 1);
  intAtLeast('embedding-dim', o.embeddingDim, 1);
  intAtLeast('hidden-size', o.hiddenSize, 1);
  intAtLeast('patience', o.patience, 0);
  intAtLeast('min-count', o.minCount, 1);
  intAtLeast('seed', o.seed, 0);
  if (!(o.learningRate > 0)) throw new UsageError(`--lr must be a positive number, got ${o.learningRate}`);
  if (!(o.dropout >= 0 && o.dropout < 1)) throw new UsageError(`--dropout must be in [0, 1), got ${o.dropout}`);
  if (!(o.clipNorm >= 0)) throw new UsageError(`--clip-norm must be >= 0, got ${o.clipNorm}`);
}

function devScores(model: NerModel, dev: Corpus): DevScores {
  const { overall } = metrics(evaluateModel(model, dev).counts);
  return { precision: overall.precision, recall: overall.recall, f1: overall.f1 };
}

/** Tags present in `corpus` that the model cannot predict because training never had them. */
function unseenTags(corpus: Corpus, tags: TagVocabulary): string[] {
  const out = new Set<string>();
  for (const s of corpus.sentences) for (const t of s.tags) if (!tags.has(t)) out.add(t);
  return [...out].sort();
}

export async function trainModel(input: TrainInput): Promise<NerModel> {
  const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...input.options };
  validateOptions(options);
  const { train, dev, events = {} } = input;
  const started = Date.now();

  // Tags: every tag must fit a scheme; with --scheme, that one.
  const requested = options.scheme === 'auto' ? undefined : options.scheme;
  checkTags(train, requested);
  if (dev !== undefined) checkTags(dev, requested);
  const scheme = requested ?? detectScheme(train.sentences.map((s) => s.tags));
  const tags = TagVocabulary.build(train.sentences.map((s) => s.tags));
  if (tags.tags().every((t) => t === 'O')) {
    throw new DataError(train.file, undefined, 'no entity tags found: every token is tagged O, so there is nothing to learn');
  }
  if (dev !== undefined) {
    const missing = unseenTags(dev, tags);
    if (missing.length > 0) events.onWarning?.(`${dev.file}: tags never seen in training count as misses: ${missing.join(', ')}`);
  }
  const words = Vocabulary.build(
    train.sentences.map((s) => s.tokens),
    { minCount: options.minCount, lowercase: options.lowercase },
  );
  const encoded = encodeSentences(train, words, tags);
  const tokens = encoded.reduce((acc, s) => acc + s.length, 0);

  const model = NerModel.create({
    words,
    tags,
    scheme,
    embeddingDim: options.embeddingDim,
    hiddenSize: options.hiddenSize,
    dropout: options.dropout,
    seed: options.seed,
  });
  const variables = model.network.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = new Adam(variables, { learningRate: options.learningRate, clipNorm: options.clipNorm });
  const rng = makeRng(options.seed);
  // A separate stream, so that dropout draws do not shift the shuffling.
  const dropoutRng = makeRng(options.seed ^ 0x5eed);
  const history: EpochRecord[] = [];
  let best: { epoch: number; scores?: DevScores; weights: tf.Tensor[] } | undefined;
  let stoppedEarly = false;

  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const batches = makeBatches(encoded, options.batchSize, { shuffle: true, rng, sortByLength: true });
      if (epoch === 1) {
        events.onStart?.({
          sentences: encoded.length,
          tokens,
          batchesPerEpoch: batches.length,
          epochs: options.epochs,
          scheme,
          tags: tags.tags(),
          vocabulary: words.size,
        });
      }
      const epochStart = Date.now();
      let lossSum = 0;
      let seenTokens = 0;
      for (const [i, batch] of batches.entries()) {
        const lossValue = withRandomSource(dropoutRng, () =>
          tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => model.loss(batch), variables);
            optimizer.step(grads);
            return value.dataSync()[0];
          }),
        );
        lossSum += lossValue * batch.size;
        for (let b = 0; b < batch.size; b++) seenTokens += batch.lengths[b];
        const seconds = (Date.now() - epochStart) / 1000;
        events.onBatch?.({ epoch, batch: i + 1, batches: batches.length, loss: lossValue, tokensPerSecond: seenTokens / Math.max(seconds, 1e-3) });
        // Let signal handlers and progress output run between steps.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const seconds = (Date.now() - epochStart) / 1000;
      const record: EpochRecord = {
        epoch,
        loss: lossSum / encoded.length,
        seconds,
        tokensPerSecond: seenTokens / Math.max(seconds, 1e-3),
        learningRate: options.learningRate,
      };
      if (dev !== undefined) record.dev = devScores(model, dev);
      history.push(record);
      // Without dev data the last epoch is the one kept.
      const improved = best === undefined || dev === undefined || (record.dev?.f1 ?? 0) > (best.scores?.f1 ?? -1);
      if (improved) {
        best?.weights.forEach((w) => w.dispose());
        best = { epoch, scores: record.dev, weights: dev === undefined ? [] : model.network.getWeights().map((w) => w.clone()) };
      }
      events.onEpoch?.(record, { improved, best: best!.epoch });
      if (dev !== undefined && options.patience > 0 && epoch - best!.epoch >= options.patience && epoch < options.epochs) {
        stoppedEarly = true;
        break;
      }
    }
    if (best !== undefined && best.weights.length > 0) model.network.setWeights(best.weights);
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    best?.weights.forEach((w) => w.dispose());
    optimizer.dispose();
  }

  const summary: TrainingSummary = {
    options: { ...options },
    data: { train: train.file, dev: dev?.file ?? null, sentences: encoded.length, tokens },
    backend: input.backend ?? tf.getBackend(),
    epochs: history,
    bestEpoch: best!.epoch,
    bestDev: best!.scores,
    stoppedEarly,
    seconds: (Date.now() - started) / 1000,
  };
  model.training = summary;
  return model;
}
