import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OptionError } from '../src/errors';
import { readBratCorpus } from '../src/io/bratCorpus';
import type { SpanCorpus } from '../src/io/spanCorpus';
import { assertDataError } from './helpers/errors';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-brat-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

let made = 0;
/** A fresh corpus directory holding `files` (name -> text, or bytes); returns its path. */
function corpus(files: Record<string, string | Buffer>): string {
  const dir = path.join(root, `c${made++}`);
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), body);
  }
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** `.ann` text from its lines. */
const ann = (...lines: string[]): string => lines.join('\n') + '\n';

/** token/tag pairs of every sentence. */
function pairs(c: SpanCorpus): string[][] {
  return c.sentences.map((s) => s.tokens.map((t, i) => `${t}/${s.tags[i]}`));
}

describe('BRAT entities', () => {
  // U+1F600 is one code point (BRAT's unit) but two UTF-16 units.
  const text = '\u{1F600} Anna visits Oslo\nBob works at IBM.\n';
  const expected = [
    ['\u{1F600}/O', 'Anna/B-PER', 'visits/O', 'Oslo/B-LOC'],
    ['Bob/B-PER', 'works/O', 'at/O', 'IBM/B-ORG', './O'],
  ];
  const others = [
    'R1\tWorks_for Arg1:T3 Arg2:T4',
    'E1\tTravel:T1 Dest:T2',
    'A1\tNegated E1',
    'M1\tConfidence E1 High',
    '#1\tAnnotatorNotes T1\tchecked twice',
    'N1\tReference T2 Wikidata:Q585\tOslo',
    '*\tAlias T1 T3',
    '',
  ];

  test('code-point offsets after an emoji; relations, events, attributes, notes ignored; a line break ends a sentence', () => {
    const dir = corpus({
      'doc.txt': text,
      'doc.ann': ann('T1\tPER 2 6\tAnna', 'T2\tLOC 14 18\tOslo', ...others, 'T3\tPER 19 22\tBob', 'T4\tORG 32 35\tIBM'),
    });
    const c = readBratCorpus(dir);
    assert.equal(c.file, dir);
    assert.deepEqual(pairs(c), expected);
    assert.deepEqual(c.notes, []);
    assert.deepEqual(c.sentences.map((s) => s.lines), [[1, 1, 1, 1], [2, 2, 2, 2, 2]]);
    assert.deepEqual(c.sentences.map((s) => s.document), [0, 0]);
  });

  test("UTF-16 offsets with offsets: 'utf16'; code-point offsets read as UTF-16 are noted", () => {
    const utf16 = ann('T1\tPER 3 7\tAnna', 'T2\tLOC 15 19\tOslo', 'T3\tPER 20 23\tBob', 'T4\tORG 33 36\tIBM');
    const dir = corpus({ 'doc.txt': text, 'doc.ann': utf16 });
    const c = readBratCorpus(dir, { offsets: 'utf16' });
    assert.deepEqual(pairs(c), expected);
    assert.deepEqual(c.notes, []);
    const wrong = readBratCorpus(dir);
    const annPath = path.join(dir, 'doc.ann');
    assert.equal(wrong.notes[0], `${annPath}:1: T1 [3, 7) PER covers "nna " but the file says "Anna"; kept as the offsets say (offsets counted in code points; --offsets utf16 if the file counts UTF-16 units)`);
    assert.deepEqual(pairs(wrong)[0], ['\u{1F600}/O', 'A/O', 'nna/B-PER', 'visits/O', 'O/O', 'slo/B-LOC']);
  });

  test('within a line the sentence splitter still cuts', () => {
    const dir = corpus({ 'a.txt': 'Anna came. Bob left.', 'a.ann': ann('T1\tPER 0 4\tAnna', 'T2\tPER 11 14\tBob') });
    assert.deepEqual(pairs(readBratCorpus(dir)), [['Anna/B-PER', 'came/O', './O'], ['Bob/B-PER', 'left/O', './O']]);
  });

  test('a span across a line break keeps the two lines one sentence, with a note; the .ann text may write the break as a space', () => {
    const dir = corpus({ 'x.txt': 'He flew to New\nYork today.\nBye.\n', 'x.ann': ann('T1\tLOC 11 19\tNew York') });
    const c = readBratCorpus(dir);
    assert.deepEqual(pairs(c), [['He/O', 'flew/O', 'to/O', 'New/B-LOC', 'York/I-LOC', 'today/O', './O'], ['Bye/O', './O']]);
    assert.deepEqual(c.sentences.map((s) => s.lines), [[1, 1, 1, 1, 2, 2, 2], [3, 3]]);
    assert.deepEqual(c.notes, [`${path.join(dir, 'x.ann')}:1: a sentence boundary fell inside span [11, 19) LOC; the two sentences are kept as one`]);
  });

  test('overlapping entities keep the longer; discontinuous ones are skipped and repeated ones read once, all noted', () => {
    const dir = corpus({
      'o.txt': 'New York City is big.',
      'o.ann': ann('T1\tLOC 0 8\tNew York', 'T2\tGPE 4 13\tYork City', 'T3\tLOC 0 3;9 13\tNew City', 'T4\tGPE 4 13\tYork City'),
    });
    const c = readBratCorpus(dir);
    const a = path.join(dir, 'o.ann');
    assert.deepEqual(pairs(c), [['New/O', 'York/B-GPE', 'City/I-GPE', 'is/O', 'big/O', './O']]);
    assert.deepEqual(c.notes, [
      `${a}:3: T3 LOC is discontinuous (0 3;9 13); BIO tags cannot hold it, skipped`,
      `${a}:4: T4 repeats T2 (line 2), GPE [4, 13); read once`,
      `${a}:1: span [0, 8) LOC overlaps [4, 13) GPE, which is longer; dropped [0, 8) LOC`,
    ]);
  });

  test('an .ann text that differs from what the offsets cover is noted at its line; spaces at the edges are trimmed, noted; no text field is no check', () => {
    const dir = corpus({ 'm.txt': 'Anna met Bob there.', 'm.ann': ann('T1\tPER 0 4\tAnne', 'T2\tPER 8 12\t Bob', 'T3\tPLACE 13 18') });
    const c = readBratCorpus(dir);
    const a = path.join(dir, 'm.ann');
    assert.deepEqual(pairs(c), [['Anna/B-PER', 'met/O', 'Bob/B-PER', 'there/B-PLACE', './O']]);
    assert.deepEqual(c.notes, [
      `${a}:1: T1 [0, 4) PER covers "Anna" but the file says "Anne"; kept as the offsets say (offsets counted in code points; --offsets utf16 if the file counts UTF-16 units)`,
      `${a}:2: T2 [8, 12) PER: spaces at its edges trimmed`,
    ]);
  });

  test('an empty .ann reads its text as all O, with a note', () => {
    const dir = corpus({ 'e.txt': 'Nothing here.', 'e.ann': '' });
    const c = readBratCorpus(dir);
    assert.deepEqual(pairs(c), [['Nothing/O', 'here/O', './O']]);
    assert.deepEqual(c.notes, [`${path.join(dir, 'e.ann')}: no entity annotations; e.txt is read as all O`]);
  });
});

