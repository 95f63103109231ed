/**
 * --data-format: which reader a file gets (detected or said), the options
 * each format takes, and the commands reading every format the same way.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectFormat, readCorpus } from '../src/io/corpusFormat';
import { OptionError } from '../src/errors';
import { fingerprintChange, fingerprintPath } from '../src/io/fingerprint';
import { Args, changedOptions, runConfigFromArgs } from '../src/cli/runConfig';
import { assertUserError, ner } from './helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-formats-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (name: string, text?: string | Buffer): string => {
  const file = path.join(tmp, name);
  if (text !== undefined) fs.writeFileSync(file, text);
  return file;
};

/** GMB's layout: `Sentence: N` on a sentence's first row only, Latin-1 bytes. */
const GMB = Buffer.from('Sentence #,Word,POS,Tag\nSentence: 1,Thousands,NNS,O\n,of,IN,O\n,Zürich,NNP,B-geo\nSentence: 2,Iranian,JJ,B-gpe\n,officials,NNS,O\n', 'latin1');

test('detectFormat: by extension, by the first character of a .json, a directory is BRAT', () => {
  fs.mkdirSync(at('brat-dir'), { recursive: true });
  const cases: Array<[string, string | undefined, string]> = [
    ['a.csv', 'x', 'csv'],
    ['a.CSV', 'x', 'csv'],
    ['a.jsonl', '{}', 'jsonl'],
    ['a.ndjson', '{}', 'jsonl'],
    ['tasks.json', '\uFEFF [ {"data": {}} ]', 'labelstudio'],
    ['records.json', '  {"text": "a"}\n', 'jsonl'],
    ['train.txt', 'a O', 'conll'],
    ['train.conll', 'a O', 'conll'],
    ['corpus.tsv', 'a\tO', 'conll'],
    ['noext', 'a O', 'conll'],
    ['brat-dir', undefined, 'brat'],
  ];
  for (const [name, text, format] of cases) assert.equal(detectFormat(at(name, text)).format, format, name);
  assert.equal(detectFormat(at('a.csv')).reason, 'the extension .csv');
  assert.equal(detectFormat(at('brat-dir')).reason, 'a directory (BRAT .txt/.ann pairs)');
});

