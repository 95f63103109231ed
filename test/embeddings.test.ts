import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { parseDecimal, readEmbeddings, type EmbeddingTable } from '../src/io/embeddings';
import { alignEmbeddings, extendWithPretrained, keepForVocabulary } from '../src/data/pretrained';
import { Vocabulary } from '../src/data/vocab';
import { DataError } from '../src/errors';
import { makeRng } from '../src/util/random';

// Compiled to dist/test/, fixtures stay in test/fixtures/.
const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'embeddings');
const fixture = (name: string): string => path.join(FIXTURES, name);

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-embeddings-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeTemp(name: string, content: string | Buffer): string {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, content);
  return file;
}

/** The vectors every fixture of the sample file holds, as float32. */
const EXPECTED_WORDS = ['the', ',', 'Paris', 'paris', 'at name@domain.com'];
const EXPECTED_VECTORS = Float32Array.from([
  0.418, 0.24968, -0.41242,
  0.013441, 0.23682, -0.16899,
  1, 0.25, -300,
  4, 5, 6,
  0.5, -0.5, 0.25,
]);

function assertSampleTable(table: EmbeddingTable, file: string): void {
  assert.equal(table.file, file);
  assert.equal(table.dim, 3);
  assert.deepEqual(table.words, EXPECTED_WORDS);
  assert.deepEqual(table.vectors, EXPECTED_VECTORS);
  assert.equal(table.duplicates, 1, 'the second "the" is a duplicate');
  assert.equal(table.vectorsInFile, 6);
}

/** Asserts that `promise` rejects with a DataError whose message is exactly `file:line: ` + a reason matching `reason`. */
async function assertDataError(promise: Promise<unknown>, file: string, line: number | undefined, reason: string | RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.equal(err.file, file);
    assert.equal(err.line, line);
    const prefix = line === undefined ? `${file}: ` : `${file}:${line}: `;
    assert.ok(err.message.startsWith(prefix), `message ${JSON.stringify(err.message)} should start with ${JSON.stringify(prefix)}`);
    const rest = err.message.slice(prefix.length);
    if (typeof reason === 'string') assert.equal(rest, reason);
    else assert.match(rest, reason);
    return true;
  });
}

// ---------------------------------------------------------------- formats

test('GloVe file (no header): words, vectors, first duplicate wins', async () => {
  const file = fixture('glove.txt');
  const table = await readEmbeddings(file);
  assertSampleTable(table, file);
  assert.equal(table.header, undefined);
  assert.equal(table.linesRead, 6);
  assert.equal(table.gzipped, false);
  // The duplicate "the 9 9 9" was ignored: row 0 keeps the first vector.
  assert.deepEqual(table.vectors.subarray(0, 3), Float32Array.from([0.418, 0.24968, -0.41242]));
});

test('word2vec text file: the "count dim" header is detected and skipped', async () => {
  const file = fixture('word2vec.txt');
  const table = await readEmbeddings(file);
  assertSampleTable(table, file);
  assert.deepEqual(table.header, { count: 6, dim: 3 });
  assert.equal(table.linesRead, 7);
});

test('fastText .vec (header, trailing space on every line) gives the same table', async () => {
  const file = fixture('fasttext.vec');
  const table = await readEmbeddings(file);
  assertSampleTable(table, file);
  assert.deepEqual(table.header, { count: 6, dim: 3 });
});

test('CRLF line ends, a UTF-8 BOM, tabs, runs of spaces and blank lines are tolerated', async () => {
  const file = fixture('crlf_bom.txt');
  const table = await readEmbeddings(file);
  assertSampleTable(table, file);
  assert.equal(table.linesRead, 7);
});

test('gzipped files are detected by their magic bytes, not their name', async () => {
  for (const name of ['glove.txt', 'word2vec.txt', 'fasttext.vec']) {
    const gz = zlib.gzipSync(fs.readFileSync(fixture(name)));
    for (const target of [`${name}.gz`, name]) {
      const file = writeTemp(target, gz);
      const table = await readEmbeddings(file);
      assertSampleTable(table, file);
      assert.equal(table.gzipped, true);
    }
  }
});

test('a plain file named .gz is read as plain text', async () => {
  const file = writeTemp('plain.txt.gz', fs.readFileSync(fixture('glove.txt')));
  const table = await readEmbeddings(file);
  assertSampleTable(table, file);
  assert.equal(table.gzipped, false);
});

