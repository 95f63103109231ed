import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatConll, formatConllColumns, parseConll, readConllFile, readConllStream, type ConllOptions } from '../src/io/conll';
import { readLines } from '../src/io/lines';
import { DataError } from '../src/errors';
import { collect } from './helpers/streams';
import { assertDataError } from './helpers/errors';
import type { Corpus } from '../src/types';

// Compiled to dist/test/, fixtures stay in test/fixtures/.
const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'conll');
const fixture = (name: string): string => path.join(FIXTURES, name);

const EXPECTED_TWO = [
  { tokens: ['EU', 'rejects', 'German', 'call', '.'], tags: ['B-ORG', 'O', 'B-MISC', 'O', 'O'] },
  { tokens: ['Peter', 'Blackburn'], tags: ['B-PER', 'I-PER'] },
];

function tokensAndTags(corpus: Corpus): Array<{ tokens: string[]; tags: string[] }> {
  return corpus.sentences.map((s) => ({ tokens: s.tokens, tags: s.tags }));
}


test('space-separated file', () => {
  const file = fixture('space.conll');
  const corpus = readConllFile(file);
  assert.equal(corpus.file, file);
  assert.deepEqual(tokensAndTags(corpus), EXPECTED_TWO);
  assert.deepEqual(corpus.sentences[0].lines, [1, 2, 3, 4, 5]);
  assert.deepEqual(corpus.sentences[1].lines, [7, 8]);
});

test('tab-separated file', () => {
  const corpus = readConllFile(fixture('tab.conll'));
  assert.deepEqual(tokensAndTags(corpus), EXPECTED_TWO);
  assert.deepEqual(corpus.sentences[1].lines, [7, 8]);
});

test('mixed spaces/tabs, trailing whitespace, whitespace-only separator and trailing blank lines', () => {
  const corpus = readConllFile(fixture('mixed.conll'));
  assert.deepEqual(tokensAndTags(corpus), EXPECTED_TWO);
  assert.deepEqual(corpus.sentences[1].lines, [7, 8]);
});