test('readCorpus: options that do not apply to the format are refused, never ignored', () => {
  const conll = at('r.conll', 'Paris B-LOC\n');
  const jsonl = at('r.jsonl', '{"text": "Paris", "spans": [{"start": 0, "end": 5, "label": "LOC"}]}\n');
  const refused = (file: string, reading: object, option: string, reason: RegExp) =>
    assert.throws(() => readCorpus(file, reading), (e: unknown) => e instanceof OptionError && e.option === option && reason.test(e.reason));
  refused(conll, { offsets: 'utf16' }, 'offsets', /^applies to jsonl, labelstudio and brat data \(.*r\.conll is conll: the extension \.conll names no other format; --data-format jsonl reads it as jsonl\)$/);
  refused(conll, { tokenColumn: 'Word' }, 'tokenColumn', /^applies to csv data as a header name \(conll columns are numbered\) \(.*r\.conll is conll: the extension \.conll names no other format\)$/);
  refused(conll, { delimiter: ';', format: 'conll' }, 'delimiter', /^applies to csv data \(.*r\.conll is conll\)$/);
  refused(jsonl, { tokenColumn: 0 }, 'tokenColumn', /^applies to conll and csv data \(.*r\.jsonl is jsonl: the extension \.jsonl;/);
  refused(jsonl, { commentPrefix: '#' }, 'commentPrefix', /^applies to conll data \(/);
  refused(conll, { format: 'xml' }, 'format', /must be auto or one of conll, csv, jsonl, labelstudio, brat/);
  assert.deepEqual(readCorpus(jsonl).corpus.sentences[0].tags, ['B-LOC']);
  assert.equal(readCorpus(jsonl).format, 'jsonl');
  assert.equal(readCorpus(jsonl, { format: 'jsonl' }).detected, undefined);
});

test('ner check reads GMB-style CSV by header names, in Latin-1, and says it read CSV', () => {
  const file = at('ner_dataset.csv', GMB);
  const r = ner(['check', '--data', file, '--encoding', 'latin1', '--token-column', 'Word', '--tag-column', 'Tag', '--sentence-column', 'Sentence #']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ner_dataset\.csv: 2 sentences, 5 tokens, scheme iob2\n {2}format: csv\n/);
  assert.match(r.stdout, /tags: B-geo 1, B-gpe 1, O 3\n/);
  assert.match(r.stderr, /^reading .*ner_dataset\.csv as csv: the extension \.csv \(--data-format to choose\)$/m);
  // Without --encoding latin1 the byte of ü is not UTF-8, and the error says what to do.
  assertUserError(ner(['check', '--data', file, '--token-column', 'Word', '--tag-column', 'Tag']), 2, /ner_dataset\.csv:4: not valid UTF-8 text .*--encoding latin1/);
  // A header name that is not there names the ones that are.
  assertUserError(ner(['check', '--data', file, '--encoding', 'latin1', '--token-column', 'Token']), 2, /Token/);
});

test('the commands refuse options that do not apply to the data format, under the flag typed', () => {
  const jsonl = at('c.jsonl', '{"text": "Paris", "spans": [{"start": 0, "end": 5, "label": "LOC"}]}\n');
  assertUserError(ner(['check', '--data', jsonl, '--token-column', '1']), 2, /^ner: error: --token-column applies to conll and csv data \(.*c\.jsonl is jsonl: the extension \.jsonl; --data-format conll reads it as conll\), got 1$/);
  assertUserError(ner(['check', '--data', jsonl, '--data-format', 'conll', '--offsets', 'utf16']), 2, /--offsets applies to jsonl, labelstudio and brat data \(.*c\.jsonl is conll\), got utf16$/);
  // A tab-separated table with a header is CSV to ner; a .tsv is read as CoNLL unless told.
  const tsv = at('h.tsv', 'Word\tTag\nParis\tB-LOC\n');
  assertUserError(ner(['check', '--data', tsv, '--delimiter', 'tab']), 2, /--delimiter applies to csv data \(.*h\.tsv is conll: the extension \.tsv names no other format; --data-format csv reads it as csv\), got "\\t"$/);
  const r = ner(['check', '--data', tsv, '--data-format', 'csv', '--delimiter', 'tab', '--token-column', 'Word', '--tag-column', 'Tag']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /h\.tsv: 1 sentence, 1 token, scheme iob2\n {2}format: csv\n/);
  assertUserError(ner(['eval', '--pred', jsonl, '--data-format', 'jsonl']), 2, /--data-format says how to read --data; --pred is read in conlleval's layout/);
  assertUserError(ner(['check', '--data', jsonl, '--tag-names', path.join(tmp, 'missing-names.txt')]), 2, /--tag-names .*missing-names\.txt: no such file/);
});

test('files of several formats in one command: each takes the options of its format', () => {
  const csv = at('mixed.csv', 'Sentence #,Word,Tag\nSentence: 1,Paris,B-LOC\n,is,O\nSentence: 2,Rome,B-LOC\n');
  const conll = at('mixed-dev.conll', 'Rome B-LOC\n\nOslo B-LOC\n');
  const r = ner(['check', '--data', csv, '--dev', conll, '--token-column', 'Word', '--tag-column', 'Tag', '--sentence-column', 'Sentence #']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /mixed\.csv: 2 sentences, 3 tokens, scheme iob2\n {2}format: csv\n/);
  assert.match(r.stdout, /mixed-dev\.conll: 2 sentences, 2 tokens, scheme iob2\n {2}format: conll\n/);
  assert.match(r.stdout, /mixed-dev\.conll: 1 sentence also in .*mixed\.csv/);
});

test('span formats: check lists every adjustment; --tag-names as a list or a file', () => {
  const jsonl = at(
    'adjusted.jsonl',
    [
      '{"text": "Parisian food", "spans": [{"start": 0, "end": 5, "label": "LOC"}]}',
      '{"text": "New York City", "spans": [{"start": 0, "end": 8, "label": "LOC"}, {"start": 4, "end": 13, "label": "LOC"}]}',
      '{"tokens": ["Rome", "is"], "ner_tags": [1, 0]}',
    ].join('\n'),
  );
  const names = at('names.txt', 'O\nB-LOC\n\n');
  for (const given of ['O,B-LOC', names]) {
    const r = ner(['check', '--data', jsonl, '--tag-names', given]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, / {2}format: jsonl\n/);
    assert.match(r.stdout, / {2}adjusted while reading spans into tags: 2\n {4}.*adjusted\.jsonl:1: the token "Parisian" is cut at a span boundary\n {4}.*adjusted\.jsonl:2: span \[0, 8\) LOC overlaps \[4, 13\) LOC, which is longer; dropped \[0, 8\) LOC\n/);
  }
  // Elsewhere the adjustments are one warning line.
  const { corpus, notes } = readCorpus(jsonl, { tagNames: ['O', 'B-LOC'] });
  assert.equal(notes.length, 2);
  assert.deepEqual(corpus.sentences.map((s) => s.tags), [['B-LOC', 'O', 'O'], ['O', 'B-LOC', 'I-LOC'], ['B-LOC', 'O']]);
});

test('a BRAT directory is fingerprinted by the .txt and .ann files its reader reads', () => {
  const dir = at('fp-brat');
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a.txt'), 'Paris\n');
  fs.writeFileSync(path.join(dir, 'a.ann'), 'T1\tLOC 0 5\tParis\n');
  fs.writeFileSync(path.join(dir, 'sub', 'b.txt'), 'Rome\n');
  fs.writeFileSync(path.join(dir, 'sub', 'b.ann'), '');
  const before = fingerprintPath(dir);
  fs.writeFileSync(path.join(dir, 'annotation.conf'), '[entities]\nLOC\n');
  assert.deepEqual(fingerprintPath(dir), before, 'a file the reader does not read changes nothing');
  fs.writeFileSync(path.join(dir, 'sub', 'b.ann'), 'T1\tLOC 0 4\tRome\n');
  const edited = fingerprintPath(dir);
  assert.notEqual(edited.sha256, before.sha256);
  assert.match(fingerprintChange(before, edited) ?? '', /changed since the checkpoint/);
  fs.renameSync(path.join(dir, 'sub', 'b.txt'), path.join(dir, 'sub', 'c.txt'));
  fs.renameSync(path.join(dir, 'sub', 'b.ann'), path.join(dir, 'sub', 'c.ann'));
  assert.notEqual(fingerprintPath(dir).sha256, edited.sha256, 'a renamed document is a change');
});

test('train --resume: a column given by header name is the same column; another is a change', () => {
  const args: Args = { data: 'gmb.csv', out: 'm', 'token-column': 'Word', 'tag-column': '3', 'sentence-column': 'Sentence #', 'tag-names': 'O,B-X' };
  const config = runConfigFromArgs(args);
  assert.equal(config.tokenColumn, 'Word');
  assert.equal(config.tagColumn, 3);
  assert.equal(config.sentenceColumn, 'Sentence #');
  assert.equal(config.dataFormat, 'auto');
  const flags = ['token-column', 'tag-column', 'sentence-column', 'tag-names', 'data-format'];
  assert.deepEqual(changedOptions({ 'token-column': 'Word', 'tag-column': '3', 'tag-names': 'O,B-X' }, flags, config), []);
  assert.deepEqual(changedOptions({ 'token-column': '1', 'data-format': 'csv' }, flags, config), ['--token-column (1, the run has Word)', '--data-format (csv, the run has auto)']);
  // The same value spelt otherwise is no change: a tab, the default delimiter, a list of names as a file.
  const names = at('resume-names.txt', 'O\nB-X\n');
  const tabbed = runConfigFromArgs({ data: 'a.tsv', out: 'm', delimiter: 'tab', 'tag-names': names });
  assert.deepEqual(changedOptions({ delimiter: '\\t', 'tag-names': 'O,B-X' }, ['delimiter', 'tag-names'], tabbed), []);
  assert.deepEqual(changedOptions({ delimiter: ',' }, ['delimiter'], config), []);
  assert.deepEqual(changedOptions({ delimiter: ';', 'tag-names': 'O,B-Y' }, ['delimiter', 'tag-names'], tabbed), ['--delimiter (;, the run has tab)', `--tag-names (O,B-Y, the run has ${names})`]);
  // A checkpoint from before --data-format read CoNLL, whatever the file's name.
  const old = { ...config, dataFormat: undefined };
  assert.deepEqual(changedOptions({ 'data-format': 'conll' }, flags, old), []);
});
