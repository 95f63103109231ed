/**
 * `ner serve`: a model behind HTTP, with a page and a JSON API (see
 * serve/server.ts), health and readiness probes, Prometheus metrics, limits
 * that fail fast, and a drain on SIGTERM/SIGINT.
 */
import * as os from 'node:os';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { UsageError } from '../errors';
import { lacksColumns } from '../data/tokenFeatures';
import { Metrics } from '../serve/metrics';
import { DEFAULT_LIMITS, SHUTDOWN_GRACE_MS, createServer, modelInfo, stopServer } from '../serve/server';
import { TagService, inThreadService } from '../serve/tagService';
import { startTagPool } from '../serve/tagPool';
import type { BackendRequest } from '../backend';
import { backendOptions, commandGroup, Messages, quietOption, startBackend } from './common';
import { loadModel } from '../io/modelStore';

export const command = 'serve';
export const describe = 'serve a model over HTTP: a page that highlights entities, and a JSON API';

export function builder(yargs: Argv) {
  return yargs
    .options(
      commandGroup('Model and address:', {
        model: { type: 'string', demandOption: true, describe: 'model directory written by ner train' },
        port: { type: 'number', default: 8080, describe: 'TCP port (0 picks a free one)' },
        host: { type: 'string', default: '127.0.0.1', describe: 'address to listen on (0.0.0.0 for every interface)' },
        workers: { type: 'number', default: os.availableParallelism(), defaultDescription: 'the number of cores', describe: 'worker threads that tag, each holding the model (0: tag in the server thread)', group: 'Serving:' },
        'max-batch-tokens': { type: 'number', default: 1024, describe: 'padded tokens per batch: sentences of concurrent requests are tagged together up to this (smaller: a small request waits less behind a big one)', group: 'Serving:' },
        'max-delay-ms': { type: 'number', default: 2, describe: 'how long a batch may wait for more sentences before it is tagged', group: 'Serving:' },
        'max-queue': { type: 'number', default: 10_000, describe: 'sentences that may wait; past it requests are answered 503 with Retry-After', group: 'Serving:' },
        'max-request-tokens': { type: 'number', default: DEFAULT_LIMITS.maxRequestTokens, describe: 'a request of more tokens is answered 413 before it is tagged', group: 'Serving:' },
        'request-timeout-ms': { type: 'number', default: DEFAULT_LIMITS.requestTimeoutMs, describe: 'a request not answered within this is answered 503 and its work dropped', group: 'Serving:' },
        'shutdown-timeout': { type: 'number', default: SHUTDOWN_GRACE_MS / 1000, describe: 'seconds requests in progress get to finish on SIGTERM/SIGINT', group: 'Serving:' },
        cors: { type: 'string', describe: 'send Access-Control-Allow-Origin: ORIGIN (or *) and answer preflight requests [default: off]', group: 'Serving:' },
        ...backendOptions,
        ...quietOption,
      }),
    )
    .example('$0 serve --model models/en', 'then open http://127.0.0.1:8080/')
    .example(`curl -s localhost:8080/api/predict -d '{"text": "Angela Merkel visited Paris."}'`, 'the JSON API');
}

type ServeArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

/** Why the server could not listen on `host`:`port`, as a user error (exit 2). */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number): UsageError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new UsageError(`port ${port} on ${host} is in use; choose another --port`);
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new UsageError(`--host ${host} is not an IP address or a host name that resolves`);
    case 'EADDRNOTAVAIL':
      return new UsageError(`--host ${host} is not an address of this machine; use one of its addresses, 127.0.0.1 or 0.0.0.0`);
    case 'EACCES':
    case 'EPERM':
      return new UsageError(`not permitted to listen on port ${port} of ${host} (ports below 1024 need privileges); choose another --port`);
    default:
      return new UsageError(`cannot listen on ${host}:${port}: ${err.message}`);
  }
}

