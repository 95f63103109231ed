/**
 * The training options, declared once. `TRAIN_OPTIONS` gives each
 * TrainOptions field its command-line flag, its --help group and text, its
 * default and the rule its values obey; DEFAULT_TRAIN_OPTIONS and the
 * validation are read from it here, `ner train`'s yargs options and its run
 * configuration in cli/, and tests hold docs/cli.md's options table and docs/library.md's flag map to it.
 */
import { OptionError } from '../errors';
import type { TagScheme } from '../types';
import { TAG_SCHEMES } from '../data/tagScheme';
import type { CharEncoderKind } from '../model/charEncoder';
import type { OptimizerKind } from './optimizer';

export type LearningRateSchedule = 'anneal' | 'linear';

export interface TrainOptions {
  epochs: number;
  /**
   * Rows per step: sentences, or with document context the sequences they
   * are joined into. 0 = `AUTO_BATCH_SIZE`.
   */
  batchSize: number;
  learningRate: number;
  embeddingDim: number;
  hiddenSize: number;
  /** Stacked BiLSTM layers (see TaggerShape.lstmLayers). */
  lstmLayers: number;
  dropout: number;
  /** One dropout mask per sequence instead of per token (see TaggerShape.lockedDropout). */
  lockedDropout: boolean;
  /** Train on well-formed tag paths only, as decoding does (AllenNLP's CRF constraints). */
  trainConstraints: boolean;
  seed: number;
  /** Stop after this many epochs without a better dev F1 (needs a dev set). 0 = never. */
  patience: number;
  /**
   * Minutes of training at most (0 = no limit; counted from when the run
   * began, see TrainInput.startedAt): after each epoch the run plans how many
   * more fit, at the epochs' pace so far, and ends at an epoch boundary; the 'linear' schedule decays over the planned epochs, so it
   * reaches zero when the time is up. The epochs a run gets then depend on
   * the machine, so two machines give different models for one seed.
   */
  timeBudget: number;
  /** Words seen fewer times in training map to <unk>. */
  minCount: number;
  lowercase: boolean;
  /** Clip the global gradient norm to this value; 0 = no clipping. */
  clipNorm: number;
  scheme: 'auto' | TagScheme;
  /** Character-level word representation: 'cnn' (Ma & Hovy, 2016), 'lstm' (Lample et al., 2016) or 'none'. */
  charEncoder: 'none' | CharEncoderKind;
  charDim: number;
  /** Filters ('cnn') or units per direction ('lstm'); 0 = the encoder's default (100 filters, 25 units). */
  charSize: number;
  charWindow: number;
  /** Size of the casing embedding; 0 = no casing feature. */
  casingDim: number;
  /** Size of each token feature's embedding (a gazetteer type, an extra column), when there are any. */
  featureDim: number;
  optimizer: OptimizerKind;
  /** Momentum of 'sgd'. */
  momentum: number;
  /**
   * How the learning rate moves: 'anneal' multiplies it by annealFactor on a
   * dev-F1 plateau (flair's rule); 'linear' holds it for the first
   * `decayStart` of the steps, then takes it down linearly to nearly zero at
   * the last step of `epochs` (see linearRate), a schedule made for a fixed
   * budget.
   */
  schedule: LearningRateSchedule;
  /** With the 'linear' schedule, the fraction of the run before the decay starts. */
  decayStart: number;
  /** After this many epochs without a better dev F1, multiply the learning rate by annealFactor (0 = never). */
  annealPatience: number;
  annealFactor: number;
  /** Stop once annealing takes the learning rate below this. */
  minLearningRate: number;
  /**
   * Probability of replacing a word seen once in training by <unk> at each
   * use (Lample et al., 2016), so that <unk> learns to stand for rare words.
   */
  singletonUnk: number;
  /**
   * Probability of replacing any other word by <unk> at each use (word
   * dropout), so that the character and context features carry every word,
   * not only the rare ones.
   */
  wordUnk: number;
  /**
   * The tag scheme the network learns: 'same' as the data, or 'iobes', whose
   * explicit single and end tags often help (Ratinov & Roth, 2009; Lample et
   * al., 2016). Predictions are converted back to the data's scheme.
   */
  trainScheme: 'same' | 'iobes';
  /** Pretrained word vectors (GloVe, word2vec text, fastText .vec; gzipped or not) to start the embeddings from. */
  embeddings: string | null;
  /** Keep the (pretrained) word embeddings fixed. */
  freezeEmbeddings: boolean;
  /**
   * Decay of an exponential moving average of the weights that is evaluated
   * on dev and kept instead of the last step's weights (train/average.ts); 0 = off.
   */
  averageDecay: number;
  /**
   * Document context: the BiLSTM reads up to this many tokens of consecutive
   * sentences of one `-DOCSTART-` document as one sequence (data/context.ts);
   * 0 = each sentence alone. Batches then count sequences, not sentences.
   */
  contextTokens: number;
}

