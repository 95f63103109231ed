/**
 * Training: read corpora in, a saved-ready NerModel out. End-to-end gradient
 * descent on the CRF negative log-likelihood through the whole network, with
 * gradient-norm clipping, per-epoch dev evaluation, early stopping, and the
 * best-dev weights kept.
 */
import * as tf from '@tensorflow/tfjs';
import { DataError, NumericalError, UsageError } from '../errors';
import type { Corpus, TagScheme } from '../types';
import { Batch, EncodedSentence, makeBatches } from '../data/batch';
import { checkCorpus, duplicateSentences, issues } from '../data/check';
import { cutLongSentences } from '../data/longSentences';
import { MAX_TRAINING_TOKENS, formatCount } from '../limits';
import { joinEncoded, packSentences } from '../data/context';
import type { Checkpoint, TrainingState } from './checkpoint';
import { buildCharVocabulary } from '../data/features';
import type { Gazetteer } from '../data/gazetteer';
import { TokenFeatures, describeColumns } from '../data/tokenFeatures';
import { SchemeDetection, checkTags, chooseScheme, convertTags, describeDetection } from '../data/tagScheme';
import { PAD_ID, TagVocabulary, UNK_ID, Vocabulary } from '../data/vocab';
import type { DevScores, EpochRecord, TrainingSummary } from '../model/metadata';
import type { CharEncoderKind } from '../model/charEncoder';
import { NerModel } from '../model/nerModel';
import { LAYER } from '../model/tagger';
import { EmbeddingTable, readEmbeddings } from '../io/embeddings';
import { alignEmbeddings, extendWithPretrained, keepForVocabulary } from '../data/pretrained';
import { Rng, StatefulRng, makeRng, withRandomSource } from '../util/random';
import { OptimizerState, TrainingOptimizer, makeOptimizer } from './optimizer';
import { activeBackend } from '../backend';
import { DevScorer } from './devScorer';
import { devScores } from './devScores';
import { DEFAULT_TRAIN_OPTIONS, TrainOptions, validateTrainOptions } from './options';
import { AVERAGE_SLOT_PREFIX, WeightAverage } from './average';
import { inPartAsync } from '../util/parts';
import { EpochEnd, StopReason, decideAfterEpoch, linearRate, plannedEpochs, stoppedEarly } from './trainingRule';

// Declared, with their defaults and rules, in ./options; here for library users, as they always were.
export { DEFAULT_TRAIN_OPTIONS };
export type { TrainOptions };

/** Consecutive steps with a non-finite loss or gradient after which training stops. */
export const MAX_NUMERICAL_FAULTS = 10;

/** Whether every gradient value is finite (one reduction per variable, one read). */
async function allFinite(grads: tf.NamedTensorMap): Promise<boolean> {
  // A sum is finite iff its terms are (overflow aside, which is divergence too).
  const finite = tf.tidy(() => tf.all(tf.isFinite(tf.stack(Object.values(grads).map((g) => tf.sum(g))))));
  try {
    return (await finite.data())[0] === 1;
  } finally {
    finite.dispose();
  }
}

// Where it always was, for library users.
export { NumericalError };

/**
 * `batchSize` 0: 32 sentences a step; or, when document context joins the
 * training sentences, 8 sequences (about 27 sentences of CoNLL-2003 at 64
 * tokens), the setting measured best (docs/experiments.md).
 */
export const AUTO_BATCH_SIZE = { sentences: 32, documents: 8 } as const;

/** Training batches hold at most batchSize x this many padded tokens (CoNLL-2003's longest sentence has 124). */
export const TOKENS_PER_SENTENCE_CAP = 128;

// 100 filters scored higher on CoNLL-2003 dev than Ma & Hovy's 30 or our earlier 50 (docs/experiments.md).
const CHAR_SIZE_DEFAULT: Record<CharEncoderKind, number> = { cnn: 100, lstm: 25 };

/** Progress reports, so a CLI or a notebook can show them; training itself prints nothing. */
export interface TrainEvents {
  onStart?(info: { sentences: number; sequences: number; tokens: number; batchesPerEpoch: number; epochs: number; scheme: TagScheme; tags: string[]; vocabulary: number }): void;
  onBatch?(info: { epoch: number; batch: number; batches: number; loss: number; tokensPerSecond: number }): void;
  onEpoch?(record: EpochRecord, info: { improved: boolean; best: number }): void;
  onWarning?(message: string): void;
  /** Facts worth a line, such as pretrained-vector coverage. */
  onInfo?(message: string): void;
}

