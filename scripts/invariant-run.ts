/**
 * The fixed training run that test/invariants.test.ts pins: the first three
 * documents (55 sentences) of data/sample/train.conll, dev on the first two
 * (36 sentences) of data/sample/dev.conll, every training option spelled
 * out, on wasm, 5 epochs; in two variants: `sgd-cnn` (one thread, SGD,
 * character CNN, one BiLSTM layer) and `adam-lstm` (two threads, Adam,
 * character BiLSTM, two layers, locked dropout, constrained training, weight
 * averaging, no scheme conversion). Prints what the test compares:
 *
 *   npm run build && node dist/scripts/invariant-run.js [sgd-cnn|adam-lstm]
 *
 * The figures in the test were recorded by running this file, unchanged, on
 * a checkout of commit 0ae21f4 (copied into its scripts/ and built there with
 * `npx tsc -p tsconfig.json`): it uses only library API that existed then.
 */
import * as path from 'node:path';
import { initBackend } from '../src/backend';
import { readConllFile } from '../src/io/conll';
import { TrainOptions, trainModel } from '../src/train/trainer';
import type { Corpus } from '../src/types';

const SAMPLE = path.join(__dirname, '..', '..', 'data', 'sample');

/** Every field of TrainOptions, so that a change of a default cannot change this run. */
export const INVARIANT_OPTIONS: TrainOptions = {
  epochs: 5,
  batchSize: 4,
  learningRate: 0.05,
  embeddingDim: 16,
  hiddenSize: 12,
  lstmLayers: 1,
  dropout: 0.5,
  lockedDropout: false,
  trainConstraints: false,
  seed: 1,
  patience: 10,
  timeBudget: 0,
  minCount: 1,
  lowercase: true,
  clipNorm: 5,
  scheme: 'auto',
  charEncoder: 'cnn',
  charDim: 10,
  charSize: 8,
  charWindow: 3,
  casingDim: 8,
  featureDim: 8,
  optimizer: 'sgd',
  momentum: 0.9,
  schedule: 'anneal',
  decayStart: 0,
  annealPatience: 1, // so that the learning rate is annealed within the run
  annealFactor: 0.5,
  minLearningRate: 1e-4,
  singletonUnk: 0.5,
  wordUnk: 0,
  trainScheme: 'iobes',
  embeddings: null,
  freezeEmbeddings: false,
  averageDecay: 0,
  contextTokens: 32,
};

/** The second variant: the options the first leaves at one value, the other way. */
export const VARIANTS = {
  'sgd-cnn': { options: INVARIANT_OPTIONS, threads: 1 },
  'adam-lstm': {
    options: {
      ...INVARIANT_OPTIONS,
      learningRate: 0.08,
      lstmLayers: 2,
      lockedDropout: true,
      trainConstraints: true,
      charEncoder: 'lstm',
      optimizer: 'adam',
      trainScheme: 'same',
      averageDecay: 0.9,
    } as TrainOptions,
    threads: 2,
  },
} as const;

export type Variant = keyof typeof VARIANTS;

function head(corpus: Corpus, sentences: number): Corpus {
  return { ...corpus, sentences: corpus.sentences.slice(0, sentences) };
}

export interface InvariantFigures {
  epochs: Array<{ epoch: number; loss: number; learningRate: number; dev: { precision: number; recall: number; f1: number } }>;
  bestEpoch: number;
  trainTags: string[][];
  devTags: string[][];
}

export async function invariantRun(variant: Variant = 'sgd-cnn'): Promise<InvariantFigures> {
  const { options, threads } = VARIANTS[variant];
  await initBackend({ backend: 'wasm', threads });
  const train = head(readConllFile(path.join(SAMPLE, 'train.conll')), 55);
  const dev = head(readConllFile(path.join(SAMPLE, 'dev.conll')), 36);
  const model = await trainModel({ train, dev, options: { ...options } });
  try {
    const summary = model.training!;
    return {
      epochs: summary.epochs.map((e) => ({
        epoch: e.epoch,
        loss: e.loss,
        learningRate: e.learningRate,
        dev: { precision: e.dev!.precision, recall: e.dev!.recall, f1: e.dev!.f1 },
      })),
      bestEpoch: summary.bestEpoch,
      trainTags: model.predict(train.sentences.map((s) => s.tokens)),
      devTags: model.predict(dev.sentences.map((s) => s.tokens)),
    };
  } finally {
    model.dispose();
  }
}

if (require.main === module) {
  invariantRun((process.argv[2] ?? 'sgd-cnn') as Variant).then(
    (figures) => {
      // Numbers as JSON writes them: the shortest decimal that reads back as the same double.
      process.stdout.write(JSON.stringify(figures) + '\n');
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
