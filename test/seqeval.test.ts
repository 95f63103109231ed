/**
 * `ner eval --strict` against seqeval's own test suite (chakki-works/seqeval
 * at cd01b52), with the expected values as seqeval publishes them:
 * - tests/test_scheme.py, every parametrized table (start/inside/end per tag
 *   pair, the entities of every short sequence in all six schemes, typed and
 *   untyped, tag and prefix parsing), extracted to
 *   fixtures/seqeval/scheme-cases.json by scripts/seqeval-cases.py;
 * - tests/test_v1.py, per-type scores and the micro, macro and weighted averages;
 * - tests/test_metrics.py, the CoNLL-2000 ground-truth file and its
 *   suffix-style twin, with conlleval.pl's report and seqeval's numbers for
 *   them (fixtures/seqeval/README.md says how each was made).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StrictScheme, StrictTagError, strictBoundaries, strictChunks, strictTag } from '../src/eval/strictSpans';
import { ScoredSentence, formatConllevalReport, metrics, scoreConllevalFile } from '../src/eval/conlleval';
import { TypeRow, spanReport } from '../src/eval/report';
import { fromSuffixStyle } from '../src/data/tagScheme';
import { REPO } from './helpers/cli';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'seqeval');
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

interface Table {
  params: string[];
  cases: unknown[][];
}
const CASES = JSON.parse(read('scheme-cases.json')) as Record<string, Table>;
const SCHEMES: StrictScheme[] = ['iob1', 'iob2', 'ioe1', 'ioe2', 'iobes', 'bilou'];

function table(name: string): unknown[][] {
  const t = CASES[name];
  assert.ok(t !== undefined && t.cases.length > 0, `fixture has no table ${name}`);
  return t.cases;
}

describe("seqeval's test_scheme.py", () => {
  for (const scheme of SCHEMES) {
    test(`test_${scheme}_start_inside_end: is_start, is_inside, is_end for every pair`, () => {
      for (const [prev, token, expected] of table(`test_${scheme}_start_inside_end`) as [string, string, boolean[]][]) {
        const b = strictBoundaries(scheme, strictTag(prev, scheme), strictTag(token, scheme));
        assert.deepEqual([b.start, b.inside, b.end], expected, `${prev} ${token}`);
      }
    });
    for (const suffix of ['tokens', 'tokens_without_tag']) {
      test(`test_${scheme}_${suffix}: the entities of every sequence`, () => {
        for (const [tokens, expected] of table(`test_${scheme}_${suffix}`) as [string[], [string, number, number][]][]) {
          const found = strictChunks(tokens, scheme).map((c) => [c.type, c.start, c.end]);
          assert.deepEqual(found, expected, tokens.join(' '));
        }
      });
    }
  }

  test('test_token_tag and test_token_prefix: types (hyphens stripped, `_` when none) and prefixes, suffix style too', () => {
    for (const [token, suffix, expected] of table('test_token_tag') as [string, boolean, string][]) {
      assert.equal(strictTag(suffix ? fromSuffixStyle(token) : token, 'iobes').type, expected, token);
    }
    for (const [token, suffix, expected] of table('test_token_prefix') as [string, boolean, string][]) {
      assert.equal(strictTag(suffix ? fromSuffixStyle(token) : token, 'iobes').prefix, expected, token);
    }
  });

  test('test_valid_prefix and test_invalid_prefix: what each scheme refuses', () => {
    for (const [token, scheme] of table('test_valid_prefix') as [string, string][]) {
      assert.doesNotThrow(() => strictTag(token, scheme.toLowerCase() as StrictScheme), `${token} in ${scheme}`);
    }
    for (const [token, scheme] of table('test_invalid_prefix') as [string, string][]) {
      assert.throws(() => strictTag(token, scheme.toLowerCase() as StrictScheme), StrictTagError, `${token} in ${scheme}`);
    }
  });

  test('TestTokens and TestIOB2Token: IOBES tags in IOB2, an unknown prefix and an empty tag are refused', () => {
    assert.throws(() => strictChunks(['B-PER', 'E-PER', 'S-PER'], 'iob2'), StrictTagError);
    assert.throws(() => strictTag('T', 'iob2'), StrictTagError);
    assert.throws(() => strictTag('', 'iob2'), StrictTagError);
  });
});

/** Percentages, as ner reports them, against seqeval's fractions. */
function assertRow(row: TypeRow, expected: { precision: number; recall: number; 'f1-score': number; support: number }, what: string): void {
  const close = (a: number, b: number) => Math.abs(a - 100 * b) < 1e-9;
  assert.ok(close(row.precision, expected.precision), `${what} precision ${row.precision} vs ${expected.precision}`);
  assert.ok(close(row.recall, expected.recall), `${what} recall ${row.recall} vs ${expected.recall}`);
  assert.ok(close(row.f1, expected['f1-score']), `${what} f1 ${row.f1} vs ${expected['f1-score']}`);
  assert.equal(row.support, expected.support, `${what} support`);
}

type SeqevalReport = Record<string, { precision: number; recall: number; 'f1-score': number; support: number }>;

