/**
 * `ner train` as a careful user needs it: it fails before training when it
 * cannot finish, turns file-system errors into one line, never saves or
 * loads non-finite weights, resumes only the run it interrupted, and keeps a
 * second run out of its model directory. Every case runs the built CLI.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliResult, REPO, assertUserError, ner } from './helpers/cli';
import { createHash } from 'node:crypto';
import { rejectNonFiniteNumbers } from '../src/cli/finiteNumbers';
import { changedOptions, runConfigFromArgs } from '../src/cli/runConfig';
import { DEFAULT_TRAIN_OPTIONS } from '../src/train/options';
import { fingerprintChange, fingerprintFile } from '../src/io/fingerprint';
import { fileSystemError, withPath } from '../src/io/fsErrors';
import { removeStaleLock } from '../src/io/modelLock';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-safety-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const at = (...parts: string[]) => path.join(tmp, ...parts);
const write = (name: string, text: string) => {
  fs.writeFileSync(at(name), text);
  return at(name);
};

const TINY_CONLL = [
  'Angela B-PER\nMerkel I-PER\nvisited O\nParis B-LOC\n. O',
  'Siemens B-ORG\nopened O\nan O\noffice O\nin O\nBerlin B-LOC',
  'John B-PER\nSmith I-PER\njoined O\nGoogle B-ORG\n. O',
  'The O\nGerman B-MISC\nteam O\nwon O',
  'Rome B-LOC',
  'Bank B-ORG\nof I-ORG\nEngland I-ORG\nraised O\nrates O',
].join('\n\n');
const data = write('tiny.conll', `${TINY_CONLL}\n`);
/** A small, quick model: one thread, no characters, no context. */
const SMALL = ['--char-encoder', 'none', '--hidden-size', '8', '--embedding-dim', '8', '--context-tokens', '0', '--casing-dim', '0', '--threads', '1'];
const train = (out: string, ...extra: string[]) => ner(['train', '--data', data, '--out', out, '--epochs', '1', ...SMALL, '-q', ...extra]);