describe('BRAT text as it is on disk', () => {
  test('CRLF: offsets count the CR, as BRAT does; CRLF in the .ann too', () => {
    const dir = corpus({ 'w.txt': 'Anna met Bob.\r\nOslo is cold.\r\n', 'w.ann': 'T1\tPER 0 4\tAnna\r\nT2\tPER 9 12\tBob\r\nT3\tLOC 15 19\tOslo\r\n' });
    const c = readBratCorpus(dir);
    assert.deepEqual(pairs(c), [['Anna/B-PER', 'met/O', 'Bob/B-PER', './O'], ['Oslo/B-LOC', 'is/O', 'cold/O', './O']]);
    assert.deepEqual(c.sentences.map((s) => s.lines), [[1, 1, 1, 1], [2, 2, 2, 2]]);
    assert.deepEqual(c.notes, []);
  });

  test('a BOM in the .txt is a character the offsets count (BRAT reads it as one); in the .ann it is dropped', () => {
    const dir = corpus({ 'b.txt': '\uFEFFAnna lives here.', 'b.ann': '\uFEFF' + ann('T1\tPER 1 5\tAnna') });
    const c = readBratCorpus(dir);
    assert.deepEqual(pairs(c), [['Anna/B-PER', 'lives/O', 'here/O', './O']]);
    assert.deepEqual(c.notes, []);
  });

  test('Latin-1 files with encoding: latin1; read as UTF-8 they are refused at their line', () => {
    const dir = corpus({ 'l.txt': Buffer.from('Hello.\nZ\u00fcrich is nice.\n', 'latin1'), 'l.ann': Buffer.from(ann('T1\tLOC 7 13\tZ\u00fcrich'), 'latin1') });
    const c = readBratCorpus(dir, { encoding: 'latin1' });
    assert.deepEqual(pairs(c), [['Hello/O', './O'], ['Z\u00fcrich/B-LOC', 'is/O', 'nice/O', './O']]);
    assert.deepEqual(c.notes, []);
    assertDataError(() => readBratCorpus(dir), path.join(dir, 'l.txt'), 2, /not valid UTF-8 text/);
    assert.throws(() => readBratCorpus(dir, { encoding: 'utf16' as never }), OptionError);
  });
});

