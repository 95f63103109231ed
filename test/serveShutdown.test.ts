/**
 * `ner serve` as a process: it stops within its deadline on SIGTERM and
 * SIGINT even with slow clients connected, serves metadata without the
 * training machine's paths and with the time the model was saved, and turns
 * addresses it cannot listen on into one-line errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TagService } from '../src/serve/tagService';
import { SHUTDOWN_GRACE_MS, TIMEOUTS, createServer } from '../src/serve/server';
import { fileName, publicMetadata } from '../src/serve/publicMetadata';
import { listenError } from '../src/cli/serve';
import { REPO, ner } from './helpers/cli';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-serve-shutdown-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const model = path.join(tmp, 'model');

before(() => {
  const data = path.join(tmp, 'train.conll');
  fs.writeFileSync(data, 'Angela B-PER\nMerkel I-PER\nvisited O\nParis B-LOC\n\nJohn B-PER\njoined O\nGoogle B-ORG\n');
  const vectors = path.join(tmp, 'vectors.txt');
  fs.writeFileSync(vectors, ['Angela', 'Paris', 'Google'].map((w, i) => `${w} ${Array.from({ length: 8 }, (_, k) => ((i + k) % 5) / 10).join(' ')}`).join('\n') + '\n');
  const r = ner(['train', '--data', data, '--dev', data, '--embeddings', vectors, '--out', model, '--epochs', '1', '--char-encoder', 'none', '--hidden-size', '8', '--context-tokens', '0', '-q']);
  assert.equal(r.code, 0, r.stderr);
});

interface Served {
  child: ChildProcess;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** The drain deadline the tests give `ner serve`, in seconds: short, so that they stay fast. */
const GRACE_S = 2;

/** Starts `ner serve` on a free port and waits for the line with its URL. */
function serve(args: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--model', model, '--port', '0', '--shutdown-timeout', String(GRACE_S), ...args], { env: { ...process.env, NER_DEBUG: '' } });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const port = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout)?.[1];
      if (port !== undefined) resolve({ child, port: Number(port), exited, stderr: () => stderr });
    });
    void exited.then(() => reject(new Error(`ner serve exited before serving: ${stderr}`)));
  });
}

/** A raw connection to the server, with everything it has received. */
function connect(port: number): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves with the exit, or with 'still running' once `ms` have passed. */
function exitWithin(served: Served, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running'> {
  return Promise.race([served.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms).unref())]);
}

