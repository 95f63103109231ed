/**
 * Tag-scheme detection decides by evidence: the scheme the tags support as a
 * whole wins, and a handful of stray tags never flips it. Library tests on the
 * sample corpus rewritten in each scheme, then `ner check`, `ner train` and
 * `ner eval --pred` through the CLI.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseScheme, convertTags, describeDetection, detectScheme } from '../src/data/tagScheme';
import { readConllFile } from '../src/io/conll';
import type { Corpus, TagScheme } from '../src/types';
import { REPO, ner } from './helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-scheme-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SAMPLE = path.join(REPO, 'data', 'sample', 'train.conll');
const sample = readConllFile(SAMPLE);

/** The sample (IOB2) with its tags rewritten in `scheme`. */
function inScheme(scheme: TagScheme): Corpus {
  return { ...sample, sentences: sample.sentences.map((s) => ({ ...s, tags: convertTags(s.tags, 'iob2', scheme) })) };
}

/** Sets the tag of token `token` of sentence `sentence` (a stray, when it breaks the scheme). */
function withTag(corpus: Corpus, sentence: number, token: number, tag: string): Corpus {
  const sentences = corpus.sentences.map((s, i) => (i === sentence ? { ...s, tags: s.tags.map((t, j) => (j === token ? tag : t)) } : s));
  return { ...corpus, sentences };
}

/** The first token tagged O that follows an O (or starts a sentence), from sentence `from` on: where a stray I- opens a chunk. */
function oAfterO(corpus: Corpus, from: number): [number, number] {
  for (let i = from; i < corpus.sentences.length; i++) {
    const tags = corpus.sentences[i].tags;
    for (let j = 1; j < tags.length - 1; j++) if (tags[j - 1] === 'O' && tags[j] === 'O' && tags[j + 1] === 'O') return [i, j];
  }
  throw new Error('no O O O in the sample');
}

