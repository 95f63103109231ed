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
import { fastPath } from '../fast/fastPath';
import type { LstmWeights } from '../fast/lstm';
import { charCnnFused, charLstmFused } from '../fast/charKernels';

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
  return fastPath().charCnn ? charCnnFused(ids, w, window) : charCnnReference(ids, w, window);
}

/** charCnn in tf ops: the path of backends without the project's kernels, and the reference the fused kernel is tested against. */
export function charCnnReference(ids: tf.Tensor2D, w: CharEncoderWeights, window: number): tf.Tensor2D {
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

/** Max over the real positions of x [N, L, F] (isChar [N, L]) -> [N, F]; 0 for rows without one. */
function maskedMaxPool(x: tf.Tensor3D, isChar: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const masked = tf.add(x, tf.expandDims(tf.mul(tf.sub(isChar, 1), 1e9), 2));
    const hasChars = tf.cast(tf.greater(tf.sum(isChar, 1, true), 0), 'float32');
    return tf.mul(tf.max(masked, 1), hasChars) as tf.Tensor2D;
  });
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

  /** Words ids [N, L] -> [N, F] with this layer's weights, by the implementation the fast path picks (the fused forward pass calls this too). */
  encodeWords(ids: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return charFeatures(this.config.kind, ids, this.weightsByRole(), this.config.window, training);
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
      const encoded = this.encodeWords(flat, kwargs.training === true);
      return tf.reshape(encoded, [b, t, charOutputSize(this.config)]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.config };
  }
}

tf.serialization.registerClass(CharEncoder);
