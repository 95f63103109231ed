/**
 * `ner train`: read CoNLL files, train a BiLSTM-CRF, save the best model.
 *
 * Everything that can fail before the first step is checked before it (the
 * output directory, every input, a checkpoint to resume); the model
 * directory is locked for the whole run; a failed run leaves nothing that a
 * later command would misread.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArgumentsCamelCase, Argv, Options } from 'yargs';
import { ModelError, NerError, NumericalError, OptionError, UsageError } from '../errors';
import { MAX_TAGGED_TOKENS } from '../limits';
import { FileFingerprint, fingerprintChange, fingerprintPath } from '../io/fingerprint';
import { CHECKPOINTS_DIR, MODEL_JSON, assertReplaceable, assertWritable, modelDirTarget } from '../io/modelDir';
import { ModelLock } from '../io/modelLock';
import { TrainInput, TrainingInterrupted, trainModel } from '../train/trainer';
import { AnyOptionSpec, TRAIN_OPTIONS, TRAIN_OPTION_KEYS, TrainOptionKey } from '../train/options';
import { hasCheckpoint, readCheckpoint, readCheckpointInfo, writeCheckpoint } from '../train/checkpoint';
import type { NerModel } from '../model/nerModel';
import { Messages, assertInputFile, backendOptions, quietOption, startBackend } from './common';
import { readConfigFile } from './configFile';
import { corpusReading, dataOptions, readDataFiles } from './dataOptions';
import { isDirectory } from '../io/corpusFormat';
import { Args, RunConfig, changedOptions, dataArgs, dataFiles, runConfigFromArgs, runConfigProblem } from './runConfig';
import { trainProgress } from './progress';
import { saveModel } from '../io/modelStore';
import { readGazetteerFiles } from '../io/gazetteerFile';

export const command = 'train';
export const describe = 'train a BiLSTM-CRF tagger on tagged data (CoNLL, CSV, JSONL, Label Studio, BRAT)';

type OptionTable = typeof TRAIN_OPTIONS;
/** The yargs type of a table entry, so that the handler's argv is typed option by option. */
type YargsType<S> = S extends { kind: 'number' }
  ? { type: 'number' }
  : S extends { kind: 'boolean' }
    ? { type: 'boolean' }
    : S extends { kind: 'choice'; choices: readonly (infer C)[] }
      ? { choices: C[] }
      : { type: 'string' };
type TrainOptionsYargs = { [K in TrainOptionKey as OptionTable[K]['flag']]: YargsType<OptionTable[K]> & { describe: string; group: string } };

/** The training options (train/options.ts) as yargs options, by flag, in the table's order. */
function trainOptionsForYargs(): TrainOptionsYargs {
  const options: Record<string, Options> = {};
  for (const key of TRAIN_OPTION_KEYS) {
    const spec: AnyOptionSpec = TRAIN_OPTIONS[key];
    const type = spec.kind === 'choice' ? { choices: [...spec.choices] } : { type: spec.kind === 'file' ? 'string' : spec.kind };
    // A default said in words goes in the description, as --threads has it; none is shown for a file.
    const shown =
      spec.helpDefault !== undefined
        ? { describe: `${spec.describe} [default: ${spec.helpDefault}]` }
        : spec.default === null
          ? { describe: spec.describe }
          : { defaultDescription: show(spec.default), describe: spec.describe };
    options[spec.flag] = { ...type, ...shown, group: spec.group } as Options;
  }
  return options as unknown as TrainOptionsYargs;
}

/** `options` with `extra` placed right after the option `after`, where --help lists them. */
function insertAfter<O extends object, E extends object>(options: O, after: keyof O, extra: E): O & E {
  const entries = Object.entries(options);
  const at = entries.findIndex(([name]) => name === after) + 1;
  return Object.fromEntries([...entries.slice(0, at), ...Object.entries(extra), ...entries.slice(at)]) as O & E;
}

/**
 * The options of `ner train`. None has a yargs default (their defaults are
 * shown by defaultDescription and applied by runConfigFromArgs), so that an
 * option the user gave can be told from one left out: --resume refuses the
 * given ones that would change the run.
 */
