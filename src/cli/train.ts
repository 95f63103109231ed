/**
 * `ner train`: read CoNLL files, train a BiLSTM-CRF, save the best model.
 */
import * as fs from 'node:fs';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { DataError, NerError, UsageError } from '../errors';
import { readConllFile } from '../io/conll';
import { assertReplaceable } from '../io/modelDir';
import { DEFAULT_TRAIN_OPTIONS, TrainOptions, trainModel } from '../train/trainer';
import { Messages, backendOptions, quietOption, startBackend } from './common';
import { trainProgress } from './progress';

const d = DEFAULT_TRAIN_OPTIONS;

export const command = 'train';
export const describe = 'train a BiLSTM-CRF tagger on a CoNLL file';

export function builder(yargs: Argv) {
  return yargs
    .options({
      data: { type: 'string', demandOption: true, describe: 'training data, CoNLL columns (token first, tag last by default)', group: 'Data:' },
      dev: { type: 'string', describe: 'development data for model selection and early stopping', group: 'Data:' },
      out: { type: 'string', demandOption: true, describe: 'model directory to write (replaced atomically if it holds a model)', group: 'Data:' },
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
      'batch-size': { type: 'number', default: d.batchSize, describe: 'sentences per step', group: 'Training:' },
      lr: { type: 'number', default: d.learningRate, describe: 'Adam learning rate', group: 'Training:' },
      dropout: { type: 'number', default: d.dropout, describe: 'dropout on embeddings and BiLSTM output', group: 'Training:' },
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
      'hidden-size': { type: 'number', default: d.hiddenSize, describe: 'LSTM units per direction', group: 'Model:' },
      'char-encoder': {
        choices: ['none', 'cnn', 'lstm'],
        default: d.charEncoder,
        describe: 'character-level word representation: cnn (Ma & Hovy 2016), lstm (Lample et al. 2016) or none',
        group: 'Model:',
      },
      'char-dim': { type: 'number', default: d.charDim, describe: 'character embedding size', group: 'Model:' },
      'char-size': { type: 'number', default: d.charSize, describe: 'cnn filters or lstm units per direction (0 = 50 filters, 25 units)', group: 'Model:' },
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
    .example('$0 train --data train.conll --dev dev.conll --out models/en', 'train with model selection on dev data')
    .example('$0 train --data data.tsv --tag-column 1 --scheme iobes --out models/x', 'tab-separated token/tag file in IOBES');
}

type TrainArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

export async function handler(args: TrainArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  // Fail on a bad --out before spending minutes on training.
  assertReplaceable(args.out);
  if (args.dev !== undefined && args.dev === args.data) messages.warn('--dev is the training file: dev scores will be optimistic');
  const columns = { tokenColumn: args.tokenColumn, tagColumn: args.tagColumn };
  const train = readConllFile(args.data, columns);
  const dev = args.dev === undefined ? undefined : readConllFile(args.dev, columns);
  const extend = (args.embeddingsExtend ?? []).map((file) => readConllFile(String(file), columns));
  if (extend.length > 0 && args.embeddings === undefined) throw new UsageError('--embeddings-extend needs --embeddings');
  if (args.freezeEmbeddings && args.embeddings === undefined) messages.warn('--freeze-embeddings without --embeddings keeps the random initial embeddings fixed');
  const backend = await startBackend(args, messages);
  const options: Partial<TrainOptions> = {
    epochs: args.epochs,
    batchSize: args.batchSize,
    learningRate: args.lr,
    embeddingDim: args.embeddingDim ?? d.embeddingDim,
    embeddings: args.embeddings ?? null,
    freezeEmbeddings: args.freezeEmbeddings,
    hiddenSize: args.hiddenSize,
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
    trainScheme: args.trainScheme as TrainOptions['trainScheme'],
    charEncoder: args.charEncoder as TrainOptions['charEncoder'],
    charDim: args.charDim,
    charSize: args.charSize,
    charWindow: args.charWindow,
    casingDim: args.casingDim,
  };
  const model = await trainModel({
    train,
    dev,
    extendVocabulary: extend,
    embeddingDimGiven: args.embeddingDim !== undefined,
    options,
    backend,
    events: trainProgress({ quiet: args.quiet, messages }),
  });
  try {
    await model.save(args.out);
  } finally {
    model.dispose();
  }
  const summary = model.training!;
  const best = summary.bestDev === undefined ? '' : `, dev F1 ${summary.bestDev.f1.toFixed(2)}`;
  const stop = summary.stoppedEarly ? ' (stopped early)' : '';
  messages.info(`saved ${args.out}: epoch ${summary.bestEpoch} of ${summary.epochs.length}${best}${stop}, ${summary.seconds.toFixed(1)}s`);
  if (summary.diverged !== undefined) {
    const { epoch, step } = summary.diverged;
    throw new NerError(`training diverged at epoch ${epoch}, step ${step} (NaN or infinite loss or gradients); saved the best model before it, from epoch ${summary.bestEpoch}. Try a lower --lr.`, 3);
  }
}
