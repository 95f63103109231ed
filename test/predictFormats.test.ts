/**
 * `ner predict` in the annotation tools' formats (spans, labelstudio, brat),
 * JSON Lines input with its fields kept, and csv written by csv-stringify.
 * One model, trained once on a corpus small enough to learn by heart, so
 * that it finds the same entities every time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { assertUserError, ner } from './helpers/cli';
import { formatHeader, formatRecord } from '../src/cli/predict';
import type { TaggedSentence } from '../src/predict';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-predict-formats-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const model = path.join(tmp, 'tiny-model');
const write = (name: string, text: string) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
};

/** Confidences vary with the training run; everything else is exact. */
function withoutScores(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutScores);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'confidence' || k === 'score') {
      assert.ok(typeof v === 'number' && v > 0 && v <= 1, `${k} ${String(v)}`);
    } else {
      out[k] = withoutScores(v);
    }
  }
  return out;
}

const jsonLines = (text: string): unknown[] => text.trimEnd().split('\n').map((l) => JSON.parse(l));

/** The model's one LOC-PER-ORG pattern, after an emoji: Angela Merkel starts at UTF-16 index 3 but code point 2. */
const TEXT = '😀 Angela Merkel visited Paris .\n\nJohn Smith joined Google .\n';

before(() => {
  const sentences = [
    ['Angela B-PER', 'Merkel I-PER', 'visited O', 'Paris B-LOC', '. O'],
    ['Siemens B-ORG', 'opened O', 'an O', 'office O', 'in O', 'Berlin B-LOC'],
    ['John B-PER', 'Smith I-PER', 'joined O', 'Google B-ORG', '. O'],
  ];
  const data = write('train.conll', Array.from({ length: 20 }, () => sentences.map((s) => s.join('\n') + '\n\n').join('')).join(''));
  const r = ner(['train', '--data', data, '--out', model, '--epochs', '20', '--optimizer', 'adam', '--lr', '0.02', '--char-encoder', 'none', '--hidden-size', '16', '--embedding-dim', '16', '--context-tokens', '0', '-q']);
  assert.equal(r.code, 0, r.stderr);
});

const predict = (args: string[], input?: string) => ner(['predict', '--model', model, '-q', ...args], { input });

describe('ner predict --output-format spans', () => {
  test('one record per input line (blank ones too), code-point offsets, token texts, confidences', () => {
    const r = predict(['--output-format', 'spans'], TEXT);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(jsonLines(r.stdout).map(withoutScores), [
      {
        text: '😀 Angela Merkel visited Paris .',
        tokens: ['😀', 'Angela', 'Merkel', 'visited', 'Paris', '.'],
        spans: [
          { start: 2, end: 15, label: 'PER' },
          { start: 24, end: 29, label: 'LOC' },
        ],
      },
      { text: '', tokens: [], spans: [] },
      {
        text: 'John Smith joined Google .',
        tokens: ['John', 'Smith', 'joined', 'Google', '.'],
        spans: [
          { start: 0, end: 10, label: 'PER' },
          { start: 18, end: 24, label: 'ORG' },
        ],
      },
    ]);
  });

  test('--split-sentences: still one record per line, its sentences together, offsets into the line', () => {
    const r = predict(['--output-format', 'spans', '--split-sentences'], 'Angela Merkel visited Paris. John Smith joined Google.\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(jsonLines(r.stdout).map(withoutScores), [
      {
        text: 'Angela Merkel visited Paris. John Smith joined Google.',
        tokens: ['Angela', 'Merkel', 'visited', 'Paris', '.', 'John', 'Smith', 'joined', 'Google', '.'],
        spans: [
          { start: 0, end: 13, label: 'PER' },
          { start: 22, end: 27, label: 'LOC' },
          { start: 29, end: 39, label: 'PER' },
          { start: 47, end: 53, label: 'ORG' },
        ],
      },
    ]);
  });

  test('--nbest and --marginals stay json-only', () => {
    assertUserError(predict(['--output-format', 'spans', '--nbest', '2'], TEXT), 2, /--nbest and --marginals need --output-format json/);
    assertUserError(predict(['--output-format', 'labelstudio', '--marginals'], TEXT), 2, /--nbest and --marginals need --output-format json/);
  });
});

