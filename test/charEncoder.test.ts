import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { initBackend } from '../src/backend';
import { fastPath } from '../src/fast/fastPath';
import { CASINGS, MAX_WORD_CHARS, casingOf, tokenChars } from '../src/data/features';
import { CharEncoderWeights, charCnn, charCnnReference, charLstmReference } from '../src/model/charEncoder';
import { charLstmFused } from '../src/fast/charKernels';
import { distinctRows } from '../src/fast/fusedForward';
import { makeRng } from '../src/util/random';

const rng = makeRng(17);
const rand = (shape: number[], scale = 0.5) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rng() * 2 - 1) * scale), shape);
const NUM_CHARS = 12;
const CHAR_DIM = 5;

function cnnWeights(window: number, filters: number): CharEncoderWeights {
  return { embeddings: rand([NUM_CHARS, CHAR_DIM]) as tf.Tensor2D, kernel: rand([window * CHAR_DIM, filters]) as tf.Tensor2D, bias: rand([filters]) as tf.Tensor1D };
}

function lstmWeights(units: number): CharEncoderWeights {
  const direction = () => ({ kernel: rand([CHAR_DIM, 4 * units]) as tf.Tensor2D, recurrentKernel: rand([units, 4 * units]) as tf.Tensor2D, bias: rand([4 * units]) as tf.Tensor1D });
  return { embeddings: rand([NUM_CHARS, CHAR_DIM]) as tf.Tensor2D, forward: direction(), backward: direction() };
}

/** The textbook convolution, in loops: windows of embeddings (zeros beyond the word) times the kernel, max over characters. */
function naiveCnn(words: number[][], w: CharEncoderWeights, window: number): number[][] {
  const E = w.embeddings.arraySync() as number[][];
  const K = w.kernel!.arraySync() as number[][];
  const b = w.bias!.arraySync() as number[];
  const half = (window - 1) / 2;
  return words.map((chars) => {
    if (chars.length === 0) return b.map(() => 0);
    return b.map((bias, f) => {
      let best = -Infinity;
      for (let l = 0; l < chars.length; l++) {
        let v = bias;
        for (let k = 0; k < window; k++) {
          const p = l + k - half;
          if (p < 0 || p >= chars.length) continue;
          for (let d = 0; d < CHAR_DIM; d++) v += E[chars[p]][d] * K[k * CHAR_DIM + d][f];
        }
        best = Math.max(best, v);
      }
      return best;
    });
  });
}

/** Words as ids [N, L], right-padded with 0 to `length`. */
const padded = (words: number[][], length: number) => tf.tensor2d(words.map((w) => [...w, ...new Array(length - w.length).fill(0)]), [words.length, length], 'int32');

function assertClose(a: number[][], b: number[][], tolerance: number, what: string): void {
  a.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) < tolerance, `${what} [${i}][${j}]: ${v} vs ${b[i][j]}`)));
}

