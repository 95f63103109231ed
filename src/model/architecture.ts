/**
 * The BiLSTM-CRF network, declared once (Huang et al., 2015; Lample et al.,
 * 2016): its inputs, its stages in order, and every weight by its full name
 * with the rule that initialises it.
 *
 *   token ids [B, T] -> word embedding (id 0 is padding)       ┐
 *   char ids [B, T, L] -> character encoder (optional)         ├ concatenate -> dropout
 *   casing ids [B, T] -> casing embedding (optional)           │
 *   feature ids [B, T, F] -> feature embedding (optional)      ┘   (gazetteer, extra columns)
 *     -> BiLSTM (return sequences, directions concatenated) -> dropout   (lstmLayers times)
 *     -> dense emissions [B, T, K] -> CRF (owns the transitions; passes emissions on)
 *
 * Both ways of running the network read this declaration: `tagger.ts`
 * builds the tf.layers graph from it (the graph that is saved, loaded in the
 * browser and run on the `tensorflow` backend), and `fusedForward.ts` runs the
 * same stages with the project's fused kernels on the same variables, looking
 * them up by the names declared here. Adding a stage means declaring it here,
 * building it in tagger.ts and running it in fusedForward.ts.
 *
 * The names are the ones the layers give their weights (tf.layers'
 * Bidirectional LSTM, CharEncoder.build, the CRF's build): tagger.ts checks
 * at every build, and model/savedModel.ts at every load, that a network's
 * weights are exactly the declared ones, so the two cannot drift apart
 * unnoticed.
 */
import { CASINGS } from '../data/features';
import type { CharEncoderConfig } from './charEncoder';
import type { TaggerShape } from './tagger';

/** How a weight starts (values drawn in model.weights order from one seeded generator, see tagger.ts). */
export type WeightInit =
  /** U(±sqrt(3 / dim)) (Lample et al., 2016): unit-scale inputs. */
  | { rule: 'embedding' }
  | { rule: 'glorot' }
  | { rule: 'zeros' }
  /** Orthogonal per gate. */
  | { rule: 'lstmRecurrent'; units: number }
  /** Zeros, forget gate 1. */
  | { rule: 'lstmBias'; units: number }
  /** U(±0.1). */
  | { rule: 'crf' };

/** One LSTM direction's weights, by full name. */
export interface LstmWeightNames {
  kernel: string;
  recurrentKernel: string;
  bias: string;
}

export interface Architecture {
  inputs: { tokens: string; chars?: string; casing?: string; features?: string };
  wordEmbedding: { layer: string; weight: string; inputDim: number; outputDim: number };
  chars?: { layer: string; config: CharEncoderConfig };
  casingEmbedding?: { layer: string; weight: string; inputDim: number; outputDim: number };
  /** The token features' table (model/featureEmbedding.ts): F features per token, D each. */
  featureEmbedding?: { layer: string; weight: string; rows: number; dim: number; count: number };
  /** The layer joining the features, when there is more than one. */
  features?: string;
  /** Rate of every dropout (0: none, and no dropout layers); locked: one mask per sequence. */
  dropout: { rate: number; locked: boolean; afterFeatures: string };
  /** Lowest first. */
  bilstms: Array<{ layer: string; units: number; forward: LstmWeightNames; backward: LstmWeightNames; dropout: string }>;
  emissions: { layer: string; units: number; kernel: string; bias: string };
  crf: { layer: string };
  /** Every weight of the network, by full name, with its initialisation. */
  weights: ReadonlyMap<string, WeightInit>;
}

/** Layer names, fixed so that saved models can be inspected and loaded by name. */
export const LAYER = {
  input: 'token_ids',
  charInput: 'char_ids',
  casingInput: 'casing_ids',
  featureInput: 'feature_ids',
  embedding: 'word_embedding',
  charEncoder: 'char_encoder',
  casingEmbedding: 'casing_embedding',
  featureEmbedding: 'feature_embedding',
  features: 'features',
  bilstm: 'bilstm',
  emissions: 'emissions',
  crf: 'crf',
} as const;

/** The name of BiLSTM layer `layer` (1 = the lowest): `bilstm`, then `bilstm_2`, ..., so one-layer models keep their names. */
export function bilstmLayerName(layer: number): string {
  return layer === 1 ? LAYER.bilstm : `${LAYER.bilstm}_${layer}`;
}

