import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { clipByGlobalNorm, makeAdam } from '../src/train/optimizer';
import { makeRng } from '../src/util/random';

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fused Adam on ${backend}`, () => {
    before(async () => {
      await initBackend({ backend, threads: 1 });
    });

    for (const clipNorm of [0, 1]) {
      test(`follows tf.train.adam step for step (clip norm ${clipNorm || 'off'})`, () => {
        const rng = makeRng(5 + clipNorm);
        const rand = (shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1), shape);
        const shapes = [[7, 3], [5], [2, 2]];
        const initial = shapes.map(rand);
        const fusedVars = initial.map((t, i) => tf.variable(t.clone(), true, `fused_${clipNorm}_${i}`));
        const refVars = initial.map((t, i) => tf.variable(t.clone(), true, `ref_${clipNorm}_${i}`));
        const fused = makeAdam(fusedVars, { learningRate: 0.01, clipNorm });
        const reference = makeAdam(refVars, { learningRate: 0.01, clipNorm }, true);
        const before = tf.memory().numTensors;
        for (let step = 0; step < 5; step++) {
          // gradients large enough that clipping to 1 bites
          const grads = shapes.map((s) => tf.mul(rand(s), 3));
          const named = (vars: tf.Variable[]) => Object.fromEntries(vars.map((v, i) => [v.name, grads[i]]));
          // inside a tidy, as the trainer calls it: the optimizer's state must survive it
          tf.tidy(() => fused.step(named(fusedVars)));
          tf.tidy(() => reference.step(named(refVars)));
          tf.dispose(grads);
          fusedVars.forEach((v, i) => {
            const a = v.dataSync();
            const b = refVars[i].dataSync();
            a.forEach((x, k) => assert.ok(Math.abs(x - b[k]) < 1e-6, `step ${step} variable ${i}[${k}]: ${x} vs ${b[k]}`));
          });
        }
        // moments are created on the first step; after that nothing accumulates
        const afterFive = tf.memory().numTensors;
        const grads = shapes.map((s) => rand(s));
        fused.step(Object.fromEntries(fusedVars.map((v, i) => [v.name, grads[i]])));
        tf.dispose(grads);
        assert.equal(tf.memory().numTensors, afterFive, 'no tensors leak per step');
        assert.ok(afterFive >= before);
        fused.dispose();
        reference.dispose();
        tf.dispose([...initial, ...fusedVars, ...refVars]);
      });
    }

    test('a variable without a gradient gets a zero gradient in both implementations', () => {
      for (const reference of [false, true]) {
        const a = tf.variable(tf.tensor1d([1, 2]), true, `a_${backend}_${reference}`);
        const b = tf.variable(tf.tensor2d([[3]]), true, `b_${backend}_${reference}`);
        const opt = makeAdam([a, b], { learningRate: 0.1, clipNorm: 1 }, reference);
        opt.step({ [a.name]: tf.tensor1d([1, 1]), [b.name]: tf.tensor2d([[1]]) });
        const afterFirst = b.dataSync()[0];
        // b's gradient missing: tf.train.adam would otherwise mismatch its slots (shape error)
        opt.step({ [a.name]: tf.tensor1d([1, 1]) });
        assert.ok(b.dataSync()[0] < afterFirst, `${reference ? 'reference' : 'fused'}: momentum still moves b`);
        assert.throws(() => opt.step({ nope: tf.scalar(1) }), /unknown variable nope/);
        opt.dispose();
      }
    });

    test('clipping bounds the global norm and leaves small gradients alone', () => {
      const big = { a: tf.tensor1d([3, 4]), b: tf.tensor1d([12]) }; // norm 13
      const clipped = clipByGlobalNorm(big, 1);
      const norm = Math.hypot(...clipped.a.dataSync(), ...clipped.b.dataSync());
      assert.ok(Math.abs(norm - 1) < 1e-5);
      const small = clipByGlobalNorm(big, 100);
      assert.deepEqual(Array.from(small.a.dataSync()), [3, 4]);
    });
  });
}
