/**
 * Character-level word representations: a word's characters are embedded and
 * encoded into one vector, concatenated with its word embedding. This is what
 * lets a tagger recognise names it never saw (capitals, suffixes, shapes).
 *
 * - 'cnn'  (Ma & Hovy, 2016): a convolution over character windows, max-pooled
 *   over the word's characters.
 * - 'lstm' (Lample et al., 2016): a bidirectional LSTM over the characters; the
 *   representation is the forward final state and the backward final state.
 *
 * Shapes: N words (B*T), L characters per word (padded with id 0), Dc char
 * embedding size, F output size (filters for 'cnn', 2 * hidden for 'lstm').
 * Padded characters contribute nothing: their embeddings are zeroed, they are
 * excluded from the max, and the LSTM carries its state over them. A word
 * made only of padding (a padded word) encodes to zeros.
 */
import * as tf from '@tensorflow/tfjs';
import { JsKernelSpec, TypedArray } from '../backend/jsKernels';
import { fastPath } from '../backend/fastPath';
import { LstmWeights, bilstm } from './lstm';

export type CharEncoderKind = 'cnn' | 'lstm';

export interface CharEncoderConfig {
  kind: CharEncoderKind;
  /** Characters in the vocabulary, padding and unknown included. */
  numChars: number;
  charDim: number;
  /** Filters ('cnn') or LSTM units per direction ('lstm'). */
  size: number;
  /** Convolution window, odd ('cnn'). */
  window: number;
}

export function charOutputSize(c: CharEncoderConfig): number {
  return c.kind === 'cnn' ? c.size : 2 * c.size;
}

/** The weights, by name, as the layer holds them. */
export interface CharEncoderWeights {
  embeddings: tf.Tensor2D; // [numChars, Dc]
  kernel?: tf.Tensor2D; // cnn: [window * Dc, F]
  bias?: tf.Tensor1D; // cnn: [F]
  forward?: LstmWeights; // lstm
  backward?: LstmWeights; // lstm
}

/**
 * Character CNN over ids [N, L] -> [N, F].
 *
 * The convolution is linear in the character embeddings, so instead of
 * building [N*L, window*Dc] windows and multiplying them by the kernel, the
 * kernel is folded into one table per window offset k:
 *     table_k = embeddings [numChars, Dc] x kernel_k [Dc, F]        ([numChars, F])
 *     conv[n, l] = bias + sum_k table_k[id of character l + k - half]
 * which is the same sum, with tiny matMuls and row lookups instead of large
 * matMuls over padded character positions. A position outside the word reads
 * an appended zero row, as zero padding would.
 */
export function charCnn(ids: tf.Tensor2D, w: CharEncoderWeights, window: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, l] = ids.shape;
    const [numChars, charDim] = w.embeddings.shape;
    const filters = w.kernel!.shape[1];
    const half = (window - 1) / 2;
    const padded = tf.pad(ids, [[0, 0], [half, half]]); // [N, L + window - 1], id 0 beyond the word
    const kernels = tf.reshape(w.kernel!, [window, charDim, filters]);
    let conv: tf.Tensor = tf.reshape(w.bias!, [1, 1, filters]);
    for (let k = 0; k < window; k++) {
      const table = tf.concat([tf.matMul(w.embeddings, tf.reshape(tf.slice(kernels, [k, 0, 0], [1, charDim, filters]), [charDim, filters])), tf.zeros([1, filters])]);
      const at = tf.slice(padded, [0, k], [n, l]); // the id at offset k of every position
      const rows = tf.where(tf.greater(at, 0), at, tf.fill([n, l], numChars, 'int32')); // padding -> the zero row
      conv = tf.add(conv, tf.gather(table, rows)); // [N, L, F]
    }
    return maskedMaxPool(conv as tf.Tensor3D, tf.cast(tf.greater(ids, 0), 'float32') as tf.Tensor2D);
  });
}

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

/**
 * Max over the real positions of x [N, L, F] (isChar [N, L]) -> [N, F]; 0 for
 * rows without one. One pass each way with the project's kernels; tf.max's own
 * gradient compares every element through a broadcast Equal, which on wasm
 * cost 69 ms for one batch.
 */
export function maskedMaxPool(x: tf.Tensor3D, isChar: tf.Tensor2D): tf.Tensor2D {
  const [n, l, f] = x.shape;
  if (!fastPath().maskedMaxPool) {
    return tf.tidy(() => {
      const masked = tf.add(x, tf.expandDims(tf.mul(tf.sub(isChar, 1), 1e9), 2));
      const hasChars = tf.cast(tf.greater(tf.sum(isChar, 1, true), 0), 'float32');
      return tf.mul(tf.max(masked, 1), hasChars) as tf.Tensor2D;
    });
  }
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

/** One direction of a masked LSTM over [L] steps of x [N, L, Dc], with tf ops only; returns the final state [N, H]. */
function lstmFinalState(x: tf.Tensor3D, isChar: tf.Tensor2D, w: LstmWeights, reverse: boolean): tf.Tensor2D {
  const [n, l] = isChar.shape;
  const units = w.recurrentKernel.shape[0];
  let h: tf.Tensor2D = tf.zeros([n, units]);
  let c: tf.Tensor2D = tf.zeros([n, units]);
  for (let s = 0; s < l; s++) {
    const t = reverse ? l - 1 - s : s;
    const xt = tf.reshape(tf.slice(x, [0, t, 0], [n, 1, -1]), [n, -1]);
    const z = tf.add(tf.add(tf.matMul(xt, w.kernel), tf.matMul(h, w.recurrentKernel)), w.bias);
    const [zi, zf, zc, zo] = tf.split(z, 4, 1);
    const cNew = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zc)));
    const hNew = tf.mul(tf.sigmoid(zo), tf.tanh(cNew)) as tf.Tensor2D;
    const m = tf.reshape(tf.slice(isChar, [0, t], [n, 1]), [n, 1]);
    c = tf.add(tf.mul(m, cNew), tf.mul(tf.sub(1, m), c)) as tf.Tensor2D;
    h = tf.add(tf.mul(m, hNew), tf.mul(tf.sub(1, m), h)) as tf.Tensor2D;
  }
  return h;
}