export interface TrainInput {
  train: Corpus;
  dev?: Corpus;
  /**
   * Corpora (dev, test) whose words join the vocabulary when they have a
   * pretrained vector, so that their vectors are used even though training
   * never saw them (as Lample et al. 2016 do).
   */
  extendVocabulary?: Corpus[];
  /** true when options.embeddingDim was chosen by the user (it must then match the vectors). */
  embeddingDimGiven?: boolean;
  /**
   * A gazetteer whose matches become token features (data/gazetteer.ts),
   * kept in the model. Extra input columns become features when the corpora
   * were read with them (`Corpus.featureColumns`).
   */
  gazetteer?: Gazetteer;
  options?: Partial<TrainOptions>;
  /** Recorded in the training summary. */
  backend?: string;
  events?: TrainEvents;
  /**
   * Receives the run's state at the end of every epoch, every `checkpointEvery`
   * steps, and when `signal` stops it (see train/checkpoint.ts to write it).
   */
  onCheckpoint?(model: NerModel, checkpoint: Checkpoint): Promise<void>;
  checkpointEvery?: number;
  /** Aborting stops training at the next step: a checkpoint, then TrainingInterrupted. */
  signal?: AbortSignal;
  /** Continue a run from a checkpoint (readCheckpoint), with the model as it was then. */
  resume?: { model: NerModel; checkpoint: Checkpoint };
  /**
   * Score dev on a worker thread while the next epoch trains (train/devScorer.ts).
   * Default: when the backend runs two threads (wasm or cpu), the schedule is
   * 'linear' (which no dev score changes) and no weight average is kept; the
   * last epoch is always scored before the run ends. The scores are the same.
   */
  backgroundScoring?: boolean;
  /**
   * When the run began (Date.now()), for --time-budget: the CLI passes the
   * moment it started, so that reading the data counts. Default: when
   * trainModel was called.
   */
  startedAt?: number;
}

/** Training stopped on request (`signal`), after writing a checkpoint. */
export class TrainingInterrupted extends Error {
  constructor(
    readonly reason: string,
    readonly epoch: number,
    readonly step: number,
  ) {
    super(`training interrupted (${reason}) at epoch ${epoch}, step ${step}`);
    this.name = 'TrainingInterrupted';
  }
}

/** Training sentences joined into the sequences the BiLSTM reads (see data/context.ts); as they are with `contextTokens` 0. */
function withContext(encoded: EncodedSentence[], corpus: Corpus, contextTokens: number): EncodedSentence[] {
  if (contextTokens === 0) return encoded;
  const groups = packSentences(
    Int32Array.from(encoded, (e) => e.length),
    corpus.sentences.map((s) => s.document),
    contextTokens,
  );
  return groups.map((group, i) => joinEncoded(group.map((j) => encoded[j]), i));
}

/** Sentences in a batch: its rows, or the sentences they join. */
function sentencesIn(batch: Batch): number {
  return batch.pieces === undefined ? batch.size : batch.pieces.reduce((n, p) => n + p.length, 0);
}

/** Marks the ids of words seen exactly once in training. */
function singletonIds(encoded: readonly EncodedSentence[], vocabularySize: number): Uint8Array {
  const counts = new Uint32Array(vocabularySize);
  for (const s of encoded) for (const id of s.ids) counts[id]++;
  return Uint8Array.from(counts, (c) => (c === 1 ? 1 : 0));
}

/**
 * Replaces word ids of a batch (its own copy) by <unk>: singletons with
 * probability `singleton`, other words with probability `other`. Padding and
 * <unk> stay. Draws only for the words that can be replaced, so a run without
 * word dropout draws what it always did.
 */
export function replaceByUnk(ids: Int32Array, singletons: Uint8Array, singleton: number, other: number, rng: Rng): void {
  if (singleton <= 0 && other <= 0) return;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === PAD_ID || id === UNK_ID) continue;
    const p = singletons[id] === 1 ? singleton : other;
    if (p > 0 && rng() < p) ids[i] = UNK_ID;
  }
}

/** Tags present in `corpus` that the model cannot predict because training never had them. */
function unseenTags(corpus: Corpus, tags: TagVocabulary): string[] {
  const out = new Set<string>();
  for (const s of corpus.sentences) for (const t of s.tags) if (!tags.has(t)) out.add(t);
  return [...out].sort();
}

/** Writes the pretrained vectors into the word embeddings and reports the coverage. */
function startFromPretrained(model: NerModel, table: EmbeddingTable, train: Corpus, seed: number, events: TrainEvents): void {
  const tokenCounts = new Map<string, number>();
  for (const sentence of train.sentences) for (const t of sentence.tokens) tokenCounts.set(t, (tokenCounts.get(t) ?? 0) + 1);
  const aligned = alignEmbeddings(model.words, table, makeRng(seed ^ 0xe3b), { tokenCounts });
  model.setWordEmbeddings(aligned.matrix);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  events.onInfo?.(
    `embeddings: ${table.words.length} of ${table.vectorsInFile} vectors used (${table.dim} dimensions); ` +
      `${pct(aligned.coverage)} of the vocabulary covered (${aligned.exact} exact, ${aligned.lowercased} lowercased), ` +
      `${pct(aligned.tokenCoverage ?? 0)} of training tokens`,
  );
  if (aligned.coverage < 0.2) {
    events.onWarning?.(`${table.file}: the vectors cover only ${pct(aligned.coverage)} of the vocabulary; is it the right file for this language?`);
  }
}

export async function trainModel(input: TrainInput): Promise<NerModel> {
  const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...input.options };
  validateTrainOptions(options);
  const run = await TrainingRun.start(input, options);
  return run.trainAll();
}

