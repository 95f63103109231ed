/**
 * Property-based tests (fast-check): garbage into every reader ends in a
 * parse or a clear error; tag-scheme conversions keep entities; CRF
 * invariants hold for random shapes. Each property runs on a fixed seed, so a
 * failure reproduces; fast-check prints the shrunk counterexample.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { NerError } from '../src/errors';
import { parseConll, readConllStream } from '../src/io/conll';
import { readLines } from '../src/io/lines';
import { parseConllevalText } from '../src/eval/conlleval';
import { readEmbeddings } from '../src/io/embeddings';
import { TAG_SCHEMES, convertTags, readChunks, writeChunks } from '../src/data/tagScheme';
import type { TagScheme } from '../src/types';
import { viterbi, viterbiNBest } from '../src/decode/viterbi';
import { forwardBackward, tokenMarginals } from '../src/decode/marginals';
import { crfLogPartition } from '../src/model/crf';
import { initBackend } from '../src/backend';
import { chunks } from './helpers/streams';

const SEED = 20261121;
const runs = (n: number) => ({ seed: SEED, numRuns: n });

/** Text that looks a little like CoNLL: tokens, tags, separators, line breaks, odd characters. */
const conllish = fc
  .array(
    fc.oneof(
      fc.constantFrom('EU', 'B-ORG', 'I-PER', 'O', 'S-X', 'E-', '-DOCSTART-', '-X-', '\uFEFF', 'Zürich', '😀', '', 'B-0'),
      fc.constantFrom(' ', '\t', '\n', '\r\n', '\r', '\n\n'),
      fc.string({ maxLength: 6, unit: 'binary' }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

/** Runs `read`; it must return or throw a NerError (a user error with a message), nothing else. */
async function parsesOrExplains(read: () => unknown): Promise<void> {
  try {
    await read();
  } catch (err) {
    assert.ok(err instanceof NerError, `not a user error: ${(err as Error)?.stack ?? String(err)}`);
    assert.ok(err.message.length > 0);
  }
}

test('parseConll: any text parses or gives a clear error', async () => {
  await fc.assert(
    fc.asyncProperty(conllish, fc.integer({ min: -3, max: 3 }), fc.boolean(), async (text, tagColumn, requireTags) => {
      await parsesOrExplains(() => parseConll(text, 'f.conll', { tagColumn, requireTags }));
    }),
    runs(400),
  );
});

test('the streaming readers on any bytes, in any chunking: a clear error, or what parseConll reads', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), conllish.map((t) => new Uint8Array(Buffer.from(t, 'utf8')))), fc.integer({ min: 1, max: 17 }), async (bytes, size) => {
      let streamed: unknown;
      try {
        const out = [];
        for await (const s of readConllStream(readLines(chunks(bytes, size), 'f'), 'f')) out.push(s);
        streamed = out;
      } catch (err) {
        assert.ok(err instanceof NerError, `not a user error: ${(err as Error)?.stack}`);
        return;
      }
      // Valid input: the same sentences as the whole-text parser.
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      assert.deepEqual(streamed, parseConll(text, 'f').sentences);
    }),
    runs(400),
  );
});

test('parseConllevalText: any text counts or gives a clear error', async () => {
  await fc.assert(
    fc.asyncProperty(conllish, fc.constantFrom<TagScheme | undefined>(undefined, ...TAG_SCHEMES), async (text, scheme) => {
      await parsesOrExplains(() => parseConllevalText(text, 'p.txt', scheme));
    }),
    runs(400),
  );
});

