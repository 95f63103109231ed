/**
 * The CRF negative log-likelihood and its gradient in one pass of plain loops
 * (the forward-backward algorithm), for backends that run the project's
 * JavaScript kernels. Same function as crfNegLogLikelihood in crf.ts (which
 * stays the reference, and the path on other backends), without its hundreds
 * of tiny tensor ops per batch.
 *
 * With alpha (forward) and beta (backward) log-scores,
 *   alpha_0[j] = start[j] + e_0[j],   alpha_t[j] = e_t[j] + logsumexp_i(alpha_{t-1}[i] + trans[i, j])
 *   beta_{n-1}[i] = end[i],           beta_t[i] = logsumexp_j(trans[i, j] + e_{t+1}[j] + beta_{t+1}[j])
 *   log Z = logsumexp_j(alpha_{n-1}[j] + end[j])
 * the gradient of -log p(y | x) = log Z - s(x, y) is "expected counts minus
 * gold counts" (Lafferty et al., 2001; Sutton & McCallum, 2012, sec. 4.2):
 *   d/d e_t[j]        = P(y_t = j) - [y_t = j]
 *   d/d trans[i, j]   = sum_t P(y_{t-1} = i, y_t = j) - #{t: y_{t-1} = i, y_t = j}
 *   d/d start[j]      = P(y_0 = j) - [y_0 = j],    d/d end[j] = P(y_{n-1} = j) - [y_{n-1} = j]
 * Sums run over each sentence's real tokens; padding gets zero gradient.
 *
 * Training runs the same recursions in probability space with a scale per
 * token (Rabiner, 1989, sec. V.A): alpha and beta normalised to sum to one at
 * each step, log Z the sum of the logs of the scales. Then a token costs K
 * exps instead of the 3 K^2 of log space (forward, backward, pairwise
 * marginals), and the K^2 work is multiply-adds: K = 17 with IOBES over four
 * types. A sentence
 * whose scales underflow (emission gaps of over ~700 nats) falls back to
 * the log-space recursions of decode/forwardBackward.ts, which the marginals
 * of decoding use, and which crfNllAndGradientLogSpace keeps as the reference.
 */
import * as tf from '@tensorflow/tfjs';
import type { JsKernelSpec, TypedArray } from './jsKernels';
import { CrfArrays, forwardBackwardInto } from '../decode/forwardBackward';
import type { CrfParams } from '../model/crf';

export const CRF_NLL = 'NerCrfNll';

export interface CrfNllAttrs {
  batch: number;
  steps: number;
  numTags: number;
}

/** The arrays one sentence's scaled recursions work in (reused across sentences). */
interface ScaledLattice {
  alpha: Float64Array; // [T, K], each row summing to 1
  beta: Float64Array; // [T, K], scaled so that alpha[t] . beta[t] = 1
  expEmissions: Float64Array; // [T, K]: exp(e_t[j] - max_j e_t[j])
  scales: Float64Array; // [T]
  expTrans: Float64Array; // [K, K]: exp(trans - max trans)
  expStart: Float64Array; // [K]: exp(start - max start)
  expEnd: Float64Array; // [K]: exp(end - max end)
}

/** The smallest normal float64: below it a scale keeps too few bits. */
const MIN_NORMAL = 2.2250738585072014e-308;

const maxOf = (xs: ArrayLike<number>): number => {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] > m) m = xs[i];
  return m;
};

/**
 * The scaled forward and backward passes over one sentence of `n` tokens
 * from `e` in `emissions`; returns log Z, or NaN when a scale underflowed to
 * zero (the caller then uses the log-space recursions).
 */
