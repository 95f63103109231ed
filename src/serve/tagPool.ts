/**
 * The tagging engine of `ner serve`: a pool of worker threads (tagWorker.ts),
 * each holding the model, fed batches of sentences merged from concurrent
 * requests (dynamic batching).
 *
 * The main thread tokenises a request as tagLines does (predict.ts: lineUnits,
 * tokenUnits) and cuts its sentences into groups: the sequences
 * NerModel.decode reads as one (data/context.ts packSentences: a paragraph's
 * sentences together, up to the model's decoding context; otherwise one
 * sentence each). Groups are queued per request. When a worker is idle, the
 * dispatcher fills a batch round-robin across the queued requests, one group
 * from each in turn, up to `maxBatchTokens` padded tokens (longest group x
 * groups); it waits up to `maxDelayMs` after the oldest queued request came in
 * for a batch to fill, and not at all when it is full. A big request is thus
 * cut into many batches and a small one that arrives meanwhile rides in the
 * next batch. Each worker decodes its batch with the groups as documents, so
 * every sentence is read with exactly the context tagLines gives it; results
 * are put back in request order and turned into records on the main thread
 * (predict.ts: taggedRecords), so a request's records equal
 * inThreadService's (the wasm and cpu kernels compute each row on its own,
 * whatever the batch around it).
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { BackendRequest } from '../backend';
import { packSentences } from '../data/context';
import type { DecodedSentence } from '../model/nerModel';
import { LineUnit, TaggedSentence, Unit, lineUnits, taggedRecords, tokenUnits, withLineNumbers } from '../predict';
import type { TagScheme } from '../types';
import { QueueFull, TagInput, TagService } from './tagService';
import type { FromWorker, ToWorker, WorkerOptions } from './tagWorker';

export interface TagPoolOptions {
  /** The model directory each worker loads. */
  modelDir: string;
  /** Worker threads, each with its own copy of the model. */
  workers: number;
  /** The backend each worker starts (wasm normally). */
  backend: BackendRequest;
  /** BiLSTM threads per worker (default 1: the workers are the parallelism). */
  threads?: number;
  /** A batch's cap on padded tokens (longest group x groups); a longer group is a batch of its own. */
  maxBatchTokens: number;
  /** How long a batch may wait to fill once something is queued (0: dispatch at once). */
  maxDelayMs: number;
  /** Sentences that may wait; a request that would queue more is refused with QueueFull (unless the queue is empty). */
  maxQueue: number;
  /** Called after each batch: its sentences, its padded tokens, and its milliseconds from dispatch to results. */
  onBatch?: (sentences: number, paddedTokens: number, ms: number) => void;
}

export interface TagPoolStats {
  batches: number;
  sentences: number;
  /** Real tokens tagged (no padding). */
  tokensTagged: number;
  paddedTokens: number;
}

export interface TagPool extends TagService {
  stats(): TagPoolStats;
  /** tf.memory().numTensors in each worker, for tests and debugging: constant from one batch to the next. */
  workerTensors(): Promise<number[]>;
}

/** Sentences of one request read as one sequence: indices into its units. */
interface Group {
  request: Pending;
  units: number[];
  tokens: number;
}

/** A request accepted and not yet answered. */
interface Pending {
  units: Unit[];
  decoded: Array<DecodedSentence | undefined>;
  queue: Group[];
  /** Groups not yet decoded (queued or in a worker). */
  left: number;
  arrived: number;
  done: boolean;
  resolve(decoded: DecodedSentence[]): void;
  reject(err: unknown): void;
}

interface Slot {
  worker: Worker;
  batch?: { id: number; groups: Group[]; padded: number; started: number };
  alive: boolean;
}

const DEFAULT_THREADS = 1;

