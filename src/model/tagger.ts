/**
 * The BiLSTM-CRF network (architecture.ts declares it) as a tf.layers model,
 * so that it saves, loads and runs like any tfjs model, in Node and in the
 * browser: Embedding (mask_zero), the CharEncoder layer, Concatenate,
 * Dropout or SpatialDropout1D, Bidirectional(LSTM), Dense and the CRF layer.
 *
 * The word Embedding's mask travels through the concatenation to the LSTMs,
 * so padding never changes the states of real tokens, in either direction.
 */
import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../util/random';
import { Architecture, LAYER, architecture } from './architecture';
import { CharEncoder, CharEncoderConfig } from './charEncoder';
import { CRF } from './crf';
import { FeatureEmbedding } from './featureEmbedding';
import { glorotUniform, lstmBias, lstmRecurrentKernel, uniform } from './initializers';

export { LAYER, bilstmLayerName } from './architecture';

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
   * Token features (data/tokenFeatures.ts: gazetteer matches, extra
   * columns): `count` per token, embedded in `rows` rows of `dim`; absent: none.
   */
  features?: { rows: number; dim: number; count: number };
  /**
   * Document context: up to this many tokens of consecutive sentences of one
   * document are read as one sequence (data/context.ts); 0 or absent: each
   * sentence alone. Not a weight: the same network reads either way.
   */
  contextTokens?: number;
}


/** Throws, saying which field and what came, unless `s` describes a network buildTagger can build. */
export function validateShape(s: TaggerShape): void {
  const positive = ['vocabSize', 'numTags', 'embeddingDim', 'hiddenSize'] as const;
  for (const key of positive) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new Error(`tagger: shape.${key} must be a positive integer, got ${s[key]}`);
  }
  if (!(s.dropout >= 0 && s.dropout < 1)) throw new Error(`tagger: shape.dropout must be in [0, 1), got ${s.dropout}`);
  if (s.chars !== undefined) {
    if (s.chars === null || typeof s.chars !== 'object') throw new Error(`tagger: shape.chars must be an object, got ${JSON.stringify(s.chars)}`);
    if (s.chars.kind !== 'cnn' && s.chars.kind !== 'lstm') throw new Error(`tagger: shape.chars.kind must be cnn or lstm, got ${JSON.stringify(s.chars.kind)}`);
    for (const key of ['numChars', 'charDim', 'size', 'window'] as const) {
      if (!Number.isInteger(s.chars[key]) || s.chars[key] < 1) throw new Error(`tagger: shape.chars.${key} must be a positive integer, got ${s.chars[key]}`);
    }
  }
  if (s.lstmLayers !== undefined && (!Number.isInteger(s.lstmLayers) || s.lstmLayers < 1)) {
    throw new Error(`tagger: shape.lstmLayers must be a positive integer, got ${s.lstmLayers}`);
  }
  if (s.casingDim !== undefined && (!Number.isInteger(s.casingDim) || s.casingDim < 0)) {
    throw new Error(`tagger: shape.casingDim must be a non-negative integer, got ${s.casingDim}`);
  }
  if (s.features !== undefined) {
    if (s.features === null || typeof s.features !== 'object') throw new Error(`tagger: shape.features must be an object, got ${JSON.stringify(s.features)}`);
    for (const key of ['rows', 'dim', 'count'] as const) {
      if (!Number.isInteger(s.features[key]) || s.features[key] < 1) throw new Error(`tagger: shape.features.${key} must be a positive integer, got ${s.features[key]}`);
    }
  }
  if (s.contextTokens !== undefined && (!Number.isInteger(s.contextTokens) || s.contextTokens < 0)) {
    throw new Error(`tagger: shape.contextTokens must be a non-negative integer, got ${s.contextTokens}`);
  }
}

