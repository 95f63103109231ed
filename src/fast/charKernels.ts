/**
 * The character encoder's fast path (model/charEncoder.ts runs it where the
 * fast path says so): the character CNN with its max-pool as one kernel each
 * way, and the character BiLSTM through the fused BiLSTM.
 */
import * as tf from '@tensorflow/tfjs';
import type { CharEncoderWeights } from '../model/charEncoder';
import type { JsKernelSpec, TypedArray } from './jsKernels';
import { bilstm, helperThread } from './lstm';

export const CHAR_CNN = 'NerCharCnn';
export const CHAR_CNN_GRAD = 'NerCharCnnGrad';

export interface CharCnnAttrs {
  /** Words, characters per word, window, filters. */
  n: number;
  l: number;
  window: number;
  f: number;
}

/**
 * The character CNN of one batch, max-pooled: for each word i and filter f,
 *   out[i, f] = max over real positions p of  bias[f] + sum_k table[id(p + k - half), k, f]
 * where table [C, window, F] is the kernel folded into the character
 * embeddings (see charCnn), a position is real when its id is not 0
 * (padding), and a window position outside the row or on padding adds
 * nothing; argmax keeps the position each maximum came from (the first, on a
 * tie). A word without characters gives 0 and position -1.
 */
export function charCnnForward(ids: TypedArray, table: TypedArray, bias: TypedArray, a: CharCnnAttrs, out: Float32Array, argmax: Int32Array): void {
  const { n, l, window, f } = a;
  const half = (window - 1) / 2;
  const conv = new Float32Array(l * f);
  for (let i = 0; i < n; i++) {
    const word = ids.subarray(i * l, (i + 1) * l);
    for (let p = 0; p < l; p++) {
      if (word[p] === 0) continue;
      const row = conv.subarray(p * f, (p + 1) * f);
      row.set(bias);
      for (let k = 0; k < window; k++) {
        const q = p + k - half;
        if (q < 0 || q >= l || word[q] === 0) continue;
        const from = (word[q] * window + k) * f;
        for (let j = 0; j < f; j++) row[j] += table[from + j];
      }
    }
    for (let j = 0; j < f; j++) {
      let best = -Infinity;
      let at = -1;
      for (let p = 0; p < l; p++) {
        if (word[p] !== 0 && conv[p * f + j] > best) {
          best = conv[p * f + j];
          at = p;
        }
      }
      out[i * f + j] = at < 0 ? 0 : best;
      argmax[i * f + j] = at;
    }
  }
}

/** The gradient of charCnnForward: dy [N, F] to the table rows and the bias the maxima came from. */
export function charCnnBackward(dy: TypedArray, ids: TypedArray, argmax: TypedArray, a: CharCnnAttrs, dTable: Float32Array, dBias: Float32Array): void {
  const { n, l, window, f } = a;
  const half = (window - 1) / 2;
  dTable.fill(0);
  dBias.fill(0);
  for (let i = 0; i < n; i++) {
    const word = ids.subarray(i * l, (i + 1) * l);
    for (let j = 0; j < f; j++) {
      const p = argmax[i * f + j];
      if (p < 0) continue;
      const g = dy[i * f + j];
      dBias[j] += g;
      for (let k = 0; k < window; k++) {
        const q = p + k - half;
        if (q >= 0 && q < l && word[q] !== 0) dTable[(word[q] * window + k) * f + j] += g;
      }
    }
  }
}

/**
 * The share of a batch's words the helper thread encodes (charCnnShared): it
 * draws the step's dropout masks first (see dropout.ts), about a third of
 * the encoder's time on CoNLL-2003, so a third of the words evens the two out.
 */
const HELPER_SHARE = 1 / 3;
/** Fewer words than this are encoded here alone: the hand-over would cost more than it saves. */
const MIN_SHARED_WORDS = 96;

/**
 * charCnnForward with the words shared with the helper thread, when there is
 * one: the last third goes there, the rest is encoded here meanwhile. Words
 * are encoded independently, so the outputs are those of one thread.
 */
function charCnnShared(ids: TypedArray, table: TypedArray, bias: TypedArray, a: CharCnnAttrs, out: Float32Array, argmax: Int32Array): void {
  const remote = helperThread();
  const { n, l, f } = a;
  if (remote?.startCharCnn === undefined || n < MIN_SHARED_WORDS) return charCnnForward(ids, table, bias, a, out, argmax);
  const mine = n - Math.floor(n * HELPER_SHARE);
  // Copies: the inputs are views of this thread's memory.
  const theirs = remote.startCharCnn(Int32Array.from(ids.subarray(mine * l)), Float32Array.from(table), Float32Array.from(bias), { ...a, n: n - mine });
  charCnnForward(ids.subarray(0, mine * l), table, bias, { ...a, n: mine }, out.subarray(0, mine * f), argmax.subarray(0, mine * f));
  const [pooled, positions] = theirs();
  out.set(pooled, mine * f);
  argmax.set(positions, mine * f);
}