/** The corpora as training sees them: long sentences cut, tags checked, the scheme chosen, `ner check`'s warnings given. */
function prepareCorpora(input: TrainInput, options: TrainOptions, events: TrainEvents): { train: Corpus; dev?: Corpus; scheme: TagScheme; detection?: SchemeDetection } {
  const { dev } = input;
  const { corpus: train, cut } = cutLongSentences(input.train, MAX_TRAINING_TOKENS);
  if (cut.length > 0) {
    const lines = cut.slice(0, 5).map((s) => s.lines[0]);
    events.onWarning?.(
      `${train.file}: ${cut.length} sentence${cut.length === 1 ? '' : 's'} longer than ${formatCount(MAX_TRAINING_TOKENS)} tokens ` +
        `(from line${lines.length === 1 ? '' : 's'} ${lines.join(', ')}${cut.length > lines.length ? ', ...' : ''}) ` +
        `train in pieces of at most ${formatCount(MAX_TRAINING_TOKENS)} tokens, cut after an O tag (docs/formats.md, Limits)`,
    );
  }

  // Tags: every tag must fit a scheme; with --scheme, that one.
  const requested = options.scheme === 'auto' ? undefined : options.scheme;
  checkTags(train, requested);
  if (dev !== undefined) checkTags(dev, requested);
  const detection = requested === undefined ? chooseScheme(train.sentences) : undefined;
  const scheme = requested ?? detection!.scheme;
  // What `ner check` would report: scheme violations, very long sentences, dev sentences seen in training.
  const trainReport = checkCorpus(train, scheme);
  const warnings = issues(trainReport, dev === undefined ? undefined : duplicateSentences(train, dev), dev?.file);
  if (dev !== undefined) warnings.push(...issues(checkCorpus(dev, scheme)));
  for (const w of warnings) events.onWarning?.(w);
  return { train, dev, scheme, detection };
}

/** The training sequences of a model, and what is derived from them once per run. */
interface TrainingData {
  encoded: EncodedSentence[];
  tokens: number;
  batchSize: number;
  singletons: Uint8Array;
}

function trainingData(model: NerModel, train: Corpus, options: TrainOptions): TrainingData {
  const trainTagged = inScheme(train, model.scheme, model.modelScheme);
  // The model's own setting, so a resumed run packs as it did before.
  const encoded = withContext(model.encode(trainTagged, true), trainTagged, model.shape.contextTokens ?? 0);
  const tokens = encoded.reduce((acc, s) => acc + s.length, 0);
  const joined = encoded.some((e) => (e.pieces?.length ?? 1) > 1);
  const batchSize = options.batchSize > 0 ? options.batchSize : joined ? AUTO_BATCH_SIZE.documents : AUTO_BATCH_SIZE.sentences;
  return { encoded, tokens, batchSize, singletons: singletonIds(encoded, model.words.size) };
}

/** The sums of an epoch's done batches, and when (by the clock) the epoch started. */
interface EpochProgress {
  sums: TrainingState['epochProgress'];
  start: number;
}

function progressNow(progress: EpochProgress): TrainingState['epochProgress'] {
  return { ...progress.sums, seconds: (Date.now() - progress.start) / 1000 };
}

/**
 * The run as it stood at an epoch's end, for the checkpoint written there
 * once the epoch's dev score (computed in the background) is known.
 */
interface EpochEndFrame {
  weights: tf.Tensor[];
  optimizer: OptimizerState;
  rng: TrainingState['rng'];
  faults: number;
  learningRate: number;
  seconds: number;
}

/** An epoch whose dev score the background scorer computes. */
interface PendingEpoch {
  record: EpochRecord;
  frame: EpochEndFrame;
  /** Settles when the score (or an error) is in. */
  answer: Promise<void>;
  answered: boolean;
  scores?: DevScores;
  error?: Error;
}

/** Whether a run may score dev in the background (see TrainInput.backgroundScoring). */
function scoresInBackground(input: TrainInput, options: TrainOptions): boolean {
  const backend = tf.getBackend();
  if (input.dev === undefined || options.schedule !== 'linear' || options.averageDecay > 0 || (backend !== 'wasm' && backend !== 'cpu')) return false;
  return input.backgroundScoring ?? (activeBackend()?.threads ?? 1) >= 2;
}

/**
 * One run of training, from its first step (or its checkpoint) to the kept
 * weights. What to do after each epoch is decideAfterEpoch's (trainingRule.ts);
 * this class only carries it out.
 */
