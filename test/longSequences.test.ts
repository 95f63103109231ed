/**
 * Tagging a sequence of any length in bounded memory: the sliced forward pass
 * (fast/fusedForward.ts, slicedEmissions) computes the emission scores of
 * the whole-sequence pass exactly, and NerModel.decode switches to it for
 * sequences longer than a prediction batch.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { REFERENCE_PATH, fastPath, setFastPath } from '../src/fast/fastPath';
import { makeBatches } from '../src/data/batch';
import { buildCharVocabulary } from '../src/data/features';
import { TagVocabulary, Vocabulary } from '../src/data/vocab';
import { viterbi } from '../src/decode/viterbi';
import type { CharEncoderKind } from '../src/model/charEncoder';
import { fusedEmissions, slicedEmissions } from '../src/fast/fusedForward';
import { LSTM_CELL, LSTM_CELL_GRAD, LSTM_CELL_INFERENCE, SPLIT_ROW_BLOCKS } from '../src/fast/lstmCell';
import { NerModel } from '../src/model/nerModel';
import { makeRng, randInt } from '../src/util/random';

const WORDS = ['Angela', 'Merkel', 'visited', 'Paris', 'and', 'the', 'Bank', 'of', 'England', '.', ',', 'in', '2024', 'U.S.'];
const TAGS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG'];

/** Sentences of the given lengths drawn from WORDS (and a few unseen words), from a seed. */
function sentences(lengths: number[], seed: number): string[][] {
  const rng = makeRng(seed);
  return lengths.map((n) => Array.from({ length: n }, () => (rng() < 0.1 ? `unseen${randInt(rng, 1000)}` : WORDS[randInt(rng, WORDS.length)])));
}

/** An untrained model (weights from its seed) with the given encoders. */
function model(charEncoder: CharEncoderKind | 'none', lstmLayers: number, seed: number): NerModel {
  return NerModel.create({
    words: Vocabulary.build([WORDS], { minCount: 1, lowercase: true }),
    tags: TagVocabulary.build([TAGS]),
    scheme: 'iob2',
    embeddingDim: 8,
    hiddenSize: 6,
    lstmLayers,
    dropout: 0.5,
    seed,
    casingDim: 3,
    chars: charEncoder === 'none' ? undefined : { vocabulary: buildCharVocabulary(WORDS), kind: charEncoder, charDim: 4, size: 5, window: 3 },
  });
}

for (const threads of [1, 2]) {
  describe(`sliced emission scores (wasm, ${threads} thread${threads === 1 ? '' : 's'})`, () => {
    before(async () => {
      await initBackend({ backend: 'wasm', threads });
    });

    for (const [charEncoder, layers] of [['cnn', 1], ['lstm', 2], ['none', 3]] as const) {
      test(`equal the whole-sequence scores exactly: ${charEncoder} characters, ${layers} BiLSTM layer${layers === 1 ? '' : 's'}, padded rows, any slice size`, () => {
        const m = model(charEncoder, layers, 7 + layers);
        // Rows of different lengths, so that padding runs through the slices too.
        const [batch] = makeBatches(m.encode(sentences([23, 9, 1, 17], 3).map((tokens) => ({ tokens, tags: [] })), false), 8);
        const before = tf.memory().numTensors;
        const whole = fusedEmissions(m.network, m.architecture, batch, false);
        const expected = whole.dataSync() as Float32Array;
        for (const steps of [1, 2, 5, 23, 1000]) {
          assert.deepEqual(slicedEmissions(m.network, m.architecture, batch, steps), expected, `slices of ${steps} steps`);
        }
        whole.dispose();
        assert.equal(tf.memory().numTensors, before, 'no tensor left over');
        m.dispose();
      });
    }

    test('decode reads a sequence longer than a prediction batch in slices, with the tags of the whole-sequence pass', () => {
      const m = model('cnn', 1, 3);
      const [long] = sentences([5000], 11);
      const weights = m.decodingWeights(true);
      const [batch] = makeBatches(m.encode([{ tokens: long, tags: [] }], false), 1);
      const whole = fusedEmissions(m.network, m.architecture, batch, false);
      const expected = m.tags.decode(viterbi(whole.dataSync(), long.length, weights).path);
      whole.dispose();
      const before = tf.memory().numTensors;
      const [decoded] = m.decode([long], { confidence: true, marginals: true });
      assert.deepEqual(decoded.tags, expected);
      assert.equal(decoded.marginals!.length, long.length);
      assert.ok(decoded.confidences!.every((c) => c >= 0 && c <= 1));
      assert.equal(tf.memory().numTensors, before, 'no tensor left over');
      m.dispose();
    });

    test('the tensor memory decoding holds at once does not grow with the length of the sequence', async () => {
      const m = NerModel.create({
        words: Vocabulary.build([WORDS], { minCount: 1, lowercase: true }),
        tags: TagVocabulary.build([TAGS]),
        scheme: 'iob2',
        embeddingDim: 8,
        hiddenSize: 64,
        dropout: 0,
        seed: 1,
        chars: { vocabulary: buildCharVocabulary(WORDS), kind: 'cnn', charDim: 4, size: 5, window: 3 },
      });
      const peak = async (length: number) => (await tf.profile(() => void m.decode(sentences([length], length)))).peakBytes;
      const [short, long] = [await peak(5000), await peak(10000)];
      // The whole-sequence pass held about 3 KB a token here (16 MB for 5000 tokens); slices hold about 1 MB in all.
      assert.ok(short < 2e6, `5000 tokens: ${short} bytes of tensors at once`);
      assert.ok(long < 1.2 * short, `10000 tokens: ${long} bytes of tensors at once, against ${short} for 5000`);
      m.dispose();
    });
  });
}

describe('sliced emission scores without the project kernels (the path of the tensorflow backend)', () => {
  before(async () => {
    await initBackend({ backend: 'cpu', threads: 1 });
    // The switch off, and the kernels gone too, so that the reference path is seen to need none of them.
    setFastPath('cpu', REFERENCE_PATH);
    [SPLIT_ROW_BLOCKS, LSTM_CELL, LSTM_CELL_INFERENCE, LSTM_CELL_GRAD].forEach((k) => tf.unregisterKernel(k, 'cpu'));
  });
  after(async () => {
    await initBackend({ backend: 'cpu' }); // the fast path again
  });

  for (const [charEncoder, layers] of [['cnn', 1], ['lstm', 2]] as const) {
    test(`equal the tf.layers graph's within rounding: ${charEncoder} characters, ${layers} BiLSTM layer${layers === 1 ? '' : 's'}`, () => {
      assert.equal(fastPath().lstm, false);
      const m = model(charEncoder, layers, 5);
      const [batch] = makeBatches(m.encode(sentences([13, 4, 9], 8).map((tokens) => ({ tokens, tags: [] })), false), 8);
      const before = tf.memory().numTensors;
      const graph = m.layersEmissions(batch, false);
      const expected = graph.dataSync() as Float32Array;
      for (const steps of [2, 5, 100]) {
        const sliced = slicedEmissions(m.network, m.architecture, batch, steps);
        assert.equal(sliced.length, expected.length);
        sliced.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `slices of ${steps}: ${v} against ${expected[i]} at ${i}`));
      }
      graph.dispose();
      assert.equal(tf.memory().numTensors, before, 'no tensor left over');
      m.dispose();
    });
  }
});
