/**
 * The tagger's forward pass computed directly from the tf.layers model's
 * weights, with the fused LSTM of lstm.ts: the same function as
 * `network.apply(ids)`, in far fewer ops. Gradients reach the same variables,
 * so training through it trains the tf.layers model that gets saved.
 *
 *   ids [B, T] -> (time-major) gather embeddings [T*B, D] (+ character encoder, + casing) -> dropout
 *     -> bidirectional LSTM [T*B, 2H] (forward, backward directions) -> dropout   (per stacked layer)
 *     -> dense [T*B, K] -> emissions [B, T, K]
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/batch';
import { CharEncoder, CharEncoderWeights, charFeatures } from './charEncoder';
import { LstmWeights, bilstm } from './lstm';
import { LAYER, bilstmLayerName } from './tagger';

interface TaggerWeights {
  embeddings: tf.Tensor2D;
  chars?: { encoder: CharEncoder; weights: CharEncoderWeights };
  casingEmbeddings?: tf.Tensor2D;
  /** Each BiLSTM layer's directions, lowest first. */
  bilstms: Array<{ forward: LstmWeights; backward: LstmWeights }>;
  denseKernel: tf.Tensor2D;
  denseBias: tf.Tensor1D;
}

/** The network's variables by their tf.layers names (see tagger.ts). */
export function taggerWeights(network: tf.LayersModel): TaggerWeights {
  const byName = new Map(network.weights.map((w) => [w.originalName, w]));
  const get = <T extends tf.Tensor>(name: string): T => {
    const w = byName.get(name);
    if (w === undefined) throw new Error(`fusedForward: the model has no weight ${name}`);
    return w.read() as T;
  };
  const lstm = (layer: string, direction: 'forward' | 'backward'): LstmWeights => ({
    kernel: get(`${layer}/${direction}_lstm/kernel`),
    recurrentKernel: get(`${layer}/${direction}_lstm/recurrent_kernel`),
    bias: get(`${layer}/${direction}_lstm/bias`),
  });
  const bilstms: TaggerWeights['bilstms'] = [];
  for (let layer = 1; byName.has(`${bilstmLayerName(layer)}/forward_lstm/kernel`); layer++) {
    const name = bilstmLayerName(layer);
    bilstms.push({ forward: lstm(name, 'forward'), backward: lstm(name, 'backward') });
  }
  if (bilstms.length === 0) throw new Error(`fusedForward: the model has no weight ${LAYER.bilstm}/forward_lstm/kernel`);
  const charLayer = network.layers.find((l) => l.name === LAYER.charEncoder);
  const casing = byName.get(`${LAYER.casingEmbedding}/embeddings`);
  return {
    embeddings: get(`${LAYER.embedding}/embeddings`),
    chars: charLayer instanceof CharEncoder ? { encoder: charLayer, weights: charLayer.weightsByRole() } : undefined,
    casingEmbeddings: casing?.read() as tf.Tensor2D | undefined,
    bilstms,
    denseKernel: get(`${LAYER.emissions}/kernel`),
    denseBias: get(`${LAYER.emissions}/bias`),
  };
}

/** Reorders a batch-major [B, T] array to time-major [T, B]. */
function timeMajor<A extends Int32Array | Float32Array>(values: A, batch: number, steps: number, make: (n: number) => A): A {
  const out = make(values.length);
  for (let b = 0; b < batch; b++) for (let t = 0; t < steps; t++) out[t * batch + b] = values[b * steps + t];
  return out;
}

/** The distinct rows of a [N, width] array, and for each of the N rows the index of its distinct row. */
export function distinctRows(values: Int32Array, width: number): { rows: Int32Array; index: Int32Array } {
  const n = width === 0 ? 0 : values.length / width;
  const seen = new Map<string, number>();
  const index = new Int32Array(n);
  const firsts: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = values.subarray(i * width, (i + 1) * width).join(',');
    let at = seen.get(key);
    if (at === undefined) {
      at = firsts.length;
      seen.set(key, at);
      firsts.push(i);
    }
    index[i] = at;
  }
  const rows = new Int32Array(firsts.length * width);
  firsts.forEach((i, k) => rows.set(values.subarray(i * width, (i + 1) * width), k * width));
  return { rows, index };
}

