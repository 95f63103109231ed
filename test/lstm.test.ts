/**
 * The fused LSTM path must compute exactly what the tf.layers graph computes:
 * the same emissions and the same loss gradients for every weight, on padded
 * batches, in both directions.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { Batch, makeBatches } from '../src/data/batch';
import { buildCharVocabulary } from '../src/data/features';
import { TagVocabulary, Vocabulary } from '../src/data/vocab';
import { dropoutNoiseShape, fusedEmissions, timeMajorDropout } from '../src/fast/fusedForward';
import { DropoutMasks } from '../src/fast/dropout';
import { gateScale, lstmCellBackward, lstmCellForward } from '../src/fast/lstmCell';
import { NerModel } from '../src/model/nerModel';
import { makeRng } from '../src/util/random';
import { tinyCorpus } from './helpers/tiny';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('locked dropout keeps or drops a feature for a whole sequence; unlocked draws per token', () => {
  const T = 6;
  const B = 4;
  const D = 50;
  const ones = tf.ones([T * B, D]) as tf.Tensor2D;
  const zeroPattern = (locked: boolean) => tf.tidy(() => Array.from(timeMajorDropout(ones, new DropoutMasks([dropoutNoiseShape(T * B, D, locked, B)], 0.5), locked, B).dataSync(), (v) => v === 0));
  const varies = (pattern: boolean[]) => {
    // Does any (sequence, feature) pair change between time steps? Row t*B + b is step t of sequence b.
    for (let b = 0; b < B; b++) {
      for (let d = 0; d < D; d++) {
        for (let t = 1; t < T; t++) if (pattern[(t * B + b) * D + d] !== pattern[b * D + d]) return true;
      }
    }
    return false;
  };
  const locked = zeroPattern(true);
  assert.equal(varies(locked), false);
  assert.ok(locked.some((z) => z) && locked.some((z) => !z), 'some features dropped, some kept');
  assert.equal(varies(zeroPattern(false)), true);
  ones.dispose();
});

test('the cell backward is the derivative of the cell forward (finite differences, with a masked row)', () => {
  const B = 2;
  const H = 3;
  const rng = makeRng(21);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng() * 2 - 1);
  const xProj = rand(B * 4 * H);
  const hU = rand(B * 4 * H);
  const hPrev = rand(B * H);
  const cPrev = rand(B * H);
  const mask = Float32Array.from([1, 0]);
  const attrs = { step: 0, batch: B, units: H };
  // Loss = sum(wh * h) + sum(wc * c), so dL/dh = wh and dL/dc = wc.
  const wh = rand(B * H);
  const wc = rand(B * H);
  const scale = gateScale(H);
  const loss = (z: Float32Array, hp: Float32Array, cp: Float32Array) => {
    const out = { h: new Float32Array(B * H), c: new Float32Array(B * H), gates: new Float32Array(B * 4 * H), tanhC: new Float32Array(B * H) };
    // the caller's half of the forward: one sigmoid over the scaled pre-activations
    const act = Float32Array.from(z, (v, k) => 1 / (1 + Math.exp(-v * scale[k % (4 * H)])));
    lstmCellForward(act, hp, cp, mask, attrs, out);
    let l = 0;
    for (let i = 0; i < B * H; i++) l += wh[i] * out.h[i] + wc[i] * out.c[i];
    return { l, out };
  };
  const z = Float32Array.from(xProj, (v, i) => v + hU[i]);
  const { out } = loss(z, hPrev, cPrev);
  const grad = { dz: new Float32Array(B * 4 * H), dcPrev: new Float32Array(B * H), dhCarryPrev: new Float32Array(B * H) };
  const zeros = new Float32Array(B * H);
  lstmCellBackward(wh, zeros, zeros, wc, out.gates, out.tanhC, cPrev, mask, attrs, grad);
  const h = 1e-2; // float32 arithmetic inside: a wide step keeps rounding noise small
  const numeric = (arr: Float32Array, i: number, f: (a: Float32Array) => number) => {
    const up = Float32Array.from(arr);
    up[i] += h;
    const down = Float32Array.from(arr);
    down[i] -= h;
    return (f(up) - f(down)) / (2 * h);
  };
  for (let i = 0; i < B * 4 * H; i++) {
    const n = numeric(z, i, (a) => loss(a, hPrev, cPrev).l);
    assert.ok(Math.abs(n - grad.dz[i]) < 2e-3, `dz[${i}]: ${grad.dz[i]} vs ${n}`);
  }
  for (let i = 0; i < B * H; i++) {
    const nc = numeric(cPrev, i, (a) => loss(z, hPrev, a).l);
    assert.ok(Math.abs(nc - grad.dcPrev[i]) < 2e-3, `dcPrev[${i}]: ${grad.dcPrev[i]} vs ${nc}`);
    // h_prev reaches h directly only through the mask carry (through U is the caller's matMul).
    const nh = numeric(hPrev, i, (a) => loss(z, a, cPrev).l);
    assert.ok(Math.abs(nh - grad.dhCarryPrev[i]) < 2e-3, `dhCarryPrev[${i}]: ${grad.dhCarryPrev[i]} vs ${nh}`);
  }
});

// threads 2: the backward direction runs in the helper thread; 1: all on this thread.
// features: words only; + character CNN and casing; + character BiLSTM (a second BiLSTM on the helper);
// words through two stacked BiLSTM layers.
const CONFIGS = [
  ['wasm', 2, 'words'],
  ['wasm', 1, 'words'],
  ['cpu', 2, 'words'],
  ['cpu', 1, 'words'],
  ['wasm', 2, 'cnn+casing'],
  ['wasm', 2, 'lstm'],
  ['cpu', 1, 'cnn+casing'],
  ['cpu', 1, 'lstm'],
  ['wasm', 2, '2 layers'],
  ['cpu', 1, '2 layers'],
] as const;

for (const [backend, threads, features] of CONFIGS) {
  describe(`fused path vs tf.layers on ${backend}, ${threads} thread(s), ${features}`, () => {
    let model: NerModel;
    let batch: Batch;

    before(async () => {
      const info = await initBackend({ backend, threads });
      assert.equal(info.threads, threads);
      const corpus = tinyCorpus();
      const words = Vocabulary.build(corpus.sentences.map((s) => s.tokens));
      const tags = TagVocabulary.build(corpus.sentences.map((s) => s.tags));
      const kind = features === 'lstm' ? 'lstm' : features === 'cnn+casing' ? 'cnn' : undefined;
      const chars = kind && { vocabulary: buildCharVocabulary(corpus.sentences.flatMap((s) => s.tokens)), kind, charDim: 4, size: 3, window: 3 } as const;
      // dropout 0 so both paths are deterministic and comparable in training mode
      model = NerModel.create({ words, tags, scheme: 'iob2', embeddingDim: 12, hiddenSize: 7, dropout: 0, seed: 3, chars, casingDim: features === 'cnn+casing' ? 3 : 0, lstmLayers: features === '2 layers' ? 2 : 1 });
      // all six sentences, lengths 1..9, in one padded batch
      [batch] = makeBatches(model.encode(corpus, true), 16);
      assert.ok(batch.size === 6 && batch.maxLength === 9);
    });

    test('same emissions at every real token', () => {
      const fused = tf.tidy(() => fusedEmissions(model.network, model.architecture, batch, false).arraySync());
      const layers = tf.tidy(() => model.layersEmissions(batch, false).arraySync());
      for (let b = 0; b < batch.size; b++) {
        for (let t = 0; t < batch.lengths[b]; t++) {
          assert.ok(maxAbsDiff(fused[b][t], layers[b][t]) < 1e-5, `sentence ${b} token ${t}`);
        }
      }
    });

    test('same loss and the same gradient for every weight', () => {
      const variables = model.network.trainableWeights.map((w) => w.read() as tf.Variable);
      const lossWith = (emissions: (b: Batch, training: boolean) => tf.Tensor3D) => () =>
        tf.tidy(() => {
          const tags = tf.tensor2d(batch.tags, [batch.size, batch.maxLength], 'int32');
          const mask = tf.tensor2d(batch.mask, [batch.size, batch.maxLength]);
          return model.crf.negativeLogLikelihood(emissions(batch, true), tags, mask);
        });
      const fused = tf.variableGrads(lossWith((b, tr) => fusedEmissions(model.network, model.architecture, b, tr)), variables);
      const layers = tf.variableGrads(lossWith((b, tr) => model.layersEmissions(b, tr)), variables);
      assert.ok(Math.abs(fused.value.dataSync()[0] - layers.value.dataSync()[0]) < 1e-4);
      for (const name of Object.keys(layers.grads)) {
        const a = fused.grads[name].dataSync();
        const b = layers.grads[name].dataSync();
        const scale = Math.max(1, ...Array.from(b, Math.abs));
        assert.ok(maxAbsDiff(a, b) < 1e-4 * scale, `gradient of ${name}: max difference ${maxAbsDiff(a, b)}`);
      }
      tf.dispose([fused.value, layers.value, ...Object.values(fused.grads), ...Object.values(layers.grads)]);
    });
  });
}
