/**
 * The browser bundle (dist/browser/ner.js, built by scripts/build-browser.mjs):
 * loads a saved model directory over HTTP with @tensorflow/tfjs and tags text
 * in the page, with the same code and the same results as `ner predict`.
 *
 *   const tagger = await ner.loadModel('/model/');       // model.json, weights.bin, metadata.json
 *   const records = ner.tagText(tagger, 'Angela Merkel visited Paris.');
 *
 * Nothing here imports a Node built-in module (the bundle build fails if
 * anything does): the model knows no files (io/modelStore.ts does), and the
 * network runs as tf.layers' graph, as it does wherever the project's kernels
 * are not registered.
 */
import * as tf from '@tensorflow/tfjs';
import type { NerModel } from '../model/nerModel';
import { validateMetadata } from '../model/metadata';
import { modelFromSaved } from '../model/savedModel';
import { TaggedSentence, tagLines } from '../predict';
// Registers the custom layers, so that loadLayersModel knows them.
import '../model/crf';
import '../model/charEncoder';
import '../model/featureEmbedding';

export { tf };

/**
 * Loads the model directory at `url` ('models/en' or 'models/en/'), through
 * the same checks as `ner` on the command line (model/savedModel.ts).
 */
export async function loadModel(url: string): Promise<NerModel> {
  // The files are named relative to the directory: without its '/', 'models/en' + 'model.json' would miss.
  const baseUrl = url.endsWith('/') ? url : `${url}/`;
  const response = await fetch(`${baseUrl}metadata.json`);
  if (!response.ok) throw new Error(`${baseUrl}metadata.json: HTTP ${response.status}`);
  const metadata: unknown = await response.json();
  // Refused before the weights are downloaded, if it must be.
  validateMetadata(metadata, baseUrl);
  const network = await tf.loadLayersModel(`${baseUrl}model.json`);
  return modelFromSaved(metadata, network, baseUrl);
}

/** What POST /api/predict returns for {"text": ...}: each line cut into sentences, entities with confidences. */
export function tagText(model: NerModel, text: string): TaggedSentence[] {
  return tagLines(model, text.split(/\r\n|\r|\n/), { confidence: true, splitSentences: true });
}