describe('BRAT directories', () => {
  test('pairs are read in sorted name order, subdirectories in place; other files and dot files are passed over', () => {
    const dir = corpus({
      'b.txt': 'Bob.',
      'b.ann': ann('T1\tPER 0 3\tBob'),
      'a.txt': 'Ann.',
      'a.ann': ann('T1\tPER 0 3\tAnn'),
      'b/c.txt': 'Cid.',
      'b/c.ann': ann('T1\tPER 0 3\tCid'),
      'b/deeper/d.txt': 'Dan.',
      'b/deeper/d.ann': ann('T1\tPER 0 3\tDan'),
      'annotation.conf': '[entities]\nPER\n',
      '.stats_cache': 'binary junk',
      '.hidden/z.ann': 'not read',
    });
    const c = readBratCorpus(dir);
    assert.deepEqual(pairs(c), [['Ann/B-PER', './O'], ['Cid/B-PER', './O'], ['Dan/B-PER', './O'], ['Bob/B-PER', './O']]);
    assert.deepEqual(c.sentences.map((s) => s.document), [0, 1, 2, 3]);
  });

  test('a .txt without an .ann is skipped, with a note', () => {
    const dir = corpus({ 'a.txt': 'Ann.', 'a.ann': ann('T1\tPER 0 3\tAnn'), 'raw.txt': 'Not annotated.' });
    const c = readBratCorpus(dir);
    assert.deepEqual(pairs(c), [['Ann/B-PER', './O']]);
    assert.deepEqual(c.notes, [`${path.join(dir, 'raw.txt')}: no raw.ann beside it; skipped (an unannotated document would teach that everything in it is O)`]);
  });

  test('an .ann without a .txt, no pairs at all, and a path that is not a directory are DataErrors', () => {
    const lone = corpus({ 'a.txt': 'Ann.', 'a.ann': ann('T1\tPER 0 3\tAnn'), 'sub/b.ann': ann('T1\tPER 0 3\tBob') });
    assertDataError(() => readBratCorpus(lone), path.join(lone, 'sub', 'b.ann'), undefined, 'no b.txt beside it; an .ann file annotates the .txt of the same name');
    const empty = corpus({ 'notes.md': 'nothing' });
    assertDataError(() => readBratCorpus(empty), empty, undefined, /^no \.txt\/\.ann pairs found/);
    const unannotated = corpus({ 'a.txt': 'Ann.' });
    assertDataError(() => readBratCorpus(unannotated), unannotated, undefined, 'no .txt/.ann pairs found: 1 .txt file, none with an .ann beside it');
    const file = path.join(lone, 'a.txt');
    assertDataError(() => readBratCorpus(file), file, undefined, /^is a file, expected a directory of BRAT \.txt\/\.ann pairs/);
    assertDataError(() => readBratCorpus(path.join(root, 'none')), path.join(root, 'none'), undefined, 'no such directory');
  });

  test('a malformed .ann line is a DataError at file.ann:line saying what was expected and what came', () => {
    const bad = (lines: string[], opts = {}): void => {
      const dir = corpus({ 'x.txt': '\u{1F600} Anna is here.', 'x.ann': ann('T1\tPER 2 6\tAnna', '', ...lines) });
      const a = path.join(dir, 'x.ann');
      const line = 3 + lines.length - 1;
      assertDataError(() => readBratCorpus(dir, opts), a, line, reasons.shift()!);
    };
    const reasons: (string | RegExp)[] = [
      'expected T<id><TAB><type> <start> <end><TAB><text>, tab-separated, got "T2 PER 2 6 Anna"',
      'T2: expected non-negative integer offsets "<start> <end>" after the type, got "2 x"',
      'T2: expected non-negative integer offsets "<start> <end>" after the type, got "-1 6"',
      'T2: expected "<type> <start> <end>" after the first tab, got "PER"',
      /^expected an entity \(T<id><TAB>.*\), or a line starting with R, E, A, M, N, # or \* \(passed over\), got "X1\\tfoo"$/,
      'T2 PER [2, 40): out of range, the .txt is 15 code points long (offsets counted in code points; --offsets utf16 if the file counts UTF-16 units)',
      'T2 PER [6, 6): empty, expected start < end',
      /^T2 PER \[1, 7\): an offset falls inside a surrogate pair/,
    ];
    bad(['T2 PER 2 6 Anna']);
    bad(['R1\tr Arg1:T1 Arg2:T1', 'T2\tPER 2 x\tAnna']);
    bad(['T2\tPER -1 6\tAnna']);
    bad(['T2\tPER']);
    bad(['X1\tfoo']);
    bad(['T2\tPER 2 40\tAnna']);
    bad(['T2\tPER 6 6\t']);
    bad(['T2\tPER 1 7\tAnna'].slice(0), { offsets: 'utf16' });
    assert.equal(reasons.length, 0);
  });
});
