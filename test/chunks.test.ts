import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endOfChunk, extractChunks, parseTag, startOfChunk } from '../src/data/chunks';

const chunk = (type: string, start: number, end: number) => ({ type, start, end });

test('parseTag splits at the first hyphen', () => {
  assert.deepEqual(parseTag('B-creative-work'), { prefix: 'B', type: 'creative-work' });
  assert.deepEqual(parseTag('O'), { prefix: 'O', type: '' });
  assert.deepEqual(parseTag('B'), { prefix: 'B', type: '' });
  assert.deepEqual(parseTag('-PER'), { prefix: '', type: 'PER' });
});

test('O I-PER opens a chunk at 1', () => {
  assert.deepEqual(extractChunks(['O', 'I-PER']), [chunk('PER', 1, 2)]);
});

test('I-PER I-LOC is two chunks', () => {
  assert.deepEqual(extractChunks(['I-PER', 'I-LOC']), [chunk('PER', 0, 1), chunk('LOC', 1, 2)]);
});

test('B-PER I-PER is one chunk', () => {
  assert.deepEqual(extractChunks(['B-PER', 'I-PER']), [chunk('PER', 0, 2)]);
});

test('I-PER B-PER is two chunks', () => {
  assert.deepEqual(extractChunks(['I-PER', 'B-PER']), [chunk('PER', 0, 1), chunk('PER', 1, 2)]);
});

test('B-PER I-LOC is two chunks', () => {
  assert.deepEqual(extractChunks(['B-PER', 'I-LOC']), [chunk('PER', 0, 1), chunk('LOC', 1, 2)]);
});

test('IOBES read as-is: S-X S-X merges into one chunk, as in conlleval', () => {
  assert.deepEqual(extractChunks(['S-X', 'S-X']), [chunk('X', 0, 2)]);
  // and E- does not close a chunk before a B- of the same type
  assert.deepEqual(extractChunks(['B-X', 'E-X', 'B-X', 'E-X']), [chunk('X', 0, 4)]);
});

test('sentence end closes an open chunk; O closes one in the middle', () => {
  assert.deepEqual(extractChunks(['O', 'B-LOC', 'I-LOC', 'O', 'B-PER']), [chunk('LOC', 1, 3), chunk('PER', 4, 5)]);
  assert.deepEqual(extractChunks([]), []);
  assert.deepEqual(extractChunks(['O', 'O']), []);
});

test('types with hyphens stay whole', () => {
  assert.deepEqual(extractChunks(['B-creative-work', 'I-creative-work', 'B-product-name']), [
    chunk('creative-work', 0, 2),
    chunk('product-name', 2, 3),
  ]);
});

test('startOfChunk and endOfChunk keep conlleval rule for rule', () => {
  // IOB
  assert.equal(startOfChunk('O', 'B', '', 'X'), true);
  assert.equal(startOfChunk('B', 'I', 'X', 'X'), false);
  assert.equal(startOfChunk('I', 'B', 'X', 'X'), true);
  assert.equal(endOfChunk('B', 'I', 'X', 'X'), false);
  assert.equal(endOfChunk('I', 'O', 'X', ''), true);
  assert.equal(endOfChunk('B', 'B', 'X', 'X'), true);
  // E: E then E or I starts a new chunk; O then E starts one
  assert.equal(startOfChunk('E', 'E', 'X', 'X'), true);
  assert.equal(startOfChunk('E', 'I', 'X', 'X'), true);
  assert.equal(startOfChunk('O', 'E', '', 'X'), true);
  assert.equal(endOfChunk('E', 'E', 'X', 'X'), true);
  assert.equal(endOfChunk('E', 'I', 'X', 'X'), true);
  assert.equal(startOfChunk('E', 'B', 'X', 'X'), false); // no such rule
  assert.equal(endOfChunk('E', 'B', 'X', 'X'), false);
  // S has no rule of its own: only a type change counts
  assert.equal(startOfChunk('S', 'S', 'X', 'X'), false);
  assert.equal(endOfChunk('S', 'S', 'X', 'X'), false);
  assert.equal(startOfChunk('S', 'S', 'X', 'Y'), true);
  assert.equal(endOfChunk('S', 'O', 'X', ''), true);
  // a type change starts/ends a chunk, except with O or '.'
  assert.equal(startOfChunk('B', 'I', 'X', 'Y'), true);
  assert.equal(startOfChunk('B', '.', 'X', 'Y'), false);
  assert.equal(endOfChunk('.', 'B', 'X', 'Y'), false);
  assert.equal(endOfChunk('O', 'B', 'X', 'Y'), false);
  // [ and ] are one-word chunks
  assert.equal(startOfChunk('[', '[', 'X', 'X'), true);
  assert.equal(startOfChunk('O', ']', '', ''), true);
  assert.equal(endOfChunk('[', 'I', 'X', 'X'), true);
  assert.equal(endOfChunk(']', 'I', 'X', 'X'), true);
  // the sentence boundary (O with type '') never starts a chunk
  assert.equal(startOfChunk('B', 'O', 'X', ''), false);
});
