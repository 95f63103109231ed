import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSequences, metrics } from '../src/eval/conlleval';
import { confusionMatrix, spanErrors, spanReport } from '../src/eval/report';
import { makeRng, randInt } from '../src/util/random';

const TAGS = ['O', 'O', 'O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];

function randomSentences(seed: number, n: number) {
  const rng = makeRng(seed);
  const tags = (len: number) => Array.from({ length: len }, () => TAGS[randInt(rng, TAGS.length)]);
  return Array.from({ length: n }, () => {
    const len = 1 + randInt(rng, 9);
    return { tokens: Array.from({ length: len }, (_, i) => `w${i}`), gold: tags(len), pred: tags(len) };
  });
}

test('lenient span matching gives conlleval overall and per-type figures, on random and ill-formed IOB1/IOB2', () => {
  for (const scheme of ['iob1', 'iob2'] as const) {
    for (let seed = 0; seed < 20; seed++) {
      const sentences = randomSentences(seed, 30);
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
