/**
 * The BiLSTM-CRF network (Huang et al., 2015; Lample et al., 2016) as a
 * tf.layers model, so that it saves, loads and runs like any tfjs model,
 * in Node and in the browser:
 *
 *   token ids [B, T] -> Embedding (mask_zero: id 0 is padding)  ┐
 *   char ids [B, T, L] -> CharEncoder (optional)                ├ Concatenate -> Dropout
 *   casing ids [B, T] -> Embedding (optional)                   ┘
 *     -> Bidirectional(LSTM, return sequences, concat) -> Dropout   (lstmLayers times, stacked)
 *     -> Dense(numTags) emissions [B, T, K] -> CRF (owns transitions; passes emissions on)
 *
 * The word Embedding's mask travels through the concatenation to the LSTMs,
 * so padding never changes the states of real tokens, in either direction.
 */
import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../util/random';
import { CASINGS } from '../data/features';
import { CharEncoder, CharEncoderConfig } from './charEncoder';
import { CRF } from './crf';
import { glorotUniform, lstmBias, lstmRecurrentKernel, uniform } from './initializers';

export interface TaggerShape {
  vocabSize: number;
  numTags: number;
  embeddingDim: number;
  /** LSTM units per direction. */
  hiddenSize: number;
  /**
   * Stacked BiLSTM layers, each reading the one below (Reimers & Gurevych,
   * 2017, found two best for NER); absent: 1, as models saved before had.
   */
  lstmLayers?: number;
  /** Dropout rate on the embeddings and on each BiLSTM layer's output. */
  dropout: number;
  /**
   * Locked (variational) dropout: one mask per sequence, shared by all its
   * time steps (Gal & Ghahramani, 2016), as flair and Reimers & Gurevych (2017)
   * use; false or absent: a fresh mask per token.
   */
  lockedDropout?: boolean;
  /** The character encoder, if any. */
  chars?: CharEncoderConfig;
  /** Size of the casing embedding; 0 or absent: no casing feature. */
  casingDim?: number;
  /**
   * Document context: up to this many tokens of consecutive sentences of one
   * document are read as one sequence (data/context.ts); 0 or absent: each
   * sentence alone. Not a weight: the same network reads either way.
   */
  contextTokens?: number;
}

/** Layer names, fixed so that saved models can be inspected and loaded by name. */
export const LAYER = {
  input: 'token_ids',
  charInput: 'char_ids',
  casingInput: 'casing_ids',
  embedding: 'word_embedding',
  charEncoder: 'char_encoder',
  casingEmbedding: 'casing_embedding',
  features: 'features',
  bilstm: 'bilstm',
  emissions: 'emissions',
  crf: 'crf',
} as const;

/** The number of stacked BiLSTM layers (1 for models saved before there was a choice). */
export function lstmLayersOf(shape: TaggerShape): number {
  return shape.lstmLayers ?? 1;
}

/** The name of BiLSTM layer `layer` (1 = the lowest): `bilstm`, then `bilstm_2`, ..., so one-layer models keep their names. */
export function bilstmLayerName(layer: number): string {
  return layer === 1 ? LAYER.bilstm : `${LAYER.bilstm}_${layer}`;
}

/** Throws, saying which field and what came, unless `s` describes a network buildTagger can build. */
export function validateShape(s: TaggerShape): void {
  const positive = ['vocabSize', 'numTags', 'embeddingDim', 'hiddenSize'] as const;
  for (const key of positive) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new Error(`tagger: ${key} must be a positive integer, got ${s[key]}`);
  }
  if (!(s.dropout >= 0 && s.dropout < 1)) throw new Error(`tagger: dropout must be in [0, 1), got ${s.dropout}`);
  if (s.chars !== undefined) {
    if (s.chars === null || typeof s.chars !== 'object') throw new Error(`tagger: chars must be an object, got ${JSON.stringify(s.chars)}`);
    if (s.chars.kind !== 'cnn' && s.chars.kind !== 'lstm') throw new Error(`tagger: chars.kind must be cnn or lstm, got ${JSON.stringify(s.chars.kind)}`);
    for (const key of ['numChars', 'charDim', 'size', 'window'] as const) {
      if (!Number.isInteger(s.chars[key]) || s.chars[key] < 1) throw new Error(`tagger: chars.${key} must be a positive integer, got ${s.chars[key]}`);
    }
  }
  if (s.lstmLayers !== undefined && (!Number.isInteger(s.lstmLayers) || s.lstmLayers < 1)) {
    throw new Error(`tagger: lstmLayers must be a positive integer, got ${s.lstmLayers}`);
  }
  if (s.casingDim !== undefined && (!Number.isInteger(s.casingDim) || s.casingDim < 0)) {
    throw new Error(`tagger: casingDim must be a non-negative integer, got ${s.casingDim}`);
  }
  if (s.contextTokens !== undefined && (!Number.isInteger(s.contextTokens) || s.contextTokens < 0)) {
    throw new Error(`tagger: contextTokens must be a non-negative integer, got ${s.contextTokens}`);
  }
}

