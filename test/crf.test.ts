import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { CRF, CrfParams, constrainParams, crfLogPartition, crfNegLogLikelihood, crfPathScore } from '../src/model/crf';
import { allowedTransitions } from '../src/decode/constraints';
import { schemeProblems } from '../src/data/tagScheme';
import { crfNegLogLikelihoodFused } from '../src/fast/crfFused';
import { viterbi, viterbiBatch } from '../src/decode/viterbi';
import {
  PlainCrf,
  allPaths,
  bruteBest,
  bruteLogPartition,
  bruteNll,
  logSumExp,
  pathScore,
  randomCrf,
  randomMatrix,
} from './helpers/bruteCrf';
import { makeRng, randInt } from '../src/util/random';
import { initBackend } from '../src/backend';

function paramsOf(crf: PlainCrf): CrfParams {
  return {
    start: tf.tensor1d(crf.start),
    transitions: tf.tensor2d(crf.trans),
    end: tf.tensor1d(crf.end),
  };
}

function disposeParams(p: CrfParams): void {
  tf.dispose([p.start, p.transitions, p.end]);
}

/**
 * A padded batch: sentence b has lengths[b] real tokens; padded positions get
 * large random garbage emissions and tags, which masking must ignore.
 */
function paddedBatch(lengths: number[], k: number, seed: number) {
  const T = Math.max(...lengths);
  const rng = makeRng(seed);
  const sentences = lengths.map((len, b) => randomMatrix(len, k, seed + 10 * b));
  const gold = lengths.map((len) => Array.from({ length: len }, () => randInt(rng, k)));
  const emit: number[][][] = [];
  const tags: number[][] = [];
  const mask: number[][] = [];
  lengths.forEach((len, b) => {
    emit.push(Array.from({ length: T }, (_, t) => (t < len ? sentences[b][t] : Array.from({ length: k }, () => 50 * rng()))));
    tags.push(Array.from({ length: T }, (_, t) => (t < len ? gold[b][t] : randInt(rng, k))));
    mask.push(Array.from({ length: T }, (_, t) => (t < len ? 1 : 0)));
  });
  return { T, sentences, gold, emissions: tf.tensor3d(emit), tags: tf.tensor2d(tags, undefined, 'int32'), mask: tf.tensor2d(mask) };
}

const CASES: Array<{ k: number; lengths: number[] }> = [
  { k: 2, lengths: [1] },
  { k: 2, lengths: [4, 2, 1] },
  { k: 3, lengths: [5, 5, 3] },
  { k: 4, lengths: [2, 4, 1, 3] },
  { k: 5, lengths: [4, 1] },
  { k: 3, lengths: [7, 6] },
];

/** The NLL by tf ops (autodiff; the reference, used on native backends) and by the fused forward-backward kernel. */
const NLL_IMPLEMENTATIONS = [
  ['tf ops', crfNegLogLikelihood],
  ['fused', crfNegLogLikelihoodFused],
] as const;

