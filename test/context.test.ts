/**
 * Document context (src/data/context.ts): sentences of one document packed
 * into one BiLSTM sequence while the CRF still scores each sentence alone.
 * The model-level checks compare against the brute-force CRF on each
 * sentence's slice of the row's emission scores.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { EncodedSentence, makeBatches } from '../src/data/batch';
import type { TokenChars } from '../src/data/features';
import { convertTags } from '../src/data/tagScheme';
import { DECODE_CONTEXT_TOKENS, decodeContextTokens, joinEncoded, packSentences, sentenceLayout } from '../src/data/context';
import { parseConll } from '../src/io/conll';
import { evaluateModel } from '../src/eval/evaluateModel';
import { NerModel } from '../src/model/nerModel';
import { AUTO_BATCH_SIZE, trainModel } from '../src/train/trainer';
import type { Corpus } from '../src/types';
import { PlainCrf, bruteBest, bruteLogPartition, bruteNll } from './helpers/bruteCrf';
import { TINY_OPTIONS, tinyCorpus } from './helpers/tiny';
import { loadModel, saveModel } from '../src/io/modelStore';

describe('packSentences', () => {
  test('greedy within a document, up to maxTokens', () => {
    assert.deepEqual(packSentences([3, 4, 2, 5, 1], [0, 0, 0, 0, 0], 9), [[0, 1, 2], [3, 4]]);
    assert.deepEqual(packSentences([3, 4, 2, 5, 1], [0, 0, 0, 0, 0], 7), [[0, 1], [2, 3], [4]]);
  });

  test('a new document, or a sentence without one, starts a new sequence', () => {
    assert.deepEqual(packSentences([1, 1, 1, 1, 1], [0, 0, 1, 1, 1], 100), [[0, 1], [2, 3, 4]]);
    assert.deepEqual(packSentences([1, 1, 1, 1], [undefined, undefined, 2, 2], 100), [[0], [1], [2, 3]]);
    assert.deepEqual(packSentences([1, 1, 1], undefined, 100), [[0], [1], [2]]);
  });

  test('a sentence longer than maxTokens stands alone; maxTokens 0 puts every sentence alone', () => {
    assert.deepEqual(packSentences([2, 20, 2], [0, 0, 0], 10), [[0], [1], [2]]);
    assert.deepEqual(packSentences([1, 1], [0, 0], 0), [[0], [1]]);
  });

  test('bad arguments are refused', () => {
    assert.throws(() => packSentences([1], [0], -1), /non-negative integer/);
    assert.throws(() => packSentences([1, 2], [0], 5), /2 sentences but 1 document ids/);
  });
});

/** Token t of the sentence has id first + t, and as characters that id, once or twice. */
function encoded(length: number, first: number, index: number): EncodedSentence {
  const ids = Int32Array.from({ length }, (_, t) => first + t);
  const perToken = Array.from(ids, (id) => Array<number>((id % 2) + 1).fill(id));
  const offsets = new Int32Array(length + 1);
  perToken.forEach((c, t) => (offsets[t + 1] = offsets[t] + c.length));
  const chars = { ids: Int32Array.from(perToken.flat()), offsets };
  return { ids, tags: Int32Array.from(ids, (id) => id % 3), casing: Int32Array.from(ids, () => 1), chars, length, index };
}

/** Each token's character ids. */
function tokenCharIds(chars: TokenChars): number[][] {
  return Array.from({ length: chars.offsets.length - 1 }, (_, t) => [...chars.ids.subarray(chars.offsets[t], chars.offsets[t + 1])]);
}