function scaledForwardBackward(emissions: TypedArray, e: number, n: number, K: number, shifts: { start: number; trans: number; end: number }, L: ScaledLattice): number {
  const { alpha, beta, expEmissions: ee, scales, expTrans, expStart, expEnd } = L;
  let logZ = shifts.start + (n - 1) * shifts.trans + shifts.end;
  for (let t = 0; t < n; t++) {
    const m = maxOf(emissions.subarray(e + t * K, e + (t + 1) * K));
    for (let j = 0; j < K; j++) ee[t * K + j] = Math.exp(emissions[e + t * K + j] - m);
    logZ += m;
  }
  for (let t = 0; t < n; t++) {
    let sum = 0;
    for (let j = 0; j < K; j++) {
      let s = 0;
      if (t === 0) s = expStart[j];
      else for (let i = 0; i < K; i++) s += alpha[(t - 1) * K + i] * expTrans[i * K + j];
      const a = s * ee[t * K + j];
      alpha[t * K + j] = a;
      sum += a;
    }
    // A subnormal scale has lost its precision: as good as underflowed.
    if (!(sum >= MIN_NORMAL && sum < Infinity)) return NaN;
    scales[t] = sum;
    logZ += Math.log(sum);
    for (let j = 0; j < K; j++) alpha[t * K + j] /= sum;
  }
  let z = 0;
  for (let j = 0; j < K; j++) z += alpha[(n - 1) * K + j] * expEnd[j];
  if (!(z >= MIN_NORMAL && z < Infinity)) return NaN;
  for (let i = 0; i < K; i++) beta[(n - 1) * K + i] = expEnd[i] / z;
  for (let t = n - 2; t >= 0; t--) {
    for (let i = 0; i < K; i++) {
      let s = 0;
      for (let j = 0; j < K; j++) s += expTrans[i * K + j] * ee[(t + 1) * K + j] * beta[(t + 1) * K + j];
      const b = s / scales[t + 1];
      // beta can overflow where alpha is 0 (a tag ruled out): 0 * Infinity would be NaN.
      if (!(b < Infinity)) return NaN;
      beta[t * K + i] = b;
    }
  }
  return logZ + Math.log(z);
}

/** The kernel's inputs: emissions [B*T*K], tags [B*T], mask [B*T], start [K], trans [K*K], end [K]. */
export interface CrfNllInputs {
  emissions: TypedArray;
  tags: TypedArray;
  mask: TypedArray;
  start: TypedArray;
  trans: TypedArray;
  end: TypedArray;
}

/** Per sentence, the NLL and its gradient: nll [B], dEmissions [B*T*K], dStart [B*K], dTrans [B*K*K], dEnd [B*K]. */
export interface CrfNllOutputs {
  nll: Float32Array;
  dEmissions: Float32Array;
  dStart: Float32Array;
  dTrans: Float32Array;
  dEnd: Float32Array;
}

/**
 * One sentence's recursions: writes its expected counts (marginals into its
 * rows of dEmissions, dStart and dEnd; pairwise marginals added to its row of
 * dTrans) and returns log Z, or NaN where they cannot (the scaled ones, on
 * underflow), leaving the rows for another to write.
 * @param e offset of the sentence's emissions, b its index, n its real tokens (>= 1)
 */
type ExpectedCounts = (e: number, b: number, n: number) => number;

/** The NLL and gradient of every sentence: log Z and expected counts from `counts` (then `fallback`), minus the gold path's. */
function crfNllWith(x: CrfNllInputs, { batch: B, steps: T, numTags: K }: CrfNllAttrs, out: CrfNllOutputs, counts: ExpectedCounts, fallback?: ExpectedCounts): void {
  const { emissions, tags, mask, start, trans, end } = x;
  for (const o of [out.dEmissions, out.dTrans, out.dStart, out.dEnd]) o.fill(0);
  for (let b = 0; b < B; b++) {
    let n = 0;
    while (n < T && mask[b * T + n] > 0) n++;
    out.nll[b] = 0;
    if (n === 0) continue;
    const e = b * T * K;
    const y = b * T;
    let logZ = counts(e, b, n);
    if (Number.isNaN(logZ) && fallback !== undefined) logZ = fallback(e, b, n);
    // gold path score s(x, y), and minus the gold counts
    let gold = start[tags[y]] + end[tags[y + n - 1]];
    for (let t = 0; t < n; t++) gold += emissions[e + t * K + tags[y + t]];
    for (let t = 1; t < n; t++) gold += trans[tags[y + t - 1] * K + tags[y + t]];
    out.nll[b] = logZ - gold;
    for (let t = 0; t < n; t++) out.dEmissions[e + t * K + tags[y + t]] -= 1;
    out.dStart[b * K + tags[y]] -= 1;
    out.dEnd[b * K + tags[y + n - 1]] -= 1;
    for (let t = 1; t < n; t++) out.dTrans[b * K * K + tags[y + t - 1] * K + tags[y + t]] -= 1;
  }
}

