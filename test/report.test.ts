import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSequences, metrics } from '../src/eval/conlleval';
import { confusionMatrix, spanErrors, spanReport } from '../src/eval/report';
import { makeRng, randInt } from '../src/util/random';
import { renderReport } from '../src/report/report';
import type { ModelMetadata } from '../src/model/metadata';
import type { TagScheme } from '../src/types';

const TAGS = ['O', 'O', 'O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];

/** Tags of every prefix a scheme uses, O three times as often. */
function schemeTags(prefixes: string[]): string[] {
  return ['O', 'O', 'O', ...prefixes.flatMap((p) => [`${p}-PER`, `${p}-LOC`])];
}

const SCHEME_TAGS: Record<TagScheme, string[]> = {
  iob1: TAGS,
  iob2: TAGS,
  ioe1: schemeTags(['I', 'E']),
  ioe2: schemeTags(['I', 'E']),
  iobes: schemeTags(['B', 'I', 'E', 'S']),
  bilou: schemeTags(['B', 'I', 'L', 'U']),
};

function randomSentences(seed: number, n: number, vocabulary = TAGS) {
  const rng = makeRng(seed);
  const tags = (len: number) => Array.from({ length: len }, () => vocabulary[randInt(rng, vocabulary.length)]);
  return Array.from({ length: n }, () => {
    const len = 1 + randInt(rng, 9);
    return { tokens: Array.from({ length: len }, (_, i) => `w${i}`), gold: tags(len), pred: tags(len) };
  });
}

test('lenient span matching gives conlleval overall and per-type figures, on random and ill-formed tags of every scheme', () => {
  for (const scheme of Object.keys(SCHEME_TAGS) as TagScheme[]) {
    for (let seed = 0; seed < 20; seed++) {
      const sentences = randomSentences(seed, 30, SCHEME_TAGS[scheme]);
      const reference = metrics(evaluateSequences(sentences, scheme));
      const report = spanReport(sentences, scheme);
      assert.equal(report.micro.support, reference.overall.phrases);
      assert.equal(report.micro.predicted, reference.overall.found);
      assert.equal(report.micro.correct, reference.overall.correct);
      assert.ok(Math.abs(report.micro.f1 - reference.overall.f1) < 1e-9);
      for (const row of report.types) {
        const ref = reference.byType[row.type];
        assert.deepEqual([row.support, row.predicted, row.correct], [ref.gold, ref.found, ref.correct], `${scheme} ${row.type}`);
      }
      const macroF1 = report.types.reduce((a, t) => a + t.f1, 0) / report.types.length;
      assert.ok(Math.abs(report.macro.f1 - macroF1) < 1e-9);
    }
  }
});

test('strict matching counts only well-formed spans (seqeval mode=strict)', () => {
  const sentences = [
    // I-PER after O is a PER chunk to conlleval, not to strict IOB2.
    { tokens: ['a', 'b', 'c'], gold: ['B-PER', 'I-PER', 'O'], pred: ['I-PER', 'I-PER', 'O'] },
    { tokens: ['a', 'b'], gold: ['B-LOC', 'O'], pred: ['B-LOC', 'O'] },
  ];
  const lenient = spanReport(sentences, 'iob2');
  const strict = spanReport(sentences, 'iob2', true);
  assert.deepEqual([lenient.micro.predicted, lenient.micro.correct], [2, 2]);
  assert.deepEqual([strict.micro.predicted, strict.micro.correct, strict.micro.support], [1, 1, 2]);
  assert.equal(strict.micro.recall, 50);
  // IOBES: B-X without E-X is ill-formed.
  const iobes = [{ tokens: ['a', 'b'], gold: ['B-PER', 'E-PER'], pred: ['B-PER', 'I-PER'] }];
  assert.equal(spanReport(iobes, 'iobes', true).micro.predicted, 0);
  assert.equal(spanReport(iobes, 'iobes', false).micro.correct, 1);
});

test('the confusion matrix counts every token once, gold down and predicted across', () => {
  const sentences = randomSentences(7, 40);
  const m = confusionMatrix(sentences);
  assert.equal(m.tags[0], 'O');
  const tokens = sentences.reduce((a, s) => a + s.gold.length, 0);
  assert.equal(m.counts.flat().reduce((a, b) => a + b, 0), tokens);
  const i = m.tags.indexOf('B-PER');
  const j = m.tags.indexOf('I-LOC');
  const expected = sentences.reduce((a, s) => a + s.gold.filter((g, t) => g === 'B-PER' && s.pred[t] === 'I-LOC').length, 0);
  assert.equal(m.counts[i][j], expected);
});

test('errors are classified as missed, spurious, wrong type or wrong boundary, with context', () => {
  const tokens = ['Angela', 'Merkel', 'met', 'Siemens', 'in', 'New', 'York', 'and', 'Paris'];
  const gold = ['B-PER', 'I-PER', 'O', 'B-ORG', 'O', 'B-LOC', 'I-LOC', 'O', 'O'];
  const pred = ['B-PER', 'I-PER', 'O', 'B-LOC', 'O', 'O', 'B-LOC', 'O', 'B-LOC'];
  const errors = spanErrors([{ tokens, gold, pred }], 'iob2', 10);
  assert.deepEqual(
    errors.map((e) => e.kind),
    ['type', 'boundary', 'spurious'],
  );
  assert.equal(errors[1].context, 'Angela Merkel met Siemens in [New {York]} and Paris');
  assert.equal(errors[0].gold?.text, 'Siemens');
  assert.equal(spanErrors([{ tokens, gold, pred }], 'iob2', 2).length, 2);
  assert.deepEqual(spanErrors([{ tokens, gold, pred: gold }], 'iob2', 10), []);
  const missed = spanErrors([{ tokens, gold, pred: tokens.map(() => 'O') }], 'iob2', 10);
  assert.deepEqual(missed.map((e) => `${e.kind}:${e.gold?.text}`), ['missed:Angela Merkel', 'missed:Siemens', 'missed:New York']);
});

test('the training report: curves, per-type bars, a heat map cell per transition, run settings, nothing from the network', () => {
  const tags = ['O', 'B-<X>', 'I-<X>'];
  const k = tags.length;
  const weights = { numTags: k, start: Float32Array.from([0.5, -1, -Infinity]), end: Float32Array.from([0.1, 0.2, 0.3]), transitions: Float32Array.from({ length: k * k }, (_, i) => i - 4) };
  const epochs = [1, 2, 3].map((epoch) => ({ epoch, loss: 10 / epoch, seconds: 2, tokensPerSecond: 1000, learningRate: 0.01, dev: { precision: 50 + epoch, recall: 40 + epoch, f1: 45 + epoch, byType: { '<X>': { precision: 1, recall: 2, f1: 44 + epoch } } } }));
  const meta = {
    format: 'ner-bilstm-crf',
    formatVersion: 1,
    nerVersion: '0.0.0',
    tfjsVersion: '4.22.0',
    savedAt: '2026-11-21T00:00:00.000Z',
    scheme: 'iob2',
    tags: { kind: 'tags', version: 1, tags },
    training: { options: { epochs: 3, optimizer: 'sgd' }, data: { train: 't.conll', dev: 'd.conll', sentences: 10, tokens: 100 }, backend: 'wasm', epochs, bestEpoch: 3, bestDev: epochs[2].dev, stoppedEarly: false, seconds: 6 },
  } as unknown as ModelMetadata;
  const html = renderReport(meta, weights);
  assert.equal((html.match(/<svg/g) ?? []).length, 4);
  assert.equal((html.match(/<polyline/g) ?? []).length, 4, 'loss, P, R, F1');
  assert.match(html, /<title>&lt;X&gt;: 47\.00<\/title>/, 'a bar per type, names escaped');
  // (K+1) x (K+1) cells but the START -> END corner; a score of -Infinity is drawn at the blue extreme.
  assert.equal((html.match(/<rect x="\d+" y="\d+" width="\d+" height="\d+" fill="rgb/g) ?? []).length, (k + 1) * (k + 1) - 1);
  assert.match(html, /<tr class="best"><td>3<\/td>/);
  assert.match(html, /option optimizer<\/th><td>sgd/);
  assert.doesNotMatch(html.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, ''), /https?:\/\//);
  assert.doesNotMatch(html, /<script/);
});
