/**
 * The limits that keep memory bounded on any input (src/limits.ts, docs/formats.md,
 * Limits): each refused with one line naming the file and line, exit 2,
 * before the input costs memory; and long training sentences cut into pieces
 * at O tags.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../src/backend';
import { cutLongSentences, pieceEnds } from '../src/data/longSentences';
import { DataError } from '../src/errors';
import { readConllStream } from '../src/io/conll';
import { readLines } from '../src/io/lines';
import { LimitExceeded, MAX_LINE_BYTES, MAX_NBEST, MAX_TAGGED_TOKENS, MAX_TRAINING_TOKENS } from '../src/limits';
import { roundProbabilities, tagLines, tagTokens } from '../src/predict';
import { trainModel } from '../src/train/trainer';
import type { Corpus } from '../src/types';
import { CliResult, assertUserError, ner } from './helpers/cli';
import { chunks, collect } from './helpers/streams';
import { TINY_OPTIONS, tinyCorpus } from './helpers/tiny';
import { loadModel, saveModel } from '../src/io/modelStore';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-limits-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const model = path.join(tmp, 'model');
const write = (name: string, text: string) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
};

/** A user error (exit 2) that names `where` (file:line) and matches `reason`. */
function assertRefused(r: CliResult, where: string, reason: RegExp): void {
  const escaped = where.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assertUserError(r, 2, new RegExp(`^ner: error: ${escaped}: .*${reason.source}`));
}

describe('reading: the longest line', () => {
  test('a line up to the limit is read; one byte more is refused at its line, wherever the chunks fall', async () => {
    const text = Buffer.from('first\n0123456789\nlast');
    for (const size of [1, 3, 64]) {
      assert.deepEqual((await collect(readLines(chunks(text, size), 'f', 10))).map((l) => l.text), ['first', '0123456789', 'last']);
      await assert.rejects(collect(readLines(chunks(text, size), 'f', 9)), (e: unknown) => e instanceof DataError && e.message === 'f:2: line longer than 9 bytes, the most ner reads as one line (is this a text file with line breaks?)');
    }
  });

  test('the CoNLL reader refuses a line over the limit too', () => {
    const file = path.join(tmp, 'huge-line.conll');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, 'a O\n');
    fs.writeSync(fd, Buffer.alloc(MAX_LINE_BYTES + 1, 0x61));
    fs.closeSync(fd);
    try {
      assertRefused(ner(['check', '--data', file]), `${file}:2`, /line longer than 64 MiB/);
    } finally {
      fs.rmSync(file);
    }
  });
});

