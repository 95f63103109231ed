/**
 * A model directory on disk: tfjs's own layout, so the same files load with
 * `tf.loadLayersModel('…/model.json')` in a browser, plus our metadata:
 *
 *   DIR/model.json     topology + weights manifest (tfjs "layers-model" format)
 *   DIR/weights.bin    all weights, little-endian float32, in manifest order
 *   DIR/metadata.json  vocabularies, tags, scheme, hyperparameters, training summary
 *
 * The `file://` handler of tfjs exists only with tfjs-node, so reading and
 * writing go through tf.io.withSaveHandler / tf.io.fromMemory on every backend.
 *
 * Writes are atomic: everything goes to a hidden sibling directory that is
 * renamed into place, so DIR is either the complete old model, the complete
 * new one, or absent, never half-written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataError, ModelError, UsageError } from '../errors';
import { withPath } from './fsErrors';
import { LOCK_FILE, LockOwner, describeOwner, heldLock, lockOf, processRuns } from './modelLock';
import { readWholeFile } from './readWhole';
import { sleepSync } from '../util/sleep';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const METADATA_JSON = 'metadata.json';
/** The training report (report/report.ts), written next to the model. */
export const REPORT_HTML = 'report.html';
/** Where training keeps its checkpoints inside the model directory (see train/checkpoint.ts). */
export const CHECKPOINTS_DIR = 'checkpoints';
/** The file in CHECKPOINTS_DIR naming the newest complete checkpoint. */
export const CHECKPOINT_LATEST = 'LATEST';

/** Everything a model directory holds, in memory. */
export interface ModelFiles {
  /** model.json, as tfjs writes it (ModelJSON with one weights group). */
  modelJson: tf.io.ModelJSON;
  weights: ArrayBuffer;
  metadata: unknown;
}

/** Serialises a LayersModel to tfjs's model.json + weights.bin contents, without touching disk. */
export async function serialiseModel(model: tf.LayersModel): Promise<{ modelJson: tf.io.ModelJSON; weights: ArrayBuffer }> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (captured === undefined || captured.weightSpecs === undefined || captured.weightData === undefined) {
    throw new Error('tfjs did not hand over the model artifacts');
  }
  const modelJson: tf.io.ModelJSON = {
    modelTopology: captured.modelTopology as object,
    format: captured.format,
    generatedBy: captured.generatedBy,
    convertedBy: captured.convertedBy,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: captured.weightSpecs }],
  };
  return { modelJson, weights: tf.io.CompositeArrayBuffer.join(captured.weightData) };
}

function isNonEmptyDir(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/**
 * Refuses to replace something that is not a model directory, so that
 * `--out ~` cannot delete a home folder.
 */
export function assertReplaceable(dir: string): void {
  recoverInterruptedReplace(dir);
  if (!fs.existsSync(dir)) return;
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`${dir} exists and is a file; --out must name a model directory`);
  // A lock alone is ours too: a run that has just started, or one that died before its first checkpoint.
  const ours = [METADATA_JSON, CHECKPOINTS_DIR, LOCK_FILE].some((name) => fs.existsSync(path.join(dir, name)));
  if (isNonEmptyDir(dir) && !ours) {
    throw new UsageError(`${dir} exists and is not a ner model directory; choose another --out or remove it`);
  }
}

/**
 * Fails now, not after training, when `dir` could not be written: a path
 * through a regular file, a read-only or unwritable directory where it would
 * be created, or (for an existing `dir`) an unwritable parent, where the
 * final save renames the new directory into place.
 */
export function assertWritable(dir: string): void {
  const abs = path.resolve(dir);
  let existing = abs;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) {
    throw new UsageError(`cannot create ${dir}: ${existing} is a file, not a directory`);
  }
  for (const where of existing === abs ? [abs, path.dirname(abs)] : [existing]) {
    try {
      fs.accessSync(where, fs.constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EROFS' ? 'it is on a read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
      throw new UsageError(`cannot write ${dir}: ${where} is not writable (${why})`);
    }
  }
}

/**
 * The directory that writing `dir` replaces: `dir` itself, or where it
 * points when it is a symbolic link, so that the link stays and its target
 * is replaced.
 */
export function modelDirTarget(dir: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch {
    return dir;
  }
  if (!stat.isSymbolicLink()) return dir;
  try {
    return fs.realpathSync(dir);
  } catch {
    throw new UsageError(`${dir} is a symbolic link to ${fs.readlinkSync(dir)}, which does not exist`);
  }
}

/** How long a reader waits for a replacement under way in another process to finish. */
const REPLACE_WAIT_MS = 10_000;

/**
 * Replacing a directory takes two renames (old away, new in); a process
 * killed between them leaves `dir` absent and the previous version under its
 * hidden `.old-PID-` name. Put that back, so `dir` is again the complete old
 * one. While that process still runs, it is between its two renames: wait
 * for its new directory instead of undoing its first rename under it.
 */
