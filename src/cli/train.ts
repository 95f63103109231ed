/**
 * `ner train`: read CoNLL files, train a BiLSTM-CRF, save the best model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { DataError, NerError, UsageError } from '../errors';
import { readConllFile } from '../io/conll';
import { assertReplaceable } from '../io/modelDir';
import { DEFAULT_TRAIN_OPTIONS, TrainInput, TrainOptions, TrainingInterrupted, trainModel } from '../train/trainer';
import { readCheckpoint, writeCheckpoint } from '../train/checkpoint';
import type { NerModel } from '../model/nerModel';
import { Messages, backendOptions, quietOption, startBackend } from './common';
import { trainProgress } from './progress';

const d = DEFAULT_TRAIN_OPTIONS;

export const command = 'train';
export const describe = 'train a BiLSTM-CRF tagger on a CoNLL file';

export function builder(yargs: Argv) {
  return yargs
    .options({
      data: { type: 'string', describe: 'training data, CoNLL columns (token first, tag last by default)', group: 'Data:' },
      dev: { type: 'string', describe: 'development data for model selection and early stopping', group: 'Data:' },
      out: { type: 'string', describe: 'model directory to write (replaced atomically if it holds a model)', group: 'Data:' },
      resume: {
        type: 'string',
        describe: 'continue the interrupted run whose model directory is DIR, from its last checkpoint, with its original data and options',
        group: 'Data:',
      },
      'checkpoint-every': {
        type: 'number',
        default: 0,
        describe: 'also write a checkpoint every N steps (one is always written at the end of each epoch)',
        group: 'Training:',
      },
      'token-column': { type: 'number', default: 0, describe: 'column of the token (0-based; negative counts from the end)', group: 'Data:' },
      'tag-column': { type: 'number', default: -1, describe: 'column of the tag (0-based; -1 = last)', group: 'Data:' },
      scheme: { choices: ['auto', 'iob1', 'iob2', 'iobes'], default: d.scheme, describe: 'tag scheme of the data; auto detects it', group: 'Data:' },
      'train-scheme': {
        choices: ['same', 'iobes'],
        default: d.trainScheme,
        describe: "tag scheme the network learns; predictions come back in the data's scheme",
        group: 'Training:',
      },
      'min-count': { type: 'number', default: d.minCount, describe: 'words seen fewer times become <unk>', group: 'Data:' },
      lowercase: { type: 'boolean', default: d.lowercase, describe: 'lowercase words before lookup', group: 'Data:' },
      epochs: { type: 'number', default: d.epochs, describe: 'maximum passes over the training data', group: 'Training:' },
      'batch-size': { type: 'number', default: d.batchSize, describe: 'rows per step: sentences, or the document sequences --context-tokens joins them into; 0 = 32 sentences, or 8 sequences when sentences are joined', group: 'Training:' },
      lr: { type: 'number', default: d.learningRate, describe: 'learning rate', group: 'Training:' },
      dropout: { type: 'number', default: d.dropout, describe: "dropout on embeddings and each BiLSTM layer's output", group: 'Training:' },
      'locked-dropout': {
        type: 'boolean',
        default: d.lockedDropout,
        describe: 'one dropout mask per sentence, shared by its tokens (variational dropout)',
        group: 'Training:',
      },
      'train-constraints': {
        type: 'boolean',
        default: d.trainConstraints,
        describe: "score only the paths the tag scheme allows in training too, as decoding does (AllenNLP's constrained CRF)",
        group: 'Training:',
      },
      'clip-norm': { type: 'number', default: d.clipNorm, describe: 'clip the global gradient norm (0 = off)', group: 'Training:' },
      patience: { type: 'number', default: d.patience, describe: 'stop after this many epochs without a better dev F1 (0 = never)', group: 'Training:' },
      seed: { type: 'number', default: d.seed, describe: 'random seed for initialisation and shuffling', group: 'Training:' },
      optimizer: { choices: ['adam', 'sgd'], default: d.optimizer, describe: 'adam, or sgd with momentum', group: 'Training:' },
      momentum: { type: 'number', default: d.momentum, describe: 'momentum of sgd', group: 'Training:' },
      'anneal-patience': {
        type: 'number',
        default: d.annealPatience,
        describe: 'after this many epochs without a better dev F1, multiply the learning rate by --anneal-factor (0 = never)',
        group: 'Training:',
      },
      'anneal-factor': { type: 'number', default: d.annealFactor, describe: 'learning-rate factor on a dev-F1 plateau', group: 'Training:' },
      'min-lr': { type: 'number', default: d.minLearningRate, describe: 'stop once annealing takes the learning rate below this', group: 'Training:' },
      'singleton-unk': {
        type: 'number',
        default: d.singletonUnk,
        describe: 'probability of replacing a word seen once in training by <unk> during training',
        group: 'Training:',
      },
      'word-unk': {
        type: 'number',
        default: d.wordUnk,
        describe: 'probability of replacing any other training word by <unk> during training (word dropout)',
        group: 'Training:',
      },
      'embedding-dim': { type: 'number', describe: `word embedding size [default: ${d.embeddingDim}, or the size of --embeddings]`, group: 'Model:' },
      embeddings: {
        type: 'string',
        describe: 'pretrained word vectors to start from: GloVe, word2vec text or fastText .vec, optionally gzipped',
        group: 'Model:',
      },
      'embeddings-extend': {
        type: 'array',
        string: true,
        describe: 'CoNLL files (e.g. dev, test) whose words join the vocabulary when --embeddings has a vector for them',
        group: 'Model:',
      },
      'freeze-embeddings': { type: 'boolean', default: d.freezeEmbeddings, describe: 'keep the word embeddings fixed during training', group: 'Model:' },
      'average-decay': { type: 'number', default: d.averageDecay, describe: 'score and keep an exponential moving average of the weights with this decay per step (e.g. 0.999); 0 = off', group: 'Training:' },
      'context-tokens': {
        type: 'number',
        default: d.contextTokens,
        describe: 'document context: train on up to N tokens of consecutive sentences of a -DOCSTART- document as one sequence (the CRF still tags each sentence alone); eval and predict then read each document whole, up to 1024 tokens; 0 = each sentence alone',
        group: 'Model:',
      },
      'hidden-size': { type: 'number', default: d.hiddenSize, describe: 'LSTM units per direction', group: 'Model:' },
      'lstm-layers': { type: 'number', default: d.lstmLayers, describe: 'stacked BiLSTM layers', group: 'Model:' },
      'char-encoder': {
        choices: ['none', 'cnn', 'lstm'],
        default: d.charEncoder,
        describe: 'character-level word representation: cnn (Ma & Hovy 2016), lstm (Lample et al. 2016) or none',
        group: 'Model:',
      },
      'char-dim': { type: 'number', default: d.charDim, describe: 'character embedding size', group: 'Model:' },
      'char-size': { type: 'number', default: d.charSize, describe: 'cnn filters or lstm units per direction (0 = 100 filters, 25 units)', group: 'Model:' },
      'char-window': { type: 'number', default: d.charWindow, describe: 'cnn window (odd)', group: 'Model:' },
      'casing-dim': { type: 'number', default: d.casingDim, describe: 'size of the casing feature embedding (0 = none)', group: 'Model:' },
      ...backendOptions,
      ...quietOption,
    })
    .config('config', 'JSON file of option values (keys as the long option names); command-line options win', (file: string) => {
      if (!fs.existsSync(file)) throw new DataError(file, undefined, 'no such file');
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        throw new DataError(file, undefined, `not valid JSON: ${(err as Error).message}`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new DataError(file, undefined, 'expected a JSON object of option values');
      return parsed as Record<string, unknown>;
    })
    .check((argv) => {
      if (argv.resume === undefined && (argv.data === undefined || argv.out === undefined)) {
        throw new UsageError(`Missing required argument: ${argv.data === undefined ? 'data' : 'out'}`);
      }
      if (!Number.isInteger(argv.checkpointEvery) || (argv.checkpointEvery as number) < 0) {
        throw new UsageError(`--checkpoint-every must be a non-negative integer, got ${argv.checkpointEvery}`);
      }
      return true;
    })
    .example('$0 train --data train.conll --dev dev.conll --out models/en', 'train with model selection on dev data')
    .example('$0 train --resume models/en', 'continue a run stopped by Ctrl-C, a kill or a crash')
    .example('$0 train --data data.tsv --tag-column 1 --scheme iobes --out models/x', 'tab-separated token/tag file in IOBES');
}

type TrainArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

/** What a checkpoint records of the command line, to resume with the same data and options. */
interface RunConfig {
  out: string;
  data: string;
  dev: string | null;
  embeddingsExtend: string[];
  tokenColumn: number;
  tagColumn: number;
  embeddingDimGiven: boolean;
  checkpointEvery: number;
  options: Partial<TrainOptions>;
}

