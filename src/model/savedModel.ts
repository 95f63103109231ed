/**
 * A model from its saved parts: the metadata (metadata.json, as parsed JSON)
 * and the network tfjs loaded from model.json + weights.bin. Every check a
 * saved model must pass lives here, so that Node (`io/modelStore.ts`, from a
 * directory) and the browser (`browser/index.ts`, over HTTP) load alike:
 * metadata fields, vocabularies against the shape, the network's inputs
 * against the shape, the CRF's tags against the tag vocabulary.
 *
 * No file system here: the browser bundle imports this module.
 */
import type * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors';
import { TagVocabulary, Vocabulary } from '../data/vocab';
import { validateMetadata } from './metadata';
import { NerModel } from './nerModel';

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
  try {
    words = Vocabulary.fromJSON(meta.words);
    tags = TagVocabulary.fromJSON(meta.tags);
    chars = meta.chars === undefined ? undefined : Vocabulary.fromJSON(meta.chars);
  } catch (err) {
    throw new ModelError(source, `corrupt model: metadata.json: ${(err as Error).message}`);
  }
  if (words.size !== meta.shape.vocabSize || tags.size !== meta.shape.numTags) {
    throw new ModelError(source, `corrupt model: metadata.json vocabularies (${words.size} words, ${tags.size} tags) do not match its shape`);
  }
  let model: NerModel;
  try {
    model = new NerModel({ network, words, tags, scheme: meta.scheme, modelScheme: meta.modelScheme, shape: meta.shape, chars, training: meta.training });
  } catch (err) {
    throw new ModelError(source, `incompatible model: ${(err as Error).message}`);
  }
  if (model.crf.numTags !== tags.size) {
    throw new ModelError(source, `corrupt model: the CRF has ${model.crf.numTags} tags but metadata.json lists ${tags.size}`);
  }
  model.savedAt = meta.savedAt;
  return model;
}
