/**
 * The forward-backward recursions of a linear-chain CRF on one sentence, in
 * float64 log space (Lafferty et al., 2001; Sutton & McCallum, 2012, §4.1),
 * written once for the two places that need them: the token marginals and
 * span probabilities of decoding (marginals.ts) and the training kernel's
 * negative log-likelihood and gradient (fast/crfFused.ts).
 *
 * With s(x, y) as defined in model/crf.ts and e_t the emissions of token t:
 *   alpha[0][j] = start[j] + e_0[j]
 *   alpha[t][j] = logsumexp_i (alpha[t-1][i] + trans[i][j]) + e_t[j]
 *                 (log of the scores of all paths over tokens 0..t ending in j)
 *   beta[n-1][i] = end[i]
 *   beta[t][i]  = logsumexp_j (trans[i][j] + e_{t+1}[j] + beta[t+1][j])
 *                 (log of the scores of all continuations after y_t = i, end included)
 *   log Z       = logsumexp_j (alpha[n-1][j] + end[j])
 *
 * It lives in decode/, with Viterbi, because decode/ is where the CRF's
 * plain-array algorithms are, and model/ already imports decode/: a module in
 * model/ that decode/ imported would make the two folders a cycle.
 * Plain loops, no validation: callers check their input (checkSentence).
 */

/** The CRF's parameters as flat arrays, as in CrfWeights: transitions[i * K + j] scores tag i followed by j. */
export interface CrfArrays {
  numTags: number;
  start: ArrayLike<number>; // [K]
  transitions: ArrayLike<number>; // [K * K]
  end: ArrayLike<number>; // [K]
}

/**
 * log(sum(exp(xs[0..n-1]))) without overflow; -Infinity for an empty sum or
 * one whose terms are all -Infinity (paths that forbidden transitions rule out,
 * see constraints.ts), where the shifted sum would be NaN.
 */
export function logSumExp(xs: ArrayLike<number>, n = xs.length): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (xs[i] > max) max = xs[i];
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(xs[i] - max);
  return max + Math.log(sum);
}

/**
 * Fills alpha and beta for one sentence and returns log Z.
 * @param emissions row-major [length, K] scores from `offset`, so a padded batch is read in place
 * @param length    real tokens, at least 1
 * @param alpha     written: rows 0..length-1 of a row-major [>= length, K] array
 * @param beta      written, as alpha
 */
export function forwardBackwardInto(
  emissions: ArrayLike<number>,
  offset: number,
  length: number,
  crf: CrfArrays,
  alpha: Float64Array,
  beta: Float64Array,
): number {
  const { numTags: k, start, transitions, end } = crf;
  const terms = new Float64Array(k); // one logsumexp's terms, [K]
  for (let j = 0; j < k; j++) alpha[j] = start[j] + emissions[offset + j];
  for (let t = 1; t < length; t++) {
    for (let j = 0; j < k; j++) {
      for (let i = 0; i < k; i++) terms[i] = alpha[(t - 1) * k + i] + transitions[i * k + j]; // arrive in j from each i
      alpha[t * k + j] = logSumExp(terms) + emissions[offset + t * k + j];
    }
  }
  for (let i = 0; i < k; i++) beta[(length - 1) * k + i] = end[i];
  for (let t = length - 2; t >= 0; t--) {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) terms[j] = transitions[i * k + j] + emissions[offset + (t + 1) * k + j] + beta[(t + 1) * k + j]; // leave i for each j
      beta[t * k + i] = logSumExp(terms);
    }
  }
  for (let j = 0; j < k; j++) terms[j] = alpha[(length - 1) * k + j] + end[j];
  return logSumExp(terms);
}
