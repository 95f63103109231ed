/**
 * CoNLL files as users have them (issue 19): comment lines (`--comment-prefix`)
 * and Latin-1 text (`--encoding latin1`), in the library and through the CLI.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConll, readConllFile, readConllStream } from '../src/io/conll';
import { readLines } from '../src/io/lines';
import { DataError, UsageError } from '../src/errors';
import { changedOptions, runConfigFromArgs, runConfigProblem } from '../src/cli/runConfig';
import { collect } from './helpers/streams';
import { assertUserError, ner } from './helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-conll-formats-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
}

/** A corpus laid out as some annotation tools export it: a `#` line before each sentence; index, token, outer tag, inner tag. */
const SENTENCES: Array<Array<[string, string, string]>> = [
  [['Angela', 'B-PER', 'O'], ['Merkel', 'I-PER', 'O'], ['visited', 'O', 'O'], ['Paris', 'B-LOC', 'O'], ['.', 'O', 'O']],
  [['Bank', 'B-ORG', 'O'], ['of', 'I-ORG', 'O'], ['England', 'I-ORG', 'B-LOC'], ['raised', 'O', 'O'], ['rates', 'O', 'O']],
  [['John', 'B-PER', 'O'], ['Smith', 'I-PER', 'O'], ['joined', 'O', 'O'], ['Google', 'B-ORG', 'O'], ['.', 'O', 'O']],
  [['Siemens', 'B-ORG', 'O'], ['opened', 'O', 'O'], ['an', 'O', 'O'], ['office', 'O', 'O'], ['in', 'O', 'O'], ['Berlin', 'B-LOC', 'O']],
];

function commented(sentences = SENTENCES, eol = '\n'): string {
  return sentences
    .map((s, i) => [`#\thttp://example.org/doc/${i}\t[2024-01-0${i + 1}]`, ...s.map(([token, outer, inner], j) => `${j + 1}\t${token}\t${outer}\t${inner}`)].join(eol))
    .join(eol + eol) + eol;
}

const COLUMNS = { tokenColumn: 1, tagColumn: 2 };
const HINT = "(line 1 starts with '#': if such lines are comments, give --comment-prefix '#')";
const LATIN1_HINT = '(if the file is Latin-1, give --encoding latin1)';

function assertDataError(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => err instanceof DataError && err.exitCode === 2 && err.message === message);
}

describe('--comment-prefix', () => {
  test('comment lines are skipped: neither tokens nor sentence ends, but counted in line numbers', () => {
    const corpus = parseConll(commented(), 'c.tsv', { ...COLUMNS, commentPrefix: '#' });
    assert.deepEqual(
      corpus.sentences.map((s) => s.tokens),
      SENTENCES.map((s) => s.map(([t]) => t)),
    );
    assert.deepEqual(
      corpus.sentences.map((s) => s.tags),
      SENTENCES.map((s) => s.map(([, outer]) => outer)),
    );
    assert.deepEqual(corpus.sentences[0].lines, [2, 3, 4, 5, 6]);
    assert.deepEqual(corpus.sentences[1].lines, [9, 10, 11, 12, 13]);
    // The inner tags, by the same rules.
    assert.deepEqual(parseConll(commented(), 'c.tsv', { tokenColumn: 1, tagColumn: 3, commentPrefix: '#' }).sentences[1].tags, ['O', 'O', 'B-LOC', 'O', 'O']);
    // A comment inside a sentence does not split it; one of another column count is no error.
    const inside = parseConll('a O\n# a remark\nb O\n', 'f', { commentPrefix: '#' });
    assert.deepEqual(inside.sentences.map((s) => s.tokens), [['a', 'b']]);
    assert.deepEqual(parseConll('a O\n%% x y z\nb O\n', 'f', { commentPrefix: '%%' }).sentences[0].lines, [1, 3]);
  });

  test('only lines starting with the prefix are comments', () => {
    // '#' as a token (a hashtag) in a line that starts with something else stays a token.
    const corpus = parseConll('1 # O\n2 #tag O\n', 'f', { tokenColumn: 1, commentPrefix: '#' });
    assert.deepEqual(corpus.sentences[0].tokens, ['#', '#tag']);
  });

  test('a file of nothing but comments has no sentences', () => {
    assertDataError(() => parseConll('# one\n# two\n', 'f', { commentPrefix: '#' }), 'f: no sentences found');
  });

  test('an empty prefix is refused', () => {
    assert.throws(() => parseConll('a O\n', 'f', { commentPrefix: '' }), (err: unknown) => err instanceof UsageError && /--comment-prefix must not be empty/.test(err.message));
  });

  test("without it, '#' lines that break the column count say to give --comment-prefix '#', naming file:line", () => {
    const file = write('hint.tsv', commented());
    assertDataError(() => readConllFile(file, COLUMNS), `${file}:2: expected 3 columns like line 1, found 4 ${HINT}`);
    // A '#' line after the layout is set.
    assertDataError(
      () => parseConll('a O\nb O\n# source: x y\n', 'f', {}),
      "f:3: expected 2 columns like line 1, found 4 (this line starts with '#': if such lines are comments, give --comment-prefix '#')",
    );
    assertDataError(
      () => parseConll('#\nb O\n', 'f', {}),
      "f:1: expected at least 2 columns (token and tag), found 1 (this line starts with '#': if such lines are comments, give --comment-prefix '#')",
    );
    // No '#' in sight: the message is as before.
    assertDataError(() => parseConll('a O\nb O x\n', 'f', {}), 'f:2: expected 2 columns like line 1, found 3');
  });

  test('CRLF line ends and a byte-order mark still work with a comment prefix', () => {
    const expected = SENTENCES.map((s) => s.map(([t]) => t));
    const file = write('crlf.tsv', '\uFEFF' + commented(SENTENCES, '\r\n'));
    const corpus = readConllFile(file, { ...COLUMNS, commentPrefix: '#' });
    assert.deepEqual(corpus.sentences.map((s) => s.tokens), expected);
    assert.deepEqual(corpus.sentences[0].tags, ['B-PER', 'I-PER', 'O', 'B-LOC', 'O']);
  });

  test('streamed reading (ner predict) skips comments the same way', async () => {
    const bytes = Buffer.from('\uFEFF' + commented(SENTENCES, '\r\n'));
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    }
    const streamed = await collect(readConllStream(readLines(chunks(), 'f'), 'f', { tokenColumn: 1, requireTags: false, commentPrefix: '#' }));
    assert.deepEqual(streamed.map((s) => s.tokens), SENTENCES.map((s) => s.map(([t]) => t)));
  });
});