describe('ner predict --output-format labelstudio', () => {
  test('one JSON array of tasks with predictions; blank lines make none; model_version is the model name @ when it was saved', () => {
    const out = path.join(tmp, 'tasks.json');
    const r = ner(['predict', '--model', model, '--output-format', 'labelstudio', '--output', out, '-q'], { input: TEXT });
    assert.equal(r.code, 0, r.stderr);
    const text = fs.readFileSync(out, 'utf8');
    assert.match(text, /^\[\{"data":.*\},\n\{"data":.*\}\]\n$/, 'streamed: "[", tasks separated by ",\\n", "]"');
    const savedAt = JSON.parse(fs.readFileSync(path.join(model, 'metadata.json'), 'utf8')).savedAt;
    const version = `tiny-model@${savedAt}`;
    const tasks = JSON.parse(text) as Array<{ predictions: Array<{ score: number; result: Array<{ score: number }> }> }>;
    for (const task of tasks) assert.equal(task.predictions[0].score, Math.min(...task.predictions[0].result.map((x) => x.score)), 'task score: the least confident span');
    const item = (start: number, end: number, text: string, label: string) => ({ from_name: 'label', to_name: 'text', type: 'labels', value: { start, end, text, labels: [label] } });
    assert.deepEqual(withoutScores(tasks), [
      {
        data: { text: '😀 Angela Merkel visited Paris .' },
        predictions: [{ model_version: version, result: [item(2, 15, 'Angela Merkel', 'PER'), item(24, 29, 'Paris', 'LOC')] }],
      },
      {
        data: { text: 'John Smith joined Google .' },
        predictions: [{ model_version: version, result: [item(0, 10, 'John Smith', 'PER'), item(18, 24, 'Google', 'ORG')] }],
      },
    ]);
  });

  test('an empty input gives []', () => {
    const r = predict(['--output-format', 'labelstudio'], '');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[]\n');
  });
});