class TrainingRun {
  private readonly events: TrainEvents;
  private readonly train: Corpus;
  private readonly dev: Corpus | undefined;
  private readonly variables: tf.Variable[];
  /** Where the run stands; a resumed run takes it from its checkpoint. */
  private readonly state: TrainingState;
  private readonly optimizer: TrainingOptimizer;
  private readonly average: WeightAverage | undefined;
  private readonly shuffleRng: StatefulRng;
  private readonly dropoutRng: StatefulRng;
  private readonly unkRng: StatefulRng;
  private readonly history: EpochRecord[];
  private best: { epoch: number; scores?: DevScores; weights: tf.Tensor[] } | undefined;
  private faults: number;
  private stop: StopReason | null = null;
  /** Where training gave up after repeated numerical faults, or on weights that are no longer finite; and why. */
  private diverged: { epoch: number; step: number } | undefined;
  private divergedBecause = `${MAX_NUMERICAL_FAULTS} steps in a row had a NaN or infinite loss or gradient`;
  private readonly sessionStart: number;
  /** The epochs the run will train: --epochs, or as many as fit in --time-budget (see replan). */
  private plannedEpochs: number;
  /** When this session's first epoch began, and which it was: the pace of a time budget leaves setup out. */
  private epochsBegan = { at: 0, epoch: 1 };
  /** Scores dev in the background (see scoresInBackground); undefined: on this thread, between epochs. */
  private scorer: DevScorer | undefined;
  private pending: PendingEpoch | undefined;

  static async start(input: TrainInput, options: TrainOptions): Promise<TrainingRun> {
    const began = input.startedAt ?? Date.now();
    const events = input.events ?? {};
    const corpora = prepareCorpora(input, options, events);
    const { train, dev } = corpora;
    const model = input.resume?.model ?? (await newModel({ ...input, train }, options, corpora.scheme, events));
    if (dev !== undefined) {
      const missing = unseenTags(inScheme(dev, model.scheme, model.modelScheme), model.tags);
      if (missing.length > 0) events.onWarning?.(`${dev.file}: tags never seen in training count as misses: ${missing.join(', ')}`);
    }
    const data = trainingData(model, train, options);
    if (options.freezeEmbeddings) model.network.getLayer(LAYER.embedding).trainable = false;
    const run = new TrainingRun(input, options, corpora, model, data, began);
    const resume = input.resume;
    if (resume !== undefined) {
      // The average's slots travel with the optimizer's (see `checkpoint` below).
      const { kind, slots } = resume.checkpoint.optimizer;
      await run.optimizer.setState({ kind, slots: slots.filter((s) => !s.name.startsWith(AVERAGE_SLOT_PREFIX)) });
      run.average?.restore(slots);
    }
    if (dev !== undefined && scoresInBackground(input, options)) {
      try {
        run.scorer = await DevScorer.start(model, dev, tf.getBackend() as 'wasm' | 'cpu');
      } catch (err) {
        events.onWarning?.(`dev is scored between epochs: ${(err as Error).message}`);
      }
    }
    return run;
  }

  private constructor(
    private readonly input: TrainInput,
    private readonly options: TrainOptions,
    private readonly corpora: { train: Corpus; dev?: Corpus; detection?: SchemeDetection },
    private readonly model: NerModel,
    private readonly data: TrainingData,
    began: number,
  ) {
    this.events = input.events ?? {};
    this.train = corpora.train;
    this.dev = corpora.dev;
    this.variables = model.network.trainableWeights.map((w) => w.read() as tf.Variable);
    const resume = input.resume;
    this.state = resume?.checkpoint.state ?? {
      epoch: 1,
      step: 0,
      learningRate: options.learningRate,
      faults: 0,
      history: [],
      // Separate streams, so that dropout and word replacement do not shift the shuffling.
      rng: { shuffle: makeRng(options.seed).state(), dropout: makeRng(options.seed ^ 0x5eed).state(), unk: makeRng(options.seed ^ 0xc0ffee).state() },
      epochProgress: { lossSum: 0, seenTokens: 0, seconds: 0 },
      seconds: 0,
    };
    const state = this.state;
    this.optimizer = makeOptimizer(options.optimizer, this.variables, { learningRate: state.learningRate, clipNorm: options.clipNorm, momentum: options.momentum });
    this.average = options.averageDecay > 0 ? new WeightAverage(this.variables, options.averageDecay) : undefined;
    this.shuffleRng = makeRng(state.rng.shuffle);
    this.dropoutRng = makeRng(state.rng.dropout);
    this.unkRng = makeRng(state.rng.unk);
    this.history = state.history;
    this.best = resume?.checkpoint.bestWeights === undefined ? undefined : { ...state.best!, weights: resume.checkpoint.bestWeights };
    this.faults = state.faults;
    // The clock starts when the run (or this session of it) began, data reading included, so that a time budget covers it.
    this.sessionStart = began - state.seconds * 1000;
    this.plannedEpochs = Math.min(options.epochs, options.timeBudget > 0 ? (state.plannedEpochs ?? options.epochs) : options.epochs);
  }