test('-DOCSTART- and repeated blank lines are boundaries without empty sentences', () => {
  const corpus = readConllFile(fixture('docstart.conll'));
  assert.deepEqual(tokensAndTags(corpus), [
    { tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'] },
    { tokens: ['Peter', 'Blackburn'], tags: ['B-PER', 'I-PER'] },
    { tokens: ['BRUSSELS'], tags: ['B-LOC'] },
  ]);
  assert.deepEqual(
    corpus.sentences.map((s) => s.lines),
    [[3, 4], [8, 9], [12]],
  );
});

test('-DOCSTART- directly after a token ends the sentence', () => {
  const corpus = parseConll('a O\n-DOCSTART-\nb O\n', 'x');
  assert.deepEqual(tokensAndTags(corpus), [
    { tokens: ['a'], tags: ['O'] },
    { tokens: ['b'], tags: ['O'] },
  ]);
  // A bare -DOCSTART- with a different column count is not checked against the layout.
  assert.deepEqual(corpus.sentences[1].lines, [3]);
});

test('CRLF line endings and a BOM', () => {
  const text = '\ufeffEU B-ORG\r\nrejects O\r\n\r\nPeter B-PER\r\n';
  const corpus = parseConll(text, 'crlf.conll');
  assert.deepEqual(tokensAndTags(corpus), [
    { tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'] },
    { tokens: ['Peter'], tags: ['B-PER'] },
  ]);
  assert.deepEqual(corpus.sentences[1].lines, [4]);
  // The same bytes read from disk.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conll-'));
  try {
    const file = path.join(dir, 'bom.conll');
    fs.writeFileSync(file, text, 'utf8');
    assert.deepEqual(tokensAndTags(readConllFile(file)), tokensAndTags(corpus));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('last sentence needs no trailing newline; extra trailing blank lines are fine', () => {
  const expected = [{ tokens: ['a', 'b'], tags: ['O', 'B-PER'] }];
  assert.deepEqual(tokensAndTags(parseConll('a O\nb B-PER', 'x')), expected);
  assert.deepEqual(tokensAndTags(parseConll('a O\nb B-PER\n', 'x')), expected);
  assert.deepEqual(tokensAndTags(parseConll('\n\na O\nb B-PER\n\n\n \n', 'x')), expected);
  assert.deepEqual(parseConll('\n\na O\nb B-PER\n\n\n \n', 'x').sentences[0].lines, [3, 4]);
});

test('token and tag column selection, including negative columns', () => {
  const file = fixture('docstart.conll');
  const pos = readConllFile(file, { tagColumn: 1 });
  assert.deepEqual(pos.sentences[0].tags, ['NNP', 'VBZ']);
  const chunkNeg = readConllFile(file, { tagColumn: -2 });
  assert.deepEqual(chunkNeg.sentences[0].tags, ['B-NP', 'B-VP']);
  const last = readConllFile(file, { tagColumn: 3 });
  assert.deepEqual(last.sentences[0].tags, ['B-ORG', 'O']);
  const posAsToken = readConllFile(file, { tokenColumn: 1, tagColumn: -1 });
  assert.deepEqual(posAsToken.sentences[0].tokens, ['NNP', 'VBZ']);
  assert.deepEqual(posAsToken.sentences[0].tags, ['B-ORG', 'O']);
  const negToken = readConllFile(file, { tokenColumn: -4, tagColumn: 2 });
  assert.deepEqual(negToken.sentences[0].tokens, ['EU', 'rejects']);
  assert.deepEqual(negToken.sentences[0].tags, ['B-NP', 'B-VP']);
});

test('column options out of range name the option and the first token line', () => {
  const file = fixture('docstart.conll');
  assertDataError(() => readConllFile(file, { tagColumn: 5 }), file, 3, '--tag-column 5 is out of range: line has 4 columns');
  assertDataError(() => readConllFile(file, { tagColumn: -5 }), file, 3, '--tag-column -5 is out of range: line has 4 columns');
  assertDataError(() => readConllFile(file, { tokenColumn: 4 }), file, 3, '--token-column 4 is out of range: line has 4 columns');
  assertDataError(() => readConllFile(file, { tokenColumn: 3 }), file, 3, /--token-column 3 and --tag-column -1 both select column 3/);
});

test('missing tag on a later line', () => {
  const file = fixture('missing_tag.conll');
  assertDataError(() => readConllFile(file), file, 3, 'expected at least 2 columns (token and tag), found 1');
});

test('missing tag on the first line', () => {
  const file = fixture('tokens_only.conll');
  assertDataError(() => readConllFile(file), file, 1, 'expected at least 2 columns (token and tag), found 1');
});

test('column count differing from the first token line', () => {
  const file = fixture('column_mismatch.conll');
  assertDataError(() => readConllFile(file), file, 4, 'expected 4 columns like line 1, found 3');
  assertDataError(() => parseConll('\n-DOCSTART- -X- O\n\na b c\nd e\n', 'f.conll'), 'f.conll', 5, 'expected 3 columns like line 4, found 2');
});

test('missing file, directory, empty, whitespace-only and DOCSTART-only files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conll-'));
  try {
    const missing = path.join(dir, 'nope.conll');
    assertDataError(() => readConllFile(missing), missing, undefined, 'no such file');
    assertDataError(() => readConllFile(dir), dir, undefined, 'is a directory, expected a CoNLL file');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const name of ['empty.conll', 'whitespace_only.conll', 'docstart_only.conll']) {
    const file = fixture(name);
    assertDataError(() => readConllFile(file), file, undefined, 'no sentences found');
  }
  assertDataError(() => parseConll('', 'e.conll'), 'e.conll', undefined, 'no sentences found');
});

test('unreadable file', { skip: process.getuid?.() === 0 ? 'root can read anything' : false }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conll-'));
  const file = path.join(dir, 'locked.conll');
  try {
    fs.writeFileSync(file, 'a O\n');
    fs.chmodSync(file, 0o000);
    assertDataError(() => readConllFile(file), file, undefined, /^cannot read file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid UTF-8 is reported with its line', () => {
  const file = fixture('bad_utf8.conll');
  assertDataError(() => readConllFile(file), file, 3, 'not valid UTF-8 text (if the file is Latin-1, give --encoding latin1)');
});

test('requireTags: false accepts a 1-column file with empty tags', () => {
  const opts: ConllOptions = { requireTags: false };
  const corpus = readConllFile(fixture('tokens_only.conll'), opts);
  assert.deepEqual(tokensAndTags(corpus), EXPECTED_TWO.map((s) => ({ tokens: s.tokens, tags: [] })));
  assert.deepEqual(corpus.sentences[1].lines, [7, 8]);
  // Tags that are present are still read.
  assert.deepEqual(tokensAndTags(readConllFile(fixture('space.conll'), opts)), EXPECTED_TWO);
  // Column counts still have to agree.
  assertDataError(() => parseConll('a\nb O\n', 'p.conll', opts), 'p.conll', 2, 'expected 1 column like line 1, found 2');
});

test('formatConll writes token TAG lines and round-trips through parseConll', () => {
  const text = formatConll(EXPECTED_TWO);
  assert.equal(text, 'EU B-ORG\nrejects O\nGerman B-MISC\ncall O\n. O\n\nPeter B-PER\nBlackburn I-PER\n');
  assert.deepEqual(tokensAndTags(parseConll(text, 'round.conll')), EXPECTED_TWO);
  assert.equal(text, fs.readFileSync(fixture('space.conll'), 'utf8'));
  // A corpus read from a messy file formats to the canonical layout.
  assert.equal(formatConll(readConllFile(fixture('mixed.conll')).sentences), text);
  assert.equal(formatConll([]), '');
  assert.throws(() => formatConll([{ tokens: ['a', 'b'], tags: ['O'] }]), /2 tokens but 1 tags/);
});

test('formatConllColumns writes conlleval-style token gold pred lines', () => {
  const text = formatConllColumns([
    [
      ['EU', 'B-ORG', 'B-ORG'],
      ['rejects', 'O', 'B-PER'],
    ],
    [],
    [['Peter', 'B-PER', 'O']],
  ]);
  assert.equal(text, 'EU B-ORG B-ORG\nrejects O B-PER\n\nPeter B-PER O\n');
  const pred = parseConll(text, 'eval.conll');
  assert.deepEqual(pred.sentences[0].tags, ['B-ORG', 'B-PER']);
  assert.deepEqual(parseConll(text, 'eval.conll', { tagColumn: 1 }).sentences[0].tags, ['B-ORG', 'O']);
});

/** The bytes of `text` cut into chunks at every given position, as a stream would deliver them. */
async function* chunked(bytes: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(from, cut);
    from = cut;
  }
}

test('readLines: the same lines as splitting the whole text, wherever the chunks are cut', async () => {
  const text = '\uFEFFZürich B-LOC\r\nis O\r\rthe O\nend\n\nlast line without break';
  const bytes = Buffer.from(text, 'utf8');
  const expected = ['Zürich B-LOC', 'is O', '', 'the O', 'end', '', 'last line without break'];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const lines = await collect(readLines(chunked(bytes, [cut]), 'f'));
    assert.deepEqual(lines.map((l) => l.text), expected, `cut at byte ${cut}`);
    assert.deepEqual(lines.map((l) => l.number), [1, 2, 3, 4, 5, 6, 7]);
  }
});

test('readLines: invalid UTF-8 names the line', async () => {
  const bytes = Buffer.concat([Buffer.from('a O\nb O\n'), Buffer.from([0x63, 0xff, 0x20, 0x4f, 0x0a])]);
  await assert.rejects(collect(readLines(chunked(bytes, [5]), 'bad.conll')), (e: unknown) => e instanceof DataError && e.message === 'bad.conll:3: not valid UTF-8 text (if the file is Latin-1, give --encoding latin1)');
});

test('readConllStream: the sentences parseConll finds, and the same errors', async () => {
  const text = '-DOCSTART- O\n\nEU B-ORG\nrejects O\n\n\nPeter B-PER\nBlackburn I-PER';
  const stream = (t: string) => readConllStream(readLines(chunked(Buffer.from(t), [7, 20]), 'f'), 'f');
  assert.deepEqual(await collect(stream(text)), parseConll(text, 'f').sentences);
  await assert.rejects(collect(stream('a O\nb\n')), /^DataError: f:2: expected at least 2 columns/);
  await assert.rejects(collect(stream('\n\n-DOCSTART- O\n')), /f: no sentences found/);
});

test('a line of only invisible characters (stray BOM, zero-width space) is a blank line', () => {
  const corpus = parseConll('a O\nb B-X\n\uFEFF\nc O\n\u200B \t\n', 'f');
  assert.deepEqual(corpus.sentences.map((s) => s.tokens), [['a', 'b'], ['c']]);
});