describe('joining sentences and taking them apart', () => {
  test('joinEncoded concatenates ids, tags and features and records the pieces', () => {
    const joined = joinEncoded([encoded(2, 10, 0), encoded(3, 20, 1)], 7);
    assert.deepEqual([...joined.ids], [10, 11, 20, 21, 22]);
    assert.deepEqual([...joined.tags], [1, 2, 2, 0, 1]);
    assert.deepEqual([...joined.pieces!], [2, 3]);
    assert.deepEqual(tokenCharIds(joined.chars!), [[10], [11, 11], [20], [21, 21], [22]]);
    assert.equal(joined.casing!.length, 5);
    assert.equal(joined.length, 5);
    assert.equal(joined.index, 7);
  });

  test('sentenceLayout points every sentence cell at its row cell, padding masked', () => {
    const rows = [joinEncoded([encoded(2, 10, 0), encoded(3, 20, 1)], 0), joinEncoded([encoded(1, 30, 2)], 1)];
    const [batch] = makeBatches(rows, 2);
    assert.equal(batch.maxLength, 5);
    assert.deepEqual(batch.pieces!.map((p) => [...p]), [[2, 3], [1]]);
    const layout = sentenceLayout(batch);
    assert.equal(layout.count, 3);
    assert.equal(layout.maxLength, 3);
    assert.deepEqual([...layout.lengths], [2, 3, 1]);
    // Row 0 holds cells 0..4, row 1 cells 5..9.
    assert.deepEqual([...layout.rows], [0, 1, 0, 2, 3, 4, 5, 0, 0]);
    assert.deepEqual([...layout.mask], [1, 1, 0, 1, 1, 1, 1, 0, 0]);
    assert.deepEqual(
      [...layout.rows].map((r, i) => (layout.mask[i] === 1 ? batch.ids[r] : 0)),
      [10, 11, 0, 20, 21, 22, 30, 0, 0],
    );
  });

  test('batches of single sentences carry no pieces', () => {
    const [batch] = makeBatches([joinEncoded([encoded(2, 10, 0)], 0), encoded(3, 20, 1)], 2);
    assert.equal(batch.pieces, undefined);
  });
});

describe('CoNLL documents', () => {
  test('-DOCSTART- lines number the documents; sentences before any have none', () => {
    const text = 'a O\n\n-DOCSTART- -X- O\n\nb O\n\nc O\n-DOCSTART- O\nd O\n';
    assert.deepEqual(
      parseConll(text, 'x.conll').sentences.map((s) => [s.tokens[0], s.document]),
      [['a', undefined], ['b', 0], ['c', 0], ['d', 1]],
    );
    assert.ok(parseConll('a O\n\nb O\n', 'x.conll').sentences.every((s) => !('document' in s)));
  });
});

/** The tiny corpus as two documents of three sentences. */
function tinyDocuments(): Corpus {
  const corpus = tinyCorpus();
  corpus.sentences.forEach((s, i) => (s.document = i < 3 ? 0 : 1));
  return corpus;
}

function plainCrf(model: NerModel): PlainCrf {
  const w = model.crf.weightsForDecoding();
  const k = w.numTags;
  return { k, start: [...w.start], end: [...w.end], trans: Array.from({ length: k }, (_, i) => [...w.transitions.subarray(i * k, (i + 1) * k)]) };
}