// The two signals run side by side: each waits out the grace period.
describe('shutdown', { concurrency: true }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} with a slow client and an idle keep-alive connection: the server exits within its grace period`, async () => {
      const served = await serve();
      try {
        // A client that sends half a request and waits.
        const slow = await connect(served.port);
        slow.socket.write('POST /api/predict HTTP/1.1\r\nHost: localhost\r\nContent-Le');
        // A keep-alive connection, idle after one answered request.
        const idle = await connect(served.port);
        idle.socket.write('GET /api/model HTTP/1.1\r\nHost: localhost\r\n\r\n');
        await until(() => /\r\n\r\n\{.*\}$/s.test(idle.received()), 'the answer to GET /api/model');
        served.child.kill(signal);
        // The deadline plus room for a loaded machine; without the deadline it waits for Node's own
        // 60-second header timeout (or forever, for a client that keeps sending).
        const signalled = Date.now();
        const exit = await exitWithin(served, GRACE_S * 1000 + 3_000);
        assert.notEqual(exit, 'still running', `ner serve still running after ${signal}; stderr:\n${served.stderr()}`);
        assert.deepEqual(exit, { code: 0, signal: null });
        assert.ok(Date.now() - signalled < GRACE_S * 1000 + 3_000, `exited ${Date.now() - signalled} ms after ${signal}`);
        await slow.closed;
        await idle.closed;
        assert.match(served.stderr(), new RegExp(`^${signal}: stopping; requests in progress get ${GRACE_S} s`, 'm'));
      } finally {
        served.child.kill('SIGKILL');
      }
    });
  }

  test('a request in progress when the signal comes is answered, then the server exits', async () => {
    const served = await serve();
    try {
      const client = await connect(served.port);
      const body = JSON.stringify({ text: 'Angela Merkel visited Paris.' });
      client.socket.write(`POST /api/predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
      // The server stops accepting; the rest of the body still arrives, within the grace period.
      const stopping = new Promise<void>((resolve) => served.child.stderr!.on('data', (d) => /stopping/.test(String(d)) && resolve()));
      served.child.kill('SIGTERM');
      await stopping;
      client.socket.write(body.slice(5));
      await client.closed;
      assert.match(client.received(), /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(client.received(), /"entities"/);
      assert.notEqual(await exitWithin(served, GRACE_S * 1000 + 10_000), 'still running');
      const refused = await new Promise<boolean>((resolve) => net.connect(served.port, '127.0.0.1').once('error', () => resolve(true)).once('connect', () => resolve(false)));
      assert.ok(refused, 'no longer accepting');
    } finally {
      served.child.kill('SIGKILL');
    }
  });

  test('/healthz and /readyz answer 200 once the URL is out; /metrics counts the batches tagged', async () => {
    const served = await serve();
    try {
      const base = `http://127.0.0.1:${served.port}`;
      assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal((await fetch(`${base}/api/predict`, { method: 'POST', body: '{"text": "Angela Merkel visited Paris."}' })).status, 200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^ner_batch_sentences_count 1$/m);
      assert.match(metrics, /^ner_tokens_tagged_total 5$/m);
      served.child.kill('SIGTERM');
      assert.deepEqual(await served.exited, { code: 0, signal: null });
    } finally {
      served.child.kill('SIGKILL');
    }
  });

  test('the server sets timeouts against slow clients', () => {
    const server = createServer({} as TagService, {});
    assert.equal(server.headersTimeout, TIMEOUTS.headers);
    assert.equal(server.requestTimeout, TIMEOUTS.request);
    assert.equal(server.keepAliveTimeout, TIMEOUTS.keepAlive);
    assert.ok(TIMEOUTS.headers < 60_000 && TIMEOUTS.request < 300_000, "tighter than Node's defaults");
    assert.equal(SHUTDOWN_GRACE_MS, 10_000, 'the default --shutdown-timeout: 10 s');
  });
});

describe('served metadata', () => {
  let served: Served;
  let base: string;
  before(async () => {
    served = await serve();
    base = `http://127.0.0.1:${served.port}`;
  });
  after(async () => {
    served.child.kill('SIGKILL');
    await served.exited;
  });

  test('/api/model savedAt is the time in metadata.json, not the time of the request', async () => {
    const onDisk = JSON.parse(fs.readFileSync(path.join(model, 'metadata.json'), 'utf8'));
    assert.match(onDisk.savedAt, /^\d{4}-\d\d-\d\dT/);
    await new Promise((r) => setTimeout(r, 20));
    const info = (await (await fetch(`${base}/api/model`)).json()) as { savedAt: string };
    assert.equal(info.savedAt, onDisk.savedAt);
    const served = (await (await fetch(`${base}/model/metadata.json`)).json()) as { savedAt: string };
    assert.equal(served.savedAt, onDisk.savedAt);
  });

  test('no absolute path in /api/model or /model/metadata.json: file names only', async () => {
    const onDisk = JSON.parse(fs.readFileSync(path.join(model, 'metadata.json'), 'utf8'));
    assert.equal(onDisk.training.data.train, path.join(tmp, 'train.conll'), 'the file on disk keeps the path');
    for (const url of ['/api/model', '/model/metadata.json']) {
      const text = await (await fetch(`${base}${url}`)).text();
      assert.ok(!text.includes(tmp), `${url} holds ${tmp}`);
      assert.doesNotMatch(text, /"(\/|[A-Za-z]:\\\\)[^"]*"/, `${url}: a string that is an absolute path`);
      const json = JSON.parse(text);
      assert.equal(json.training.data.train, 'train.conll');
      assert.equal(json.training.data.dev, 'train.conll');
      assert.equal(json.training.options.embeddings, 'vectors.txt');
    }
    // The page still gets what it needs to run the model itself.
    const meta = (await (await fetch(`${base}/model/metadata.json`)).json()) as Record<string, unknown>;
    assert.deepEqual(meta.words, onDisk.words);
    assert.deepEqual(meta.tags, onDisk.tags);
  });

  test('publicMetadata: paths at any depth of the training summary, vocabularies untouched', () => {
    const meta = { words: { words: ['and/or'] }, training: { data: { train: 'C:\\data\\train.conll', dev: null }, options: { embeddings: '/v/glove.txt', optimizer: 'sgd' }, extra: [{ file: 'rel/dir/x.conll' }] } };
    assert.deepEqual(publicMetadata(meta), {
      words: { words: ['and/or'] },
      training: { data: { train: 'train.conll', dev: null }, options: { embeddings: 'glove.txt', optimizer: 'sgd' }, extra: [{ file: 'x.conll' }] },
    });
    assert.equal(meta.training.data.train, 'C:\\data\\train.conll', 'a copy');
    assert.equal(fileName('/models/en/'), 'en');
  });
});

