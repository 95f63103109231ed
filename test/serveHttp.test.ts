/**
 * The HTTP side of `ner serve` against stand-in tagging services: the limits
 * that fail fast (tokens, queue, timeout, a client gone), the probes, the
 * metrics, the OpenAPI document against the routes answered, CORS, and
 * readiness while draining. The real model is serve.test.ts's.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TaggedSentence } from '../src/predict';
import { Metrics } from '../src/serve/metrics';
import { openApiDocument } from '../src/serve/openapi';
import { DEFAULT_LIMITS, DRAIN_HEADERS_MS, MAX_BODY, ROUTES, ServerOptions, countTokens, createServer, readiness, stopServer } from '../src/serve/server';
import { QueueFull, TagInput, TagService } from '../src/serve/tagService';

/** Answers each sentence with its tokens tagged O; `tag` can be replaced. */
function fakeService(overrides: Partial<TagService> = {}): TagService & { calls: TagInput[] } {
  const calls: TagInput[] = [];
  return {
    calls,
    async tag(input) {
      calls.push(input);
      const sentences = input.kind === 'tokens' ? input.sentences : input.lines.map((l) => l.split(' ').filter(Boolean));
      return sentences.map((tokens): TaggedSentence => ({ tokens, tags: tokens.map(() => 'O'), entities: [] }));
    },
    queueDepth: () => 0,
    ready: () => true,
    close: async () => {},
    ...overrides,
  };
}

/** A tag function that never answers until its request is aborted; `signal()` is the signal it was given. */
function hangingTagger(): { hang: TagService['tag']; signal: () => AbortSignal | undefined } {
  let seen: AbortSignal | undefined;
  const hang = (_input: TagInput, signal?: AbortSignal) =>
    new Promise<TaggedSentence[]>((_resolve, reject) => {
      seen = signal;
      signal!.addEventListener('abort', () => reject(signal!.reason));
    });
  return { hang, signal: () => seen };
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function start(service: TagService, options: ServerOptions = {}): Promise<{ server: http.Server; base: string; port: number }> {
  const server = createServer(service, { tags: ['O'] }, options);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, base: `http://127.0.0.1:${port}`, port };
}

const post = (base: string, body: string) => fetch(`${base}/api/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('limits', () => {
  test('countTokens: the tokenizer for raw text and sentences, the array lengths for tokens', () => {
    assert.equal(countTokens({ kind: 'lines', lines: ["John's car, in Paris.", ''], splitSentences: true }), 7);
    assert.equal(countTokens({ kind: 'tokens', sentences: [['a', 'b'], ['c']] }), 3);
  });

  test('--max-request-tokens: 413 with the count and the limit, before tagging', async () => {
    const service = fakeService();
    const { base } = await start(service, { maxRequestTokens: 5 });
    for (const body of [{ text: 'one two three\nfour five six' }, { sentences: ['one two three', 'four five six'] }, { sentences: [['a', 'b', 'c'], ['d', 'e', 'f']] }]) {
      const res = await post(base, JSON.stringify(body));
      assert.equal(res.status, 413);
      assert.match(await errorOf(res), /holds 6 tokens, more than the limit 5 \(--max-request-tokens\)/);
    }
    assert.equal(service.calls.length, 0, 'nothing was tagged');
    assert.equal((await post(base, JSON.stringify({ sentences: [['a', 'b', 'c', 'd', 'e']] }))).status, 200, 'at the limit');
  });

  test('a 1 MiB body of one-letter tokens is answered 413 within 5 s at the default limit', async () => {
    const service = fakeService();
    const { base } = await start(service);
    const text = 'a '.repeat((MAX_BODY - 20) / 2);
    const body = JSON.stringify({ text });
    assert.ok(body.length <= MAX_BODY);
    const started = Date.now();
    const res = await post(base, body);
    const ms = Date.now() - started;
    assert.equal(res.status, 413);
    assert.match(await errorOf(res), new RegExp(`holds ${((MAX_BODY - 20) / 2).toLocaleString('en-US')} tokens, more than the limit ${DEFAULT_LIMITS.maxRequestTokens.toLocaleString('en-US')}`));
    assert.ok(ms < 5_000, `${ms} ms`);
    assert.equal(service.calls.length, 0);
  });

  test('a full queue: 503 with Retry-After', async () => {
    const { base } = await start(fakeService({ tag: async () => Promise.reject(new QueueFull(10_000)) }));
    const res = await post(base, '{"text": "Rome"}');
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.match(await errorOf(res), /busy: 10000 sentences are waiting/);
  });

  test('--request-timeout-ms: 503, and the service call is aborted', async () => {
    const { hang, signal: seen } = hangingTagger();
    const { base } = await start(fakeService({ tag: hang }), { requestTimeoutMs: 150 });
    const started = Date.now();
    const res = await post(base, '{"text": "Rome"}');
    assert.equal(res.status, 503);
    assert.match(await errorOf(res), /not answered within 150 ms/);
    assert.ok(Date.now() - started < 2_000);
    assert.equal(seen()?.aborted, true);
  });

  test('a client that disconnects aborts its work', async () => {
    const { hang, signal: seen } = hangingTagger();
    const { port } = await start(fakeService({ tag: hang }));
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    const body = '{"text": "Rome"}';
    socket.write(`POST /api/predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await until(() => seen() !== undefined, 'the service call');
    assert.equal(seen()!.aborted, false);
    socket.destroy();
    await until(() => seen()!.aborted, 'the abort');
  });
});

