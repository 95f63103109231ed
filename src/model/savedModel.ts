/**
 * A model from its saved parts: the metadata (metadata.json, as parsed JSON)
 * and the network tfjs loaded from model.json + weights.bin. Every check a
 * saved model must pass lives here, so that Node (`io/modelStore.ts`, from a
 * directory) and the browser (`browser/index.ts`, over HTTP) load alike:
 * metadata fields, vocabularies against the shape, the network's inputs and
 * weights against the architecture the shape declares (the fast path reads
 * the weights by those names), the CRF's tags against the tag vocabulary.
 *
 * No file system here: the browser bundle imports this module.
 */
import type * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors';
import { TagVocabulary, Vocabulary } from '../data/vocab';
import { TokenFeatures } from '../data/tokenFeatures';
import { validateMetadata } from './metadata';
import { NerModel } from './nerModel';
import { architecture } from './architecture';

/**
 * The model for `metadata` and `network`, or a ModelError naming `source`
 * (the directory or URL they came from). The network is disposed when the
 * parts do not fit together, so a refused model leaks no tensors.
 */
export function modelFromSaved(metadata: unknown, network: tf.LayersModel, source: string): NerModel {
  try {
    return assemble(metadata, network, source);
  } catch (err) {
    network.dispose();
    throw err;
  }
}

function assemble(metadata: unknown, network: tf.LayersModel, source: string): NerModel {
  const meta = validateMetadata(metadata, source);
  let words: Vocabulary;
  let tags: TagVocabulary;
  let chars: Vocabulary | undefined;
  let features: TokenFeatures | undefined;
  try {
    words = Vocabulary.fromJSON(meta.words);
    tags = TagVocabulary.fromJSON(meta.tags);
    chars = meta.chars === undefined ? undefined : Vocabulary.fromJSON(meta.chars);
    features = meta.features === undefined ? undefined : TokenFeatures.fromJSON(meta.features);
  } catch (err) {
    throw new ModelError(source, `corrupt model: metadata.json: ${(err as Error).message}`);
  }
  if (words.size !== meta.shape.vocabSize || tags.size !== meta.shape.numTags) {
    throw new ModelError(source, `corrupt model: metadata.json vocabularies (${words.size} words, ${tags.size} tags) do not match its shape`);
  }
  // The weights the shape's architecture declares, by name, must be the network's: a shape that
  // says one BiLSTM layer more or less than model.json holds would run another network.
  const declared = [...architecture(meta.shape).weights.keys()];
  const held = network.weights.map((w) => w.originalName);
  if ([...declared].sort().join('\n') !== [...held].sort().join('\n')) {
    const missing = declared.filter((n) => !held.includes(n));
    const extra = held.filter((n) => !declared.includes(n));
    const listed = (names: string[]) => names.slice(0, 3).join(', ') + (names.length > 3 ? ', ...' : '');
    throw new ModelError(
      source,
      `incompatible model: metadata.json's shape and model.json disagree: ${missing.length > 0 ? `the shape has weights model.json lacks (${listed(missing)})` : ''}${missing.length > 0 && extra.length > 0 ? '; ' : ''}${extra.length > 0 ? `model.json has weights the shape does not (${listed(extra)})` : ''}`,
    );
  }
  // The table's rows are the features' value ids: a table of another shape would gather out of range.
  const table = network.weights.find((w) => w.originalName === architecture(meta.shape).featureEmbedding?.weight);
  const f = meta.shape.features;
  if (table !== undefined && f !== undefined && (table.shape[0] !== f.rows || table.shape[1] !== f.dim)) {
    throw new ModelError(source, `incompatible model: metadata.json's token features need a table of ${f.rows} x ${f.dim}, model.json has ${table.shape.join(' x ')}`);
  }
  let model: NerModel;
  try {
    model = new NerModel({ network, words, tags, scheme: meta.scheme, modelScheme: meta.modelScheme, shape: meta.shape, chars, features, training: meta.training });
  } catch (err) {
    throw new ModelError(source, `incompatible model: ${(err as Error).message}`);
  }
  if (model.crf.numTags !== tags.size) {
    throw new ModelError(source, `corrupt model: the CRF has ${model.crf.numTags} tags but metadata.json lists ${tags.size}`);
  }
  model.savedAt = meta.savedAt;
  return model;
}