/** P(y_0 = j) and P(y_{n-1} = j) into the sentence's rows of dStart and dEnd, from its marginals in dEmissions. */
function startEndCounts(out: CrfNllOutputs, e: number, b: number, n: number, K: number): void {
  for (let j = 0; j < K; j++) {
    out.dStart[b * K + j] = out.dEmissions[e + j];
    out.dEnd[b * K + j] = out.dEmissions[e + (n - 1) * K + j];
  }
}

/** The log-space recursions of decode/forwardBackward.ts: 3 K^2 exps a token, never underflowing. */
function logSpaceCounts(x: CrfNllInputs, { steps: T, numTags: K }: CrfNllAttrs, out: CrfNllOutputs): ExpectedCounts {
  const alpha = new Float64Array(T * K);
  const beta = new Float64Array(T * K);
  const crf: CrfArrays = { numTags: K, start: x.start, transitions: x.trans, end: x.end };
  const { emissions, trans } = x;
  return (e, b, n) => {
    const logZ = forwardBackwardInto(emissions, e, n, crf, alpha, beta);
    for (let t = 0; t < n; t++) {
      for (let j = 0; j < K; j++) out.dEmissions[e + t * K + j] = Math.exp(alpha[t * K + j] + beta[t * K + j] - logZ);
    }
    startEndCounts(out, e, b, n, K);
    const dTr = b * K * K;
    for (let t = 1; t < n; t++) {
      for (let i = 0; i < K; i++) {
        const a = alpha[(t - 1) * K + i] - logZ;
        for (let j = 0; j < K; j++) out.dTrans[dTr + i * K + j] += Math.exp(a + trans[i * K + j] + emissions[e + t * K + j] + beta[t * K + j]);
      }
    }
    return logZ;
  };
}

/** The scaled recursions (see the header): K exps a token. */
function scaledCounts(x: CrfNllInputs, { steps: T, numTags: K }: CrfNllAttrs, out: CrfNllOutputs): ExpectedCounts {
  const { start, trans, end } = x;
  const shifts = { start: maxOf(start), trans: maxOf(trans), end: maxOf(end) };
  const L: ScaledLattice = {
    alpha: new Float64Array(T * K),
    beta: new Float64Array(T * K),
    expEmissions: new Float64Array(T * K),
    scales: new Float64Array(T),
    expTrans: Float64Array.from(trans, (v) => Math.exp(v - shifts.trans)),
    expStart: Float64Array.from(start, (v) => Math.exp(v - shifts.start)),
    expEnd: Float64Array.from(end, (v) => Math.exp(v - shifts.end)),
  };
  const { alpha, beta, expEmissions: ee, scales, expTrans } = L;
  return (e, b, n) => {
    const logZ = scaledForwardBackward(x.emissions, e, n, K, shifts, L);
    if (Number.isNaN(logZ)) return NaN;
    // P(y_t = j) = alpha[t][j] beta[t][j];
    // P(y_{t-1} = i, y_t = j) = alpha[t-1][i] expTrans[i][j] ee[t][j] beta[t][j] / scales[t].
    for (let t = 0; t < n; t++) for (let j = 0; j < K; j++) out.dEmissions[e + t * K + j] = alpha[t * K + j] * beta[t * K + j];
    startEndCounts(out, e, b, n, K);
    const dTr = b * K * K;
    for (let t = 1; t < n; t++) {
      for (let i = 0; i < K; i++) {
        const a = alpha[(t - 1) * K + i] / scales[t];
        if (a === 0) continue;
        for (let j = 0; j < K; j++) out.dTrans[dTr + i * K + j] += a * expTrans[i * K + j] * ee[t * K + j] * beta[t * K + j];
      }
    }
    return logZ;
  };
}

