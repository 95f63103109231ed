/**
 * The dev scoring thread of devScorer.ts: its own backend and its own copy of
 * the model; for each request, the weights given, then dev scores.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { startWorkerBackend } from '../fast/workerBackend';
import { loadLayersModelFromFiles } from '../io/modelDir';
import { modelFromSaved } from '../model/savedModel';
import type { NerModel } from '../model/nerModel';
import '../model/crf';
import { devScores } from './devScores';
import type { FromScorer, ScorerStart, ToScorer } from './devScorer';

const start = workerData as ScorerStart;

function reply(message: FromScorer): void {
  parentPort!.postMessage(message);
}

/**
 * The lowest CPU priority (nice 19) for this thread alone, where the OS has
 * one per thread (Linux: a thread id is a process id to setpriority); so that
 * scoring takes the training threads' idle moments, not their time.
 */
function yieldToTraining(): void {
  try {
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    if (Number.isInteger(tid)) os.setPriority(tid, 19);
  } catch {
    // Not Linux, or not allowed: the thread runs at the process's priority.
  }
}

async function main(): Promise<void> {
  yieldToTraining();
  await startWorkerBackend(start.backend, 'dev scoring thread');
  const network = await loadLayersModelFromFiles('the model in training', { modelJson: start.modelJson, weights: start.weights, metadata: start.metadata });
  const model: NerModel = modelFromSaved(start.metadata, network, 'the model in training');
  const shapes = network.getWeights().map((w) => w.shape);
  // One request at a time: scoring awaits, and the next request's weights must not replace these meanwhile.
  let queue = Promise.resolve();
  const score = async (m: ToScorer): Promise<void> => {
    try {
      tf.tidy(() => network.setWeights(m.weights.map((values, i) => tf.tensor(values, shapes[i], 'float32'))));
      reply({ id: m.id, scores: await devScores(model, start.dev) });
    } catch (err) {
      reply({ id: m.id, error: (err as Error).message });
    }
  };
  parentPort!.on('message', (m: ToScorer) => void (queue = queue.then(() => score(m))));
  reply({ ready: true });
}

main().catch((err) => reply({ error: `the dev scoring thread could not start: ${(err as Error).message}` }));
