/**
 * Training checkpoints inside the model directory, so that a crash, a Ctrl-C
 * or a kill loses at most the steps since the last one:
 *
 *   DIR/checkpoints/LATEST          the name of the newest complete checkpoint
 *   DIR/checkpoints/<name>/         model.json, weights.bin, metadata.json: the model as it stands
 *                                   (loadable like any model), plus
 *                          best.bin      the best weights so far (network.getWeights() order, float32)
 *                          optimizer.bin the optimizer's slots (specs in state.json)
 *                          state.json    epoch, step, learning rate, RNG states, history, best
 *                                        dev score, and the run's full configuration
 *
 * A checkpoint is written under a new name, then LATEST is replaced
 * atomically (write, sync, rename), then older ones are removed: a kill at any
 * moment leaves LATEST naming a complete checkpoint, old or new.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors';
import { CHECKPOINTS_DIR, CHECKPOINT_LATEST, WEIGHTS_BIN, modelDirFiles, writeDirAtomically, writeFileSynced } from '../io/modelDir';
import type { DevScores, EpochRecord } from '../model/metadata';
import { NerModel } from '../model/nerModel';
import { Shape, arrayOf, boolean, finiteNumber, integer, object, oneOf, optional, positiveNumber, string } from '../util/jsonShape';
import type { OptimizerState } from './optimizer';
import { loadModel } from '../io/modelStore';

const LATEST = CHECKPOINT_LATEST;
const STATE_JSON = 'state.json';
const BEST_BIN = 'best.bin';
const OPTIMIZER_BIN = 'optimizer.bin';
const FORMAT = 'ner-checkpoint';
const VERSION = 1;

/** Where a run stands: enough to continue it exactly as if it had never stopped. */
export interface TrainingState {
  /** The epoch in progress (1-based), and how many of its batches are done. */
  epoch: number;
  step: number;
  learningRate: number;
  /** Consecutive skipped steps (NaN or infinite loss or gradients). */
  faults: number;
  history: EpochRecord[];
  best?: { epoch: number; scores?: DevScores };
  /** Generator states: shuffling as at the start of `epoch`; dropout and <unk> replacement as now. */
  rng: { shuffle: number; dropout: number; unk: number };
  /** Sums over the done batches of `epoch`, and its seconds so far. */
  epochProgress: { lossSum: number; seenTokens: number; seconds: number };
  /** Seconds of the run before this point, over all sessions, each counted from when it began (data reading included). */
  seconds: number;
  /** The epochs a --time-budget run plans to train, as planned at the last epoch's end (absent: --epochs). */
  plannedEpochs?: number;
}

export interface Checkpoint {
  state: TrainingState;
  optimizer: OptimizerState;
  /** The best weights so far, when an epoch has been kept. */
  bestWeights?: tf.Tensor[];
}

export function checkpointsDir(modelDir: string): string {
  return path.join(modelDir, CHECKPOINTS_DIR);
}

function concatBytes(arrays: ReadonlyArray<Float32Array | Int32Array>): Uint8Array {
  const total = arrays.reduce((a, x) => a + x.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const x of arrays) {
    out.set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), offset);
    offset += x.byteLength;
  }
  return out;
}

/**
 * Writes `checkpoint` of `model` into DIR/checkpoints and makes it the latest;
 * `config` is the run's configuration. A write that fails (a full disk)
 * leaves the previous checkpoint as it was, or, when there was none, no
 * checkpoints directory: never one that looks resumable and is not.
 */
