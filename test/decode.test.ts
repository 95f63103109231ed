/**
 * Decoding beyond the single best path, checked against brute-force
 * enumeration of every tag path: constrained Viterbi, n-best lists with
 * log-probabilities, token marginals and entity-span probabilities.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CrfWeights } from '../src/model/crfTypes';
import type { TagScheme } from '../src/types';
import { NBEST_PARTIAL_PATHS, viterbi, viterbiNBest } from '../src/decode/viterbi';
import { allowedTransitions, constrainWeights } from '../src/decode/constraints';
import { chunkProbability, forwardBackward, tokenMarginals } from '../src/decode/marginals';
import { chunkRules, parseTag, readChunks, schemeProblems } from '../src/data/tagScheme';
import { PlainCrf, allPaths, logSumExp, pathScore, randomCrf, randomMatrix } from './helpers/bruteCrf';

const TAGS: Record<TagScheme, string[]> = {
  iob1: ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'],
  iob2: ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'],
  iobes: ['O', 'B-PER', 'I-PER', 'E-PER', 'S-PER', 'S-LOC'],
  ioe1: ['O', 'I-LOC', 'E-LOC', 'I-PER', 'E-PER'],
  ioe2: ['O', 'I-LOC', 'E-LOC', 'I-PER', 'E-PER'],
  bilou: ['O', 'B-PER', 'I-PER', 'L-PER', 'U-PER', 'U-LOC'],
};
const SCHEMES = Object.keys(TAGS) as TagScheme[];

function toWeights(crf: PlainCrf): CrfWeights {
  return { numTags: crf.k, start: Float32Array.from(crf.start), transitions: Float32Array.from(crf.trans.flat()), end: Float32Array.from(crf.end) };
}

/** Back to the brute-force form, with -Infinity where constrained (rounded to float32 like the weights). */
function toPlain(w: CrfWeights): PlainCrf {
  const k = w.numTags;
  return { k, start: [...w.start], end: [...w.end], trans: Array.from({ length: k }, (_, i) => [...w.transitions.subarray(i * k, (i + 1) * k)]) };
}

/** Emissions as float32 (what decoding receives) and as rows (for brute force). */
function randomEmissions(length: number, k: number, seed: number) {
  const rows = randomMatrix(length, k, seed).map((r) => [...Float32Array.from(r)]);
  return { rows, flat: Float32Array.from(rows.flat()) };
}

function enumerate(rows: number[][], crf: PlainCrf) {
  const paths = allPaths(rows.length, crf.k).map((path) => ({ path, score: pathScore(rows, path, crf) }));
  const logZ = logSumExp(paths.map((p) => p.score));
  return { paths, logZ, prob: (p: { score: number }) => Math.exp(p.score - logZ) };
}

const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('constrained decoding', () => {
  for (const scheme of SCHEMES) {
    test(`${scheme}: Viterbi under the scheme's mask gives well-formed tags, and the best well-formed path`, () => {
      const tags = TAGS[scheme];
      const allowed = allowedTransitions(tags, scheme);
      for (let seed = 0; seed < 40; seed++) {
        const length = 1 + (seed % 5);
        // Large emissions, so that unconstrained decoding often breaks the scheme.
        const { rows, flat } = randomEmissions(length, tags.length, 1000 + seed);
        const weights = constrainWeights(toWeights(randomCrf(tags.length, seed)), allowed);
        const { path, score } = viterbi(flat, length, weights);
        const decoded = path.map((id) => tags[id]);
        assert.deepEqual(schemeProblems(decoded, scheme), [], `${decoded.join(' ')}`);
        const plain = toPlain(weights);
        const best = enumerate(rows, plain).paths.filter((p) => schemeProblems(p.path.map((id) => tags[id]), scheme).length === 0).sort((a, b) => b.score - a.score)[0];
        assert.deepEqual(path, best.path);
        assert.ok(close(score, best.score));
      }
    });
  }

  test('without the mask, random emissions do produce ill-formed IOB2 (so the test above can fail)', () => {
    const tags = TAGS.iob2;
    let illFormed = 0;
    for (let seed = 0; seed < 40; seed++) {
      const { flat } = randomEmissions(5, tags.length, 1000 + seed);
      const decoded = viterbi(flat, 5, toWeights(randomCrf(tags.length, seed))).path.map((id) => tags[id]);
      if (schemeProblems(decoded, 'iob2').length > 0) illFormed++;
    }
    assert.ok(illFormed > 5, `${illFormed} of 40`);
  });

  test('the IOB2 mask forbids exactly START→I-X, O→I-X, B-X→I-Y, I-X→I-Y', () => {
    const tags = TAGS.iob2;
    const m = allowedTransitions(tags, 'iob2');
    assert.deepEqual(m.start, [true, true, false, true, false]);
    assert.deepEqual(m.end, [true, true, true, true, true]);
    const forbidden = tags.flatMap((from, i) => tags.filter((_, j) => !m.transitions[i * tags.length + j]).map((to) => `${from}>${to}`));
    assert.deepEqual(forbidden.sort(), ['B-LOC>I-PER', 'B-PER>I-LOC', 'I-LOC>I-PER', 'I-PER>I-LOC', 'O>I-LOC', 'O>I-PER'].sort());
  });
});

