import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { scatterAddRows } from '../src/backend/kernels';
import { makeRng, randInt } from '../src/util/random';

/** The definition, written out: out[ids[i]] += x[i]. */
function expectedSegmentSum(x: number[][], ids: number[], numSegments: number): number[][] {
  const out = Array.from({ length: numSegments }, () => new Array<number>(x[0].length).fill(0));
  ids.forEach((s, i) => {
    if (s >= 0 && s < numSegments) x[i].forEach((v, j) => (out[s][j] += v));
  });
  return out;
}

function assertClose(actual: number[][], expected: number[][], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) < 1e-5, `${what} [${i},${j}]: ${v} vs ${expected[i][j]}`)));
}

test('scatterAddRows adds rows into their segments, repeats accumulate, out-of-range ids are dropped', () => {
  const out = new Float32Array(6).fill(9); // stale values must be cleared
  scatterAddRows(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), Int32Array.from([2, 0, 2, 7]), 3, 2, out);
  assert.deepEqual(Array.from(out), [3, 4, 0, 0, 6, 8]);
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`UnsortedSegmentSum on ${backend}`, () => {
    before(async () => {
      await initBackend({ backend });
    });
    after(async () => {
      await tf.setBackend('cpu');
    });

    test('matches the definition on random rows with repeated ids', () => {
      const rng = makeRng(3);
      const rows = 50;
      const width = 7;
      const numSegments = 13;
      const x = Array.from({ length: rows }, () => Array.from({ length: width }, () => rng() * 2 - 1));
      const ids = Array.from({ length: rows }, () => randInt(rng, numSegments));
      const got = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x), tf.tensor1d(ids, 'int32'), numSegments).arraySync());
      assertClose(got, expectedSegmentSum(x, ids, numSegments), backend);
    });

    test('makes the gradient of an embedding lookup trainable and correct', () => {
      // d/d table of sum(gather(table, ids) * w) = rows of w added into the looked-up rows.
      const vocab = 20;
      const dim = 4;
      const rng = makeRng(4);
      const ids = [[3, 7, 3], [0, 19, 7]];
      const w = ids.map((r) => r.map(() => Array.from({ length: dim }, () => rng())));
      const before = tf.memory().numTensors;
      const grad = tf.tidy(() => {
        const table = tf.randomNormal([vocab, dim]);
        const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor2d(ids, undefined, 'int32')), tf.tensor3d(w)));
        return tf.grad(f)(table).arraySync() as number[][];
      });
      assert.equal(tf.memory().numTensors, before, 'no tensors leak from the kernel');
      assertClose(grad, expectedSegmentSum(w.flat(), ids.flat(), vocab), `${backend} gradient`);
    });
  });
}
