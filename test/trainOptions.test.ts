/**
 * The table of training options (src/train/options.ts) against what is
 * derived from it: the defaults, the rules and their messages, and `ner
 * train`'s options. docs/cli.md's table of them is held to it in
 * cliDocs.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import yargs from 'yargs';
import { OptionError, UsageError } from '../src/errors';
import { AnyOptionSpec, DEFAULT_TRAIN_OPTIONS, TRAIN_OPTIONS, TRAIN_OPTION_KEYS, TrainOptionKey, TrainOptions, validateTrainOptions } from '../src/train/options';
import { trainModel } from '../src/train/trainer';
import { builder } from '../src/cli/train';
import { TRAIN_OPTION_FIELDS } from '../src/cli/runConfig';

const spec = (key: TrainOptionKey): AnyOptionSpec => TRAIN_OPTIONS[key];

/** The options `ner train` declares to yargs, by long name (getOptions() is yargs' own; its typings omit it). */
function commandOptions(): Set<string> {
  const built = builder(yargs([])) as unknown as { getOptions(): { key: Record<string, unknown> } };
  return new Set(Object.keys(built.getOptions().key));
}

describe('the table of training options', () => {
  test('gives the defaults, a flag of its own to every option, and the run-config fields', () => {
    assert.deepEqual(Object.keys(DEFAULT_TRAIN_OPTIONS).sort(), [...TRAIN_OPTION_KEYS].sort());
    for (const key of TRAIN_OPTION_KEYS) assert.equal(DEFAULT_TRAIN_OPTIONS[key], spec(key).default, key);
    const flags = TRAIN_OPTION_KEYS.map((key) => spec(key).flag);
    assert.equal(new Set(flags).size, flags.length, 'two options share a flag');
    assert.deepEqual(TRAIN_OPTION_FIELDS, Object.fromEntries(TRAIN_OPTION_KEYS.map((key) => [spec(key).flag, key])));
    const declared = commandOptions();
    for (const flag of flags) assert.ok(declared.has(flag), `ner train lacks --${flag}`);
    validateTrainOptions(DEFAULT_TRAIN_OPTIONS);
  });

  // Each rule with a value it refuses, and the message (the CLI's were these, with the flag for the key).
  const refused: Array<[TrainOptionKey, unknown, string]> = [
    ['epochs', 0, 'epochs must be an integer >= 1, got 0'],
    ['batchSize', -1, 'batchSize must be an integer >= 0, got -1'],
    ['embeddingDim', 0, 'embeddingDim must be an integer >= 1, got 0'],
    ['hiddenSize', 1.5, 'hiddenSize must be an integer >= 1, got 1.5'],
    ['lstmLayers', 0, 'lstmLayers must be an integer >= 1, got 0'],
    ['patience', -1, 'patience must be an integer >= 0, got -1'],
    ['minCount', 0, 'minCount must be an integer >= 1, got 0'],
    ['seed', -1, 'seed must be an integer >= 0, got -1'],
    ['learningRate', 0, 'learningRate must be a positive number, got 0'],
    ['dropout', 1, 'dropout must be in [0, 1), got 1'],
    ['clipNorm', -1, 'clipNorm must be >= 0, got -1'],
    ['charEncoder', 'gru', 'charEncoder must be none, cnn or lstm, got gru'],
    ['charDim', 0, 'charDim must be an integer >= 1, got 0'],
    ['charSize', -1, 'charSize must be an integer >= 0, got -1'],
    ['charWindow', 2, 'charWindow must be an odd integer >= 1, got 2'],
    ['casingDim', -1, 'casingDim must be an integer >= 0, got -1'],
    ['featureDim', 0, 'featureDim must be an integer >= 1, got 0'],
    ['optimizer', 'rmsprop', 'optimizer must be adam or sgd, got rmsprop'],
    ['momentum', 1, 'momentum must be in [0, 1), got 1'],
    ['annealPatience', -1, 'annealPatience must be an integer >= 0, got -1'],
    ['annealFactor', 1, 'annealFactor must be in (0, 1), got 1'],
    ['minLearningRate', -1, 'minLearningRate must be >= 0, got -1'],
    ['singletonUnk', 1.5, 'singletonUnk must be in [0, 1], got 1.5'],
    ['wordUnk', 1, 'wordUnk must be in [0, 1), got 1'],
    ['trainScheme', 'bio', 'trainScheme must be same or iobes, got bio'],
    ['contextTokens', -1, 'contextTokens must be an integer >= 0, got -1'],
    ['averageDecay', 1, 'averageDecay must be 0 (off) or in (0, 1), got 1'],
    ['schedule', 'cosine', 'schedule must be anneal or linear, got cosine'],
    ['decayStart', 1, 'decayStart must be in [0, 1), got 1'],
    ['timeBudget', -1, 'timeBudget must be >= 0, got -1'],
    ['scheme', 'bio', 'scheme must be auto, iob1, iob2, iobes, ioe1, ioe2 or bilou, got bio'],
  ];

  test('refuses a value out of an option\'s rule with an OptionError naming the option', () => {
    for (const [key, value, message] of refused) {
      assert.throws(
        () => validateTrainOptions({ ...DEFAULT_TRAIN_OPTIONS, [key]: value } as TrainOptions),
        (err: unknown) => err instanceof OptionError && err instanceof UsageError && err.option === key && err.value === value && err.message === message,
        key,
      );
    }
    const ruled = TRAIN_OPTION_KEYS.filter((key) => spec(key).kind === 'number' || spec(key).kind === 'choice');
    assert.deepEqual(ruled.filter((key) => !refused.some(([k]) => k === key)), [], 'an option with a rule and no case here');
  });

  test('takes the ends its rules allow, and refuses NaN', () => {
    const edges: Partial<TrainOptions>[] = [{ dropout: 0 }, { singletonUnk: 1 }, { averageDecay: 0 }, { averageDecay: 0.999 }, { charWindow: 1 }, { clipNorm: 0 }, { batchSize: 0 }, { charEncoder: 'none' }];
    for (const edge of edges) validateTrainOptions({ ...DEFAULT_TRAIN_OPTIONS, ...edge });
    assert.throws(() => validateTrainOptions({ ...DEFAULT_TRAIN_OPTIONS, learningRate: NaN }), /^OptionError: learningRate must be a positive number, got NaN$/);
  });

  test('trainModel refuses a bad option before reading the data', async () => {
    await assert.rejects(
      trainModel({ train: { file: 'never.conll', sentences: [] }, options: { learningRate: -1 } }),
      (err: unknown) => err instanceof OptionError && err.message === 'learningRate must be a positive number, got -1',
    );
  });
});
