import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { fastPath } from '../src/fast/fastPath';
import { Adam, MomentumSgd, TrainingOptimizer, clipByGlobalNorm, makeOptimizer } from '../src/train/optimizer';
import { adamStep } from '../src/fast/optimizerKernels';
import { makeRng } from '../src/util/random';

/**
 * The optimizers with a single-pass step, made on the fast path or (reference) as tfjs's own;
 * whether a checkpoint's state moves between the two (Adam's single pass keeps its own kind).
 */
const SINGLE_PASS: Array<[string, (vars: tf.Variable[], clipNorm: number, reference: boolean) => TrainingOptimizer, boolean]> = [
  ['Adam against tf.train.adam', (vars, clipNorm, reference) => new Adam(vars, { learningRate: 0.01, clipNorm }, reference), false],
  ['SGD with momentum against tf.train.momentum', (vars, clipNorm, reference) => new MomentumSgd(vars, { learningRate: 0.05, clipNorm, momentum: 0.9 }, reference), true],
];

for (const [name, make, sharedState] of SINGLE_PASS) describe(`${name}: the SIMD single pass on wasm`, () => {
  before(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
    assert.ok(fastPath().optimizerStep, 'the SIMD kernels loaded, so the single pass is what runs');
  });

  for (const clipNorm of [0, 1]) {
    test(`same variables after every step${sharedState ? ', and its state carries over to the other path' : ''} (clip norm ${clipNorm || 'off'})`, async () => {
      const rng = makeRng(5 + clipNorm);
      const rand = (shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1), shape);
      const shapes = [[7, 3], [5], [2, 2]]; // sizes not multiples of 4 exercise the scalar tail
      const initial = shapes.map(rand);
      const fusedVars = initial.map((t, i) => tf.variable(t.clone(), true, `fused_${name.length}_${clipNorm}_${i}`));
      const refVars = initial.map((t, i) => tf.variable(t.clone(), true, `ref_${name.length}_${clipNorm}_${i}`));
      let fused = make(fusedVars, clipNorm, false);
      let reference = make(refVars, clipNorm, true);
      for (let step = 0; step < 6; step++) {
        if (sharedState && step === 3) {
          // A checkpoint written on one path resumes on the other (the states swap paths).
          const [fusedState, referenceState] = [await fused.getState(), await reference.getState()];
          assert.deepEqual(fusedState.slots.map((s) => s.shape), referenceState.slots.map((s) => s.shape));
          fused.dispose();
          reference.dispose();
          [fused, reference] = [make(fusedVars, clipNorm, false), make(refVars, clipNorm, true)];
          await fused.setState(referenceState);
          await reference.setState(fusedState);
        }
        const grads = shapes.map((s) => tf.mul(rand(s), 3)); // large enough that clipping to 1 bites
        const named = (vars: tf.Variable[]) => Object.fromEntries(vars.map((v, i) => [v.name, grads[i]]));
        const before = tf.memory().numTensors;
        tf.tidy(() => fused.step(named(fusedVars))); // as the trainer calls it: the state must survive the tidy
        if (step > 0) assert.equal(tf.memory().numTensors, before, 'no tensors leak per step');
        reference.step(named(refVars));
        tf.dispose(grads);
        fusedVars.forEach((v, i) => {
          const a = v.dataSync();
          const b = refVars[i].dataSync();
          a.forEach((x, k) => assert.ok(Math.abs(x - b[k]) < 1e-6, `step ${step} variable ${i}[${k}]: ${x} vs ${b[k]}`));
        });
      }
      fused.dispose();
      reference.dispose();
      tf.dispose([...initial, ...fusedVars, ...refVars]);
    });
  }
});

test('the JavaScript twin of the single pass is Adam by the book', () => {
  const value = [1, -2];
  const m = Float32Array.from([0.1, 0]);
  const v = Float32Array.from([0.01, 0]);
  const grad = [0.5, -1];
  const a = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, correct1: 1 - 0.9 ** 2, correct2: 1 - 0.999 ** 2, scale: 0.5 };
  const out = new Float32Array(2);
  adamStep(value, m, v, grad, a, out);
  grad.forEach((g0, i) => {
    const g = g0 * 0.5;
    const mi = 0.9 * [0.1, 0][i] + 0.1 * g;
    const vi = 0.999 * [0.01, 0][i] + 0.001 * g * g;
    assert.ok(Math.abs(m[i] - mi) < 1e-7 && Math.abs(v[i] - vi) < 1e-7);
    assert.ok(Math.abs(out[i] - (value[i] - (0.1 * mi) / a.correct1 / (Math.sqrt(vi / a.correct2) + 1e-7))) < 1e-6);
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`${backend}: a variable without a gradient gets a zero gradient, so momentum moves it and the moments stay aligned`, async () => {
    await initBackend({ backend, threads: 1 });
    for (const reference of [false, true]) {
      const a = tf.variable(tf.tensor1d([1, 2]), true, `opt_a_${backend}_${reference}`);
      const b = tf.variable(tf.tensor2d([[3]]), true, `opt_b_${backend}_${reference}`);
      const c = tf.variable(tf.tensor1d([5, 6, 7]), true, `opt_c_${backend}_${reference}`);
      const adam = new Adam([a, b, c], { learningRate: 0.1, clipNorm: 1 }, reference);
      adam.step({ [a.name]: tf.tensor1d([1, 1]), [b.name]: tf.tensor2d([[1]]), [c.name]: tf.tensor1d([1, 1, 1]) });
      const afterFirst = b.dataSync()[0];
      // Without the zero gradient for b, tf.train.adam pairs c's gradient with b's moments and fails.
      adam.step({ [a.name]: tf.tensor1d([1, 1]), [c.name]: tf.tensor1d([1, 1, 1]) });
      assert.ok(b.dataSync()[0] < afterFirst, 'momentum still moves b');
      assert.throws(() => adam.step({ nope: tf.scalar(1) }), /unknown variable nope/);
      adam.dispose();
    }
  });
}

test('clipping bounds the global norm and leaves small gradients alone', () => {
  const big = { a: tf.tensor1d([3, 4]), b: tf.tensor1d([12]) }; // norm 13
  const clipped = clipByGlobalNorm(big, 1);
  const norm = Math.hypot(...clipped.a.dataSync(), ...clipped.b.dataSync());
  assert.ok(Math.abs(norm - 1) < 1e-5);
  const small = clipByGlobalNorm(big, 100);
  assert.deepEqual(Array.from(small.a.dataSync()), [3, 4]);
});

test('every optimizer leaves no tensor behind once disposed, learning-rate changes included', async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
  for (const kind of ['sgd', 'adam'] as const) {
    const before = tf.memory().numTensors;
    const variable = tf.tidy(() => tf.variable(tf.ones([3]), true, `leak_${kind}`));
    const optimizer = makeOptimizer(kind, [variable], { learningRate: 0.1, clipNorm: 1, momentum: 0.9 });
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => optimizer.step({ [variable.name]: tf.ones([3]) }));
      optimizer.setLearningRate(0.05);
    }
    await optimizer.setState(await optimizer.getState());
    optimizer.dispose();
    variable.dispose();
    assert.equal(tf.memory().numTensors, before, kind);
  }
});