const OPTIONS = {
  data: { type: 'string', describe: 'training data: CoNLL columns (token first, tag last by default), CSV, JSONL, Label Studio or a BRAT directory (--data-format) [required, unless --resume]', group: 'Data:' },
  dev: { type: 'string', describe: 'development data for model selection and early stopping', group: 'Data:' },
  out: { type: 'string', describe: 'model directory to write (replaced atomically if it holds a model) [required, unless --resume]', group: 'Data:' },
  resume: {
    type: 'string',
    describe: 'continue the interrupted run whose model directory is DIR, from its last checkpoint, with its original data and options (options that would change the run are refused)',
    group: 'Data:',
  },
  'checkpoint-every': {
    type: 'number',
    defaultDescription: '0',
    describe: 'also write a checkpoint every N steps (one is always written at the end of each epoch)',
    group: 'Training:',
  },
  ...dataOptions('--data, --dev and --embeddings-extend'),
  ...insertAfter(trainOptionsForYargs(), 'embeddings', {
    'embeddings-extend': {
      type: 'array' as const,
      string: true,
      describe: 'data files (e.g. dev, test) whose words join the vocabulary when --embeddings has a vector for them',
      group: 'Model:',
    },
  }),
  gazetteer: {
    type: 'array' as const,
    string: true,
    describe: 'files of name<TAB>TYPE lines (# comments): each token gets, per type, whether a listed name begins, continues, ends or is it, as a feature kept in the model (repeatable)',
    group: 'Features:',
  },
  'gazetteer-case': { type: 'boolean', describe: 'match gazetteer names exactly as written (default: ignoring case)', group: 'Features:' },
  'feature-columns': {
    type: 'array' as const,
    string: true,
    describe: 'conll, csv: extra input columns read as token features with their own embeddings (0-based indexes, or csv header names), e.g. 1 2 for CoNLL-2003 POS and chunk tags; eval and predict then read them from the same columns',
    group: 'Features:',
  },
  'allow-changed-data': {
    type: 'boolean',
    describe: 'with --resume: continue even if a data file changed since the checkpoint (a warning names it)',
    group: 'Data:',
  },
  ...backendOptions,
  ...quietOption,
} satisfies Record<string, Options>;

/** A default as --help shows it. */
function show(value: unknown): string {
  return String(value);
}

export function builder(yargs: Argv) {
  return yargs
    .options(OPTIONS)
    .config('config', 'JSON file of option values (keys as the long option names); command-line options win', (file: string) => readConfigFile(file, OPTIONS))
    .check((argv) => {
      if (argv.resume === undefined && (argv.data === undefined || argv.out === undefined)) {
        throw new UsageError(`Missing required argument: ${argv.data === undefined ? 'data' : 'out'}`);
      }
      if (argv.checkpointEvery !== undefined && (!Number.isInteger(argv.checkpointEvery) || (argv.checkpointEvery as number) < 0)) {
        throw new UsageError(`--checkpoint-every must be a non-negative integer, got ${argv.checkpointEvery}`);
      }
      if (argv.allowChangedData && argv.resume === undefined) throw new UsageError('--allow-changed-data goes with --resume');
      return true;
    })
    .example('$0 train --data train.conll --dev dev.conll --out models/en', 'train with model selection on dev data')
    .example('$0 train --resume models/en', 'continue a run stopped by Ctrl-C, a kill or a crash')
    .example('$0 train --data data.tsv --tag-column 1 --scheme iobes --out models/x', 'tab-separated token/tag file in IOBES');
}

type TrainArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Regular files and BRAT directories: not a pipe, which cannot be read twice, nor again later. */
const canFingerprint = (file: string) => isRegularFile(file) || isDirectory(file);

/** The fingerprints of the run's data files. */
function fingerprintsOf(config: RunConfig): Map<string, FileFingerprint> {
  return new Map(dataFiles(config).filter(canFingerprint).map((f) => [f, fingerprintPath(f)]));
}

/**
 * Checks, before any training, that every input of `config` (and the
 * --config file) is a readable file outside `out`, the directory the run
 * replaces at the end.
 */
function checkInputs(config: RunConfig, out: string, configFile: string | undefined): void {
  const inputs: Array<[string, string]> = [['data', config.data]];
  if (config.dev !== null) inputs.push(['dev', config.dev]);
  if (typeof config.options.embeddings === 'string') inputs.push(['embeddings', config.options.embeddings]);
  for (const file of config.embeddingsExtend) inputs.push(['embeddings-extend', file]);
  for (const file of config.gazetteers ?? []) inputs.push(['gazetteer', file]);
  if (configFile !== undefined) inputs.push(['config', configFile]);
  const realOut = fs.existsSync(out) ? fs.realpathSync(out) : undefined;
  for (const [option, file] of inputs) {
    // A directory is a BRAT corpus (its reader says so if it is not one).
    const corpusDirectory = ['data', 'dev', 'embeddings-extend'].includes(option) && isDirectory(file);
    if (!corpusDirectory) assertInputFile(file);
    // A pipe (`--data <(zcat train.gz)`) is read once, by the reader; only a regular file is opened here.
    if (!isRegularFile(file)) continue;
    fs.closeSync(fs.openSync(file, 'r'));
    if (realOut !== undefined && fs.realpathSync(file).startsWith(realOut + path.sep)) {
      throw new UsageError(`--${option} ${file} is inside ${out}, which this run replaces when it saves; move it out first`);
    }
  }
}

