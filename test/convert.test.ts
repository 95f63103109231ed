/**
 * `ner convert`: every format into every other keeps the tokens and tags the
 * target can hold; what it cannot hold is reported; bad inputs and outputs
 * are refused before anything is written.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCorpus } from '../src/io/corpusFormat';
import { assertUserError, ner } from './helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-convert-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => path.join(tmp, name);

/** CoNLL with a BOM, CRLF line ends, documents, an emoji before an entity, IOBES tags, tokens CSV must quote. */
const CONLL = [
  '\uFEFF-DOCSTART- O',
  '',
  '🎉 O',
  'Ana B-PER',
  'Silva E-PER',
  'Silva S-PER',
  'met O',
  'Zoë S-PER',
  '',
  'Bank B-ORG',
  'of I-ORG',
  'Lisbon E-ORG',
  'grew O',
  '" O',
  '1,000 O',
  '',
  '-DOCSTART- O',
  '',
  'Porto S-LOC',
  'won O',
  '',
].join('\r\n');

const FILES: Record<string, string> = { conll: 'c.conll', csv: 'c.csv', jsonl: 'c.jsonl', labelstudio: 'c.json', brat: 'c-brat' };

function sentences(file: string) {
  return readCorpus(file).corpus.sentences.map((s) => ({ tokens: s.tokens, tags: s.tags, document: s.document }));
}

test('a chain through every format comes back with the same tokens and tags (in IOB2 after a span format)', () => {
  const source = at('source.conll');
  fs.writeFileSync(source, CONLL);
  // "Ana Silva" then "Silva": two PER entities side by side, which IOB2 keeps apart with B-.
  const iob2 = [
    { tokens: ['🎉', 'Ana', 'Silva', 'Silva', 'met', 'Zoë'], tags: ['O', 'B-PER', 'I-PER', 'B-PER', 'O', 'B-PER'] },
    { tokens: ['Bank', 'of', 'Lisbon', 'grew', '"', '1,000'], tags: ['B-ORG', 'I-ORG', 'I-ORG', 'O', 'O', 'O'] },
    { tokens: ['Porto', 'won'], tags: ['B-LOC', 'O'] },
  ];
  const iobes = [['O', 'B-PER', 'E-PER', 'S-PER', 'O', 'S-PER'], ['B-ORG', 'I-ORG', 'E-ORG', 'O', 'O', 'O'], ['S-LOC', 'O']];
  let from = source;
  for (const format of ['conll', 'jsonl', 'labelstudio', 'brat', 'conll', 'csv']) {
    const to = at(`chain-${format}-${path.basename(from)}`.replace(/\.\w+$/, '') + (format === 'brat' ? '' : path.extname(FILES[format])));
    const r = ner(['convert', '--input', from, '--output', to, '--output-format', format]);
    assert.equal(r.code, 0, r.stderr);
    // Only csv loses something: the documents.
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('ner: warning:'));
    assert.deepEqual(warnings, format === 'csv' ? [`ner: warning: ${from} has documents; csv keeps sentences only, so a model trained on it reads no document context`] : [], format);
    const got = sentences(to);
    const expected = from === source ? iob2.map((s, i) => ({ ...s, tags: iobes[i] })) : iob2;
    assert.deepEqual(got.map((s) => s.tokens), expected.map((s) => s.tokens), format);
    assert.deepEqual(got.map((s) => s.tags), expected.map((s) => s.tags), format);
    // The first two sentences are one document, the third another (csv holds none).
    const [a, b, c] = got.map((s) => s.document);
    if (format !== 'csv') assert.ok(a === b && b !== c && c !== undefined, `${format}: documents ${a} ${b} ${c}`);
    from = to;
  }
  // BRAT: a document a file, offsets in code points.
  const brat = at('docs-brat');
  assert.equal(ner(['convert', '--input', source, '--output', brat, '--output-format', 'brat', '-q']).code, 0);
  assert.deepEqual(fs.readdirSync(brat).sort(), ['annotation.conf', 'doc-000001.ann', 'doc-000001.txt', 'doc-000002.ann', 'doc-000002.txt']);
  assert.equal(fs.readFileSync(path.join(brat, 'doc-000001.txt'), 'utf8'), '🎉 Ana Silva Silva met Zoë\nBank of Lisbon grew " 1,000\n');
  // Code points: the emoji is one, so Ana starts at 2 (3 in UTF-16).
  assert.equal(fs.readFileSync(path.join(brat, 'doc-000001.ann'), 'utf8'), 'T1\tPER 2 11\tAna Silva\nT2\tPER 12 17\tSilva\nT3\tPER 22 25\tZoë\nT4\tORG 26 40\tBank of Lisbon\n');
  assert.deepEqual(sentences(brat).map((s) => s.document), [0, 0, 1]);
});