/** The NLL and gradients by the log-space recursions: the reference the scaled ones are tested against. */
export function crfNllAndGradientLogSpace(x: CrfNllInputs, attrs: CrfNllAttrs, out: CrfNllOutputs): void {
  crfNllWith(x, attrs, out, logSpaceCounts(x, attrs, out));
}

/** The scaled recursions alone: a sentence whose scales underflow gets NaN (tests tell the fallback's cases by it). */
export function crfNllScaledOnly(x: CrfNllInputs, attrs: CrfNllAttrs, out: CrfNllOutputs): void {
  crfNllWith(x, attrs, out, scaledCounts(x, attrs, out));
}

/** The NLL and gradients by the scaled recursions, a sentence whose scales underflow by the log-space ones. */
export function crfNllAndGradient(x: CrfNllInputs, attrs: CrfNllAttrs, out: CrfNllOutputs): void {
  crfNllWith(x, attrs, out, scaledCounts(x, attrs, out), logSpaceCounts(x, attrs, out));
}

export const crfNllKernel: JsKernelSpec<CrfNllAttrs> = {
  kernelName: CRF_NLL,
  outputs: (_inputs, { batch: B, steps: T, numTags: K }) => [
    { shape: [B], dtype: 'float32' },
    { shape: [B, T, K], dtype: 'float32' },
    { shape: [B, K], dtype: 'float32' },
    { shape: [B, K, K], dtype: 'float32' },
    { shape: [B, K], dtype: 'float32' },
  ],
  compute: (x, [nll, dEmissions, dStart, dTrans, dEnd], attrs) =>
    crfNllAndGradient(x as unknown as CrfNllInputs, attrs, {
      nll: nll as Float32Array,
      dEmissions: dEmissions as Float32Array,
      dStart: dStart as Float32Array,
      dTrans: dTrans as Float32Array,
      dEnd: dEnd as Float32Array,
    }),
};

/**
 * -log p(y | x) per sentence [B], differentiable with respect to the emissions
 * and the CRF parameters. Shapes and mask contract as in crf.ts.
 */
export function crfNegLogLikelihoodFused(
  emissions: tf.Tensor3D,
  tags: tf.Tensor2D,
  mask: tf.Tensor2D,
  params: CrfParams,
): tf.Tensor1D {
  const [batch, steps, numTags] = emissions.shape;
  const attrs: CrfNllAttrs = { batch, steps, numTags };
  const op = tf.customGrad((...args: unknown[]) => {
    const [e, s, tr, en] = args as tf.Tensor[];
    const save = args[4] as (tensors: tf.Tensor[]) => void;
    const [nll, dE, dS, dTr, dEn] = tf.engine().runKernel(
      CRF_NLL,
      { emissions: e, tags, mask, start: s, trans: tr, end: en },
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
    save([dE, dS, dTr, dEn]);
    return {
      value: nll as tf.Tensor1D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const up = dy as tf.Tensor1D; // [B]: d loss / d nll_b
        const [gE, gS, gTr, gEn] = saved;
        const perSentence = (g: tf.Tensor, rest: number[]) => tf.mul(g, tf.reshape(up, [batch, ...rest.map(() => 1)]));
        return [
          perSentence(gE, [steps, numTags]),
          tf.sum(perSentence(gS, [numTags]), 0),
          tf.sum(perSentence(gTr, [numTags, numTags]), 0),
          tf.sum(perSentence(gEn, [numTags]), 0),
        ];
      },
    };
  });
  return op(emissions, params.start, params.transitions, params.end) as tf.Tensor1D;
}
