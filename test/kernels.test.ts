import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { scatterAddRows } from '../src/fast/kernels';
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

    test('GatherV2 along axis 0 copies rows; other axes still work; a bad index is an error', () => {
      const table = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
      const rows = tf.gather(table, tf.tensor2d([[2, 0], [2, 1]], undefined, 'int32'));
      assert.deepEqual(rows.arraySync(), [[[7, 8, 9], [1, 2, 3]], [[7, 8, 9], [4, 5, 6]]]);
      const ints = tf.gather(tf.tensor1d([10, 20, 30], 'int32'), tf.tensor1d([1, 1], 'int32'));
      assert.equal(ints.dtype, 'int32');
      assert.deepEqual(ints.arraySync(), [20, 20]);
      const columns = tf.gather(table, tf.tensor1d([2, 0], 'int32'), 1);
      assert.deepEqual(columns.arraySync(), [[3, 1], [6, 4], [9, 7]]);
      if (backend === 'wasm') assert.throws(() => tf.gather(table, tf.tensor1d([3], 'int32')).dataSync(), /index 3 is not in \[0, 2\]/);
      tf.dispose([table, rows, ints, columns]);
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

test('a kernel on wasm reads inputs that still live on cpu, even when moving them in grows the wasm heap', async () => {
  // A model loaded before the backend is chosen keeps its weights on cpu until
  // their first use; moving a large one in grows the heap mid-kernel.
  await initBackend({ backend: 'wasm' });
  const heapBytes = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  await tf.setBackend('cpu');
  const width = 1024;
  const rows = Math.ceil(heapBytes / 4 / width) + 1; // more bytes than the whole heap holds now
  const table = tf.tidy(() => tf.add(tf.mul(tf.range(0, rows).reshape([rows, 1]), 10), tf.range(0, width).reshape([1, width]).div(width)));
  const ids = tf.tensor1d([rows - 1, 0, 5], 'int32');
  await initBackend({ backend: 'wasm' });
  const rowsGot = tf.gather(table, ids);
  const got = rowsGot.arraySync() as number[][];
  assert.deepEqual(got.map((r) => [r[0], r[width - 1]]), [
    [(rows - 1) * 10, (rows - 1) * 10 + (width - 1) / width],
    [0, (width - 1) / width],
    [50, 50 + (width - 1) / width],
  ].map((r) => r.map((v) => Math.fround(v))));
  tf.dispose([table, ids, rowsGot]);
  await tf.setBackend('cpu');
});

describe('wasm matMul with transposes', () => {
  const rng = makeRng(11);
  const rand = (shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1), shape);

  /** Runs f on cpu (the reference) and on wasm (wrapped kernels) with the same inputs. */
  async function onBoth(f: () => tf.Tensor, what: string): Promise<void> {
    await tf.setBackend('cpu');
    const expected = tf.tidy(f).arraySync() as number[][];
    await initBackend({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const got = tf.tidy(f);
    const values = got.arraySync() as number[][];
    got.dispose();
    assert.equal(tf.memory().numTensors, before, `${what}: no tensors leak`);
    const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);
    const e = flat(expected);
    const g = flat(values);
    assert.equal(g.length, e.length, what);
    g.forEach((v, i) => assert.ok(Math.abs(v - e[i]) < 1e-4, `${what} [${i}]: ${v} vs ${e[i]}`));
  }

  after(async () => {
    await tf.setBackend('cpu');
  });

  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      test(`2D and batched, transposeA=${transposeA} transposeB=${transposeB}`, async () => {
        const a2 = rand(transposeA ? [7, 5] : [5, 7]);
        const b2 = rand(transposeB ? [3, 7] : [7, 3]);
        await onBoth(() => tf.matMul(a2, b2, transposeA, transposeB), '2D');
        const a3 = rand(transposeA ? [2, 7, 5] : [2, 5, 7]);
        const b3 = rand(transposeB ? [2, 3, 7] : [2, 7, 3]);
        await onBoth(() => tf.matMul(a3, b3, transposeA, transposeB), 'batched');
        const bias = rand([3]);
        await onBoth(() => tf.fused.matMul({ a: a2, b: b2, transposeA, transposeB, bias, activation: 'relu' }), 'fused');
      });
    }
  }

  test('gradients of a dense layer agree with cpu', async () => {
    const x = rand([6, 4]);
    const w = rand([4, 3]);
    await onBoth(() => tf.grad((k: tf.Tensor) => tf.sum(tf.sigmoid(tf.matMul(x, k))))(w), 'dense gradient');
  });
});

describe('gradient fixes', () => {
  before(async () => {
    await initBackend({ backend: 'cpu', threads: 1 });
  });

  test('unstack and split over an axis of size 1 can be differentiated', () => {
    const x = tf.tensor3d([[[1, 2]], [[3, 4]]]); // [2, 1, 2]
    const viaUnstack = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.unstack(t, 1)[0], 3)))(x);
    assert.deepEqual(viaUnstack.arraySync(), [[[3, 3]], [[3, 3]]]);
    const viaSplit = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.split(t, 1, 1)[0], 2)))(x);
    assert.deepEqual(viaSplit.arraySync(), [[[2, 2]], [[2, 2]]]);
    // and several outputs still work as before
    const many = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.unstack(t, 2)[1], 5)))(x);
    assert.deepEqual(many.arraySync(), [[[0, 5]], [[0, 5]]]);
  });

  test("tf.layers' bidirectional LSTM trains on a batch of one-token sentences", () => {
    const input = tf.input({ shape: [null], dtype: 'int32' });
    // Seeded initializers, so that the losses below are the same on every run.
    const embeddingsInitializer = tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 1 });
    const embedded = tf.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true, embeddingsInitializer }).apply(input) as tf.SymbolicTensor;
    const lstm = tf.layers.lstm({
      units: 3,
      returnSequences: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: 3 }),
    }) as tf.RNN;
    const output = tf.layers.bidirectional({ layer: lstm, mergeMode: 'concat' }).apply(embedded) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    const ids = tf.tensor2d([[3], [4]], undefined, 'int32');
    // Each sentence's output is pulled towards its own target: learnable only if gradients reach every weight.
    const target = tf.tensor3d([[[0.5, -0.5, 0.5, -0.5, 0.5, -0.5]], [[-0.5, 0.5, -0.5, 0.5, -0.5, 0.5]]]);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const loss = () => tf.mean(tf.squaredDifference(model.apply(ids, { training: true }) as tf.Tensor, target)) as tf.Scalar;
    const optimizer: tf.Optimizer = tf.train.adam(0.05);
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss, variables);
        if (step === 0) {
          assert.deepEqual(Object.keys(grads).sort(), variables.map((v) => v.name).sort(), 'a gradient for every weight');
          for (const [name, g] of Object.entries(grads)) {
            assert.ok(g.dataSync().every(Number.isFinite), `${name}: finite`);
            // One step from a zero state: the recurrent kernel has nothing to learn from.
            if (!name.includes('recurrent_kernel')) assert.ok(tf.any(tf.notEqual(g, 0)).dataSync()[0] === 1, `${name}: not all zero`);
          }
        }
        losses.push(value.dataSync()[0]);
        optimizer.applyGradients(grads);
      });
    }
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok(losses[29] < 0.1 * losses[0], `the loss falls: ${losses[0]} -> ${losses[29]}`);
    for (let i = 10; i < 30; i += 10) assert.ok(losses[i] < losses[i - 10], `the loss falls over steps ${i - 10}..${i}: ${losses}`);
    optimizer.dispose();
    model.dispose();
  });
});