  /** Trains to the end, then leaves the kept weights in the model. */
  async trainAll(): Promise<NerModel> {
    const { model, options } = this;
    try {
      this.epochsBegan = { at: Date.now(), epoch: this.state.epoch };
      for (let epoch = this.state.epoch; epoch <= this.plannedEpochs; epoch++) {
        if (!(await this.runEpoch(epoch))) break;
      }
      // A run that diverged while an epoch was being scored still keeps that epoch, if it was good.
      await this.settle();
      if (this.best === undefined) {
        const where = this.diverged === undefined ? 'in every epoch' : `at epoch ${this.diverged.epoch}, step ${this.diverged.step}`;
        throw new NumericalError(
          `training diverged ${where}: ${this.divergedBecause}, before any epoch ended well; nothing was saved. ` +
            `Try a lower --lr (it was ${options.learningRate}) or a smaller --clip-norm, and check the data with ner check.`,
        );
      }
      model.network.setWeights(this.best.weights);
    } catch (err) {
      model.dispose();
      throw err;
    } finally {
      this.best?.weights.forEach((w) => w.dispose());
      // An epoch still being scored when the run failed or was interrupted.
      if (this.pending !== undefined) tf.dispose(this.pending.frame.weights);
      this.optimizer.dispose();
      this.average?.dispose();
      await this.scorer?.stop();
    }
    return this.finish();
  }

  /** One epoch, its dev score and the decision after it; whether training goes on. */
  private async runEpoch(epoch: number): Promise<boolean> {
    const shuffleAtStart = this.shuffleRng.state();
    const { batchSize } = this.data;
    // Capped in padded tokens, so a very long sentence trains with few others, or alone.
    const batches = makeBatches(this.data.encoded, batchSize, { shuffle: true, rng: this.shuffleRng, sortByLength: true, maxTokens: batchSize * TOKENS_PER_SENTENCE_CAP });
    if (epoch === this.state.epoch) this.announce(batches.length);
    // A resumed epoch continues after its done batches, with their sums.
    const resumed = epoch === this.state.epoch && this.state.step > 0;
    const sums = resumed ? { ...this.state.epochProgress } : { lossSum: 0, seenTokens: 0, seconds: 0 };
    const progress: EpochProgress = { sums, start: Date.now() - sums.seconds * 1000 };
    await this.runBatches(epoch, batches, resumed ? this.state.step : 0, shuffleAtStart, progress);
    // Training also ends when the previous epoch's dev score, in during this one, says so.
    if (this.diverged !== undefined || this.stop !== null) return false;
    return this.endEpoch(epoch, batches.length, progress);
  }

  /** Says how the run starts, once training is sure to start (not before an error). */
  private announce(batchesPerEpoch: number): void {
    const { detection } = this.corpora;
    if (detection !== undefined) this.events.onInfo?.(`scheme: ${describeDetection(detection, this.train.file)}`);
    this.events.onStart?.({
      sentences: this.train.sentences.length,
      sequences: this.data.encoded.length,
      tokens: this.data.tokens,
      batchesPerEpoch,
      epochs: this.options.epochs,
      scheme: this.model.scheme,
      tags: this.model.tags.tags(),
      vocabulary: this.model.words.size,
    });
  }

