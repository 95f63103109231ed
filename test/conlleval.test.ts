import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConllevalMetrics,
  conllevalJson,
  evaluateSequences,
  formatConllevalReport,
  formatFixed2,
  metrics,
  parseConllevalText,
} from '../src/eval/conlleval';
import { DataError } from '../src/errors';

/** Compiled to dist/test/, the fixtures stay in test/fixtures/eval/. */
const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'eval');

/** Every `<name>.txt` here has `<name>.expected.txt`: conlleval.pl's stdout for it (see README.md there). */
const FIXTURE_NAMES = ['iob2', 'iob1', 'hyphen', 'tabs', 'docstart', 'nogold', 'noguess', 'rounding', 'quirks'];

function fixture(name: string): { input: string; expected: string } {
  return {
    input: readFileSync(join(FIXTURES, `${name}.txt`), 'utf8'),
    expected: readFileSync(join(FIXTURES, `${name}.expected.txt`), 'utf8'),
  };
}

for (const name of FIXTURE_NAMES) {
  test(`report for ${name}.txt is conlleval.pl's output byte for byte`, () => {
    const { input, expected } = fixture(name);
    assert.equal(formatConllevalReport(parseConllevalText(input, `${name}.txt`)), expected);
  });

  test(`JSON numbers for ${name}.txt match conlleval.pl's printed numbers`, () => {
    const { input, expected } = fixture(name);
    const value = conllevalJson(parseConllevalText(input, `${name}.txt`));
    // Checked as written out and read back: what JSON cannot carry (a Map is written as {}, NaN as null) fails here.
    const json: ConllevalMetrics = JSON.parse(JSON.stringify(value));
    assert.deepEqual(json, { ...value, byType: { ...value.byType } }, 'the JSON reads back as the value');
    const lines = expected.split('\n');

    const head = /^processed (\d+) tokens with (\d+) phrases; found: (\d+) phrases; correct: (\d+)\.$/.exec(lines[0]);
    assert.ok(head, lines[0]);
    assert.deepEqual(
      [json.overall.tokens, json.overall.phrases, json.overall.found, json.overall.correct],
      head.slice(1).map(Number),
    );
    const overall = /^accuracy: +([\d.]+)%; precision: +([\d.]+)%; recall: +([\d.]+)%; FB1: +([\d.]+)$/.exec(lines[1]);
    assert.ok(overall, lines[1]);
    assert.deepEqual(
      [json.overall.accuracy, json.overall.precision, json.overall.recall, json.overall.f1],
      overall.slice(1).map(Number),
    );

    const typeLines = lines.slice(2).filter((l) => l !== '');
    const perType = typeLines.map((l) => {
      const m = /^ *(.*): precision: +([\d.]+)%; recall: +([\d.]+)%; FB1: +([\d.]+)  (\d+)$/.exec(l);
      assert.ok(m, l);
      return { type: m[1], numbers: m.slice(2).map(Number) };
    });
    // conlleval may print a typeless chunk type twice (see quirks.txt); JSON lists each type once.
    assert.deepEqual(json.types, [...new Set(perType.map((t) => t.type))]);
    for (const { type, numbers } of perType) {
      const m = json.byType[type];
      assert.deepEqual([m.precision, m.recall, m.f1, m.found], numbers, type);
    }
    assert.deepEqual(Object.keys(json.byType).sort(), [...json.types].sort(), 'byType has one entry for each type, and no other');
  });
}

test('CRLF line ends and a UTF-8 BOM change nothing', () => {
  const { input, expected } = fixture('iob2');
  const windows = '\uFEFF' + input.replace(/\n/g, '\r\n');
  assert.equal(formatConllevalReport(parseConllevalText(windows, 'iob2.txt')), expected);
});

test('a file without a final newline reads the same', () => {
  const { input, expected } = fixture('iob2');
  assert.equal(formatConllevalReport(parseConllevalText(input.trimEnd(), 'iob2.txt')), expected);
});

test('-DOCSTART- lines are tokens to conlleval (2 of the 9 in docstart.txt)', () => {
  const counts = parseConllevalText(fixture('docstart').input, 'docstart.txt');
  assert.equal(counts.tokens, 9);
  assert.equal(counts.correctTags, 9);
});

test('numbers are rounded like printf: exact ties to even', () => {
  assert.equal(formatFixed2(3.125), '3.12'); // toFixed gives 3.13
  assert.equal(formatFixed2(90.625), '90.62');
  assert.equal(formatFixed2(0.375), '0.38');
  assert.equal(formatFixed2(12.875), '12.88');
  assert.equal(formatFixed2(1.005), '1.00'); // the double is below 1.005
  assert.equal(formatFixed2(66.66666666666667), '66.67');
  assert.equal(formatFixed2(100), '100.00');
  assert.equal(formatFixed2(0), '0.00');
  assert.equal(conllevalJson(parseConllevalText(fixture('rounding').input, 'r.txt')).overall.accuracy, 90.62);
});

test('no tokens at all: conlleval prints only the first line', () => {
  // What `perl conlleval.pl < /dev/null` prints.
  assert.equal(formatConllevalReport(evaluateSequences([])), 'processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n');
  const { overall } = metrics(evaluateSequences([]));
  assert.deepEqual([overall.accuracy, overall.precision, overall.recall, overall.f1], [0, 0, 0, 0]);
});

function dataError(fn: () => unknown, message: string, line?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.line, line);
    return true;
  });
}

test('a line with one column is a DataError with its line number', () => {
  dataError(
    () => parseConllevalText('a B-PER B-PER\n\nlonely\n', 'pred.txt'),
    'pred.txt:3: expected at least 2 columns (gold tag, predicted tag), found 1',
    3,
  );
});

