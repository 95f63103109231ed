/**
 * The table of training options (src/train/options.ts) against what is
 * derived from it and what is written about it: the defaults, the rules and
 * their messages, `ner train`'s options, and the README's options table.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import yargs from 'yargs';
import { OptionError, UsageError } from '../src/errors';
import { AnyOptionSpec, DEFAULT_TRAIN_OPTIONS, TRAIN_OPTIONS, TRAIN_OPTION_KEYS, TrainOptionKey, TrainOptions, validateTrainOptions } from '../src/train/options';
import { trainModel } from '../src/train/trainer';
import { builder } from '../src/cli/train';
import { TRAIN_OPTION_FIELDS } from '../src/cli/runConfig';

const README = path.join(__dirname, '..', '..', 'README.md');
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

interface ReadmeRow {
  line: number;
  flags: string[];
  /** The default column, one entry per flag. */
  defaults: string[];
  text: string;
}

/**
 * The rows of the README's `ner train` options table. A row may name several
 * options (`--token-column I`, `--tag-column J` | `0`, `-1`): its default
 * column then gives one default per flag, in order, separated by commas.
 * Short aliases (`-q`) and the value placeholders (`FILE`, `N`) are dropped.
 */
function readmeTrainRows(): ReadmeRow[] {
  const lines = fs.readFileSync(README, 'utf8').split('\n');
  const start = lines.indexOf('### `ner train`');
  assert.ok(start >= 0, 'README has no ### `ner train` section');
  const header = lines.indexOf('| option | default | meaning |', start);
  assert.ok(header > start, 'README has no options table under ner train');
  const rows: ReadmeRow[] = [];
  for (let i = header + 2; i < lines.length && lines[i].startsWith('|'); i++) {
    const cells = lines[i].split('|').slice(1, -1).map((cell) => cell.trim());
    assert.equal(cells.length, 3, `README.md:${i + 1}: expected 3 cells`);
    const flags = [...cells[0].matchAll(/`--([a-z][a-z-]*)[^`]*`/g)].map((m) => m[1]);
    assert.ok(flags.length > 0, `README.md:${i + 1}: no --option in the first cell`);
    const defaults = flags.length === 1 ? [cells[1]] : cells[1].split(/,\s*/);
    assert.equal(defaults.length, flags.length, `README.md:${i + 1}: ${flags.length} options but ${defaults.length} defaults`);
    rows.push({ line: i + 1, flags, defaults, text: lines[i] });
  }
  return rows;
}

/** A default as the README writes it: `50`, on/off, nothing for no file. */
function readmeDefault(value: unknown): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return `\`${String(value)}\``;
}

describe("the README's ner train options table", () => {
  const rows = readmeTrainRows();
  const byFlag = new Map(rows.flatMap((row) => row.flags.map((flag, i) => [flag, { row, shown: row.defaults[i] }] as const)));

  test('lists every training option with its default, and its choices', () => {
    for (const key of TRAIN_OPTION_KEYS) {
      const s = spec(key);
      const entry = byFlag.get(s.flag);
      assert.ok(entry !== undefined, `README lacks --${s.flag} (${key})`);
      assert.equal(entry.shown, readmeDefault(s.default), `README.md:${entry.row.line}: the default of --${s.flag}`);
      if (s.kind === 'choice') {
        for (const choice of s.choices) assert.ok(entry.row.text.includes(`\`${choice}\``), `README.md:${entry.row.line}: --${s.flag} does not name \`${choice}\``);
      }
    }
  });

  test('names only options ner train has, each once', () => {
    const declared = commandOptions();
    for (const row of rows) for (const flag of row.flags) assert.ok(declared.has(flag), `README.md:${row.line}: ner train has no --${flag}`);
    const flags = rows.flatMap((row) => row.flags);
    assert.equal(new Set(flags).size, flags.length, 'an option in two rows');
  });
});