const WORDS = [[3, 4, 5], [7], [2, 9, 11, 4, 6], [], [5, 5]];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`character encoders on ${backend}`, () => {
    before(async () => {
      await initBackend({ backend });
      assert.ok(fastPath().charCnn);
    });

    for (const window of [3, 5]) {
      test(`the CNN (kernel folded into per-character tables) is the textbook convolution, window ${window}`, () => {
        const w = cnnWeights(window, 4);
        const got = charCnn(padded(WORDS, 6), w, window).arraySync() as number[][];
        assertClose(got, naiveCnn(WORDS, w, window), 1e-4, 'cnn');
      });
    }

    test("a word's representation does not depend on padding or on the other words (cnn and lstm)", () => {
      const cnn = cnnWeights(3, 4);
      const lstm = lstmWeights(3);
      const alone = WORDS.map((word) => [
        (charCnn(padded([word], Math.max(1, word.length)), cnn, 3).arraySync() as number[][])[0],
        (charLstmFused(padded([word], Math.max(1, word.length)), lstm, false).arraySync() as number[][])[0],
      ]);
      for (const length of [5, 9]) {
        const batchCnn = charCnn(padded(WORDS, length), cnn, 3).arraySync() as number[][];
        const batchLstm = charLstmFused(padded(WORDS, length), lstm, false).arraySync() as number[][];
        WORDS.forEach((_, i) => {
          assertClose([batchCnn[i]], [alone[i][0]], 1e-5, `cnn word ${i}, padded to ${length}`);
          assertClose([batchLstm[i]], [alone[i][1]], 1e-5, `lstm word ${i}, padded to ${length}`);
        });
      }
      assert.ok((alone[3][0] as number[]).every((v) => v === 0), 'an empty word encodes to zeros');
    });

    test('the fused character BiLSTM gives the reference outputs and gradients', () => {
      const w = lstmWeights(3);
      const ids = padded(WORDS, 6);
      assertClose(charLstmFused(ids, w, false).arraySync() as number[][], charLstmReference(ids, w).arraySync() as number[][], 1e-5, 'outputs');
      const params = [w.embeddings, w.forward!.kernel, w.forward!.recurrentKernel, w.forward!.bias, w.backward!.kernel];
      const target = rand([WORDS.length, 6]);
      const lossOf = (encode: (x: CharEncoderWeights) => tf.Tensor) => (...p: tf.Tensor[]) =>
        tf.sum(tf.mul(encode({ embeddings: p[0] as tf.Tensor2D, forward: { kernel: p[1] as tf.Tensor2D, recurrentKernel: p[2] as tf.Tensor2D, bias: p[3] as tf.Tensor1D }, backward: { ...w.backward!, kernel: p[4] as tf.Tensor2D } }), target));
      const fused = tf.grads(lossOf((x) => charLstmFused(ids, x, true)))(params);
      const reference = tf.grads(lossOf((x) => charLstmReference(ids, x)))(params);
      fused.forEach((g, i) => {
        const a = g.dataSync();
        const b = reference[i].dataSync();
        a.forEach((v, k) => assert.ok(Math.abs(v - b[k]) < 1e-4, `gradient ${i}[${k}]: ${v} vs ${b[k]}`));
      });
    });

    for (const window of [1, 3, 5]) test(`the fused CNN kernel gives the tf-op CNN's values and gradients, ignoring padding (window ${window})`, () => {
      const w = cnnWeights(window, 4);
      // A gap of padding inside a row, a row of padding only, and ids at the table's last row. No row repeats
      // a window of characters: on a tie the kernel routes the gradient to one position, as the earlier pooling
      // kernel did, where tf.max's gradient goes to each.
      const ids = tf.tensor2d([[3, 4, 0, 5, 0, 0], [0, 0, 0, 0, 0, 0], [11, 1, 2, 9, 7, 6], [5, 8, 0, 0, 0, 0]], undefined, 'int32');
      const target = rand([4, 4], 2);
      const lossOf = (encode: typeof charCnn) => (...p: tf.Tensor[]) =>
        tf.sum(tf.mul(encode(ids, { embeddings: p[0] as tf.Tensor2D, kernel: p[1] as tf.Tensor2D, bias: p[2] as tf.Tensor1D }, window), target));
      const params = [w.embeddings, w.kernel!, w.bias!];
      assertClose(charCnn(ids, w, window).arraySync() as number[][], charCnnReference(ids, w, window).arraySync() as number[][], 1e-5, 'values');
      const fused = tf.grads(lossOf(charCnn))(params);
      const reference = tf.grads(lossOf(charCnnReference))(params);
      fused.forEach((g, i) => {
        const [a, b] = [g.dataSync(), reference[i].dataSync()];
        assert.ok(b.some((v) => v !== 0), `gradient ${i} is not all zero`);
        a.forEach((v, k) => assert.ok(Math.abs(v - b[k]) < 1e-4, `gradient ${i}[${k}]: ${v} vs ${b[k]}`));
      });
    });
  });
}