/** Every row of seqeval's classification_report(output_dict=True): each type and the three averages. */
function assertReport(sentences: ScoredSentence[], scheme: StrictScheme, strict: boolean, expected: SeqevalReport): void {
  const report = spanReport(sentences, scheme, strict);
  const types = Object.keys(expected).filter((k) => !k.endsWith(' avg'));
  assert.deepEqual(report.types.map((t) => t.type), types.sort());
  for (const t of report.types) assertRow(t, expected[t.type], t.type);
  assertRow(report.micro, expected['micro avg'], 'micro');
  assertRow(report.macro, expected['macro avg'], 'macro');
  assertRow(report.weighted, expected['weighted avg'], 'weighted');
}

const sentence = (gold: string[], pred: string[]): ScoredSentence => ({ tokens: gold.map(() => 'w'), gold, pred });

describe("seqeval's test_v1.py and test_metrics.py", () => {
  const v1 = [sentence(['B-A', 'B-B', 'O', 'B-A'], ['O', 'B-B', 'B-C', 'B-A'])];
  // test_output_dict, which is also what test_scores and test_average_scores check to 2 places.
  const v1Expected: SeqevalReport = {
    A: { 'f1-score': 0.6666666666666666, precision: 1.0, recall: 0.5, support: 2 },
    B: { 'f1-score': 1.0, precision: 1.0, recall: 1.0, support: 1 },
    C: { 'f1-score': 0.0, precision: 0.0, recall: 0.0, support: 0 },
    'macro avg': { 'f1-score': 0.5555555555555555, precision: 0.6666666666666666, recall: 0.5, support: 3 },
    'micro avg': { 'f1-score': 0.6666666666666666, precision: 0.6666666666666666, recall: 0.6666666666666666, support: 3 },
    'weighted avg': { 'f1-score': 0.7777777777777777, precision: 1.0, recall: 0.6666666666666666, support: 3 },
  };

  test('test_output_dict: per type, micro, macro and weighted, strict and default alike', () => {
    assertReport(v1, 'iob2', true, v1Expected);
    assertReport(v1, 'iob2', false, v1Expected);
  });

  test('test_weighted_true_sum_zero: no gold spans gives a weighted average of 0, not NaN', () => {
    const r = spanReport([sentence(['O'], ['O'])], 'iob2', true);
    assert.deepEqual([r.weighted.precision, r.weighted.recall, r.weighted.f1, r.weighted.support], [0, 0, 0, 0]);
  });

  test('test_conll_f1score and test_strict_f1score: I-ORG I-ORG is a chunk to conlleval, none to strict IOB2', () => {
    const s = [sentence(['B-ORG', 'I-ORG'], ['I-ORG', 'I-ORG'])];
    assert.equal(spanReport(s, 'iob2', false).micro.f1, 100);
    assert.equal(spanReport(s, 'iob2', true).micro.f1, 0);
  });

  describe('the CoNLL-2000 ground-truth file (test_by_ground_truth, test_metrics_for_inv_data)', () => {
    const truth = read('ground_truth.txt');
    const inverse = read('ground_truth_inv.txt');
    const conlleval = read('ground_truth.conlleval.txt');
    const seqeval = JSON.parse(read('ground_truth.seqeval.json')) as Record<string, SeqevalReport> & { accuracy: number };

    test("conlleval.pl's report, byte for byte; the suffix-style file with --suffix gives the same", () => {
      const plain = scoreConllevalFile(truth, 'ground_truth.txt');
      assert.equal(formatConllevalReport(plain.counts), conlleval);
      assert.deepEqual(plain.style.gold, { style: 'prefix', example: 'B-NP' });
      const suffix = scoreConllevalFile(inverse, 'ground_truth_inv.txt', { suffix: true });
      assert.equal(formatConllevalReport(suffix.counts), conlleval);
      assert.equal(suffix.scheme, plain.scheme);
    });

    test('without --suffix the suffix-style file is recognised as such (and reads wrongly: P 53.80 instead of 68.83)', () => {
      const wrong = scoreConllevalFile(inverse, 'ground_truth_inv.txt');
      assert.deepEqual(wrong.style, { gold: { style: 'suffix', example: 'NP-B' }, pred: { style: 'suffix', example: 'NP-I' } });
      assert.equal(formatConllevalReport(wrong.counts).split('\n')[1].match(/precision: +([\d.]+)%/)![1], '53.80');
    });

    test("seqeval's numbers: default mode, strict IOB2 and strict IOB1, prefix and suffix style, and token accuracy", () => {
      const plain = scoreConllevalFile(truth, 'ground_truth.txt', { scheme: 'iob2' });
      const suffix = scoreConllevalFile(inverse, 'ground_truth_inv.txt', { scheme: 'iob2', suffix: true });
      assertReport(plain.sentences, 'iob2', false, seqeval.default);
      assertReport(suffix.sentences, 'iob2', false, seqeval.default_suffix_inv);
      assertReport(plain.sentences, 'iob2', true, seqeval.strict_iob2);
      assertReport(suffix.sentences, 'iob2', true, seqeval.strict_iob2_suffix_inv);
      assertReport(plain.sentences, 'iob1', true, seqeval.strict_iob1);
      assert.ok(Math.abs(metrics(plain.counts).overall.accuracy - 100 * seqeval.accuracy) < 1e-9);
    });
  });
});