function latest(dir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, 'checkpoints', 'LATEST'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** `ner train` in the background; `stop` sends SIGINT and waits for the exit. */
function background(args: string[]) {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NER_DEBUG: '' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return {
    pid: child.pid!,
    stderr: () => stderr,
    async until(ready: () => boolean, what: string): Promise<void> {
      const deadline = Date.now() + 60_000;
      while (!ready() && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
      assert.ok(ready(), `${what} within a minute; stderr: ${stderr}`);
    },
    async stop(): Promise<{ code: number | null; stderr: string }> {
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** A run of 8 epochs (no dev data, batches of one sentence, a checkpoint per step), interrupted by Ctrl-C once LATEST is at `epoch` or later. */
async function interruptedRun(dir: string, epoch = 1): Promise<void> {
  const run = background(['train', '--data', data, '--out', dir, '--epochs', '8', '--batch-size', '1', '--checkpoint-every', '1', ...SMALL, '-q']);
  await run.until(() => Number(/^epoch-(\d+)-/.exec(latest(dir) ?? '')?.[1] ?? 0) >= epoch, `a checkpoint of epoch ${epoch}`);
  const r = await run.stop();
  assert.equal(r.code, 130, r.stderr);
}

describe('fail fast: what can be checked is checked before training', () => {
  test('--out below a regular file fails before the first epoch, one line, exit 2', () => {
    const file = write('regular', 'x');
    const r = ner(['train', '--data', data, '--out', path.join(file, 'sub'), '--epochs', '1', ...SMALL]);
    assertUserError(r, 2, /regular.*(is a file|not a directory)/);
    assert.doesNotMatch(r.stdout, /epoch/, 'no epoch ran');
    assert.equal(fs.readFileSync(file, 'utf8'), 'x');
  });

  test('an input inside the model directory the run replaces is refused, and the model stays', () => {
    const model = at('holds-data');
    assert.equal(train(model).code, 0);
    const inside = path.join(model, 'train.conll');
    fs.copyFileSync(data, inside);
    const before = fs.readdirSync(model).sort();
    const r = ner(['train', '--data', inside, '--out', model, '--epochs', '1', ...SMALL]);
    assertUserError(r, 2, /--data .*holds-data.*train\.conll is inside .*holds-data/);
    assert.doesNotMatch(r.stdout, /epoch/);
    assert.deepEqual(fs.readdirSync(model).sort(), before);
  });

  test('--out a symbolic link to a model directory: the link stays, the directory it points to is replaced', () => {
    const target = at('link-target');
    assert.equal(train(target).code, 0);
    const link = at('link');
    fs.symlinkSync(target, link);
    const savedAt = () => JSON.parse(fs.readFileSync(path.join(target, 'metadata.json'), 'utf8')).savedAt;
    const first = savedAt();
    const r = train(link);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the link is still a link');
    assert.equal(fs.readlinkSync(link), target);
    assert.notEqual(savedAt(), first, 'the target holds the new model');
  });
});

describe('file-system errors: one line naming the path, exit 2, nothing confusing left', () => {
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs ${JSON.stringify(tmp)} && umount ${JSON.stringify(tmp)}`], { encoding: 'utf8' });
  const skip = probe.status === 0 ? false : `unshare -m and mount -t tmpfs are not permitted here (${(probe.stderr || probe.error?.message || '').trim()})`;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

  /**
   * Runs `steps` in a private mount namespace in which `name` is a fresh tmpfs
   * mounted with `options` (it vanishes with the namespace). A step is ner's
   * arguments, or a shell command; returns what each ner step did.
   */
  function onTmpfs(name: string, options: string, steps: Array<string[] | { shell: string }>): CliResult[] {
    const mnt = at(name);
    fs.mkdirSync(mnt);
    const file = (i: number, ext: string) => q(at(`${name}.${i}.${ext}`));
    const lines = steps.map((step, i) =>
      Array.isArray(step) ? `${q(process.execPath)} ${q(MAIN)} ${step.map(q).join(' ')} >${file(i, 'out')} 2>${file(i, 'err')} </dev/null; echo $? >${file(i, 'rc')}` : step.shell,
    );
    const script = [`mount -t tmpfs -o ${options} tmpfs ${q(mnt)} || exit 99`, ...lines].join('\n');
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8', env: { ...process.env, NER_DEBUG: '' } });
    assert.equal(r.status, 0, r.stderr);
    return steps.flatMap((step, i) =>
      Array.isArray(step)
        ? [{ code: Number(fs.readFileSync(at(`${name}.${i}.rc`), 'utf8')), stdout: fs.readFileSync(at(`${name}.${i}.out`), 'utf8'), stderr: fs.readFileSync(at(`${name}.${i}.err`), 'utf8') }]
        : [],
    );
  }

  test('a disk too full for the first checkpoint: exit 2 naming ENOSPC and the path, no model directory left', { skip }, () => {
    const m = path.join(at('full'), 'm');
    const [trained, predicted, resumed] = onTmpfs('full', 'size=8k', [
      ['train', '--data', data, '--out', m, '--epochs', '2', ...SMALL, '-q'],
      ['predict', '--model', m, '--input', data, '-q'],
      ['train', '--resume', m, '-q'],
    ]);
    assertUserError(trained, 2, /full\/m\S*: cannot \w+.*: no space left on the device \(ENOSPC\)/);
    assertUserError(predicted, 2, /full\/m: no such model directory/);
    assertUserError(resumed, 2, /full\/m: no checkpoint to resume from/);
  });

  test('room for a checkpoint but not the model: the checkpoint stays, predict says so, --resume finishes once there is room', { skip }, () => {
    const mnt = at('tight');
    const m = path.join(mnt, 'm');
    // 60 KiB: room for this model's first checkpoint (six files, about 40 KiB in tmpfs pages, with the
    // lock) but not for the model beside it (report.html alone takes 20 KiB).
    const [trained, predicted, resumed, predictedAfter] = onTmpfs('tight', 'size=60k', [
      ['train', '--data', data, '--out', m, '--epochs', '2', ...SMALL, '-q'],
      ['predict', '--model', m, '--input', data, '-q'],
      // What a user does: make room.
      { shell: `mount -o remount,size=1m ${q(mnt)}` },
      ['train', '--resume', m, '-q'],
      ['predict', '--model', m, '--input', data, '--input-format', 'conll', '-q'],
    ]);
    assertUserError(trained, 2, /tight\/m\S*: cannot \w+.*: no space left on the device \(ENOSPC\)/);
    assertUserError(predicted, 2, /holds only the checkpoints of an unfinished training run; finish it with: ner train --resume/);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(predictedAfter.code, 0, predictedAfter.stderr);
  });

  test('a read-only file system: refused before training, one line', { skip }, () => {
    const m = path.join(at('readonly'), 'm');
    const [trained] = onTmpfs('readonly', 'ro,size=64k', [['train', '--data', data, '--out', m, '--epochs', '1', ...SMALL]]);
    assertUserError(trained, 2, /readonly.*read-only file system/);
    assert.doesNotMatch(trained.stdout, /epoch/);
  });
});

describe('numbers: non-finite options refused; non-finite weights never saved or loaded', () => {
  test('a non-finite value of any numeric option, on any command, names the option', () => {
    const model = at('finite-model');
    assert.equal(train(model).code, 0);
    const cases: Array<[string[], RegExp]> = [
      [['train', '--data', data, '--out', at('never'), '--lr', 'Infinity'], /--lr must be a finite number, got Infinity/],
      [['train', '--data', data, '--out', at('never'), '--dropout', 'NaN'], /--dropout must be a finite number, got NaN/],
      [['train', '--data', data, '--out', at('never'), '--epochs=-Infinity'], /--epochs must be a finite number, got -Infinity/],
      [['predict', '--model', model, '--nbest', 'Infinity', '--output-format', 'json'], /--nbest must be a finite number, got Infinity/],
      [['predict', '--model', model, '--min-confidence', 'NaN'], /--min-confidence must be a finite number, got NaN/],
      [['predict', '--model', model, '--token-column', 'Infinity', '--input-format', 'conll'], /--token-column must be a finite number, got Infinity/],
      [['eval', '--model', model, '--data', data, '--errors', 'Infinity'], /--errors must be a finite number, got Infinity/],
      [['serve', '--model', model, '--port', 'Infinity'], /--port must be a finite number, got Infinity/],
      [['predict', '--model', model, '--threads', 'Infinity'], /--threads must be a finite number, got Infinity/],
      // A column may be a CSV header name; CoNLL data has none.
      [['check', '--data', data, '--tag-column', 'NaN'], /--tag-column applies to csv data as a header name \(conll columns are numbered\) \(.* is conll: the extension \.conll names no other format\), got NaN/],
    ];
    for (const [args, message] of cases) assertUserError(ner(args, { input: 'Paris\n' }), 2, message);
    assert.equal(fs.existsSync(at('never')), false);
  });

  test('a run whose weights overflow (--lr 1e39, one batch per epoch) exits 3 and saves nothing', () => {
    const out = at('overflow');
    const r = train(out, '--lr', '1e39', '--batch-size', '100');
    assertUserError(r, 3, /training diverged.*nothing was saved.*lower --lr/);
    assert.equal(fs.existsSync(out), false, 'no model directory');
  });

  test('a run that overflows over an existing model exits 3 and leaves that model as it was, unlocked', () => {
    const out = at('overflow-existing');
    assert.equal(train(out).code, 0);
    const weights = fs.readFileSync(path.join(out, 'weights.bin'));
    assertUserError(train(out, '--lr', '1e39', '--batch-size', '100'), 3, /training diverged.*nothing was saved/);
    assert.deepEqual(fs.readdirSync(out).sort(), ['metadata.json', 'model.json', 'report.html', 'weights.bin']);
    assert.ok(fs.readFileSync(path.join(out, 'weights.bin')).equals(weights));
  });

  test('a model with NaN weights is refused by predict, eval and report, naming the weight', () => {
    const model = at('nan-model');
    assert.equal(train(model).code, 0);
    const manifest = JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8')).weightsManifest[0].weights;
    const weights = fs.readFileSync(path.join(model, 'weights.bin'));
    // The first weight's second value, and one further on.
    weights.writeFloatLE(NaN, 4);
    weights.writeFloatLE(Infinity, 40);
    fs.writeFileSync(path.join(model, 'weights.bin'), weights);
    const name = manifest[0].name.replace(/[/.]/g, '\\$&');
    const message = new RegExp(`nan-model: .*weight ${name}.* (NaN|not finite|non-finite).*lower --lr`);
    assertUserError(ner(['predict', '--model', model, '--nbest', '2', '--output-format', 'json'], { input: 'Paris\n' }), 2, message);
    assertUserError(ner(['eval', '--model', model, '--data', data]), 2, message);
    assertUserError(ner(['report', model, '--output', at('nan-report.html')]), 2, message);
  });
});

describe('model files and checkpoints: a clear one-line error for every malformed field', () => {
  const model = at('manifest-model');
  const manifestCases: Array<[string, (weights: Array<Record<string, unknown> | null>) => void, RegExp]> = [
    ['a null entry', (w) => (w[1] = null), /weights manifest entry 2 is not an object/],
    ['a shape that is not an array', (w) => (w[0]!.shape = 'abc'), /weights manifest entry 1 .*shape/],
    ['a negative dimension', (w) => (w[0]!.shape = [-1, 3]), /weights manifest entry 1 .*shape/],
    ['float16', (w) => (w[0]!.dtype = 'float16'), /unsupported dtype "float16"/],
    ['a missing name', (w) => delete w[0]!.name, /weights manifest entry 1 .*name/],
  ];
  for (const [what, edit, message] of manifestCases) {
    test(`model.json with ${what}`, () => {
      if (!fs.existsSync(model)) assert.equal(train(model).code, 0);
      const copy = at(`manifest-${what.replace(/\W+/g, '-')}`);
      fs.cpSync(model, copy, { recursive: true });
      const json = JSON.parse(fs.readFileSync(path.join(copy, 'model.json'), 'utf8'));
      edit(json.weightsManifest[0].weights);
      fs.writeFileSync(path.join(copy, 'model.json'), JSON.stringify(json));
      assertUserError(ner(['predict', '--model', copy], { input: 'Paris\n' }), 2, message);
    });
  }

  describe('checkpoints', () => {
    const run = at('ckpt-run');
    const copy = (name: string) => {
      const dir = at(name);
      fs.cpSync(run, dir, { recursive: true });
      return path.join(dir, 'checkpoints', latest(dir)!);
    };

    test('an empty best.bin or optimizer.bin, or state.json fields of the wrong type: --resume refuses, exit 2', async () => {
      await interruptedRun(run, 2);
      const emptyBest = copy('ckpt-empty-best');
      fs.writeFileSync(path.join(emptyBest, 'best.bin'), '');
      assertUserError(ner(['train', '--resume', path.dirname(path.dirname(emptyBest)), '-q']), 2, /corrupt checkpoint: best\.bin has 0 bytes/);

      const shortOptimizer = copy('ckpt-short-optimizer');
      fs.truncateSync(path.join(shortOptimizer, 'optimizer.bin'), 6);
      assertUserError(ner(['train', '--resume', path.dirname(path.dirname(shortOptimizer)), '-q']), 2, /corrupt checkpoint: optimizer\.bin has 6 bytes/);

      const missing = copy('ckpt-missing');
      fs.rmSync(path.join(missing, 'optimizer.bin'));
      assertUserError(ner(['train', '--resume', path.dirname(path.dirname(missing)), '-q']), 2, /corrupt checkpoint: optimizer\.bin is missing/);

      for (const [field, value] of [['epoch', 'two'], ['learningRate', null], ['rng', 7]] as const) {
        const badState = copy(`ckpt-state-${field}`);
        const file = path.join(badState, 'state.json');
        const json = JSON.parse(fs.readFileSync(file, 'utf8'));
        json.state[field] = value;
        fs.writeFileSync(file, JSON.stringify(json));
        assertUserError(ner(['train', '--resume', path.dirname(path.dirname(badState)), '-q']), 2, new RegExp(`corrupt checkpoint: state\\.json: state\\.${field} `));
      }
      const badConfig = copy('ckpt-config');
      const file = path.join(badConfig, 'state.json');
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      json.config.data = 42;
      fs.writeFileSync(file, JSON.stringify(json));
      assertUserError(ner(['train', '--resume', path.dirname(path.dirname(badConfig)), '-q']), 2, /corrupt checkpoint: state\.json: config\.data /);
    });
  });
});

describe('--config: the JSON type of every value is checked', () => {
  const run = (config: string) => ner(['train', '--config', config, '--data', data, '--out', at('never-config'), ...SMALL]);
  test('null, true or a string for a number, a number for a boolean, an unknown key: refused, naming key, expected type and what came', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"epochs": null}', /"epochs" must be a number, got null/],
      ['{"epochs": true}', /"epochs" must be a number, got true/],
      ['{"lr": "0.1"}', /"lr" must be a number, got "0\.1"/],
      ['{"epochs": 1e999}', /"epochs" must be a finite number, got 1e\+?999|"epochs" must be a finite number, got Infinity/],
      ['{"lowercase": 3}', /"lowercase" must be true or false, got 3/],
      ['{"embeddings-extend": [1]}', /"embeddings-extend" must be a list of strings, got \[1\]/],
      ['{"frobnicate": 1}', /unknown option "frobnicate"/],
    ];
    cases.forEach(([json, message], i) => {
      const file = write(`config-${i}.json`, json);
      assertUserError(run(file), 2, new RegExp(`config-${i}\\.json: ${message.source}`));
    });
    assert.equal(fs.existsSync(at('never-config')), false);
  });

  test('a byte-order mark at the start of the file is no part of the JSON', () => {
    const r = run(write('config-bom.json', '\uFEFF{"frobnicate": 1}'));
    // Read past the mark, as JSON: the key is what is refused.
    assertUserError(r, 2, /config-bom\.json: unknown option "frobnicate"/);
  });

  test('a directory, or a file that does not exist', () => {
    assertUserError(run(tmp), 2, /is a directory, expected a JSON file/);
    assertUserError(run(at('nope.json')), 2, /nope\.json: no such file/);
  });
});

describe('--resume continues the same run or refuses', () => {
  const run = at('resume-run');
  let ready: Promise<void> | undefined;
  /** A copy of one interrupted run (8 epochs, stopped in the first), so that each test has its own. */
  const copy = async (name: string) => {
    ready ??= interruptedRun(run, 1);
    await ready;
    const dir = at(name);
    fs.cpSync(run, dir, { recursive: true });
    return dir;
  };

  test('options that would change the run are refused, all named at once; the same values and neutral options are accepted', async () => {
    const dir = await copy('resume-options');
    const other = write('other.conll', `${TINY_CONLL}\n`);
    const r = ner(['train', '--resume', dir, '--epochs', '3', '--lr', '0.5', '--data', other, '--out', at('elsewhere'), '-q']);
    assertUserError(r, 2, /--resume continues the run as it was started, and these options would change it: /);
    for (const named of [/--epochs \(3, the run has 8\)/, new RegExp(`--lr \\(0\\.5, the run has ${DEFAULT_TRAIN_OPTIONS.learningRate}\\)`), /--data \(\S*other\.conll, the run has \S*tiny\.conll\)/, /--out \(\S*elsewhere, the run has \S*resume-run\)/]) assert.match(r.stderr, named);
    assert.equal(fs.existsSync(at('elsewhere')), false);
    const same = ner(['train', '--resume', dir, '--epochs', '8', '--data', data, '--char-encoder', 'none', '--threads', '2', '--checkpoint-every', '0', '--quiet']);
    assert.equal(same.code, 0, same.stderr);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['metadata.json', 'model.json', 'report.html', 'weights.bin']);
  });

  test('data changed since the checkpoint: refused naming the file; --allow-changed-data proceeds with a warning', async () => {
    const dir = await copy('resume-changed');
    fs.appendFileSync(data, '\nParis B-LOC\n');
    try {
      assertUserError(ner(['train', '--resume', dir, '-q']), 2, /tiny\.conll: changed since the checkpoint.*--allow-changed-data/);
      const r = ner(['train', '--resume', dir, '--allow-changed-data', '--checkpoint-every', '0', '-q']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /ner: warning: .*tiny\.conll: changed since the checkpoint \(.*\); resuming on it anyway \(--allow-changed-data\)/);
    } finally {
      fs.writeFileSync(data, `${TINY_CONLL}\n`);
    }
  });

  test('a data file that vanished is named', async () => {
    const dir = await copy('resume-vanished');
    const state = path.join(dir, 'checkpoints', latest(dir)!, 'state.json');
    const json = JSON.parse(fs.readFileSync(state, 'utf8'));
    const moved = write('moved.conll', `${TINY_CONLL}\n`);
    json.config.data = moved;
    json.config.fingerprints = json.config.fingerprints.map((f: { file: string }) => ({ ...f, file: moved }));
    fs.writeFileSync(state, JSON.stringify(json));
    fs.rmSync(moved);
    assertUserError(ner(['train', '--resume', dir, '-q']), 2, /moved\.conll: no longer exists/);
  });

  test('a checkpoint from before fingerprints resumes, with a notice that the data could not be checked', async () => {
    const dir = await copy('resume-old');
    const state = path.join(dir, 'checkpoints', latest(dir)!, 'state.json');
    const json = JSON.parse(fs.readFileSync(state, 'utf8'));
    delete json.config.fingerprints;
    fs.writeFileSync(state, JSON.stringify(json));
    const r = ner(['train', '--resume', dir, '--checkpoint-every', '0', '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /ner: warning: .*could not check/);
  });

  test('--allow-changed-data without --resume is a usage error', () => {
    assertUserError(train(at('never-allow'), '--allow-changed-data'), 2, /--allow-changed-data goes with --resume/);
  });
});

describe('a lock on the model directory', () => {
  test('a second train on the same --out refuses naming the first PID; predict says a run is writing it', async () => {
    const out = at('locked');
    const first = background(['train', '--data', data, '--out', out, '--epochs', '1000', '--batch-size', '1', '--checkpoint-every', '1', ...SMALL, '-q']);
    try {
      await first.until(() => latest(out) !== undefined, 'a first checkpoint');
      assertUserError(train(out), 2, new RegExp(`locked.*PID ${first.pid}`));
      assertUserError(ner(['train', '--resume', out, '-q']), 2, new RegExp(`locked.*PID ${first.pid}`));
      assertUserError(ner(['predict', '--model', out], { input: 'Paris\n' }), 2, new RegExp(`training run \\(PID ${first.pid}.*is writing it`));
    } finally {
      const r = await first.stop();
      assert.equal(r.code, 130, r.stderr);
    }
    assert.equal(fs.existsSync(path.join(out, 'train.lock')), false, 'released on Ctrl-C');
  });

  test('a stale lock (its process is gone) is taken over with a notice', () => {
    const out = at('stale');
    fs.mkdirSync(out);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(gone.stdout);
    fs.writeFileSync(path.join(out, 'train.lock'), JSON.stringify({ pid, hostname: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z' }));
    const r = train(out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`ner: warning: .*stale.*PID ${pid}`));
    assert.deepEqual(fs.readdirSync(out).sort(), ['metadata.json', 'model.json', 'report.html', 'weights.bin']);
  });

  test('of two runs taking over one stale lock, only one removes it: a lock made meanwhile stays', () => {
    const file = at('race.lock');
    const stale = { pid: 999_999, hostname: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z' };
    // The lock is still the stale one that was judged: removed.
    fs.writeFileSync(file, JSON.stringify(stale));
    assert.equal(removeStaleLock(file, stale), true);
    assert.equal(fs.existsSync(file), false);
    // Another run took it over and made its own between the judging and the removal: it stays.
    const fresh = JSON.stringify({ pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() });
    fs.writeFileSync(file, fresh);
    assert.equal(removeStaleLock(file, stale), false);
    assert.equal(fs.readFileSync(file, 'utf8'), fresh);
    assert.deepEqual(fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith('race.lock.')), [], 'nothing left aside');
  });

  test('a lock from another host is not guessed about: refused, saying how to remove it', () => {
    const out = at('other-host');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'train.lock'), JSON.stringify({ pid: 1, hostname: 'elsewhere.example', startedAt: '2020-01-01T00:00:00.000Z' }));
    assertUserError(train(out), 2, /other-host.*PID 1 on elsewhere\.example.*remove .*train\.lock/);
  });
});

describe('the pure pieces', () => {
  test('a failed system call becomes one line with the path, what was done, the reason and the code', () => {
    const err = (code: string, syscall: string, extra: object) => Object.assign(new Error(`${code}: whatever, ${syscall}`), { code, syscall, ...extra });
    assert.equal(fileSystemError(err('ENOSPC', 'write', { path: '/m/weights.bin' }))?.message, '/m/weights.bin: cannot write: no space left on the device (ENOSPC)');
    assert.equal(fileSystemError(err('EXDEV', 'rename', { path: '/a', dest: '/b' }))?.message, '/a: cannot rename to /b: on another file system (EXDEV)');
    assert.equal(fileSystemError(err('ENOTDIR', 'mkdir', { path: '/f/sub' }))?.exitCode, 2);
    assert.equal(fileSystemError(err('EWHATEVER', 'open', { path: '/x' }))?.message, '/x: cannot open: whatever (EWHATEVER)');
    assert.equal(fileSystemError(new TypeError('x is undefined')), undefined);
    assert.equal(fileSystemError(Object.assign(new Error('no syscall'), { code: 'ERR_INVALID_ARG_TYPE' })), undefined);
    const withoutPath = err('ENOSPC', 'write', {});
    assert.equal(fileSystemError(withPath(withoutPath, '/m/x'))?.message, '/m/x: cannot write: no space left on the device (ENOSPC)');
  });

  test('non-finite numbers are refused under the option name the user typed', () => {
    assert.throws(() => rejectNonFiniteNumbers({ _: [], $0: 'ner', 'batch-size': NaN, batchSize: NaN }), /^UsageError: --batch-size must be a finite number, got NaN$/);
    assert.throws(() => rejectNonFiniteNumbers({ _: [], $0: 'ner', list: [1, -Infinity] }), /--list must be a finite number, got -Infinity/);
    assert.doesNotThrow(() => rejectNonFiniteNumbers({ _: [], $0: 'ner', lr: 1e39, data: 'Infinity', quiet: true }));
  });

  test('--resume: given options compared with the run, paths by what they name, neutral options ignored', () => {
    const recorded = runConfigFromArgs({ data, out: at('run'), epochs: 8 });
    const relative = path.relative(process.cwd(), data);
    assert.deepEqual(changedOptions({ data: relative, epochs: 8, lr: DEFAULT_TRAIN_OPTIONS.learningRate, threads: 1, 'checkpoint-every': 3, quiet: true }, ['data', 'epochs', 'lr', 'threads', 'checkpoint-every', 'quiet'], recorded), []);
    assert.deepEqual(changedOptions({ epochs: 9, lowercase: false, dev: data }, ['epochs', 'lowercase', 'dev'], recorded), ['--epochs (9, the run has 8)', '--lowercase (false, the run has true)', `--dev (${data}, the run has none)`]);
  });

  test('a fingerprint says how a file changed', () => {
    const then = { file: '/d', size: 10, sha256: 'a' };
    assert.equal(fingerprintChange(then, { ...then }), undefined);
    assert.equal(fingerprintChange(then, undefined), 'no longer exists');
    assert.equal(fingerprintChange(then, { ...then, size: 12 }), 'changed since the checkpoint (10 bytes then, 12 now)');
    assert.equal(fingerprintChange(then, { ...then, sha256: 'b' }), 'changed since the checkpoint (same size, other content)');
    assert.equal(fingerprintFile(data).sha256, createHash('sha256').update(fs.readFileSync(data)).digest('hex'));
  });
});