test('what a format cannot hold is reported: text tokenised again', () => {
  const file = at('untokenisable.conll');
  // ner's tokenizer cuts the brackets off "(Reuters)": that token does not come back.
  fs.writeFileSync(file, '-DOCSTART- O\n\nwrite O\nto O\n(Reuters) B-ORG\n\nfine O\n');
  const r = ner(['convert', '--input', file, '--output', at('untok.json'), '--output-format', 'labelstudio']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /ner: warning: .*untok\.json: 1 of 2 sentences would read back different; the first, sentence 1 \(line 3\): "write to \(Reuters\)\/B-ORG" comes back as "write to \(\/B-ORG Reuters\/I-ORG \)\/I-ORG" \(labelstudio holds no tokens: ner tokenises its text again\)/);
  assert.doesNotMatch(r.stderr, /has documents/, 'a document of one sentence is no document to keep');
  // The same file as JSONL keeps its tokens: no warning about them.
  const jsonl = ner(['convert', '--input', file, '--output', at('untok.jsonl'), '--output-format', 'jsonl']);
  assert.doesNotMatch(jsonl.stderr, /read back different/);
});

test('bad inputs and outputs are refused, and nothing is written', () => {
  const input = at('in.conll');
  fs.writeFileSync(input, 'Paris B-LOC\n');
  assertUserError(ner(['convert', '--input', input, '--output', input, '--output-format', 'conll']), 2, /in\.conll/);
  const full = at('full-dir');
  fs.mkdirSync(full);
  fs.writeFileSync(path.join(full, 'keep.txt'), 'x');
  assertUserError(ner(['convert', '--input', input, '--output', full, '--output-format', 'brat']), 2, /is a directory that is not empty/);
  assertUserError(ner(['convert', '--input', input, '--output', '-', '--output-format', 'brat']), 2, /writes a directory of files, not standard output/);
  const bad = at('bad.jsonl');
  fs.writeFileSync(bad, '{"text": "Paris", "spans": [{"start": 0, "end": 9, "label": "LOC"}]}\n');
  const out = at('never.conll');
  assertUserError(ner(['convert', '--input', bad, '--output', out, '--output-format', 'conll']), 2, /bad\.jsonl:1: span 1 \[0, 9\) LOC: out of range, the text is 5 code points long/);
  assert.equal(fs.existsSync(out), false);
  assertUserError(ner(['convert', '--input', input, '--output', at('x.csv'), '--output-format', 'csv', '--offsets', 'utf16']), 2, /--offsets applies to jsonl, labelstudio and brat data \(.*in\.conll is conll: the extension \.conll names no other format; --data-format jsonl reads it as jsonl\), got utf16$/);
  assertUserError(ner(['convert', '--input', input, '--output', at('x.csv'), '--output-format', 'csv', '--scheme', 'iobes']), 2, /--scheme says how to read the input's tags as spans, for jsonl, labelstudio and brat output; csv output keeps the tags as they are/);
  assertUserError(ner(['predict', '--model', at('no-model'), '--input-format', 'jsonl', '--token-column', '2']), 2, /--token-column applies to --input-format conll, not jsonl input/);
  assertUserError(ner(['convert', '--input', input, '--output', at('x.csv')]), 2, /Missing required argument: output-format/);
});
