/**
 * Viterbi decoding (Viterbi, 1967) of a linear-chain CRF: the single
 * highest-scoring tag path, argmax_y s(x, y), with s as defined in model/crf.ts.
 *
 * Runs on plain typed arrays: decoding is O(n K^2) with small K, and a loop in
 * JavaScript beats dozens of tiny tensor ops per time step on every backend.
 */
import type { CrfWeights } from '../model/crfTypes';

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
  // (in the smallest integers that hold a tag id: a long sentence keeps one per tag and token)
  const backpointer = k <= 1 << 8 ? new Uint8Array(length * k) : k <= 1 << 16 ? new Uint16Array(length * k) : new Int32Array(length * k);
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
 * At most this many partial paths (tokens x tags x n) may viterbiNBest keep:
 * two to four bytes each, so an n-best list of any sentence fits in 128 MB.
 */
export const NBEST_PARTIAL_PATHS = 2 ** 25;

/** The partial paths viterbiNBest keeps for `n` paths of a sentence of `length` tokens and `k` tags. */
export function nbestPartialPaths(length: number, k: number, n: number): number {
  // A sentence has at most K^length paths: lists longer than that would stay empty.
  return length * k * Math.min(n, Math.pow(k, length));
}

/**
 * The `n` best distinct paths of one sentence, best first (list Viterbi,
 * Seshadri & Sundberg 1994): each (token, tag) keeps its n best partial paths
 * instead of one, with a back-pointer to (previous tag, rank). Fewer than `n`
 * come back when the sentence has fewer paths of finite score.
 * Same arguments as `viterbi`; with n = 1 the result is `[viterbi(...)]`.
 * Throws a RangeError when length x K x n exceeds NBEST_PARTIAL_PATHS.
 */
export function viterbiNBest(emissions: ArrayLike<number>, length: number, weights: CrfWeights, n: number, offset = 0): ViterbiResult[] {
  const k = weights.numTags;
  if (!Number.isInteger(n) || n < 1) throw new Error(`viterbiNBest: n must be a positive integer, got ${n}`);
  checkSentence('viterbiNBest', emissions, length, k, offset);
  const kept = nbestPartialPaths(length, k, n);
  if (kept > NBEST_PARTIAL_PATHS) {
    throw new RangeError(`${n} best paths of ${length} tokens and ${k} tags would keep ${kept} partial paths, over the limit of ${NBEST_PARTIAL_PATHS}`);
  }
  n = kept / (length * k);
  const { start, transitions, end } = weights;
  // List (t, j): the best scores of paths over tokens 0..t ending in tag j, descending,
  // at most n. Scores are kept for the previous token only; for every token,
  // back[(t * k + j) * n + r] = previous tag * n + its rank, and size[t * k + j] the list's length.
  const back = k * n <= 1 << 16 ? new Uint16Array(length * k * n) : new Uint32Array(length * k * n);
  const size = n < 1 << 16 ? new Uint16Array(length * k) : new Uint32Array(length * k);
  let before = new Float64Array(k * n);
  let here = new Float64Array(k * n);
  for (let j = 0; j < k; j++) {
    before[j * n] = start[j] + emissions[offset + j];
    size[j] = before[j * n] > -Infinity ? 1 : 0;
  }
  // The next candidate of each previous tag's list, while merging them into one.
  const next = new Int32Array(k);
  for (let t = 1; t < length; t++) {
    const row = offset + t * k;
    const prevSize = (t - 1) * k;
    for (let j = 0; j < k; j++) {
      // The candidates from tag i are its list, shifted by one score: already sorted, so the n
      // best are merged from the heads of the k lists (ties: the lower tag, then the lower rank).
      next.fill(0);
      let count = 0;
      const at = (t * k + j) * n;
      while (count < n) {
        let bestTag = -1;
        let best = -Infinity;
        for (let i = 0; i < k; i++) {
          if (next[i] >= size[prevSize + i]) continue;
          const s = before[i * n + next[i]] + transitions[i * k + j];
          if (s > best) {
            best = s;
            bestTag = i;
          }
        }
        if (bestTag < 0) break;
        here[j * n + count] = best + emissions[row + j];
        back[at + count] = bestTag * n + next[bestTag];
        next[bestTag]++;
        count++;
      }
      size[t * k + j] = count;
    }
    const swap = before;
    before = here;
    here = swap;
  }
  // The n best ends, merged the same way over the last token's lists.
  const last = (length - 1) * k;
  next.fill(0);
  const finals: Array<{ tag: number; rank: number; score: number }> = [];
  while (finals.length < n) {
    let bestTag = -1;
    let best = -Infinity;
    for (let j = 0; j < k; j++) {
      if (next[j] >= size[last + j]) continue;
      const s = before[j * n + next[j]] + end[j];
      if (s > best) {
        best = s;
        bestTag = j;
      }
    }
    if (bestTag < 0) break;
    finals.push({ tag: bestTag, rank: next[bestTag], score: best });
    next[bestTag]++;
  }
  return finals.map((f) => {
    const path = new Array<number>(length);
    let tag = f.tag;
    let rank = f.rank;
    for (let t = length - 1; t >= 0; t--) {
      path[t] = tag;
      if (t === 0) break;
      const pointer = back[(t * k + tag) * n + rank];
      tag = Math.floor(pointer / n);
      rank = pointer % n;
    }
    return { path, score: f.score };
  });
}