describe('ner predict --output-format brat', () => {
  test('<input name>.txt with every line, .ann in code points, annotation.conf with the model types', () => {
    const input = write('news.txt', TEXT);
    const out = path.join(tmp, 'brat-new');
    const r = ner(['predict', '--model', model, '--input', input, '--output-format', 'brat', '--output', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /tagged 3 sentences into .*brat-new/);
    assert.deepEqual(fs.readdirSync(out).sort(), ['annotation.conf', 'news.ann', 'news.txt']);
    assert.equal(fs.readFileSync(path.join(out, 'news.txt'), 'utf8'), TEXT);
    // Line 3 starts at code point 31 + 1 + 1 = 33 (the emoji is one code point).
    assert.equal(fs.readFileSync(path.join(out, 'news.ann'), 'utf8'), 'T1\tPER 2 15\tAngela Merkel\nT2\tLOC 24 29\tParis\nT3\tPER 33 43\tJohn Smith\nT4\tORG 51 57\tGoogle\n');
    assert.equal(fs.readFileSync(path.join(out, 'annotation.conf'), 'utf8'), '[entities]\nLOC\nORG\nPER\n\n[relations]\n\n[events]\n\n[attributes]\n');
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-')), [], 'no temporary directory left');
  });

  test('stdin into an existing empty directory: stdin.txt; a JSON Lines text with a line break: fragments', () => {
    const out = path.join(tmp, 'brat-empty');
    fs.mkdirSync(out);
    const r = predict(['--input-format', 'jsonl', '--output-format', 'brat', '--output', out], '{"text": "Angela\\nMerkel visited Paris ."}\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), ['annotation.conf', 'stdin.ann', 'stdin.txt']);
    assert.equal(fs.readFileSync(path.join(out, 'stdin.txt'), 'utf8'), 'Angela\nMerkel visited Paris .\n');
    assert.equal(fs.readFileSync(path.join(out, 'stdin.ann'), 'utf8'), 'T1\tPER 0 6;7 13\tAngela Merkel\nT2\tLOC 22 27\tParis\n');
  });

  test('refused: standard output, a directory that is not empty, a file', () => {
    assertUserError(predict(['--output-format', 'brat'], TEXT), 2, /--output-format brat writes a directory of files, not standard output; give --output DIR/);
    const full = path.join(tmp, 'brat-full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'keep.txt'), 'mine\n');
    assertUserError(predict(['--output-format', 'brat', '--output', full], TEXT), 2, /brat-full: is a directory that is not empty; --output-format brat writes a new or empty directory/);
    assert.deepEqual(fs.readdirSync(full), ['keep.txt']);
    const file = write('brat-file', 'x\n');
    assertUserError(predict(['--output-format', 'brat', '--output', file], TEXT), 2, /brat-file: exists and is not a directory/);
  });
});

describe('ner predict --input-format jsonl', () => {
  const RECORDS = '{"id": 7, "text": "Angela Merkel visited Paris .", "meta": {"source": "web", "weight": 0.123456789}}\n\n{"text": "John Smith joined Google .", "id": 8}\n';

  test('json: one record per input record, its fields first; blank lines skipped', () => {
    const r = predict(['--input-format', 'jsonl', '--output-format', 'json'], RECORDS);
    assert.equal(r.code, 0, r.stderr);
    const records = jsonLines(r.stdout).map(withoutScores);
    assert.deepEqual(records, [
      {
        id: 7,
        meta: { source: 'web', weight: 0.123456789 },
        tokens: ['Angela', 'Merkel', 'visited', 'Paris', '.'],
        tags: ['B-PER', 'I-PER', 'O', 'B-LOC', 'O'],
        entities: [
          { type: 'PER', start: 0, end: 2, text: 'Angela Merkel', charStart: 0, charEnd: 13 },
          { type: 'LOC', start: 3, end: 4, text: 'Paris', charStart: 22, charEnd: 27 },
        ],
      },
      {
        id: 8,
        tokens: ['John', 'Smith', 'joined', 'Google', '.'],
        tags: ['B-PER', 'I-PER', 'O', 'B-ORG', 'O'],
        entities: [
          { type: 'PER', start: 0, end: 2, text: 'John Smith', charStart: 0, charEnd: 10 },
          { type: 'ORG', start: 3, end: 4, text: 'Google', charStart: 18, charEnd: 24 },
        ],
      },
    ]);
    // The fields are written as read (not rounded like the probabilities).
    assert.match(r.stdout.split('\n')[0], /^\{"id":7,"meta":\{"source":"web","weight":0\.123456789\},"tokens":/);
  });

  test('json --split-sentences: a record per sentence with its input line and the fields', () => {
    const r = predict(['--input-format', 'jsonl', '--output-format', 'json', '--split-sentences'], '\n{"id": "a", "text": "Angela Merkel visited Paris. John Smith joined Google."}\n');
    assert.equal(r.code, 0, r.stderr);
    const records = jsonLines(r.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(records.map((rec) => [rec.id, rec.line, (rec.tokens as string[])[0]]), [
      ['a', 2, 'Angela'],
      ['a', 2, 'John'],
    ]);
  });

  test('spans and labelstudio keep the fields (labelstudio: in data, beside text)', () => {
    const spans = predict(['--input-format', 'jsonl', '--output-format', 'spans'], RECORDS);
    assert.equal(spans.code, 0, spans.stderr);
    assert.match(spans.stdout, /^\{"id":7,"meta":\{"source":"web","weight":0\.123456789\},"text":"Angela Merkel visited Paris \.","tokens":\["Angela",/);
    assert.deepEqual(jsonLines(spans.stdout).map((rec) => Object.keys(rec as object)), [
      ['id', 'meta', 'text', 'tokens', 'spans'],
      ['id', 'text', 'tokens', 'spans'],
    ]);
    const ls = predict(['--input-format', 'jsonl', '--output-format', 'labelstudio'], RECORDS);
    assert.equal(ls.code, 0, ls.stderr);
    assert.deepEqual(
      (JSON.parse(ls.stdout) as Array<{ data: unknown }>).map((task) => task.data),
      [
        { id: 7, meta: { source: 'web', weight: 0.123456789 }, text: 'Angela Merkel visited Paris .' },
        { id: 8, text: 'John Smith joined Google .' },
      ],
    );
  });

  test('gold "spans" in the input give way to the predictions, with one warning', () => {
    const gold = '{"id": 1, "text": "Angela Merkel visited Paris .", "spans": [{"start": 0, "end": 6, "label": "X"}]}\n{"id": 2, "text": "Rome .", "spans": []}\n';
    const r = predict(['--input-format', 'jsonl', '--output-format', 'spans'], gold);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('ner: warning')), [`ner: warning: the input records' "spans" field is replaced by the predictions' in the spans output`]);
    assert.doesNotMatch(r.stdout, /"label":"X"/);
    assert.equal(predict(['--input-format', 'jsonl', '--output-format', 'labelstudio'], gold).stderr.includes('warning'), false);
  });

  test('a line that is not JSON, or a record without a string "text": file:line, and no output file', () => {
    const out = path.join(tmp, 'never.json');
    const bad = write('bad.jsonl', '{"text": "Rome ."}\n\n{"text": "Paris ."\n');
    assertUserError(ner(['predict', '--model', model, '--input', bad, '--input-format', 'jsonl', '--output-format', 'spans', '--output', out]), 2, /bad\.jsonl:3: not valid JSON \(.*\); expected one JSON object a line, with a "text" string$/);
    assert.ok(!fs.existsSync(out), 'no output file');
    const noText = write('notext.jsonl', '{"text": "Rome ."}\n{"id": 2, "body": "Paris ."}\n');
    assertUserError(ner(['predict', '--model', model, '--input', noText, '--input-format', 'jsonl', '--output', out]), 2, /notext\.jsonl:2: expected a "text" string in the record, got an object with keys \["id","body"\]$/);
    const numberText = write('number.jsonl', '{"text": 5}\n');
    assertUserError(ner(['predict', '--model', model, '--input', numberText, '--input-format', 'jsonl', '--output', out]), 2, /number\.jsonl:1: expected a "text" string in the record, got "text": 5$/);
    const array = write('array.jsonl', '["Rome ."]\n');
    assertUserError(ner(['predict', '--model', model, '--input', array, '--input-format', 'jsonl', '--output', out]), 2, /array\.jsonl:1: expected a JSON object with a "text" string, got \["Rome \."\]$/);
    assert.ok(!fs.existsSync(out), 'no output file');
    const dir = path.join(tmp, 'never-brat');
    assertUserError(ner(['predict', '--model', model, '--input', bad, '--input-format', 'jsonl', '--output-format', 'brat', '--output', dir]), 2, /bad\.jsonl:3: not valid JSON/);
    assert.ok(!fs.existsSync(dir), 'no output directory');
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-')), [], 'nothing temporary left');
  });
});

describe('csv and tsv', () => {
  const sentence = (text: string): TaggedSentence => ({
    tokens: ['x'],
    tags: ['B-ORG'],
    entities: [{ type: 'ORG', start: 0, end: 1, text, charStart: 0, charEnd: text.length, confidence: 0.87654 }],
  });

  test('ordinary rows are written as before', () => {
    assert.equal(formatHeader('csv'), 'sentence,start,end,type,text,confidence\n');
    assert.equal(formatRecord(sentence('Angela Merkel'), 'csv', 3), '3,0,1,ORG,Angela Merkel,0.8765\n');
    assert.equal(formatRecord({ tokens: ['x'], tags: ['O'], entities: [] }, 'csv', 3), '');
    assert.equal(formatRecord(sentence('a\tb\nc'), 'tsv', 2), '2\t0\t1\tORG\ta b c\t0.8765\n');
  });

  test('a comma, a quote and a line break in an entity round-trip through csv-parse', () => {
    const text = 'Paris, "Texas"\nUSA';
    const csv = formatHeader('csv') + formatRecord(sentence(text), 'csv', 1);
    assert.equal(csv, 'sentence,start,end,type,text,confidence\n1,0,1,ORG,"Paris, ""Texas""\nUSA",0.8765\n');
    assert.deepEqual(parse(csv, { columns: true }), [{ sentence: '1', start: '0', end: '1', type: 'ORG', text, confidence: '0.8765' }]);
  });

  test('through the CLI: jsonl text with a line break inside an entity, parsed back', () => {
    const r = predict(['--input-format', 'jsonl', '--output-format', 'csv'], '{"text": "Angela\\nMerkel visited Paris ."}\n');
    assert.equal(r.code, 0, r.stderr);
    const rows = parse(r.stdout, { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(rows.map((row) => [row.sentence, row.type, row.text]), [
      ['1', 'PER', 'Angela\nMerkel'],
      ['1', 'LOC', 'Paris'],
    ]);
  });
});

test('conll input: spans records of the tokens joined by spaces', () => {
  const r = predict(['--input-format', 'conll', '--output-format', 'spans'], 'Angela\nMerkel\nvisited\nParis\n');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout).map(withoutScores), [
    { text: 'Angela Merkel visited Paris', tokens: ['Angela', 'Merkel', 'visited', 'Paris'], spans: [{ start: 0, end: 13, label: 'PER' }, { start: 22, end: 27, label: 'LOC' }] },
  ]);
});