/** Builds the network with weights initialised from `seed`. */
export function buildTagger(shape: TaggerShape, seed: number): tf.LayersModel {
  validateShape(shape);
  const input = tf.input({ shape: [null], dtype: 'int32', name: LAYER.input });
  const inputs = [input];
  const features = [
    tf.layers.embedding({ inputDim: shape.vocabSize, outputDim: shape.embeddingDim, maskZero: true, name: LAYER.embedding }).apply(input) as tf.SymbolicTensor,
  ];
  if (shape.chars !== undefined) {
    const chars = tf.input({ shape: [null, null], dtype: 'int32', name: LAYER.charInput });
    inputs.push(chars);
    features.push(new CharEncoder({ ...shape.chars, name: LAYER.charEncoder }).apply(chars) as tf.SymbolicTensor);
  }
  if ((shape.casingDim ?? 0) > 0) {
    const casing = tf.input({ shape: [null], dtype: 'int32', name: LAYER.casingInput });
    inputs.push(casing);
    // mask_zero: casing id 0 is padding (see charEncoder.ts on why every feature carries the mask).
    features.push(tf.layers.embedding({ inputDim: CASINGS.length, outputDim: shape.casingDim!, maskZero: true, name: LAYER.casingEmbedding }).apply(casing) as tf.SymbolicTensor);
  }
  let x = features.length === 1 ? features[0] : (tf.layers.concatenate({ axis: -1, name: LAYER.features }).apply(features) as tf.SymbolicTensor);
  // SpatialDropout1D drops whole feature channels of a sequence: locked dropout on [B, T, D].
  const dropout = (name: string) =>
    shape.lockedDropout === true ? tf.layers.spatialDropout1d({ rate: shape.dropout, name }) : tf.layers.dropout({ rate: shape.dropout, name });
  if (shape.dropout > 0) x = dropout('embedding_dropout').apply(x) as tf.SymbolicTensor;
  for (let layer = 1; layer <= lstmLayersOf(shape); layer++) {
    x = tf.layers
      .bidirectional({
        layer: tf.layers.lstm({
          units: shape.hiddenSize,
          returnSequences: true,
          // tfjs defaults to hardSigmoid; the standard LSTM (and PyTorch's) uses the logistic sigmoid.
          recurrentActivation: 'sigmoid',
          // Overwritten by initialiseWeights; named here to skip tfjs's slow default Orthogonal.
          recurrentInitializer: 'glorotUniform',
          name: 'lstm',
        }) as tf.RNN,
        mergeMode: 'concat',
        name: bilstmLayerName(layer),
      })
      .apply(x) as tf.SymbolicTensor;
    if (shape.dropout > 0) x = dropout(`${bilstmLayerName(layer)}_dropout`).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.dense({ units: shape.numTags, name: LAYER.emissions }).apply(x) as tf.SymbolicTensor;
  const output = new CRF({ name: LAYER.crf }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs, outputs: output, name: 'bilstm_crf' });
  initialiseWeights(model, shape, seed);
  return model;
}

/**
 * Writes every weight from one seeded generator, in a fixed order.
 * - embeddings (words, characters, casing): U(±sqrt(3 / dim)) (Lample et al., 2016): unit-scale inputs;
 * - LSTM input kernels (word and character LSTMs): Glorot uniform; recurrent kernels: orthogonal
 *   per gate; bias: forget gate 1;
 * - character convolution and emission projection: Glorot uniform, zero bias;
 * - CRF start/end/transitions: U(±0.1).
 */
function initialiseWeights(model: tf.LayersModel, shape: TaggerShape, seed: number): void {
  const rng = makeRng(seed);
  for (const w of model.weights) {
    const dims = w.shape as number[];
    const size = dims.reduce((a, b) => a * b, 1);
    const name = w.originalName;
    const units = name.startsWith(`${LAYER.charEncoder}/`) ? shape.chars!.size : shape.hiddenSize;
    let values: Float32Array;
    if (name.endsWith('embeddings')) values = uniform(rng, size, Math.sqrt(3 / dims[1]));
    else if (name.endsWith('recurrent_kernel')) values = lstmRecurrentKernel(rng, units);
    else if ((name.includes('lstm') || name.endsWith('ward_bias')) && name.endsWith('bias')) values = lstmBias(units);
    else if (name.endsWith('kernel')) values = glorotUniform(rng, dims[0], dims[1]);
    else if (name.endsWith('bias')) values = new Float32Array(size);
    else if (name.startsWith(`${LAYER.crf}/`)) values = uniform(rng, size, 0.1);
    else throw new Error(`tagger: no initialisation rule for weight ${name}`);
    const t = tf.tensor(values, dims);
    w.write(t);
    t.dispose();
  }
}

/** The CRF layer of a tagger model (built here or loaded from disk). */
export function crfOf(model: tf.LayersModel): CRF {
  const layer = model.getLayer(LAYER.crf);
  if (!(layer instanceof CRF)) throw new Error(`tagger: layer '${LAYER.crf}' is not a CRF`);
  return layer;
}
