/**
 * The helper thread's side of directionThread.ts: runs one LSTM direction
 * forward, keeps what its backward pass needs, and runs that backward pass
 * when asked; draws dropout masks; encodes words' characters.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { startWorkerBackend } from './workerBackend';
import { DirectionActivations, LstmWeights, SequenceShape, directionBackward, directionForward } from './lstm';
import { DirectionReply, DirectionRequest, TensorMessage, fromMessage, toMessage, transferList } from './directionThread';
import { dropoutMask } from './dropout';
import { charCnnForward } from './charKernels';

const { backend, port, flag } = workerData as { backend: 'wasm' | 'cpu'; port: MessagePort; flag: Int32Array };

interface Kept {
  x: tf.Tensor2D;
  mask: tf.Tensor1D;
  weights: LstmWeights;
  shape: SequenceShape;
  activations: DirectionActivations;
}

/**
 * Forward passes kept for backpropagation, by handle, oldest first. A training
 * step keeps one per BiLSTM and releases it on its backward request; the cap
 * bounds memory when a forward pass is never backpropagated (a loss computed
 * without gradients).
 */
const kept = new Map<number, Kept>();
const MAX_KEPT = 8;

function release(handle: number): void {
  const k = kept.get(handle);
  if (k === undefined) return;
  const a = k.activations;
  tf.dispose([k.x, k.mask, k.weights.kernel, k.weights.recurrentKernel, k.weights.bias, a.gates, a.tanhC, a.cPrev, a.hPrev]);
  kept.delete(handle);
}

function handle(request: DirectionRequest): TensorMessage[] {
  if (request.kind === 'charCnn') {
    const { n, f } = request.attrs;
    const pooled = new Float32Array(n * f);
    const argmax = new Int32Array(n * f);
    charCnnForward(request.ids, request.table, request.bias, request.attrs, pooled, argmax);
    return [
      { data: pooled, shape: [n, f] },
      { data: argmax, shape: [n, f] },
    ];
  }
  if (request.kind === 'dropoutMasks') {
    return request.draws.map(({ size, seed }) => {
      const mask = dropoutMask(size, request.rate, seed);
      const message = toMessage(mask);
      mask.dispose();
      return message;
    });
  }
  if (request.kind === 'forward') {
    while (kept.size >= MAX_KEPT) release(kept.keys().next().value as number);
    const x = fromMessage(request.x) as tf.Tensor2D;
    const mask = fromMessage(request.mask) as tf.Tensor1D;
    const weights: LstmWeights = {
      kernel: fromMessage(request.kernel) as tf.Tensor2D,
      recurrentKernel: fromMessage(request.recurrentKernel) as tf.Tensor2D,
      bias: fromMessage(request.bias) as tf.Tensor1D,
    };
    const { outputs, activations } = directionForward(x, mask, weights, request.shape, request.keep !== undefined);
    if (activations !== undefined) {
      kept.set(request.keep!, { x, mask, weights, shape: request.shape, activations });
    } else {
      tf.dispose([x, mask, weights.kernel, weights.recurrentKernel, weights.bias]);
    }
    const reply = [toMessage(outputs)];
    outputs.dispose();
    return reply;
  }
  const k = kept.get(request.handle);
  if (k === undefined) throw new Error(`backward requested for forward pass ${request.handle}, which is not kept`);
  const dY = fromMessage(request.dY) as tf.Tensor2D;
  const g = directionBackward(k.x, k.mask, k.weights, k.activations, dY, k.shape);
  const reply = [g.dx, g.dKernel, g.dRecurrentKernel, g.dBias].map(toMessage);
  tf.dispose([dY, g.dx, g.dKernel, g.dRecurrentKernel, g.dBias]);
  release(request.handle);
  return reply;
}

async function main(): Promise<void> {
  await startWorkerBackend(backend, 'helper thread');
  port.on('message', (request: DirectionRequest) => {
    let reply: DirectionReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const tensors = handle(request);
      reply = { id: request.id, ok: true, tensors };
      transfer = transferList(tensors);
    } catch (err) {
      reply = { id: request.id, ok: false, error: (err as Error).message };
    }
    port.postMessage(reply, transfer);
    // Wake the main thread, blocked in Atomics.wait.
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
  parentPort!.postMessage('ready');
}

main().catch((err) => parentPort!.postMessage(`helper thread failed to start: ${(err as Error).message}`));
