import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkTags,
  convertTags,
  detectScheme,
  parseTag,
  readChunks,
  schemeProblems,
  tagProblem,
  writeChunks,
} from '../src/data/tagScheme';
import { DataError } from '../src/errors';
import { Corpus, TagScheme } from '../src/types';
import { Chunk } from '../src/data/chunks';
import { makeRng, randInt, Rng } from '../src/util/random';

const SCHEMES: TagScheme[] = ['iob1', 'iob2', 'iobes'];

test('parseTag splits at the first hyphen; O has type ""', () => {
  assert.deepEqual(parseTag('B-creative-work'), { prefix: 'B', type: 'creative-work' });
  assert.deepEqual(parseTag('O'), { prefix: 'O', type: '' });
});

test('tagProblem accepts O and B-/I-/E-/S- with a type, and explains anything else', () => {
  for (const tag of ['O', 'B-PER', 'I-LOC', 'E-X', 'S-creative-work']) assert.equal(tagProblem(tag), null, tag);
  assert.equal(tagProblem('X-PER'), "tag 'X-PER' fits no tag scheme (expected O or B-, I-, E-, S-, L-, U- followed by a type)");
  for (const tag of ['B-', 'B', 'PER', 'o', '', 'O-PER', '-PER']) assert.notEqual(tagProblem(tag), null, tag);
});

test('detectScheme', () => {
  assert.equal(detectScheme([['B-PER', 'I-PER', 'O'], ['B-LOC']]), 'iob2');
  assert.equal(detectScheme([]), 'iob2');
  assert.equal(detectScheme([['O', 'O']]), 'iob2');
  assert.equal(detectScheme([['B-PER', 'I-PER'], ['O', 'I-PER']]), 'iob2'); // one chunk breaks either: a tie goes to iob2
  assert.equal(detectScheme([['I-PER', 'O']]), 'iob1'); // I- at sentence start
  assert.equal(detectScheme([['I-PER', 'I-LOC']]), 'iob1'); // I- after another type
  assert.equal(detectScheme([['I-PER', 'B-PER']]), 'iob1');
  assert.equal(detectScheme([['B-PER', 'E-PER']]), 'iobes');
  assert.equal(detectScheme([['O'], ['I-PER', 'S-LOC']]), 'iobes'); // E-/S- win over I-starts
});

function corpus(...sentences: { tags: string[]; lines: number[] }[]): Corpus {
  return { file: 'train.conll', sentences: sentences.map((s) => ({ tokens: s.tags.map(() => 'w'), ...s })) };
}

function throwsDataError(fn: () => void, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof DataError && e.message === message);
}

test('checkTags names the file and line of the first bad tag', () => {
  const c = corpus({ tags: ['B-PER', 'O'], lines: [1, 2] }, { tags: ['O', 'B-', 'X-LOC'], lines: [4, 7, 9] });
  throwsDataError(
    () => checkTags(c),
    "train.conll:7: tag 'B-' fits no tag scheme (expected O or B-, I-, E-, S-, L-, U- followed by a type)",
  );
  assert.doesNotThrow(() => checkTags(corpus({ tags: ['B-PER', 'S-LOC', 'E-X'], lines: [1, 2, 3] })));
  assert.doesNotThrow(() => checkTags(corpus({ tags: [], lines: [] })));
});

test('checkTags with a scheme rejects prefixes that scheme does not use', () => {
  const c = corpus({ tags: ['B-PER', 'I-PER'], lines: [1, 2] }, { tags: ['O', 'S-PER'], lines: [4, 5] });
  throwsDataError(() => checkTags(c, 'iob2'), "train.conll:5: tag 'S-PER' is not part of the iob2 tag scheme (which uses O, B- and I-)");
  throwsDataError(() => checkTags(c, 'iob1'), "train.conll:5: tag 'S-PER' is not part of the iob1 tag scheme (which uses O, B- and I-)");
  assert.doesNotThrow(() => checkTags(c, 'iobes'));
});

