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
import { CHECKPOINTS_DIR, modelDirFiles, writeDirAtomically, writeFileSynced } from '../io/modelDir';
import type { DevScores, EpochRecord } from '../model/metadata';
import { NerModel } from '../model/nerModel';
import type { OptimizerState } from './optimizer';

const LATEST = 'LATEST';
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
  /** Training seconds before this point, over all sessions. */
  seconds: number;
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

/** Writes `checkpoint` of `model` into DIR/checkpoints and makes it the latest; `config` is the run's configuration. */
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
  writeDirAtomically(path.join(dir, name), files);
  const pointer = path.join(dir, `.${LATEST}.tmp-${process.pid}`);
  writeFileSynced(pointer, `${name}\n`);
  fs.renameSync(pointer, path.join(dir, LATEST));
  for (const entry of fs.readdirSync(dir)) {
    if (entry !== name && entry !== LATEST) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
}

/** Whether DIR holds a checkpoint to resume from. */
export function hasCheckpoint(modelDir: string): boolean {
  return fs.existsSync(path.join(checkpointsDir(modelDir), LATEST));
}

/** Reads the latest checkpoint of DIR: the model at that point, the state, and the configuration it was written with. */
export async function readCheckpoint(modelDir: string): Promise<{ model: NerModel; checkpoint: Checkpoint; config: Record<string, unknown> }> {
  const dir = checkpointsDir(modelDir);
  if (!hasCheckpoint(modelDir)) throw new ModelError(modelDir, `no checkpoint to resume from (expected ${path.join(dir, LATEST)})`);
  const name = fs.readFileSync(path.join(dir, LATEST), 'utf8').trim();
  const at = path.join(dir, name);
  const bad = (reason: string): never => {
    throw new ModelError(at, `corrupt checkpoint: ${reason}`);
  };
  let json: { format?: string; version?: number; state: TrainingState; optimizer: { kind: string; slots: Array<Omit<OptimizerState['slots'][number], 'values'>> }; best: boolean; config: Record<string, unknown> };
  try {
    json = JSON.parse(fs.readFileSync(path.join(at, STATE_JSON), 'utf8'));
  } catch (err) {
    return bad(`${STATE_JSON}: ${(err as Error).message}`);
  }
  if (json.format !== FORMAT || json.version !== VERSION) bad(`${STATE_JSON} is not a version ${VERSION} ${FORMAT}`);
  const model = await NerModel.load(at);
  const read = (file: string) => {
    const bytes = fs.readFileSync(path.join(at, file));
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };
  const optimizerBytes = read(OPTIMIZER_BIN);
  let offset = 0;
  const slots = json.optimizer.slots.map((spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * count > optimizerBytes.byteLength) bad(`${OPTIMIZER_BIN} is shorter than its ${json.optimizer.slots.length} slots`);
    const values = spec.dtype === 'int32' ? new Int32Array(optimizerBytes, offset, count) : new Float32Array(optimizerBytes, offset, count);
    offset += 4 * count;
    return { ...spec, values };
  });
  let bestWeights: tf.Tensor[] | undefined;
  if (json.best) {
    const bytes = read(BEST_BIN);
    let at4 = 0;
    bestWeights = model.network.getWeights().map((w) => {
      const values = new Float32Array(bytes, at4, w.size);
      at4 += w.size * 4;
      return tf.tensor(values, w.shape, 'float32');
    });
    if (at4 !== bytes.byteLength) bad(`${BEST_BIN} does not match the model's weights`);
  }
  return { model, checkpoint: { state: json.state, optimizer: { kind: json.optimizer.kind, slots }, bestWeights }, config: json.config };
}
