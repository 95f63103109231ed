/**
 * `ner serve`: a model behind HTTP, with Node's own http module.
 *
 *   GET  /              a page: paste text, see the entities highlighted by type (works offline)
 *   POST /api/predict   {"text": "..."} or {"sentences": ["...", ...] | [["tok", ...], ...]}
 *                       -> the records `ner predict --output-format json` writes, as a JSON array
 *   GET  /api/model     tags, schemes, shape and training summary (no vocabularies)
 *   GET  /ner.js, /model/{model.json,weights.bin,metadata.json}
 *                       the browser bundle and the model's files, for tagging in the page itself
 *
 * Metadata is served with file paths reduced to file names (publicMetadata.ts).
 * Bad requests get a 4xx and `{"error": "..."}`; the server keeps serving.
 * Requests are handled one at a time (tagging is synchronous), each bounded
 * by MAX_BODY bytes and by TIMEOUTS; stopServer ends it within a deadline.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { NerModel } from '../model/nerModel';
import { TaggedSentence, roundProbabilities, tagLines, tagTokens } from '../predict';
import { PAGE } from './page';
import { publicMetadata } from './publicMetadata';

/** Request bodies larger than this are refused with 413. */
export const MAX_BODY = 1 << 20;

/**
 * Limits against slow clients, in milliseconds: a request's headers must
 * arrive within `headers`, the whole request within `request` (answered with
 * 408 otherwise), and an idle keep-alive connection is closed after `keepAlive`.
 * Node checks the first two every `check`.
 */
export const TIMEOUTS = { headers: 10_000, request: 30_000, keepAlive: 5_000, check: 1_000 };

/** How long stopServer lets requests in progress finish before it closes their connections. */
export const SHUTDOWN_GRACE_MS = 5_000;

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

/** The records for a parsed request body, or an HttpError saying what was expected. */
export function predictRequest(model: NerModel, body: unknown): TaggedSentence[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'expected a JSON object: {"text": "..."} or {"sentences": [...]}');
  const { text, sentences } = body as { text?: unknown; sentences?: unknown };
  const options = { confidence: true };
  if (text !== undefined) {
    if (typeof text !== 'string') throw new HttpError(422, `"text" must be a string, got ${typeof text}`);
    return tagLines(model, text.split(/\r\n|\r|\n/), { ...options, splitSentences: true });
  }
  if (sentences !== undefined) {
    if (!Array.isArray(sentences)) throw new HttpError(422, '"sentences" must be an array of strings or of token arrays');
    if (sentences.every((s) => typeof s === 'string')) return tagLines(model, sentences as string[], options);
    // Tokens as a CoNLL file may hold them: no spaces, no control characters.
    if (sentences.every((s) => Array.isArray(s) && s.every((t) => typeof t === 'string' && t.length > 0 && !/[\s\u0000-\u001F]/.test(t)))) {
      return tagTokens(model, sentences as string[][], options);
    }
    throw new HttpError(422, '"sentences" must be all strings (raw sentences) or all arrays of non-empty tokens without spaces or control characters');
  }
  throw new HttpError(422, 'expected "text" or "sentences"');
}

/** What GET /api/model returns: the metadata without the (large) vocabularies, and without file paths. */
export function modelInfo(model: NerModel): object {
  const { words, chars, ...rest } = publicMetadata(model.metadata());
  return { ...rest, vocabularySize: model.words.size, tags: model.tags.tags() };
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

/**
 * @param modelDir where `model` was loaded from: its files are served under
 *                 /model/ so the page can also tag in the browser
 */
export function createServer(model: NerModel, modelDir?: string): http.Server {
  const options: http.ServerOptions = { requestTimeout: TIMEOUTS.request, keepAliveTimeout: TIMEOUTS.keepAlive, connectionsCheckingInterval: TIMEOUTS.check };
  const server = http.createServer(options, (req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const route = `${req.method} ${url.pathname}`;
        if (route === 'GET /') return send(res, 200, PAGE, 'text/html; charset=utf-8');
        if (route === 'GET /ner.js') return sendFile(res, BROWSER_BUNDLE, 'text/javascript; charset=utf-8');
        // Browsers ask for it unprompted; no icon, and no error in the console.
        if (route === 'GET /favicon.ico') return send(res, 204, '', 'image/x-icon');
        const file = /^GET \/model\/([a-z.]+)$/.exec(route)?.[1];
        if (file === 'metadata.json' && modelDir !== undefined) return sendMetadata(res, path.join(modelDir, file));
        if (file !== undefined && modelDir !== undefined && MODEL_FILES[file] !== undefined) return sendFile(res, path.join(modelDir, file), MODEL_FILES[file]);
        if (route === 'GET /api/model') return sendJson(res, 200, modelInfo(model));
        if (route === 'POST /api/predict') {
          const raw = await readBody(req);
          let body: unknown;
          try {
            body = JSON.parse(raw);
          } catch {
            throw new HttpError(400, 'the request body is not valid JSON');
          }
          return sendJson(res, 200, predictRequest(model, body));
        }
        if (['/', '/api/model', '/api/predict'].includes(url.pathname)) throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}`);
        throw new HttpError(404, `no such page: ${url.pathname}`);
      } catch (err) {
        if (err instanceof HttpError) {
          // A refused upload may still be arriving: answer, then drop the connection.
          if (err.status === 413) res.setHeader('connection', 'close');
          return sendJson(res, err.status, { error: err.message });
        }
        sendJson(res, 500, { error: `internal error: ${(err as Error)?.message ?? String(err)}` });
      }
    })();
  });
  server.headersTimeout = TIMEOUTS.headers;
  return server;
}

/**
 * Stops `server` within `graceMs`: it stops accepting connections, closes idle
 * keep-alive connections at once, lets requests in progress finish (each
 * connection closed as its response ends), and after `graceMs` destroys the
 * connections still open (a slow or stalled client). Resolves when all are closed.
 */
export function stopServer(server: http.Server, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
    // A request in progress leaves its connection idle when its response ends: close it then, not at the deadline.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    // A request that comes in now is answered with `connection: close`.
    server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => res.setHeader('connection', 'close'));
    server.close(() => {
      clearTimeout(deadline);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
