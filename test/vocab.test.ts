import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PAD_ID,
  TagVocabulary,
  UNK_ID,
  Vocabulary,
  compareCodePoints,
  compareTags,
} from '../src/data/vocab';
import { makeRng, shuffleInPlace } from '../src/util/random';

const SENTENCES = [
  ['the', 'cat', 'sat', 'on', 'the', 'mat'],
  ['The', 'dog', 'sat', 'on', 'the', 'Cat'],
];

test('<pad> is 0 and <unk> is 1; words follow by descending count then code point', () => {
  const v = Vocabulary.build(SENTENCES);
  assert.equal(PAD_ID, 0);
  assert.equal(UNK_ID, 1);
  assert.equal(v.tokenAt(0), '<pad>');
  assert.equal(v.tokenAt(1), '<unk>');
  // the:3, on:2, sat:2, then singletons Cat, The, cat, dog, mat (code-point order: upper case first).
  assert.deepEqual(v.tokens(), ['<pad>', '<unk>', 'the', 'on', 'sat', 'Cat', 'The', 'cat', 'dog', 'mat']);
  assert.equal(v.size, 10);
  assert.equal(v.indexOf('the'), 2);
  assert.equal(v.indexOf('zebra'), UNK_ID);
  assert.equal(v.indexOf('<pad>'), UNK_ID, 'the pad symbol is not a word');
  assert.deepEqual([...v.encode(['the', 'zebra', 'mat'])], [2, 1, 9]);
  assert.ok(v.has('mat'));
  assert.ok(!v.has('zebra'));
  assert.throws(() => v.tokenAt(10), RangeError);
  assert.throws(() => v.tokenAt(-1), RangeError);
});

test('a corpus word spelled <unk> or <pad> gets its own id', () => {
  const v = Vocabulary.build([['<unk>', '<pad>', 'x']]);
  assert.equal(v.size, 5);
  assert.ok(v.indexOf('<unk>') >= 2);
  assert.ok(v.indexOf('<pad>') >= 2);
  assert.equal(Vocabulary.fromJSON(JSON.parse(JSON.stringify(v))).indexOf('<pad>'), v.indexOf('<pad>'));
});

test('minCount maps rare words to <unk>', () => {
  const v = Vocabulary.build(SENTENCES, { minCount: 2 });
  assert.deepEqual(v.tokens(), ['<pad>', '<unk>', 'the', 'on', 'sat']);
  assert.equal(v.indexOf('cat'), UNK_ID);
  assert.equal(v.indexOf('on'), 3);
  assert.equal(v.minCount, 2);
  assert.throws(() => Vocabulary.build(SENTENCES, { minCount: 0 }), /minCount/);
});

test('lowercase folds case when counting and when looking up', () => {
  const v = Vocabulary.build(SENTENCES, { lowercase: true });
  // the:4, cat:2, on:2, sat:2, dog:1, mat:1
  assert.deepEqual(v.tokens(), ['<pad>', '<unk>', 'the', 'cat', 'on', 'sat', 'dog', 'mat']);
  assert.equal(v.indexOf('THE'), 2);
  assert.equal(v.indexOf('Cat'), v.indexOf('cat'));
  assert.ok(v.lowercase);
  const cased = Vocabulary.build(SENTENCES);
  assert.equal(cased.indexOf('CAT'), UNK_ID);
});

test('maxSize caps the size including <pad> and <unk>', () => {
  const v = Vocabulary.build(SENTENCES, { maxSize: 4 });
  assert.deepEqual(v.tokens(), ['<pad>', '<unk>', 'the', 'on']);
  assert.equal(Vocabulary.build(SENTENCES, { maxSize: 2 }).size, 2);
  assert.throws(() => Vocabulary.build(SENTENCES, { maxSize: 1 }), /maxSize/);
});

test('ids do not depend on the input order of words with equal counts', () => {
  const words = ['b', 'a', 'ä', 'Z', '😀', '\uffff', 'aa', 'a', 'b', 'c'];
  const reference = Vocabulary.build([words]).tokens();
  // Astral characters sort after U+FFFF in code-point order (UTF-16 order would put them before).
  assert.deepEqual(reference, ['<pad>', '<unk>', 'a', 'b', 'Z', 'aa', 'c', 'ä', '\uffff', '😀']);
  const rng = makeRng(7);
  for (let k = 0; k < 20; k++) {
    const shuffled = shuffleInPlace([...words], rng);
    // Split differently into sentences too.
    const cut = k % shuffled.length;
    assert.deepEqual(Vocabulary.build([shuffled.slice(0, cut), shuffled.slice(cut)]).tokens(), reference);
  }
});

test('compareCodePoints', () => {
  assert.ok(compareCodePoints('a', 'b') < 0);
  assert.ok(compareCodePoints('b', 'a') > 0);
  assert.ok(compareCodePoints('a', 'ab') < 0);
  assert.ok(compareCodePoints('ab', 'a') > 0);
  assert.equal(compareCodePoints('', ''), 0);
  assert.ok(compareCodePoints('\uffff', '😀') < 0);
});

test('word vocabulary JSON round-trip', () => {
  const v = Vocabulary.build(SENTENCES, { lowercase: true, minCount: 1 });
  const json = JSON.parse(JSON.stringify(v.toJSON()));
  const back = Vocabulary.fromJSON(json);
  assert.deepEqual(back.tokens(), v.tokens());
  assert.equal(back.lowercase, true);
  assert.equal(back.minCount, 1);
  for (const w of ['the', 'CAT', 'unseen', '<unk>']) assert.equal(back.indexOf(w), v.indexOf(w));
  assert.deepEqual(back.toJSON(), v.toJSON());
});