/** What the values of a number option must be: a test, and the words that say it. */
export interface NumberRule {
  test(value: number): boolean;
  says: string;
}

const integerFrom = (min: number): NumberRule => ({ test: (v) => Number.isInteger(v) && v >= min, says: `must be an integer >= ${min}` });
const positive: NumberRule = { test: (v) => v > 0, says: 'must be a positive number' };
const nonNegative: NumberRule = { test: (v) => v >= 0, says: 'must be >= 0' };

/** An interval written as it reads, such as '[0, 1)'. */
function within(interval: `${'[' | '('}${number}, ${number}${']' | ')'}`): NumberRule {
  const [, open, lo, hi, close] = /^([[(])(.+), (.+)([\])])$/.exec(interval)!;
  const [low, high] = [Number(lo), Number(hi)];
  return {
    test: (v) => (open === '[' ? v >= low : v > low) && (close === ']' ? v <= high : v < high),
    says: `must be in ${interval}`,
  };
}

/** The --help groups of `ner train` that training options belong to. */
export type OptionGroup = 'Data:' | 'Training:' | 'Model:';

interface CommonSpec {
  /** The long command-line option (without `--`). */
  flag: string;
  group: OptionGroup;
  /** What --help says of it. */
  describe: string;
  /** The default as --help says it, where it is more than the value ("100, or the size of --embeddings"). */
  helpDefault?: string;
}

/** What the table says of an option whose values are `T`: a number has a rule, a string union its choices. */
export type OptionSpec<T> = CommonSpec &
  ([T] extends [boolean]
    ? { kind: 'boolean'; default: T }
    : [T] extends [number]
      ? { kind: 'number'; default: T; rule: NumberRule }
      : null extends T
        ? { kind: 'file'; default: T }
        : { kind: 'choice'; default: T; choices: readonly T[] });

/**
 * Every training option, in the order `ner train --help` shows them. The
 * `satisfies` ties the keys to TrainOptions: an option missing here, or one
 * the interface lacks, does not compile.
 *
 * Defaults chosen by measurement on CoNLL-2003 (docs/benchmarks.md, docs/experiments.md): a character
 * CNN of 100 filters and a casing feature next to lowercased words, document
 * context of 128 tokens in steps of 8 sequences, 100 LSTM units a direction,
 * SGD with momentum from 0.03 down to nearly zero over 35 epochs (which fit
 * 600 s on 2 cores, dev scored in the background), singleton words replaced by <unk> half the time and any
 * other word 5% of the time, IOBES tags in the network. (The previous
 * defaults, 128 units annealed on dev-F1 plateaus from 0.015 over up to 50
 * epochs and no word dropout, scored 0.1 higher on dev and 0.2 lower on test
 * over five seeds, in 35 to 47 epochs: docs/benchmarks.md, Time to
 * accuracy.) (Locked dropout, constrained training, weight averaging and
 * batches of 16 scored lower on dev, or no higher at a cost, so they are
 * options.)
 */