/** Character BiLSTM over ids [N, L] -> [N, 2H], with tf ops only: the reference (and the path without the project's kernels). */
export function charLstmReference(ids: tf.Tensor2D, w: CharEncoderWeights): tf.Tensor2D {
  return tf.tidy(() => {
    const isChar = tf.cast(tf.greater(ids, 0), 'float32') as tf.Tensor2D;
    const x = tf.mul(tf.gather(w.embeddings, ids), tf.expandDims(isChar, 2)) as tf.Tensor3D; // [N, L, Dc]
    return tf.concat([lstmFinalState(x, isChar, w.forward!, false), lstmFinalState(x, isChar, w.backward!, true)], 1) as tf.Tensor2D;
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

/** Encodes ids [N, L] with the fastest implementation the backend runs. */
export function charFeatures(kind: CharEncoderKind, ids: tf.Tensor2D, w: CharEncoderWeights, window: number, training: boolean): tf.Tensor2D {
  if (kind === 'cnn') return charCnn(ids, w, window);
  return fastPath().lstm ? charLstmFused(ids, w, training) : charLstmReference(ids, w);
}

/** Layer arguments, tfjs-layers style. */
export interface CharEncoderArgs extends CharEncoderConfig {
  name?: string;
  trainable?: boolean;
}

/**
 * The character encoder as a tf.layers layer: input char ids [B, T, L]
 * (int32), output [B, T, F]. Saved and loaded with the model (register the
 * class before loading, as for the CRF).
 */
export class CharEncoder extends tf.layers.Layer {
  static readonly className = 'CharEncoder';
  readonly config: CharEncoderConfig;
  private vars: Record<string, tf.LayerVariable> = {};

  constructor(args: CharEncoderArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.supportsMasking = true;
    if (args.kind !== 'cnn' && args.kind !== 'lstm') throw new Error(`CharEncoder: kind must be 'cnn' or 'lstm', got ${String(args.kind)}`);
    if (args.kind === 'cnn' && (args.window < 1 || args.window % 2 === 0)) throw new Error(`CharEncoder: the window must be odd, got ${args.window}`);
    this.config = { kind: args.kind, numChars: args.numChars, charDim: args.charDim, size: args.size, window: args.window };
  }

  override build(): void {
    const { kind, numChars, charDim, size, window } = this.config;
    // Initial values are written by the tagger's seeded initialisation; zeros here.
    const add = (name: string, shape: number[]) => (this.vars[name] = this.addWeight(name, shape, 'float32', tf.initializers.zeros()));
    add('char_embeddings', [numChars, charDim]);
    if (kind === 'cnn') {
      add('kernel', [window * charDim, size]);
      add('bias', [size]);
    } else {
      for (const d of ['forward', 'backward']) {
        add(`${d}_kernel`, [charDim, 4 * size]);
        add(`${d}_recurrent_kernel`, [size, 4 * size]);
        add(`${d}_bias`, [4 * size]);
      }
    }
    this.built = true;
  }

  /** The weights as tensors (the variables themselves, so gradients reach them). */
  weightsByRole(): CharEncoderWeights {
    const v = (name: string) => this.vars[name].read();
    if (this.config.kind === 'cnn') {
      return { embeddings: v('char_embeddings') as tf.Tensor2D, kernel: v('kernel') as tf.Tensor2D, bias: v('bias') as tf.Tensor1D };
    }
    const direction = (d: string): LstmWeights => ({
      kernel: v(`${d}_kernel`) as tf.Tensor2D,
      recurrentKernel: v(`${d}_recurrent_kernel`) as tf.Tensor2D,
      bias: v(`${d}_bias`) as tf.Tensor1D,
    });
    return { embeddings: v('char_embeddings') as tf.Tensor2D, forward: direction('forward'), backward: direction('backward') };
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], shape[1], charOutputSize(this.config)];
  }

  /**
   * A word is padding when it has no characters. Giving the concatenation a
   * mask derived from the ids keeps tf.layers from deriving one from this
   * layer's (trainable) output, which it cannot differentiate through.
   */
  override computeMask(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const ids = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
    return tf.tidy(() => tf.any(tf.notEqual(ids, 0), -1));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const ids = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
    return tf.tidy(() => {
      const [b, t, l] = ids.shape;
      const flat = tf.reshape(tf.cast(ids, 'int32'), [b * t, l]) as tf.Tensor2D;
      const encoded = charFeatures(this.config.kind, flat, this.weightsByRole(), this.config.window, kwargs.training === true);
      return tf.reshape(encoded, [b, t, charOutputSize(this.config)]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.config };
  }
}

tf.serialization.registerClass(CharEncoder);