/** The weights of a character encoder layer named `layer`, by full name (CharEncoder.build adds them under these names). */
function charEncoderWeights(layer: string, c: CharEncoderConfig): Array<[string, WeightInit]> {
  const weights: Array<[string, WeightInit]> = [[`${layer}/char_embeddings`, { rule: 'embedding' }]];
  if (c.kind === 'cnn') {
    weights.push([`${layer}/kernel`, { rule: 'glorot' }], [`${layer}/bias`, { rule: 'zeros' }]);
  } else {
    for (const d of ['forward', 'backward']) {
      weights.push(
        [`${layer}/${d}_kernel`, { rule: 'glorot' }],
        [`${layer}/${d}_recurrent_kernel`, { rule: 'lstmRecurrent', units: c.size }],
        [`${layer}/${d}_bias`, { rule: 'lstmBias', units: c.size }],
      );
    }
  }
  return weights;
}

/** The network a shape describes (the shape is validated by tagger.ts's validateShape). */
export function architecture(shape: TaggerShape): Architecture {
  const weights: Array<[string, WeightInit]> = [];
  const wordEmbedding = { layer: LAYER.embedding, weight: `${LAYER.embedding}/embeddings`, inputDim: shape.vocabSize, outputDim: shape.embeddingDim };
  weights.push([wordEmbedding.weight, { rule: 'embedding' }]);
  const chars = shape.chars === undefined ? undefined : { layer: LAYER.charEncoder, config: shape.chars };
  if (chars !== undefined) weights.push(...charEncoderWeights(chars.layer, chars.config));
  const casingDim = shape.casingDim ?? 0;
  const casingEmbedding = casingDim > 0 ? { layer: LAYER.casingEmbedding, weight: `${LAYER.casingEmbedding}/embeddings`, inputDim: CASINGS.length, outputDim: casingDim } : undefined;
  if (casingEmbedding !== undefined) weights.push([casingEmbedding.weight, { rule: 'embedding' }]);
  const featureEmbedding = shape.features === undefined ? undefined : { layer: LAYER.featureEmbedding, weight: `${LAYER.featureEmbedding}/embeddings`, ...shape.features };
  if (featureEmbedding !== undefined) weights.push([featureEmbedding.weight, { rule: 'embedding' }]);
  const bilstms: Architecture['bilstms'] = [];
  for (let n = 1; n <= (shape.lstmLayers ?? 1); n++) {
    const layer = bilstmLayerName(n);
    const direction = (d: 'forward' | 'backward'): LstmWeightNames => {
      const names = { kernel: `${layer}/${d}_lstm/kernel`, recurrentKernel: `${layer}/${d}_lstm/recurrent_kernel`, bias: `${layer}/${d}_lstm/bias` };
      weights.push(
        [names.kernel, { rule: 'glorot' }],
        [names.recurrentKernel, { rule: 'lstmRecurrent', units: shape.hiddenSize }],
        [names.bias, { rule: 'lstmBias', units: shape.hiddenSize }],
      );
      return names;
    };
    bilstms.push({ layer, units: shape.hiddenSize, forward: direction('forward'), backward: direction('backward'), dropout: `${layer}_dropout` });
  }
  const emissions = { layer: LAYER.emissions, units: shape.numTags, kernel: `${LAYER.emissions}/kernel`, bias: `${LAYER.emissions}/bias` };
  weights.push([emissions.kernel, { rule: 'glorot' }], [emissions.bias, { rule: 'zeros' }]);
  for (const name of ['transitions', 'start_transitions', 'end_transitions']) weights.push([`${LAYER.crf}/${name}`, { rule: 'crf' }]);
  return {
    inputs: { tokens: LAYER.input, chars: chars && LAYER.charInput, casing: casingEmbedding && LAYER.casingInput, features: featureEmbedding && LAYER.featureInput },
    wordEmbedding,
    chars,
    casingEmbedding,
    featureEmbedding,
    features: chars !== undefined || casingEmbedding !== undefined || featureEmbedding !== undefined ? LAYER.features : undefined,
    dropout: { rate: shape.dropout, locked: shape.lockedDropout === true, afterFeatures: 'embedding_dropout' },
    bilstms,
    emissions,
    crf: { layer: LAYER.crf },
    weights: new Map(weights),
  };
}
