/**
 * A worker thread of the tagging pool (tagPool.ts): starts a backend on one
 * thread (no BiLSTM helper thread: the pool's workers are the parallelism),
 * loads the model, then decodes the batches the pool sends, one at a time.
 *
 *   pool -> worker   {kind: 'batch', id, sentences, documents} | {kind: 'tensors', id}
 *   worker -> pool   {kind: 'ready', scheme, contextTokens} | {kind: 'failed', error}
 *                    {kind: 'done', id, decoded} | {kind: 'error', id, error} | {kind: 'tensors', id, count}
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import type { BackendRequest } from '../backend';
import { decodeContextTokens } from '../data/context';
import { loadModel } from '../io/modelStore';
import type { DecodedSentence, NerModel } from '../model/nerModel';
import type { TagScheme } from '../types';

export interface WorkerOptions {
  modelDir: string;
  backend: BackendRequest;
  threads: number;
}

export type ToWorker =
  | { kind: 'batch'; id: number; sentences: string[][]; documents: number[] }
  | { kind: 'tensors'; id: number };

export type FromWorker =
  | { kind: 'ready'; scheme: TagScheme; contextTokens: number }
  | { kind: 'failed'; error: string }
  | { kind: 'done'; id: number; decoded: DecodedSentence[] }
  | { kind: 'error'; id: number; error: string }
  | { kind: 'tensors'; id: number; count: number };

function reply(message: FromWorker): void {
  parentPort!.postMessage(message);
}

async function handle(model: NerModel, message: ToWorker): Promise<void> {
  if (message.kind === 'tensors') return reply({ kind: 'tensors', id: message.id, count: tf.memory().numTensors });
  try {
    // The documents keep the sentences the pool grouped as one sequence together, as tagLines reads them.
    const decoded = await model.decodeAsync(message.sentences, { confidence: true, documents: message.documents });
    reply({ kind: 'done', id: message.id, decoded });
  } catch (err) {
    reply({ kind: 'error', id: message.id, error: (err as Error).message ?? String(err) });
  }
}

async function main(): Promise<void> {
  const options = workerData as WorkerOptions;
  let model: NerModel;
  try {
    await initBackend({ backend: options.backend, threads: options.threads });
    model = await loadModel(options.modelDir);
  } catch (err) {
    return reply({ kind: 'failed', error: (err as Error).message ?? String(err) });
  }
  parentPort!.on('message', (message: ToWorker) => void handle(model, message));
  reply({ kind: 'ready', scheme: model.scheme, contextTokens: decodeContextTokens(model.shape.contextTokens ?? 0) });
}

void main();