export function recoverInterruptedReplace(dir: string): void {
  if (fs.existsSync(dir)) return;
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  const prefix = `.${path.basename(abs)}.old-`;
  let entries: string[];
  try {
    entries = fs.readdirSync(parent).filter((e) => e.startsWith(prefix));
  } catch {
    return;
  }
  if (entries.length === 0) return;
  const newest = entries.map((e) => path.join(parent, e)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  const replacer = Number(/\.old-(\d+)-/.exec(path.basename(newest))?.[1]);
  if (replacer !== process.pid) {
    for (let waited = 0; waited < REPLACE_WAIT_MS && processRuns(replacer) && !fs.existsSync(dir); waited += 20) sleepSync(20);
  }
  if (fs.existsSync(dir) || !fs.existsSync(newest)) return;
  fs.renameSync(newest, abs);
}

function hiddenSibling(dir: string, label: string): string {
  const abs = path.resolve(dir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${label}-${process.pid}-${Date.now().toString(36)}`);
}

export function writeFileSynced(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (err) {
    throw withPath(err, file);
  } finally {
    fs.closeSync(fd);
  }
}

/** The files of a model directory, in the order to write them: model.json last, so a reader that finds it knows the rest is there. */
export async function modelDirFiles(model: tf.LayersModel, metadata: object): Promise<Array<[string, string | Uint8Array]>> {
  const { modelJson, weights } = await serialiseModel(model);
  return [
    [WEIGHTS_BIN, new Uint8Array(weights)],
    [METADATA_JSON, `${JSON.stringify(metadata, null, 1)}\n`],
    [MODEL_JSON, JSON.stringify(modelJson)],
  ];
}

/**
 * Writes `files` as directory `dir`, atomically: into a hidden sibling that
 * is renamed into place (replacing whatever `dir` held), each file synced first.
 */
export function writeDirAtomically(dir: string, files: ReadonlyArray<[string, string | Uint8Array]>): void {
  fs.mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
  const tmp = hiddenSibling(dir, 'tmp');
  // A lock this process holds on `dir` moves into the new directory, so that no moment of the replacement is unlocked.
  const lock = heldLock(dir);
  try {
    fs.mkdirSync(tmp);
    if (lock !== undefined) writeFileSynced(path.join(tmp, LOCK_FILE), lock);
    for (const [name, data] of files) writeFileSynced(path.join(tmp, name), data);
    if (fs.existsSync(dir)) {
      const old = hiddenSibling(dir, 'old');
      fs.renameSync(dir, old);
      fs.renameSync(tmp, dir);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, dir);
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Name the file the user asked for, not its temporary sibling.
    const e = err as NodeJS.ErrnoException;
    if (typeof e.path === 'string' && e.path.startsWith(tmp)) e.path = path.resolve(dir) + e.path.slice(tmp.length);
    throw err;
  }
}

/** Writes a complete model directory (with `extra` files such as the report) atomically, replacing an older model (or an unfinished run's checkpoints) there. */
export async function writeModelDir(dir: string, model: tf.LayersModel, metadata: object, extra: ReadonlyArray<[string, string]> = []): Promise<void> {
  assertReplaceable(dir);
  writeDirAtomically(dir, [...extra, ...(await modelDirFiles(model, metadata))]);
}

function readJson(dir: string, name: string): unknown {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) throw new ModelError(dir, `incomplete model directory: ${name} is missing`);
  let text: string;
  try {
    text = readWholeFile(file, file).toString('utf8');
  } catch (err) {
    // Too large (a link to /dev/zero, say): named as a model file.
    if (err instanceof DataError) throw new ModelError(dir, `corrupt model: ${name} is ${err.reason}`);
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelError(dir, `corrupt model: ${name} is not valid JSON (${(err as Error).message})`);
  }
}

/** The dtypes ner writes (4 bytes each); tfjs's others (float16 through quantization, bool, string, complex64) it never does. */
const DTYPES = ['float32', 'int32'];

/** Checks one weights-manifest entry, so that sizes are computed from numbers, not from whatever the file holds. */
function manifestEntry(dir: string, entry: unknown, index: number): tf.io.WeightsManifestEntry {
  const bad = (reason: string): never => {
    throw new ModelError(dir, `corrupt model: ${MODEL_JSON}: weights manifest entry ${index + 1} ${reason}`);
  };
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return bad(`is not an object: ${JSON.stringify(entry)}`);
  const { name, shape, dtype, quantization } = entry as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') bad(`has no name (expected a string, got ${JSON.stringify(name)})`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    bad(`(${name}) has shape ${JSON.stringify(shape)}, expected an array of non-negative integers`);
  }
  if (quantization !== undefined) bad(`(${name}) is quantized, which ner does not read`);
  if (!DTYPES.includes(dtype as string)) bad(`(${name}) has unsupported dtype ${JSON.stringify(dtype)} (expected ${DTYPES.join(' or ')})`);
  return entry as tf.io.WeightsManifestEntry;
}

function byteSize(spec: tf.io.WeightsManifestEntry): number {
  return 4 * spec.shape.reduce((a, b) => a * b, 1);
}

/**
 * Refuses weights that hold NaN or infinities: a model saved by a diverged
 * run (or damaged) would tag nonsense, or crash decoding. One pass over the
 * floats, cheap next to reading them.
 */
function assertFinite(dir: string, specs: tf.io.WeightsManifestEntry[], weights: ArrayBuffer): void {
  let offset = 0;
  for (const spec of specs) {
    const size = byteSize(spec);
    if (spec.dtype === 'float32') {
      const values = new Float32Array(weights, offset, size / 4);
      let bad = 0;
      for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) bad++;
      if (bad > 0) {
        throw new ModelError(
          dir,
          `corrupt model: weight ${spec.name} holds ${bad} NaN or infinite value${bad === 1 ? '' : 's'} (of ${values.length}); ` +
            'the training that saved it diverged, or the file is damaged: retrain, with a lower --lr if it diverged',
        );
      }
    }
    offset += size;
  }
}

/** Reads and checks the three files; the caller validates the metadata's content. */
export function readModelFiles(dir: string): ModelFiles {
  recoverInterruptedReplace(dir);
  if (!fs.existsSync(dir)) throw new ModelError(dir, 'no such model directory');
  if (!fs.statSync(dir).isDirectory()) throw new ModelError(dir, 'is a file; --model expects the directory that ner train wrote');
  if (!fs.existsSync(path.join(dir, MODEL_JSON))) {
    const lock = lockOf(dir);
    if (lock !== undefined && lock.alive !== false) {
      const who = lock.owner === 'unreadable' ? '' : ` (${describeOwner(lock.owner)})`;
      throw new ModelError(dir, `holds no model yet: a training run${who} is writing it`);
    }
    if (fs.existsSync(path.join(dir, CHECKPOINTS_DIR, CHECKPOINT_LATEST))) {
      throw new ModelError(dir, `holds only the checkpoints of an unfinished training run; finish it with: ner train --resume ${dir}`);
    }
    if (lock !== undefined) throw new ModelError(dir, `holds no model: the training run that was writing it (${describeOwner(lock.owner as LockOwner)}) stopped before saving one`);
  }
  const metadata = readJson(dir, METADATA_JSON);
  const modelJson = readJson(dir, MODEL_JSON) as Partial<tf.io.ModelJSON> | null;
  if (
    modelJson === null ||
    typeof modelJson !== 'object' ||
    typeof modelJson.modelTopology !== 'object' ||
    !Array.isArray(modelJson.weightsManifest) ||
    modelJson.weightsManifest.length !== 1 ||
    modelJson.weightsManifest[0] === null ||
    typeof modelJson.weightsManifest[0] !== 'object' ||
    !Array.isArray(modelJson.weightsManifest[0].weights)
  ) {
    throw new ModelError(dir, `corrupt model: ${MODEL_JSON} lacks a layers-model topology or its weights manifest`);
  }
  const specs = (modelJson.weightsManifest[0].weights as unknown[]).map((entry, i) => manifestEntry(dir, entry, i));
  const weightsFile = path.join(dir, WEIGHTS_BIN);
  if (!fs.existsSync(weightsFile)) throw new ModelError(dir, `incomplete model directory: ${WEIGHTS_BIN} is missing`);
  const expected = specs.reduce((acc, spec) => acc + byteSize(spec), 0);
  // Sized before it is read, so that no device or giant file is read for nothing.
  const stat = fs.statSync(weightsFile);
  if (!stat.isFile()) throw new ModelError(dir, `corrupt model: ${WEIGHTS_BIN} is not a regular file`);
  if (stat.size !== expected) throw new ModelError(dir, `corrupt model: ${WEIGHTS_BIN} has ${stat.size} bytes, the manifest needs ${expected}`);
  const bytes = fs.readFileSync(weightsFile);
  const weights = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  assertFinite(dir, specs, weights);
  return { modelJson: modelJson as tf.io.ModelJSON, weights, metadata };
}

/** Rebuilds the LayersModel from its files. Custom layers (the CRF) must be registered beforehand. */
export async function loadLayersModelFromFiles(dir: string, files: ModelFiles): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: files.modelJson.modelTopology,
        weightSpecs: files.modelJson.weightsManifest[0].weights,
        weightData: files.weights,
        format: files.modelJson.format,
        generatedBy: files.modelJson.generatedBy,
        convertedBy: files.modelJson.convertedBy,
      }),
    );
  } catch (err) {
    throw new ModelError(dir, `corrupt model: tfjs could not rebuild it from ${MODEL_JSON} (${(err as Error).message.split('\n')[0]})`);
  }
}
