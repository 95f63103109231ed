/**
 * `ner eval --pred` as a user runs it on the cases issue 17 found: untyped
 * tags in strict mode, token accuracy on files with E-/S- tags, every scheme
 * by name and by detection, suffix-style tags, the weighted average, and
 * strict mode's refusals as errors that name the file and line.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertUserError, ner } from './helpers/cli';
import { convertTags, readChunks, schemeProblems, writeChunks } from '../src/data/tagScheme';
import { evaluateSequences, metrics } from '../src/eval/conlleval';
import type { TagScheme } from '../src/types';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-eval-schemes-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A prediction file from sentences of [gold, predicted] tag pairs. */
function predFile(name: string, sentences: [string, string][][]): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, sentences.map((s) => s.map(([g, p], i) => `w${i} ${g} ${p}\n`).join('')).join('\n'));
  return file;
}

const same = (tags: string[]): [string, string][] => tags.map((t) => [t, t]);

describe('ner eval --pred', () => {
  test('untyped tags in strict mode score as seqeval scores them (type `_`), in every scheme', () => {
    const cases: [TagScheme, string[]][] = [
      ['iobes', ['B', 'E', 'O', 'S']],
      ['iob2', ['B', 'I', 'O', 'B']],
      ['iob1', ['I', 'I', 'O', 'I']],
      ['ioe2', ['I', 'E', 'O', 'E']],
      ['bilou', ['B', 'L', 'O', 'U']],
    ];
    for (const [scheme, tags] of cases) {
      const r = ner(['eval', '--pred', predFile(`untyped-${scheme}.txt`, [same(tags)]), '--scheme', scheme, '--strict', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const { report } = JSON.parse(r.stdout);
      assert.deepEqual(report.types.map((t: { type: string }) => t.type), ['_'], scheme);
      assert.deepEqual([report.micro.support, report.micro.f1], [2, 100], scheme);
    }
  });

  test("token accuracy is conlleval's, on the tags as written: O E-PER O against O I-PER O is 66.67%", () => {
    const file = predFile('accuracy.txt', [[['O', 'O'], ['E-PER', 'I-PER'], ['O', 'O']], same(['S-LOC', 'O'])]);
    const r = ner(['eval', '--pred', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^scheme: iobes /m);
    assert.match(r.stdout, /^accuracy: +80\.00%;/m); // 4 of 5 tokens
    // The same through the library, as `ner eval --model` counts.
    const counts = evaluateSequences([{ gold: ['O', 'E-PER', 'O'], pred: ['O', 'I-PER', 'O'] }], 'iobes');
    assert.equal(metrics(counts).overall.accuracy.toFixed(2), '66.67');
  });

  test('every scheme by name, and each detected from its own tags', () => {
    // Two adjacent PER chunks and a LOC, in each scheme; predictions miss the LOC.
    const chunks = [
      { type: 'PER', start: 0, end: 2 },
      { type: 'PER', start: 2, end: 3 },
      { type: 'LOC', start: 4, end: 5 },
    ];
    for (const scheme of ['iob1', 'iob2', 'ioe1', 'ioe2', 'iobes', 'bilou'] as TagScheme[]) {
      const gold = writeChunks(chunks, 6, scheme);
      const pred = writeChunks(chunks.slice(0, 2), 6, scheme);
      const file = predFile(`${scheme}.txt`, [gold.map((g, i) => [g, pred[i]])]);
      for (const strict of [false, true]) {
        const r = ner(['eval', '--pred', file, '--json', ...(strict ? ['--strict'] : []), '--scheme', scheme]);
        assert.equal(r.code, 0, r.stderr);
        const json = JSON.parse(r.stdout);
        const micro = strict ? json.report.micro : json.overall;
        assert.deepEqual(strict ? [micro.support, micro.predicted, micro.correct] : [micro.phrases, micro.found, micro.correct], [3, 2, 2], `${scheme} strict=${strict}`);
      }
      const detected = ner(['eval', '--pred', file, '--json']);
      // IOB1 and IOE1 read these tags alike (the PER pair tells them apart: B-PER in one, E-PER in the other).
      assert.equal(JSON.parse(detected.stdout).scheme, scheme, detected.stderr);
    }
  });

  test('suffix-style tags: a warning that suggests --suffix; with it, the same numbers as prefix style', () => {
    const prefix = predFile('prefix.txt', [[['B-PER', 'B-PER'], ['I-PER', 'I-PER'], ['O', 'B-LOC'], ['B-MISC', 'I-MISC']]]);
    const suffix = predFile('suffix.txt', [[['PER-B', 'PER-B'], ['PER-I', 'PER-I'], ['O', 'LOC-B'], ['MISC-B', 'MISC-I']]]);
    const expected = ner(['eval', '--pred', prefix]).stdout;
    const plain = ner(['eval', '--pred', suffix]);
    assert.equal(plain.code, 0);
    assert.match(plain.stderr, /^ner: warning: .*suffix\.txt: the gold tags look suffix-style, with the prefix last \(PER-B\).*give --suffix to read it as B-PER$/m);
    assert.notEqual(plain.stdout, expected);
    const withFlag = ner(['eval', '--pred', suffix, '--suffix']);
    assert.equal(withFlag.code, 0, withFlag.stderr);
    assert.doesNotMatch(withFlag.stderr, /warning/);
    assert.equal(withFlag.stdout, expected);
    const needless = ner(['eval', '--pred', prefix, '--suffix']);
    assert.match(needless.stderr, /^ner: warning: .*prefix\.txt: --suffix given, but the gold tags do not look suffix-style \(B-PER does not end/m);
    // Untyped tags say nothing either way; a suffix-style predicted column alone is noticed too.
    const untyped = predFile('untyped-suffix.txt', [[['PER-B', 'PER-B'], ['B', 'B'], ['O', 'O']]]);
    assert.doesNotMatch(ner(['eval', '--pred', untyped, '--suffix']).stderr, /warning/);
    assert.match(ner(['eval', '--pred', untyped]).stderr, /warning: .*the gold tags look suffix-style/);
    const mixed = predFile('mixed.txt', [[['B-PER', 'PER-B'], ['O', 'O']]]);
    assert.match(ner(['eval', '--pred', mixed]).stderr, /warning: .*mixed\.txt: the predicted tags look suffix-style, with the prefix last \(PER-B\)/);
    // The prefix of a suffix-style tag is its last character, not its last UTF-16 unit.
    const emoji = predFile('emoji.txt', [[['PER-😀', 'PER-B']]]);
    assertUserError(ner(['eval', '--pred', emoji, '--suffix', '--strict', '--scheme', 'iob2']), 2, /emoji\.txt:1: gold tag 'PER-😀' \(read as suffix-style: '😀-PER'\) has no prefix/);
  });

  test('--report adds the weighted average (by support) to micro and macro', () => {
    // seqeval's test_v1 example: A 2 gold (P 1, R .5), B 1 gold (P 1, R 1), C 0 gold (P 0).
    const file = predFile('v1.txt', [[['B-A', 'O'], ['B-B', 'B-B'], ['O', 'B-C'], ['B-A', 'B-A']]]);
    const r = ner(['eval', '--pred', file, '--report', '--json']);
    const { weighted } = JSON.parse(r.stdout).report;
    assert.deepEqual([weighted.precision, weighted.recall, weighted.f1.toFixed(4)], [100, 200 / 3, (700 / 9).toFixed(4)]);
    assert.match(ner(['eval', '--pred', file, '--report']).stdout, /^weighted        3        3  100\.00   66\.67   77\.78$/m);
  });

  test('--strict refuses a tag seqeval refuses, naming the file, line and column', () => {
    const file = predFile('foreign.txt', [[['B-PER', 'B-PER'], ['I-PER', 'E-PER']]]);
    assertUserError(ner(['eval', '--pred', file, '--scheme', 'iob2', '--strict']), 2, /foreign\.txt:2: predicted tag 'E-PER' is not part of the iob2 tag scheme/);
    const unknown = predFile('unknown.txt', [[['B-PER', 'X-PER']]]);
    assertUserError(ner(['eval', '--pred', unknown, '--scheme', 'iob2', '--strict']), 2, /unknown\.txt:1: predicted tag 'X-PER' has no prefix that strict mode reads/);
    // Without --strict, conlleval reads anything.
    assert.equal(ner(['eval', '--pred', file, '--scheme', 'iob2']).code, 0);
    // A detected scheme is named as such: IOB1 and IOE1 read these gold tags alike, and the tie went to IOB1.
    const ioe1 = predFile('ioe1.txt', [[['I-PER', 'I-PER'], ['I-PER', 'E-PER'], ['O', 'I-PER']]]);
    assertUserError(ner(['eval', '--pred', ioe1, '--strict', '--quiet']), 2, /ioe1\.txt:2: predicted tag 'E-PER' is not part of the iob1 tag scheme.*iob1 is the scheme detected from the gold column: name the file's scheme with --scheme/);
    assert.equal(ner(['eval', '--pred', ioe1, '--strict', '--scheme', 'ioe1']).code, 0);
  });

  test('a --scheme the gold tags break gets a warning with the lines; --scheme goes with --pred only', () => {
    const file = predFile('iob2-as-bilou.txt', [[['B-PER', 'B-PER'], ['I-PER', 'I-PER'], ['O', 'O'], ['B-LOC', 'B-LOC']]]);
    const r = ner(['eval', '--pred', file, '--scheme', 'bilou']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^ner: warning: 2 gold chunks break the bilou scheme given by --scheme, at .*iob2-as-bilou\.txt:2, .*iob2-as-bilou\.txt:4 \(--scheme auto/m);
    assert.doesNotMatch(ner(['eval', '--pred', file, '--scheme', 'iob2']).stderr, /warning/);
    assertUserError(ner(['eval', '--model', 'models/none', '--data', file, '--scheme', 'ioe1']), 2, /--scheme goes with --pred/);
  });
});

describe('the new schemes in tagScheme', () => {
  const chunkSets = [
    [],
    [{ type: 'A', start: 0, end: 1 }],
    [{ type: 'A', start: 0, end: 2 }, { type: 'A', start: 2, end: 3 }, { type: 'B', start: 3, end: 4 }],
    [{ type: 'A', start: 1, end: 4 }, { type: 'A', start: 4, end: 5 }],
  ];
  const schemes: TagScheme[] = ['iob1', 'iob2', 'ioe1', 'ioe2', 'iobes', 'bilou'];

  test('writeChunks then readChunks gives the chunks back, well-formed, in every scheme; conversion between any two is exact', () => {
    for (const chunks of chunkSets) {
      for (const from of schemes) {
        const tags = writeChunks(chunks, 5, from);
        assert.deepEqual(readChunks(tags, from), chunks, `${from}: ${tags.join(' ')}`);
        assert.deepEqual(schemeProblems(tags, from), [], `${from}: ${tags.join(' ')}`);
        for (const to of schemes) assert.deepEqual(convertTags(tags, from, to), writeChunks(chunks, 5, to), `${from} → ${to}`);
      }
    }
  });

  test('IOE and BILOU problems say what is wrong and where', () => {
    assert.deepEqual(schemeProblems(['I-A', 'O'], 'ioe2').map((p) => p.message), ['I-A must be followed by I-A or E-A in ioe2 (found O)']);
    assert.deepEqual(schemeProblems(['E-A', 'I-B'], 'ioe1').map((p) => p.index), [0]);
    assert.deepEqual(schemeProblems(['B-A', 'O'], 'bilou').map((p) => p.message), ['B-A must be followed by I-A or L-A in bilou (found O)']);
    assert.match(schemeProblems(['S-A'], 'bilou')[0].message, /not part of the bilou tag scheme/);
  });
});