// Every backend the project runs without native packages; wasm has had kernel bugs of its own.
for (const backend of ['cpu', 'wasm'] as const) {
  describe(`CRF on ${backend}`, () => {
    before(async () => {
      await initBackend({ backend });
    });

    describe('forward algorithm', () => {
      for (const [i, { k, lengths }] of CASES.entries()) {
        test(`log-partition equals log-sum-exp over all paths (K=${k}, lengths ${lengths.join(',')})`, () => {
          const crf = randomCrf(k, 100 + i);
          const batch = paddedBatch(lengths, k, 200 + i);
          const params = paramsOf(crf);
          const logZ = crfLogPartition(batch.emissions, batch.mask, params).arraySync();
          lengths.forEach((_, b) => {
            const expected = bruteLogPartition(batch.sentences[b], crf);
            assert.ok(Math.abs(logZ[b] - expected) < 1e-4 * Math.max(1, Math.abs(expected)), `sentence ${b}: ${logZ[b]} vs ${expected}`);
          });
          for (const [name, nllOf] of NLL_IMPLEMENTATIONS) {
            const nll = nllOf(batch.emissions, batch.tags, batch.mask, params).arraySync();
            lengths.forEach((_, b) => {
              const expected = bruteNll(batch.sentences[b], batch.gold[b], crf);
              assert.ok(Math.abs(nll[b] - expected) < 1e-4 * Math.max(1, Math.abs(expected)), `${name} nll ${b}: ${nll[b]} vs ${expected}`);
            });
          }
          disposeParams(params);
          tf.dispose([batch.emissions, batch.tags, batch.mask]);
        });
      }

      test('path scores match enumeration and path probabilities sum to 1', () => {
        const k = 3;
        const len = 4;
        const crf = randomCrf(k, 7);
        const emit = randomMatrix(len, k, 8);
        const paths = allPaths(len, k); // all 81 paths form one batch over the same sentence
        const params = paramsOf(crf);
        const emissions = tf.tensor3d(paths.map(() => emit));
        const tags = tf.tensor2d(paths, undefined, 'int32');
        const mask = tf.ones([paths.length, len]) as tf.Tensor2D;
        const scores = crfPathScore(emissions, tags, mask, params).arraySync();
        const logZ = crfLogPartition(emissions, mask, params).arraySync()[0];
        paths.forEach((p, i) => assert.ok(Math.abs(scores[i] - pathScore(emit, p, crf)) < 1e-4));
        const total = scores.reduce((acc, s) => acc + Math.exp(s - logZ), 0);
        assert.ok(Math.abs(total - 1) < 1e-4, `probabilities sum to ${total}`);
        assert.ok(Math.abs(logSumExp(scores) - logZ) < 1e-4);
        disposeParams(params);
        tf.dispose([emissions, tags, mask]);
      });

      for (const [name, nllOf] of NLL_IMPLEMENTATIONS) test(`${name}: a padded sentence gets the same loss as the sentence alone`, () => {
        const k = 4;
        const crf = randomCrf(k, 31);
        const batch = paddedBatch([6, 2, 4], k, 32);
        const params = paramsOf(crf);
        const padded = nllOf(batch.emissions, batch.tags, batch.mask, params).arraySync();
        batch.sentences.forEach((sent, b) => {
          const alone = nllOf(
            tf.tensor3d([sent]),
            tf.tensor2d([batch.gold[b]], undefined, 'int32'),
            tf.ones([1, sent.length]) as tf.Tensor2D,
            params,
          ).arraySync()[0];
          assert.ok(Math.abs(alone - padded[b]) < 1e-5, `sentence ${b}: alone ${alone}, padded ${padded[b]}`);
        });
      });
    });

    describe('gradients', () => {
      for (const [name, nllOf] of NLL_IMPLEMENTATIONS) test(`${name}: gradients of the NLL match finite differences of the brute-force NLL`, () => {
        const k = 3;
        const lengths = [4, 2];
        checkGradients(nllOf, name, k, lengths, 51);
        checkGradients(nllOf, name, k, [1, 1], 61); // every sentence one token: T = 1
      });
    });

    function checkGradients(
      nllOf: (typeof NLL_IMPLEMENTATIONS)[number][1],
      name: string,
      k: number,
      lengths: number[],
      seed: number,
    ): void {
      {
        const crf = randomCrf(k, seed);
        const batch = paddedBatch(lengths, k, seed + 1);
        const T = batch.T;
        // Loss = sum over the batch, so each parameter's gradient is the sum of per-sentence derivatives.
        // The zero-weight term keeps transitions connected when no sentence has two
        // tokens (tf.grads refuses inputs the output does not depend on); it adds 0.
        const loss = (e: tf.Tensor, s: tf.Tensor, tr: tf.Tensor, en: tf.Tensor) =>
          tf.add(
            tf.sum(
              nllOf(e as tf.Tensor3D, batch.tags, batch.mask, {
                start: s as tf.Tensor1D,
                transitions: tr as tf.Tensor2D,
                end: en as tf.Tensor1D,
              }),
            ),
            tf.mul(0, tf.sum(tr)),
          );
        const [gE, gS, gT, gEnd] = tf.grads(loss)([
          batch.emissions,
          tf.tensor1d(crf.start),
          tf.tensor2d(crf.trans),
          tf.tensor1d(crf.end),
        ]);
        const total = (c: PlainCrf, sents: number[][][]) => sents.reduce((acc, s, b) => acc + bruteNll(s, batch.gold[b], c), 0);
        const h = 1e-5;
        const close = (auto: number, numeric: number, what: string) =>
          assert.ok(Math.abs(auto - numeric) < 2e-3, `${name}, lengths ${lengths.join(",")}: ${what}: autodiff ${auto}, finite difference ${numeric}`);
        const central = (bump: (d: number) => number) => (bump(h) - bump(-h)) / (2 * h);

        const emissionGrad = gE.arraySync() as number[][][];
        lengths.forEach((len, b) => {
          for (let t = 0; t < T; t++) {
            for (let j = 0; j < k; j++) {
              if (t >= len) {
                assert.equal(emissionGrad[b][t][j], 0, `padding at [${b},${t},${j}] must get no gradient`);
                continue;
              }
              const numeric = central((d) => {
                const sents = batch.sentences.map((s) => s.map((r) => [...r]));
                sents[b][t][j] += d;
                return total(crf, sents);
              });
              close(emissionGrad[b][t][j], numeric, `d/d emissions[${b},${t},${j}]`);
            }
          }
        });
        const startGrad = gS.arraySync() as number[];
        const endGrad = gEnd.arraySync() as number[];
        const transGrad = gT.arraySync() as number[][];
        for (let j = 0; j < k; j++) {
          close(startGrad[j], central((d) => total({ ...crf, start: crf.start.map((v, i) => (i === j ? v + d : v)) }, batch.sentences)), `d/d start[${j}]`);
          close(endGrad[j], central((d) => total({ ...crf, end: crf.end.map((v, i) => (i === j ? v + d : v)) }, batch.sentences)), `d/d end[${j}]`);
          for (let i = 0; i < k; i++) {
            const bumped = (d: number) => total({ ...crf, trans: crf.trans.map((row, r) => row.map((v, c) => (r === i && c === j ? v + d : v))) }, batch.sentences);
            close(transGrad[i][j], central(bumped), `d/d transitions[${i},${j}]`);
          }
        }
      }
    }

    describe('training constraints', () => {
      const tags = ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'];
      const allowed = allowedTransitions(tags, 'iob2');
      const wellFormed = (path: number[]) => schemeProblems(path.map((id) => tags[id]), 'iob2').length === 0;
      for (const [name, nll] of NLL_IMPLEMENTATIONS) {
        test(`${name}: the constrained NLL is the NLL over well-formed paths only; forbidden scores get no gradient`, () => {
          const crf = randomCrf(tags.length, 77);
          const lengths = [4, 2, 3];
          const batch = paddedBatch(lengths, tags.length, 78);
          // Gold paths must be well-formed: take each sentence's best well-formed path.
          const gold = batch.sentences.map((rows) => {
            const paths = allPaths(rows.length, tags.length).filter(wellFormed);
            return paths.reduce((a, b) => (pathScore(rows, b, crf) > pathScore(rows, a, crf) ? b : a));
          });
          const goldTensor = tf.tensor2d(gold.map((p) => [...p, ...new Array(batch.T - p.length).fill(0)]), undefined, 'int32');
          const params = paramsOf(crf);
          const [value, grads] = tf.tidy(() => {
            const f = (start: tf.Tensor, transitions: tf.Tensor, end: tf.Tensor) =>
              tf.sum(nll(batch.emissions, goldTensor, batch.mask, constrainParams({ start: start as tf.Tensor1D, transitions: transitions as tf.Tensor2D, end: end as tf.Tensor1D }, allowed)));
            const { value, grads } = tf.valueAndGrads(f)([params.start, params.transitions, params.end]);
            return [value.dataSync()[0], grads.map((g) => Array.from(g.dataSync()))];
          });
          const expected = batch.sentences.reduce((acc, rows, b) => {
            const scores = allPaths(rows.length, tags.length).filter(wellFormed).map((p) => pathScore(rows, p, crf));
            return acc + logSumExp(scores) - pathScore(rows, gold[b], crf);
          }, 0);
          assert.ok(Math.abs(value - expected) < 1e-3, `${value} vs ${expected}`);
          allowed.start.forEach((ok, j) => ok || assert.equal(grads[0][j], 0));
          allowed.transitions.forEach((ok, j) => ok || assert.equal(grads[1][j], 0));
          assert.ok(grads[1].some((g) => g !== 0));
          disposeParams(params);
          tf.dispose([batch.emissions, batch.tags, batch.mask, goldTensor]);
        });
      }
    });

    describe('viterbi', () => {
      for (const [i, { k, lengths }] of CASES.entries()) {
        test(`equals the enumerated argmax (K=${k}, lengths ${lengths.join(',')})`, () => {
          const crf = randomCrf(k, 300 + i);
          const weights = {
            numTags: k,
            start: Float32Array.from(crf.start),
            transitions: Float32Array.from(crf.trans.flat()),
            end: Float32Array.from(crf.end),
          };
          const batch = paddedBatch(lengths, k, 400 + i);
          const flat = batch.emissions.dataSync();
          const decoded = viterbiBatch(flat, lengths, batch.T, weights);
          batch.sentences.forEach((sent, b) => {
            const best = bruteBest(sent, crf);
            const alone = viterbi(Float32Array.from(sent.flat()), sent.length, weights);
            assert.deepEqual(alone.path, best.path, `sentence ${b} alone`);
            assert.ok(Math.abs(alone.score - best.score) < 1e-4);
            assert.deepEqual(decoded[b], alone.path, `sentence ${b} in a padded batch decodes like it does alone`);
          });
        });
      }

      test('rejects an empty sentence and short input with a clear message', () => {
        const w = { numTags: 2, start: new Float32Array(2), transitions: new Float32Array(4), end: new Float32Array(2) };
        assert.throws(() => viterbi(new Float32Array(0), 0, w), /at least one token/);
        assert.throws(() => viterbi(new Float32Array(3), 2, w), /expected 4 emission scores/);
      });
    });

    describe('CRF layer', () => {
      test('validates shapes and dtypes, saying what was expected and what came', () => {
        const p = paramsOf(randomCrf(3, 1));
        const e = tf.zeros([2, 4, 3]) as tf.Tensor3D;
        const m = tf.ones([2, 4]) as tf.Tensor2D;
        const y = tf.zeros([2, 4], 'int32') as tf.Tensor2D;
        assert.throws(() => crfNegLogLikelihood(tf.zeros([2, 4, 5]) as tf.Tensor3D, y, m, p), /last dimension of emissions to be 3 tags, got 5/);
        assert.throws(() => crfNegLogLikelihood(e, y, tf.ones([2, 3]) as tf.Tensor2D, p), /mask must have shape \[2, 4\].*got \[2, 3\]/);
        assert.throws(() => crfNegLogLikelihood(e, tf.zeros([2, 4]) as tf.Tensor2D, m, p), /tags must be int32/);
        assert.throws(() => crfNegLogLikelihood(tf.zeros([2, 3]) as unknown as tf.Tensor3D, y, m, p), /rank 3/);
        const one = paramsOf(randomCrf(1, 1));
        assert.throws(() => crfNegLogLikelihood(tf.zeros([2, 4, 1]) as tf.Tensor3D, y, m, one), /at least 2 tags/);
      });

      test('owns start, end and transition weights, serialises and computes the mean NLL', () => {
        const k = 3;
        const input = tf.input({ shape: [null, k] });
        const layer = new CRF({ seed: 5, name: 'crf' });
        const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
        assert.deepEqual(layer.weights.map((w) => w.shape), [[k, k], [k], [k]]);
        assert.equal(layer.numTags, k);
        const restored = tf.models.modelFromJSON({ modelTopology: model.toJSON(undefined, false) as tf.io.ModelJSON['modelTopology'] });
        return restored.then((m) => {
          const again = m.getLayer('crf');
          assert.ok(again instanceof CRF, 'the layer is rebuilt as a CRF from its className');
          assert.deepEqual(again.getConfig().initRange, 0.1);
          const plain: PlainCrf = {
            k,
            start: Array.from(layer.weightsForDecoding().start),
            end: Array.from(layer.weightsForDecoding().end),
            trans: (layer.params().transitions.arraySync() as number[][]),
          };
          const emit = randomMatrix(4, k, 9);
          const gold = [0, 2, 1, 1];
          const nll = layer.negativeLogLikelihood(tf.tensor3d([emit, emit]), tf.tensor2d([gold, gold], undefined, 'int32'), tf.ones([2, 4]) as tf.Tensor2D);
          assert.ok(Math.abs(nll.arraySync() - bruteNll(emit, gold, plain)) < 1e-4);
          const out = model.predict(tf.tensor3d([emit])) as tf.Tensor;
          assert.deepEqual(out.arraySync(), tf.tensor3d([emit]).arraySync(), 'emissions pass through the layer unchanged');
        });
      });
    });
  });
}
