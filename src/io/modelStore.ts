/**
 * Models on disk: `saveModel` writes a model directory (model.json,
 * weights.bin, metadata.json and the training report, atomically, see
 * modelDir.ts) and `loadModel` reads one back through the checks every saved
 * model passes (`model/savedModel.ts`). The model itself (`NerModel`) knows
 * nothing of files.
 */
import { NumericalError } from '../errors';
import type { NerModel } from '../model/nerModel';
import { validateMetadata } from '../model/metadata';
import { modelFromSaved } from '../model/savedModel';
import { renderReport } from '../report/report';
import { REPORT_HTML, loadLayersModelFromFiles, readModelFiles, writeModelDir } from './modelDir';

/**
 * Writes DIR atomically: model.json, weights.bin, metadata.json, and the
 * training report report.html. Weights that are not all finite are never
 * written (NumericalError).
 */
export async function saveModel(model: NerModel, dir: string): Promise<void> {
  const overflowed = await model.nonFiniteWeightAsync();
  if (overflowed !== undefined) throw new NumericalError(`${dir}: not saved: weight ${overflowed} holds NaN or infinite values (training diverged; try a lower --lr)`);
  const metadata = { ...model.metadata(), savedAt: new Date().toISOString() };
  await writeModelDir(dir, model.network, metadata, [[REPORT_HTML, renderReport(metadata, await model.crf.weightsForDecodingAsync())]]);
  model.savedAt = metadata.savedAt;
}

/** Loads a directory written by `saveModel`, with a clear ModelError for anything missing or wrong. */
export async function loadModel(dir: string): Promise<NerModel> {
  const files = readModelFiles(dir);
  // The metadata first, as before the network: its errors come first, and cost no weights.
  validateMetadata(files.metadata, dir);
  const network = await loadLayersModelFromFiles(dir, files);
  return modelFromSaved(files.metadata, network, dir);
}
