import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSentences, makeBatches, paddingRatio, type Batch, type EncodedSentence, type BatchOptions } from '../src/data/batch';
import { TagVocabulary, Vocabulary } from '../src/data/vocab';
import { DataError } from '../src/errors';
import { makeRng } from '../src/util/random';
import type { Corpus, Sentence } from '../src/types';

/** Synthetic corpus: n sentences of random lengths 1..maxLen, words w0..w19, tags O/B-X/I-X. */
function synthetic(n: number, maxLen: number, seed = 1): Sentence[] {
  const rng = makeRng(seed);
  const out: Sentence[] = [];
  let line = 1;
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(rng() * maxLen);
    const s: Sentence = { tokens: [], tags: [], lines: [] };
    for (let j = 0; j < len; j++) {
      s.tokens.push(`w${Math.floor(rng() * 20)}`);
      s.tags.push(['O', 'B-X', 'I-X'][Math.floor(rng() * 3)]);
      s.lines.push(line++);
    }
    line++;
    out.push(s);
  }
  return out;
}

function encodedSynthetic(n: number, maxLen: number, seed = 1): EncodedSentence[] {
  const sentences = synthetic(n, maxLen, seed);
  const words = Vocabulary.build(sentences.map((s) => s.tokens));
  const tags = TagVocabulary.build(sentences.map((s) => s.tags));
  return encodeSentences(sentences, words, tags);
}

/** Check layout invariants of every batch and that each sentence appears exactly once with its data. */
function checkBatches(batches: Batch[], encoded: EncodedSentence[], batchSize: number): void {
  const seen = new Array<number>(encoded.length).fill(0);
  for (const b of batches) {
    assert.ok(b.size >= 1 && b.size <= batchSize, `batch size ${b.size}`);
    const cells = b.size * b.maxLength;
    assert.equal(b.ids.length, cells);
    assert.equal(b.tags.length, cells);
    assert.equal(b.mask.length, cells);
    assert.equal(b.lengths.length, b.size);
    assert.equal(b.indices.length, b.size);
    assert.equal(b.maxLength, Math.max(...b.lengths));
    for (let r = 0; r < b.size; r++) {
      const s = encoded[b.indices[r]];
      seen[s.index]++;
      assert.equal(b.lengths[r], s.length);
      for (let t = 0; t < b.maxLength; t++) {
        const k = r * b.maxLength + t;
        if (t < s.length) {
          assert.equal(b.ids[k], s.ids[t]);
          assert.equal(b.tags[k], s.tags.length ? s.tags[t] : 0);
          assert.equal(b.mask[k], 1);
        } else {
          assert.equal(b.ids[k], 0);
          assert.equal(b.tags[k], 0);
          assert.equal(b.mask[k], 0);
        }
      }
    }
  }
  assert.deepEqual(seen, new Array<number>(encoded.length).fill(1), 'every sentence exactly once');
}

function order(batches: Batch[]): number[] {
  return batches.flatMap((b) => [...b.indices]);
}

test('encodeSentences maps words and tags and records the input position', () => {
  const sentences = [
    { tokens: ['the', 'cat'], tags: ['O', 'B-PER'] },
    { tokens: ['a', 'dog', 'the'], tags: ['O', 'O', 'I-PER'] },
  ];
  const words = Vocabulary.build([['the', 'the', 'cat', 'dog']]); // the=2, cat=3, dog=4
  const tags = TagVocabulary.fromTags(['O', 'B-PER', 'I-PER']); // O=0, B-PER=1, I-PER=2
  const enc = encodeSentences(sentences, words, tags);
  assert.equal(enc.length, 2);
  assert.deepEqual([...enc[0].ids], [2, 3]);
  assert.deepEqual([...enc[0].tags], [0, 1]);
  assert.deepEqual([...enc[1].ids], [1, 4, 2]);
  assert.deepEqual([...enc[1].tags], [0, 0, 2]);
  assert.deepEqual(enc.map((e) => [e.length, e.index]), [[2, 0], [3, 1]]);
  // Without a tag vocabulary (prediction) the tags are empty, even if the input has some.
  const untagged = encodeSentences([{ tokens: ['cat'], tags: [] }, sentences[0]], words);
  assert.equal(untagged[0].tags.length, 0);
  assert.equal(untagged[1].tags.length, 0);
  assert.deepEqual([...untagged[1].ids], [2, 3]);
});

