/**
 * The fixed training run that test/invariants.test.ts pins: the first three
 * documents (55 sentences) of data/sample/train.conll, dev on the first two
 * (36 sentences) of data/sample/dev.conll, every training option spelled
 * out, on wasm with one thread, 5 epochs. Prints what the test compares:
 *
 *   npm run build && node dist/scripts/invariant-run.js
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
  minCount: 1,
  lowercase: true,
  clipNorm: 5,
  scheme: 'auto',
  charEncoder: 'cnn',
  charDim: 10,
  charSize: 8,
  charWindow: 3,
  casingDim: 8,
  optimizer: 'sgd',
  momentum: 0.9,
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

function head(corpus: Corpus, sentences: number): Corpus {
  return { ...corpus, sentences: corpus.sentences.slice(0, sentences) };
}

export interface InvariantFigures {
  epochs: Array<{ epoch: number; loss: number; learningRate: number; dev: { precision: number; recall: number; f1: number } }>;
  bestEpoch: number;
  trainTags: string[][];
  devTags: string[][];
}

export async function invariantRun(): Promise<InvariantFigures> {
  await initBackend({ backend: 'wasm', threads: 1 });
  const train = head(readConllFile(path.join(SAMPLE, 'train.conll')), 55);
  const dev = head(readConllFile(path.join(SAMPLE, 'dev.conll')), 36);
  const model = await trainModel({ train, dev, options: { ...INVARIANT_OPTIONS } });
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
  invariantRun().then(
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
