/**
 * The same sentences in every format give the same model: `ner convert`
 * writes a CoNLL corpus as CSV, JSON Lines, Label Studio and BRAT (and a
 * GMB-style CSV is written by hand), each is read back to the same tokens
 * and tags, and `ner train` with one seed on each saves byte-identical
 * weights, which `ner eval` scores alike.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCorpus } from '../src/io/corpusFormat';
import { formatConll } from '../src/io/conll';
import { ner } from './helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-equality-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => path.join(tmp, name);

// Tokens ner's tokenizer gives back from their text (Label Studio and BRAT hold no tokens), an emoji and a clitic among them.
const SENTENCES: Array<Array<[string, string]>> = [
  [['Angela', 'B-PER'], ['Merkel', 'I-PER'], ['visited', 'O'], ['Paris', 'B-LOC'], ['.', 'O']],
  [['😀', 'O'], ['Siemens', 'B-ORG'], ['opened', 'O'], ['an', 'O'], ['office', 'O'], ['in', 'O'], ['Berlin', 'B-LOC']],
  [['John', 'B-PER'], ['Smith', 'I-PER'], ["'s", 'O'], ['team', 'O'], ['joined', 'O'], ['Google', 'B-ORG'], ['.', 'O']],
  [['The', 'O'], ['German', 'B-MISC'], ['side', 'O'], ['won', 'O'], ['in', 'O'], ['São', 'B-LOC'], ['Paulo', 'I-LOC']],
  [['Rome', 'B-LOC']],
  [['Bank', 'B-ORG'], ['of', 'I-ORG'], ['England', 'I-ORG'], ['raised', 'O'], ['rates', 'O'], ['on', 'O'], ['Monday', 'O'], ['.', 'O']],
];
const tokensOf = (s: Array<[string, string]>) => s.map(([t]) => t);
const tagsOf = (s: Array<[string, string]>) => s.map(([, g]) => g);

/** Options for a model that trains in a second or two. */
const TINY = ['--epochs', '15', '--optimizer', 'adam', '--lr', '0.05', '--embedding-dim', '8', '--hidden-size', '6', '--char-dim', '4', '--char-size', '4', '--casing-dim', '2', '--batch-size', '2', '--seed', '7', '-q'];

test('the same sentences in every format: the same tokens and tags, the same model, the same scores', () => {
  const conll = at('train.conll');
  fs.writeFileSync(conll, formatConll(SENTENCES.map((s) => ({ tokens: tokensOf(s), tags: tagsOf(s) }))));
  // Kaggle's GMB layout: the sentence id on a sentence's first row only, a POS column between.
  const gmb = at('gmb.csv');
  fs.writeFileSync(gmb, ['Sentence #,Word,POS,Tag', ...SENTENCES.flatMap((s, i) => s.map(([t, g], j) => `${j === 0 ? `Sentence: ${i + 1}` : ''},"${t}",X,${g}`))].join('\r\n'));
  const inputs: Array<{ name: string; path: string; args: string[] }> = [
    { name: 'conll', path: conll, args: [] },
    { name: 'gmb', path: gmb, args: ['--token-column', 'Word', '--tag-column', 'Tag', '--sentence-column', 'Sentence #'] },
  ];
  for (const [format, file] of [['csv', 'train.csv'], ['jsonl', 'train.jsonl'], ['labelstudio', 'tasks.json'], ['brat', 'brat']]) {
    const r = ner(['convert', '--input', conll, '--output', at(file), '--output-format', format]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /warning/, `${format}: every sentence reads back the same`);
    inputs.push({ name: format, path: at(file), args: [] });
  }
  for (const input of inputs) {
    const { corpus, notes } = readCorpus(input.path, input.name === 'gmb' ? { tokenColumn: 'Word', tagColumn: 'Tag', sentenceColumn: 'Sentence #' } : {});
    assert.deepEqual(notes, [], input.name);
    assert.deepEqual(corpus.sentences.map((s) => s.tokens), SENTENCES.map(tokensOf), input.name);
    assert.deepEqual(corpus.sentences.map((s) => s.tags), SENTENCES.map(tagsOf), input.name);
  }
  const weights = new Map<string, string>();
  for (const input of inputs) {
    const model = at(`model-${input.name}`);
    const r = ner(['train', '--data', input.path, '--out', model, ...input.args, ...TINY]);
    assert.equal(r.code, 0, `${input.name}: ${r.stderr}`);
    weights.set(input.name, fs.readFileSync(path.join(model, 'weights.bin')).toString('base64'));
  }
  for (const [name, bytes] of weights) assert.ok(bytes === weights.get('conll'), `${name}: the weights trained from CoNLL, byte for byte`);
  const scores = inputs.map((input) => ner(['eval', '--model', at(`model-${input.name}`), '--data', input.path, ...input.args.filter((a) => a !== '-q'), '--json', '-q']));
  for (const s of scores) assert.equal(s.code, 0, s.stderr);
  const overall = scores.map((s) => (JSON.parse(s.stdout) as { overall: { found: number; f1: number } }).overall);
  assert.ok(overall[0].found > 0, 'the model finds entities, so that equal scores say something');
  for (const o of overall) assert.deepEqual(o, overall[0]);
});