describe('--encoding latin1', () => {
  const text = 'Zürich B-LOC\nliegt O\nam O\nSee O\n\nFrançois B-PER\nà O\nMünchen B-LOC\n';

  test('a Latin-1 file read with encoding latin1 gives the right tokens', () => {
    const file = write('latin1.conll', Buffer.from(text, 'latin1'));
    const corpus = readConllFile(file, { encoding: 'latin1' });
    assert.deepEqual(corpus.sentences.map((s) => s.tokens), [['Zürich', 'liegt', 'am', 'See'], ['François', 'à', 'München']]);
    // The same text in UTF-8 reads the same by default.
    assert.deepEqual(readConllFile(write('utf8.conll', text)).sentences, corpus.sentences);
  });

  test('without it, the invalid UTF-8 error suggests --encoding latin1', () => {
    const file = write('latin1-bad.conll', Buffer.from(text, 'latin1'));
    assertDataError(() => readConllFile(file), `${file}:1: not valid UTF-8 text ${LATIN1_HINT}`);
  });

  test('latin1 is ISO-8859-1 (bytes 0x80-0x9F are U+0080-U+009F), not windows-1252', () => {
    const file = write('c1.conll', Buffer.from([0x61, 0x93, 0x62, 0x20, 0x4f, 0x0a]));
    assert.deepEqual(readConllFile(file, { encoding: 'latin1' }).sentences[0].tokens, ['a\u0093b']);
  });

  test('streamed reading decodes Latin-1 too, and suggests it on invalid UTF-8', async () => {
    const bytes = Buffer.from(text, 'latin1');
    async function* once() {
      yield bytes;
    }
    const lines = await collect(readLines(once(), 'f', undefined, 'latin1'));
    assert.equal(lines[0].text, 'Zürich B-LOC');
    await assert.rejects(collect(readLines(once(), 'f')), (e: unknown) => e instanceof DataError && e.message === `f:1: not valid UTF-8 text ${LATIN1_HINT}`);
  });
});

