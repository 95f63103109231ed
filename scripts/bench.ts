/**
 * Speed and memory benchmark: trains the reference shape (word embedding 100,
 * BiLSTM 128 per direction, batch 32, Adam, no character features) on --data,
 * decodes --dev (or --data), and prints one JSON line of figures.
 *
 *   npm run bench -- --data train.txt [--dev valid.txt] [--test test.txt] [--epochs 1] [--backend auto]
 *                    [--max-sentences N] [--dev-max-sentences N] [--defaults] [--torch]
 *
 * --defaults trains with `ner train`'s defaults (character encoder, casing,
 * document context, schedule, batch size) instead of the reference shape, for accuracy comparisons at the
 * same budget; --optimizer and --lr override those two; --test scores the
 * trained models (ours and PyTorch's) on a test file once.
 *
 * With --torch it also runs ../shared/bench/torch_reference.py (the PyTorch
 * BiLSTM-CRF of the same shape) on exactly the same sentences, in the same run,
 * and adds its figures and the ratios. A benchmark, not a test: it prints
 * numbers and judges nothing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendRequest, initBackend } from '../src/backend';
import { encodeSentences, makeBatches, paddingRatio } from '../src/data/batch';
import { metrics } from '../src/eval/conlleval';
import { evaluateModel } from '../src/eval/evaluateModel';
import { formatConll, readConllFile } from '../src/io/conll';
import { DEFAULT_TRAIN_OPTIONS, trainModel } from '../src/train/trainer';
import type { Corpus } from '../src/types';
import { eachOption } from './options';

interface Args {
  data: string;
  dev?: string;
  epochs: number;
  backend: BackendRequest;
  maxSentences: number;
  devMaxSentences: number;
  /** Given: both sides use it. Absent: 32 sentences, except that --defaults uses ner train's default (see AUTO_BATCH_SIZE). */
  batchSize?: number;
  seed: number;
  threads?: number;
  test?: string;
  defaults: boolean;
  /** Overrides of the optimizer and learning rate (with or without --defaults). */
  optimizer?: 'adam' | 'sgd';
  lr?: number;
  torch: boolean;
  torchScript: string;
  python: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    data: '',
    epochs: 1,
    backend: 'auto',
    maxSentences: 0,
    devMaxSentences: 0,
    seed: 1,
    defaults: false,
    torch: false,
    torchScript: path.join(__dirname, '..', '..', '..', 'shared', 'bench', 'torch_reference.py'),
    python: '/usr/bin/python3',
  };
  eachOption(argv, (key, value) => {
    switch (key) {
      case '--data': args.data = value(); break;
      case '--dev': args.dev = value(); break;
      case '--test': args.test = value(); break;
      case '--defaults': args.defaults = true; break;
      case '--optimizer': args.optimizer = value() as 'adam' | 'sgd'; break;
      case '--lr': args.lr = Number(value()); break;
      case '--epochs': args.epochs = Number(value()); break;
      case '--backend': args.backend = value() as BackendRequest; break;
      case '--max-sentences': args.maxSentences = Number(value()); break;
      case '--dev-max-sentences': args.devMaxSentences = Number(value()); break;
      case '--batch-size': args.batchSize = Number(value()); break;
      case '--seed': args.seed = Number(value()); break;
      case '--threads': args.threads = Number(value()); break;
      case '--torch': args.torch = true; break;
      case '--torch-script': args.torchScript = value(); break;
      case '--python': args.python = value(); break;
      default: throw new Error(`unknown option ${key}`);
    }
  });
  if (args.data === '') throw new Error('usage: npm run bench -- --data FILE [--dev FILE] [--epochs N] [--backend B] [--max-sentences N] [--dev-max-sentences N] [--torch]');
  return args;
}

function head(corpus: Corpus, n: number): Corpus {
  return n > 0 ? { file: corpus.file, sentences: corpus.sentences.slice(0, n) } : corpus;
}

/** Sentences per step of the reference shape, on both sides. */
const REFERENCE_BATCH = 32;

/**
 * The reference shape's sizes, given to both sides: spelt out rather than
 * taken from ner's defaults, which move (100 LSTM units since 1 December)
 * while torch_reference.py's shape does not.
 */
const REFERENCE_SIZES = { embeddingDim: 100, hiddenSize: 128, lstmLayers: 1, dropout: 0.5 } as const;

/** Timed decoding passes after one untimed warm-up; the median is reported. */
const DECODE_PASSES = 3;