export async function writeCheckpoint(modelDir: string, model: NerModel, checkpoint: Checkpoint, config: object): Promise<void> {
  const dir = checkpointsDir(modelDir);
  const { state, optimizer, bestWeights } = checkpoint;
  const name = `epoch-${state.epoch}-step-${state.step}-${Date.now().toString(36)}`;
  const best = bestWeights === undefined ? undefined : concatBytes(await Promise.all(bestWeights.map(async (w) => (await w.data()) as Float32Array)));
  const stateJson = {
    format: FORMAT,
    version: VERSION,
    state,
    optimizer: { kind: optimizer.kind, slots: optimizer.slots.map(({ name: slot, shape, dtype }) => ({ name: slot, shape, dtype })) },
    best: best !== undefined,
    config,
  };
  const files: Array<[string, string | Uint8Array]> = [
    [OPTIMIZER_BIN, concatBytes(optimizer.slots.map((s) => s.values))],
    ...(best === undefined ? [] : ([[BEST_BIN, best]] as Array<[string, Uint8Array]>)),
    [STATE_JSON, `${JSON.stringify(stateJson, null, 1)}\n`],
    // model.json last, as in every model directory.
    ...(await modelDirFiles(model.network, model.metadata())),
  ];
  fs.mkdirSync(dir, { recursive: true });
  const pointer = path.join(dir, `.${LATEST}.tmp-${process.pid}`);
  try {
    writeDirAtomically(path.join(dir, name), files);
    writeFileSynced(pointer, `${name}\n`);
    fs.renameSync(pointer, path.join(dir, LATEST));
  } catch (err) {
    fs.rmSync(pointer, { force: true });
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    if (!hasCheckpoint(modelDir)) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  for (const entry of fs.readdirSync(dir)) {
    if (entry !== name && entry !== LATEST) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
}

/** Whether DIR holds a checkpoint to resume from. */
export function hasCheckpoint(modelDir: string): boolean {
  return fs.existsSync(path.join(checkpointsDir(modelDir), LATEST));
}

/** state.json as written by writeCheckpoint. */
interface StateJson {
  format: string;
  version: number;
  state: TrainingState;
  optimizer: { kind: string; slots: Array<Omit<OptimizerState['slots'][number], 'values'>> };
  best: boolean;
  config: Record<string, unknown>;
}

const STATE_SHAPE: Shape = object({
  state: object({
    epoch: integer(1),
    step: integer(0),
    learningRate: positiveNumber,
    faults: integer(0),
    history: arrayOf(object({ epoch: integer(1) })),
    best: optional(object({ epoch: integer(1) })),
    rng: object({ shuffle: integer(0), dropout: integer(0), unk: integer(0) }),
    epochProgress: object({ lossSum: finiteNumber, seenTokens: integer(0), seconds: finiteNumber }),
    seconds: finiteNumber,
    plannedEpochs: optional(integer(1)),
  }),
  optimizer: object({
    kind: string,
    slots: arrayOf(object({ name: string, shape: arrayOf(integer(0)), dtype: oneOf('float32', 'int32') })),
  }),
  best: boolean,
  config: object({}),
});

/** The latest checkpoint of a model directory, read and checked, without its tensors. */
export interface CheckpointInfo {
  /** Its directory. */
  at: string;
  state: TrainingState;
  optimizer: StateJson['optimizer'];
  best: boolean;
  /** The run's configuration, as given to writeCheckpoint. */
  config: Record<string, unknown>;
}

/**
 * Reads the latest checkpoint's state.json and checks that every file of the
 * checkpoint is there with the size it must have: cheap, and enough to refuse
 * a damaged checkpoint before a backend starts or a step is taken.
 */
export function readCheckpointInfo(modelDir: string): CheckpointInfo {
  const dir = checkpointsDir(modelDir);
  if (!hasCheckpoint(modelDir)) throw new ModelError(modelDir, `no checkpoint to resume from (expected ${path.join(dir, LATEST)})`);
  const name = fs.readFileSync(path.join(dir, LATEST), 'utf8').trim();
  if (name === '' || name !== path.basename(name) || !fs.existsSync(path.join(dir, name))) {
    throw new ModelError(dir, `corrupt checkpoint: ${LATEST} names ${JSON.stringify(name)}, which is not a checkpoint here`);
  }
  const at = path.join(dir, name);
  const bad = (reason: string): never => {
    throw new ModelError(at, `corrupt checkpoint: ${reason}`);
  };
  const size = (file: string): number => {
    try {
      return fs.statSync(path.join(at, file)).size;
    } catch {
      return bad(`${file} is missing`);
    }
  };
  let json: StateJson;
  size(STATE_JSON);
  try {
    json = JSON.parse(fs.readFileSync(path.join(at, STATE_JSON), 'utf8'));
  } catch (err) {
    return bad(`${STATE_JSON}: ${(err as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || json.format !== FORMAT || json.version !== VERSION) bad(`${STATE_JSON} is not a version ${VERSION} ${FORMAT}`);
  const problem = STATE_SHAPE(json, '');
  if (problem !== undefined) bad(`${STATE_JSON}: ${problem}`);
  const slotBytes = json.optimizer.slots.reduce((acc, spec) => acc + 4 * spec.shape.reduce((a, b) => a * b, 1), 0);
  const optimizerBytes = size(OPTIMIZER_BIN);
  if (optimizerBytes !== slotBytes) bad(`${OPTIMIZER_BIN} has ${optimizerBytes} bytes, its ${json.optimizer.slots.length} slots need ${slotBytes}`);
  if (json.best) {
    // The best weights are the model's weights at another moment: the same floats, in the same order.
    const bestBytes = size(BEST_BIN);
    const weightBytes = size(WEIGHTS_BIN);
    if (bestBytes !== weightBytes) bad(`${BEST_BIN} has ${bestBytes} bytes, the model's weights take ${weightBytes}`);
  }
  return { at, state: json.state, optimizer: json.optimizer, best: json.best, config: json.config };
}

/** Reads the latest checkpoint of DIR: the model at that point, the state, and the configuration it was written with. */
export async function readCheckpoint(modelDir: string): Promise<{ model: NerModel; checkpoint: Checkpoint; config: Record<string, unknown> }> {
  const info = readCheckpointInfo(modelDir);
  const { at } = info;
  const model = await loadModel(at);
  const read = (file: string) => {
    const bytes = fs.readFileSync(path.join(at, file));
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };
  const optimizerBytes = read(OPTIMIZER_BIN);
  let offset = 0;
  const slots = info.optimizer.slots.map((spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const values = spec.dtype === 'int32' ? new Int32Array(optimizerBytes, offset, count) : new Float32Array(optimizerBytes, offset, count);
    offset += 4 * count;
    return { ...spec, values };
  });
  let bestWeights: tf.Tensor[] | undefined;
  if (info.best) {
    const bytes = read(BEST_BIN);
    let at4 = 0;
    bestWeights = model.network.getWeights().map((w) => {
      const values = new Float32Array(bytes, at4, w.size);
      at4 += w.size * 4;
      return tf.tensor(values, w.shape, 'float32');
    });
  }
  return { model, checkpoint: { state: info.state, optimizer: { kind: info.optimizer.kind, slots }, bestWeights }, config: info.config };
}