test('words containing spaces (GloVe 840B) are one word, joined by single spaces', async () => {
  const file = writeTemp('spaces.txt', 'a 1 2\n. . . 3 4\nat\t name@domain.com  5 6\nWindows 7 7 8\n');
  const table = await readEmbeddings(file);
  assert.equal(table.dim, 2);
  assert.deepEqual(table.words, ['a', '. . .', 'at name@domain.com', 'Windows 7']);
  assert.deepEqual([...table.vectors], [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('numeric words and unusual number spellings parse', async () => {
  const file = writeTemp('numbers.txt', '1999 .5 -0.\n-0.0 +1e+2 1E-2\n0.1 -1.5e-45 3.4e38\n');
  const table = await readEmbeddings(file);
  assert.deepEqual(table.words, ['1999', '-0.0', '0.1']);
  assert.deepEqual([...table.vectors], [0.5, -0, 100, Math.fround(0.01), Math.fround(-1.5e-45), Math.fround(3.4e38)]);
});

test('lines spanning read chunks (plain and gzipped, multi-byte words, CRLF) parse exactly', async () => {
  const rng = makeRng(11);
  const dim = 50;
  const words: string[] = [];
  const values: number[] = [];
  const lines: string[] = [];
  const spell = (): string => {
    const r = rng();
    const x = (rng() - 0.5) * 4;
    if (r < 0.6) return x.toFixed(6);
    if (r < 0.8) return x.toExponential(5);
    if (r < 0.9) return String(x); // up to 17 significant digits: the slow path
    return String(Math.round(x * 100));
  };
  for (let i = 0; i < 6000; i++) {
    const word = `${['wörd', '字', '𝔘', 'w'][i % 4]}${i}`;
    const fields = Array.from({ length: dim }, spell);
    words.push(word);
    for (const f of fields) values.push(Number(f));
    lines.push(`${word} ${fields.join(' ')}`);
  }
  const text = lines.map((l, i) => (i % 7 === 0 ? `${l}\r\n` : `${l}\n`)).join('');
  assert.ok(text.length > 2 * 1024 * 1024, 'more than one 1 MiB read chunk');
  for (const content of [Buffer.from(text), zlib.gzipSync(text)]) {
    const file = writeTemp('big.txt', content);
    const table = await readEmbeddings(file);
    assert.equal(table.dim, dim);
    assert.deepEqual(table.words, words);
    assert.deepEqual(table.vectors, Float32Array.from(values));
    assert.equal(table.linesRead, 6000);
  }
  // A single line longer than a read chunk, last line without a line break.
  const long = Array.from({ length: 150000 }, (_, k) => String(k % 97));
  const file = writeTemp('long.txt', `a ${long.join(' ')}\nb ${long.join(' ')}`);
  const table = await readEmbeddings(file);
  assert.equal(table.dim, 150000);
  assert.deepEqual(table.words, ['a', 'b']);
  assert.deepEqual(table.vectors.subarray(150000), Float32Array.from(long.map(Number)));
});

test('keep filters what is stored, not what is validated', async () => {
  const file = fixture('glove.txt');
  const table = await readEmbeddings(file, { keep: (w) => w === 'paris' || w === 'the' });
  assert.deepEqual(table.words, ['the', 'paris']);
  assert.deepEqual(table.vectors, Float32Array.from([0.418, 0.24968, -0.41242, 4, 5, 6]));
  assert.equal(table.vectorsInFile, 6);
  assert.equal(table.duplicates, 1);

  const bad = fixture('bad_value.txt');
  await assertDataError(readEmbeddings(bad, { keep: () => false }), bad, 2, "expected a number, found 'abc' (value 2 of 3)");
  const none = await readEmbeddings(file, { keep: () => false });
  assert.deepEqual(none.words, []);
  assert.equal(none.vectors.length, 0);
  assert.equal(none.duplicates, 0, 'duplicates are only tracked among kept words');
});

test('expectedDim equal to the file dimension is accepted', async () => {
  const table = await readEmbeddings(fixture('word2vec.txt'), { expectedDim: 3 });
  assert.equal(table.dim, 3);
});

test('parseDecimal agrees exactly with Number on decimal spellings', () => {
  const rng = makeRng(7);
  const samples = ['0', '-0', '1', '-1.5', '0.418', '.5', '5.', '1e5', '1E-5', '+2.5e+3', '123456789012345678',
    '0.1234567890123456789', '1e-30', '4.9e-324', '1.7976931348623157e308', '0.000001', '-0.038194', '100000000000000000000000'];
  for (let i = 0; i < 2000; i++) {
    const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(rng() * 10)).join('');
    const sign = rng() < 0.5 ? '-' : '';
    const exp = rng() < 0.3 ? `e${Math.floor(rng() * 60) - 30}` : '';
    samples.push(`${sign}${digits(1 + Math.floor(rng() * 3))}.${digits(1 + Math.floor(rng() * 18))}${exp}`);
  }
  const parse = (s: string): number => parseDecimal(Buffer.from(s), 0, Buffer.byteLength(s));
  for (const s of samples) assert.ok(Object.is(parse(s), Number(s)), s);
  for (const s of ['', '-', '.', 'e5', '1e', '1e+', 'abc', '0x10', 'Infinity', 'NaN', '1,5', '1.2.3', '--1', '1e5.5', '١']) {
    assert.ok(Number.isNaN(parse(s)), `${s} should be rejected`);
  }
  // A field in the middle of a line, and in a view into a larger buffer.
  assert.equal(parseDecimal(Buffer.from('w 0.25 x'), 2, 6), 0.25);
  assert.equal(parseDecimal(Buffer.from('xx 1234567890.1234567890 y').subarray(3), 0, 21), 1234567890.123456789);
});

// ---------------------------------------------------------------- errors

test('a value that is not a number: file:line: and which value', async () => {
  const file = fixture('bad_value.txt');
  await assertDataError(readEmbeddings(file), file, 2, "expected a number, found 'abc' (value 2 of 3)");
});

test('non-finite values are rejected', async () => {
  for (const [value, reason] of [
    ['nan', "expected a number, found 'nan' (value 2 of 2)"],
    ['inf', "expected a number, found 'inf' (value 2 of 2)"],
    ['1e39', 'value 1e39 (value 2 of 2) is out of the range of 32-bit floats'],
    ['1e400', 'value 1e400 (value 2 of 2) is out of the range of 32-bit floats'],
  ]) {
    const file = writeTemp('nonfinite.txt', `a 1 2\nb 1 ${value}\n`);
    await assertDataError(readEmbeddings(file), file, 2, reason);
  }
});

test('a line with the wrong number of values (line 3)', async () => {
  const file = fixture('wrong_dim.txt');
  await assertDataError(readEmbeddings(file), file, 3, 'expected 3 values like line 1, found 2');
});

test('a line with one value too many is not taken for a word with a space', async () => {
  const file = fixture('extra_value.txt');
  await assertDataError(readEmbeddings(file), file, 2, 'expected 3 values like line 1, found 4');
});

test('the dimension is fixed by the first vector line, even after blank lines', async () => {
  const file = writeTemp('late.txt', '\n\nthe 1 2\ncat 1\n');
  await assertDataError(readEmbeddings(file), file, 4, 'expected 2 values like line 3, found 1');
});

test('a vector line that disagrees with the header', async () => {
  const file = fixture('header_mismatch.vec');
  await assertDataError(readEmbeddings(file), file, 2, 'expected 4 values as the header says, found 3');
});

test('a line with no word', async () => {
  const file = fixture('no_word.txt');
  await assertDataError(readEmbeddings(file), file, 2, 'no word before the 3 values');
});

test('expectedDim different from the file: header line or first line', async () => {
  const w2v = fixture('word2vec.txt');
  await assertDataError(readEmbeddings(w2v, { expectedDim: 100 }), w2v, 1, 'vectors have 3 dimensions but --embedding-dim is 100');
  const glove = fixture('glove.txt');
  await assertDataError(readEmbeddings(glove, { expectedDim: 2 }), glove, 1, 'vectors have 3 dimensions but --embedding-dim is 2');
});

test('file-level problems: missing, directory, empty, blank, header only', async () => {
  const missing = path.join(FIXTURES, 'no-such-file.txt');
  await assertDataError(readEmbeddings(missing), missing, undefined, 'no such file');
  await assertDataError(readEmbeddings(FIXTURES), FIXTURES, undefined, 'is a directory, expected a file');
  const empty = fixture('empty.txt');
  await assertDataError(readEmbeddings(empty), empty, undefined, 'file is empty: no vectors found');
  const blank = fixture('blank.txt');
  await assertDataError(readEmbeddings(blank), blank, undefined, 'no vectors found');
  const headerOnly = fixture('header_only.vec');
  await assertDataError(readEmbeddings(headerOnly), headerOnly, undefined, 'no vectors found (after the header "5 3")');
  const oneField = writeTemp('one.txt', 'word\n');
  await assertDataError(readEmbeddings(oneField), oneField, 1, 'expected a word followed by its vector, found 1 field');
  const gzEmpty = writeTemp('empty.txt.gz', zlib.gzipSync(Buffer.alloc(0)));
  await assertDataError(readEmbeddings(gzEmpty), gzEmpty, undefined, 'no vectors found');
});

test('truncated gzip data: a clear DataError, not a zlib stack', async () => {
  const lines: string[] = [];
  const rng = makeRng(3);
  for (let i = 0; i < 3000; i++) lines.push(`w${i} ${Array.from({ length: 20 }, () => (rng() - 0.5).toFixed(6)).join(' ')}`);
  const gz = zlib.gzipSync(lines.join('\n') + '\n');
  const file = writeTemp('cut.txt.gz', gz.subarray(0, Math.floor(gz.length / 2)));
  await assertDataError(readEmbeddings(file), file, undefined, /^the gzip data ends early after line \d+ \(truncated file\?\)$/);
  const tiny = writeTemp('tiny.gz', gz.subarray(0, 5));
  await assertDataError(readEmbeddings(tiny), tiny, undefined, /^the gzip data ends early/);
  const corrupt = Buffer.from(gz);
  corrupt[gz.length - 6] ^= 0xff; // damage the CRC / size trailer
  const bad = writeTemp('corrupt.txt.gz', corrupt);
  await assertDataError(readEmbeddings(bad), bad, undefined, /^corrupt gzip data after line \d+: /);
});

test('binary word2vec data is recognised in the message', async () => {
  const file = writeTemp('vectors.bin', Buffer.concat([Buffer.from('2 3\nthe '), Buffer.from([0, 0, 0x80, 0x3f, 1, 2, 3, 4, 5, 6, 7, 8]), Buffer.from(' \n')]));
  await assertDataError(readEmbeddings(file), file, 2, /binary word2vec files \(\.bin\) are not supported/);
});

// ---------------------------------------------------------------- alignment

/** A small table built in memory. */
function makeTable(entries: Array<[string, number[]]>): EmbeddingTable {
  const dim = entries[0][1].length;
  return {
    file: 'mem.txt',
    dim,
    words: entries.map(([w]) => w),
    vectors: Float32Array.from(entries.flatMap(([, v]) => v)),
    duplicates: 0,
    linesRead: entries.length,
    vectorsInFile: entries.length,
    gzipped: false,
  };
}

const TABLE = makeTable([
  ['the', [1, 1]],
  ['paris', [2, 2]],
  ['Berlin', [3, 3]],
  ['berlin', [4, 4]],
  ['rome', [5, 5]],
  ['Oslo', [6, 6]],
]);

function row(matrix: Float32Array, dim: number, i: number): number[] {
  return [...matrix.subarray(i * dim, (i + 1) * dim)];
}

test('alignment of a cased vocabulary: exact, lowercased, missing, coverage, pad zero', () => {
  // Counts: the:3, Paris:2, Berlin:1, cat:1, oslo:1 -> ids 2.. the, Paris, Berlin, cat, oslo.
  const vocab = Vocabulary.build([['the', 'Paris', 'the', 'Berlin'], ['the', 'Paris', 'cat', 'oslo']]);
  assert.deepEqual(vocab.tokens(), ['<pad>', '<unk>', 'the', 'Paris', 'Berlin', 'cat', 'oslo']);
  const a = alignEmbeddings(vocab, TABLE, makeRng(1));
  assert.equal(a.dim, 2);
  assert.equal(a.matrix.length, vocab.size * 2);
  assert.equal(a.exact, 2, 'the, Berlin');
  assert.equal(a.lowercased, 1, 'Paris via paris');
  assert.equal(a.missing, 2, 'cat; oslo (only "Oslo" exists, and the rule lowercases the vocabulary word, not the file word)');
  assert.equal(a.coverage, 3 / 5);
  assert.deepEqual(row(a.matrix, 2, 0), [0, 0]);
  assert.deepEqual(row(a.matrix, 2, 2), [1, 1]);
  assert.deepEqual(row(a.matrix, 2, 3), [2, 2]);
  assert.deepEqual(row(a.matrix, 2, 4), [3, 3], 'exact "Berlin", not "berlin"');
  assert.deepEqual([...a.pretrained], [0, 0, 1, 1, 1, 0, 0]);
  const scale = Math.sqrt(3 / 2);
  for (const i of [1, 5, 6]) {
    for (const v of row(a.matrix, 2, i)) assert.ok(v !== 0 && Math.abs(v) <= scale, `row ${i} value ${v}`);
  }
  assert.equal(a.tokenCoverage, undefined);
});

test('alignment of a lowercasing vocabulary compares lowercased forms', () => {
  const vocab = Vocabulary.build([['The', 'PARIS', 'berlin', 'Oslo', 'cat']], { lowercase: true });
  // All singletons except none: order by code point.
  assert.deepEqual(vocab.tokens(), ['<pad>', '<unk>', 'berlin', 'cat', 'oslo', 'paris', 'the']);
  const a = alignEmbeddings(vocab, TABLE, makeRng(1));
  assert.equal(a.exact, 3, 'berlin, paris, the');
  assert.equal(a.lowercased, 1, 'oslo via Oslo');
  assert.equal(a.missing, 1, 'cat');
  assert.deepEqual(row(a.matrix, 2, 2), [4, 4], 'exact "berlin" wins over "Berlin"');
  assert.deepEqual(row(a.matrix, 2, 4), [6, 6]);
});

test('alignment is deterministic for a seed; initScale is honoured', () => {
  const vocab = Vocabulary.build([['the', 'cat', 'dog', 'paris']]);
  const a = alignEmbeddings(vocab, TABLE, makeRng(42));
  const b = alignEmbeddings(vocab, TABLE, makeRng(42));
  const c = alignEmbeddings(vocab, TABLE, makeRng(43));
  assert.deepEqual(a.matrix, b.matrix);
  assert.notDeepEqual(a.matrix, c.matrix);
  const small = alignEmbeddings(vocab, TABLE, makeRng(42), { initScale: 0.01 });
  for (let i = 2; i < small.matrix.length; i++) {
    const id = Math.floor(i / 2);
    if (small.pretrained[id] === 0) assert.ok(Math.abs(small.matrix[i]) <= 0.01);
  }
  const zero = alignEmbeddings(vocab, TABLE, makeRng(42), { initScale: 0 });
  assert.deepEqual(row(zero.matrix, 2, 1), [0, 0]);
  // A random row does not depend on the file's coverage.
  const other = alignEmbeddings(vocab, makeTable([['zzz', [9, 9]]]), makeRng(42));
  assert.deepEqual(row(other.matrix, 2, vocab.indexOf('cat')), row(a.matrix, 2, vocab.indexOf('cat')));
});

test('rows of found words equal the vectors read from the file', async () => {
  const table = await readEmbeddings(fixture('glove.txt'));
  const vocab = Vocabulary.build([['Paris', 'the', ',', 'zebra', 'PARIS']]);
  const a = alignEmbeddings(vocab, table, makeRng(0));
  assert.deepEqual(row(a.matrix, 3, vocab.indexOf('Paris')), [...EXPECTED_VECTORS.subarray(6, 9)]);
  assert.deepEqual(row(a.matrix, 3, vocab.indexOf('PARIS')), [...EXPECTED_VECTORS.subarray(9, 12)], 'PARIS via paris');
  assert.deepEqual(row(a.matrix, 3, vocab.indexOf('the')), [...EXPECTED_VECTORS.subarray(0, 3)]);
  assert.equal(a.exact, 3);
  assert.equal(a.lowercased, 1);
  assert.equal(a.missing, 1);
});

test('tokenCoverage counts training tokens, <unk> tokens uncovered', () => {
  const vocab = Vocabulary.build([['the', 'the', 'cat', 'paris', 'paris', 'rare']], { minCount: 1, maxSize: 5 });
  assert.deepEqual(vocab.tokens(), ['<pad>', '<unk>', 'paris', 'the', 'cat']);
  const counts = new Map([['the', 5], ['paris', 3], ['cat', 1], ['rome', 1]]); // rome -> <unk>
  const a = alignEmbeddings(vocab, TABLE, makeRng(0), { tokenCounts: counts });
  assert.equal(a.tokenCoverage, 8 / 10);
  assert.equal(alignEmbeddings(vocab, TABLE, makeRng(0), { tokenCounts: new Map() }).tokenCoverage, 0);
});

test('a vocabulary of only <pad> and <unk> has coverage 0', () => {
  const vocab = Vocabulary.build([]);
  const a = alignEmbeddings(vocab, TABLE, makeRng(0));
  assert.equal(a.coverage, 0);
  assert.equal(a.missing, 0);
  assert.deepEqual(row(a.matrix, 2, 0), [0, 0]);
});

// ---------------------------------------------------------------- keep and extend

test('keepForVocabulary keeps vocabulary and extra words, as written or lowercased', () => {
  const cased = Vocabulary.build([['Paris', 'the']]);
  const keep = keepForVocabulary(cased, ['Rome']);
  for (const w of ['Paris', 'paris', 'the', 'Rome', 'rome']) assert.ok(keep(w), w);
  for (const w of ['PARIS', 'The', 'berlin', '<pad>', '<unk>']) assert.ok(!keep(w), w);

  const lower = Vocabulary.build([['Paris', 'the']], { lowercase: true });
  const keepLower = keepForVocabulary(lower);
  for (const w of ['Paris', 'paris', 'PARIS', 'the', 'The']) assert.ok(keepLower(w), w);
  assert.ok(!keepLower('rome'));
});

test('keepForVocabulary + readEmbeddings store only what alignment can use', async () => {
  const vocab = Vocabulary.build([['Paris', 'zebra']]);
  const table = await readEmbeddings(fixture('glove.txt'), { keep: keepForVocabulary(vocab, ['The']) });
  assert.deepEqual(table.words, ['the', 'Paris', 'paris']);
  const a = alignEmbeddings(vocab, table, makeRng(0));
  assert.equal(a.exact, 1);
});

test('extendWithPretrained appends held-out words with vectors; ids unchanged; JSON round trip', () => {
  const vocab = Vocabulary.build([['the', 'cat', 'the']]);
  const extra = ['Oslo', 'rome', 'dog', 'the', 'Paris', 'rome', 'Berlin', 'OSLO'];
  const extended = extendWithPretrained(vocab, TABLE, extra);
  // Oslo (exact), rome (exact), Paris (via paris), Berlin (exact); not dog (no vector), OSLO (no "oslo"), the (present).
  assert.deepEqual(extended.tokens(), ['<pad>', '<unk>', 'the', 'cat', 'Berlin', 'Oslo', 'Paris', 'rome']);
  for (const t of vocab.tokens().slice(2)) assert.equal(extended.indexOf(t), vocab.indexOf(t));
  assert.deepEqual(vocab.tokens(), ['<pad>', '<unk>', 'the', 'cat'], 'the original is unchanged');
  // Order does not depend on the order of the extra tokens.
  assert.deepEqual(extendWithPretrained(vocab, TABLE, [...extra].reverse()).tokens(), extended.tokens());
  const json = JSON.parse(JSON.stringify(extended));
  assert.deepEqual(Object.keys(json).sort(), ['kind', 'lowercase', 'minCount', 'tokens', 'version']);
  assert.deepEqual(Vocabulary.fromJSON(json).tokens(), extended.tokens());
  const a = alignEmbeddings(extended, TABLE, makeRng(0));
  assert.equal(a.exact, 4);
  assert.equal(a.lowercased, 1);
  assert.equal(a.missing, 1);
  assert.deepEqual(row(a.matrix, 2, extended.indexOf('Paris')), [2, 2]);
});

test('extendWithPretrained with a lowercasing vocabulary adds lowercased forms', () => {
  const vocab = Vocabulary.build([['The']], { lowercase: true });
  const extended = extendWithPretrained(vocab, TABLE, ['OSLO', 'Berlin', 'dog', 'THE']);
  assert.deepEqual(extended.tokens(), ['<pad>', '<unk>', 'the', 'berlin', 'oslo']);
  assert.equal(extended.lowercase, true);
  assert.deepEqual(Vocabulary.fromJSON(JSON.parse(JSON.stringify(extended))).tokens(), extended.tokens());
});

test('Vocabulary.withAddedTokens skips known words and repeats, rejects empty tokens', () => {
  const vocab = Vocabulary.build([['a', 'b']], { minCount: 1 });
  const more = vocab.withAddedTokens(['c', 'a', 'c', 'd']);
  assert.deepEqual(more.tokens(), ['<pad>', '<unk>', 'a', 'b', 'c', 'd']);
  assert.equal(more.minCount, vocab.minCount);
  assert.throws(() => vocab.withAddedTokens(['']), /non-empty/);
  const lower = Vocabulary.build([['a']], { lowercase: true }).withAddedTokens(['B', 'b', 'A']);
  assert.deepEqual(lower.tokens(), ['<pad>', '<unk>', 'a', 'b']);
});