function configFromArgs(args: TrainArgs): RunConfig {
  const options: Partial<TrainOptions> = {
    epochs: args.epochs,
    batchSize: args.batchSize,
    learningRate: args.lr,
    embeddingDim: args.embeddingDim ?? d.embeddingDim,
    embeddings: args.embeddings === undefined ? null : path.resolve(args.embeddings),
    freezeEmbeddings: args.freezeEmbeddings,
    averageDecay: args.averageDecay,
    contextTokens: args.contextTokens,
    hiddenSize: args.hiddenSize,
    lstmLayers: args.lstmLayers,
    dropout: args.dropout,
    lockedDropout: args.lockedDropout,
    trainConstraints: args.trainConstraints,
    seed: args.seed,
    patience: args.patience,
    minCount: args.minCount,
    lowercase: args.lowercase,
    clipNorm: args.clipNorm,
    scheme: args.scheme as TrainOptions['scheme'],
    optimizer: args.optimizer as TrainOptions['optimizer'],
    momentum: args.momentum,
    annealPatience: args.annealPatience,
    annealFactor: args.annealFactor,
    minLearningRate: args.minLr,
    singletonUnk: args.singletonUnk,
    wordUnk: args.wordUnk,
    trainScheme: args.trainScheme as TrainOptions['trainScheme'],
    charEncoder: args.charEncoder as TrainOptions['charEncoder'],
    charDim: args.charDim,
    charSize: args.charSize,
    charWindow: args.charWindow,
    casingDim: args.casingDim,
  };
  // Absolute paths, so that a run resumes from any working directory.
  return {
    out: path.resolve(args.out!),
    data: path.resolve(args.data!),
    dev: args.dev === undefined ? null : path.resolve(args.dev),
    embeddingsExtend: (args.embeddingsExtend ?? []).map((f) => path.resolve(String(f))),
    tokenColumn: args.tokenColumn,
    tagColumn: args.tagColumn,
    embeddingDimGiven: args.embeddingDim !== undefined,
    checkpointEvery: args.checkpointEvery,
    options,
  };
}

