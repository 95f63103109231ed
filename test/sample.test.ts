import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tokenize } from '../src/io/tokenize';

// Compiled to dist/test/, so the repository root is two levels up.
const ROOT = path.resolve(__dirname, '..', '..');
const SAMPLE = path.join(ROOT, 'data', 'sample');
const SCRIPT = path.join(ROOT, 'dist', 'scripts', 'make-sample.js');
const FILES = ['train.conll', 'dev.conll', 'test.conll', 'sentences.txt'];
const SPLITS = ['train', 'dev', 'test'] as const;
const TYPES = ['PER', 'ORG', 'LOC', 'MISC'];

interface Parsed {
  sentences: Array<{ tokens: string[]; tags: string[] }>;
}

/** A deliberately small reader, independent of src/, that fails on anything not in the documented layout. */
function parseConll(file: string): Parsed {
  const text = fs.readFileSync(file, 'utf8');
  const where = (i: number) => `${path.basename(file)}:${i + 1}`;
  assert.ok(!text.includes('\r'), `${file}: \\r in file`);
  assert.ok(text.endsWith('\n'), `${file}: no final newline`);
  const lines = text.slice(0, -1).split('\n');
  const sentences: Parsed['sentences'] = [];
  let cur: { tokens: string[]; tags: string[] } | null = null;
  assert.equal(lines[0], '-DOCSTART- O', `${file}: must start with -DOCSTART- O`);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') {
      if (cur) sentences.push(cur);
      cur = null;
      continue;
    }
    const fields = line.split(' ');
    assert.equal(fields.length, 2, `${where(i)}: expected "token TAG", got ${JSON.stringify(line)}`);
    const [token, tag] = fields;
    if (token === '-DOCSTART-') {
      assert.equal(tag, 'O', where(i));
      assert.equal(cur, null, `${where(i)}: -DOCSTART- inside a sentence`);
      assert.equal(lines[i + 1], '', `${where(i)}: -DOCSTART- must be followed by a blank line`);
      continue;
    }
    assert.match(tag, /^(O|[BI]-(PER|ORG|LOC|MISC))$/, `${where(i)}: bad tag ${tag}`);
    if (tag.startsWith('I-')) {
      const prev = cur?.tags[cur.tags.length - 1];
      assert.ok(prev === `B-${tag.slice(2)}` || prev === tag, `${where(i)}: ${tag} after ${prev ?? 'sentence start'}`);
    }
    cur ??= { tokens: [], tags: [] };
    cur.tokens.push(token);
    cur.tags.push(tag);
  }
  if (cur) sentences.push(cur);
  return { sentences };
}

test('sample: regenerating gives byte-identical files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-sample-'));
  try {
    // Run outside the repository with a relative --out: it is resolved from the cwd, and nothing else depends on it.
    execFileSync(process.execPath, [SCRIPT, '--out', 'out'], { cwd: dir, stdio: 'pipe' });
    for (const name of FILES) {
      const fresh = fs.readFileSync(path.join(dir, 'out', name));
      const committed = fs.readFileSync(path.join(SAMPLE, name));
      assert.ok(fresh.equals(committed), `${name} differs from data/sample/${name}; rerun node dist/scripts/make-sample.js`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sample: rejects unknown arguments', () => {
  assert.throws(
    () => execFileSync(process.execPath, [SCRIPT, '--bogus'], { stdio: 'pipe' }),
    (err: { status?: number }) => err.status === 2,
  );
});

test('sample: well-formed IOB2, all types in every split, sizes sane', () => {
  let total = 0;
  for (const split of SPLITS) {
    const { sentences } = parseConll(path.join(SAMPLE, `${split}.conll`));
    assert.ok(sentences.length >= 100, `${split}: only ${sentences.length} sentences`);
    for (const type of TYPES) {
      assert.ok(
        sentences.some((s) => s.tags.includes(`B-${type}`)),
        `${split}: no ${type} entity`,
      );
    }
    total += fs.statSync(path.join(SAMPLE, `${split}.conll`)).size;
  }
  assert.ok(total < 500_000, `sample is ${total} bytes`);
});

test('sample: no sentence occurs in two splits', () => {
  const sets = Object.fromEntries(
    SPLITS.map((split) => [
      split,
      new Set(parseConll(path.join(SAMPLE, `${split}.conll`)).sentences.map((s) => s.tokens.join(' '))),
    ]),
  ) as Record<(typeof SPLITS)[number], Set<string>>;
  for (const [a, b] of [['train', 'test'], ['train', 'dev'], ['dev', 'test']] as const) {
    const shared = [...sets[a]].filter((s) => sets[b].has(s));
    assert.deepEqual(shared, [], `sentences in both ${a} and ${b}`);
  }
});

test('sample: sentences.txt tokenizes like the training data', () => {
  const lines = fs.readFileSync(path.join(SAMPLE, 'sentences.txt'), 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'sentences.txt must end with a newline');
  assert.ok(lines.length >= 10, `only ${lines.length} lines`);
  const vocab = new Set(parseConll(path.join(SAMPLE, 'train.conll')).sentences.flatMap((s) => s.tokens));
  let known = 0;
  let count = 0;
  for (const line of lines) {
    const tokens = tokenize(line);
    assert.ok(tokens.length >= 3, `${JSON.stringify(line)} has ${tokens.length} tokens`);
    for (const t of tokens) {
      count++;
      if (vocab.has(t.text)) known++;
    }
  }
  // Names are drawn from those used in train; only numbers and the like may be new.
  assert.ok(known / count >= 0.9, `only ${known} of ${count} demo tokens occur in train.conll`);
});
