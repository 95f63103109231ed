/**
 * Random bytes through the CLI: as training data (`ner check`, `ner train`),
 * as the files of a real model (`ner predict`, `ner eval`, `ner report`), and
 * as `--config`. Whatever comes in, the command ends in a result or in a
 * user error (`ner: error: ...`), never in `internal error` or a stack trace:
 * the point is the CLI's error mapping, so every case is a child process.
 *
 * Inputs come from fast-check on a fixed seed (a failure reproduces; the
 * message carries the input) and run a few at a time, so the file stays
 * well under a minute on two cores.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { REPO } from './helpers/cli';

/** NER_FUZZ_SEED and NER_FUZZ_RUNS (runs per kind) search further than the default. */
const SEED = Number(process.env.NER_FUZZ_SEED ?? 20261130);
const runs = (n: number) => Number(process.env.NER_FUZZ_RUNS ?? n);
const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-fuzz-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, NER_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `cases` through `check`, `width` at a time; collects every failure before failing. */
async function each<T>(cases: T[], check: (c: T, i: number) => Promise<void>, width = 3): Promise<void> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      try {
        await check(cases[i], i);
      } catch (err) {
        failures.push(`case ${i}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  assert.deepEqual(failures, [], failures.join('\n\n'));
}

/** A run ended in a result or a user error: no internal error, no stack trace, no signal. */
function assertClean(r: Run, what: string): void {
  const shown = `${what}\nexit ${r.code}\nstderr:\n${r.stderr.slice(0, 2000)}`;
  assert.doesNotMatch(r.stderr, /internal error/, shown);
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `stack trace: ${shown}`);
  assert.notEqual(r.code, null, `killed by a signal: ${shown}`);
  assert.notEqual(r.code, 1, `exit 1 is for bugs (and check --strict): ${shown}`);
  if (r.code !== 0) assert.match(r.stderr, /^ner: error: \S/m, `a non-zero exit without a user error: ${shown}`);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Bytes that look a little like CoNLL, or are anything at all. */
const corpusBytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.tuple(fc.constantFrom('EU', 'Paris', 'x', '-DOCSTART-', '-X-', '\uFEFF', 'Zürich', '😀', 'a\u0000b'), fc.constantFrom(' ', '\t', '  '), fc.constantFrom('O', 'B-PER', 'I-PER', 'E-LOC', 'S-ORG', 'B-', 'B-0', 'I-x-y', 'O O', '-X-')).map((p) => `${p.join('')}\n`) },
        { weight: 2, arbitrary: fc.constantFrom('\n', '\r\n', '\r', '\n\n') },
        { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: 'binary' }) },
      ),
      { maxLength: 40 },
    )
    .map((parts) => new Uint8Array(Buffer.from(parts.join(''), 'utf8'))),
);

const TINY_MODEL = ['--char-encoder', 'none', '--embedding-dim', '4', '--hidden-size', '4', '--casing-dim', '0', '--context-tokens', '0', '-q'];
const TRAIN_TINY = ['--epochs', '1', ...TINY_MODEL];
const GOLD = 'Angela B-PER\nMerkel I-PER\nvisited O\nParis B-LOC\n.  O\n\nJohn B-PER\njoined O\nGoogle B-ORG\n';

describe('random bytes as training data', () => {
  test('ner check --data', async () => {
    const cases = fc.sample(corpusBytes, { seed: SEED, numRuns: runs(15) });
    await each(cases, async (bytes, i) => {
      const file = path.join(tmp, `check-${i}.conll`);
      fs.writeFileSync(file, bytes);
      assertClean(await run(['check', '--data', file]), `ner check --data <base64 ${hex(bytes)}>`);
    });
  });

  test('ner train --data, one epoch of a tiny model', async () => {
    const cases = fc.sample(corpusBytes, { seed: SEED + 1, numRuns: runs(15) });
    await each(cases, async (bytes, i) => {
      const file = path.join(tmp, `train-${i}.conll`);
      fs.writeFileSync(file, bytes);
      assertClean(await run(['train', '--data', file, '--out', path.join(tmp, `train-model-${i}`), ...TRAIN_TINY]), `ner train --data <base64 ${hex(bytes)}>`);
    });
  });
});

/** How a model file is damaged. */
type Damage = { kind: 'replace'; bytes: Uint8Array } | { kind: 'truncate'; keep: number } | { kind: 'mutate'; edits: Array<[number, number]> };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes): Damage => ({ kind: 'replace', bytes })),
  fc.double({ min: 0, max: 1, noNaN: true }).map((keep): Damage => ({ kind: 'truncate', keep })),
  fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits): Damage => ({ kind: 'mutate', edits })),
);

function applyDamage(original: Buffer, d: Damage): Buffer {
  if (d.kind === 'replace') return Buffer.from(d.bytes);
  if (d.kind === 'truncate') return original.subarray(0, Math.floor(original.length * d.keep));
  const out = Buffer.from(original);
  for (const [at, byte] of d.edits) out[Math.floor(at * out.length)] = byte;
  return out;
}

const describeDamage = (d: Damage) =>
  d.kind === 'replace' ? `replaced by <base64 ${hex(d.bytes)}>` : d.kind === 'truncate' ? `truncated to ${d.keep.toFixed(4)} of its length` : `bytes set: ${JSON.stringify(d.edits)}`;

/**
 * Sets one value inside `json[root]`, or `json[root]` itself: each step picks
 * a key (or index) of the value reached so far, by its position in [0, 1);
 * the walk stops early at a value without keys. Returns the path it took.
 */
function setField(json: Record<string, unknown>, root: string, steps: number[], value: unknown): string {
  let parent: Record<string, unknown> = json;
  let key = root;
  let at = root;
  for (const step of steps) {
    const node = parent[key];
    if (node === null || typeof node !== 'object' || Object.keys(node).length === 0) break;
    const keys = Object.keys(node);
    parent = node as Record<string, unknown>;
    key = keys[Math.floor(step * keys.length)];
    at += `.${key}`;
  }
  parent[key] = value;
  return at;
}

describe('random bytes in a real model', () => {
  const model = path.join(tmp, 'model');
  const gold = path.join(tmp, 'gold.conll');
  const commandArgs = (command: string, dir: string, i: number): string[] =>
    command === 'predict'
      ? ['predict', '--model', dir, '-q']
      : command === 'eval'
        ? ['eval', '--model', dir, '--data', gold, '-q']
        : ['report', dir, '--output', path.join(tmp, `report-${dir.length}-${i}.html`), '-q'];

  before(async () => {
    fs.writeFileSync(gold, GOLD);
    // Characters and casing too, so every kind of weight is in the files.
    const r = await run(['train', '--data', gold, '--out', model, '--epochs', '1', '--embedding-dim', '4', '--hidden-size', '4', '--char-dim', '4', '--char-size', '4', '--casing-dim', '2', '-q']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('metadata.json with a field set to any JSON value: predict, eval, report', async () => {
    // Valid JSON with one value changed reaches past the parser, to the checks of each field.
    const arbitrary = fc.record({
      root: fc.constantFrom('training', 'training', 'training', 'shape', 'savedAt', 'scheme', 'modelScheme', 'tags', 'words', 'chars', 'format'),
      steps: fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 3 }),
      value: fc.jsonValue({ maxDepth: 2 }),
      command: fc.constantFrom('predict', 'eval', 'report'),
    });
    const cases = fc.sample(arbitrary, { seed: SEED + 4, numRuns: runs(15) });
    await each(cases, async ({ root, steps, value, command }, i) => {
      const dir = path.join(tmp, `field-${i}`);
      fs.cpSync(model, dir, { recursive: true });
      const meta = JSON.parse(fs.readFileSync(path.join(model, 'metadata.json'), 'utf8'));
      const at = setField(meta, root, steps, value);
      fs.writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(meta));
      assertClean(await run(commandArgs(command, dir, i), 'Angela Merkel visited Paris.\n'), `ner ${command} with metadata.json ${at} = ${JSON.stringify(value)}`);
    });
  });

  test('model.json, metadata.json, weights.bin replaced, truncated or mutated: predict, eval, report', async () => {
    const arbitrary = fc.record({
      file: fc.constantFrom('model.json', 'metadata.json', 'weights.bin'),
      damage,
      command: fc.constantFrom('predict', 'eval', 'report'),
    });
    const cases = fc.sample(arbitrary, { seed: SEED + 2, numRuns: runs(15) });
    await each(cases, async ({ file, damage: d, command }, i) => {
      const dir = path.join(tmp, `damaged-${i}`);
      fs.cpSync(model, dir, { recursive: true });
      fs.writeFileSync(path.join(dir, file), applyDamage(fs.readFileSync(path.join(model, file)), d));
      assertClean(await run(commandArgs(command, dir, i), 'Angela Merkel visited Paris.\n'), `ner ${command} with ${file} ${describeDamage(d)}`);
    });
  });

  /** An edit of model.json setting `field` of the first weights-manifest entry. */
  const firstWeight = (field: string, value: unknown) => (text: string) => {
    const m = JSON.parse(text);
    m.weightsManifest[0].weights[0][field] = value;
    return JSON.stringify(m);
  };
  /** An edit of metadata.json setting `field` of the network shape. */
  const shapeField = (field: string, value: unknown) => (text: string) => {
    const m = JSON.parse(text);
    m.shape[field] = value;
    return JSON.stringify(m);
  };
  /** Damage a random byte rarely produces, found by hand (each was an internal error once); predict must end in a user error. */
  const BY_HAND: Array<{ name: string; file: string; edit: (text: string) => string }> = [
    {
      name: 'a weights-manifest entry null',
      file: 'model.json',
      edit: (t) => JSON.stringify({ ...JSON.parse(t), weightsManifest: [{ ...JSON.parse(t).weightsManifest[0], weights: [null, ...JSON.parse(t).weightsManifest[0].weights] }] }),
    },
    { name: 'a weight of shape "abc"', file: 'model.json', edit: firstWeight('shape', 'abc') },
    { name: 'a weight of dtype float16', file: 'model.json', edit: firstWeight('dtype', 'float16') },
    // The network reads casing; the shape says it does not (and then: not a number).
    { name: 'shape.casingDim 0 on a model with casing', file: 'metadata.json', edit: shapeField('casingDim', 0) },
    { name: 'shape.casingDim "x"', file: 'metadata.json', edit: shapeField('casingDim', 'x') },
  ];
  test('an empty best.bin in a checkpoint: --resume ends in a user error', async () => {
    // A run stopped by Ctrl-C after its first epoch leaves a checkpoint with the best weights so far.
    const dir = path.join(tmp, 'interrupted');
    const child = spawn(process.execPath, [MAIN, 'train', '--data', gold, '--dev', gold, '--out', dir, ...TRAIN_TINY.filter((a) => a !== '-q').map((a) => (a === '1' ? '500' : a))]);
    child.stdout.on('data', (d) => {
      if (/^epoch /m.test(String(d))) child.kill('SIGINT');
    });
    await new Promise((resolve) => child.on('close', resolve));
    const checkpoints = path.join(dir, 'checkpoints');
    const latest = fs.readFileSync(path.join(checkpoints, 'LATEST'), 'utf8').trim();
    fs.writeFileSync(path.join(checkpoints, latest, 'best.bin'), '');
    assertClean(await run(['train', '--resume', dir, '-q']), 'resume with an empty best.bin');
  });

  for (const damage of BY_HAND) {
    test(`${damage.name}: predict ends in a user error`, async () => {
      const dir = path.join(tmp, `by-hand-${damage.name.replace(/\W+/g, '-')}`);
      fs.cpSync(model, dir, { recursive: true });
      const file = path.join(dir, damage.file);
      fs.writeFileSync(file, damage.edit(fs.readFileSync(file, 'utf8')));
      assertClean(await run(['predict', '--model', dir, '-q'], 'Angela Merkel visited Paris.\n'), damage.name);
    });
  }
});

describe('random bytes as --config of ner train', () => {
  const gold = path.join(tmp, 'config-gold.conll');

  test('ner train --config: a run or a user error', async () => {
    fs.writeFileSync(gold, GOLD);
    const config = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      // JSON objects of real option names with values of every JSON type, wrong ones included.
      fc
        // Sizes and epochs stay on the command line (which wins), so that no value makes a run long or large.
        .dictionary(fc.constantFrom('lr', 'scheme', 'optimizer', 'train-scheme', 'seed', 'dropout', 'lowercase', 'no-such-option'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })
        .map((o) => new Uint8Array(Buffer.from(JSON.stringify(o), 'utf8'))),
    );
    const cases = fc.sample(config, { seed: SEED + 3, numRuns: runs(15) });
    await each(cases, async (bytes, i) => {
      const file = path.join(tmp, `config-${i}.json`);
      fs.writeFileSync(file, bytes);
      const r = await run(['train', '--config', file, '--data', gold, '--out', path.join(tmp, `config-model-${i}`), ...TRAIN_TINY]);
      assertClean(r, `ner train --config <${Buffer.from(bytes).toString('utf8')}>`);
    });
  });

  /** --config values found by hand that were read as something else once (null as 0, true as 1 epoch). */
  const BY_HAND: Array<{ name: string; write: (file: string) => void; message: RegExp }> = [
    { name: '"epochs": null', write: (f) => fs.writeFileSync(f, '{"epochs": null}'), message: /epochs.*null/ },
    { name: '"epochs": true', write: (f) => fs.writeFileSync(f, '{"epochs": true}'), message: /epochs.*true/ },
    { name: 'a directory', write: (f) => fs.mkdirSync(f), message: /config-by-hand-a-directory: is a directory/ },
  ];
  for (const example of BY_HAND) {
    test(`--config ${example.name}: a user error`, async () => {
      fs.writeFileSync(gold, GOLD);
      const name = example.name.replace(/\W+/g, '-');
      const file = path.join(tmp, `config-by-hand-${name}`);
      example.write(file);
      // No --epochs on the command line: it would win over the file's.
      const r = await run(['train', '--config', file, '--data', gold, '--out', path.join(tmp, `config-by-hand-model-${name}`), ...TINY_MODEL]);
      assertClean(r, `--config ${example.name}`);
      assert.equal(r.code, 2, `--config ${example.name} is refused: ${r.stderr}`);
      assert.match(r.stderr, example.message);
    });
  }
});
