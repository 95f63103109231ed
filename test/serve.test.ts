/**
 * `ner serve`: the page, the JSON API, and bad requests answered without
 * taking the server down.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type * as http from 'node:http';
import { initBackend } from '../src/backend';
import type { NerModel } from '../src/model/nerModel';
import { roundProbabilities, tagLines, tagTokens } from '../src/predict';
import { MAX_BODY, createServer, modelInfo } from '../src/serve/server';
import { inThreadService } from '../src/serve/tagService';
import { trainModel } from '../src/train/trainer';
import { TINY_OPTIONS, tinyCorpus } from './helpers/tiny';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './helpers/cli';
import { saveModel } from '../src/io/modelStore';

const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-serve-test-'));
after(() => fs.rmSync(modelDir, { recursive: true, force: true }));
let saved: Promise<void>;

describe('ner serve', () => {
  let model: NerModel;
  let server: http.Server;
  let base: string;
  const same = (value: unknown) => JSON.parse(JSON.stringify(value, roundProbabilities));

  before(async () => {
    await initBackend({ backend: 'wasm' });
    model = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, epochs: 3, optimizer: 'adam', learningRate: 0.02 } });
    saved = saveModel(model, path.join(modelDir, 'model'));
    await saved;
    server = createServer(inThreadService(model), modelInfo(model));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    model.dispose();
  });

  const post = (body: string) => fetch(`${base}/api/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  test('GET / is a self-contained page: nothing loaded from the network', async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/html/);
    const html = await res.text();
    assert.match(html, /<textarea/);
    assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no external scripts, styles or links');
    assert.doesNotMatch(html, /fetch\(['"]https?:/);
  });

  test('POST /api/predict: the records ner predict writes, for text and for sentences', async () => {
    const text = 'Angela Merkel visited Paris. Siemens opened an office in Berlin.\nJohn Smith joined Google.';
    const res = await post(JSON.stringify({ text }));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), same(tagLines(model, text.split('\n'), { confidence: true, splitSentences: true })));
    const lines = ['Angela Merkel visited Paris .', 'Rome'];
    assert.deepEqual(await (await post(JSON.stringify({ sentences: lines }))).json(), same(tagLines(model, lines, { confidence: true })));
    const tokens = [['Angela', 'Merkel', 'visited', 'Paris'], ['Rome']];
    assert.deepEqual(await (await post(JSON.stringify({ sentences: tokens }))).json(), same(tagTokens(model, tokens, { confidence: true })));
  });

  test('GET /api/model: tags, scheme and training summary, without the vocabularies', async () => {
    const info = (await (await fetch(`${base}/api/model`)).json()) as Record<string, unknown>;
    assert.deepEqual(info.tags, model.tags.tags());
    assert.equal(info.scheme, 'iob2');
    assert.ok(info.training !== undefined);
    assert.equal(info.words, undefined);
    assert.equal(info.vocabularySize, model.words.size);
  });

  test('bad requests: a 4xx with a JSON error, and the server keeps serving', async () => {
    const cases: Array<[Promise<Response>, number, RegExp]> = [
      [post('not json'), 400, /not valid JSON/],
      [post('[1, 2]'), 400, /expected a JSON object/],
      [post('{"text": 5}'), 422, /"text" must be a string, got number/],
      [post('{"sentences": [["a b"]]}'), 422, /"sentences" must be all strings/],
      [post('{}'), 422, /expected "text" or "sentences"/],
      [post(JSON.stringify({ text: 'x'.repeat(MAX_BODY) })), 413, /request body over/],
      [fetch(`${base}/nowhere`), 404, /no such page/],
      [fetch(`${base}/api/predict`), 405, /GET is not allowed/],
    ];
    for (const [request, status, message] of cases) {
      const res = await request;
      assert.equal(res.status, status);
      assert.match(((await res.json()) as { error: string }).error, message);
    }
    assert.equal((await post('{"text": "Rome"}')).status, 200, 'still serving');
  });
});

test('the ner serve command prints its URL, serves, and stops cleanly on SIGTERM', async () => {
  await saved;
  const child = spawn(process.execPath, [path.join(REPO, 'dist', 'src', 'cli', 'main.js'), 'serve', '--model', path.join(modelDir, 'model'), '--port', '0', '-q'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /at (http:\/\/\S+)\n/.exec(stdout);
      if (m) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
  });
  const res = await fetch(`${url}api/predict`, { method: 'POST', body: '{"text": "Angela Merkel visited Paris."}' });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as unknown[]).length, 1);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