describe('a model trained with document context', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-context-test-'));
  let model: NerModel;
  // Short sentences, so that brute force over every tag path stays small.
  const doc = [['Merkel', 'visited'], ['Paris', 'again', '.'], ['Rome']];
  const gold = [['B-PER', 'O'], ['B-LOC', 'O', 'O'], ['B-LOC']];

  before(async () => {
    await initBackend({ backend: 'wasm' });
    model = await trainModel({ train: tinyDocuments(), options: { ...TINY_OPTIONS, dropout: 0, contextTokens: 12, trainScheme: 'same' } });
  });
  after(() => {
    model.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** One batch: the document joined in one row, and a lone sentence in another (so the first row is not padded and the second is). */
  function docBatch() {
    const parts = model.encode(doc.map((tokens, i) => ({ tokens, tags: gold[i] })), true);
    const lone = model.encode([{ tokens: ['John', 'Smith'], tags: ['B-PER', 'I-PER'] }], true)[0];
    return makeBatches([joinEncoded(parts, 0), joinEncoded([lone], 1)], 2)[0];
  }

  function rowEmissions(row: number): number[][] {
    const batch = docBatch();
    const emissions = model.emissions(batch, false);
    const values = emissions.arraySync()[row];
    emissions.dispose();
    return values.slice(0, batch.lengths[row]);
  }

  test('the model records its context size', () => {
    assert.equal(model.shape.contextTokens, 12);
  });

  test("a row's loss is the sum of its sentences' NLLs, each its own CRF sequence on its slice of the row's emissions", () => {
    const batch = docBatch();
    const crf = plainCrf(model);
    const row0 = rowEmissions(0);
    const ids = (tags: string[]) => tags.map((t) => model.tags.indexOf(t));
    let start = 0;
    let expected = 0;
    doc.forEach((tokens, i) => {
      expected += bruteNll(row0.slice(start, start + tokens.length), ids(gold[i]), crf);
      start += tokens.length;
    });
    expected += bruteNll(rowEmissions(1), ids(['B-PER', 'I-PER']), crf);
    const loss = model.loss(batch);
    const actual = loss.dataSync()[0];
    loss.dispose();
    // The mean over the batch's two rows.
    assert.ok(Math.abs(actual - expected / 2) < 1e-4 * Math.max(1, expected), `loss ${actual}, brute force ${expected / 2}`);
  });

  test("decoding a document: each sentence's best path, n-best and probabilities are those of its own slice", () => {
    const crf = plainCrf(model);
    const row = rowEmissions(0);
    const decoded = model.decode(doc, { documents: [5, 5, 5], nbest: 2, marginals: true, constraints: false });
    let start = 0;
    doc.forEach((tokens, i) => {
      const slice = row.slice(start, start + tokens.length);
      start += tokens.length;
      const best = bruteBest(slice, crf);
      assert.deepEqual(decoded[i].tags, model.tags.decode(best.path), `sentence ${i}`);
      const logProb = best.score - bruteLogPartition(slice, crf);
      assert.ok(Math.abs(decoded[i].nbest![0].logProb - Math.min(0, logProb)) < 1e-4, `sentence ${i}: ${decoded[i].nbest![0].logProb} vs ${logProb}`);
      assert.equal(decoded[i].marginals!.length, tokens.length);
    });
  });

  test('context reaches the emissions: a sentence scores differently with its document than alone', () => {
    const withDoc = model.decode(doc, { documents: [0, 0, 0], marginals: true });
    const alone = model.decode(doc, { marginals: true });
    assert.notDeepEqual(withDoc.map((d) => d.marginals), alone.map((d) => d.marginals));
    // Every sentence its own document is the same as no documents at all.
    assert.deepEqual(model.decode(doc, { documents: [0, 1, 2], marginals: true }), alone);
  });

  test('a document is tagged the same whatever else is in the call', () => {
    const others = tinyCorpus().sentences.map((s) => s.tokens);
    const together = model.decode([...others, ...doc], { documents: [...others.map(() => 1), 2, 2, 2], marginals: true });
    assert.deepEqual(together.slice(others.length), model.decode(doc, { documents: [2, 2, 2], marginals: true }));
  });

  test('decoding reads a document past the training context: the whole document, up to DECODE_CONTEXT_TOKENS', () => {
    // 14 tokens, where the model was trained on rows of up to 12.
    const long = [...doc, ['Merkel', 'left', 'Rome', 'for', 'Paris', '.'], ['Smith', 'stayed']];
    const documents = long.map(() => 3);
    const decoded = model.decode(long, { documents, marginals: true });
    assert.deepEqual(decoded, model.decode(long, { documents, marginals: true, contextTokens: DECODE_CONTEXT_TOKENS }));
    // With rows of 12, the last sentence would be read alone.
    const trainingRows = model.decode(long, { documents, marginals: true, contextTokens: 12 });
    assert.notDeepEqual(decoded[4].marginals, trainingRows[4].marginals);
    assert.deepEqual(model.decode(long, { documents, marginals: true, contextTokens: 0 }), model.decode(long, { marginals: true }));
    assert.throws(() => model.decode(long, { documents, contextTokens: -1 }), /contextTokens must be a non-negative integer, got -1/);
  });

  test('decodeContextTokens: none without training context, else at least DECODE_CONTEXT_TOKENS', () => {
    assert.equal(decodeContextTokens(0), 0);
    assert.equal(decodeContextTokens(12), DECODE_CONTEXT_TOKENS);
    assert.equal(decodeContextTokens(2 * DECODE_CONTEXT_TOKENS), 2 * DECODE_CONTEXT_TOKENS);
  });

  test('save -> load keeps the context, and evaluation reads the corpus documents', async () => {
    const dir = path.join(tmp, 'model');
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    try {
      assert.equal(loaded.shape.contextTokens, 12);
      const corpus = tinyDocuments();
      const documents = corpus.sentences.map((s) => s.document);
      const sentences = corpus.sentences.map((s) => s.tokens);
      assert.deepEqual(loaded.decode(sentences, { documents, marginals: true }), model.decode(sentences, { documents, marginals: true }));
      assert.deepEqual(evaluateModel(loaded, corpus).predictions, model.predict(sentences, { documents }));
    } finally {
      loaded.dispose();
    }
  });

  test('training steps on joined rows and document predictions do not leak tensors', () => {
    const batch = docBatch();
    const variables = model.network.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = tf.train.sgd(1e-3);
    const step = () => tf.tidy(() => optimizer.applyGradients(tf.variableGrads(() => model.loss(batch), variables).grads));
    step();
    const start = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    for (let i = 0; i < 3; i++) model.decode(doc, { documents: [0, 0, 0], confidence: true });
    assert.equal(tf.memory().numTensors, start);
    optimizer.dispose();
  });
});

test('the automatic batch size: 32 sentences, or 8 sequences when document context joins sentences', async () => {
  await initBackend({ backend: 'wasm' });
  // 36 two-token sentences in documents of two: 18 joined rows.
  const corpus = (documents: boolean): Corpus => ({
    file: 'docs.conll',
    sentences: Array.from({ length: 36 }, (_, i) => ({
      tokens: [`w${i}`, 'Paris'],
      tags: ['O', 'B-LOC'],
      lines: [3 * i + 1, 3 * i + 2],
      ...(documents ? { document: Math.floor(i / 2) } : {}),
    })),
  });
  const batchesPerEpoch = async (train: Corpus, contextTokens: number) => {
    let batches = 0;
    const model = await trainModel({ train, options: { ...TINY_OPTIONS, batchSize: 0, epochs: 1, contextTokens }, events: { onStart: (info) => (batches = info.batchesPerEpoch) } });
    model.dispose();
    return batches;
  };
  assert.deepEqual(AUTO_BATCH_SIZE, { sentences: 32, documents: 8 });
  assert.equal(await batchesPerEpoch(corpus(true), 64), 3, '18 rows in batches of 8');
  assert.equal(await batchesPerEpoch(corpus(false), 64), 2, '36 sentences in batches of 32');
  assert.equal(await batchesPerEpoch(corpus(true), 0), 2, 'no context: 36 sentences in batches of 32');
});

test('the epoch loss is per sentence, also when sentences are joined', async () => {
  await initBackend({ backend: 'wasm' });
  const train = tinyDocuments();
  // A learning rate too small to move the weights, and no dropout: the loss of the epoch is that of the final weights.
  const model = await trainModel({ train, options: { ...TINY_OPTIONS, dropout: 0, epochs: 1, batchSize: 1, learningRate: 1e-12, optimizer: 'sgd', momentum: 0, contextTokens: 64 } });
  try {
    const gold = train.sentences.map((s) => ({ ...s, tags: convertTags(s.tags, model.scheme, model.modelScheme) }));
    const encoded = model.encode(gold, true);
    const rows = packSentences(Int32Array.from(encoded, (e) => e.length), train.sentences.map((s) => s.document), 64).map((g, i) => joinEncoded(g.map((j) => encoded[j]), i));
    assert.equal(rows.length, 2, 'two documents, two rows');
    let total = 0;
    for (const batch of makeBatches(rows, 1)) {
      const loss = model.loss(batch);
      total += loss.dataSync()[0] * batch.size;
      loss.dispose();
    }
    const recorded = model.training!.epochs[0].loss;
    assert.ok(Math.abs(recorded - total / train.sentences.length) < 1e-3 * total, `recorded ${recorded}, per sentence ${total / train.sentences.length}`);
  } finally {
    model.dispose();
  }
});