test('schemeProblems: IOB2 wants I-X after B-X or I-X', () => {
  assert.deepEqual(schemeProblems(['B-PER', 'I-PER', 'O', 'B-LOC'], 'iob2'), []);
  assert.deepEqual(
    schemeProblems(['O', 'I-PER', 'B-PER', 'I-LOC', 'S-X'], 'iob2').map((p) => p.index),
    [1, 3, 4],
  );
  assert.match(schemeProblems(['I-PER'], 'iob2')[0].message, /I-PER must follow B-PER or I-PER in iob2 \(found at the start/);
});

test('schemeProblems: IOB1 wants B-X only right after a chunk of type X', () => {
  assert.deepEqual(schemeProblems(['I-PER', 'B-PER', 'O', 'I-LOC', 'I-PER'], 'iob1'), []);
  assert.deepEqual(
    schemeProblems(['B-PER', 'O', 'I-LOC', 'B-PER', 'E-PER'], 'iob1').map((p) => p.index),
    [0, 3, 4],
  );
});

test('schemeProblems: IOBES transitions', () => {
  assert.deepEqual(schemeProblems(['B-PER', 'I-PER', 'E-PER', 'S-LOC', 'O', 'S-LOC', 'B-X', 'E-X'], 'iobes'), []);
  const cases: [string[], number[]][] = [
    [['B-PER'], [0]], // B not closed at sentence end
    [['B-PER', 'O'], [0]],
    [['I-PER', 'E-PER'], [0]], // I at start
    [['O', 'E-PER'], [1]],
    [['B-PER', 'I-PER'], [1]], // I not closed
    [['B-PER', 'S-PER'], [0]],
    [['B-PER', 'E-LOC'], [0, 1]], // both ends of a bad transition
    [['S-PER', 'I-PER', 'E-PER'], [1]],
    [['E-PER', 'E-PER'], [0, 1]],
    [['O', 'X-PER', 'O'], [1]],
  ];
  for (const [tags, indices] of cases) {
    assert.deepEqual(schemeProblems(tags, 'iobes').map((p) => p.index), indices, tags.join(' '));
  }
  assert.match(schemeProblems(['B-PER', 'O'], 'iobes')[0].message, /B-PER must be followed by I-PER or E-PER in iobes \(found O\)/);
});

test('convertTags: examples for each target scheme', () => {
  const iob2 = ['B-PER', 'I-PER', 'B-PER', 'O', 'B-LOC', 'B-ORG', 'I-ORG', 'I-ORG'];
  assert.deepEqual(convertTags(iob2, 'iob2', 'iob1'), ['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC', 'I-ORG', 'I-ORG', 'I-ORG']);
  assert.deepEqual(convertTags(iob2, 'iob2', 'iobes'), ['B-PER', 'E-PER', 'S-PER', 'O', 'S-LOC', 'B-ORG', 'I-ORG', 'E-ORG']);
  assert.deepEqual(convertTags(['S-X', 'S-X', 'B-Y', 'E-Y'], 'iobes', 'iob2'), ['B-X', 'B-X', 'B-Y', 'I-Y']);
  assert.deepEqual(convertTags(['S-X', 'S-X'], 'iobes', 'iob1'), ['I-X', 'B-X']);
  assert.deepEqual(convertTags(['I-X', 'I-X', 'B-X', 'I-Y'], 'iob1', 'iob2'), ['B-X', 'I-X', 'B-X', 'B-Y']);
  assert.deepEqual(convertTags(['creative-work'].map((t) => `B-${t}`), 'iob2', 'iobes'), ['S-creative-work']);
});

test('convertTags never throws on ill-formed input, reading it like conlleval', () => {
  assert.deepEqual(convertTags(['O', 'I-PER', 'I-PER'], 'iob2', 'iob2'), ['O', 'B-PER', 'I-PER']);
  assert.deepEqual(convertTags(['B-PER', 'I-LOC'], 'iob2', 'iobes'), ['S-PER', 'S-LOC']);
  assert.deepEqual(convertTags(['I-PER', 'O', 'E-PER', 'B-X'], 'iobes', 'iob2'), ['B-PER', 'O', 'B-PER', 'B-X']);
  assert.deepEqual(convertTags(['B-PER', 'B-PER', 'E-PER', 'I-PER'], 'iobes', 'iobes'), ['S-PER', 'B-PER', 'E-PER', 'S-PER']);
  assert.deepEqual(convertTags(['B-PER', 'S-PER', 'I-PER', 'S-PER'], 'iobes', 'iob2'), ['B-PER', 'B-PER', 'B-PER', 'B-PER']);
  for (const from of SCHEMES) {
    for (const to of SCHEMES) {
      const out = convertTags(['X-PER', 'B-', '.', 'O', 'S-A', 'E-A', 'I-B'], from, to);
      assert.equal(out.length, 7);
    }
  }
});

/** Random well-formed chunks over types that include hyphens. */
function randomChunks(rng: Rng, length: number): Chunk[] {
  const types = ['PER', 'LOC', 'creative-work'];
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < length) {
    if (rng() < 0.4) {
      i++;
      continue;
    }
    const end = Math.min(length, i + 1 + randInt(rng, 4));
    chunks.push({ type: types[randInt(rng, types.length)], start: i, end });
    i = end;
  }
  return chunks;
}

test('conversion round-trips on random well-formed sequences', () => {
  const rng = makeRng(12345);
  for (let n = 0; n < 2000; n++) {
    const length = randInt(rng, 15);
    const chunks = randomChunks(rng, length);
    const iob2 = writeChunks(chunks, length, 'iob2');
    const iob1 = writeChunks(chunks, length, 'iob1');
    const iobes = writeChunks(chunks, length, 'iobes');
    assert.deepEqual(convertTags(convertTags(iob2, 'iob2', 'iobes'), 'iobes', 'iob2'), iob2);
    assert.deepEqual(convertTags(convertTags(iob2, 'iob2', 'iob1'), 'iob1', 'iob2'), iob2);
    assert.deepEqual(convertTags(convertTags(iobes, 'iobes', 'iob1'), 'iob1', 'iobes'), iobes);
    for (const [scheme, tags] of [['iob1', iob1], ['iob2', iob2], ['iobes', iobes]] as const) {
      assert.deepEqual(readChunks(tags, scheme), chunks, `${scheme}: ${tags.join(' ')}`);
      assert.deepEqual(schemeProblems(tags, scheme), [], `${scheme}: ${tags.join(' ')}`);
      for (const to of SCHEMES) assert.deepEqual(convertTags(tags, scheme, to), writeChunks(chunks, length, to));
    }
    if (chunks.some((c) => c.end - c.start === 1)) assert.equal(detectScheme([iobes]), 'iobes');
    if (chunks.length > 0) assert.equal(detectScheme([iob1]), 'iob1');
    assert.notEqual(detectScheme([iob2]), 'iob1');
  }
});
