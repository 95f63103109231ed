import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { Adam, clipByGlobalNorm } from '../src/train/optimizer';

before(async () => {
  await initBackend({ backend: 'cpu', threads: 1 });
});

test('a variable without a gradient gets a zero gradient: momentum moves it, and the moments stay aligned', () => {
  const a = tf.variable(tf.tensor1d([1, 2]), true, 'opt_a');
  const b = tf.variable(tf.tensor2d([[3]]), true, 'opt_b');
  const c = tf.variable(tf.tensor1d([5, 6, 7]), true, 'opt_c');
  const adam = new Adam([a, b, c], { learningRate: 0.1, clipNorm: 1 });
  adam.step({ [a.name]: tf.tensor1d([1, 1]), [b.name]: tf.tensor2d([[1]]), [c.name]: tf.tensor1d([1, 1, 1]) });
  const afterFirst = b.dataSync()[0];
  // Without the zero gradient for b, tf.train.adam pairs c's gradient with b's moments and fails.
  const before = tf.memory().numTensors;
  tf.tidy(() => adam.step({ [a.name]: tf.tensor1d([1, 1]), [c.name]: tf.tensor1d([1, 1, 1]) }));
  assert.equal(tf.memory().numTensors, before, 'no tensors leak per step');
  assert.ok(b.dataSync()[0] < afterFirst, 'momentum still moves b');
  assert.throws(() => adam.step({ nope: tf.scalar(1) }), /unknown variable nope/);
  adam.dispose();
});

test('clipping bounds the global norm and leaves small gradients alone', () => {
  const big = { a: tf.tensor1d([3, 4]), b: tf.tensor1d([12]) }; // norm 13
  const clipped = clipByGlobalNorm(big, 1);
  const norm = Math.hypot(...clipped.a.dataSync(), ...clipped.b.dataSync());
  assert.ok(Math.abs(norm - 1) < 1e-5);
  const small = clipByGlobalNorm(big, 100);
  assert.deepEqual(Array.from(small.a.dataSync()), [3, 4]);
});
