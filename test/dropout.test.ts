import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, stopHelperThread } from '../src/backend';
import { DropoutMasks, dropoutMask } from '../src/fast/dropout';
import { helperThread } from '../src/fast/lstm';
import { makeRng, withRandomSource } from '../src/util/random';

/** Bitwise equality of two float32 arrays, naming the first difference. */
function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) assert.fail(`${what}: element ${i} is ${actual[i]}, tf.dropout's ${expected[i]}`);
  }
}

// Rates whose keep probability is not a float32 (0.3, 0.05, 0.9) test the rounding; 0.5 is the default.
const RATES = [0.5, 0.3, 0.05, 0.9];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`dropout masks on ${backend}`, () => {
    after(async () => {
      await stopHelperThread();
      await tf.setBackend('cpu');
    });

    test("dropoutMask draws tf.dropout's multipliers bit for bit, seed for seed", async () => {
      await initBackend({ backend, threads: 1 });
      for (const rate of RATES) {
        for (const seed of ['0.123456789', String(Math.PI / 10), 'x']) {
          const n = 5000;
          const expected = tf.tidy(() => tf.dropout(tf.ones([n]), rate, undefined, seed).dataSync() as Float32Array);
          const actual = tf.tidy(() => dropoutMask(n, rate, seed).dataSync() as Float32Array);
          assertSameBits(actual, expected, `rate ${rate}, seed ${seed}`);
          const dropped = actual.filter((v) => v === 0).length / n;
          assert.ok(Math.abs(dropped - rate) < 0.05, `rate ${rate}: dropped ${dropped}`);
        }
      }
    });

    test("a step's masks, drawn ahead (on the helper thread with 2 threads), are tf.dropout's calls in order", async () => {
      for (const threads of [1, 2]) {
        await initBackend({ backend, threads });
        assert.equal(helperThread() !== undefined, threads === 2, `a helper thread with --threads ${threads}`);
        const shapes = [[7, 30], [1, 3, 20], [40]];
        const ones = shapes.map((s) => tf.ones(s));
        const drawn = withRandomSource(makeRng(11), () => {
          const masks = new DropoutMasks(shapes, 0.5);
          return ones.map((x) => tf.tidy(() => masks.apply(x).dataSync() as Float32Array));
        });
        const expected = withRandomSource(makeRng(11), () => ones.map((x) => tf.tidy(() => tf.dropout(x, 0.5).dataSync() as Float32Array)));
        drawn.forEach((mask, i) => assertSameBits(mask, expected[i], `threads ${threads}, mask ${i}`));
        tf.dispose(ones);
      }
    });
  });
}

test('DropoutMasks says so when a step asks for more masks than it drew', () => {
  const masks = new DropoutMasks([[2]], 0.5);
  masks.apply(tf.ones([2])).dispose();
  assert.throws(() => masks.apply(tf.ones([2])), /1 masks were drawn for this step, and a mask more was asked for/);
});
