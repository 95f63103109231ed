/**
 * Viterbi decoding (Viterbi, 1967) of a linear-chain CRF: the single
 * highest-scoring tag path, argmax_y s(x, y), with s as defined in model/crf.ts.
 *
 * Runs on plain typed arrays: decoding is O(n K^2) with small K, and a loop in
 * JavaScript beats dozens of tiny tensor ops per time step on every backend.
 */
import type { CrfWeights } from '../model/crf';

export interface ViterbiResult {
  /** Best tag id at each of the sentence's tokens. */
  path: number[];
  /** Its unnormalised score s(x, y). */
  score: number;
}

/** Throws, naming `caller`, unless `emissions` holds `length` >= 1 rows of K scores from `offset`. */
export function checkSentence(caller: string, emissions: ArrayLike<number>, length: number, k: number, offset: number): void {
  if (length < 1) throw new Error(`${caller}: a sentence needs at least one token, got length ${length}`);
  if (emissions.length < offset + length * k) {
    throw new Error(`${caller}: expected ${length * k} emission scores from offset ${offset}, got ${emissions.length - offset}`);
  }
}

/**
 * Best path of one sentence.
 * @param emissions scores of the sentence, row-major [length, K] starting at `offset`
 *                  (so a padded batch can be decoded without copying)
 * @param length    number of real tokens, at least 1
 */
export function viterbi(emissions: ArrayLike<number>, length: number, weights: CrfWeights, offset = 0): ViterbiResult {
  const k = weights.numTags;
  checkSentence('viterbi', emissions, length, k, offset);
  const { start, transitions, end } = weights;
  // score[j]: best score of any path over tokens 0..t that ends in tag j
  let score = new Float64Array(k);
  let next = new Float64Array(k);
  // backpointer[t * k + j]: the previous tag on the best path that reaches tag j at token t
  const backpointer = new Int32Array(length * k);
  for (let j = 0; j < k; j++) score[j] = start[j] + emissions[offset + j];
  for (let t = 1; t < length; t++) {
    const row = offset + t * k;
    for (let j = 0; j < k; j++) {
      let best = -Infinity;
      let arg = 0;
      for (let i = 0; i < k; i++) {
        const s = score[i] + transitions[i * k + j];
        if (s > best) {
          best = s;
          arg = i;
        }
      }
      next[j] = best + emissions[row + j];
      backpointer[t * k + j] = arg;
    }
    const swap = score;
    score = next;
    next = swap;
  }
  let bestLast = 0;
  let bestScore = -Infinity;
  for (let j = 0; j < k; j++) {
    const s = score[j] + end[j];
    if (s > bestScore) {
      bestScore = s;
      bestLast = j;
    }
  }
  const path = new Array<number>(length);
  path[length - 1] = bestLast;
  for (let t = length - 1; t > 0; t--) path[t - 1] = backpointer[t * k + path[t]];
  return { path, score: bestScore };
}

/**
 * Best paths of a padded batch.
 * @param emissions [B, T, K] row-major
 * @param lengths   real length of each of the B sentences (each 1..T)
 */
export function viterbiBatch(
  emissions: ArrayLike<number>,
  lengths: ArrayLike<number>,
  maxLength: number,
  weights: CrfWeights,
): number[][] {
  const k = weights.numTags;
  const out: number[][] = [];
  for (let b = 0; b < lengths.length; b++) {
    if (lengths[b] > maxLength) throw new Error(`viterbiBatch: length ${lengths[b]} exceeds the padded length ${maxLength}`);
    out.push(viterbi(emissions, lengths[b], weights, b * maxLength * k).path);
  }
  return out;
}

/**
 * The `n` best distinct paths of one sentence, best first (list Viterbi,
 * Seshadri & Sundberg 1994): each (token, tag) keeps its n best partial paths
 * instead of one, with a back-pointer to (previous tag, rank). Fewer than `n`
 * come back when the sentence has fewer paths of finite score.
 * Same arguments as `viterbi`; with n = 1 the result is `[viterbi(...)]`.
 */
export function viterbiNBest(emissions: ArrayLike<number>, length: number, weights: CrfWeights, n: number, offset = 0): ViterbiResult[] {
  const k = weights.numTags;
  if (!Number.isInteger(n) || n < 1) throw new Error(`viterbiNBest: n must be a positive integer, got ${n}`);
  checkSentence('viterbiNBest', emissions, length, k, offset);
  const { start, transitions, end } = weights;
  // Entry (t, j, r): the r-th best score of a path over tokens 0..t ending in tag j,
  // and where it came from at t - 1. Lists are sorted descending and hold at most n.
  interface Entry {
    score: number;
    prevTag: number;
    prevRank: number;
  }
  const lists: Entry[][][] = [];
  lists.push(Array.from({ length: k }, (_, j) => [{ score: start[j] + emissions[offset + j], prevTag: -1, prevRank: -1 }]));
  for (let t = 1; t < length; t++) {
    const row = offset + t * k;
    const before = lists[t - 1];
    const here: Entry[][] = [];
    for (let j = 0; j < k; j++) {
      const candidates: Entry[] = [];
      for (let i = 0; i < k; i++) {
        before[i].forEach((e, r) => candidates.push({ score: e.score + transitions[i * k + j] + emissions[row + j], prevTag: i, prevRank: r }));
      }
      here.push(topN(candidates, n));
    }
    lists.push(here);
  }
  const finals: Array<Entry & { tag: number }> = [];
  lists[length - 1].forEach((list, j) => list.forEach((e, r) => finals.push({ score: e.score + end[j], prevTag: j, prevRank: r, tag: j })));
  return topN(finals, n).map((f) => {
    const path = new Array<number>(length);
    let tag = f.prevTag;
    let rank = f.prevRank;
    for (let t = length - 1; t >= 0; t--) {
      path[t] = tag;
      const e = lists[t][tag][rank];
      tag = e.prevTag;
      rank = e.prevRank;
    }
    return { path, score: f.score };
  });
}

/** The n highest-scoring entries of finite score, best first (ties keep candidate order). */
function topN<E extends { score: number }>(entries: E[], n: number): E[] {
  return entries
    .filter((e) => e.score > -Infinity)
    .sort((a, b) => b.score - a.score)
    .slice(0, n);
}