describe('endpoints', () => {
  test('GET /healthz: 200 {"status": "ok"}', async () => {
    const { base } = await start(fakeService({ ready: () => false }));
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  test('GET /readyz: 503 while the service is starting, 200 once it is ready', async () => {
    let ready = false;
    const { base } = await start(fakeService({ ready: () => ready }));
    let res = await fetch(`${base}/readyz`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: 'starting' });
    ready = true;
    res = await fetch(`${base}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ready' });
  });

  test('draining: readiness turns to draining at once, and the request in progress still finishes', async () => {
    let release: (() => void) | undefined;
    const service = fakeService();
    const slow = fakeService({
      tag: (input) => new Promise((resolve) => (release = () => resolve(service.tag(input)))),
    });
    const { server, port } = await start(slow);
    assert.equal(readiness(server, slow), 'ready');
    const busy = net.connect(port, '127.0.0.1');
    let received = '';
    busy.on('data', (d) => (received += d));
    const body = '{"text": "Rome"}';
    busy.write(`POST /api/predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await until(() => release !== undefined, 'the service call');
    const stopped = stopServer(server, 5_000);
    // New connections are refused from now on, so /readyz is only asked of the function behind it.
    assert.equal(readiness(server, slow), 'draining');
    release!();
    await until(() => /\r\n\r\n\[.*\]$/s.test(received), 'the answer to the request in progress');
    assert.match(received, /^HTTP\/1\.1 200 /);
    assert.match(received, /connection: close/i);
    await stopped;
  });

  test('a drain closes the connections with no request in progress: idle ones at once, those still sending headers after DRAIN_HEADERS_MS', async () => {
    const { server, port, base } = await start(fakeService());
    const agent = await fetch(`${base}/healthz`); // leaves an idle keep-alive connection
    await agent.text();
    const slow = net.connect(port, '127.0.0.1');
    slow.on('error', () => {});
    const closed = new Promise((r) => slow.once('close', r));
    await new Promise((r) => slow.once('connect', r));
    slow.write('POST /api/predict HTTP/1.1\r\nHost: localhost\r\nContent-Le');
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await stopServer(server, 5_000);
    await closed;
    assert.ok(Date.now() - started < DRAIN_HEADERS_MS + 500, `${Date.now() - started} ms, not the 5 s deadline`);
  });

  test('GET /metrics: requests by route, method and status, latency, batches, queue depth, tokens tagged', async () => {
    const metrics = new Metrics();
    const { base } = await start(fakeService({ queueDepth: () => 7 }), { metrics });
    metrics.observeBatch(3, 12, 4);
    assert.equal((await post(base, JSON.stringify({ sentences: [['a', 'b'], ['c']] }))).status, 200);
    assert.equal((await post(base, 'not json')).status, 400);
    assert.equal((await fetch(`${base}/nowhere/${'x'.repeat(10)}`)).status, 404);
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    assert.match(text, /^ner_http_requests_total\{route="\/api\/predict",method="POST",status="200"\} 1$/m);
    assert.match(text, /^ner_http_requests_total\{route="\/api\/predict",method="POST",status="400"\} 1$/m);
    assert.match(text, /^ner_http_requests_total\{route="other",method="GET",status="404"\} 1$/m, 'unknown paths share one series');
    assert.match(text, /^ner_http_request_duration_seconds_count\{route="\/api\/predict"\} 2$/m);
    assert.match(text, /^ner_batch_sentences_count 1$/m);
    assert.match(text, /^ner_batch_padded_tokens_sum 12$/m);
    assert.match(text, /^ner_queue_depth 7$/m);
    assert.match(text, /^ner_tokens_tagged_total 3$/m);
  });

  test('GET /openapi.json: every route the server answers, and no other', async () => {
    const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-serve-http-test-'));
    try {
      for (const file of ['model.json', 'metadata.json']) fs.writeFileSync(path.join(modelDir, file), '{}');
      fs.writeFileSync(path.join(modelDir, 'weights.bin'), Buffer.alloc(4));
      const { base } = await start(fakeService(), { modelDir });
      const res = await fetch(`${base}/openapi.json`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { responses: object }>> };
      assert.match(doc.openapi, /^3\.0\./);
      const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
      assert.deepEqual(documented.sort(), ROUTES.map((r) => `${r.method} ${r.path}`).sort());
      for (const route of documented) {
        const [method, p] = route.split(' ');
        const answer = await fetch(`${base}${p}`, { method, body: method === 'POST' ? '{"text": "Rome"}' : undefined });
        const text = await answer.text();
        assert.ok(answer.status !== 405 && !/no such page/.test(text), `${route}: ${answer.status} ${text.slice(0, 100)}`);
        assert.ok(String(answer.status) in doc.paths[p][method.toLowerCase()].responses, `${route}: ${answer.status} is documented`);
      }
      // And a route that is not documented is not answered.
      assert.equal((await fetch(`${base}/api/tag`)).status, 404);
      assert.equal((await fetch(`${base}/healthz`, { method: 'POST' })).status, 405);
      // Every $ref resolves.
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
      assert.ok(refs.length > 0);
      for (const [, kind, name] of refs) assert.ok((doc as unknown as { components: Record<string, Record<string, unknown>> }).components[kind][name], `${kind}/${name}`);
    } finally {
      fs.rmSync(modelDir, { recursive: true, force: true });
    }
  });
});

describe('--cors', () => {
  test('off by default: no Access-Control-Allow-Origin, and OPTIONS is not allowed', async () => {
    const { base } = await start(fakeService());
    const res = await post(base, '{"text": "Rome"}');
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.equal((await fetch(`${base}/api/predict`, { method: 'OPTIONS' })).status, 405);
    assert.equal(JSON.stringify(openApiDocument()).includes('"options"'), false);
  });

  test('an origin: on every answer, a 204 to preflight, and OPTIONS in the OpenAPI document', async () => {
    const { base } = await start(fakeService(), { cors: 'https://example.com' });
    const res = await post(base, '{"text": "Rome"}');
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://example.com');
    assert.equal((await post(base, '{}')).headers.get('access-control-allow-origin'), 'https://example.com', 'errors too');
    const preflight = await fetch(`${base}/api/predict`, { method: 'OPTIONS', headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://example.com');
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'POST, OPTIONS');
    assert.match(preflight.headers.get('access-control-allow-headers')!, /content-type/);
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    assert.ok(Object.values(doc.paths).every((ops) => 'options' in ops));
  });
});