describe('tagging: the longest sentence and the longest n-best list', () => {
  before(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
    const trained = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, epochs: 1, charEncoder: 'none' } });
    await saveModel(trained, model);
    trained.dispose();
  });

  test('ner predict on an endless input without line breaks (a character device like /dev/zero) stops at the limit', (t) => {
    // The zero device, made in the test's own folder.
    const zero = path.join(tmp, 'zero');
    if (spawnSync('mknod', [zero, 'c', '1', '5']).status !== 0) {
      t.skip('mknod is not permitted here');
      return;
    }
    assertRefused(ner(['predict', '--model', model, '--input', zero, '-q']), zero + ':1', /line longer than 64 MiB/);
  });

  test('inputs read whole stop at their limit: an endless device as --data, --pred, --embeddings; a device as a model file', (t) => {
    const zero = path.join(tmp, 'zero-whole');
    if (spawnSync('mknod', [zero, 'c', '1', '5']).status !== 0) {
      t.skip('mknod is not permitted here');
      return;
    }
    // A corpus: what the heap can hold of it.
    assertRefused(ner(['check', '--data', zero]), zero, /larger than [\d.]+ MiB, the most a corpus can be in a heap of [\d,.]+ MiB, at about 48 bytes of memory per byte/);
    assertRefused(ner(['eval', '--pred', zero]), zero, /larger than 500 MiB, the most ner reads whole/);
    const train = write('t.conll', 'Paris B-LOC\nis O\n');
    assertRefused(ner(['train', '--data', train, '--out', path.join(tmp, 'never'), '--embeddings', zero]), `${zero}:1`, /line longer than 64 MiB/);
    const broken = path.join(tmp, 'broken-model');
    fs.cpSync(model, broken, { recursive: true });
    fs.rmSync(path.join(broken, 'weights.bin'));
    fs.symlinkSync(zero, path.join(broken, 'weights.bin'));
    assertRefused(ner(['predict', '--model', broken, '--input', write('x.txt', 'x\n')]), broken, /weights\.bin is not a regular file/);
  });

  test(`a line of more than ${MAX_TAGGED_TOKENS} tokens is refused at its line, nothing written`, () => {
    const input = write('long.txt', `Angela Merkel visited Paris .\n${'a '.repeat(MAX_TAGGED_TOKENS + 1)}\n`);
    const output = path.join(tmp, 'long.json');
    assertRefused(ner(['predict', '--model', model, '--input', input, '--output', output, '--output-format', 'json']), `${input}:2`, /more than 1,000,000 tokens/);
    assert.equal(fs.existsSync(output), false);
    // A line of exactly the limit would be tagged (not run here: it takes a minute); the library agrees on the line.
    assert.throws(
      () => tagLines(undefined as never, ['a', `${'b '.repeat(MAX_TAGGED_TOKENS + 1)}`]),
      (e: unknown) => e instanceof LimitExceeded && e.index === 1,
    );
    assert.throws(() => tagTokens(undefined as never, [['a'], Array<string>(MAX_TAGGED_TOKENS + 1).fill('b')]), (e: unknown) => e instanceof LimitExceeded && e.index === 1);
  });

  test('predict cuts a long CoNLL input into groups only where the model starts a new sequence: the tags of one call', async () => {
    // 1,400 sentences in documents of 175: groups of 1,000 sentences would cut one in the middle.
    const sentences = Array.from({ length: 1400 }, (_, i) => tinyCorpus().sentences[i % 6]);
    const text = sentences.map((s, i) => `${i % 175 === 0 ? '-DOCSTART- O\n\n' : ''}${s.tokens.map((t, j) => `${t} ${s.tags[j]}`).join('\n')}\n\n`).join('');
    const input = write('docs.conll', text);
    const r = ner(['predict', '--model', model, '--input', input, '--input-format', 'conll', '--output-format', 'json', '--marginals', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const loaded = await loadModel(model);
    const expected = tagTokens(loaded, sentences.map((s) => s.tokens), { documents: sentences.map((_, i) => Math.floor(i / 175)), confidence: true, marginals: true });
    loaded.dispose();
    // The marginals show any change in what the network read, as the tags of a barely trained model may not.
    const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(got, JSON.parse(JSON.stringify(expected, roundProbabilities)));
  });

  test('a CoNLL sentence over the limit is refused as it is read, at the line past it', async () => {
    const lines = (async function* () {
      for (let i = 1; i <= 12; i++) yield { text: i <= 2 ? `w${i} O` : i === 3 ? '' : `w${i} O`, number: i };
    })();
    await assert.rejects(
      collect(readConllStream(lines, 'f.conll', { maxSentenceTokens: 5 })),
      (e: unknown) => e instanceof DataError && e.message === 'f.conll:9: the sentence from line 4 has more than 5 tokens, the most ner tags as one sentence (docs/formats.md, Limits)',
    );
  });

  test(`--nbest is at most ${MAX_NBEST}, and a list too long for a sentence is refused at its line`, () => {
    const one = write('one.txt', 'Angela Merkel visited Paris .\n');
    const r = ner(['predict', '--model', model, '--input', one, '--nbest', String(MAX_NBEST + 1), '--output-format', 'json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--nbest must be an integer from 1 to 100, got 101/);
    const ok = ner(['predict', '--model', model, '--input', one, '--nbest', String(MAX_NBEST), '--output-format', 'json', '-q']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(JSON.parse(ok.stdout).nbest.length > 1);
    // tokens x tags x 100 over 2^25: a 40,000-token line with the tiny model's tags.
    const long = write('nbest.txt', `Angela Merkel .\n${'Paris '.repeat(40_000)}\n`);
    assertRefused(ner(['predict', '--model', model, '--input', long, '--nbest', '100', '--output-format', 'json']), `${long}:2`, /the 100 best paths of a sentence of 40,000 tokens would keep [\d,]+ partial paths/);
  });
});

describe('training: sentences longer than the limit train in pieces', () => {
  test('pieces end after the last O within the limit; a stretch without O is cut at the limit', () => {
    const tags = ['O', 'B-X', 'I-X', 'O', 'B-Y', 'I-Y', 'I-Y', 'O', 'O'];
    assert.deepEqual(pieceEnds(tags, 9, 9), [9]);
    assert.deepEqual(pieceEnds(tags, 9, 5), [4, 9]);
    assert.deepEqual(pieceEnds(tags, 9, 3), [1, 4, 7, 9]);
    assert.deepEqual(pieceEnds(['B-X', 'I-X', 'I-X', 'I-X', 'I-X'], 5, 2), [2, 4, 5]);
  });

  test('cutLongSentences keeps tokens, tags, lines, document, file and feature values; short sentences stay as they are', () => {
    const values = 'a b c d e f g'.split(' ').map((t) => [`P${t}`]);
    const long = { tokens: 'a b c d e f g'.split(' '), tags: ['B-X', 'O', 'B-Y', 'I-Y', 'O', 'O', 'S-Z'], lines: [3, 4, 5, 6, 7, 8, 9], document: 2, file: 'd/a.txt', featureValues: values };
    const short = { tokens: ['x'], tags: ['O'], lines: [11] };
    const corpus: Corpus = { file: 'f', sentences: [long, short] };
    const { corpus: out, cut } = cutLongSentences(corpus, 4);
    assert.deepEqual(cut, [long]);
    const kept = { document: 2, file: 'd/a.txt' };
    assert.deepEqual(out.sentences, [
      { tokens: ['a', 'b'], tags: ['B-X', 'O'], lines: [3, 4], ...kept, featureValues: values.slice(0, 2) },
      { tokens: ['c', 'd', 'e', 'f'], tags: ['B-Y', 'I-Y', 'O', 'O'], lines: [5, 6, 7, 8], ...kept, featureValues: values.slice(2, 6) },
      { tokens: ['g'], tags: ['S-Z'], lines: [9], ...kept, featureValues: values.slice(6) },
      short,
    ]);
    assert.equal(cutLongSentences(corpus, 7).corpus, corpus);
  });

  test('ner train warns with the count and first line, and trains', () => {
    const words = Array.from({ length: MAX_TRAINING_TOKENS + 100 }, (_, i) => (i % 50 === 0 ? 'Paris B-LOC' : `w${i % 7} O`));
    const data = write('long-train.conll', `Angela B-PER\nMerkel I-PER\n\n${words.join('\n')}\n`);
    const r = ner(['train', '--data', data, '--out', path.join(tmp, 'long-model'), '--epochs', '1', '--char-encoder', 'none', '--hidden-size', '4', '--embedding-dim', '4', '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^ner: warning: ${data}: 1 sentence longer than 4,096 tokens \\(from line 4\\) train in pieces of at most 4,096 tokens, cut after an O tag`, 'm'));
  });
});
