/**
 * Corpus checks (`ner check`, and the warnings of `ner train`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkCorpus, duplicateSentences, issues } from '../src/data/check';
import { parseConll } from '../src/io/conll';
import { ner } from './helpers/cli';

const TRAIN = 'EU B-ORG\nrejects O\nGerman B-MISC\ncall O\n\nPeter B-PER\nBlackburn I-PER\n\nthe O\nEuropean I-ORG\nUnion I-ORG\n';
const DEV = 'Peter B-PER\nBlackburn I-PER\n\nBonn B-LOC\n';

test('checkCorpus: counts, entities, longest sentence and scheme violations with their lines', () => {
  const report = checkCorpus(parseConll(TRAIN, 'train.conll'), 'iob2');
  assert.equal(report.sentences, 3);
  assert.equal(report.tokens, 9);
  assert.deepEqual(report.tags, { 'B-MISC': 1, 'B-ORG': 1, 'B-PER': 1, 'I-ORG': 2, 'I-PER': 1, O: 3 });
  assert.deepEqual(report.entities, { MISC: 1, ORG: 2, PER: 1 });
  assert.deepEqual(report.longest, { tokens: 4, line: 1, file: 'train.conll' });
  assert.equal(report.violationCount, 1);
  assert.deepEqual(report.violations[0], { file: 'train.conll', line: 10, message: 'I-ORG must follow B-ORG or I-ORG in iob2 (found after O)' });
  // Detected, the one I- that opens a chunk is a stray: IOB1 would break at every B- that opens one.
  const detected = checkCorpus(parseConll(TRAIN, 'train.conll'));
  assert.equal(detected.scheme, 'iob2');
  assert.deepEqual(detected.detection?.broken, { iob1: 3, iob2: 1, iobes: 4, ioe1: 3, ioe2: 4, bilou: 4 });
  assert.deepEqual(detected.violations.map((v) => v.line), [10]);
  assert.deepEqual(checkCorpus(parseConll(TRAIN, 'train.conll'), 'iob1').violations.map((v) => v.line), [1, 3, 6]);
});

test('duplicateSentences and issues: dev sentences seen in training, named by line', () => {
  const train = parseConll(TRAIN, 'train.conll');
  const dup = duplicateSentences(train, parseConll(DEV, 'dev.conll'));
  assert.deepEqual(dup, { count: 1, examples: [{ trainLine: 6, devLine: 1, text: 'Peter Blackburn' }] });
  assert.deepEqual(issues(checkCorpus(train, 'iob2'), dup, 'dev.conll'), [
    'train.conll: 1 tag breaks the iob2 scheme (first: train.conll:10: I-ORG must follow B-ORG or I-ORG in iob2 (found after O))',
    'dev.conll: 1 sentence also in train.conll (first: dev.conll:1 = train.conll:6)',
  ]);
  const long = parseConll(Array.from({ length: 1200 }, () => 'x O').join('\n'), 'long.conll');
  assert.match(issues(checkCorpus(long))[0], /^long\.conll:1: the longest sentence has 1200 tokens/);
});

test('ner check: a report, exit 0; with --strict, exit 1 on any problem; --json', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-check-'));
  const train = path.join(dir, 'train.conll');
  const dev = path.join(dir, 'dev.conll');
  fs.writeFileSync(train, TRAIN);
  fs.writeFileSync(dev, DEV);
  const plain = ner(['check', '--data', train, '--dev', dev, '--scheme', 'iob2']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /train\.conll: 3 sentences, 9 tokens, scheme iob2/);
  assert.match(plain.stdout, /train\.conll:10: I-ORG must follow B-ORG/);
  assert.match(plain.stdout, /dev\.conll: 1 sentence also in .*train\.conll/);
  const strict = ner(['check', '--data', train, '--dev', dev, '--scheme', 'iob2', '--strict']);
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /ner: error: 2 problems found \(--strict\)/);
  const json = JSON.parse(ner(['check', '--data', train, '--json']).stdout);
  assert.equal(json.train.tokens, 9);
  assert.equal(json.issues.length, 1);
  fs.writeFileSync(train, 'EU B-ORG\nrejects O\n\nPeter B-PER\nBlackburn I-PER\n');
  assert.equal(ner(['check', '--data', train, '--strict', '-q']).code, 0, 'a clean file passes --strict');
  fs.rmSync(dir, { recursive: true, force: true });
});
