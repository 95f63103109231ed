/**
 * Dev scoring in the background (train/devScorer.ts): a run that scores dev
 * on a worker thread while the next epoch trains is the run that scores it
 * between epochs: the same scores, kept epoch, stopping point, checkpoints
 * and final weights.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import type { NerModel } from '../src/model/nerModel';
import type { Checkpoint } from '../src/train/checkpoint';
import { readCheckpoint, writeCheckpoint } from '../src/train/checkpoint';
import { DevScorer } from '../src/train/devScorer';
import { devScores } from '../src/train/devScores';
import { TrainingInterrupted, trainModel, TrainInput, TrainOptions } from '../src/train/trainer';
import { tinyCorpus, TINY_OPTIONS } from './helpers/tiny';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-devscorer-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The linear schedule is the one scored in the background ('anneal' changes the rate from dev scores).
const OPTIONS: Partial<TrainOptions> = { ...TINY_OPTIONS, schedule: 'linear', learningRate: 0.05, epochs: 4, seed: 3 };

async function weightsOf(model: NerModel): Promise<number[][]> {
  return Promise.all(model.network.getWeights().map(async (w) => Array.from(await w.data())));
}

/** A checkpoint's contents, as plain numbers: everything a resumed run starts from. */
async function checkpointContents(model: NerModel, checkpoint: Checkpoint): Promise<unknown> {
  const { state } = checkpoint;
  return {
    ...state,
    seconds: undefined,
    history: state.history.map((e) => ({ ...e, seconds: undefined, tokensPerSecond: undefined })),
    weights: await weightsOf(model),
    // Values by position: the names of a second model's variables in one process differ (a suffix _1).
    optimizer: checkpoint.optimizer.slots.map((s) => ({ shape: s.shape, values: Array.from(s.values) })),
    best: checkpoint.bestWeights === undefined ? undefined : await Promise.all(checkpoint.bestWeights.map(async (w) => Array.from(await w.data()))),
  };
}

interface Run {
  epochs: Array<{ epoch: number; loss: number; dev?: number }>;
  bestEpoch: number;
  stoppedEarly: boolean;
  weights: number[][];
  checkpoints: unknown[];
  /** Whether an epoch's score was reported after a step of the next epoch: it was scored in the background. */
  reportedLate: boolean;
}

async function run(backgroundScoring: boolean, options: Partial<TrainOptions>, extra: Partial<TrainInput> = {}): Promise<Run> {
  const checkpoints: unknown[] = [];
  let lastBatchEpoch = 0;
  let reportedLate = false;
  const model = await trainModel({
    train: tinyCorpus(),
    dev: tinyCorpus('dev.conll'),
    options,
    backgroundScoring,
    events: {
      onBatch: (b) => (lastBatchEpoch = b.epoch),
      onEpoch: (record) => (reportedLate ||= lastBatchEpoch > record.epoch),
    },
    onCheckpoint: async (m, checkpoint) => void checkpoints.push(await checkpointContents(m, checkpoint)),
    ...extra,
  });
  const summary = model.training!;
  const result: Run = {
    epochs: summary.epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, dev: e.dev?.f1 })),
    bestEpoch: summary.bestEpoch,
    stoppedEarly: summary.stoppedEarly,
    weights: await weightsOf(model),
    checkpoints,
    reportedLate,
  };
  model.dispose();
  return result;
}