/**
 * Compares the data files with the fingerprints the checkpoint recorded:
 * a change is refused, or with --allow-changed-data a warning. Returns the
 * files' fingerprints now, for the checkpoints to come.
 */
function checkFingerprints(config: RunConfig, allowChanged: boolean, messages: Messages): FileFingerprint[] {
  const now = fingerprintsOf(config);
  if (config.fingerprints === undefined) {
    messages.warn('the checkpoint was written by a ner that did not record its data files: could not check that they are unchanged');
  } else {
    const changes = config.fingerprints.flatMap((fp) => {
      const change = fingerprintChange(fp, now.get(fp.file) ?? (canFingerprint(fp.file) ? fingerprintPath(fp.file) : undefined));
      return change === undefined ? [] : [`${fp.file}: ${change}`];
    });
    if (changes.length > 0 && !allowChanged) {
      throw new UsageError(`${changes.join('; ')}; --resume continues on the data the run started with: put it back, or add --allow-changed-data to continue on the data as it is now`);
    }
    for (const change of changes) messages.warn(`${change}; resuming on it anyway (--allow-changed-data)`);
  }
  return [...now.values()];
}

/**
 * After a failed run: a model directory this run created is removed, with
 * the parents it created, unless it holds something worth keeping (a model,
 * or a checkpoint to resume, which a run that diverged does not leave).
 */
function discardFailedRun(lock: ModelLock, out: string, err: unknown): void {
  if (lock.created === undefined) return;
  const model = fs.existsSync(path.join(out, MODEL_JSON));
  if (model || (hasCheckpoint(out) && !(err instanceof NumericalError))) return;
  lock.release();
  fs.rmSync(path.join(out, CHECKPOINTS_DIR), { recursive: true, force: true });
  const created = path.resolve(lock.created);
  for (let dir = path.resolve(out); ; dir = path.dirname(dir)) {
    try {
      fs.rmdirSync(dir); // only if empty: never anything someone else put there
    } catch {
      return;
    }
    if (dir === created || dir === path.dirname(dir)) return;
  }
}

const OPTION_NAMES = Object.keys(OPTIONS);

/**
 * The configuration of the run a checkpoint continues, after checking that
 * it is intact, that no option given now would change it, and that its data
 * files are the ones it started on (or --allow-changed-data).
 */
function resumedRun(out: string, args: TrainArgs, messages: Messages): RunConfig {
  const info = readCheckpointInfo(out);
  const problem = runConfigProblem(info.config);
  if (problem !== undefined) throw new ModelError(info.at, `corrupt checkpoint: state.json: ${problem}`);
  const config = info.config as unknown as RunConfig;
  const changed = changedOptions(args as unknown as Args, OPTION_NAMES, config);
  if (changed.length > 0) {
    throw new UsageError(`--resume continues the run as it was started, and these options would change it: ${changed.join(', ')}; leave them out, or start a new run`);
  }
  config.fingerprints = checkFingerprints(config, args.allowChangedData === true, messages);
  // The gazetteer is in the checkpoint's model: its files need not be there any more.
  checkInputs({ ...config, gazetteers: [] }, out, args.config as string | undefined);
  if (args.checkpointEvery !== undefined) config.checkpointEvery = args.checkpointEvery;
  return config;
}

/** A training option the library refused, named by its flag: "learningRate must be ..." becomes "--lr must be ...". */
function withFlag(err: OptionError): UsageError {
  if (!Object.prototype.hasOwnProperty.call(TRAIN_OPTIONS, err.option)) return err;
  return new UsageError(`--${TRAIN_OPTIONS[err.option as TrainOptionKey].flag} ${err.reason}, got ${String(err.value)}`);
}