describe('the run records how it reads its data (--resume)', () => {
  const config = runConfigFromArgs({ out: 'm', data: 'd', 'comment-prefix': '#', encoding: 'latin1' });

  test('recorded, and changes are refused', () => {
    assert.equal(config.commentPrefix, '#');
    assert.equal(config.encoding, 'latin1');
    assert.equal(runConfigProblem(JSON.parse(JSON.stringify(config))), undefined);
    assert.deepEqual(changedOptions({ 'comment-prefix': '%' }, ['comment-prefix'], config), ['--comment-prefix (%, the run has #)']);
    assert.deepEqual(changedOptions({ encoding: 'utf8' }, ['encoding'], config), ['--encoding (utf8, the run has latin1)']);
    assert.deepEqual(changedOptions({ 'comment-prefix': '#', encoding: 'latin1' }, ['comment-prefix', 'encoding'], config), []);
  });

  test('a checkpoint from before they were recorded reads as no prefix, UTF-8', () => {
    const old: Record<string, unknown> = JSON.parse(JSON.stringify(runConfigFromArgs({ out: 'm', data: 'd' })));
    delete old.commentPrefix;
    delete old.encoding;
    assert.equal(runConfigProblem(old), undefined);
    assert.deepEqual(changedOptions({ encoding: 'utf8' }, ['encoding'], old as never), []);
    assert.deepEqual(changedOptions({ 'comment-prefix': '#' }, ['comment-prefix'], old as never), ['--comment-prefix (#, the run has none)']);
    assert.match(String(runConfigProblem({ ...old, encoding: 'cp1252' })), /config\.encoding must be one of utf8, latin1/);
  });
});

describe('through the CLI', () => {
  const corpus = write('corpus.tsv', commented());
  const dev = write('dev.tsv', Buffer.from(commented(SENTENCES.slice(0, 2)).replace('Merkel', 'Mérkel'), 'latin1'));
  const data = ['--data', corpus, '--token-column', '1', '--tag-column', '2', '--comment-prefix', '#'];

  test('ner check reads the commented four-column layout', () => {
    const r = ner(['check', ...data, '--dev', dev, '--encoding', 'utf8', '--json']);
    // dev is Latin-1 and the encoding UTF-8: refused, naming the file and line.
    assertUserError(r, 2, new RegExp(`${dev.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: not valid UTF-8 text \\(if the file is Latin-1, give --encoding latin1\\)`));
    const ok = ner(['check', ...data, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const report = JSON.parse(ok.stdout);
    assert.equal(report.train.sentences, 4);
    assert.equal(report.train.tokens, 21);
  });

  test("ner check without --comment-prefix names file:line and suggests --comment-prefix '#'", () => {
    const r = ner(['check', '--data', corpus, '--token-column', '1', '--tag-column', '2']);
    assertUserError(r, 2, new RegExp(`corpus\\.tsv:2: expected 3 columns like line 1, found 4 \\(line 1 starts with '#': if such lines are comments, give --comment-prefix '#'\\)$`));
  });

  test('ner check --encoding latin1 reads a Latin-1 file', () => {
    const r = ner(['check', '--data', dev, '--token-column', '1', '--tag-column', '2', '--comment-prefix', '#', '--encoding', 'latin1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).train.tokens, 10);
    const wrong = ner(['check', '--data', dev, '--encoding', 'cp1252']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /Argument: encoding, Given: "cp1252", Choices: "utf8", "latin1"/);
  });

  test('ner train --epochs 1, then eval and predict, with comments and Latin-1', () => {
    const model = path.join(tmp, 'model');
    const tiny = ['--epochs', '1', '--hidden-size', '8', '--embedding-dim', '8', '--char-encoder', 'none', '--casing-dim', '0', '--threads', '1', '-q'];
    const train = ner(['train', ...data, '--dev', dev, '--encoding', 'latin1', '--out', model, ...tiny]);
    assert.equal(train.code, 0, train.stderr);
    assert.ok(fs.existsSync(path.join(model, 'model.json')));

    const evaluated = ner(['eval', '--model', model, '--data', dev, '--token-column', '1', '--tag-column', '2', '--comment-prefix', '#', '--encoding', 'latin1', '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.match(evaluated.stdout, /"f1"/);

    const predicted = ner(['predict', '--model', model, '--input', dev, '--input-format', 'conll', '--token-column', '1', '--comment-prefix', '#', '--encoding', 'latin1']);
    assert.equal(predicted.code, 0, predicted.stderr);
    const blocks = predicted.stdout.trim().split(/\n\n/);
    assert.equal(blocks.length, 2);
    assert.deepEqual(blocks[0].split('\n').map((l) => l.split(' ')[0]), ['Angela', 'Mérkel', 'visited', 'Paris', '.']);
    assertUserError(ner(['predict', '--model', model, '--input', dev, '--comment-prefix', '#']), 2, /--comment-prefix applies to --input-format conll/);
  });
});