describe('chooseScheme', () => {
  test('detectScheme: stray I-, E- and S- tags in IOB2 do not flip it', () => {
    const tags = sample.sentences.map((s) => s.tags);
    for (const stray of ['I-LOC', 'E-LOC', 'S-PER']) {
      const [s, t] = oAfterO(sample, 10);
      assert.equal(detectScheme(withTag(sample, s, t, stray).sentences.map((x) => x.tags)), 'iob2', stray);
    }
    assert.equal(detectScheme(tags), 'iob2');
  });

  test('the sample in each scheme is detected as that scheme', () => {
    for (const scheme of ['iob1', 'iob2', 'iobes'] as const) {
      const d = chooseScheme(inScheme(scheme).sentences);
      assert.equal(d.scheme, scheme);
      assert.equal(d.broken[scheme], 0);
      assert.equal(d.chunks, 3705);
    }
  });

  test('one stray I- after O in IOB2 stays IOB2, and names its line', () => {
    const [s, t] = oAfterO(sample, 10);
    const stray = withTag(sample, s, t, 'I-LOC');
    const d = chooseScheme(stray.sentences);
    assert.equal(d.scheme, 'iob2');
    assert.equal(d.broken.iob2, 1);
    assert.ok(d.broken.iob1 > 3000, `iob1 breaks ${d.broken.iob1}`);
    assert.deepEqual(d.lines, [sample.sentences[s].lines[t]]);
    assert.equal(detectScheme(stray.sentences.map((x) => x.tags)), 'iob2');
  });

  test('a handful of stray I-, E- and S- tags in IOB2 stays IOB2', () => {
    let stray = sample;
    for (const [k, tag] of ['I-PER', 'E-LOC', 'S-ORG', 'E-MISC', 'S-PER', 'I-ORG'].entries()) {
      const [s, t] = oAfterO(sample, 100 * (k + 1));
      stray = withTag(stray, s, t, tag);
    }
    const d = chooseScheme(stray.sentences);
    assert.equal(d.scheme, 'iob2');
    assert.equal(d.broken.iob2, 6);
    assert.equal(d.lines.length, 3, 'the first three lines only');
  });

  test('IOBES with stray I- and B- stays IOBES; IOB1 with stray B- stays IOB1', () => {
    let iobes = inScheme('iobes');
    let iob1 = inScheme('iob1');
    for (const k of [1, 2, 3]) {
      const [s, t] = oAfterO(sample, 200 * k);
      iobes = withTag(iobes, s, t, k === 1 ? 'B-PER' : 'I-PER');
      iob1 = withTag(iob1, s, t, 'B-LOC');
    }
    assert.equal(chooseScheme(iobes.sentences).scheme, 'iobes');
    const d = chooseScheme(iob1.sentences);
    assert.equal(d.scheme, 'iob1');
    assert.equal(d.broken.iob1, 3);
  });

  test('ties and corpora without entities go to iob2, then iobes, then iob1', () => {
    assert.equal(detectScheme([]), 'iob2');
    assert.equal(detectScheme([['O', 'O']]), 'iob2');
    // One chunk breaks iob2 (I- opens it), one breaks iob1 (B- opens it): a tie.
    assert.equal(detectScheme([['B-PER', 'I-PER'], ['O', 'I-PER']]), 'iob2');
    assert.equal(detectScheme([['I-PER', 'O']]), 'iob1');
    assert.equal(detectScheme([['O'], ['I-PER', 'S-LOC']]), 'iobes');
    // Tags that fit no scheme break every candidate alike.
    assert.equal(detectScheme([['I-PER', 'X', 'O']]), 'iob1');
  });

  test('describeDetection says what was chosen and why, in one line', () => {
    const [s, t] = oAfterO(sample, 10);
    const d = chooseScheme(withTag(sample, s, t, 'I-LOC').sentences);
    const line = sample.sentences[s].lines[t];
    const n = (scheme: TagScheme) => d.broken[scheme].toLocaleString('en-US');
    assert.equal(
      describeDetection(d, 'train.conll'),
      `iob2 (auto: 1 of 3,706 chunks breaks it, at train.conll:${line}; iobes would break ${n('iobes')}, iob1 ${n('iob1')}, bilou ${n('bilou')}, ioe2 ${n('ioe2')}, ioe1 ${n('ioe1')})`,
    );
    assert.equal(describeDetection(chooseScheme([{ tags: ['O'] }]), 'f'), 'iob2 (auto: no entities to tell the schemes apart; iob2 is the default)');
    assert.match(describeDetection(chooseScheme([{ tags: ['B-PER', 'I-PER'], lines: [1, 2] }, { tags: ['O', 'I-PER'], lines: [4, 5] }]), 'f'), /at f:5; .*a tie with iob1 and ioe1, which goes to iob2/);
  });
});