test('encodeSentences reports unknown or missing tags with file:line for a Corpus', () => {
  const words = Vocabulary.build([['a']]);
  const tags = TagVocabulary.fromTags(['O', 'B-PER']);
  const corpus: Corpus = {
    file: 'dev.conll',
    sentences: [
      { tokens: ['a'], tags: ['O'], lines: [1] },
      { tokens: ['a', 'b'], tags: ['O', 'B-LOC'], lines: [3, 4] },
    ],
  };
  assert.throws(() => encodeSentences(corpus, words, tags), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.equal(err.message, 'dev.conll:4: tag "B-LOC" is not in the tag set (O, B-PER)');
    return true;
  });
  assert.throws(() => encodeSentences(corpus.sentences, words, tags), /^Error: sentence 1 \(line 4\): tag "B-LOC"/);
  assert.throws(
    () => encodeSentences({ file: 'p.conll', sentences: [{ tokens: ['a'], tags: [], lines: [7] }] }, words, tags),
    (err: unknown) => err instanceof DataError && err.message === 'p.conll:7: sentence has no tags, but tags are needed here',
  );
  assert.throws(() => encodeSentences([{ tokens: [], tags: [] }], words), /sentence 0 has no tokens/);
  assert.throws(() => encodeSentences([{ tokens: ['a', 'a'], tags: ['O'] }], words, tags), /2 tokens but 1 tags/);
});

test('batch shapes, padding zeros, mask and lengths', () => {
  const words = Vocabulary.build([['a', 'b', 'c']]);
  const tags = TagVocabulary.fromTags(['O', 'B-X']);
  const enc = encodeSentences(
    [
      { tokens: ['a', 'b', 'c'], tags: ['B-X', 'O', 'B-X'] },
      { tokens: ['b'], tags: ['B-X'] },
      { tokens: ['c', 'a'], tags: ['O', 'B-X'] },
    ],
    words,
    tags,
  );
  const batches = makeBatches(enc, 2);
  assert.equal(batches.length, 2);
  const [b0, b1] = batches;
  assert.equal(b0.size, 2);
  assert.equal(b0.maxLength, 3);
  assert.deepEqual([...b0.ids], [2, 3, 4, 3, 0, 0]);
  assert.deepEqual([...b0.tags], [1, 0, 1, 1, 0, 0]);
  assert.deepEqual([...b0.mask], [1, 1, 1, 1, 0, 0]);
  assert.deepEqual([...b0.lengths], [3, 1]);
  assert.deepEqual([...b0.indices], [0, 1]);
  assert.ok(b0.ids instanceof Int32Array && b0.tags instanceof Int32Array && b0.mask instanceof Float32Array);
  assert.equal(b1.size, 1);
  assert.equal(b1.maxLength, 2);
  assert.deepEqual([...b1.ids], [4, 2]);
  assert.deepEqual([...b1.indices], [2]);
  assert.equal(paddingRatio(batches), 2 / 8);
  assert.equal(paddingRatio([]), 0);

  // Untagged sentences: tags all zero, mask still marks the tokens.
  const untagged = makeBatches(encodeSentences([{ tokens: ['a', 'b'], tags: [] }, { tokens: ['c'], tags: [] }], words), 8);
  assert.deepEqual([...untagged[0].tags], [0, 0, 0, 0]);
  assert.deepEqual([...untagged[0].mask], [1, 1, 1, 0]);
  assert.deepEqual([...untagged[0].ids], [2, 3, 4, 0]);
});

test('without shuffle: input order, or longest first with sortByLength (ties in input order)', () => {
  const enc = encodedSynthetic(23, 9);
  const plain = makeBatches(enc, 5);
  checkBatches(plain, enc, 5);
  assert.deepEqual(order(plain), enc.map((e) => e.index));
  assert.deepEqual(plain.map((b) => b.size), [5, 5, 5, 5, 3]);

  const sorted = makeBatches(enc, 5, { sortByLength: true });
  checkBatches(sorted, enc, 5);
  const expected = [...enc].sort((a, b) => b.length - a.length || a.index - b.index).map((e) => e.index);
  assert.deepEqual(order(sorted), expected);
});

test('every sentence appears exactly once for all option combinations', () => {
  const enc = encodedSynthetic(257, 30);
  for (const shuffle of [false, true]) {
    for (const sortByLength of [false, true]) {
      for (const maxTokens of [undefined, 60]) {
        for (const batchSize of [1, 7, 32, 1000]) {
          const opts: BatchOptions = { shuffle, sortByLength, maxTokens, rng: makeRng(batchSize) };
          checkBatches(makeBatches(enc, batchSize, opts), enc, batchSize);
        }
      }
    }
  }
  assert.deepEqual(makeBatches([], 4, { shuffle: true, sortByLength: true, rng: makeRng(1) }), []);
});

