/**
 * The tagger's forward pass computed directly from the tf.layers model's
 * weights, with the fused LSTM of lstm.ts: the same function as
 * `network.apply(ids)`, in far fewer ops. Gradients reach the same variables,
 * so training through it trains the tf.layers model that gets saved.
 *
 *   ids [B, T] -> (time-major) gather embeddings [T*B, D] -> dropout
 *     -> bidirectional LSTM [T*B, 2H] (forward, backward directions) -> dropout
 *     -> dense [T*B, K] -> emissions [B, T, K]
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/batch';
import { LstmWeights, bilstm } from './lstm';
import { LAYER } from './tagger';

interface TaggerWeights {
  embeddings: tf.Tensor2D;
  forward: LstmWeights;
  backward: LstmWeights;
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
  const lstm = (direction: 'forward' | 'backward'): LstmWeights => ({
    kernel: get(`${LAYER.bilstm}/${direction}_lstm/kernel`),
    recurrentKernel: get(`${LAYER.bilstm}/${direction}_lstm/recurrent_kernel`),
    bias: get(`${LAYER.bilstm}/${direction}_lstm/bias`),
  });
  return {
    embeddings: get(`${LAYER.embedding}/embeddings`),
    forward: lstm('forward'),
    backward: lstm('backward'),
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

/**
 * Emission scores [B, T, K] for a batch. `dropout` is the rate applied to the
 * embeddings and the BiLSTM output when training (0 for inference).
 */
export function fusedEmissions(network: tf.LayersModel, batch: Batch, dropout: number, training: boolean): tf.Tensor3D {
  const B = batch.size;
  const T = batch.maxLength;
  const w = taggerWeights(network);
  return tf.tidy(() => {
    const ids = tf.tensor1d(timeMajor(batch.ids, B, T, (n) => new Int32Array(n)), 'int32');
    const mask = tf.tensor1d(timeMajor(batch.mask, B, T, (n) => new Float32Array(n)));
    const drop = (x: tf.Tensor2D) => (training && dropout > 0 ? (tf.dropout(x, dropout) as tf.Tensor2D) : x);
    const embedded = drop(tf.gather(w.embeddings, ids)); // [T*B, D]
    const states = drop(bilstm(embedded, mask, w.forward, w.backward, T, B, training)); // [T*B, 2H]
    const scores = tf.fused.matMul({ a: states, b: w.denseKernel, bias: w.denseBias }); // [T*B, K]
    const numTags = w.denseBias.shape[0];
    return tf.transpose(tf.reshape(scores, [T, B, numTags]), [1, 0, 2]) as tf.Tensor3D;
  });
}
