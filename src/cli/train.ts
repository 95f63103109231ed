/**
 * `ner train`: read CoNLL files, train a BiLSTM-CRF, save the best model.
 */
import * as fs from 'node:fs';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { DataError } from '../errors';
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
      'min-count': { type: 'number', default: d.minCount, describe: 'words seen fewer times become <unk>', group: 'Data:' },
      lowercase: { type: 'boolean', default: d.lowercase, describe: 'lowercase words before lookup', group: 'Data:' },
      epochs: { type: 'number', default: d.epochs, describe: 'maximum passes over the training data', group: 'Training:' },
      'batch-size': { type: 'number', default: d.batchSize, describe: 'sentences per step', group: 'Training:' },
      lr: { type: 'number', default: d.learningRate, describe: 'Adam learning rate', group: 'Training:' },
      dropout: { type: 'number', default: d.dropout, describe: 'dropout on embeddings and BiLSTM output', group: 'Training:' },
      'clip-norm': { type: 'number', default: d.clipNorm, describe: 'clip the global gradient norm (0 = off)', group: 'Training:' },
      patience: { type: 'number', default: d.patience, describe: 'stop after this many epochs without a better dev F1 (0 = never)', group: 'Training:' },
      seed: { type: 'number', default: d.seed, describe: 'random seed for initialisation and shuffling', group: 'Training:' },
      'embedding-dim': { type: 'number', default: d.embeddingDim, describe: 'word embedding size', group: 'Model:' },
      'hidden-size': { type: 'number', default: d.hiddenSize, describe: 'LSTM units per direction', group: 'Model:' },
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
  const backend = await startBackend(args, messages);
  const options: Partial<TrainOptions> = {
    epochs: args.epochs,
    batchSize: args.batchSize,
    learningRate: args.lr,
    embeddingDim: args.embeddingDim,
    hiddenSize: args.hiddenSize,
    dropout: args.dropout,
    seed: args.seed,
    patience: args.patience,
    minCount: args.minCount,
    lowercase: args.lowercase,
    clipNorm: args.clipNorm,
    scheme: args.scheme as TrainOptions['scheme'],
  };
  const model = await trainModel({ train, dev, options, backend, events: trainProgress({ quiet: args.quiet, messages }) });
  try {
    await model.save(args.out);
  } finally {
    model.dispose();
  }
  const summary = model.training!;
  const best = summary.bestDev === undefined ? '' : `, dev F1 ${summary.bestDev.f1.toFixed(2)}`;
  const stop = summary.stoppedEarly ? ' (stopped early)' : '';
  messages.info(`saved ${args.out}: epoch ${summary.bestEpoch} of ${summary.epochs.length}${best}${stop}, ${summary.seconds.toFixed(1)}s`);
}