test("the CNN shares a batch's words with the helper thread and gives one thread's outputs and gradients, bit for bit", async () => {
  // Enough words to be shared (charKernels.ts, MIN_SHARED_WORDS), of every length up to the row's.
  const words = Array.from({ length: 301 }, (_, i) => Array.from({ length: i % 9 }, (_, j) => 1 + ((i * 7 + j * 3) % (NUM_CHARS - 1))));
  const w = cnnWeights(3, 6);
  const target = rand([words.length, 6]);
  const run = async (threads: number) => {
    await initBackend({ backend: 'wasm', threads });
    const ids = padded(words, 9);
    const out = charCnn(ids, w, 3).dataSync();
    const grads = tf.grads((emb: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor) =>
      tf.sum(tf.mul(charCnn(ids, { embeddings: emb as tf.Tensor2D, kernel: kernel as tf.Tensor2D, bias: bias as tf.Tensor1D }, 3), target)),
    )([w.embeddings, w.kernel!, w.bias!]);
    return [Array.from(out), ...grads.map((g) => Array.from(g.dataSync()))];
  };
  const one = await run(1);
  const two = await run(2);
  assert.ok(fastPath().charCnn);
  assert.deepEqual(two, one);
  assert.ok(one[0].some((v) => v !== 0));
});

test('distinct rows and their index', () => {
  const { rows, index } = distinctRows(Int32Array.from([1, 2, 0, 3, 1, 2, 0, 0]), 2);
  assert.deepEqual(Array.from(rows), [1, 2, 0, 3, 0, 0]);
  assert.deepEqual(Array.from(index), [0, 1, 0, 2]);
});

test('casing categories', () => {
  const cases: Array<[string, string]> = [
    ['paris', 'lower'],
    ['Paris', 'title'],
    ['A', 'title'],
    ['EU', 'upper'],
    ['McDonald', 'mixed'],
    ['iPhone', 'mixed'],
    ['1996', 'numeric'],
    ['1996-08-22', 'has_digit'],
    ['B2B', 'has_digit'],
    [',', 'other'],
    ['Ålborg', 'title'],
    ['ÉCOLE', 'upper'],
  ];
  for (const [token, casing] of cases) assert.equal(CASINGS[casingOf(token)], casing, token);
});

test('long tokens keep their first and last characters; code points are not split', () => {
  assert.deepEqual(tokenChars('Paris'), ['P', 'a', 'r', 'i', 's']);
  const long = 'abcdefghijklmnopqrstuvwxyz';
  assert.equal(tokenChars(long).join(''), 'abcdefghijqrstuvwxyz');
  assert.equal(tokenChars(long).length, MAX_WORD_CHARS);
  assert.deepEqual(tokenChars('a😀b'), ['a', '😀', 'b']);
});

test('tokenChars reads only the ends of a long token, with the same result as splitting it whole', () => {
  const reference = (token: string, max: number): string[] => {
    const chars = Array.from(token);
    if (chars.length <= max) return chars;
    const head = Math.ceil(max / 2);
    return [...chars.slice(0, head), ...chars.slice(chars.length - (max - head))];
  };
  // Letters, astral code points (surrogate pairs) and lone surrogates, around the length where cutting starts.
  const piece = fc.constantFrom('a', 'Z', 'é', '😀', '𝔸', '\uD800', '\uDC00');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 50 }), fc.integer({ min: 1, max: 24 }), (pieces, max) => {
      const token = pieces.join('');
      assert.deepEqual(tokenChars(token, max), reference(token, max));
    }),
    { seed: 16, numRuns: 500 },
  );
  // A token of 50 million characters (an input without spaces) is read at its two ends only.
  assert.equal(tokenChars('x'.repeat(5e7)).length, MAX_WORD_CHARS);
});
