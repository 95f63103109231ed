import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCsvCorpus, readCsvCorpus, type CsvCorpusOptions } from '../src/io/csvCorpus';
import { parseConll } from '../src/io/conll';
import { OptionError } from '../src/errors';
import { assertDataError } from './helpers/errors';
import type { Corpus } from '../src/types';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-csv-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes `content` (a string as UTF-8, or bytes) to a fresh file in the temp dir; returns its path. */
function fixture(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

function tokensAndTags(corpus: Corpus): Array<{ tokens: string[]; tags: string[] }> {
  return corpus.sentences.map((s) => ({ tokens: s.tokens, tags: s.tags }));
}


const GMB: CsvCorpusOptions = { tokenColumn: 'Word', tagColumn: 'Tag', sentenceColumn: 'Sentence #' };

const GMB_TEXT = [
  'Sentence #,Word,POS,Tag',
  'Sentence: 1,Thousands,NNS,O',
  ',of,IN,O',
  ',demonstrators,NNS,O',
  ',marched,VBD,O',
  ',in,IN,O',
  ',Bogotá,NNP,B-geo',
  ',.,.,O',
  'Sentence: 2,Montréal,NNP,B-geo',
  ',agreed,VBD,O',
  '',
].join('\n');

test('GMB layout in Latin-1: the sentence column starts sentences; lines are the records\' lines', () => {
  const file = fixture('gmb.csv', Buffer.from(GMB_TEXT, 'latin1'));
  const corpus = readCsvCorpus(file, { ...GMB, encoding: 'latin1' });
  assert.equal(corpus.file, file);
  assert.deepEqual(tokensAndTags(corpus), [
    { tokens: ['Thousands', 'of', 'demonstrators', 'marched', 'in', 'Bogotá', '.'], tags: ['O', 'O', 'O', 'O', 'O', 'B-geo', 'O'] },
    { tokens: ['Montréal', 'agreed'], tags: ['B-geo', 'O'] },
  ]);
  assert.deepEqual(corpus.sentences.map((s) => s.lines), [[2, 3, 4, 5, 6, 7, 8], [9, 10]]);
});

test('Latin-1 bytes read as UTF-8 fail at their line, suggesting --encoding latin1', () => {
  const file = fixture('gmb-latin1.csv', Buffer.from(GMB_TEXT, 'latin1'));
  assertDataError(() => readCsvCorpus(file, GMB), file, 7, /not valid UTF-8 text.*--encoding latin1/);
});

test('the same file in UTF-8 reads the same by default', () => {
  const file = fixture('gmb-utf8.csv', GMB_TEXT);
  assert.deepEqual(readCsvCorpus(file, GMB).sentences, readCsvCorpus(fixture('gmb-l1.csv', Buffer.from(GMB_TEXT, 'latin1')), { ...GMB, encoding: 'latin1' }).sentences);
});

test('a sentence id repeated on every row continues its sentence', () => {
  const text = 'sid,tok,tag\n1,A,B-PER\n1,b,O\n2,C,B-LOC\n2,d,O\n';
  assert.deepEqual(tokensAndTags(parseCsvCorpus(text, 'x.csv', { tokenColumn: 'tok', tagColumn: 'tag', sentenceColumn: 'sid' })), [
    { tokens: ['A', 'b'], tags: ['B-PER', 'O'] },
    { tokens: ['C', 'd'], tags: ['B-LOC', 'O'] },
  ]);
});

test('quoted fields hold commas, quotes and line breaks; later records keep their true lines', () => {
  const text = [
    'Word,Note,Tag',
    '"1,000",plain,O',
    'said,"two',
    'lines",O',
    '"""Hi""",x,O',
    '',
    'next,"a,b",B-MISC',
    '',
  ].join('\r\n');
  const corpus = parseCsvCorpus(text, 'q.csv', { tokenColumn: 'Word', tagColumn: 'Tag' });
  assert.deepEqual(tokensAndTags(corpus), [
    { tokens: ['1,000', 'said', '"Hi"'], tags: ['O', 'O', 'O'] },
    { tokens: ['next'], tags: ['B-MISC'] },
  ]);
  assert.deepEqual(corpus.sentences.map((s) => s.lines), [[2, 3, 5], [7]]);
});

test('quoted line breaks with LF endings count the same as with CRLF', () => {
  const text = 'Word,Note,Tag\nsaid,"two\nmore\nlines",O\nthen,x,O\n';
  assert.deepEqual(parseCsvCorpus(text, 'q.csv', { tokenColumn: 0, tagColumn: 2 }).sentences[0].lines, [2, 5]);
});

test('a byte-order mark and CRLF line endings are read through', () => {
  const file = fixture('bom.csv', '\uFEFFWord,Tag\r\nEU,B-ORG\r\nrejects,O\r\n\r\nPeter,B-PER\r\n');
  const corpus = readCsvCorpus(file, { tokenColumn: 'Word', tagColumn: 'Tag' });
  assert.deepEqual(tokensAndTags(corpus), [
    { tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'] },
    { tokens: ['Peter'], tags: ['B-PER'] },
  ]);
  assert.deepEqual(corpus.sentences.map((s) => s.lines), [[2, 3], [5]]);
});

test('tab delimiter with a header; columns by index, negative from the end', () => {
  const text = 'id\ttoken\tpos\tner\n1\tEU\tNNP\tB-ORG\n2\trejects\tVBZ\tO\n\t\t\t\n1\tPeter\tNNP\tB-PER\n';
  const corpus = parseCsvCorpus(text, 't.tsv', { tokenColumn: 1, tagColumn: -1, delimiter: '\t' });
  assert.deepEqual(tokensAndTags(corpus), [
    { tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'] },
    { tokens: ['Peter'], tags: ['B-PER'] },
  ]);
  assert.deepEqual(corpus.sentences.map((s) => s.lines), [[2, 3], [5]]);
});

test('blank rows (an empty line or all cells empty) separate sentences without a sentence column', () => {
  const text = 'Word,Tag\na,O\n\nb,O\n,\nc,O\n\n\n';
  assert.deepEqual(tokensAndTags(parseCsvCorpus(text, 'b.csv', { tokenColumn: 'Word', tagColumn: 'Tag' })).map((s) => s.tokens), [['a'], ['b'], ['c']]);
});

test('old Mac line endings (a lone CR) and mixed endings count lines as CoNLL does', () => {
  const text = 'W,T\ra,O\r\rb,O\n\r\nc,O\r\n';
  const corpus = parseCsvCorpus(text, 'cr.csv', { tokenColumn: 'W', tagColumn: 'T' });
  assert.deepEqual(corpus.sentences.map((s) => [s.tokens, s.lines]), [[['a'], [2]], [['b'], [4]], [['c'], [6]]]);
  assert.deepEqual(tokensAndTags(corpus), tokensAndTags(parseConll('a O\r\rb O\n\r\nc O\r\n', 'cr.conll')));
});

test('an empty sentence cell on the first row starts the first sentence (nothing above to continue)', () => {
  const text = 'Sentence #,Word,POS,Tag\n,a,X,O\n,b,X,O\nSentence: 2,c,X,O\n';
  assert.deepEqual(tokensAndTags(parseCsvCorpus(text, 'g.csv', GMB)).map((s) => s.tokens), [['a', 'b'], ['c']]);
});

test('a blank row ends a sentence in the sentence-column layout too', () => {
  const text = 'Sentence #,Word,POS,Tag\nSentence: 1,a,X,O\n,b,X,O\n,,,\n,c,X,O\n';
  assert.deepEqual(tokensAndTags(parseCsvCorpus(text, 'g.csv', GMB)).map((s) => s.tokens), [['a', 'b'], ['c']]);
});

test('without a tag column every sentence has tags: [] (prediction input)', () => {
  const corpus = parseCsvCorpus('Word\nEU\nrejects\n\nPeter\n', 'p.csv', { tokenColumn: 'Word' });
  assert.deepEqual(corpus.sentences.map((s) => [s.tokens, s.tags]), [[['EU', 'rejects'], []], [['Peter'], []]]);
});

test('a token outside the BMP (emoji) is kept whole', () => {
  const file = fixture('emoji.csv', 'Word,Tag\nI,O\n❤️,O\n😀,O\n𝔘,B-MISC\n');
  assert.deepEqual(readCsvCorpus(file, { tokenColumn: 'Word', tagColumn: 'Tag' }).sentences[0].tokens, ['I', '❤️', '😀', '𝔘']);
});

test('a CSV corpus equals the same corpus read from CoNLL (tokens and tags)', () => {
  const conll = '-DOCSTART- O\n\nEU B-ORG\nrejects O\nGerman B-MISC\n\nPeter B-PER\nBlackburn I-PER\n\n1,000 O\n';
  const csv = 'Sentence #,Word,POS,Tag\nSentence: 1,EU,NNP,B-ORG\n,rejects,VBZ,O\n,German,JJ,B-MISC\nSentence: 2,Peter,NNP,B-PER\n,Blackburn,NNP,I-PER\nSentence: 3,"1,000",CD,O\n';
  const fromConll = parseConll(conll, 'c.conll');
  const fromCsv = parseCsvCorpus(csv, 'c.csv', GMB);
  assert.deepEqual(tokensAndTags(fromCsv), tokensAndTags(fromConll));
  assert.equal(fromCsv.sentences.length, 3);
});

test('column errors name the header line', () => {
  const text = 'Sentence #,Word,POS,Tag\nSentence: 1,EU,NNP,B-ORG\n';
  assertDataError(() => parseCsvCorpus(text, 'h.csv', { ...GMB, tagColumn: 'Tagg' }), 'h.csv', 1, "no column 'Tagg' in the header: Sentence #, Word, POS, Tag");
  assertDataError(() => parseCsvCorpus(text, 'h.csv', { tokenColumn: 4, tagColumn: 3 }), 'h.csv', 1, 'tokenColumn 4 is out of range: the header has 4 columns (Sentence #, Word, POS, Tag)');
  assertDataError(() => parseCsvCorpus(text, 'h.csv', { tokenColumn: 1, tagColumn: -5 }), 'h.csv', 1, /^tagColumn -5 is out of range/);
  assertDataError(() => parseCsvCorpus(text, 'h.csv', { tokenColumn: 'Word', tagColumn: 1 }), 'h.csv', 1, 'the tag and token columns (--tag-column, --token-column) are both column 1 (Word)');
  assertDataError(() => parseCsvCorpus(text, 'h.csv', { ...GMB, sentenceColumn: 'Tag' }), 'h.csv', 1, 'the sentence column (--sentence-column) is column 3 (Tag), already the tag column');
  assertDataError(() => parseCsvCorpus('a,a,t\nx,y,O\n', 'd.csv', { tokenColumn: 'a', tagColumn: 't' }), 'd.csv', 1, "column 'a' appears more than once in the header; give tokenColumn as an index");
  // The header is the first record, even after a BOM and a quoted multi-line header cell.
  assertDataError(() => parseCsvCorpus('\uFEFF"Wo\nrd",Tag\nx,O\n', 'm.csv', { tokenColumn: 'Word' }), 'm.csv', 1, `no column 'Word' in the header: "Wo\\nrd", Tag`);
});

test('csv-parse errors become file:line errors at the record they stop in', () => {
  const notClosed = 'Word,Tag\na,O\n"b,O\nc,O\n';
  assertDataError(() => parseCsvCorpus(notClosed, 'n.csv', { tokenColumn: 0, tagColumn: 1 }), 'n.csv', 3, /^a quoted field in this record is never closed/);
  const badQuote = 'Word,Tag\na,O\n\n"b"x,O\n';
  assertDataError(() => parseCsvCorpus(badQuote, 'b.csv', { tokenColumn: 0, tagColumn: 1 }), 'b.csv', 4, /^a closing quote is followed by text/);
  const afterMultiline = 'Word,Note,Tag\r\na,"x\r\ny",O\r\nb,O\r\n';
  assertDataError(() => parseCsvCorpus(afterMultiline, 'f.csv', { tokenColumn: 0, tagColumn: 2 }), 'f.csv', 4, 'expected 3 fields like the header (line 1), found 2');
  // Mixed line endings: every line break ends a record, as in CoNLL.
  const mixed = 'Word,Note,Tag\na,"x\r\ny",O\r\nb,O\r\n';
  assertDataError(() => parseCsvCorpus(mixed, 'f.csv', { tokenColumn: 0, tagColumn: 2 }), 'f.csv', 4, 'expected 3 fields like the header (line 1), found 2');
  assertDataError(() => parseCsvCorpus('Word,Tag\na,O,extra\n', 'f.csv', { tokenColumn: 0, tagColumn: 1 }), 'f.csv', 2, 'expected 2 fields like the header (line 1), found 3');
});

test('empty cells, empty files and header-only files are errors', () => {
  const opts = { tokenColumn: 'Word', tagColumn: 'Tag' };
  assertDataError(() => parseCsvCorpus('Word,Tag\na,O\n,O\n', 'e.csv', opts), 'e.csv', 3, 'empty token (column Word)');
  assertDataError(() => parseCsvCorpus('Word,Tag\na,O\nb,\n', 'e.csv', opts), 'e.csv', 3, 'empty tag (column Tag)');
  assertDataError(() => parseCsvCorpus('', 'e.csv', opts), 'e.csv', undefined, 'empty file, expected a header row and token rows');
  assertDataError(() => parseCsvCorpus('\uFEFF', 'e.csv', opts), 'e.csv', undefined, 'empty file, expected a header row and token rows');
  assertDataError(() => parseCsvCorpus('\n,\r\n', 'e.csv', opts), 'e.csv', undefined, 'empty file, expected a header row and token rows');
  // Blank lines before the header are passed over; lines still count them.
  assert.deepEqual(parseCsvCorpus('\n\nWord,Tag\na,O\n', 'e.csv', opts).sentences[0].lines, [4]);
  assertDataError(() => parseCsvCorpus('\nWord,Tag\n', 'e.csv', { tokenColumn: 'Wort' }), 'e.csv', 2, "no column 'Wort' in the header: Word, Tag");
  assertDataError(() => parseCsvCorpus('Word,Tag\r\n', 'e.csv', opts), 'e.csv', undefined, 'no sentences found: no token rows after the header');
  assertDataError(() => parseCsvCorpus('Word,Tag\n\n,\n', 'e.csv', opts), 'e.csv', undefined, 'no sentences found: no token rows after the header');
});

test('tokens and tags a CoNLL file could not hold are refused at their line', () => {
  const opts = { tokenColumn: 'Word', tagColumn: 'Tag' };
  assertDataError(() => parseCsvCorpus('Word,Tag\na,O\n"new\nline",O\n', 'c.csv', opts), 'c.csv', 3, /^the token holds control character U\+000A/);
  assertDataError(() => parseCsvCorpus('Word,Tag\nNew York,B-LOC\n', 'c.csv', opts), 'c.csv', 2, 'the token "New York" holds a space; a token must be one word, as in a CoNLL file');
  assertDataError(() => parseCsvCorpus('Word,Tag\na,B-LOC \n', 'c.csv', opts), 'c.csv', 2, /^the tag "B-LOC " holds a space/);
  // A no-break space is text, as in CoNLL.
  assert.deepEqual(parseCsvCorpus('Word,Tag\n10\u00A0000,O\n', 'c.csv', opts).sentences[0].tokens, ['10\u00A0000']);
  // Windows-1252 quotes read as Latin-1 are C1 controls.
  const cp1252 = fixture('cp1252.csv', Buffer.from([...Buffer.from('Word,Tag\nok,O\n'), 0x93, 0x68, 0x69, 0x94, ...Buffer.from(',O\n')]));
  assertDataError(() => readCsvCorpus(cp1252, { ...opts, encoding: 'latin1' }), cp1252, 3, /^the token holds control character U\+0093 \(the file may be Windows-1252 rather than Latin-1\)/);
});

test('maxSentenceTokens stops at the row past it', () => {
  assertDataError(
    () => parseCsvCorpus('Word,Tag\na,O\nb,O\nc,O\n', 's.csv', { tokenColumn: 0, tagColumn: 1, maxSentenceTokens: 2 }),
    's.csv',
    4,
    'the sentence from line 2 has more than 2 tokens, the most ner tags as one sentence (docs/formats.md, Limits)',
  );
});

test('file errors and bad options', () => {
  const missing = path.join(dir, 'missing.csv');
  assertDataError(() => readCsvCorpus(missing, { tokenColumn: 0 }), missing, undefined, 'no such file');
  assertDataError(() => readCsvCorpus(dir, { tokenColumn: 0 }), dir, undefined, 'is a directory, expected a CSV file');
  assert.throws(() => parseCsvCorpus('a\nb\n', 'o.csv', { tokenColumn: 0, delimiter: '"' }), OptionError);
  assert.throws(() => parseCsvCorpus('a\nb\n', 'o.csv', { tokenColumn: 0, delimiter: ';;' }), OptionError);
  assert.throws(() => parseCsvCorpus('a\nb\n', 'o.csv', { tokenColumn: 1.5 }), OptionError);
  assert.throws(() => parseCsvCorpus('a\nb\n', 'o.csv', {} as CsvCorpusOptions), OptionError);
  assert.throws(() => parseCsvCorpus('a\nb\n', 'o.csv', { tokenColumn: 0, encoding: 'utf16' as 'utf8' }), OptionError);
});