const tokensOf = (c: Corpus) => c.sentences.reduce((acc, s) => acc + s.tokens.length, 0);
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Runs the PyTorch reference on the same sentences; returns its last epoch record. */
function runTorch(args: Args, train: Corpus, dev: Corpus): Record<string, number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-bench-'));
  try {
    const trainFile = path.join(dir, 'train.conll');
    const devFile = path.join(dir, 'dev.conll');
    fs.writeFileSync(trainFile, formatConll(train.sentences));
    fs.writeFileSync(devFile, formatConll(dev.sentences));
    const testArgs = args.test === undefined ? [] : ['--test', args.test];
    const r = spawnSync(
      args.python,
      [args.torchScript, '--train', trainFile, '--dev', devFile, ...testArgs, '--epochs', String(args.epochs), '--batch', String(args.batchSize ?? REFERENCE_BATCH), '--emb', String(REFERENCE_SIZES.embeddingDim), '--hidden', String(REFERENCE_SIZES.hiddenSize), '--dropout', String(REFERENCE_SIZES.dropout), '--threads', String(os.availableParallelism()), '--seed', String(args.seed)],
      { encoding: 'utf8', env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    );
    if (r.status !== 0) throw new Error(`torch reference failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    const mean = (k: string) => records.reduce((acc, x) => acc + x[k], 0) / records.length;
    const last = records[records.length - 1];
    return {
      train_tokens_per_s: round(mean('train_tokens_per_s')),
      decode_tokens_per_s: round(mean('decode_tokens_per_s')),
      dev_f1: last.dev_f1,
      ...(last.test_f1 === undefined ? {} : { test_f1: last.test_f1 }),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const train = head(readConllFile(args.data), args.maxSentences);
  const dev = head(args.dev === undefined ? train : readConllFile(args.dev), args.devMaxSentences);
  const info = await initBackend({ backend: args.backend, threads: args.threads });
  const before = tf.memory().numTensors;

  // The reference shape: word embeddings only, Adam, no schedule, one sentence at a time (as torch_reference.py); or ner's defaults.
  const reference = {
    ...REFERENCE_SIZES,
    charEncoder: 'none',
    casingDim: 0,
    lowercase: false,
    lockedDropout: false,
    trainScheme: 'same',
    singletonUnk: 0,
    wordUnk: 0,
    optimizer: 'adam',
    learningRate: 1e-3,
    schedule: 'anneal',
    annealPatience: 0,
    contextTokens: 0,
  } as const;
  const overrides = { ...(args.optimizer === undefined ? {} : { optimizer: args.optimizer }), ...(args.lr === undefined ? {} : { learningRate: args.lr }) };
  const batchSize = args.batchSize ?? (args.defaults ? DEFAULT_TRAIN_OPTIONS.batchSize : REFERENCE_BATCH);
  const options = { ...DEFAULT_TRAIN_OPTIONS, ...(args.defaults ? {} : reference), ...overrides, epochs: args.epochs, batchSize, seed: args.seed, patience: 0 };
  const model = await trainModel({ train, options });
  const epochs = model.training!.epochs;
  const trainSeconds = epochs.reduce((acc, e) => acc + e.seconds, 0);
  const trainTokens = tokensOf(train) * epochs.length;

  // Decoding takes about a second here and this machine's timings wander by
  // +-30% between runs: report the median of a few passes.
  const passes: number[] = [];
  let evaluation = evaluateModel(model, dev);
  for (let i = 0; i < DECODE_PASSES; i++) {
    const start = process.hrtime.bigint();
    evaluation = evaluateModel(model, dev);
    passes.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const decodeSeconds = passes.sort((a, b) => a - b)[Math.floor(passes.length / 2)];
  const devTokens = tokensOf(dev);
  const encoded = encodeSentences(train, model.words, model.tags);
  // Of sentence batches, as the reference shape trains (with document context the rows are longer).
  const padding = paddingRatio(makeBatches(encoded, args.batchSize ?? REFERENCE_BATCH, { shuffle: true, rng: () => 0.5, sortByLength: true }));
  const shape = { ...model.shape, batchSize };
  const testF1 = args.test === undefined ? undefined : round(metrics(evaluateModel(model, readConllFile(args.test)).counts).overall.f1, 2);
  model.dispose();

  const result: Record<string, unknown> = {
    backend: info.name,
    threads: info.threads,
    data: args.data,
    train_sentences: train.sentences.length,
    train_tokens: tokensOf(train),
    decode_sentences: dev.sentences.length,
    decode_tokens: devTokens,
    epochs: epochs.length,
    train_seconds: round(trainSeconds, 2),
    train_tokens_per_s: round(trainTokens / trainSeconds),
    decode_seconds: round(decodeSeconds, 3),
    decode_passes: DECODE_PASSES,
    decode_tokens_per_s: round(devTokens / decodeSeconds),
    dev_f1: round(metrics(evaluation.counts).overall.f1, 2),
    ...(testF1 === undefined ? {} : { test_f1: testF1 }),
    options: `${args.defaults ? 'ner train defaults' : 'reference shape'}${args.optimizer === undefined ? '' : `, optimizer ${args.optimizer}`}${args.lr === undefined ? '' : `, lr ${args.lr}`}`,
    padding_ratio: round(padding, 3),
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024),
    tensors_leaked: tf.memory().numTensors - before,
    shape,
  };
  if (args.torch) {
    const torch = runTorch(args, train, dev);
    result.torch = torch;
    result.train_ratio = round((result.train_tokens_per_s as number) / torch.train_tokens_per_s, 2);
    result.decode_ratio = round((result.decode_tokens_per_s as number) / torch.decode_tokens_per_s, 2);
    if (testF1 !== undefined && torch.test_f1 !== undefined) result.test_f1_difference = round(testF1 - torch.test_f1, 2);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
