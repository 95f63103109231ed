/**
 * A helper thread that runs the backward (right-to-left) direction of the
 * BiLSTM while the main thread runs the forward one (see lstm.ts), and,
 * while the main thread embeds a batch, draws the step's dropout masks (see
 * dropout.ts) and encodes a share of its words' characters (charKernels.ts).
 *
 * The BiLSTM is a synchronous op inside tfjs's graph, so the main thread
 * cannot await a reply: it posts a request on a MessagePort, blocks on
 * Atomics.wait until the helper raises a shared flag, and takes the reply with
 * receiveMessageOnPort. The helper is an ordinary worker with its own tfjs
 * backend (wasm heaps are per thread), so tensors travel as Float32Arrays.
 */
import * as path from 'node:path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { DirectionGradients, DirectionRunner, LstmWeights, SequenceShape } from './lstm';
import type { MaskDraw } from './dropout';
import type { CharCnnAttrs } from './charKernels';

/** A tensor in transit: its values (a private copy, transferable) and shape. */
export interface TensorMessage {
  data: Float32Array | Int32Array;
  shape: number[];
}

export type DirectionRequest = { id: number } & (
  | {
      kind: 'forward';
      x: TensorMessage;
      mask: TensorMessage;
      kernel: TensorMessage;
      recurrentKernel: TensorMessage;
      bias: TensorMessage;
      shape: SequenceShape;
      /** Keep the activations under this handle for a backward request; absent for inference. */
      keep?: number;
    }
  | { kind: 'backward'; handle: number; dY: TensorMessage }
  | { kind: 'dropoutMasks'; rate: number; draws: MaskDraw[] }
  | { kind: 'charCnn'; ids: Int32Array; table: Float32Array; bias: Float32Array; attrs: CharCnnAttrs }
);

/** The reply to the request with the same id; replies come in the order of the requests. */
export type DirectionReply = { id: number } & ({ ok: true; tensors: TensorMessage[] } | { ok: false; error: string });

/** Copies a tensor's values out (dataSync may hand out the backend's own storage, which must not be transferred). */
export function toMessage(t: tf.Tensor): TensorMessage {
  return { data: new Float32Array(t.dataSync() as Float32Array), shape: t.shape.slice() };
}

export function fromMessage(m: TensorMessage): tf.Tensor {
  return tf.tensor(m.data, m.shape, m.data instanceof Int32Array ? 'int32' : 'float32');
}

export function transferList(messages: TensorMessage[]): ArrayBuffer[] {
  return messages.map((m) => m.data.buffer as ArrayBuffer);
}

/** Omit over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** How long the main thread waits for one reply before giving up on the helper. */
const REPLY_TIMEOUT_MS = 120_000;

export class DirectionThread implements DirectionRunner {
  private nextHandle = 1;
  private nextId = 1;
  /** The pending forward and backward requests (one of each at a time). */
  private forwardId = 0;
  private backwardId = 0;

  private constructor(
    readonly backend: string,
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly flag: Int32Array,
  ) {}

  /** Replies taken off the port and not yet asked for, by request id. */
  private readonly early = new Map<number, DirectionReply>();

  /** Starts a helper on the given backend; resolves once its backend is ready. */
  static async start(backend: 'wasm' | 'cpu'): Promise<DirectionThread> {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(path.join(__dirname, 'directionWorker.js'), {
      workerData: { backend, port: port2, flag },
      transferList: [port2],
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(String(m)))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`helper thread exited with code ${code}`)));
    });
    worker.removeAllListeners();
    // An idle helper must not keep the process alive.
    worker.unref();
    port1.unref();
    return new DirectionThread(backend, worker, port1, flag);
  }

  /** Posts a request (its id set here) and returns the id its reply will carry. */
  private post(request: DistributiveOmit<DirectionRequest, 'id'>, tensors: TensorMessage[]): number {
    const id = this.nextId++;
    this.port.postMessage({ ...request, id }, transferList(tensors));
    return id;
  }

  /**
   * Waits for the reply to request `id`. Requests are answered in order, so
   * every earlier request has been answered by then; those replies wait here.
   */
  private reply(id: number): TensorMessage[] {
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    for (;;) {
      const reply = this.early.get(id);
      if (reply !== undefined) {
        this.early.delete(id);
        if (!reply.ok) throw new Error(`helper thread: ${reply.error}`);
        return reply.tensors;
      }
      // Lowered before looking: the helper posts a reply, then raises the flag, so a reply
      // that comes after this look wakes the wait below (and one already raised, with more
      // than one request out, does not keep this thread spinning).
      Atomics.store(this.flag, 0, 0);
      if (this.receive()) continue;
      if (Atomics.wait(this.flag, 0, 0, Math.max(0, deadline - Date.now())) === 'timed-out' && !this.receive()) {
        throw new Error(`helper thread gave no reply in ${REPLY_TIMEOUT_MS / 1000} s`);
      }
    }
  }

  /** Takes one reply off the port, if there is one, into `early`. */
  private receive(): boolean {
    const received = receiveMessageOnPort(this.port);
    if (received === undefined) return false;
    const reply = received.message as DirectionReply;
    this.early.set(reply.id, reply);
    return true;
  }

  startForward(x: tf.Tensor2D, mask: tf.Tensor1D, weights: LstmWeights, shape: SequenceShape, keep: boolean): number {
    const handle = keep ? this.nextHandle++ : 0;
    const request = {
      kind: 'forward' as const,
      x: toMessage(x),
      mask: toMessage(mask),
      kernel: toMessage(weights.kernel),
      recurrentKernel: toMessage(weights.recurrentKernel),
      bias: toMessage(weights.bias),
      shape,
      keep: keep ? handle : undefined,
    };
    this.forwardId = this.post(request, [request.x, request.mask, request.kernel, request.recurrentKernel, request.bias]);
    return handle;
  }

  finishForward(): tf.Tensor2D {
    return fromMessage(this.reply(this.forwardId)[0]) as tf.Tensor2D;
  }

  startBackward(handle: number, dY: tf.Tensor2D): void {
    const request = { kind: 'backward' as const, handle, dY: toMessage(dY) };
    this.backwardId = this.post(request, [request.dY]);
  }

  finishBackward(): DirectionGradients {
    const [dx, dKernel, dRecurrentKernel, dBias] = this.reply(this.backwardId).map(fromMessage);
    return {
      dx: dx as tf.Tensor2D,
      dKernel: dKernel as tf.Tensor2D,
      dRecurrentKernel: dRecurrentKernel as tf.Tensor2D,
      dBias: dBias as tf.Tensor1D,
    };
  }

  startDropoutMasks(rate: number, draws: MaskDraw[]): () => Float32Array[] {
    const id = this.post({ kind: 'dropoutMasks', rate, draws }, []);
    return () => this.reply(id).map((m) => m.data as Float32Array);
  }

  startCharCnn(ids: Int32Array, table: Float32Array, bias: Float32Array, attrs: CharCnnAttrs): () => [Float32Array, Int32Array] {
    const id = this.post({ kind: 'charCnn', ids, table, bias, attrs }, [
      { data: ids, shape: [] },
      { data: table, shape: [] },
      { data: bias, shape: [] },
    ]);
    return () => {
      const [pooled, argmax] = this.reply(id);
      return [pooled.data as Float32Array, argmax.data as Int32Array];
    };
  }

  async stop(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}
