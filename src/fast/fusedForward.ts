/**
 * The tagger's forward pass computed directly from the tf.layers model's
 * weights, with the fused LSTM of lstm.ts: the same function as
 * `network.apply(ids)`, in far fewer ops. Gradients reach the same variables,
 * so training through it trains the tf.layers model that gets saved. The
 * stages and the weights' names come from the declaration both share
 * (architecture.ts).
 *
 * Porting notes, where this departs from the tf.layers graph: inputs are
 * reordered time-major once, not per layer; each distinct character sequence
 * is encoded once per batch; masking is a multiply in the LSTM cell rather
 * than tf.layers' per-step select (the same values: a masked step keeps its state).
 *
 *   ids [B, T] -> (time-major) gather embeddings [T*B, D] (+ character encoder, + casing, + token features) -> dropout
 *     -> bidirectional LSTM [T*B, 2H] (forward, backward directions) -> dropout   (per stacked layer)
 *     -> dense [T*B, K] -> emissions [B, T, K]
 *
 * Tagging a very long sequence runs the same steps in slices of time
 * (slicedEmissions), so that memory stays bounded.
 */
import * as tf from '@tensorflow/tfjs';
import { DropoutMasks } from './dropout';
import type { Batch } from '../data/batch';
import type { CharEncoder } from '../model/charEncoder';
import type { FeatureEmbedding } from '../model/featureEmbedding';
import { LstmState, LstmWeights, bilstm, directionForwardReference, directionSlice } from './lstm';
import { fastPath } from './fastPath';
import type { Architecture, LstmWeightNames } from '../model/architecture';
import { inPart } from '../util/parts';

interface TaggerWeights {
  embeddings: tf.Tensor2D;
  /** The character encoder layer, whose encodeWords this pass calls on each distinct word once. */
  chars?: Pick<CharEncoder, 'encodeWords'>;
  casingEmbeddings?: tf.Tensor2D;
  /** The token features' layer, whose embedRows this pass calls. */
  features?: Pick<FeatureEmbedding, 'embedRows'>;
  /** Each BiLSTM layer's directions, lowest first. */
  bilstms: Array<{ forward: LstmWeights; backward: LstmWeights }>;
  denseKernel: tf.Tensor2D;
  denseBias: tf.Tensor1D;
}

/** The network's variables, by the names the architecture declares. */
function taggerWeights(network: tf.LayersModel, arch: Architecture): TaggerWeights {
  const byName = new Map(network.weights.map((w) => [w.originalName, w]));
  const get = <T extends tf.Tensor>(name: string): T => {
    const w = byName.get(name);
    if (w === undefined) throw new Error(`fusedForward: the model has no weight ${name}`);
    return w.read() as T;
  };
  const lstm = (names: LstmWeightNames): LstmWeights => ({ kernel: get(names.kernel), recurrentKernel: get(names.recurrentKernel), bias: get(names.bias) });
  let chars: TaggerWeights['chars'];
  if (arch.chars !== undefined) {
    const layer = network.getLayer(arch.chars.layer) as unknown as Partial<CharEncoder>;
    if (typeof layer.encodeWords !== 'function') throw new Error(`fusedForward: layer ${arch.chars.layer} is not a CharEncoder`);
    chars = layer as Pick<CharEncoder, 'encodeWords'>;
  }
  return {
    embeddings: get(arch.wordEmbedding.weight),
    chars,
    casingEmbeddings: arch.casingEmbedding === undefined ? undefined : get<tf.Tensor2D>(arch.casingEmbedding.weight),
    features: arch.featureEmbedding === undefined ? undefined : featureLayer(network, arch.featureEmbedding.layer),
    bilstms: arch.bilstms.map((b) => ({ forward: lstm(b.forward), backward: lstm(b.backward) })),
    denseKernel: get(arch.emissions.kernel),
    denseBias: get(arch.emissions.bias),
  };
}

function featureLayer(network: tf.LayersModel, name: string): Pick<FeatureEmbedding, 'embedRows'> {
  const layer = network.getLayer(name) as unknown as Partial<FeatureEmbedding>;
  if (typeof layer.embedRows !== 'function') throw new Error(`fusedForward: layer ${name} is not a FeatureEmbedding`);
  return layer as Pick<FeatureEmbedding, 'embedRows'>;
}