export async function handler(args: TrainArgs): Promise<void> {
  const startedAt = Date.now(); // a --time-budget counts reading the data too
  const messages = new Messages(args.quiet);
  // What the user named, for messages; and the directory the run replaces (a symbolic link's target).
  const shown = args.resume ?? args.out!;
  const out = modelDirTarget(shown);
  const fresh = args.resume === undefined ? runConfigFromArgs(args as unknown as Args) : undefined;
  if (fresh !== undefined) {
    if (args.dev !== undefined && args.dev === args.data) messages.warn('--dev is the training file: dev scores will be optimistic');
    if (fresh.embeddingsExtend.length > 0 && args.embeddings === undefined) throw new UsageError('--embeddings-extend needs --embeddings');
    const columns = (fresh.featureColumns ?? []).map(String);
    const twice = columns.find((c, i) => columns.indexOf(c) !== i);
    if (twice !== undefined) throw new UsageError(`--feature-columns names column ${twice} twice`);
    if (args.gazetteerCase && (fresh.gazetteers ?? []).length === 0) messages.warn('--gazetteer-case without --gazetteer does nothing');
    if (args.freezeEmbeddings && args.embeddings === undefined) messages.warn('--freeze-embeddings without --embeddings keeps the random initial embeddings fixed');
    // Fail on a bad --out or input before spending minutes on training.
    assertReplaceable(out);
    assertWritable(out);
    checkInputs(fresh, out, args.config as string | undefined);
  } else {
    // Refused before the lock, which would create the directory.
    if (!hasCheckpoint(out)) readCheckpointInfo(out);
  }
  const lock = ModelLock.acquire(out, (line) => messages.warn(line));
  // Ctrl-C or a TERM while training: finish the step, write a checkpoint, stop. Before or
  // after training, or a second time: stop at once, leaving neither the lock nor an empty directory.
  const controller = new AbortController();
  let training = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (training && !controller.signal.aborted) {
      messages.info(`${signal}: writing a checkpoint, then stopping (again to quit at once)`);
      controller.abort(signal);
      return;
    }
    discardFailedRun(lock, out, undefined);
    lock.release();
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let resume: TrainInput['resume'];
    let backend: string | undefined;
    const config = fresh ?? resumedRun(out, args, messages);
    if (fresh === undefined) {
      // Before the checkpoint, so that its weights load into the chosen backend.
      backend = await startBackend(args, messages);
      const read = await readCheckpoint(out);
      resume = { model: read.model, checkpoint: read.checkpoint };
      const { epoch, step } = read.checkpoint.state;
      messages.info(`resuming ${shown} at epoch ${epoch}, step ${step}`);
    } else {
      config.fingerprints = [...fingerprintsOf(config).values()];
    }
    // Dev sentences are tagged after every epoch, within the tagging limit.
    const devFiles = config.dev === null ? [] : [{ file: config.dev, maxSentenceTokens: MAX_TAGGED_TOKENS }];
    const files = [{ file: config.data }, ...devFiles, ...config.embeddingsExtend.map((file) => ({ file }))];
    const featureColumns = config.featureColumns ?? [];
    const reading = corpusReading(dataArgs(config));
    // The feature columns of the tagged data; --embeddings-extend files give only words.
    const tagged = readDataFiles(files.slice(0, 1 + devFiles.length), { ...reading, featureColumns: featureColumns.length > 0 ? featureColumns : undefined }, messages);
    const extendRead = config.embeddingsExtend.length === 0 ? [] : readDataFiles(files.slice(1 + devFiles.length), reading, messages);
    const [train, ...others] = [...tagged, ...extendRead].map((r) => r.corpus);
    // A resumed run's model holds the gazetteer it started with.
    const gazetteers = fresh === undefined ? [] : (config.gazetteers ?? []);
    const gazetteer = gazetteers.length === 0 ? undefined : readGazetteerFiles(gazetteers, config.gazetteerCase === true);
    const dev = config.dev === null ? undefined : others.shift();
    const extend = others;
    backend ??= await startBackend(args, messages);
    let model: NerModel;
    training = true;
    try {
      model = await trainModel({
        train,
        dev,
        extendVocabulary: extend,
        embeddingDimGiven: config.embeddingDimGiven,
        gazetteer,
        options: config.options,
        startedAt,
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
        throw new NerError(`interrupted (${err.reason}) at epoch ${err.epoch}, step ${err.step}; checkpoint saved, continue with: ner train --resume ${shown}`, code);
      }
      if (err instanceof OptionError) throw withFlag(err);
      throw err;
    } finally {
      training = false;
    }
    try {
      // Replaces the directory whole: the checkpoints go with it (the lock moves into the new one).
      await saveModel(model, out);
    } finally {
      model.dispose();
    }
    const summary = model.training!;
    const best = summary.bestDev === undefined ? '' : `, dev F1 ${summary.bestDev.f1.toFixed(2)}`;
    const stop = summary.stoppedEarly ? ' (stopped early)' : '';
    messages.info(`saved ${shown}: epoch ${summary.bestEpoch} of ${summary.epochs.length}${best}${stop}, ${summary.seconds.toFixed(1)}s`);
    if (summary.diverged !== undefined) {
      const { epoch, step } = summary.diverged;
      throw new NerError(`training diverged at epoch ${epoch}, step ${step} (NaN or infinite loss, gradients or weights); saved the best model before it, from epoch ${summary.bestEpoch}. Try a lower --lr.`, 3);
    }
  } catch (err) {
    discardFailedRun(lock, out, err);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    lock.release();
  }
}