export const TRAIN_OPTIONS = {
  scheme: {
    flag: 'scheme',
    group: 'Data:',
    kind: 'choice',
    choices: ['auto', ...TAG_SCHEMES],
    default: 'auto',
    describe: 'tag scheme of the data; auto detects it',
  },
  trainScheme: {
    flag: 'train-scheme',
    group: 'Training:',
    kind: 'choice',
    choices: ['same', 'iobes'],
    default: 'iobes',
    describe: "tag scheme the network learns; predictions come back in the data's scheme",
  },
  minCount: { flag: 'min-count', group: 'Data:', kind: 'number', default: 1, rule: integerFrom(1), describe: 'words seen fewer times become <unk>' },
  lowercase: { flag: 'lowercase', group: 'Data:', kind: 'boolean', default: true, describe: 'lowercase words before lookup' },
  epochs: { flag: 'epochs', group: 'Training:', kind: 'number', default: 35, rule: integerFrom(1), describe: 'passes over the training data (at most: --patience, annealing and --time-budget can end a run sooner)' },
  batchSize: {
    flag: 'batch-size',
    group: 'Training:',
    kind: 'number',
    default: 0,
    rule: integerFrom(0),
    describe: 'rows per step: sentences, or the document sequences --context-tokens joins them into; 0 = 32 sentences, or 8 sequences when sentences are joined',
  },
  learningRate: { flag: 'lr', group: 'Training:', kind: 'number', default: 0.03, rule: positive, describe: 'learning rate (with --schedule linear, the peak)' },
  dropout: { flag: 'dropout', group: 'Training:', kind: 'number', default: 0.5, rule: within('[0, 1)'), describe: "dropout on embeddings and each BiLSTM layer's output" },
  lockedDropout: {
    flag: 'locked-dropout',
    group: 'Training:',
    kind: 'boolean',
    default: false,
    describe: 'one dropout mask per sentence, shared by its tokens (variational dropout)',
  },
  trainConstraints: {
    flag: 'train-constraints',
    group: 'Training:',
    kind: 'boolean',
    default: false,
    describe: "score only the paths the tag scheme allows in training too, as decoding does (AllenNLP's constrained CRF)",
  },
  clipNorm: { flag: 'clip-norm', group: 'Training:', kind: 'number', default: 5, rule: nonNegative, describe: 'clip the global gradient norm (0 = off)' },
  patience: { flag: 'patience', group: 'Training:', kind: 'number', default: 10, rule: integerFrom(0), describe: 'stop after this many epochs without a better dev F1 (0 = never)' },
  timeBudget: {
    flag: 'time-budget',
    group: 'Training:',
    kind: 'number',
    default: 0,
    rule: nonNegative,
    describe: 'minutes of training at most (0 = no limit): the run ends at the last epoch that fits, and --schedule linear decays over the epochs that fit',
  },
  seed: { flag: 'seed', group: 'Training:', kind: 'number', default: 1, rule: integerFrom(0), describe: 'random seed for initialisation and shuffling' },
  optimizer: { flag: 'optimizer', group: 'Training:', kind: 'choice', choices: ['adam', 'sgd'], default: 'sgd', describe: 'adam, or sgd with momentum' },
  momentum: { flag: 'momentum', group: 'Training:', kind: 'number', default: 0.9, rule: within('[0, 1)'), describe: 'momentum of sgd' },
  schedule: {
    flag: 'schedule',
    group: 'Training:',
    kind: 'choice',
    choices: ['anneal', 'linear'],
    default: 'linear',
    describe: 'learning rate: anneal on dev-F1 plateaus; or linear: hold it, then down to nearly zero by the last step (for a fixed budget)',
  },
  decayStart: {
    flag: 'decay-start',
    group: 'Training:',
    kind: 'number',
    default: 0,
    rule: within('[0, 1)'),
    describe: 'with --schedule linear, the fraction of the steps before the learning rate starts to fall',
  },
  annealPatience: {
    flag: 'anneal-patience',
    group: 'Training:',
    kind: 'number',
    default: 3,
    rule: integerFrom(0),
    describe: 'after this many epochs without a better dev F1, multiply the learning rate by --anneal-factor (0 = never)',
  },
  annealFactor: { flag: 'anneal-factor', group: 'Training:', kind: 'number', default: 0.5, rule: within('(0, 1)'), describe: 'learning-rate factor on a dev-F1 plateau' },
  minLearningRate: { flag: 'min-lr', group: 'Training:', kind: 'number', default: 1e-4, rule: nonNegative, describe: 'stop once annealing takes the learning rate below this' },
  singletonUnk: {
    flag: 'singleton-unk',
    group: 'Training:',
    kind: 'number',
    default: 0.5,
    rule: within('[0, 1]'),
    describe: 'probability of replacing a word seen once in training by <unk> during training',
  },
  wordUnk: {
    flag: 'word-unk',
    group: 'Training:',
    kind: 'number',
    default: 0.05,
    rule: within('[0, 1)'),
    describe: 'probability of replacing any other training word by <unk> during training (word dropout)',
  },
  averageDecay: {
    flag: 'average-decay',
    group: 'Training:',
    kind: 'number',
    default: 0,
    rule: { test: (v) => v === 0 || (v > 0 && v < 1), says: 'must be 0 (off) or in (0, 1)' },
    describe: 'score and keep an exponential moving average of the weights with this decay per step (e.g. 0.999); 0 = off',
  },
  embeddingDim: {
    flag: 'embedding-dim',
    group: 'Model:',
    kind: 'number',
    default: 100,
    rule: integerFrom(1),
    describe: 'word embedding size',
    helpDefault: '100, or the size of --embeddings',
  },
  embeddings: {
    flag: 'embeddings',
    group: 'Model:',
    kind: 'file',
    default: null,
    describe: 'pretrained word vectors to start from: GloVe, word2vec text or fastText .vec, optionally gzipped',
  },
  freezeEmbeddings: { flag: 'freeze-embeddings', group: 'Model:', kind: 'boolean', default: false, describe: 'keep the word embeddings fixed during training' },
  contextTokens: {
    flag: 'context-tokens',
    group: 'Model:',
    kind: 'number',
    default: 128,
    rule: integerFrom(0),
    describe:
      'document context: train on up to N tokens of consecutive sentences of a -DOCSTART- document as one sequence (the CRF still tags each sentence alone); eval and predict then read each document whole, up to 1024 tokens; 0 = each sentence alone',
  },
  hiddenSize: { flag: 'hidden-size', group: 'Model:', kind: 'number', default: 100, rule: integerFrom(1), describe: 'LSTM units per direction' },
  lstmLayers: { flag: 'lstm-layers', group: 'Model:', kind: 'number', default: 1, rule: integerFrom(1), describe: 'stacked BiLSTM layers' },
  charEncoder: {
    flag: 'char-encoder',
    group: 'Model:',
    kind: 'choice',
    choices: ['none', 'cnn', 'lstm'],
    default: 'cnn',
    describe: 'character-level word representation: cnn (Ma & Hovy 2016), lstm (Lample et al. 2016) or none',
  },
  charDim: { flag: 'char-dim', group: 'Model:', kind: 'number', default: 30, rule: integerFrom(1), describe: 'character embedding size' },
  charSize: { flag: 'char-size', group: 'Model:', kind: 'number', default: 0, rule: integerFrom(0), describe: 'cnn filters or lstm units per direction (0 = 100 filters, 25 units)' },
  charWindow: {
    flag: 'char-window',
    group: 'Model:',
    kind: 'number',
    default: 3,
    rule: { test: (v) => Number.isInteger(v) && v >= 1 && v % 2 === 1, says: 'must be an odd integer >= 1' },
    describe: 'cnn window (odd)',
  },
  casingDim: { flag: 'casing-dim', group: 'Model:', kind: 'number', default: 8, rule: integerFrom(0), describe: 'size of the casing feature embedding (0 = none)' },
  featureDim: {
    flag: 'feature-dim',
    group: 'Model:',
    kind: 'number',
    default: 8,
    rule: integerFrom(1),
    describe: 'size of the embedding of each token feature: each --gazetteer type, each --feature-columns column',
  },
} as const satisfies { readonly [K in keyof TrainOptions]: OptionSpec<TrainOptions[K]> };