describe('n-best paths', () => {
  for (const constrained of [false, true]) {
    test(`the K best equal the top K of enumeration, with their log-probabilities${constrained ? ' (constrained)' : ''}`, () => {
      const tags = TAGS.iobes;
      for (let seed = 0; seed < 12; seed++) {
        const length = 1 + (seed % 4);
        const { rows, flat } = randomEmissions(length, tags.length, 2000 + seed);
        let weights = toWeights(randomCrf(tags.length, 50 + seed));
        if (constrained) weights = constrainWeights(weights, allowedTransitions(tags, 'iobes'));
        const brute = enumerate(rows, toPlain(weights));
        const expected = brute.paths.filter((p) => p.score > -Infinity).sort((a, b) => b.score - a.score);
        const n = 7;
        const got = viterbiNBest(flat, length, weights, n);
        assert.equal(got.length, Math.min(n, expected.length));
        const logZ = forwardBackward(flat, length, weights).logPartition;
        assert.ok(close(logZ, brute.logZ));
        got.forEach((g, r) => {
          assert.deepEqual(g.path, expected[r].path, `rank ${r}`);
          assert.ok(close(g.score, expected[r].score));
          const logProb = g.score - logZ;
          assert.ok(logProb <= 1e-9 && close(Math.exp(logProb), brute.prob(expected[r])));
        });
        assert.deepEqual(got[0], viterbi(flat, length, weights));
        assert.equal(new Set(got.map((g) => g.path.join())).size, got.length, 'distinct');
      }
    });
  }

  test('n larger than the number of paths returns them all; bad n is refused', () => {
    const weights = toWeights(randomCrf(2, 1));
    const { flat } = randomEmissions(2, 2, 3);
    assert.equal(viterbiNBest(flat, 2, weights, 10).length, 4);
    assert.throws(() => viterbiNBest(flat, 2, weights, 0), /n must be a positive integer, got 0/);
  });

  test('the partial paths kept are bounded: a huge n costs what the paths there are cost, or is refused', () => {
    const weights = toWeights(randomCrf(2, 1));
    const short = randomEmissions(2, 2, 3).flat;
    // Two tokens of two tags have four paths, so a billion best ones are those four.
    assert.equal(viterbiNBest(short, 2, weights, 1e9).length, 4);
    // 30 tokens x 2 tags x n partial paths: up to the limit they are listed, past it refused.
    const long = randomEmissions(30, 2, 4).flat;
    const most = Math.floor(NBEST_PARTIAL_PATHS / 60);
    assert.equal(viterbiNBest(long, 30, weights, 3).length, 3);
    assert.throws(() => viterbiNBest(long, 30, weights, most + 1), /would keep 33554460 partial paths, over the limit of 33554432/);
  });
});

describe('marginals and span confidence', () => {
  for (const scheme of SCHEMES) {
    for (const constrained of [false, true]) {
      test(`${scheme}${constrained ? ', constrained' : ''}: token marginals and span probabilities match enumeration`, () => {
        const tags = TAGS[scheme];
        const rules = chunkRules(scheme);
        for (let seed = 0; seed < 6; seed++) {
          const length = 1 + seed;
          const { rows, flat } = randomEmissions(length, tags.length, 3000 + seed);
          let weights = toWeights(randomCrf(tags.length, 70 + seed));
          if (constrained) weights = constrainWeights(weights, allowedTransitions(tags, scheme));
          const brute = enumerate(rows, toPlain(weights));
          const fb = forwardBackward(flat, length, weights);
          const marginals = tokenMarginals(fb);
          for (let t = 0; t < length; t++) {
            const row = [...marginals.subarray(t * tags.length, (t + 1) * tags.length)];
            assert.ok(close(row.reduce((a, b) => a + b, 0), 1), `token ${t} sums to 1`);
            row.forEach((p, j) => {
              const expected = brute.paths.filter((q) => q.path[t] === j).reduce((acc, q) => acc + brute.prob(q), 0);
              assert.ok(close(p, expected), `P(y_${t} = ${tags[j]}) = ${p}, enumerated ${expected}`);
            });
          }
          // Every span and type, including ones no path produces.
          for (let start = 0; start < length; start++) {
            for (let end = start + 1; end <= length; end++) {
              for (const type of ['PER', 'LOC']) {
                const key = `${type}:${start}:${end}`;
                const expected = brute.paths
                  .filter((q) => readChunks(q.path.map((id) => tags[id]), scheme).some((c) => `${c.type}:${c.start}:${c.end}` === key))
                  .reduce((acc, q) => acc + brute.prob(q), 0);
                const got = chunkProbability(fb, flat, weights, tags.map(parseTag), rules, { type, start, end });
                assert.ok(close(got, expected), `P(${key}) = ${got}, enumerated ${expected}`);
              }
            }
          }
        }
      });
    }
  }

  test('a sentence inside a padded batch gives the same alpha, beta and log Z as alone', () => {
    const k = 4;
    const weights = toWeights(randomCrf(k, 9));
    const { flat: alone } = randomEmissions(3, k, 11);
    const padded = new Float32Array(5 * k * 2).fill(37);
    padded.set(alone, 5 * k); // second sentence of a [2, 5, K] batch
    const a = forwardBackward(alone, 3, weights);
    const b = forwardBackward(padded, 3, weights, 5 * k);
    assert.deepEqual(b, a);
  });
});
