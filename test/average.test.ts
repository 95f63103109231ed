import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { WeightAverage, averageDecay } from '../src/train/average';

before(() => initBackend({ backend: 'wasm', threads: 1 }));

test('the average follows the recursion with the warm-up decay, without leaking tensors', () => {
  const w = tf.variable(tf.tensor([1, -2]), true, 'avg_test_w');
  const average = new WeightAverage([w], 0.9);
  // Written out in plain numbers: a <- d_t a + (1 - d_t) w, d_t = min(0.9, (1 + t) / (10 + t)).
  let expected = [1, -2];
  const values = [[3, 0], [-1, 5], [2, 2], [0.5, -4], [7, 1], [1, 1], [-3, 2], [4, 4], [0, 0], [2, -1], [1, 3], [5, 5]];
  const before = tf.memory().numTensors;
  values.forEach((v, t) => {
    tf.tidy(() => w.assign(tf.tensor(v)));
    average.update();
    const d = Math.min(0.9, (1 + t) / (10 + t));
    assert.equal(averageDecay(0.9, t), d);
    expected = expected.map((a, i) => d * a + (1 - d) * v[i]);
  });
  assert.equal(tf.memory().numTensors, before, 'update keeps no tensors');
  average.swap();
  Array.from(w.dataSync()).forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-5, `average ${x} vs ${expected[i]}`));
  average.swap();
  assert.deepEqual(Array.from(w.dataSync()), [5, 5], 'swapping twice restores the weights');
  average.dispose();
  w.dispose();
});

test('withAverages restores the weights even when its function throws; a checkpoint restores the average', async () => {
  const w = tf.variable(tf.tensor([0, 0]), true, 'avg_test_w2');
  const average = new WeightAverage([w], 0.5);
  for (const v of [[4, 8], [2, 2], [6, 0]]) {
    tf.tidy(() => w.assign(tf.tensor(v)));
    average.update();
  }
  const inside = await average.withAverages(() => Array.from(w.dataSync()));
  assert.notDeepEqual(inside, [6, 0]);
  await assert.rejects(average.withAverages(() => Promise.reject(new Error('boom'))), /boom/);
  assert.deepEqual(Array.from(w.dataSync()), [6, 0]);

  const slots = await average.slots();
  const copy = new WeightAverage([w], 0.5);
  copy.restore([{ name: 'step', shape: [], dtype: 'int32', values: Int32Array.of(9) }, ...slots]);
  tf.tidy(() => w.assign(tf.tensor([1, 1])));
  average.update();
  copy.update();
  assert.deepEqual(await average.withAverages(() => Array.from(w.dataSync())), await copy.withAverages(() => Array.from(w.dataSync())));
  assert.throws(() => copy.restore([]), /holds 0 weight averages, the model has 1/);
  assert.throws(() => new WeightAverage([w], 1), /averageDecay must be in \(0, 1\), got 1/);
  [average, copy, w].forEach((x) => x.dispose());
});