  /** Steps through `batches` from `from`; stops early on a stop request or too many faults in a row. */
  private async runBatches(epoch: number, batches: Batch[], from: number, shuffleAtStart: number, progress: EpochProgress): Promise<void> {
    const { input, events } = this;
    const every = input.checkpointEvery ?? 0;
    for (let i = from; i < batches.length; i++) {
      if (this.pending?.answered === true && !(await this.settle())) return;
      if (input.signal?.aborted) {
        if (!(await this.settle())) return;
        await this.checkpoint(epoch, i, shuffleAtStart, progressNow(progress));
        throw new TrainingInterrupted(String(input.signal.reason ?? 'aborted'), epoch, i);
      }
      const batch = batches[i];
      if (this.options.schedule === 'linear') this.setRate(linearRate(this.options.learningRate, this.options.decayStart, (epoch - 1) * batches.length + i, this.plannedEpochs * batches.length));
      const step = await this.step(batch);
      if (!step.finite) {
        this.faults++;
        events.onWarning?.(`epoch ${epoch}, step ${i + 1}: ${Number.isFinite(step.loss) ? 'a gradient is' : 'the loss is'} not finite; step skipped`);
        if (this.faults >= MAX_NUMERICAL_FAULTS) {
          this.diverged = { epoch, step: i + 1 };
          return;
        }
        continue;
      }
      this.faults = 0;
      this.average?.update();
      progress.sums.lossSum += step.loss * batch.size;
      for (let b = 0; b < batch.size; b++) progress.sums.seenTokens += batch.lengths[b];
      const seconds = (Date.now() - progress.start) / 1000;
      // Reported per sentence, so that losses with and without document context compare.
      const perSentence = (step.loss * batch.size) / sentencesIn(batch);
      events.onBatch?.({ epoch, batch: i + 1, batches: batches.length, loss: perSentence, tokensPerSecond: progress.sums.seenTokens / Math.max(seconds, 1e-3) });
      if (every > 0 && (i + 1) % every === 0 && i + 1 < batches.length) {
        if (!(await this.settle())) return;
        await this.checkpoint(epoch, i + 1, shuffleAtStart, progressNow(progress));
      }
      // Let signal handlers and progress output run between steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** With --time-budget, the epochs that fit, at the pace so far, once `epoch` has been scored. */
  private replan(epoch: number): void {
    if (this.options.timeBudget <= 0) return;
    const now = Date.now();
    const perEpoch = (now - this.epochsBegan.at) / 1000 / (epoch - this.epochsBegan.epoch + 1);
    const planned = plannedEpochs(epoch, perEpoch, (now - this.sessionStart) / 1000, this.options.timeBudget * 60, this.options.epochs);
    if (planned !== this.plannedEpochs) this.events.onInfo?.(`time budget: ${planned} epoch${planned === 1 ? '' : 's'} fit in ${this.options.timeBudget} min at this pace${planned === epoch ? ', so this is the last' : ''}`);
    this.plannedEpochs = planned;
  }

  private setRate(learningRate: number): void {
    if (learningRate === this.state.learningRate) return;
    this.state.learningRate = learningRate;
    this.optimizer.setLearningRate(learningRate);
  }

  /**
   * One gradient step on `batch`, skipped when its loss or a gradient is not
   * finite. Values are read with `await data()`, which every backend can do
   * (webgpu in Node cannot read synchronously).
   */
  private async step(batch: Batch): Promise<{ loss: number; finite: boolean }> {
    const { options, model, variables, optimizer } = this;
    replaceByUnk(batch.ids, this.data.singletons, options.singletonUnk, options.wordUnk, this.unkRng);
    const { value, grads } = withRandomSource(this.dropoutRng, () => tf.tidy(() => tf.variableGrads(() => model.loss(batch, options.trainConstraints), variables)));
    try {
      const loss = (await value.data())[0];
      // A NaN or infinite loss or gradient would poison every weight: skip the step.
      return await inPartAsync('optimizer', async () => {
        const finite = Number.isFinite(loss) && (await allFinite(grads));
        if (finite) optimizer.step(grads);
        return { loss, finite };
      });
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  }

  /**
   * Scores the epoch (here, or hands it to the background scorer), keeps it or
   * not, anneals or stops as decideAfterEpoch says; whether training goes on.
   */
  private async endEpoch(epoch: number, batchCount: number, progress: EpochProgress): Promise<boolean> {
    if (!(await this.settle())) return false;
    const seconds = (Date.now() - progress.start) / 1000;
    const record: EpochRecord = {
      epoch,
      loss: progress.sums.lossSum / this.train.sentences.length,
      seconds,
      tokensPerSecond: progress.sums.seenTokens / Math.max(seconds, 1e-3),
      learningRate: this.state.learningRate,
    };
    // With averaging, the averaged weights are the ones scored and kept; training goes on from the last step's.
    const ended = this.average === undefined ? await this.scoreEpoch(epoch) : await this.average.withAverages(() => this.scoreEpoch(epoch));
    if (ended.overflowed !== undefined) {
      // A numerical fault no later step recovers from (every loss would be NaN): stop here.
      this.history.push(record);
      this.events.onEpoch?.(record, { improved: false, best: this.best?.epoch ?? 0 });
      this.faults++;
      this.diverged = { epoch, step: batchCount };
      this.divergedBecause = `weight ${ended.overflowed} is no longer finite after the epoch's last step`;
      this.events.onWarning?.(`epoch ${epoch}: ${this.divergedBecause}; the epoch is not kept`);
      return false;
    }
    if (ended.scoring !== undefined) {
      const frame = await this.frameNow(ended.weights!);
      const pending: PendingEpoch = { record, frame, answered: false, answer: Promise.resolve() };
      pending.answer = ended.scoring.then(
        (scores) => void (pending.scores = scores),
        (err: Error) => void (pending.error = err),
      );
      void pending.answer.then(() => (pending.answered = true));
      this.pending = pending;
      return true;
    }
    record.dev = ended.scores;
    return this.conclude(record, ended.weights!);
  }

  /**
   * The epoch's weights (a copy) and their dev score; or the score on its way
   * from the background scorer; or, when a weight is no longer finite, which.
   */
  private async scoreEpoch(epoch: number): Promise<{ overflowed?: string; weights?: tf.Tensor[]; scores?: DevScores; scoring?: Promise<DevScores> }> {
    const { model, dev } = this;
    // A step whose loss was finite can still leave weights that are not (its update overflowed
    // them; with one batch an epoch, no later step of the epoch notices): never kept.
    const overflowed = await model.nonFiniteWeightAsync();
    if (overflowed !== undefined) return { overflowed };
    const weights = model.network.getWeights().map((w) => w.clone());
    // The last epoch is scored here: nothing trains meanwhile, and the run ends with its score.
    if (dev !== undefined && this.scorer !== undefined && epoch < this.plannedEpochs) {
      const scoring = this.scorer.score(weights);
      this.replan(epoch);
      return { weights, scoring };
    }
    const scores = dev === undefined ? undefined : await inPartAsync('dev scoring', () => devScores(model, dev));
    // After scoring, so that a time budget's pace counts it.
    this.replan(epoch);
    return { weights, scores };
  }

  /** The run as it stands, with `weights` as the model's (see EpochEndFrame). */
  private async frameNow(weights: tf.Tensor[]): Promise<EpochEndFrame> {
    return {
      weights,
      optimizer: await this.optimizer.getState(),
      rng: { shuffle: this.shuffleRng.state(), dropout: this.dropoutRng.state(), unk: this.unkRng.state() },
      faults: this.faults,
      learningRate: this.state.learningRate,
      seconds: (Date.now() - this.sessionStart) / 1000,
    };
  }

  /**
   * Concludes the epoch being scored in the background, once its score is in
   * (waiting for it if need be); whether training goes on. Should the scorer
   * fail, the epoch is scored here, from its saved weights.
   */
  private async settle(): Promise<boolean> {
    const pending = this.pending;
    if (pending === undefined) return this.stop === null;
    await pending.answer;
    this.pending = undefined;
    const { record, frame } = pending;
    if (pending.error !== undefined) {
      this.events.onWarning?.(`dev scoring moves to the main thread: ${pending.error.message}`);
      this.scorer = undefined;
      record.dev = await this.withWeights(frame.weights, () => devScores(this.model, this.dev!));
    } else {
      record.dev = pending.scores;
    }
    return this.conclude(record, frame.weights, frame);
  }

  /**
   * Decides on a scored epoch (keep it, stop), reports it, and checkpoints the
   * run as it was at the epoch's end (`atEnd`, when that was earlier: the
   * epoch was scored in the background; else now); whether training goes on.
   * `weights` are the epoch's, kept or disposed here.
   */
  private async conclude(record: EpochRecord, weights: tf.Tensor[], atEnd?: EpochEndFrame): Promise<boolean> {
    const { epoch } = record;
    const best = this.best === undefined ? undefined : { epoch: this.best.epoch, f1: this.best.scores?.f1 };
    const end: EpochEnd = {
      epoch,
      hasDev: this.dev !== undefined,
      devF1: record.dev?.f1,
      faults: atEnd?.faults ?? this.faults,
      weightsFinite: true,
      best,
      learningRate: record.learningRate,
    };
    const decision = decideAfterEpoch(end, { ...this.options, epochs: this.plannedEpochs });
    if (decision.stop === 'epochs' && this.plannedEpochs < this.options.epochs) decision.stop = 'time-budget';
    if (decision.keep) {
      this.best?.weights.forEach((w) => w.dispose());
      this.best = { epoch, scores: record.dev, weights };
    }
    this.history.push(record);
    this.events.onEpoch?.(record, { improved: decision.keep, best: this.best?.epoch ?? 0 });
    // Only 'anneal' changes the rate here, and it never scores in the background.
    if (atEnd === undefined) this.setRate(decision.learningRate);
    try {
      if (decision.stop !== null) {
        this.stop = decision.stop;
        return false;
      }
      await this.checkpoint(epoch + 1, 0, atEnd?.rng.shuffle ?? this.shuffleRng.state(), { lossSum: 0, seenTokens: 0, seconds: 0 }, atEnd);
      return true;
    } finally {
      if (!decision.keep) tf.dispose(weights);
    }
  }

  /** Runs `fn` with `weights` in the model, then puts the model's own back. */
  private async withWeights<T>(weights: tf.Tensor[], fn: () => Promise<T>): Promise<T> {
    const network = this.model.network;
    const own = network.getWeights().map((w) => w.clone());
    network.setWeights(weights);
    try {
      return await fn();
    } finally {
      network.setWeights(own);
      tf.dispose(own);
    }
  }

  /**
   * Hands the run as it stands after `step` batches of `epoch` (the shuffle
   * state being the one that epoch started from) to onCheckpoint; or, with
   * `frame`, as it stood then (its weights, optimizer state, generators).
   */
  private async checkpoint(epoch: number, step: number, shuffle: number, progress: TrainingState['epochProgress'], frame?: EpochEndFrame): Promise<void> {
    const { input, model, best } = this;
    if (input.onCheckpoint === undefined) return;
    // Never a checkpoint of weights that are no longer numbers: the previous one stays.
    // (A frame's weights were checked when its epoch ended.)
    const overflowed = frame === undefined ? await model.nonFiniteWeightAsync() : undefined;
    if (overflowed !== undefined) {
      this.events.onWarning?.(`epoch ${epoch}, step ${step}: weight ${overflowed} is not finite; no checkpoint written`);
      return;
    }
    const snapshot: TrainingState = {
      epoch,
      step,
      learningRate: frame?.learningRate ?? this.state.learningRate,
      faults: frame?.faults ?? this.faults,
      history: this.history,
      best: best === undefined ? undefined : { epoch: best.epoch, scores: best.scores },
      rng: { shuffle, dropout: frame?.rng.dropout ?? this.dropoutRng.state(), unk: frame?.rng.unk ?? this.unkRng.state() },
      epochProgress: progress,
      seconds: frame?.seconds ?? (Date.now() - this.sessionStart) / 1000,
      ...(this.options.timeBudget > 0 ? { plannedEpochs: this.plannedEpochs } : {}),
    };
    if (frame !== undefined) {
      // Background scoring runs without a weight average (see scoresInBackground).
      await this.withWeights(frame.weights, () => input.onCheckpoint!(model, { state: snapshot, optimizer: frame.optimizer, bestWeights: best?.weights }));
      return;
    }
    const optimizerState = await this.optimizer.getState();
    if (this.average !== undefined) optimizerState.slots.push(...(await this.average.slots()));
    await input.onCheckpoint(model, { state: snapshot, optimizer: optimizerState, bestWeights: best?.weights });
  }

  /** The trained model with its training summary. */
  private finish(): NerModel {
    const { model, options, best } = this;
    if (options.freezeEmbeddings) model.network.getLayer(LAYER.embedding).trainable = true; // saved models stay fine-tunable
    const summary: TrainingSummary = {
      options: { ...options },
      data: { train: this.train.file, dev: this.dev?.file ?? null, sentences: this.train.sentences.length, tokens: this.data.tokens },
      backend: this.input.backend ?? tf.getBackend(),
      epochs: this.history,
      bestEpoch: best!.epoch,
      bestDev: best!.scores,
      stoppedEarly: stoppedEarly(this.stop) || this.diverged !== undefined,
      diverged: this.diverged,
      seconds: (Date.now() - this.sessionStart) / 1000,
    };
    model.training = summary;
    return model;
  }
}

/** The corpus with its tags rewritten from `scheme` into `modelScheme`. */
function inScheme(corpus: Corpus, scheme: TagScheme, modelScheme: TagScheme): Corpus {
  if (modelScheme === scheme) return corpus;
  return { ...corpus, sentences: corpus.sentences.map((s) => ({ ...s, tags: convertTags(s.tags, scheme, modelScheme) })) };
}

/** The token features of a new run (a gazetteer, the training data's extra columns), if any; says what they are. */
function tokenFeatures(input: TrainInput, events: TrainEvents): TokenFeatures | undefined {
  const columns = input.train.featureColumns ?? [];
  if (input.gazetteer === undefined && columns.length === 0) return undefined;
  // Dev data is tagged during training: it must give the same columns (--embeddings-extend files give only words).
  const dev = input.dev;
  if (dev !== undefined && describeColumns(dev.featureColumns ?? []) !== describeColumns(columns)) {
    throw new UsageError(`${dev.file} was read with feature columns [${describeColumns(dev.featureColumns ?? [])}], the training data with [${describeColumns(columns)}]`);
  }
  const features = TokenFeatures.build(input.gazetteer, columns, input.train.sentences);
  if (input.gazetteer !== undefined) {
    const sizes = Object.entries(input.gazetteer.sizes()).map(([type, n]) => `${type} ${formatCount(n)}`);
    events.onInfo?.(`gazetteer: ${sizes.join(', ')} names (${input.gazetteer.caseSensitive ? 'matched as written' : 'matched ignoring case'})`);
  }
  features.columns.forEach((c) => events.onInfo?.(`feature column ${c.column}: ${formatCount(c.values.length - 1)} values`));
  return features;
}

/** A fresh model for a new run: vocabularies from the data (and vectors), weights from the seed (and vectors). */
async function newModel(input: TrainInput, options: TrainOptions, scheme: TagScheme, events: TrainEvents): Promise<NerModel> {
  const { train } = input;
  const modelScheme: TagScheme = options.trainScheme === 'iobes' ? 'iobes' : scheme;
  const trainTagged = inScheme(train, scheme, modelScheme);
  const tags = TagVocabulary.build(trainTagged.sentences.map((s) => s.tags));
  if (tags.tags().every((t) => t === 'O')) {
    throw new DataError(train.file, undefined, 'no entity tags found: every token is tagged O, so there is nothing to learn');
  }
  let words = Vocabulary.build(
    train.sentences.map((s) => s.tokens),
    { minCount: options.minCount, lowercase: options.lowercase },
  );
  let table: EmbeddingTable | undefined;
  if (options.embeddings !== null) {
    const extra = (input.extendVocabulary ?? []).flatMap((c) => c.sentences.flatMap((sentence) => sentence.tokens));
    table = await readEmbeddings(options.embeddings, {
      keep: keepForVocabulary(words, extra),
      expectedDim: input.embeddingDimGiven ? options.embeddingDim : undefined,
    });
    if (extra.length > 0) words = extendWithPretrained(words, table, extra);
  }
  const charKind = options.charEncoder;
  const features = tokenFeatures(input, events);
  const model = NerModel.create({
    words,
    tags,
    scheme,
    modelScheme,
    embeddingDim: table?.dim ?? options.embeddingDim,
    hiddenSize: options.hiddenSize,
    lstmLayers: options.lstmLayers,
    dropout: options.dropout,
    lockedDropout: options.lockedDropout,
    seed: options.seed,
    casingDim: options.casingDim,
    features: features && { definitions: features, dim: options.featureDim },
    contextTokens: options.contextTokens,
    chars:
      charKind === 'none'
        ? undefined
        : {
            vocabulary: buildCharVocabulary(train.sentences.flatMap((s) => s.tokens)),
            kind: charKind,
            charDim: options.charDim,
            size: options.charSize > 0 ? options.charSize : CHAR_SIZE_DEFAULT[charKind],
            window: options.charWindow,
          },
  });
  if (table !== undefined) startFromPretrained(model, table, train, options.seed, events);
  return model;
}
