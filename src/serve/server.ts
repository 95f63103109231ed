/**
 * `ner serve`: a model behind HTTP, with Node's own http module.
 *
 *   GET  /              a page: paste text, see the entities highlighted by type (works offline)
 *   POST /api/predict   {"text": "..."} or {"sentences": ["...", ...] | [["tok", ...], ...]}
 *                       -> the records `ner predict --output-format json` writes, as a JSON array
 *   GET  /api/model     tags, schemes, shape and training summary (no vocabularies)
 *   GET  /ner.js, /model/{model.json,weights.bin,metadata.json}
 *                       the browser bundle and the model's files, for tagging in the page itself
 *   GET  /healthz       liveness: 200 while the process runs
 *   GET  /readyz        readiness: 200 once the service can tag and the server listens; 503 while starting or draining
 *   GET  /metrics       Prometheus text exposition (metrics.ts)
 *   GET  /openapi.json  OpenAPI 3.0 description of every route (openapi.ts)
 *
 * The server never tags: it parses and checks a request into a TagInput,
 * refuses it fast when it is over a limit (body size, tokens), and hands it
 * to a TagService (tagService.ts) with an AbortSignal that fires when the
 * request times out or its client goes away. Metadata is served with file
 * paths reduced to file names (publicMetadata.ts). Bad requests get a 4xx and
 * `{"error": "..."}`; the server keeps serving. stopServer drains it within
 * a deadline.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as path from 'node:path';
import type { NerModel } from '../model/nerModel';
import { tokenize } from '../io/tokenize';
import { LimitExceeded, formatCount } from '../limits';
import { roundProbabilities } from '../predict';
import { CONTENT_TYPE as METRICS_CONTENT_TYPE, Metrics } from './metrics';
import { openApiDocument } from './openapi';
import { PAGE } from './page';
import { publicMetadata } from './publicMetadata';
import { QueueFull, TagInput, TagService } from './tagService';

/** Request bodies larger than this are refused with 413. */
export const MAX_BODY = 1 << 20;

/**
 * Limits against slow clients, in milliseconds: a request's headers must
 * arrive within `headers`, the whole request within `request` (answered with
 * 408 otherwise), and an idle keep-alive connection is closed after `keepAlive`.
 * Node checks the first two every `check`.
 */
export const TIMEOUTS = { headers: 10_000, request: 30_000, keepAlive: 5_000, check: 1_000 };

/** How long stopServer lets requests in progress finish before it closes their connections (`--shutdown-timeout`). */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Defaults of the per-request limits (`--max-request-tokens`, `--request-timeout-ms`). */
export const DEFAULT_LIMITS = { maxRequestTokens: 100_000, requestTimeoutMs: 30_000 };

