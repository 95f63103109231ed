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
 * Bad requests get a 4xx and `{"error": "..."}`; the server keeps serving.
 * Requests are handled one at a time (tagging is synchronous), each bounded
 * by MAX_BODY bytes.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { NerModel } from '../model/nerModel';
import { TaggedSentence, roundProbabilities, tagLines, tagTokens } from '../predict';
import { PAGE } from './page';

/** Request bodies larger than this are refused with 413. */
export const MAX_BODY = 1 << 20;

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

/** What GET /api/model returns: the metadata without the (large) vocabularies. */
export function modelInfo(model: NerModel): object {
  const { words, chars, ...rest } = model.metadata();
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

function sendFile(res: http.ServerResponse, file: string, type: string): void {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    throw new HttpError(404, `not available: ${path.basename(file)}`);
  }
  res.writeHead(200, { 'content-type': type, 'content-length': data.length, 'cache-control': 'no-store' });
  res.end(data);
}

/**
 * @param modelDir where `model` was loaded from: its files are served under
 *                 /model/ so the page can also tag in the browser
 */
export function createServer(model: NerModel, modelDir?: string): http.Server {
  return http.createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const route = `${req.method} ${url.pathname}`;
        if (route === 'GET /') return send(res, 200, PAGE, 'text/html; charset=utf-8');
        if (route === 'GET /ner.js') return sendFile(res, BROWSER_BUNDLE, 'text/javascript; charset=utf-8');
        // Browsers ask for it unprompted; no icon, and no error in the console.
        if (route === 'GET /favicon.ico') return send(res, 204, '', 'image/x-icon');
        const file = /^GET \/model\/([a-z.]+)$/.exec(route)?.[1];
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
}
