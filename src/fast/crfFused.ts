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
 * alpha, beta and log Z come from decode/forwardBackward.ts, the recursions
 * the marginals use too, so training and decoding share one lattice.
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

/**
 * Per sentence: the NLL and the gradient of that sentence's NLL.
 * Inputs emissions [B*T*K], tags [B*T], mask [B*T], start [K], trans [K*K], end [K].
 * Outputs nll [B], dEmissions [B*T*K], dStart [B*K], dTrans [B*K*K], dEnd [B*K].
 */
export function crfNllAndGradient(
  emissions: TypedArray,
  tags: TypedArray,
  mask: TypedArray,
  start: TypedArray,
  trans: TypedArray,
  end: TypedArray,
  { batch: B, steps: T, numTags: K }: CrfNllAttrs,
  out: { nll: Float32Array; dEmissions: Float32Array; dStart: Float32Array; dTrans: Float32Array; dEnd: Float32Array },
): void {
  const alpha = new Float64Array(T * K);
  const beta = new Float64Array(T * K);
  const crf: CrfArrays = { numTags: K, start, transitions: trans, end };
  out.dEmissions.fill(0);
  out.dTrans.fill(0);
  for (let b = 0; b < B; b++) {
    let n = 0;
    while (n < T && mask[b * T + n] > 0) n++;
    const e = b * T * K; // this sentence's emissions
    const y = b * T;
    const dS = b * K;
    const dTr = b * K * K;
    if (n === 0) {
      out.nll[b] = 0;
      out.dStart.fill(0, dS, dS + K);
      out.dEnd.fill(0, dS, dS + K);
      continue;
    }
    const logZ = forwardBackwardInto(emissions, e, n, crf, alpha, beta);

    // gold path score s(x, y)
    let gold = start[tags[y]] + end[tags[y + n - 1]];
    for (let t = 0; t < n; t++) gold += emissions[e + t * K + tags[y + t]];
    for (let t = 1; t < n; t++) gold += trans[tags[y + t - 1] * K + tags[y + t]];
    out.nll[b] = logZ - gold;

    // expected counts
    for (let t = 0; t < n; t++) {
      for (let j = 0; j < K; j++) out.dEmissions[e + t * K + j] = Math.exp(alpha[t * K + j] + beta[t * K + j] - logZ);
    }
    for (let j = 0; j < K; j++) {
      out.dStart[dS + j] = out.dEmissions[e + j];
      out.dEnd[dS + j] = out.dEmissions[e + (n - 1) * K + j];
    }
    for (let t = 1; t < n; t++) {
      for (let i = 0; i < K; i++) {
        const a = alpha[(t - 1) * K + i] - logZ;
        for (let j = 0; j < K; j++) {
          out.dTrans[dTr + i * K + j] += Math.exp(a + trans[i * K + j] + emissions[e + t * K + j] + beta[t * K + j]);
        }
      }
    }
    // minus gold counts
    for (let t = 0; t < n; t++) out.dEmissions[e + t * K + tags[y + t]] -= 1;
    out.dStart[dS + tags[y]] -= 1;
    out.dEnd[dS + tags[y + n - 1]] -= 1;
    for (let t = 1; t < n; t++) out.dTrans[dTr + tags[y + t - 1] * K + tags[y + t]] -= 1;
  }
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
    crfNllAndGradient(x.emissions, x.tags, x.mask, x.start, x.trans, x.end, attrs, {
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
