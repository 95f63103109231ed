/**
 * The character encoder's fast path (model/charEncoder.ts runs it where the
 * fast path says so): the masked max-pool of the character CNN as one kernel
 * each way (tf.max's own gradient compares every element through a broadcast
 * Equal, which on wasm cost 69 ms for one batch), and the character BiLSTM
 * through the fused BiLSTM.
 */
import * as tf from '@tensorflow/tfjs';
import type { CharEncoderWeights } from '../model/charEncoder';
import type { JsKernelSpec, TypedArray } from './jsKernels';
import { bilstm } from './lstm';

export const MASKED_MAX_POOL = 'NerMaskedMaxPool';
export const MASKED_MAX_POOL_GRAD = 'NerMaskedMaxPoolGrad';

/**
 * max over real positions l of x[n, l, f] (for every n, f), with the position
 * it came from; rows without a real position give 0 and position -1.
 */
export function maxPoolForward(x: TypedArray, isChar: TypedArray, n: number, l: number, f: number, out: Float32Array, argmax: Int32Array): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) {
      let best = -Infinity;
      let at = -1;
      for (let p = 0; p < l; p++) {
        if (isChar[i * l + p] === 0) continue;
        const v = x[(i * l + p) * f + j];
        if (v > best) {
          best = v;
          at = p;
        }
      }
      out[i * f + j] = at < 0 ? 0 : best;
      argmax[i * f + j] = at;
    }
  }
}

/** The gradient of maxPoolForward: dy [N, F] routed to the positions the maxima came from. */
export function maxPoolBackward(dy: TypedArray, argmax: TypedArray, n: number, l: number, f: number, dx: Float32Array): void {
  dx.fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) {
      const at = argmax[i * f + j];
      if (at >= 0) dx[(i * l + at) * f + j] = dy[i * f + j];
    }
  }
}

interface PoolAttrs {
  n: number;
  l: number;
  f: number;
}

export const maskedMaxPoolKernel: JsKernelSpec<PoolAttrs> = {
  kernelName: MASKED_MAX_POOL,
  outputs: (_inputs, { n, f }) => [
    { shape: [n, f], dtype: 'float32' },
    { shape: [n, f], dtype: 'int32' },
  ],
  compute: ({ x, isChar }, [out, argmax], { n, l, f }) => maxPoolForward(x, isChar, n, l, f, out as Float32Array, argmax as Int32Array),
};

export const maskedMaxPoolGradKernel: JsKernelSpec<PoolAttrs> = {
  kernelName: MASKED_MAX_POOL_GRAD,
  outputs: (_inputs, { n, l, f }) => [{ shape: [n, l, f], dtype: 'float32' }],
  compute: ({ dy, argmax }, [dx], { n, l, f }) => maxPoolBackward(dy, argmax, n, l, f, dx as Float32Array),
};

/** Max over the real positions of x [N, L, F] (isChar [N, L]) -> [N, F], 0 for rows without one, with the kernels above. */
export function maskedMaxPoolFused(x: tf.Tensor3D, isChar: tf.Tensor2D): tf.Tensor2D {
  const [n, l, f] = x.shape;
  const attrs = { n, l, f } as unknown as tf.NamedAttrMap;
  const op = tf.customGrad((...args: unknown[]) => {
    const xIn = args[0] as tf.Tensor3D;
    const save = args[1] as (tensors: tf.Tensor[]) => void;
    const [pooled, argmax] = tf.engine().runKernel(MASKED_MAX_POOL, { x: xIn, isChar }, attrs) as tf.Tensor[];
    save([argmax]);
    return {
      value: pooled as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        tf.engine().runKernel(MASKED_MAX_POOL_GRAD, { dy: dy as tf.Tensor, argmax: saved[0] }, attrs) as tf.Tensor,
      ],
    };
  });
  return op(x) as tf.Tensor2D;
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