export async function handler(args: TrainArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  let config: RunConfig;
  let resume: TrainInput['resume'];
  let backend: string | undefined;
  if (args.resume !== undefined) {
    // Before the checkpoint, so that its weights load into the chosen backend.
    backend = await startBackend(args, messages);
    const read = await readCheckpoint(args.resume);
    config = read.config as unknown as RunConfig;
    resume = { model: read.model, checkpoint: read.checkpoint };
    const { epoch, step } = read.checkpoint.state;
    messages.info(`resuming ${args.resume} at epoch ${epoch}, step ${step}`);
  } else {
    config = configFromArgs(args);
    // Fail on a bad --out before spending minutes on training.
    assertReplaceable(config.out);
    if (args.dev !== undefined && args.dev === args.data) messages.warn('--dev is the training file: dev scores will be optimistic');
    if (config.embeddingsExtend.length > 0 && args.embeddings === undefined) throw new UsageError('--embeddings-extend needs --embeddings');
    if (args.freezeEmbeddings && args.embeddings === undefined) messages.warn('--freeze-embeddings without --embeddings keeps the random initial embeddings fixed');
  }
  const columns = { tokenColumn: config.tokenColumn, tagColumn: config.tagColumn };
  const train = readConllFile(config.data, columns);
  const dev = config.dev === null ? undefined : readConllFile(config.dev, columns);
  const extend = config.embeddingsExtend.map((file) => readConllFile(file, columns));
  backend ??= await startBackend(args, messages);
  const out = args.resume ?? args.out!;
  // Ctrl-C or a TERM: finish the step, write a checkpoint, stop. A second Ctrl-C kills at once.
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    messages.info(`${signal}: writing a checkpoint, then stopping (again to quit at once)`);
    controller.abort(signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let model: NerModel;
  try {
    model = await trainModel({
      train,
      dev,
      extendVocabulary: extend,
      embeddingDimGiven: config.embeddingDimGiven,
      options: config.options,
      backend,
      events: trainProgress({ quiet: args.quiet, messages }),
      checkpointEvery: config.checkpointEvery,
      onCheckpoint: (m, checkpoint) => writeCheckpoint(out, m, checkpoint, config),
      signal: controller.signal,
      resume,
    });
  } catch (err) {
    if (err instanceof TrainingInterrupted) {
      const code = err.reason === 'SIGTERM' ? 143 : 130;
      throw new NerError(`interrupted (${err.reason}) at epoch ${err.epoch}, step ${err.step}; checkpoint saved, continue with: ner train --resume ${out}`, code);
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  try {
    // Replaces the directory whole: the checkpoints go with it.
    await model.save(out);
  } finally {
    model.dispose();
  }
  const summary = model.training!;
  const best = summary.bestDev === undefined ? '' : `, dev F1 ${summary.bestDev.f1.toFixed(2)}`;
  const stop = summary.stoppedEarly ? ' (stopped early)' : '';
  messages.info(`saved ${out}: epoch ${summary.bestEpoch} of ${summary.epochs.length}${best}${stop}, ${summary.seconds.toFixed(1)}s`);
  if (summary.diverged !== undefined) {
    const { epoch, step } = summary.diverged;
    throw new NerError(`training diverged at epoch ${epoch}, step ${step} (NaN or infinite loss, gradients or weights); saved the best model before it, from epoch ${summary.bestEpoch}. Try a lower --lr.`, 3);
  }
}