/** Steps `from`..`to`-1 of a batch-major [B, T] array, reordered time-major: [to - from, B]. */
function timeMajor<A extends Int32Array | Float32Array>(values: A, batch: number, steps: number, make: (n: number) => A, from = 0, to = steps): A {
  const out = make((to - from) * batch);
  for (let b = 0; b < batch; b++) for (let t = from; t < to; t++) out[(t - from) * batch + b] = values[b * steps + t];
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

/** Steps `from`..`to`-1 of [B, T, L] rows, reordered time-major: [to - from, B, L]. */
function timeMajorRows(values: Int32Array, batch: number, steps: number, width: number, from = 0, to = steps): Int32Array {
  const out = new Int32Array((to - from) * batch * width);
  for (let b = 0; b < batch; b++) {
    for (let t = from; t < to; t++) out.set(values.subarray((b * steps + t) * width, (b * steps + t + 1) * width), ((t - from) * batch + b) * width);
  }
  return out;
}

/**
 * The noise shape of dropout on time-major rows [T*B, D]. Locked: one mask
 * [1, B, D] per sequence, broadcast over its T steps (rows seen as [T, B, D]);
 * otherwise a mask per row.
 */
export function dropoutNoiseShape(rows: number, width: number, locked: boolean, batchSize: number): number[] {
  return locked ? [1, batchSize, width] : [rows, width];
}

/** Dropout on time-major rows x [T*B, D], with the next of `masks` (drawn for dropoutNoiseShape). */
export function timeMajorDropout(x: tf.Tensor2D, masks: DropoutMasks, locked: boolean, batchSize: number): tf.Tensor2D {
  if (!locked) return masks.apply(x);
  const [rows, width] = x.shape;
  return tf.reshape(masks.apply(tf.reshape(x, [rows / batchSize, batchSize, width])), [rows, width]) as tf.Tensor2D;
}

/**
 * The token features of steps `from`..`to`-1 of a batch, time-major
 * [(to - from) * B, D (+ F + Dcase + Ffeat * Dfeat)]: the same features, in the same order, as
 * the tf.layers concatenation (see tagger.ts), before dropout.
 */
function tokenFeatures(w: TaggerWeights, batch: Batch, training: boolean, from = 0, to = batch.maxLength): tf.Tensor2D {
  const B = batch.size;
  const T = batch.maxLength;
  return tf.tidy(() => {
    const ids = tf.tensor1d(timeMajor(batch.ids, B, T, (n) => new Int32Array(n), from, to), 'int32');
    const features: tf.Tensor2D[] = [inPart('embeddings', () => tf.gather(w.embeddings, ids))]; // [S*B, D]
    if (w.chars !== undefined) {
      const chars = w.chars;
      // Each distinct character sequence once ("the", ",", padding...), then one row per token.
      const { rows, index } = distinctRows(timeMajorRows(batch.chars!, B, T, batch.charLength, from, to), batch.charLength);
      inPart('character encoder', () => {
        const encoded = chars.encodeWords(tf.tensor2d(rows, [rows.length / batch.charLength, batch.charLength], 'int32'), training);
        features.push(tf.gather(encoded, tf.tensor1d(index, 'int32'))); // [S*B, F]
      });
    }
    if (w.casingEmbeddings !== undefined) {
      const casing = tf.tensor1d(timeMajor(batch.casing!, B, T, (n) => new Int32Array(n), from, to), 'int32');
      features.push(inPart('embeddings', () => tf.gather(w.casingEmbeddings!, casing))); // [S*B, Dcase]
    }
    if (w.features !== undefined) {
      const F = batch.featureCount;
      const rows = tf.tensor2d(timeMajorRows(batch.features!, B, T, F, from, to), [(to - from) * B, F], 'int32');
      features.push(inPart('embeddings', () => w.features!.embedRows(rows))); // [S*B, Ffeat * Dfeat]
    }
    return features.length === 1 ? features[0] : inPart('embeddings', () => tf.concat(features, 1) as tf.Tensor2D);
  });
}

/**
 * Emission scores [B, T, K] for a batch. When training, the architecture's
 * dropout applies to the token features and to each BiLSTM layer's output
 * (locked: one mask across a sequence's time steps, see TaggerShape).
 */
export function fusedEmissions(network: tf.LayersModel, arch: Architecture, batch: Batch, training: boolean): tf.Tensor3D {
  const B = batch.size;
  const T = batch.maxLength;
  const w = taggerWeights(network, arch);
  const { rate, locked } = arch.dropout;
  return tf.tidy(() => {
    const mask = tf.tensor1d(timeMajor(batch.mask, B, T, (n) => new Float32Array(n)));
    // Token features, then each BiLSTM layer's outputs: the widths dropout applies to, in order.
    const widths = [w.bilstms[0].forward.kernel.shape[0], ...w.bilstms.map((layer) => 2 * layer.forward.recurrentKernel.shape[0])];
    const masks = training && rate > 0 ? new DropoutMasks(widths.map((width) => dropoutNoiseShape(T * B, width, locked, B)), rate) : undefined;
    const drop = (x: tf.Tensor2D): tf.Tensor2D => (masks !== undefined ? inPart('dropout', () => timeMajorDropout(x, masks, locked, B)) : x);
    const embedded = drop(tokenFeatures(w, batch, training));
    let states = embedded;
    for (const layer of w.bilstms) states = drop(inPart('BiLSTM', () => bilstm(states, mask, layer.forward, layer.backward, T, B, training))); // [T*B, 2H]
    return inPart('emission scores', () => {
      const scores = tf.fused.matMul({ a: states, b: w.denseKernel, bias: w.denseBias }); // [T*B, K]
      const numTags = w.denseBias.shape[0];
      return tf.transpose(tf.reshape(scores, [T, B, numTags]), [1, 0, 2]) as tf.Tensor3D;
    });
  });
}

/** Time steps per slice in slicedEmissions: large enough for efficient matMuls, small next to a long sequence. */
export const SLICE_STEPS = 256;

/**
 * Emission scores of a batch for tagging, batch-major [B, T, K], computed in
 * slices of SLICE_STEPS time steps, so that a sequence of any length costs
 * about 600 bytes per token (its forward outputs and scores, with H = 128):
 * the whole-sequence graph of fusedEmissions
 * holds every step's input projection, gates and states (about 36 KB a token).
 *
 * Each BiLSTM layer runs its forward direction slice by slice from the first,
 * carrying the state across slices and keeping only its outputs
 * ([T*B, H] floats); then its backward direction slice by slice from the last,
 * each slice joined with the kept forward outputs into the next layer's input
 * (kept, [T*B, 2H] floats) or, for the top layer, projected to emission scores
 * at once. The first layer's input (the token features) is computed again for
 * each direction rather than kept. Every step does the arithmetic of
 * fusedEmissions in the same order, and slices split only the time axis, so
 * the scores are those of fusedEmissions (test/longSequences.test.ts
 * compares them). On a backend without the project's kernels each step is
 * plain tf ops (the same function as the tf.layers graph, within rounding).
 * Inference only: no dropout, no gradient.
 */
export function slicedEmissions(network: tf.LayersModel, arch: Architecture, batch: Batch, sliceSteps = SLICE_STEPS): Float32Array {
  const B = batch.size;
  const T = batch.maxLength;
  const w = taggerWeights(network, arch);
  const numTags = w.denseBias.shape[0];
  const scores = new Float32Array(B * T * numTags);
  const slices: Array<[number, number]> = [];
  for (let from = 0; from < T; from += sliceSteps) slices.push([from, Math.min(T, from + sliceSteps)]);
  // The input of the layer being run: token features, or the layer below's outputs.
  let below: Float32Array | undefined;
  const layerInput = (from: number, to: number): tf.Tensor2D => {
    if (below === undefined) return tokenFeatures(w, batch, false, from, to);
    const width = below.length / (T * B);
    return tf.tensor2d(below.subarray(from * B * width, to * B * width), [(to - from) * B, width]);
  };
  const sliceMask = (from: number, to: number) => tf.tensor1d(timeMajor(batch.mask, B, T, (n) => new Float32Array(n), from, to));
  const fused = fastPath().lstm;
  /** Runs one direction over a slice, from `state`; returns its outputs and the state after it. */
  const run = (lstm: LstmWeights, from: number, to: number, reverse: boolean, state: LstmState | undefined) => {
    const [x, mask] = [layerInput(from, to), sliceMask(from, to)];
    const shape = { steps: to - from, batch: B, reverse };
    try {
      return fused ? directionSlice(x, mask, lstm, shape, state) : directionForwardReference(x, mask, lstm, shape, state);
    } finally {
      tf.dispose([x, mask]);
    }
  };
  const release = (state: LstmState | undefined) => state !== undefined && tf.dispose([state.h, state.c]);

  w.bilstms.forEach((layer, index) => {
    const units = layer.forward.recurrentKernel.shape[0];
    const top = index === w.bilstms.length - 1;
    const forwardOutputs = new Float32Array(T * B * units);
    let state: LstmState | undefined;
    for (const [from, to] of slices) {
      const { outputs, final } = run(layer.forward, from, to, false, state);
      forwardOutputs.set(outputs.dataSync(), from * B * units);
      outputs.dispose();
      release(state);
      state = final;
    }
    release(state);
    state = undefined;
    const next = top ? undefined : new Float32Array(T * B * 2 * units);
    for (const [from, to] of [...slices].reverse()) {
      const { outputs, final } = run(layer.backward, from, to, true, state);
      release(state);
      state = final;
      const rows = (to - from) * B;
      tf.tidy(() => {
        const forward = tf.tensor2d(forwardOutputs.subarray(from * B * units, to * B * units), [rows, units]);
        const joined = tf.concat([forward, outputs], 1) as tf.Tensor2D; // [S*B, 2H]
        if (next !== undefined) {
          next.set(joined.dataSync(), from * B * 2 * units);
          return;
        }
        const sliceScores = tf.fused.matMul({ a: joined, b: w.denseKernel, bias: w.denseBias }).dataSync(); // [S*B, K] time-major
        for (let t = from; t < to; t++) {
          for (let b = 0; b < B; b++) scores.set(sliceScores.subarray(((t - from) * B + b) * numTags, ((t - from) * B + b + 1) * numTags), (b * T + t) * numTags);
        }
      });
      outputs.dispose();
    }
    release(state);
    below = next;
  });
  return scores;
}