/** Reorders [B, T, L] rows to time-major [T, B, L]. */
function timeMajorRows(values: Int32Array, batch: number, steps: number, width: number): Int32Array {
  const out = new Int32Array(values.length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) out.set(values.subarray((b * steps + t) * width, (b * steps + t + 1) * width), (t * batch + b) * width);
  }
  return out;
}

/**
 * Dropout on time-major rows x [T*B, D]. Locked: one mask [1, B, D] per
 * sequence, broadcast over its T steps; otherwise a mask per row.
 */
export function timeMajorDropout(x: tf.Tensor2D, rate: number, locked: boolean, batchSize: number): tf.Tensor2D {
  if (rate === 0) return x;
  if (!locked) return tf.dropout(x, rate) as tf.Tensor2D;
  const [rows, width] = x.shape;
  const steps = rows / batchSize;
  return tf.reshape(tf.dropout(tf.reshape(x, [steps, batchSize, width]), rate, [1, batchSize, width]), [rows, width]) as tf.Tensor2D;
}

/**
 * Emission scores [B, T, K] for a batch. `dropout` is the rate applied to the
 * embeddings and each BiLSTM layer's output when training (0 for inference); `locked`
 * shares one mask across a sequence's time steps (see TaggerShape).
 */
export function fusedEmissions(network: tf.LayersModel, batch: Batch, dropout: { rate: number; locked: boolean }, training: boolean): tf.Tensor3D {
  const B = batch.size;
  const T = batch.maxLength;
  const w = taggerWeights(network);
  return tf.tidy(() => {
    const ids = tf.tensor1d(timeMajor(batch.ids, B, T, (n) => new Int32Array(n)), 'int32');
    const mask = tf.tensor1d(timeMajor(batch.mask, B, T, (n) => new Float32Array(n)));
    const drop = (x: tf.Tensor2D): tf.Tensor2D => (training ? timeMajorDropout(x, dropout.rate, dropout.locked, B) : x);
    // The same features, in the same order, as the tf.layers concatenation (see tagger.ts).
    const features: tf.Tensor2D[] = [tf.gather(w.embeddings, ids)]; // [T*B, D]
    if (w.chars !== undefined) {
      // Each distinct character sequence once ("the", ",", padding...), then one row per token.
      const { rows, index } = distinctRows(timeMajorRows(batch.chars!, B, T, batch.charLength), batch.charLength);
      const { kind, window } = w.chars.encoder.config;
      const encoded = charFeatures(kind, tf.tensor2d(rows, [rows.length / batch.charLength, batch.charLength], 'int32'), w.chars.weights, window, training);
      features.push(tf.gather(encoded, tf.tensor1d(index, 'int32'))); // [T*B, F]
    }
    if (w.casingEmbeddings !== undefined) {
      const casing = tf.tensor1d(timeMajor(batch.casing!, B, T, (n) => new Int32Array(n)), 'int32');
      features.push(tf.gather(w.casingEmbeddings, casing)); // [T*B, Dcase]
    }
    const embedded = drop(features.length === 1 ? features[0] : (tf.concat(features, 1) as tf.Tensor2D));
    let states = embedded;
    for (const layer of w.bilstms) states = drop(bilstm(states, mask, layer.forward, layer.backward, T, B, training)); // [T*B, 2H]
    const scores = tf.fused.matMul({ a: states, b: w.denseKernel, bias: w.denseBias }); // [T*B, K]
    const numTags = w.denseBias.shape[0];
    return tf.transpose(tf.reshape(scores, [T, B, numTags]), [1, 0, 2]) as tf.Tensor3D;
  });
}
