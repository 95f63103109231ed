/**
 * The command line end to end, as in the README's quick start, and its
 * behaviour on bad input. Trains one real model on the bundled sample.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../src/io/tokenize';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CliResult, REPO, assertUserError, ner } from './helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-cli-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const sample = (name: string) => path.join(REPO, 'data', 'sample', name);
const write = (name: string, text: string) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('quick start: train, eval, predict on the sample', () => {
  const model = path.join(tmp, 'sample-model');
  let train: CliResult;

  before(() => {
    // The README's quick-start settings.
    train = ner(['train', '--data', sample('train.conll'), '--dev', sample('dev.conll'), '--out', model, '--epochs', '6', '--optimizer', 'adam', '--lr', '0.006']);
  });

  test('train writes a complete model and one clean summary line per epoch', () => {
    assert.equal(train.code, 0, train.stderr);
    assert.deepEqual(fs.readdirSync(model).sort(), ['metadata.json', 'model.json', 'report.html', 'weights.bin']);
    const epochs = train.stdout.trim().split('\n');
    assert.equal(epochs.length, 6);
    epochs.forEach((line, i) => assert.match(line, new RegExp(`^epoch ${i + 1}/6  loss \\d+\\.\\d{4}  \\d+ tok/s  .*dev P [\\d.]+ R [\\d.]+ F1 [\\d.]+`)));
    assert.doesNotMatch(train.stdout + train.stderr, /[\r\x1b]/, 'no progress bar or escape codes when not on a terminal');
    assert.match(train.stderr, /^backend: wasm/m);
    assert.match(train.stderr, /saved .*sample-model: epoch \d of 6, dev F1/);
  });

  test('eval reaches entity F1 >= 90 on the held-out test split, report and JSON agree', () => {
    const report = ner(['eval', '--model', model, '--data', sample('test.conll'), '-q']);
    assert.equal(report.code, 0, report.stderr);
    assert.equal(report.stderr, '');
    const f1 = Number(/FB1:\s+([\d.]+)/.exec(report.stdout)?.[1]);
    assert.ok(f1 >= 90, `test F1 ${f1}`);
    for (const type of ['LOC', 'MISC', 'ORG', 'PER']) assert.match(report.stdout, new RegExp(`^\\s+${type}: precision: `, 'm'));
    const json = JSON.parse(ner(['eval', '--model', model, '--data', sample('test.conll'), '--json', '-q']).stdout);
    assert.equal(json.overall.f1.toFixed(2), f1.toFixed(2));
  });

  test('eval --report, --errors, --strict and --json: tables, errors, one JSON object', () => {
    const args = ['eval', '--model', model, '--data', sample('test.conll'), '-q'];
    const text = ner([...args, '--report', '--errors', '5']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^processed \d+ tokens/);
    assert.match(text.stdout, /^conlleval span matching \(gold: entities in the data, the support; found: entities predicted\)$/m);
    assert.match(text.stdout, /^ +type +gold +found +P +R +F1$/m);
    assert.match(text.stdout, /^\s*micro\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+$/m);
    assert.match(text.stdout, /^token tags: gold down, predicted across$/m);
    const errorLines = text.stdout.split('\n').filter((l) => l.startsWith('sentence '));
    assert.ok(errorLines.length > 0 && errorLines.length <= 5, errorLines.join('\n'));
    const json = JSON.parse(ner([...args, '--report', '--errors', '5', '--json']).stdout);
    assert.equal(json.report.micro.f1.toFixed(2), json.overall.f1.toFixed(2));
    assert.equal(json.errors.length, errorLines.length);
    assert.equal(json.confusion.counts.flat().reduce((a: number, b: number) => a + b, 0), json.overall.tokens);
    assert.match(ner([...args, '--strict']).stdout, /^strict \(seqeval\) span matching \(gold/m);
  });

  test('train writes report.html; ner report writes the same again', () => {
    const html = fs.readFileSync(path.join(model, 'report.html'), 'utf8');
    for (const label of ['training loss per epoch', 'dev precision, recall, F1 per epoch', 'dev F1 by entity type', 'CRF transition scores']) {
      assert.ok(html.includes(`aria-label="${label}`), label);
    }
    const again = path.join(tmp, 'report-again.html');
    const r = ner(['report', model, '--output', again, '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(again, 'utf8'), html);
    // --model, as every other command takes it; no backend options for a command that writes HTML.
    const viaOption = path.join(tmp, 'report-option.html');
    assert.equal(ner(['report', '--model', model, '--output', viaOption, '-q']).code, 0);
    assert.equal(fs.readFileSync(viaOption, 'utf8'), html);
    assertUserError(ner(['report']), 2, /Missing required argument: model \(ner report DIR, or --model DIR\)/);
    assert.doesNotMatch(ner(['report', '--help']).stdout, /--backend|--gpu|--threads/);
  });

  test("a usage error's hint names the command's help; --help lists a command's own options first", () => {
    const r = ner(['predict']);
    assert.match(r.stderr, /^\(run 'ner predict --help' for the options\)$/m);
    assert.match(ner(['frobnicate']).stderr, /^\(run 'ner --help' for the commands\)$/m);
    for (const [command, own] of [['predict', 'Input and output:'], ['eval', 'Evaluation:'], ['serve', 'Model and address:'], ['check', 'Check:'], ['convert', 'Conversion:']]) {
      const groups = ner([command, '--help']).stdout.split('\n').filter((l) => /^[A-Z][A-Za-z ]+:$/.test(l));
      assert.equal(groups[0], own, `${command}: ${groups.join(' ')}`);
    }
    assert.match(ner(['train', '--help']).stdout, /--out[^]*\[required, unless\s+--resume\]/);
  });

  test("package.json's bin runs as a program, as `npx ner` and a global install run it (the build makes it executable)", () => {
    // Not through npx itself: its first run in a clone installs the clone into npx's cache and
    // runs `prepare` here, rebuilding dist/ under the other test files.
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    const r = spawnSync(path.join(REPO, pkg.bin.ner), ['--version'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.error, undefined, `${pkg.bin.ner}: ${r.error?.message}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  test('eval --output writes conlleval input that eval --pred scores identically', () => {
    const pred = path.join(tmp, 'pred.txt');
    const viaModel = ner(['eval', '--model', model, '--data', sample('test.conll'), '--output', pred, '-q']);
    const viaFile = ner(['eval', '--pred', pred]);
    assert.equal(viaFile.code, 0, viaFile.stderr);
    assert.equal(viaFile.stdout, viaModel.stdout);
  });

  test('predict text -> conll: one block of "token TAG" lines per input line', () => {
    const lines = fs.readFileSync(sample('sentences.txt'), 'utf8').trimEnd().split('\n');
    const r = ner(['predict', '--model', model, '--input', sample('sentences.txt'), '-q']);
    assert.equal(r.code, 0, r.stderr);
    const blocks = r.stdout.trimEnd().split('\n\n');
    assert.equal(blocks.length, lines.length);
    for (const block of blocks) for (const row of block.split('\n')) assert.match(row, /^\S+ (O|[BI]-(PER|ORG|LOC|MISC))$/);
    const entities = r.stdout.split('\n').filter((row) => / B-/.test(row)).length;
    assert.ok(entities >= 2 * lines.length, `only ${entities} entities predicted in ${lines.length} sentences; expected about two or more per sentence`);
  });

  test('predict text -> json: entities with offsets that slice the input line', () => {
    const input = 'Angela Merkel met executives of Siemens in Munich on Tuesday.\n\nEmmanuel Macron flew to Berlin.\n';
    const r = ner(['predict', '--model', model, '--output-format', 'json', '-q'], { input });
    assert.equal(r.code, 0, r.stderr);
    const records = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    const lines = input.trimEnd().split('\n');
    assert.equal(records.length, lines.length, 'one record per input line, blank lines included');
    assert.deepEqual(records[1], { tokens: [], tags: [], entities: [] });
    records.forEach((rec, i) => {
      assert.equal(rec.tokens.length, rec.tags.length);
      for (const e of rec.entities) {
        assert.equal(lines[i].slice(e.charStart, e.charEnd), e.text);
        assert.equal(rec.tokens.slice(e.start, e.end).join(' '), e.text.replace(/\s+/g, ' '));
      }
    });
    const found = records[0].entities.map((e: { type: string; text: string }) => `${e.type}:${e.text}`);
    assert.ok(found.includes('PER:Angela Merkel') && found.includes('LOC:Munich'), found.join(', '));
  });

  test('predict conll -> file: same tokens back, written atomically', () => {
    const out = path.join(tmp, 'tagged.conll');
    const r = ner(['predict', '--model', model, '--input', sample('test.conll'), '--input-format', 'conll', '--output', out]);
    assert.equal(r.code, 0, r.stderr);
    const tokens = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('-DOCSTART-')).map((l) => l.split(' ')[0]);
    assert.deepEqual(tokens(fs.readFileSync(out, 'utf8')), tokens(fs.readFileSync(sample('test.conll'), 'utf8')));
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('.tmp')), []);
  });

  test('predict json: entity confidences, --nbest paths with log-probabilities, --marginals, --min-confidence', () => {
    const input = 'Angela Merkel met executives of Siemens in Munich on Tuesday.\nEmmanuel Macron flew to Berlin.\n';
    const run = (...extra: string[]) => {
      const r = ner(['predict', '--model', model, '--output-format', 'json', '-q', ...extra], { input });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    };
    const records = run('--nbest', '3', '--marginals');
    for (const rec of records) {
      assert.ok(rec.entities.length > 0);
      for (const e of rec.entities) assert.ok(e.confidence > 0 && e.confidence <= 1, `${e.text}: ${e.confidence}`);
      assert.equal(rec.nbest.length, 3);
      assert.deepEqual(rec.nbest[0].tags, rec.tags);
      rec.nbest.forEach((p: { logProb: number }, i: number) => assert.ok(p.logProb <= 0 && (i === 0 || p.logProb <= rec.nbest[i - 1].logProb)));
      assert.equal(rec.marginals.length, rec.tokens.length);
      // Printed to 6 decimals, so sums are off by a few 1e-7 per tag.
      for (const dist of rec.marginals) assert.ok(Math.abs(Object.values(dist as Record<string, number>).reduce((a, b) => a + b, 0) - 1) < 1e-4);
    }
    // Drop the least confident entity: it is gone, and its tokens are O.
    const all = records.flatMap((rec) => rec.entities);
    const sorted = all.map((e) => e.confidence).sort((a, b) => a - b);
    const weakest = all.find((e) => e.confidence === sorted[0]);
    // Halfway to the next: printed values are rounded to 6 decimals.
    assert.ok(sorted[1] - sorted[0] > 1e-5, 'two entities with distinct confidences');
    const kept = run('--min-confidence', String((sorted[0] + sorted[1]) / 2));
    assert.equal(kept.flatMap((rec) => rec.entities).length, all.length - 1);
    const where = records.findIndex((rec) => rec.entities.includes(weakest));
    for (let t = weakest.start; t < weakest.end; t++) assert.equal(kept[where].tags[t], 'O');
    assertUserError(ner(['predict', '--model', model, '--nbest', '2'], { input }), 2, /--nbest and --marginals need --output-format json/);
    assertUserError(ner(['predict', '--model', model, '--min-confidence', '2'], { input }), 2, /--min-confidence must be in \[0, 1\], got 2/);
  });

  test('streaming keeps order and count across groups, for text and conll input, in every format', () => {
    const sentences = fs.readFileSync(sample('sentences.txt'), 'utf8').trimEnd().split('\n');
    // More lines than one model call takes (1000), blank lines among them.
    const lines = Array.from({ length: 2300 }, (_, i) => (i % 97 === 5 ? '' : `${i} ${sentences[i % sentences.length]}`));
    const input = path.join(tmp, 'many.txt');
    fs.writeFileSync(input, `${lines.join('\n')}\n`);
    const json = ner(['predict', '--model', model, '--input', input, '--output-format', 'json', '-q']);
    assert.equal(json.code, 0, json.stderr);
    const records = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(records.length, lines.length);
    records.forEach((rec, i) => assert.equal(rec.tokens.join(' '), tokenize(lines[i]).map((t) => t.text).join(' '), `line ${i + 1}`));
    // tsv: one row per entity, numbered by sentence, the same entities as json.
    const tsv = ner(['predict', '--model', model, '--input', input, '--output-format', 'tsv', '-q']);
    const rows = tsv.stdout.trimEnd().split('\n');
    assert.equal(rows[0], 'sentence\tstart\tend\ttype\ttext\tconfidence');
    const fromJson = records.flatMap((rec, i) => rec.entities.map((e: { start: number; end: number; type: string; text: string; confidence: number }) => ({ row: `${i + 1}\t${e.start}\t${e.end}\t${e.type}\t${e.text}`, confidence: e.confidence })));
    assert.deepEqual(rows.slice(1).map((r) => r.slice(0, r.lastIndexOf('\t'))), fromJson.map((e) => e.row));
    rows.slice(1).forEach((r, k) => assert.ok(Math.abs(Number(r.slice(r.lastIndexOf('\t') + 1)) - fromJson[k].confidence) <= 1e-4));
    // conll input: the 1500 training sentences come back in order.
    const conll = ner(['predict', '--model', model, '--input', sample('train.conll'), '--input-format', 'conll', '-q']);
    assert.equal(conll.code, 0, conll.stderr);
    const tokens = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('-DOCSTART-')).map((l) => l.split(' ')[0]);
    assert.deepEqual(tokens(conll.stdout), tokens(fs.readFileSync(sample('train.conll'), 'utf8')));
    assert.equal(conll.stdout.trimEnd().split('\n\n').length, 1500);
  });

  test('csv quotes what needs quoting; --split-sentences gives a record per sentence with its line', () => {
    const input = 'Angela Merkel met executives of Siemens in Munich. Then "Emmanuel Macron, the president," flew to Berlin.\n\nParis.\n';
    const r = ner(['predict', '--model', model, '--output-format', 'json', '--split-sentences', '-q'], { input });
    const records = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(records.map((rec) => rec.line), [1, 1, 3]);
    assert.deepEqual(records.map((rec) => rec.tokens[0]), ['Angela', 'Then', 'Paris']);
    const line = input.split('\n')[0];
    for (const e of records[1].entities) assert.equal(line.slice(e.charStart, e.charEnd), e.text);
    const csv = ner(['predict', '--model', model, '--output-format', 'csv', '-q'], { input: 'He met "Paris, Texas" officials.\n' });
    assert.equal(csv.code, 0, csv.stderr);
    for (const row of csv.stdout.trimEnd().split('\n').slice(1)) assert.match(row, /^1,\d+,\d+,[A-Z]+,("([^"]|"")*"|[^",]*),[01]\.\d{4}$/);
    assertUserError(ner(['predict', '--model', model, '--input-format', 'conll', '--split-sentences'], { input }), 2, /--split-sentences applies to text input/);
  });

  test('--quiet leaves stdout for results and stderr empty', () => {
    const r = ner(['predict', '--model', model, '-q'], { input: 'Paris is nice .\n' });
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Paris (O|[BI]-[A-Z]+)\nis /);
  });
});

describe('document context (--context-tokens)', () => {
  const model = path.join(tmp, 'context-model');
  let train: CliResult;
  before(() => {
    train = ner(['train', '--data', sample('train.conll'), '--dev', sample('dev.conll'), '--out', model, '--epochs', '2', '--optimizer', 'adam', '--lr', '0.003', '--context-tokens', '64', '-q']);
  });

  test('train packs the -DOCSTART- documents and records the context in the model', () => {
    assert.equal(train.code, 0, train.stderr);
    assert.equal(JSON.parse(fs.readFileSync(path.join(model, 'metadata.json'), 'utf8')).shape.contextTokens, 64);
    const verbose = ner(['train', '--data', sample('train.conll'), '--out', path.join(tmp, 'context-model-2'), '--epochs', '1', '--context-tokens', '64']);
    assert.match(verbose.stderr, /training on 1500 sentences \(\d+ sequences with document context\)/);
  });

  test('predict on CoNLL input reads documents as eval does: the same tags', () => {
    const pred = path.join(tmp, 'context-pred.txt');
    assert.equal(ner(['eval', '--model', model, '--data', sample('test.conll'), '--output', pred, '-q']).code, 0);
    const viaEval = fs.readFileSync(pred, 'utf8').trimEnd().split('\n').filter((l) => l !== '' && !l.startsWith('-DOCSTART-')).map((l) => l.split(' ')[2]);
    const r = ner(['predict', '--model', model, '--input', sample('test.conll'), '--input-format', 'conll', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const viaPredict = r.stdout.trimEnd().split('\n').filter((l) => l !== '').map((l) => l.split(' ')[1]);
    assert.deepEqual(viaPredict, viaEval);
  });
});

describe('bad input: one clear line, exit code, nothing half-written', () => {
  const out = path.join(tmp, 'never');
  const trainOn = (file: string, extra: string[] = []) => ner(['train', '--data', file, '--out', out, '--epochs', '1', ...extra]);

  after(() => assert.equal(fs.existsSync(out), false, 'no model directory is left behind by a failed run'));

  test('training that diverges (NaN/Inf) stops with a clear message, exit 3, nothing saved', () => {
    const r = trainOn(sample('train.conll'), ['--optimizer', 'sgd', '--lr', '1e30', '--clip-norm', '0', '--epochs', '3', '-q']);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('ner: warning: '));
    assert.equal(warnings.length, 10);
    assert.match(warnings[0], /^ner: warning: epoch 1, step 2: the loss is not finite; step skipped$/);
    assertUserError({ ...r, stderr: r.stderr.replace(/^ner: warning: .*\n/gm, '') }, 3, /training diverged at epoch 1, step 11: 10 steps in a row had a NaN or infinite loss or gradient.*nothing was saved.*lower --lr/);
  });

  test('a line with the wrong number of columns', () => {
    const file = write('cols.conll', 'EU B-ORG\nrejects O\nGerman NNP B-MISC\n');
    assertUserError(trainOn(file), 2, /cols\.conll:3: expected 2 columns like line 1, found 3/);
  });

  test('a missing tag', () => {
    const file = write('notag.conll', 'EU B-ORG\nrejects\n');
    assertUserError(trainOn(file), 2, /notag\.conll:2: expected at least 2 columns \(token and tag\), found 1/);
  });

  test('a tag that fits no scheme', () => {
    const file = write('xtag.conll', 'EU B-ORG\nrejects O\n\nJohn X-PER\n');
    assertUserError(trainOn(file), 2, /xtag\.conll:4: tag 'X-PER' fits no tag scheme/);
  });

  test('a tag outside the requested scheme', () => {
    const file = write('sx.conll', 'EU S-ORG\nrejects O\n');
    assertUserError(trainOn(file, ['--scheme', 'iob2']), 2, /sx\.conll:1: .*S-ORG.*iob2/);
  });

  test('no entity tags at all', () => {
    const file = write('allo.conll', 'a O\nb O\n');
    assertUserError(trainOn(file), 2, /allo\.conll: no entity tags found/);
  });

  test('an empty file, a missing file, a directory', () => {
    assertUserError(trainOn(write('empty.conll', '')), 2, /empty\.conll: no sentences found/);
    assertUserError(trainOn(path.join(tmp, 'missing.conll')), 2, /missing\.conll: no such file/);
    assertUserError(trainOn(tmp), 2, /is a directory/);
    assertUserError(ner(['eval', '--pred', path.join(tmp, 'nope.txt')]), 2, /nope\.txt: no such file/);
  });

  test('missing or contradictory options', () => {
    assertUserError(ner(['train', '--data', sample('train.conll')]), 2, /Missing required argument: out/);
    assertUserError(ner(['eval', '--model', 'x']), 2, /give --model DIR with --data FILE, or --pred FILE/);
    assertUserError(ner(['frobnicate']), 2, /Unknown argument: frobnicate/);
    assertUserError(ner([]), 2, /name a command/);
    assertUserError(ner(['train', '--data', sample('train.conll'), '--out', out, '--epochs', '0']), 2, /--epochs must be an integer >= 1, got 0/);
    assertUserError(ner(['train', '--data', sample('train.conll'), '--out', out, '--lstm-layers', '0']), 2, /--lstm-layers must be an integer >= 1, got 0/);
    assertUserError(ner(['train', '--data', sample('train.conll'), '--out', out, '--word-unk', '1']), 2, /--word-unk must be in \[0, 1\), got 1/);
    assertUserError(ner(['train', '--data', sample('train.conll'), '--out', out, '--backend', 'tensorflow']), 2, /--backend tensorflow needs @tensorflow\/tfjs-node/);
    // Where Dawn finds only Mesa's software adapter (CI), --gpu says so; without the WebGPU packages, what to install.
    assertUserError(
      ner(['train', '--data', sample('train.conll'), '--out', out, '--gpu']),
      2,
      /--gpu (needs @tensorflow\/tfjs-node-gpu, or webgpu|could not start: webgpu: (only .*a software adapter|WebGPU found no adapter))/,
    );
  });

  test('--out naming something that is not a model directory', () => {
    const file = write('afile', 'x');
    assertUserError(ner(['train', '--data', sample('train.conll'), '--out', file]), 2, /afile exists and is a file/);
  });

  test('a bad --config file', () => {
    const bad = write('bad.json', '{"epochs": ');
    assertUserError(ner(['train', '--config', bad, '--data', sample('train.conll'), '--out', out]), 2, /bad\.json: not valid JSON/);
  });

  test('a missing or corrupt model directory', () => {
    assertUserError(ner(['predict', '--model', path.join(tmp, 'nomodel')], { input: 'x\n' }), 2, /nomodel: no such model directory/);
    const corrupt = path.join(tmp, 'corrupt');
    fs.mkdirSync(corrupt);
    fs.writeFileSync(path.join(corrupt, 'metadata.json'), '{}');
    fs.writeFileSync(path.join(corrupt, 'model.json'), '{}');
    assertUserError(ner(['eval', '--model', corrupt, '--data', sample('test.conll')]), 2, /corrupt: corrupt model: model\.json lacks a layers-model topology/);
  });

  test('a malformed prediction file', () => {
    const file = write('pred-bad.txt', 'a O O\nb O\n');
    assertUserError(ner(['eval', '--pred', file]), 2, /pred-bad\.txt:2: unexpected number of columns: found 2, expected 3/);
  });
});