export const charCnnKernel: JsKernelSpec<CharCnnAttrs> = {
  kernelName: CHAR_CNN,
  outputs: (_inputs, { n, f }) => [
    { shape: [n, f], dtype: 'float32' },
    { shape: [n, f], dtype: 'int32' },
  ],
  compute: ({ ids, table, bias }, [out, argmax], attrs) => charCnnShared(ids, table, bias, attrs, out as Float32Array, argmax as Int32Array),
};

export const charCnnGradKernel: JsKernelSpec<CharCnnAttrs> = {
  kernelName: CHAR_CNN_GRAD,
  outputs: ({ table }, { f }) => [
    { shape: table.shape.slice(), dtype: 'float32' },
    { shape: [f], dtype: 'float32' },
  ],
  compute: ({ dy, ids, argmax }, [dTable, dBias], attrs) => charCnnBackward(dy, ids, argmax, attrs, dTable as Float32Array, dBias as Float32Array),
};

/**
 * The character CNN, ids [N, L] -> [N, F], as one kernel each way: the
 * convolution over the folded tables and the masked max-pool in one pass,
 * and a backward pass that touches only the rows each maximum came from.
 * Against the tf-op version (gathers of [N, L, F] per window offset, their
 * scatter-add gradients, a separate max-pool) this cut the encoder's share of
 * a CoNLL-2003 epoch by more than half (`npm run profile`; docs/experiments.md, Time to
 * accuracy). On a tie the gradient goes to the first maximum, as PyTorch's
 * max does (tf.max's gradient goes to each).
 */
export function charCnnFused(ids: tf.Tensor2D, w: CharEncoderWeights, window: number): tf.Tensor2D {
  const [n, l] = ids.shape;
  const [numChars, charDim] = w.embeddings.shape;
  const f = w.kernel!.shape[1];
  const attrs = { n, l, window, f } as unknown as tf.NamedAttrMap;
  const op = tf.customGrad((...args: unknown[]) => {
    const [table, bias] = args as [tf.Tensor, tf.Tensor];
    const save = args[2] as (tensors: tf.Tensor[]) => void;
    const [pooled, argmax] = tf.engine().runKernel(CHAR_CNN, { ids, table, bias }, attrs) as tf.Tensor[];
    // Saved, so that the tape keeps them (ids too: the batch's tidy ends before the backward pass).
    save([ids, argmax, table]);
    return {
      value: pooled as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], [savedIds, argmaxSaved, tableSaved]: tf.Tensor[]) =>
        tf.engine().runKernel(CHAR_CNN_GRAD, { dy: dy as tf.Tensor, ids: savedIds, argmax: argmaxSaved, table: tableSaved }, attrs) as tf.Tensor[],
    };
  });
  return tf.tidy(() => {
    // table[c, k, :] = embeddings[c] x kernel_k: [C, Dc] x [Dc, window * F], differentiable by tf.
    const kernels = tf.reshape(tf.transpose(tf.reshape(w.kernel!, [window, charDim, f]), [1, 0, 2]), [charDim, window * f]);
    const table = tf.reshape(tf.matMul(w.embeddings, kernels), [numChars, window, f]);
    return op(table, w.bias!) as tf.Tensor2D;
  });
}

/**
 * Character BiLSTM through the fused BiLSTM (lstm.ts): characters time-major,
 * [L*N, Dc]; with the mask carrying states over padding, the forward output
 * at the last step is the state after the word's last character, and the
 * backward output at step 0 the state after its first.
 */
export function charLstmFused(ids: tf.Tensor2D, w: CharEncoderWeights, training: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, l] = ids.shape;
    const units = w.forward!.recurrentKernel.shape[0];
    const timeMajor = tf.reshape(tf.transpose(ids), [l * n]); // row t*N + word
    const isChar = tf.cast(tf.greater(timeMajor, 0), 'float32') as tf.Tensor1D;
    const x = tf.mul(tf.gather(w.embeddings, timeMajor), tf.expandDims(isChar, 1)) as tf.Tensor2D;
    const states = bilstm(x, isChar, w.forward!, w.backward!, l, n, training); // [L*N, 2H]
    const rows = (from: number) => tf.tensor1d(Array.from({ length: n }, (_, i) => from + i), 'int32');
    const last = tf.slice(tf.gather(states, rows((l - 1) * n)), [0, 0], [n, units]);
    const first = tf.slice(tf.gather(states, rows(0)), [0, units], [n, units]);
    return tf.concat([last, first], 1) as tf.Tensor2D;
  });
}