/** Checks the serving options: whole numbers where counts are meant, and nothing negative. */
export function checkServeOptions(args: {
  port: number;
  workers: number;
  maxBatchTokens: number;
  maxDelayMs: number;
  maxQueue: number;
  maxRequestTokens: number;
  requestTimeoutMs: number;
  shutdownTimeout: number;
  cors?: string;
}): void {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got ${args.port}`);
  const positiveInteger = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer, got ${value}`);
  };
  if (!Number.isInteger(args.workers) || args.workers < 0) throw new UsageError(`--workers must be an integer of 0 or more (0: tag in the server's own thread), got ${args.workers}`);
  positiveInteger('max-batch-tokens', args.maxBatchTokens);
  positiveInteger('max-queue', args.maxQueue);
  positiveInteger('max-request-tokens', args.maxRequestTokens);
  positiveInteger('request-timeout-ms', args.requestTimeoutMs);
  const nonNegative = (name: string, value: number) => {
    if (!Number.isFinite(value) || value < 0) throw new UsageError(`--${name} must be a number of 0 or more, got ${value}`);
  };
  nonNegative('max-delay-ms', args.maxDelayMs);
  nonNegative('shutdown-timeout', args.shutdownTimeout);
  if (args.cors !== undefined && (args.cors === '' || /[\s\u0000-\u001F,]/.test(args.cors))) {
    throw new UsageError(`--cors must be one origin (like https://example.com) or *, got ${JSON.stringify(args.cors)}`);
  }
}

/** What the drain leaves of --shutdown-timeout for the workers to stop and the process to exit. */
const EXIT_RESERVE_MS = 200;

/** One tagged batch: its sentences, its padded tokens (sentences × the longest), and the milliseconds it took. */
export type OnBatch = (sentences: number, paddedTokens: number, ms: number) => void;

/**
 * What tags the server's requests, and what GET /api/model answers: a pool
 * of `--workers` threads batching the sentences of concurrent requests
 * (serve/tagPool.ts), or with `--workers 0` this thread, one request at a
 * time, each request reported as one batch.
 */
export async function startService(args: ServeArgs, onBatch: OnBatch): Promise<{ service: TagService; info: object }> {
  if (args.workers > 0 && (args.backend === 'webgpu' || args.gpu)) {
    throw new UsageError('ner serve on a GPU tags in the server thread, which holds the device: give --workers 0');
  }
  const model = await loadModel(args.model);
  const columns = model.features?.columnNames ?? [];
  if (columns.length > 0) {
    model.dispose();
    throw new UsageError(`${args.model}: ${lacksColumns(columns, 'text sent to a server cannot have')}; serve a model trained without --feature-columns`);
  }
  if (args.workers > 0) {
    // The main thread only needs what /api/model says; each worker loads its own copy.
    const info = modelInfo(model);
    model.dispose();
    const { maxBatchTokens, maxDelayMs, maxQueue } = args;
    const pool = await startTagPool({ modelDir: args.model, workers: args.workers, backend: args.backend as BackendRequest, threads: 1, maxBatchTokens, maxDelayMs, maxQueue, onBatch });
    return { service: pool, info };
  }
  const inner = inThreadService(model);
  const service: TagService = {
    ...inner,
    async tag(input, signal) {
      const start = performance.now();
      const records = await inner.tag(input, signal);
      const longest = records.reduce((n, r) => Math.max(n, r.tokens.length), 0);
      onBatch(records.length, records.length * longest, performance.now() - start);
      return records;
    },
  };
  return { service, info: modelInfo(model) };
}

export async function handler(args: ServeArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  checkServeOptions(args);
  await startBackend(args, messages);
  const metrics = new Metrics();
  const { service, info } = await startService(args, (sentences, paddedTokens, ms) => metrics.observeBatch(sentences, paddedTokens, ms));
  const server = createServer(service, info, {
    modelDir: args.model,
    maxRequestTokens: args.maxRequestTokens,
    requestTimeoutMs: args.requestTimeoutMs,
    cors: args.cors,
    metrics,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, args.host, args.port)));
    server.listen(args.port, args.host, resolve);
  }).catch(async (err) => {
    await service.close();
    throw err;
  });
  // Listening for signals before the URL is out, so that whoever reads it can stop the server at once.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : args.port;
  // The URL always, even with --quiet: it is what the user asked for.
  process.stdout.write(`serving ${args.model} at http://${args.host}:${port}/\n`);
  const signal = await signalled;
  // A second signal does not wait for anyone.
  const now = (again: NodeJS.Signals) => process.exit(again === 'SIGTERM' ? 143 : 130);
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  messages.info(`${signal}: stopping; requests in progress get ${args.shutdownTimeout} s (again to stop at once)`);
  // Stopping the workers and exiting take a few milliseconds more: kept inside the timeout, which is what an orchestrator waits.
  await stopServer(server, Math.max(0, args.shutdownTimeout * 1000 - EXIT_RESERVE_MS));
  await service.close();
  process.off('SIGINT', now);
  process.off('SIGTERM', now);
}