describe('dev scored in the background', () => {
  test('gives the run that scoring between epochs gives: scores, kept epoch, checkpoints, weights', async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    const inline = await run(false, OPTIONS);
    const background = await run(true, OPTIONS);
    assert.equal(inline.reportedLate, false);
    assert.equal(background.reportedLate, true, 'the background run reported an epoch while the next one trained');
    assert.equal(background.epochs.length, 4);
    assert.ok(background.epochs.every((e) => e.dev !== undefined));
    assert.deepEqual({ ...background, reportedLate: undefined }, { ...inline, reportedLate: undefined });
  });

  test('stops where patience stops it, with the same kept weights, though the next epoch had begun', async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    // A rate this small leaves every epoch's dev F1 where the first left it: no epoch after it is better.
    const options = { ...OPTIONS, learningRate: 1e-9, epochs: 6, patience: 1 };
    const inline = await run(false, options);
    const background = await run(true, options);
    assert.deepEqual(
      inline.epochs.map((e) => e.epoch),
      [1, 2],
    );
    assert.equal(inline.stoppedEarly, true);
    assert.deepEqual({ ...background, reportedLate: undefined }, { ...inline, reportedLate: undefined });
  });

  test('interrupted while an epoch is scored, then resumed: the run that was never interrupted', async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    const straight = await run(true, OPTIONS, { onCheckpoint: undefined });
    const dir = path.join(tmp, 'interrupted');
    const controller = new AbortController();
    let steps = 0;
    await assert.rejects(
      trainModel({
        train: tinyCorpus(),
        dev: tinyCorpus('dev.conll'),
        options: OPTIONS,
        backgroundScoring: true,
        signal: controller.signal,
        // The first step of epoch 2 (3 batches an epoch): epoch 1 is being scored.
        events: { onBatch: () => ++steps === 4 && controller.abort('SIGINT') },
        onCheckpoint: (model, checkpoint) => writeCheckpoint(dir, model, checkpoint, {}),
      }),
      (e: unknown) => e instanceof TrainingInterrupted && e.epoch === 2 && e.step === 1,
    );
    const { model, checkpoint } = await readCheckpoint(dir);
    assert.equal(checkpoint.state.history[0].dev?.f1, straight.epochs[0].dev, "the checkpoint holds epoch 1's score");
    const resumed = await trainModel({ train: tinyCorpus(), dev: tinyCorpus('dev.conll'), options: OPTIONS, backgroundScoring: true, resume: { model, checkpoint } });
    assert.deepEqual(await weightsOf(resumed), straight.weights);
    assert.deepEqual(
      resumed.training!.epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, dev: e.dev?.f1 })),
      straight.epochs,
    );
    resumed.dispose();
  });

  test('a scorer that fails mid-run hands scoring back to the main thread, with a warning, and the run is the same', async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    const inline = await run(false, OPTIONS);
    const score = DevScorer.prototype.score;
    const warnings: string[] = [];
    DevScorer.prototype.score = () => Promise.reject(new Error('the dev scoring thread exited with code 1'));
    try {
      const failing = await run(true, OPTIONS, {
        events: { onWarning: (w) => warnings.push(w) },
      });
      assert.deepEqual({ ...failing, reportedLate: undefined }, { ...inline, reportedLate: undefined });
    } finally {
      DevScorer.prototype.score = score;
    }
    assert.deepEqual(
      warnings.filter((w) => w.includes('scor')),
      ['dev scoring moves to the main thread: the dev scoring thread exited with code 1'],
    );
  });

  test("the worker's scores are the main thread's, weights for weights", async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    // Trained until it finds entities, so that other weights score differently.
    const model = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, epochs: 6 } });
    const dev = tinyCorpus('dev.conll');
    const scorer = await DevScorer.start(model, dev, 'wasm');
    try {
      const before = tf.memory().numTensors;
      const weights = model.network.getWeights();
      assert.deepEqual(await scorer.score(weights), await devScores(model, dev));
      // Two requests out at once are scored one after the other, each with its own weights.
      const zeros = weights.map((w) => tf.zerosLike(w));
      const [first, second] = await Promise.all([scorer.score(weights), scorer.score(zeros)]);
      const trained = await devScores(model, dev);
      assert.ok(trained.f1 > 0);
      assert.deepEqual(first, trained);
      const own = weights.map((w) => w.clone());
      model.network.setWeights(zeros);
      assert.deepEqual(second, await devScores(model, dev));
      model.network.setWeights(own);
      tf.dispose([...zeros, ...own]);
      assert.equal(tf.memory().numTensors, before, 'scoring in the background leaves no tensors here');
    } finally {
      await scorer.stop();
      model.dispose();
    }
  });
});