/** Builds the network `architecture(shape)` declares, with weights initialised from `seed`. */
export function buildTagger(shape: TaggerShape, seed: number): tf.LayersModel {
  validateShape(shape);
  const arch = architecture(shape);
  const tokens = tf.input({ shape: [null], dtype: 'int32', name: arch.inputs.tokens });
  const inputs = [tokens];
  const { wordEmbedding: word, casingEmbedding: casing } = arch;
  const features = [tf.layers.embedding({ inputDim: word.inputDim, outputDim: word.outputDim, maskZero: true, name: word.layer }).apply(tokens) as tf.SymbolicTensor];
  if (arch.chars !== undefined) {
    const chars = tf.input({ shape: [null, null], dtype: 'int32', name: arch.inputs.chars });
    inputs.push(chars);
    features.push(new CharEncoder({ ...arch.chars.config, name: arch.chars.layer }).apply(chars) as tf.SymbolicTensor);
  }
  if (casing !== undefined) {
    const ids = tf.input({ shape: [null], dtype: 'int32', name: arch.inputs.casing });
    inputs.push(ids);
    // mask_zero: casing id 0 is padding (see charEncoder.ts on why every feature carries the mask).
    features.push(tf.layers.embedding({ inputDim: casing.inputDim, outputDim: casing.outputDim, maskZero: true, name: casing.layer }).apply(ids) as tf.SymbolicTensor);
  }
  if (arch.featureEmbedding !== undefined) {
    const ids = tf.input({ shape: [null, arch.featureEmbedding.count], dtype: 'int32', name: arch.inputs.features });
    inputs.push(ids);
    const { rows, dim, count, layer } = arch.featureEmbedding;
    features.push(new FeatureEmbedding({ rows, dim, count, name: layer }).apply(ids) as tf.SymbolicTensor);
  }
  let x = arch.features === undefined ? features[0] : (tf.layers.concatenate({ axis: -1, name: arch.features }).apply(features) as tf.SymbolicTensor);
  const { rate, locked } = arch.dropout;
  // SpatialDropout1D drops whole feature channels of a sequence: locked dropout on [B, T, D].
  const dropout = (name: string) => (locked ? tf.layers.spatialDropout1d({ rate, name }) : tf.layers.dropout({ rate, name }));
  if (rate > 0) x = dropout(arch.dropout.afterFeatures).apply(x) as tf.SymbolicTensor;
  for (const bilstm of arch.bilstms) {
    x = tf.layers
      .bidirectional({
        layer: tf.layers.lstm({
          units: bilstm.units,
          returnSequences: true,
          // tfjs defaults to hardSigmoid; the standard LSTM (and PyTorch's) uses the logistic sigmoid.
          recurrentActivation: 'sigmoid',
          // Overwritten by initialiseWeights; named here to skip tfjs's slow default Orthogonal.
          recurrentInitializer: 'glorotUniform',
          name: 'lstm',
        }) as tf.RNN,
        mergeMode: 'concat',
        name: bilstm.layer,
      })
      .apply(x) as tf.SymbolicTensor;
    if (rate > 0) x = dropout(bilstm.dropout).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.dense({ units: arch.emissions.units, name: arch.emissions.layer }).apply(x) as tf.SymbolicTensor;
  const output = new CRF({ name: arch.crf.layer }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs, outputs: output, name: 'bilstm_crf' });
  initialiseWeights(model, arch, seed);
  return model;
}

/**
 * Writes every weight from one seeded generator, in the order of
 * model.weights, by the rule architecture.ts declares for it (see WeightInit).
 * A weight the declaration does not name, or a declared one the graph lacks,
 * is a bug in one of the two: it fails here, at every build.
 */
function initialiseWeights(model: tf.LayersModel, arch: Architecture, seed: number): void {
  const rng = makeRng(seed);
  const names = model.weights.map((w) => w.originalName);
  const undeclared = names.filter((n) => !arch.weights.has(n));
  const absent = [...arch.weights.keys()].filter((n) => !names.includes(n));
  if (undeclared.length > 0 || absent.length > 0) {
    throw new Error(`tagger: the graph and architecture.ts disagree: undeclared weights [${undeclared.join(', ')}], declared but absent [${absent.join(', ')}]`);
  }
  for (const w of model.weights) {
    const dims = w.shape as number[];
    const size = dims.reduce((a, b) => a * b, 1);
    const init = arch.weights.get(w.originalName)!;
    let values: Float32Array;
    switch (init.rule) {
      case 'embedding':
        values = uniform(rng, size, Math.sqrt(3 / dims[1]));
        break;
      case 'lstmRecurrent':
        values = lstmRecurrentKernel(rng, init.units);
        break;
      case 'lstmBias':
        values = lstmBias(init.units);
        break;
      case 'glorot':
        values = glorotUniform(rng, dims[0], dims[1]);
        break;
      case 'zeros':
        values = new Float32Array(size);
        break;
      case 'crf':
        values = uniform(rng, size, 0.1);
        break;
    }
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