/** Starts `workers` threads, each loading the model; resolves once all are ready, rejects if any fails. */
export async function startTagPool(options: TagPoolOptions): Promise<TagPool> {
  for (const key of ['workers', 'maxBatchTokens', 'maxQueue'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 1) throw new Error(`startTagPool: ${key} must be a positive integer, got ${options[key]}`);
  }
  if (!(options.maxDelayMs >= 0)) throw new Error(`startTagPool: maxDelayMs must be >= 0, got ${options.maxDelayMs}`);
  const data: WorkerOptions = { modelDir: options.modelDir, backend: options.backend, threads: options.threads ?? DEFAULT_THREADS };
  const workers = Array.from({ length: options.workers }, () => new Worker(path.join(__dirname, 'tagWorker.js'), { workerData: data }));
  try {
    const replies = await Promise.all(workers.map((w, i) => workerReady(w, i)));
    return new Pool(options, workers, replies[0].scheme, replies[0].contextTokens);
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
}

function workerReady(worker: Worker, index: number): Promise<{ scheme: TagScheme; contextTokens: number }> {
  return new Promise((resolve, reject) => {
    // Only our own listeners go: Worker keeps internal ones (removeAllListeners would stop its messages).
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const fail = (why: string) => {
      done();
      reject(new Error(`tagging worker ${index + 1} could not start: ${why}`));
    };
    const onMessage = (m: FromWorker) => {
      if (m.kind !== 'ready') return fail(m.kind === 'failed' ? m.error : `unexpected message ${m.kind}`);
      done();
      resolve(m);
    };
    const onError = (err: Error) => fail(err.message);
    const onExit = (code: number) => fail(`it exited with code ${code}`);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

class Pool implements TagPool {
  private readonly slots: Slot[];
  /** Requests with queued groups, in arrival order. */
  private active: Pending[] = [];
  /** The request the next batch starts with (round-robin). */
  private next: Pending | undefined;
  private queued = 0;
  private queuedTokens = 0;
  private timer: NodeJS.Timeout | undefined;
  private nextBatchId = 1;
  private closing = false;
  private drained: (() => void) | undefined;
  private readonly counters: TagPoolStats = { batches: 0, sentences: 0, tokensTagged: 0, paddedTokens: 0 };
  private readonly probes = new Map<number, (count: number) => void>();

  constructor(
    private readonly options: TagPoolOptions,
    workers: Worker[],
    private readonly scheme: TagScheme,
    private readonly contextTokens: number,
  ) {
    this.slots = workers.map((worker) => ({ worker, alive: true }));
    for (const slot of this.slots) {
      slot.worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
      slot.worker.on('error', (err) => this.onCrash(slot, err.message));
      slot.worker.on('exit', (code) => this.onCrash(slot, `it exited with code ${code}`));
      // An idle pool does not keep the process alive; a busy one does.
      slot.worker.unref();
    }
  }

  async tag(input: TagInput, signal?: AbortSignal): Promise<TaggedSentence[]> {
    if (this.closing) throw new Error('the tagger is shutting down');
    signal?.throwIfAborted();
    const units: Unit[] = input.kind === 'lines' ? lineUnits(input.lines, input.splitSentences) : tokenUnits(input.sentences);
    const decoded = await this.decode(units, signal);
    const tagged = taggedRecords(units, decoded, this.scheme, { confidence: true });
    return input.kind === 'lines' ? withLineNumbers(units as LineUnit[], tagged, input.splitSentences) : tagged;
  }

  /** What NerModel.decode gives for these units, as tagLines calls it (documents, confidences). */
  private decode(units: Unit[], signal: AbortSignal | undefined): Promise<DecodedSentence[]> {
    const nonEmpty = units.map((_, i) => i).filter((i) => units[i].tokens.length > 0);
    const packed = packSentences(
      Int32Array.from(nonEmpty, (i) => units[i].tokens.length),
      nonEmpty.map((i) => units[i].document),
      this.contextTokens,
    );
    if (this.queued > 0 && this.queued + nonEmpty.length > this.options.maxQueue) return Promise.reject(new QueueFull(this.queued));
    // Empty sentences are never sent: decode gives them no tags.
    const decoded: Array<DecodedSentence | undefined> = units.map((u) => (u.tokens.length === 0 ? { tags: [] } : undefined));
    if (packed.length === 0) return Promise.resolve(decoded as DecodedSentence[]);
    return new Promise((resolve, reject) => {
      const request: Pending = { units, decoded, queue: [], left: packed.length, arrived: performance.now(), done: false, resolve, reject };
      request.queue = packed.map((group) => {
        const members = group.map((j) => nonEmpty[j]);
        return { request, units: members, tokens: members.reduce((n, i) => n + units[i].tokens.length, 0) };
      });
      if (signal !== undefined) {
        const onAbort = () => this.fail(request, signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        const settle = <T>(f: (v: T) => void) => (v: T) => {
          signal.removeEventListener('abort', onAbort);
          f(v);
        };
        request.resolve = settle(resolve);
        request.reject = settle(reject);
      }
      this.active.push(request);
      this.queued += nonEmpty.length;
      this.queuedTokens += request.queue.reduce((n, g) => n + g.tokens, 0);
      this.pump();
    });
  }

  /** Ends a request with an error: its queued groups leave the queue; results still in a worker are dropped. */
  private fail(request: Pending, err: unknown): void {
    if (request.done) return;
    request.done = true;
    this.unqueue(request);
    request.reject(err);
    this.pump();
  }

  private unqueue(request: Pending): void {
    for (const g of request.queue) {
      this.queued -= g.units.length;
      this.queuedTokens -= g.tokens;
    }
    request.queue = [];
    const at = this.active.indexOf(request);
    if (at >= 0) this.active.splice(at, 1);
    if (this.next === request) this.next = this.active[at % Math.max(1, this.active.length)];
  }

  /** Hands batches to idle workers while there is work that may go now. */
  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (;;) {
      const slot = this.slots.find((s) => s.alive && s.batch === undefined);
      if (slot === undefined || this.active.length === 0) break;
      const due = Math.min(...this.active.map((r) => r.arrived)) + this.options.maxDelayMs;
      const wait = due - performance.now();
      if (wait > 0 && !this.closing && this.queuedTokens < this.options.maxBatchTokens) {
        this.timer = setTimeout(() => this.pump(), Math.ceil(wait));
        break;
      }
      this.dispatch(slot, this.formBatch());
    }
    if (this.slots.every((s) => !s.alive)) this.failAll(new Error('every tagging worker has stopped'));
    if (this.drained !== undefined && this.active.length === 0 && this.slots.every((s) => s.batch === undefined)) this.drained();
    this.refs();
  }

  /**
   * The next batch: one group from each queued request in turn, starting with
   * `next`, while the padded tokens stay within maxBatchTokens (the first group
   * always goes). A request whose group does not fit is skipped for this
   * batch and starts the next one.
   */
  private formBatch(): Group[] {
    const cap = this.options.maxBatchTokens;
    const batch: Group[] = [];
    let longest = 0;
    let skipped: Pending | undefined;
    const start = Math.max(0, this.next === undefined ? 0 : this.active.indexOf(this.next));
    const order = [...this.active.slice(start), ...this.active.slice(0, start)];
    const open = new Set(order);
    let last = start - 1;
    while (open.size > 0) {
      for (const [k, request] of order.entries()) {
        if (!open.has(request)) continue;
        const group = request.queue[0];
        const padded = Math.max(longest, group.tokens) * (batch.length + 1);
        if (batch.length > 0 && padded > cap) {
          skipped ??= request;
          open.delete(request);
          continue;
        }
        batch.push(request.queue.shift()!);
        longest = Math.max(longest, group.tokens);
        this.queued -= group.units.length;
        this.queuedTokens -= group.tokens;
        last = (start + k) % this.active.length;
        if (request.queue.length === 0) open.delete(request);
      }
    }
    // Next: the request skipped first, else the one after the last served that still has work.
    const after = [...this.active.slice(last + 1), ...this.active.slice(0, last + 1)];
    this.next = skipped ?? after.find((r) => r.queue.length > 0);
    this.active = this.active.filter((r) => r.queue.length > 0);
    return batch;
  }

  private dispatch(slot: Slot, groups: Group[]): void {
    const id = this.nextBatchId++;
    const sentences: string[][] = [];
    const documents: number[] = [];
    let longest = 0;
    groups.forEach((g, k) => {
      longest = Math.max(longest, g.tokens);
      for (const i of g.units) {
        sentences.push(g.request.units[i].tokens);
        documents.push(k);
      }
    });
    slot.batch = { id, groups, padded: longest * groups.length, started: performance.now() };
    this.refs();
    const message: ToWorker = { kind: 'batch', id, sentences, documents };
    slot.worker.postMessage(message);
  }

  /**
   * Workers keep the process alive while anything is asked of them (a batch,
   * a probe) or queued; an idle pool does not. One rule, applied after every
   * change: a batch ending must not unref a worker a probe still waits on.
   */
  private refs(): void {
    const waited = this.active.length > 0 || this.probes.size > 0;
    for (const s of this.slots) {
      if (waited || s.batch !== undefined) s.worker.ref();
      else s.worker.unref();
    }
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.kind === 'tensors') {
      this.probes.get(m.id)?.(m.count);
      this.probes.delete(m.id);
      return;
    }
    const batch = slot.batch;
    if (batch === undefined || (m.kind !== 'done' && m.kind !== 'error') || m.id !== batch.id) return;
    slot.batch = undefined;
    this.refs();
    const ms = performance.now() - batch.started;
    if (m.kind === 'error') {
      for (const g of batch.groups) this.fail(g.request, new Error(m.error));
      return this.pump();
    }
    let at = 0;
    let tokens = 0;
    for (const g of batch.groups) {
      for (const i of g.units) g.request.decoded[i] = m.decoded[at++];
      tokens += g.tokens;
      const request = g.request;
      if (--request.left === 0 && !request.done) {
        request.done = true;
        request.resolve(request.decoded as DecodedSentence[]);
      }
    }
    Object.assign(this.counters, {
      batches: this.counters.batches + 1,
      sentences: this.counters.sentences + at,
      tokensTagged: this.counters.tokensTagged + tokens,
      paddedTokens: this.counters.paddedTokens + batch.padded,
    });
    this.options.onBatch?.(at, batch.padded, ms);
    this.pump();
  }

  private onCrash(slot: Slot, why: string): void {
    if (!slot.alive) return;
    slot.alive = false;
    const batch = slot.batch;
    slot.batch = undefined;
    for (const g of batch?.groups ?? []) this.fail(g.request, new Error(`a tagging worker stopped: ${why}`));
    this.pump();
  }

  private failAll(err: Error): void {
    for (const request of [...this.active]) this.fail(request, err);
  }

  queueDepth(): number {
    return this.queued;
  }

  ready(): boolean {
    return !this.closing && this.slots.some((s) => s.alive);
  }

  stats(): TagPoolStats {
    return { ...this.counters };
  }

  workerTensors(): Promise<number[]> {
    return Promise.all(
      this.slots
        .filter((s) => s.alive)
        .map(
          (slot) =>
            new Promise<number>((resolve) => {
              const id = this.nextBatchId++;
              this.probes.set(id, (count) => {
                this.probes.delete(id);
                this.refs();
                resolve(count);
              });
              this.refs();
              const message: ToWorker = { kind: 'tensors', id };
              slot.worker.postMessage(message);
            }),
        ),
    );
  }

  /** Takes no more requests, finishes those accepted (queued and in workers), then stops the workers. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      this.pump();
    });
    clearTimeout(this.timer);
    await Promise.all(
      this.slots.map((s) => {
        s.alive = false;
        return s.worker.terminate();
      }),
    );
  }
}