export interface ServerOptions {
  /** Where the model was loaded from: its files are served under /model/ so the page can also tag in the browser. */
  modelDir?: string;
  /** A request of more tokens is answered 413 before it is tagged. */
  maxRequestTokens?: number;
  /** A request not answered within this is answered 503, and its work aborted. */
  requestTimeoutMs?: number;
  /** With an origin (or `*`): Access-Control-Allow-Origin on every answer, and 204 to preflight OPTIONS requests. */
  cors?: string;
  /** The registry GET /metrics writes out; the caller keeps it to feed the batch histograms (onBatch). */
  metrics?: Metrics;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

const sendJson = (res: http.ServerResponse, status: number, value: unknown) =>
  send(res, status, JSON.stringify(value, roundProbabilities), 'application/json; charset=utf-8');

async function readBody(req: http.IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) throw new HttpError(413, `request body over ${MAX_BODY} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** What GET /api/model returns: the metadata without the (large) vocabularies, and without file paths. */
export function modelInfo(model: NerModel): object {
  const { words, chars, features, ...rest } = publicMetadata(model.metadata());
  // The gazetteer can hold 100,000 names: its types and sizes say enough here (metadata.json has it all).
  const gazetteer = model.features?.gazetteer;
  const summary = features === undefined ? undefined : { columns: features.columns, gazetteer: gazetteer && { caseSensitive: gazetteer.caseSensitive, names: gazetteer.sizes() } };
  return { ...rest, ...(summary === undefined ? {} : { features: summary }), vocabularySize: model.words.size, tags: model.tags.tags() };
}

/** The browser bundle (scripts/build-browser.mjs), served at /ner.js. */
export const BROWSER_BUNDLE = path.join(__dirname, '..', '..', 'browser', 'ner.js');

/** The model files a page needs to run the model itself, served under /model/. */
const MODEL_FILES: Record<string, string> = {
  'model.json': 'application/json',
  'metadata.json': 'application/json',
  'weights.bin': 'application/octet-stream',
};

function readServedFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch {
    throw new HttpError(404, `not available: ${path.basename(file)}`);
  }
}

function sendFile(res: http.ServerResponse, file: string, type: string): void {
  const data = readServedFile(file);
  res.writeHead(200, { 'content-type': type, 'content-length': data.length, 'cache-control': 'no-store' });
  res.end(data);
}

/** metadata.json as the page needs it to run the model, its file paths reduced to file names. */
function sendMetadata(res: http.ServerResponse, file: string): void {
  let json: unknown;
  try {
    json = JSON.parse(readServedFile(file).toString('utf8'));
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(404, `not available: ${path.basename(file)} is not valid JSON`);
  }
  send(res, 200, JSON.stringify(publicMetadata(json)), MODEL_FILES['metadata.json']);
}

/** A parsed request body as a TagInput, or an HttpError saying what was expected. */
export function parseRequest(body: unknown): TagInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'expected a JSON object: {"text": "..."} or {"sentences": [...]}');
  const { text, sentences } = body as { text?: unknown; sentences?: unknown };
  if (text !== undefined) {
    if (typeof text !== 'string') throw new HttpError(422, `"text" must be a string, got ${typeof text}`);
    return { kind: 'lines', lines: text.split(/\r\n|\r|\n/), splitSentences: true };
  }
  if (sentences !== undefined) {
    if (!Array.isArray(sentences)) throw new HttpError(422, '"sentences" must be an array of strings or of token arrays');
    if (sentences.every((s) => typeof s === 'string')) return { kind: 'lines', lines: sentences as string[], splitSentences: false };
    // Tokens as a CoNLL file may hold them: no spaces, no control characters.
    if (sentences.every((s) => Array.isArray(s) && s.every((t) => typeof t === 'string' && t.length > 0 && !/[\s\u0000-\u001F]/.test(t)))) {
      return { kind: 'tokens', sentences: sentences as string[][] };
    }
    throw new HttpError(422, '"sentences" must be all strings (raw sentences) or all arrays of non-empty tokens without spaces or control characters');
  }
  throw new HttpError(422, 'expected "text" or "sentences"');
}

/** The tokens `input` will be tagged as: what the tokenizer makes of its lines, or its token arrays' lengths. */
export function countTokens(input: TagInput): number {
  if (input.kind === 'tokens') return input.sentences.reduce((n, s) => n + s.length, 0);
  return input.lines.reduce((n, line) => n + tokenize(line).length, 0);
}

/** Why a request's work was aborted: its time ran out, or its client went away. */
class RequestTimeout extends Error {
  constructor(readonly ms: number) {
    super(`the request was not answered within ${formatCount(ms)} ms; retry later or send less`);
  }
}
class ClientGone extends Error {
  constructor() {
    super('the client closed the connection');
  }
}

/** Answers a request that failed: its status and `{"error": "..."}`; nothing when its client is gone. */
function sendError(res: http.ServerResponse, err: unknown): void {
  if (err instanceof ClientGone || res.destroyed) return;
  // Too late for a status: the answer has begun.
  if (res.headersSent) return void res.destroy();
  if (err instanceof HttpError) {
    // A refused upload may still be arriving: answer, then drop the connection.
    if (err.status === 413) res.setHeader('connection', 'close');
    return sendJson(res, err.status, { error: err.message });
  }
  if (err instanceof QueueFull) {
    res.setHeader('retry-after', '1');
    return sendJson(res, 503, { error: err.message });
  }
  if (err instanceof RequestTimeout) return sendJson(res, 503, { error: err.message });
  if (err instanceof LimitExceeded) return sendJson(res, 413, { error: err.message });
  sendJson(res, 500, { error: `internal error: ${(err as Error)?.message ?? String(err)}` });
}

/** Servers being drained by stopServer: /readyz answers 503. */
const draining = new WeakSet<http.Server>();

/**
 * What GET /readyz says: `draining` from the moment stopServer is called,
 * `starting` until the server listens and the service can tag, then `ready`.
 */
export function readiness(server: http.Server, service: TagService): 'starting' | 'ready' | 'draining' {
  if (draining.has(server)) return 'draining';
  return server.listening && service.ready() ? 'ready' : 'starting';
}

/**
 * Each open connection of a server and the responses in progress on it, so
 * that a drain can tell a connection with work to finish from one that is
 * idle or still sending headers (no request yet: nothing to finish).
 */
const connections = new WeakMap<http.Server, Map<net.Socket, Set<http.ServerResponse>>>();

function trackConnections(server: http.Server): void {
  const open = new Map<net.Socket, Set<http.ServerResponse>>();
  connections.set(server, open);
  server.on('connection', (socket: net.Socket) => {
    open.set(socket, new Set());
    socket.once('close', () => open.delete(socket));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const responses = open.get(req.socket);
    responses?.add(res);
    res.once('close', () => responses?.delete(res));
  });
}

/**
 * How long a drain waits for a connection that has no request yet (its
 * headers may be on the way: a request sent just before the signal) before
 * it closes it: a slow client trickling headers gets no more than this.
 */
export const DRAIN_HEADERS_MS = 1_000;

interface Context {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** Aborts when the request times out or its client goes away. */
  signal: AbortSignal;
}
type Handler = (ctx: Context) => void | Promise<void>;

/**
 * The methods and paths createServer answers (OPTIONS on each of them too,
 * with --cors); openapi.ts describes exactly these, and a test holds them equal.
 */
export const ROUTES: ReadonlyArray<{ method: 'GET' | 'POST'; path: string }> = [
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/ner.js' },
  { method: 'GET', path: '/favicon.ico' },
  { method: 'GET', path: '/model/model.json' },
  { method: 'GET', path: '/model/weights.bin' },
  { method: 'GET', path: '/model/metadata.json' },
  { method: 'GET', path: '/api/model' },
  { method: 'POST', path: '/api/predict' },
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/readyz' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/openapi.json' },
];

/**
 * An HTTP server that answers the routes above, tagging through `service`.
 *
 * @param info what GET /api/model answers (see modelInfo)
 */
export function createServer(service: TagService, info: object, options: ServerOptions = {}): http.Server {
  const { modelDir, maxRequestTokens = DEFAULT_LIMITS.maxRequestTokens, requestTimeoutMs = DEFAULT_LIMITS.requestTimeoutMs, cors } = options;
  const metrics = options.metrics ?? new Metrics();
  const openapi = JSON.stringify(openApiDocument({ cors: cors !== undefined }));

  const modelFile = (file: string): Handler => ({ res }) => {
    if (modelDir === undefined) throw new HttpError(404, `not available: ${file} (the server was started without a model directory)`);
    if (file === 'metadata.json') return sendMetadata(res, path.join(modelDir, file));
    sendFile(res, path.join(modelDir, file), MODEL_FILES[file]);
  };

  const predict: Handler = async ({ req, res, signal }) => {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'the request body is not valid JSON');
    }
    const input = parseRequest(body);
    const tokens = countTokens(input);
    if (tokens > maxRequestTokens) {
      throw new HttpError(413, `the request holds ${formatCount(tokens)} tokens, more than the limit ${formatCount(maxRequestTokens)} (--max-request-tokens); send it in parts`);
    }
    const records = await service.tag(input, signal);
    if (signal.aborted) throw signal.reason;
    metrics.addTokensTagged(records.reduce((n, r) => n + r.tokens.length, 0));
    sendJson(res, 200, records);
  };

  const handlers = new Map<string, Handler>([
    ['GET /', ({ res }) => send(res, 200, PAGE, 'text/html; charset=utf-8')],
    ['GET /ner.js', ({ res }) => sendFile(res, BROWSER_BUNDLE, 'text/javascript; charset=utf-8')],
    // Browsers ask for it unprompted; no icon, and no error in the console.
    ['GET /favicon.ico', ({ res }) => send(res, 204, '', 'image/x-icon')],
    ...Object.keys(MODEL_FILES).map((file): [string, Handler] => [`GET /model/${file}`, modelFile(file)]),
    ['GET /api/model', ({ res }) => sendJson(res, 200, info)],
    ['POST /api/predict', predict],
    ['GET /healthz', ({ res }) => sendJson(res, 200, { status: 'ok' })],
    [
      'GET /readyz',
      ({ res }) => {
        const status = readiness(server, service);
        sendJson(res, status === 'ready' ? 200 : 503, { status });
      },
    ],
    ['GET /metrics', ({ res }) => send(res, 200, metrics.render({ queueDepth: service.queueDepth() }), METRICS_CONTENT_TYPE)],
    ['GET /openapi.json', ({ res }) => send(res, 200, openapi, 'application/json; charset=utf-8')],
  ]);
  const methods = new Map<string, string[]>();
  for (const { method, path } of ROUTES) methods.set(path, [...(methods.get(path) ?? []), method]);

  const serverOptions: http.ServerOptions = { requestTimeout: TIMEOUTS.request, keepAliveTimeout: TIMEOUTS.keepAlive, connectionsCheckingInterval: TIMEOUTS.check };
  const server = http.createServer(serverOptions, (req, res) => {
    const started = process.hrtime.bigint();
    let pathname = '/';
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      // An unparsable target: answered 404 below.
      pathname = '';
    }
    const allowed = methods.get(pathname);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new RequestTimeout(requestTimeoutMs)), requestTimeoutMs);
    res.once('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) controller.abort(new ClientGone());
      // 499: the client closed the connection before the answer was out (nginx's code).
      const status = res.writableFinished ? res.statusCode : 499;
      metrics.observeRequest(allowed ? pathname : 'other', req.method ?? '', status, Number(process.hrtime.bigint() - started) / 1e9);
    });
    if (cors !== undefined) res.setHeader('access-control-allow-origin', cors);
    void (async () => {
      try {
        if (req.method === 'OPTIONS' && cors !== undefined && allowed) {
          res.writeHead(204, {
            'access-control-allow-methods': [...allowed, 'OPTIONS'].join(', '),
            'access-control-allow-headers': 'content-type',
            'access-control-max-age': '600',
          });
          return res.end();
        }
        const handler = handlers.get(`${req.method} ${pathname}`);
        if (handler) return await handler({ req, res, signal: controller.signal });
        if (allowed) {
          res.setHeader('allow', allowed.join(', '));
          throw new HttpError(405, `${req.method} is not allowed on ${pathname}`);
        }
        throw new HttpError(404, `no such page: ${pathname}`);
      } catch (err) {
        sendError(res, err);
      }
    })();
  });
  server.headersTimeout = TIMEOUTS.headers;
  trackConnections(server);
  return server;
}

/**
 * Stops `server` within `graceMs`: /readyz turns 503 at once, it stops
 * accepting connections, closes idle keep-alive connections at once and,
 * after DRAIN_HEADERS_MS, the connections still without a request (slow
 * clients sending their headers), lets requests in progress finish (each
 * answered with `connection: close`, and its connection closed as its
 * response ends), and after `graceMs` destroys the connections still open (a
 * stalled upload or answer; the work of their requests is aborted). Resolves
 * when all are closed.
 */
export function stopServer(server: http.Server, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  draining.add(server);
  const open = connections.get(server) ?? new Map<net.Socket, Set<http.ServerResponse>>();
  const started = Date.now();
  const closeUnused = () => {
    server.closeIdleConnections();
    if (Date.now() - started < Math.min(DRAIN_HEADERS_MS, graceMs)) return;
    for (const [socket, responses] of open) if (responses.size === 0) socket.destroy();
  };
  // Requests in progress: their answers close their connections.
  for (const responses of open.values()) for (const res of responses) if (!res.headersSent) res.setHeader('connection', 'close');
  return new Promise((resolve) => {
    const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
    // A request in progress leaves its connection unused when its response ends: close it then, not at the deadline.
    const sweep = setInterval(closeUnused, 50);
    // A request that comes in now is answered with `connection: close`.
    server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => res.setHeader('connection', 'close'));
    server.close(() => {
      clearTimeout(deadline);
      clearInterval(sweep);
      resolve();
    });
    closeUnused();
  });
}