export type TrainOptionKey = keyof TrainOptions;

/** The keys of TRAIN_OPTIONS, in its order. */
export const TRAIN_OPTION_KEYS = Object.keys(TRAIN_OPTIONS) as TrainOptionKey[];

/** An entry of the table, whichever it is. */
export type AnyOptionSpec = CommonSpec &
  (
    | { kind: 'boolean'; default: boolean }
    | { kind: 'number'; default: number; rule: NumberRule }
    | { kind: 'file'; default: string | null }
    | { kind: 'choice'; default: string; choices: readonly string[] }
  );

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = Object.fromEntries(TRAIN_OPTION_KEYS.map((key) => [key, TRAIN_OPTIONS[key].default])) as unknown as TrainOptions;

/** "a, b or c" */
function orList(words: readonly string[]): string {
  return words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** What is wrong with `value` for the option `spec`, as "must be ...", or undefined. */
function problem(spec: AnyOptionSpec, value: unknown): string | undefined {
  switch (spec.kind) {
    case 'number':
      return spec.rule.test(value as number) ? undefined : spec.rule.says;
    case 'choice':
      return (spec.choices as readonly unknown[]).includes(value) ? undefined : `must be ${orList(spec.choices)}`;
    default:
      return undefined;
  }
}

/** Throws an OptionError naming the first option (in table order) whose value breaks its rule. */
export function validateTrainOptions(options: TrainOptions): void {
  for (const key of TRAIN_OPTION_KEYS) {
    const reason = problem(TRAIN_OPTIONS[key], options[key]);
    if (reason !== undefined) throw new OptionError(key, reason, options[key]);
  }
}
