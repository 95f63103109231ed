/**
 * What the HTTP server asks of whatever tags its requests: the seam between
 * serving (server.ts: HTTP, JSON, limits, endpoints) and tagging (in this
 * thread, or a pool of worker threads batching the sentences of concurrent
 * requests). The server never touches a model directly, so the tagging side
 * can change without the HTTP side noticing.
 */
import type { NerModel } from '../model/nerModel';
import { TaggedSentence, tagLinesAsync, tagTokensAsync } from '../predict';

/** One request's input, already checked for shape: raw lines, or token arrays. */
export type TagInput =
  | { kind: 'lines'; lines: string[]; splitSentences: boolean }
  | { kind: 'tokens'; sentences: string[][] };

export interface TagService {
  /**
   * The request's records, in its order, as `ner predict --output-format
   * json` writes them (with `confidence` on every entity). Rejects with
   * QueueFull when no more work can be queued, and with the signal's reason
   * when `signal` aborts first (a timeout, or a client gone).
   */
  tag(input: TagInput, signal?: AbortSignal): Promise<TaggedSentence[]>;
  /** Sentences waiting to be tagged. */
  queueDepth(): number;
  /** True once every worker can tag. */
  ready(): boolean;
  /** Finishes the work in progress and frees the models. */
  close(): Promise<void>;
}

/** The queue is full: answer 503 with Retry-After. */
export class QueueFull extends Error {
  constructor(readonly depth: number) {
    super(`the server is busy: ${depth} sentences are waiting; retry later`);
  }
}

/** Tags in this thread, one request at a time: what `ner serve` did before workers, and the reference the pool is tested against. */
export function inThreadService(model: NerModel): TagService {
  return {
    async tag(input, signal) {
      signal?.throwIfAborted();
      const options = { confidence: true };
      // Read with await: the same results on every backend, and the only way on webgpu.
      return input.kind === 'lines' ? tagLinesAsync(model, input.lines, { ...options, splitSentences: input.splitSentences }) : tagTokensAsync(model, input.sentences, options);
    },
    queueDepth: () => 0,
    ready: () => true,
    close: async () => model.dispose(),
  };
}
