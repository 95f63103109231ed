/**
 * The browser bundle (dist/browser/ner.js, built by scripts/build-browser.mjs):
 * loads a saved model directory over HTTP with @tensorflow/tfjs and tags text
 * in the page, with the same code and the same results as `ner predict`.
 *
 *   const tagger = await ner.loadModel('/model/');       // model.json, weights.bin, metadata.json
 *   const records = ner.tagText(tagger, 'Angela Merkel visited Paris.');
 *
 * Node-only modules (file system, worker threads) are replaced by stubs in
 * the bundle; nothing here reaches them: the network runs as tf.layers'
 * graph, as it does wherever the project's kernels are not registered.
 */
import * as tf from '@tensorflow/tfjs';
import { TagVocabulary, Vocabulary } from '../data/vocab';
import { validateMetadata } from '../model/metadata';
import { NerModel } from '../model/nerModel';
import { TaggedSentence, tagLines } from '../predict';
// Registers the custom layers, so that loadLayersModel knows them.
import '../model/crf';
import '../model/charEncoder';

export { tf };

/** Loads the model directory at `baseUrl` (ending in '/'). */
export async function loadModel(baseUrl: string): Promise<NerModel> {
  const response = await fetch(`${baseUrl}metadata.json`);
  if (!response.ok) throw new Error(`${baseUrl}metadata.json: HTTP ${response.status}`);
  const meta = validateMetadata(await response.json(), baseUrl);
  const network = await tf.loadLayersModel(`${baseUrl}model.json`);
  return new NerModel({
    network,
    words: Vocabulary.fromJSON(meta.words),
    tags: TagVocabulary.fromJSON(meta.tags),
    scheme: meta.scheme,
    modelScheme: meta.modelScheme,
    shape: meta.shape,
    chars: meta.chars === undefined ? undefined : Vocabulary.fromJSON(meta.chars),
    training: meta.training,
  });
}

/** What POST /api/predict returns for {"text": ...}: each line cut into sentences, entities with confidences. */
export function tagText(model: NerModel, text: string): TaggedSentence[] {
  return tagLines(model, text.split(/\r\n|\r|\n/), { confidence: true, splitSentences: true });
}