describe('through the CLI', () => {
  const lines = fs.readFileSync(SAMPLE, 'utf8').split('\n');
  /** The sample's first 800 lines, with a stray `I-LOC` on one O line after an O line. */
  const strayLine = lines.findIndex((l, i) => i > 20 && l.endsWith(' O') && lines[i - 1].endsWith(' O') && lines[i + 1].endsWith(' O')) + 1;
  const strayFile = path.join(tmp, 'stray.conll');
  fs.writeFileSync(strayFile, lines.slice(0, 800).map((l, i) => (i + 1 === strayLine ? l.replace(/ O$/, ' I-LOC') : l)).join('\n') + '\n');

  test('ner check: iob2, the stray listed, the reason in the report and in --json', () => {
    const r = ner(['check', '--data', strayFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /scheme iob2\n/);
    assert.match(r.stdout, new RegExp(`^  scheme: iob2 \\(auto: 1 of [\\d,]+ chunks breaks it, at .*stray\\.conll:${strayLine}; iobes would break [\\d,]+, iob1 [\\d,]+, bilou [\\d,]+, ioe2 [\\d,]+, ioe1 [\\d,]+\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`^    .*stray\\.conll:${strayLine}: I-LOC must follow B-LOC or I-LOC in iob2`, 'm'));
    const json = JSON.parse(ner(['check', '--data', strayFile, '--json']).stdout);
    assert.equal(json.train.scheme, 'iob2');
    assert.equal(json.train.detection.broken.iob2, 1);
    assert.ok(json.train.detection.broken.iob1 > 100);
    assert.deepEqual(json.train.detection.lines, [strayLine]);
    assert.equal(json.train.violationCount, 1);
  });

  test('ner check: a real IOB1 file stays iob1', () => {
    const iob1 = path.join(tmp, 'iob1.conll');
    const corpus = inScheme('iob1');
    fs.writeFileSync(iob1, corpus.sentences.slice(0, 200).map((s) => s.tokens.map((tok, i) => `${tok} ${s.tags[i]}\n`).join('')).join('\n'));
    const json = JSON.parse(ner(['check', '--data', iob1, '--json']).stdout);
    assert.equal(json.train.scheme, 'iob1');
    assert.equal(json.train.violationCount, 0);
  });

  test('ner train: a stray tag leaves the model in iob2, and stderr says why', () => {
    const out = path.join(tmp, 'model');
    const r = ner(['train', '--data', strayFile, '--out', out, '--epochs', '1', '--char-encoder', 'none', '--casing-dim', '0', '--embedding-dim', '8', '--hidden-size', '8', '--context-tokens', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^scheme: iob2 \\(auto: 1 of [\\d,]+ chunks breaks it, at .*stray\\.conll:${strayLine}; iobes would break [\\d,]+, iob1 [\\d,]+, bilou [\\d,]+, ioe2 [\\d,]+, ioe1 [\\d,]+\\)$`, 'm'));
    assert.match(r.stderr, /1 tag breaks the iob2 scheme/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8')).scheme, 'iob2');
  });

  test('ner eval --pred: the gold column decides, sentence by sentence; conlleval numbers unchanged', () => {
    // token gold pred, with the stray in gold.
    const pred = path.join(tmp, 'pred.txt');
    const rows = fs.readFileSync(strayFile, 'utf8').split('\n').map((l) => (l === '' || l.startsWith('-DOCSTART-') ? '' : `${l} ${l.split(' ')[1]}`));
    fs.writeFileSync(pred, rows.join('\n'));
    const auto = ner(['eval', '--pred', pred, '--json', '--strict']);
    assert.equal(auto.code, 0, auto.stderr);
    const json = JSON.parse(auto.stdout);
    assert.equal(json.scheme, 'iob2');
    assert.equal(json.detection.broken.iob2, 1);
    assert.match(auto.stderr, new RegExp(`^scheme: iob2 \\(auto: 1 of [\\d,]+ chunks breaks it, at .*pred\\.txt:${strayLine}; `, 'm'));
    const given = ner(['eval', '--pred', pred, '--scheme', 'iob2']);
    assert.equal(ner(['eval', '--pred', pred, '-q']).stdout, given.stdout, 'conlleval report as with --scheme iob2');
    assert.equal(ner(['eval', '--pred', pred, '-q']).stderr, '', '--quiet: no scheme line');
  });

  test("ner eval --pred with the detected scheme still prints conlleval.pl's own report for every fixture", () => {
    const fixtures = path.join(REPO, 'test', 'fixtures', 'eval');
    for (const name of fs.readdirSync(fixtures).filter((f) => f.endsWith('.txt') && !f.endsWith('.expected.txt'))) {
      const r = ner(['eval', '--pred', path.join(fixtures, name), '-q']);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.equal(r.stdout, fs.readFileSync(path.join(fixtures, name.replace(/\.txt$/, '.expected.txt')), 'utf8'), name);
    }
  });
});