test('same seed gives the same batches; a different seed a different order', () => {
  const enc = encodedSynthetic(300, 25);
  for (const sortByLength of [false, true]) {
    const a = makeBatches(enc, 16, { shuffle: true, sortByLength, rng: makeRng(42) });
    const b = makeBatches(enc, 16, { shuffle: true, sortByLength, rng: makeRng(42) });
    const c = makeBatches(enc, 16, { shuffle: true, sortByLength, rng: makeRng(43) });
    assert.deepEqual(a, b);
    assert.notDeepEqual(order(a), order(c));
    // Shuffling really shuffles.
    assert.notDeepEqual(order(a), enc.map((e) => e.index));
  }
  // Successive epochs from one generator differ.
  const rng = makeRng(5);
  const epoch1 = makeBatches(enc, 16, { shuffle: true, sortByLength: true, rng });
  const epoch2 = makeBatches(enc, 16, { shuffle: true, sortByLength: true, rng });
  assert.notDeepEqual(order(epoch1), order(epoch2));
});

test('sortByLength reduces padding', () => {
  const enc = encodedSynthetic(2000, 60);
  const shuffled = paddingRatio(makeBatches(enc, 32, { shuffle: true, rng: makeRng(1) }));
  const pooled = paddingRatio(makeBatches(enc, 32, { shuffle: true, sortByLength: true, rng: makeRng(1) }));
  const inOrder = paddingRatio(makeBatches(enc, 32));
  const fullySorted = paddingRatio(makeBatches(enc, 32, { sortByLength: true }));
  assert.ok(shuffled > 0.3, `random lengths 1..60 pad a lot: ${shuffled}`);
  assert.ok(pooled < shuffled / 4, `pooled ${pooled} vs shuffled ${shuffled}`);
  assert.ok(fullySorted < inOrder / 4, `sorted ${fullySorted} vs input order ${inOrder}`);
  assert.ok(fullySorted <= pooled);
});

test('sortByLength with shuffle mixes lengths across the batch order', () => {
  // 1000 sentences = 32 batches = one pool: unshuffled, batches would come longest first.
  const enc = encodedSynthetic(1000, 60);
  const batches = makeBatches(enc, 32, { shuffle: true, sortByLength: true, rng: makeRng(9) });
  assert.equal(batches.length, 32);
  const maxLengths = batches.map((b) => b.maxLength);
  const descending = [...maxLengths].sort((a, b) => b - a);
  assert.notDeepEqual(maxLengths, descending, 'batch order is shuffled, not longest first');
});

test('maxTokens caps B*T; an over-long sentence gets a batch of its own', () => {
  const enc = encodedSynthetic(400, 40);
  for (const opts of [{}, { sortByLength: true }, { shuffle: true, sortByLength: true, rng: makeRng(2) }]) {
    const batches = makeBatches(enc, 32, { ...opts, maxTokens: 100 });
    checkBatches(batches, enc, 32);
    for (const b of batches) assert.ok(b.size * b.maxLength <= 100, `${b.size}x${b.maxLength}`);
    // Without the cap batches are bigger.
    assert.ok(makeBatches(enc, 32, opts).some((b) => b.size * b.maxLength > 100));
  }
  const words = Vocabulary.build([['a']]);
  const long = encodeSentences(
    [{ tokens: ['a'], tags: [] }, { tokens: new Array<string>(12).fill('a'), tags: [] }, { tokens: ['a'], tags: [] }],
    words,
  );
  const batches = makeBatches(long, 8, { maxTokens: 10 });
  assert.deepEqual(batches.map((b) => [...b.indices]), [[0], [1], [2]]);
  assert.deepEqual(batches.map((b) => b.maxLength), [1, 12, 1]);
});

test('indices restore input order', () => {
  const sentences = synthetic(101, 15, 3);
  const words = Vocabulary.build(sentences.map((s) => s.tokens));
  const enc = encodeSentences(sentences, words);
  const batches = makeBatches(enc, 8, { shuffle: true, sortByLength: true, rng: makeRng(11) });
  const restored = new Array<string[]>(sentences.length);
  for (const b of batches) {
    for (let r = 0; r < b.size; r++) {
      const row = b.ids.subarray(r * b.maxLength, r * b.maxLength + b.lengths[r]);
      restored[b.indices[r]] = [...row].map((id) => words.tokenAt(id));
    }
  }
  assert.deepEqual(restored, sentences.map((s) => s.tokens));
});

test('argument validation', () => {
  const enc = encodedSynthetic(5, 3);
  assert.throws(() => makeBatches(enc, 0), /batchSize must be a positive integer/);
  assert.throws(() => makeBatches(enc, 2.5), /batchSize/);
  assert.throws(() => makeBatches(enc, 2, { maxTokens: 0 }), /maxTokens must be a positive integer/);
  assert.throws(() => makeBatches(enc, 2, { shuffle: true }), /shuffle needs a seeded rng/);
});
