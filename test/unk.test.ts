/** Word replacement by <unk> in training (src/train/trainer.ts: replaceByUnk). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAD_ID, UNK_ID } from '../src/data/vocab';
import { replaceByUnk } from '../src/train/trainer';
import { makeRng } from '../src/util/random';

// ids 2 and 5 are singletons; 3 and 4 are not.
const singletons = Uint8Array.from([0, 0, 1, 0, 0, 1]);
const counting = () => {
  const rng = makeRng(7);
  let draws = 0;
  return { rng: () => (draws++, rng()), draws: () => draws };
};

test('p = 1 replaces every word of its kind, never padding or <unk>, and 0 leaves the rest untouched', () => {
  const ids = Int32Array.from([2, 3, PAD_ID, 5, UNK_ID, 4, PAD_ID]);
  replaceByUnk(ids, singletons, 1, 0, makeRng(1));
  assert.deepEqual(Array.from(ids), [UNK_ID, 3, PAD_ID, UNK_ID, UNK_ID, 4, PAD_ID]);
  const others = Int32Array.from([2, 3, PAD_ID, 5, UNK_ID, 4, PAD_ID]);
  replaceByUnk(others, singletons, 0, 1, makeRng(1));
  assert.deepEqual(Array.from(others), [2, UNK_ID, PAD_ID, 5, UNK_ID, UNK_ID, PAD_ID]);
});

test('other words are replaced at about their rate; with word dropout off, only singletons draw', () => {
  const rng = makeRng(3);
  const ids = Int32Array.from({ length: 20_000 }, () => 3 + Math.floor(rng() * 2)); // ids 3 and 4 only
  replaceByUnk(ids, singletons, 0.5, 0.1, makeRng(4));
  const rate = ids.filter((id) => id === UNK_ID).length / ids.length;
  assert.ok(Math.abs(rate - 0.1) < 0.01, `replaced ${rate}`);

  // The random stream of runs without word dropout is what it was before the option.
  const mixed = Int32Array.from([2, 3, 4, 5, 5, 3, PAD_ID]);
  const c = counting();
  replaceByUnk(mixed, singletons, 0.5, 0, c.rng);
  assert.equal(c.draws(), 3, 'one draw per singleton');
  const none = counting();
  replaceByUnk(Int32Array.from([2, 3]), singletons, 0, 0, none.rng);
  assert.equal(none.draws(), 0);
});