test('Vocabulary.fromJSON rejects garbage with a clear message', () => {
  const good = Vocabulary.build(SENTENCES).toJSON();
  const cases: Array<[unknown, RegExp]> = [
    [null, /invalid word vocabulary: expected an object, got null/],
    ['words', /expected an object, got the string "words"/],
    [[1, 2], /expected an object, got an array/],
    [{ ...good, kind: 'tags' }, /"kind" must be "words"/],
    [{ ...good, version: 2 }, /unsupported "version" 2 \(expected 1\)/],
    [{ ...good, lowercase: 'yes' }, /"lowercase" must be a boolean/],
    [{ ...good, minCount: 0 }, /"minCount" must be a positive integer/],
    [{ ...good, tokens: 'the cat' }, /"tokens" must be an array of strings/],
    [{ ...good, tokens: ['<unk>', '<pad>', 'a'] }, /"tokens" must start with "<pad>", "<unk>"/],
    [{ ...good, tokens: ['<pad>'] }, /must start with/],
    [{ ...good, tokens: ['<pad>', '<unk>', 'a', 3] }, /"tokens"\[3\] must be a non-empty string, got 3/],
    [{ ...good, tokens: ['<pad>', '<unk>', ''] }, /"tokens"\[2\] must be a non-empty string/],
    [{ ...good, tokens: ['<pad>', '<unk>', 'a', 'b', 'a'] }, /"tokens"\[4\] "a" is a duplicate/],
    [{ ...good, lowercase: true, tokens: ['<pad>', '<unk>', 'The'] }, /"tokens"\[2\] "The" is not lowercase/],
  ];
  for (const [json, message] of cases) {
    assert.throws(() => Vocabulary.fromJSON(json), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /^invalid word vocabulary: /);
      assert.match(err.message, message);
      return true;
    });
  }
});

test('tag order: O first, then by type, then prefix B, I, E, S', () => {
  const tags = TagVocabulary.build([
    ['S-PER', 'O', 'B-PER', 'E-LOC'],
    ['I-PER', 'B-LOC', 'I-LOC', 'S-LOC', 'E-PER', 'B-MISC', 'O'],
  ]);
  assert.deepEqual(tags.tags(), [
    'O',
    'B-LOC', 'I-LOC', 'E-LOC', 'S-LOC',
    'B-MISC',
    'B-PER', 'I-PER', 'E-PER', 'S-PER',
  ]);
  assert.equal(tags.size, 10);
  assert.equal(tags.indexOf('O'), 0);
  assert.equal(tags.indexOf('I-PER'), 7);
  assert.equal(tags.tagAt(1), 'B-LOC');
  assert.deepEqual([...tags.encode(['O', 'S-PER'])], [0, 9]);
  assert.deepEqual(tags.decode(Int32Array.from([5, 0])), ['B-MISC', 'O']);
  assert.throws(() => tags.tagAt(10), RangeError);
  // Unprefixed tags sort before prefixed tags of the same type, unknown prefixes after S.
  assert.deepEqual(
    ['U-PER', 'PER', 'L-PER', 'B-PER', 'O'].sort(compareTags),
    ['O', 'PER', 'B-PER', 'L-PER', 'U-PER'],
  );
});

test('tag order does not depend on input order; O is always id 0', () => {
  const tags = ['B-ORG', 'I-ORG', 'B-PER', 'I-PER', 'B-LOC', 'O'];
  const reference = TagVocabulary.fromTags(tags).tags();
  const rng = makeRng(3);
  for (let k = 0; k < 10; k++) {
    assert.deepEqual(TagVocabulary.fromTags(shuffleInPlace([...tags], rng)).tags(), reference);
  }
  assert.deepEqual(TagVocabulary.fromTags(['B-PER']).tags(), ['O', 'B-PER']);
});

test('TagVocabulary.indexOf names an unknown tag', () => {
  const tags = TagVocabulary.fromTags(['O', 'B-PER']);
  assert.throws(() => tags.indexOf('X-PER'), /unknown tag "X-PER"/);
  assert.ok(!tags.has('X-PER'));
  assert.ok(tags.has('B-PER'));
});

test('tag vocabulary JSON round-trip and validation', () => {
  const tags = TagVocabulary.fromTags(['B-PER', 'I-PER', 'O', 'B-LOC']);
  const back = TagVocabulary.fromJSON(JSON.parse(JSON.stringify(tags)));
  assert.deepEqual(back.tags(), tags.tags());
  assert.deepEqual(back.toJSON(), tags.toJSON());
  const good = tags.toJSON();
  const cases: Array<[unknown, RegExp]> = [
    [undefined, /expected an object, got undefined/],
    [{ ...good, kind: 'words' }, /"kind" must be "tags"/],
    [{ ...good, version: '1' }, /unsupported "version"/],
    [{ ...good, tags: {} }, /"tags" must be an array/],
    [{ ...good, tags: ['B-PER', 'O'] }, /"tags" must start with "O"/],
    [{ ...good, tags: ['O', 'B-PER', 'B-PER'] }, /"tags"\[2\] "B-PER" is a duplicate/],
    [{ ...good, tags: ['O', 7] }, /"tags"\[1\] must be a non-empty string/],
    [{ ...good, tags: ['O', 'B PER'] }, /"tags"\[1\] must be a non-empty string without whitespace/],
  ];
  for (const [json, message] of cases) {
    assert.throws(() => TagVocabulary.fromJSON(json), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /^invalid tag vocabulary: /);
      assert.match(err.message, message);
      return true;
    });
  }
});
