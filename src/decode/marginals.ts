/**
 * Forward-backward on one sentence (Lafferty et al., 2001; Sutton & McCallum,
 * 2012, §4.1): the log-partition log Z(x), each token's tag distribution
 * P(y_t = j | x), and the probability of an entity span, in float64 log space.
 *
 * With alpha, beta and log Z from the recursions in forwardBackward.ts:
 *   alpha[t][j] = log sum over y_0..y_t with y_t = j of exp(score of that prefix, emissions 0..t)
 *   beta[t][j]  = log sum over y_t+1..y_n-1 of exp(score of the suffix after y_t = j, end included)
 *   P(y_t = j)  = exp(alpha[t][j] + beta[t][j] - log Z)
 *
 * Plain arrays, like viterbi.ts: O(n K^2) with small K. Scores of -Infinity
 * (forbidden transitions, see constraints.ts) are handled: such paths get
 * probability 0 and the rest renormalise.
 */
import type { CrfWeights } from '../model/crfTypes';
import { Chunk, ChunkRules, OUTSIDE, ParsedTag } from '../data/chunks';
import { forwardBackwardInto, logSumExp } from './forwardBackward';
import { checkSentence } from './viterbi';

export interface ForwardBackward {
  length: number;
  numTags: number;
  /** [length * K] row-major */
  alpha: Float64Array;
  /** [length * K] row-major */
  beta: Float64Array;
  logPartition: number;
}

/**
 * alpha, beta and log Z of one sentence.
 * @param emissions row-major [length, K] from `offset`, as for `viterbi`
 */
export function forwardBackward(emissions: ArrayLike<number>, length: number, weights: CrfWeights, offset = 0): ForwardBackward {
  const k = weights.numTags;
  checkSentence('forwardBackward', emissions, length, k, offset);
  const alpha = new Float64Array(length * k);
  const beta = new Float64Array(length * k);
  const logPartition = forwardBackwardInto(emissions, offset, length, weights, alpha, beta);
  return { length, numTags: k, alpha, beta, logPartition };
}

/** P(y_t = j | x) for every token t and tag j: [length * K] row-major; each row sums to 1. */
export function tokenMarginals(fb: ForwardBackward): Float64Array {
  return fb.alpha.map((a, i) => Math.exp(a + fb.beta[i] - fb.logPartition));
}

/**
 * The probability that `chunk` (tokens start..end-1, its type) is one of the
 * entities read from the tag path, summed over all paths:
 *   a chunk of that type starts at `start`, none starts or ends inside it,
 *   and one starts or ends at `end` (or the sentence ends there).
 * Each condition involves two neighbouring tags, so the sum is a forward pass
 * over the span's window with disallowed tag pairs left out, joined to alpha
 * before the window and beta after it.
 *
 * @param tags the model's tags in id order, parsed (parseTag), read with `rules`
 */
export function chunkProbability(
  fb: ForwardBackward,
  emissions: ArrayLike<number>,
  weights: CrfWeights,
  tags: readonly ParsedTag[],
  rules: ChunkRules,
  chunk: Chunk,
  offset = 0,
): number {
  const k = fb.numTags;
  const n = fb.length;
  const { start, end, type } = chunk;
  if (!(start >= 0 && start < end && end <= n)) throw new Error(`chunkProbability: span ${start}..${end} does not fit a sentence of ${n} tokens`);
  // The window runs from the token before the chunk (whose tag decides whether
  // one starts) to the token after it (whose tag decides whether it ends).
  const first = Math.max(start - 1, 0);
  const last = Math.min(end, n - 1);
  const allowed = (t: number, i: number, j: number): boolean => {
    const prev = t === 0 ? OUTSIDE : tags[i];
    const cur = tags[j];
    if (t === start) return cur.type === type && rules.isStart(prev, cur);
    if (t < end) return !rules.isStart(prev, cur) && !rules.isEnd(prev, cur);
    return rules.isStart(prev, cur) || rules.isEnd(prev, cur); // t === end
  };
  let v = new Float64Array(k);
  // At the window's first token: alpha, restricted when the chunk starts at token 0.
  for (let j = 0; j < k; j++) v[j] = first === start && !allowed(0, -1, j) ? -Infinity : fb.alpha[first * k + j];
  const terms = new Float64Array(k);
  for (let t = first + 1; t <= last; t++) {
    const next = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      for (let i = 0; i < k; i++) terms[i] = allowed(t, i, j) ? v[i] + weights.transitions[i * k + j] : -Infinity;
      next[j] = logSumExp(terms) + emissions[offset + t * k + j];
    }
    v = next;
  }
  for (let j = 0; j < k; j++) terms[j] = v[j] + fb.beta[last * k + j];
  return Math.min(1, Math.exp(logSumExp(terms) - fb.logPartition));
}