test('readEmbeddings: any file content reads or gives a clear error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-prop-'));
  const vectorish = fc
    .array(fc.oneof(fc.constantFrom('the', '0.5', '-1e3', '2 3', 'nan', '1.', '.', '\n', ' ', '\t', '3 2\n'), fc.string({ maxLength: 5, unit: 'binary' })), { maxLength: 40 })
    .map((p) => p.join(''));
  let n = 0;
  await fc.assert(
    fc.asyncProperty(vectorish, async (text) => {
      const file = path.join(dir, `v${n++}.txt`);
      fs.writeFileSync(file, text);
      await parsesOrExplains(() => readEmbeddings(file));
    }),
    runs(150),
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

const SCHEMES = TAG_SCHEMES;
const anyTags = fc.array(fc.constantFrom('O', 'B-PER', 'I-PER', 'E-PER', 'S-PER', 'L-PER', 'U-PER', 'B-LOC', 'I-LOC', 'S-LOC', 'E-LOC', 'U-LOC'), { maxLength: 12 });

test('scheme conversion keeps the entities, and round-trips, for any tag sequence', async () => {
  await fc.assert(
    fc.property(anyTags, fc.constantFrom(...SCHEMES), fc.constantFrom(...SCHEMES), (tags, from, to) => {
      const chunks = readChunks(tags, from);
      const converted = convertTags(tags, from, to);
      assert.deepEqual(readChunks(converted, to), chunks);
      // Converting back gives the canonical form of the input.
      assert.deepEqual(convertTags(converted, to, from), writeChunks(chunks, tags.length, from));
    }),
    runs(500),
  );
});

/** Random CRF weights and emissions of random shape. */
const crfCase = fc.record({ k: fc.integer({ min: 2, max: 6 }), length: fc.integer({ min: 1, max: 8 }), seed: fc.integer() }).map(({ k, length, seed }) => {
  const rng = fc.sample(fc.float({ min: -4, max: 4, noNaN: true }), { seed, numRuns: k * k + 2 * k + length * k });
  const take = (n: number) => Float32Array.from(rng.splice(0, n));
  return { k, length, weights: { numTags: k, start: take(k), end: take(k), transitions: take(k * k) }, emissions: take(length * k) };
});

test('CRF invariants on random shapes: marginals sum to 1, best score <= log Z, n-best sorted and starting at Viterbi', async () => {
  await fc.assert(
    fc.property(crfCase, ({ k, length, weights, emissions }) => {
      const fb = forwardBackward(emissions, length, weights);
      const marginals = tokenMarginals(fb);
      for (let t = 0; t < length; t++) {
        const sum = marginals.subarray(t * k, (t + 1) * k).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-6);
      }
      const best = viterbi(emissions, length, weights);
      assert.ok(best.score <= fb.logPartition + 1e-6);
      const list = viterbiNBest(emissions, length, weights, 4);
      // Ties make several best paths possible; the best score is unique.
      assert.ok(Math.abs(list[0].score - best.score) < 1e-6);
      for (let i = 1; i < list.length; i++) assert.ok(list[i].score <= list[i - 1].score);
    }),
    runs(300),
  );
});

test('CRF: the tensor forward algorithm equals the plain one on random padded batches', async () => {
  await initBackend({ backend: 'wasm' });
  await fc.assert(
    fc.property(fc.array(crfCase.filter((c) => c.k === 3), { minLength: 1, maxLength: 4 }), (cases) => {
      const T = Math.max(...cases.map((c) => c.length));
      const w = cases[0].weights;
      const emit = cases.map((c) => Array.from({ length: T }, (_, t) => Array.from({ length: 3 }, (_, j) => (t < c.length ? c.emissions[t * 3 + j] : 99))));
      const mask = cases.map((c) => Array.from({ length: T }, (_, t) => (t < c.length ? 1 : 0)));
      const logZ = tf.tidy(() =>
        crfLogPartition(tf.tensor3d(emit), tf.tensor2d(mask), { start: tf.tensor1d(w.start), end: tf.tensor1d(w.end), transitions: tf.tensor2d(w.transitions, [3, 3]) }).arraySync(),
      );
      cases.forEach((c, b) => {
        const expected = forwardBackward(c.emissions, c.length, w).logPartition;
        assert.ok(Math.abs(logZ[b] - expected) < 1e-3 * Math.max(1, Math.abs(expected)), `${logZ[b]} vs ${expected}`);
      });
    }),
    runs(60),
  );
});
