/**
 * Dev scoring in the background: a worker thread with its own copy of the
 * model scores an epoch's weights on dev while the main thread trains the
 * next epoch (see TrainingRun in trainer.ts for how the run waits for it).
 *
 * Why: scoring dev took about 1.5 s of each CoNLL-2003 epoch's 18 on the
 * main thread, while the helper thread (fast/directionThread.ts) idles for
 * about half of every step. The worker runs at the lowest CPU priority where
 * the OS allows it, so it takes those idle moments rather than the training
 * threads' time. It runs the same kernels on the same backend, one thread,
 * so its scores are the ones the main thread would compute (the tests
 * compare them).
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { Corpus } from '../types';
import type { DevScores } from '../model/metadata';
import type { NerModel } from '../model/nerModel';
import { serialiseModel } from '../io/modelDir';

export interface ScorerStart {
  backend: 'wasm' | 'cpu';
  modelJson: tf.io.ModelJSON;
  weights: ArrayBuffer;
  metadata: unknown;
  dev: Corpus;
}

export type ToScorer = { id: number; weights: Float32Array[] };
export type FromScorer = { ready: true } | { id: number; scores: DevScores } | { id?: number; error: string };

export class DevScorer {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(scores: DevScores): void; reject(err: Error): void }>();
  private failed: Error | undefined;
  private stopping = false;
  /** Settles when the worker has its model and backend, or has failed to. */
  private readonly ready: Promise<void>;
  private readyWaiter!: { resolve(): void; reject(err: Error): void };

  private constructor(private readonly worker: Worker) {
    this.ready = new Promise<void>((resolve, reject) => (this.readyWaiter = { resolve, reject }));
    worker.on('message', (m: FromScorer) => this.onMessage(m));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`the dev scoring thread exited with code ${code}`)));
  }

  /** Starts a worker with `model` (its weights as they are now) and `dev`; resolves once it is ready to score. */
  static async start(model: NerModel, dev: Corpus, backend: 'wasm' | 'cpu'): Promise<DevScorer> {
    const { modelJson, weights } = await serialiseModel(model.network);
    const data: ScorerStart = { backend, modelJson, weights, metadata: model.metadata(), dev };
    const scorer = new DevScorer(new Worker(path.join(__dirname, 'devScorerWorker.js'), { workerData: data }));
    try {
      await scorer.ready;
    } catch (err) {
      await scorer.stop();
      throw err;
    }
    // A worker idle between epochs must not keep the process alive.
    scorer.worker.unref();
    return scorer;
  }

  /** Scores `weights` (the model's, in network.getWeights() order; read now, so they may change after). */
  score(weights: tf.Tensor[]): Promise<DevScores> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const id = this.nextId++;
    const values = weights.map((w) => new Float32Array(w.dataSync() as Float32Array));
    const message: ToScorer = { id, weights: values };
    const result = new Promise<DevScores>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    // Waited for: a pending score keeps the process alive.
    this.worker.ref();
    this.worker.postMessage(message, values.map((v) => v.buffer as ArrayBuffer));
    return result;
  }

  private onMessage(m: FromScorer): void {
    if ('ready' in m) return this.readyWaiter.resolve();
    if ('error' in m && m.id === undefined) return this.fail(new Error(m.error));
    const waiter = this.waiting.get(m.id!);
    this.waiting.delete(m.id!);
    if (this.waiting.size === 0) this.worker.unref();
    if ('scores' in m) waiter?.resolve(m.scores);
    else waiter?.reject(new Error(`dev scoring thread: ${m.error}`));
  }

  private fail(err: Error): void {
    if (this.stopping) return;
    this.failed ??= err;
    this.readyWaiter.reject(this.failed);
    for (const waiter of this.waiting.values()) waiter.reject(this.failed);
    this.waiting.clear();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
  }
}