test('a line whose column count differs from the first is a DataError, -X- lines included', () => {
  dataError(
    () => parseConllevalText('a B-PER B-PER\nb O O\nc x O O\n', 'pred.txt'),
    'pred.txt:3: unexpected number of columns: found 4, expected 3 as on line 1',
    3,
  );
  // conlleval checks the count before it recognises a boundary.
  dataError(
    () => parseConllevalText('a B-PER B-PER\n-X- O\nb O O\n', 'pred.txt'),
    'pred.txt:2: unexpected number of columns: found 2, expected 3 as on line 1',
    2,
  );
  // Blank lines are exempt, and the first non-blank line sets the count.
  assert.equal(parseConllevalText('\n\na O O\n\nb O O\n', 'pred.txt').tokens, 2);
});

test('empty input and input without tokens are DataErrors without a line', () => {
  dataError(() => parseConllevalText('', 'pred.txt'), 'pred.txt: file is empty (expected lines of: token, gold tag, predicted tag)');
  dataError(() => parseConllevalText('\uFEFF', 'pred.txt'), 'pred.txt: file is empty (expected lines of: token, gold tag, predicted tag)');
  dataError(
    () => parseConllevalText('\n-X- O O\n\n', 'pred.txt'),
    'pred.txt: no tokens found (only blank lines and -X- sentence boundaries)',
  );
});

/** The sentences of a conlleval file (no -X- lines) as gold/pred pairs. */
function sentencesOf(text: string): { gold: string[]; pred: string[] }[] {
  return text
    .split(/\n\s*\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const rows = block.trim().split('\n').map((l) => l.trim().split(/\s+/));
      return { gold: rows.map((r) => r[r.length - 2]), pred: rows.map((r) => r[r.length - 1]) };
    });
}

test('evaluateSequences counts sentences exactly as conlleval counts the file', () => {
  for (const name of ['iob2', 'iob1', 'hyphen', 'nogold', 'noguess', 'rounding', 'quirks']) {
    const { input, expected } = fixture(name);
    assert.equal(formatConllevalReport(evaluateSequences(sentencesOf(input))), expected, name);
  }
});

test('IOBES is converted to IOB2 before counting: S-X S-X is two phrases', () => {
  const pair = { gold: ['S-X', 'S-X', 'O', 'B-Y', 'E-Y', 'S-Y'], pred: ['S-X', 'S-X', 'O', 'B-Y', 'E-Y', 'S-Y'] };
  const iobes = evaluateSequences([pair], 'iobes');
  assert.equal(iobes.goldChunks, 4);
  assert.equal(iobes.correctChunks, 4);
  assert.deepEqual(iobes.byType.get('X'), { gold: 2, guessed: 2, correct: 2 });
  // Read as-is, conlleval merges S-X S-X (and B-Y E-Y S-Y) into one chunk each.
  assert.equal(evaluateSequences([pair]).goldChunks, 2);

  const half = evaluateSequences([{ gold: ['S-X', 'S-X'], pred: ['B-X', 'E-X'] }], 'iobes');
  assert.deepEqual([half.goldChunks, half.guessedChunks, half.correctChunks], [2, 1, 0]);
});

test('evaluateSequences rejects a sentence whose gold and predicted lengths differ', () => {
  assert.throws(
    () => evaluateSequences([{ gold: ['O'], pred: ['O'] }, { gold: ['O', 'B-X'], pred: ['O'] }]),
    (e: unknown) => e instanceof Error && !(e instanceof DataError) && /sentence 1: 2 gold tags but 1 predicted/.test(e.message),
  );
});

test('metrics: unrounded percentages, per-type counts, types sorted like Perl', () => {
  const counts = parseConllevalText(fixture('iob2').input, 'iob2.txt');
  const m = metrics(counts);
  assert.deepEqual(m.types, ['LOC', 'MISC', 'ORG', 'PER']);
  assert.equal(m.overall.accuracy, (100 * 17) / 22);
  assert.equal(m.byType.LOC.precision, 100 / 3);
  assert.deepEqual(
    { found: m.byType.PER.found, gold: m.byType.PER.gold, correct: m.byType.PER.correct },
    { found: 3, gold: 4, correct: 3 },
  );
  // Sorted by bytes (uppercase before lowercase), as Perl's sort does.
  const mixed = metrics(evaluateSequences([{ gold: ['B-b', 'B-a', 'B-Z'], pred: ['O', 'O', 'O'] }]));
  assert.deepEqual(mixed.types, ['Z', 'a', 'b']);
  assert.deepEqual(
    [mixed.byType.Z.precision, mixed.byType.Z.recall, mixed.byType.Z.f1, mixed.byType.Z.found],
    [0, 0, 0, 0],
  );
});

test('an IOBES prediction file is scored after conversion to IOB2, per sentence', () => {
  // Gold has two adjacent single-token PERs; conlleval alone would merge them into one chunk.
  const text = ['A S-PER S-PER', 'B S-PER S-PER', 'C O O', '', 'D B-LOC B-LOC', 'E E-LOC I-LOC', ''].join('\n');
  const asIs = metrics(parseConllevalText(text, 'p.txt'));
  assert.equal(asIs.overall.phrases, 2, 'read raw, S-PER S-PER is one chunk (conlleval behaviour)');
  const converted = metrics(parseConllevalText(text, 'p.txt', 'iobes'));
  assert.equal(converted.overall.phrases, 3);
  assert.equal(converted.overall.found, 3);
  assert.equal(converted.overall.correct, 3, 'B-LOC I-LOC, ill-formed in IOBES, still reads as the LOC chunk');
  assert.equal(converted.overall.tokens, 5);
});
