/**
 * The tagging pool of `ner serve` (serve/tagPool.ts): worker threads fed
 * batches merged from concurrent requests must give each request exactly what
 * tagging it alone in this thread gives (inThreadService), in its order; a
 * small request must not wait behind a big one; the queue's limit, an abort
 * and close() must each do what they say. One tiny model, trained with
 * document context, so that paragraphs exercise the grouping of sentences.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ner } from './helpers/cli';
import { initBackend } from '../src/backend';
import { loadModel } from '../src/io/modelStore';
import { QueueFull, TagInput, TagService, inThreadService } from '../src/serve/tagService';
import { TagPool, TagPoolOptions, startTagPool } from '../src/serve/tagPool';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-tag-pool-test-'));
const modelDir = path.join(tmp, 'model');
let reference: TagService;
let pool: TagPool;
const batches: Array<[number, number]> = [];

const SENTENCES = [
  ['Angela B-PER', 'Merkel I-PER', 'visited O', 'Paris B-LOC', '. O'],
  ['Siemens B-ORG', 'opened O', 'an O', 'office O', 'in O', 'Berlin B-LOC'],
  ['John B-PER', 'Smith I-PER', 'joined O', 'Google B-ORG', '. O'],
];
const LINES = ['Angela Merkel visited Paris .', 'Siemens opened an office in Berlin', 'John Smith joined Google .', 'Paris', ''];

const options = (more: Partial<TagPoolOptions> = {}): TagPoolOptions => ({
  modelDir,
  workers: 2,
  backend: 'wasm',
  maxBatchTokens: 64,
  maxDelayMs: 2,
  maxQueue: 100_000,
  ...more,
});

/** A paragraph of `n` sentences, one line. */
const paragraph = (n: number) => Array.from({ length: n }, (_, i) => LINES[i % 4]).join(' ');
/** `n` one-sentence lines. */
const lines = (n: number): TagInput => ({ kind: 'lines', lines: Array.from({ length: n }, (_, i) => LINES[i % LINES.length]), splitSentences: false });

before(async () => {
  const data = path.join(tmp, 'train.conll');
  fs.writeFileSync(data, Array.from({ length: 20 }, () => '-DOCSTART- O\n\n' + SENTENCES.map((s) => s.join('\n') + '\n\n').join('')).join(''));
  const r = ner(['train', '--data', data, '--out', modelDir, '--epochs', '20', '--optimizer', 'adam', '--lr', '0.02', '--char-encoder', 'none', '--hidden-size', '16', '--embedding-dim', '16', '--context-tokens', '32', '-q']);
  assert.equal(r.code, 0, r.stderr);
  await initBackend({ backend: 'wasm', threads: 1 });
  reference = inThreadService(await loadModel(modelDir));
  pool = await startTagPool(options({ onBatch: (sentences, padded) => batches.push([sentences, padded]) }));
});

after(async () => {
  await pool?.close();
  await reference?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('startTagPool', () => {
  test('equals tagging in this thread: lines, paragraphs (documents), tokens, empty lines, a paragraph past the decoding context', async () => {
    assert.ok(pool.ready());
    const inputs: TagInput[] = [
      { kind: 'lines', lines: LINES, splitSentences: false },
      { kind: 'lines', lines: [paragraph(7), '', paragraph(3), '😀 ' + paragraph(2)], splitSentences: true },
      // 1,300 tokens: past the 1,024 read as one sequence, and over a batch's cap.
      { kind: 'lines', lines: [paragraph(260), paragraph(1)], splitSentences: true },
      { kind: 'tokens', sentences: [['John', 'Smith'], [], ['Paris', 'and', 'Berlin']] },
      { kind: 'lines', lines: ['', ''], splitSentences: true },
      { kind: 'lines', lines: ['', ''], splitSentences: false },
      { kind: 'tokens', sentences: [] },
    ];
    const got = await Promise.all(inputs.map((input) => pool.tag(input)));
    for (const [i, input] of inputs.entries()) assert.deepEqual(got[i], await reference.tag(input), `input ${i}`);
    assert.ok(got[0].some((s) => s.entities.length > 0 && s.entities.every((e) => typeof e.confidence === 'number')), 'the model finds entities');
    assert.ok(batches.length > 1 && batches.every(([n, padded]) => n > 0 && padded > 0), JSON.stringify(batches));
  });

  test('20 concurrent requests of mixed sizes each get their own records, in order', async () => {
    const inputs = Array.from({ length: 20 }, (_, i): TagInput => (i % 3 === 0 ? { kind: 'lines', lines: [paragraph(1 + i)], splitSentences: true } : lines(1 + ((i * 7) % 30))));
    const got = await Promise.all(inputs.map((input) => pool.tag(input)));
    for (const [i, input] of inputs.entries()) assert.deepEqual(got[i], await reference.tag(input), `request ${i}`);
    assert.equal(pool.queueDepth(), 0);
  });

  test('small requests started after a big one finish before it', async () => {
    const finished: string[] = [];
    const big = pool.tag(lines(300)).then(() => finished.push('big'));
    // 240 sentences (empty lines are never queued); the first batches may have left already.
    assert.ok(pool.queueDepth() > 200 && pool.queueDepth() <= 240, `${pool.queueDepth()}`);
    const small = Array.from({ length: 4 }, (_, i) => pool.tag(lines(1 + i)).then(() => finished.push(`small ${i}`)));
    await Promise.all([big, ...small]);
    assert.equal(finished.at(-1), 'big', finished.join(', '));
  });

  test('a request that would overfill the queue is refused at once with QueueFull', async () => {
    const tight = await startTagPool(options({ workers: 1, maxQueue: 10 }));
    try {
      const big = tight.tag(lines(100));
      assert.ok(tight.queueDepth() > 10);
      await assert.rejects(tight.tag(lines(1)), (err) => err instanceof QueueFull && err.depth === tight.queueDepth());
      assert.equal((await big).length, 100);
      // An empty queue takes any request, so a request over the limit is never refused forever.
      assert.equal((await tight.tag(lines(50))).length, 50);
    } finally {
      await tight.close();
    }
  });

  test('an abort removes the request from the queue and rejects with its reason; the pool goes on', async () => {
    const controller = new AbortController();
    const big = pool.tag(lines(300), controller.signal);
    const small = pool.tag(lines(3));
    controller.abort(new Error('client gone'));
    await assert.rejects(big, /client gone/);
    assert.ok(pool.queueDepth() <= 3);
    assert.deepEqual(await small, await reference.tag(lines(3)));
    await assert.rejects(pool.tag(lines(1), AbortSignal.abort(new Error('already'))), /already/);
    assert.equal(pool.queueDepth(), 0);
  });

  test('no tensors are left behind in the workers', async () => {
    const before = await pool.workerTensors();
    await Promise.all([pool.tag(lines(200)), pool.tag({ kind: 'lines', lines: [paragraph(40)], splitSentences: true })]);
    assert.deepEqual(await pool.workerTensors(), before);
  });

  test('a worker that cannot load the model fails the start with a clear error', async () => {
    await assert.rejects(startTagPool(options({ modelDir: path.join(tmp, 'no-such-model') })), /tagging worker \d could not start: .*no-such-model: no such model directory/);
  });

  test('close() finishes the work accepted, refuses more, and stops the workers', async () => {
    const closing = await startTagPool(options());
    const work = closing.tag(lines(100));
    const closed = closing.close();
    assert.equal(closing.ready(), false);
    await assert.rejects(closing.tag(lines(1)), /shutting down/);
    assert.equal((await work).length, 100);
    await closed;
    assert.deepEqual(await closing.workerTensors(), []);
  });
});