describe('addresses it cannot listen on', () => {
  const oneLine = (args: string[], message: RegExp) => {
    const r = ner(['serve', '--model', model, ...args]);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('backend:') && !l.startsWith('(run '));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], message);
    assert.doesNotMatch(r.stderr, /internal error|^\s+at /m);
  };

  test('--host 999.1.1.1 and an unresolvable host name: exit 2, one line', () => {
    oneLine(['--host', '999.1.1.1', '--port', '0'], /^ner: error: --host 999\.1\.1\.1 is not an IP address or a host name that resolves$/);
    oneLine(['--host', 'no-such-host.invalid', '--port', '0'], /^ner: error: --host no-such-host\.invalid is not/);
  });

  test('an address of another machine (EADDRNOTAVAIL): exit 2, one line', () => {
    oneLine(['--host', '192.0.2.1', '--port', '0'], /^ner: error: --host 192\.0\.2\.1 is not an address of this machine/);
  });

  test('a privileged port as a user without privileges (EACCES): exit 2, one line', (t) => {
    const start = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    if (process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).status !== 0 || !(start > 80)) {
      t.skip('needs root and setpriv to run as nobody, and port 80 privileged');
      return;
    }
    fs.chmodSync(tmp, 0o755);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN, 'serve', '--model', model, '--port', '80'], {
      encoding: 'utf8',
      env: { ...process.env, NER_DEBUG: '' },
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^ner: error: not permitted to listen on port 80 of 127\.0\.0\.1 \(ports below 1024 need privileges\); choose another --port$/m);
  });

  test('serving options out of range: exit 2, one line', () => {
    oneLine(['--workers', '-1'], /^ner: error: --workers must be an integer of 0 or more \(0: tag in the server's own thread\), got -1$/);
    oneLine(['--max-batch-tokens', '1.5'], /^ner: error: --max-batch-tokens must be a positive integer, got 1\.5$/);
    oneLine(['--max-request-tokens', '-1'], /^ner: error: --max-request-tokens must be a positive integer, got -1$/);
    oneLine(['--max-delay-ms', '-1'], /^ner: error: --max-delay-ms must be a number of 0 or more, got -1$/);
    oneLine(['--shutdown-timeout', 'soon'], /^ner: error: --shutdown-timeout must be a finite number, got NaN$/);
    oneLine(['--cors', 'a.com, b.com'], /^ner: error: --cors must be one origin/);
  });

  test('listenError: every listen failure is a user error', () => {
    for (const code of ['EADDRINUSE', 'ENOTFOUND', 'EADDRNOTAVAIL', 'EACCES', 'EWHATEVER']) {
      const err = Object.assign(new Error(`listen ${code}`), { code });
      assert.equal(listenError(err, 'h', 1).exitCode, 2);
    }
  });
});
