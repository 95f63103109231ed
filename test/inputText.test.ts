/**
 * What input text may hold: a byte-order mark counts only at the very start
 * of a file (elsewhere U+FEFF is text and offsets stay exact), and control
 * characters are refused in CoNLL tokens and tags but separate tokens in raw
 * text.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../src/errors';
import { parseConll, readConllStream } from '../src/io/conll';
import { readLines } from '../src/io/lines';
import { tokenize } from '../src/io/tokenize';
import { parseRequest } from '../src/serve/server';
import { assertUserError, ner } from './helpers/cli';
import { collect } from './helpers/streams';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-input-text-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const BOM = '\uFEFF';

async function* bytes(...chunks: string[]): AsyncGenerator<Buffer> {
  for (const c of chunks) yield Buffer.from(c, 'utf8');
}

describe('byte-order marks', () => {
  test('readLines drops a BOM at the start of the input only', async () => {
    const lines = await collect(readLines(bytes(`${BOM}one\n${BOM}two\r\n`, `${BOM}three`), 'f.txt'));
    assert.deepEqual(lines.map((l) => l.text), ['one', `${BOM}two`, `${BOM}three`]);
  });

  test('CoNLL read whole or streamed: the same tokens, a BOM past the start is text', async () => {
    const text = `${BOM}EU B-ORG\n${BOM}rejects O\n\n${BOM}\nPeter B-PER\n`;
    const whole = parseConll(text, 'f.conll').sentences.map((s) => s.tokens);
    const streamed = (await collect(readConllStream(readLines(bytes(text), 'f.conll'), 'f.conll'))).map((s) => s.tokens);
    assert.deepEqual(whole, [['EU', `${BOM}rejects`], ['Peter']]);
    assert.deepEqual(streamed, whole);
    // Two marks at the start: the second is text.
    assert.deepEqual(parseConll(`${BOM}${BOM}EU O\n`, 'f.conll').sentences[0].tokens, [`${BOM}EU`]);
  });
});

describe('control characters', () => {
  test('CoNLL: a NUL or other control character in a token or tag is refused with file:line', () => {
    const refuse = (text: string, line: number, what: string) =>
      assert.throws(
        () => parseConll(text, 'f.conll'),
        (e: unknown) => e instanceof DataError && e.message.startsWith(`f.conll:${line}: the ${what} holds control character`),
      );
    refuse('EU B-ORG\nre\u0000jects O\n', 2, 'token');
    refuse('EU B-ORG\n\nx B-PER\u001b\n', 3, 'tag');
    refuse('a\u0001 O\n', 1, 'token');
    // Tabs separate columns, so they are never part of a token.
    assert.deepEqual(parseConll('EU\tB-ORG\n', 'f.conll').sentences[0].tokens, ['EU']);
  });

  test('raw text: control characters separate tokens and are never part of one', () => {
    const line = 'Angela\u0000Merkel \u0007visited Paris\u001b.';
    const tokens = tokenize(line);
    assert.deepEqual(tokens.map((t) => t.text), ['Angela', 'Merkel', 'visited', 'Paris', '.']);
    for (const t of tokens) assert.equal(line.slice(t.start, t.end), t.text);
    assert.deepEqual(tokenize('see http://x.org/a\u0000b').map((t) => t.text), ['see', 'http://x.org/a', 'b']);
  });

  test('serve: tokens posted as arrays may not hold control characters either (422)', () => {
    assert.throws(
      () => parseRequest({ sentences: [['Angela', 'Mer\u0000kel']] }),
      (e: unknown) => (e as { status?: number }).status === 422 && /without spaces or control characters/.test((e as Error).message),
    );
  });
});

describe('through the CLI', () => {
  const model = path.join(tmp, 'model');
  const data = path.join(tmp, 'train.conll');

  before(() => {
    // A corpus small enough to learn by heart, so the model finds these entities.
    const sentences = [
      ['Angela B-PER', 'Merkel I-PER', 'visited O', 'Paris B-LOC', '. O'],
      ['Siemens B-ORG', 'opened O', 'an O', 'office O', 'in O', 'Berlin B-LOC'],
      ['John B-PER', 'Smith I-PER', 'joined O', 'Google B-ORG', '. O'],
    ];
    fs.writeFileSync(data, Array.from({ length: 20 }, () => sentences.map((s) => s.join('\n') + '\n\n').join('')).join(''));
    const r = ner(['train', '--data', data, '--out', model, '--epochs', '5', '--optimizer', 'adam', '--lr', '0.02', '--schedule', 'anneal', '--word-unk', '0', '--char-encoder', 'none', '--hidden-size', '16', '--embedding-dim', '16', '--context-tokens', '0', '-q']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('predict: a U+FEFF at the start of line 2 keeps offsets exact', () => {
    const input = `${BOM}Angela Merkel visited Paris.\n${BOM}Angela Merkel visited Paris.\nJohn\u0000Smith joined Google.\n`;
    const r = ner(['predict', '--model', model, '--output-format', 'json', '-q'], { input });
    assert.equal(r.code, 0, r.stderr);
    const records = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    // The first line's BOM is the file's and is dropped; the others are text.
    const lines = input.slice(1).trimEnd().split('\n');
    assert.equal(records.length, 3);
    let entities = 0;
    records.forEach((rec, i) => {
      for (const e of rec.entities) {
        entities++;
        assert.equal(lines[i].slice(e.charStart, e.charEnd), e.text, `line ${i + 1}: ${JSON.stringify(e)}`);
      }
    });
    assert.ok(records[1].entities.length > 0, 'an entity on line 2');
    assert.deepEqual(records[2].tokens, ['John', 'Smith', 'joined', 'Google', '.']);
    assert.ok(entities >= 3);
  });

  test('train, check and predict --input-format conll: a NUL in a token is exit 2 naming file:line', () => {
    const bad = path.join(tmp, 'nul.conll');
    fs.writeFileSync(bad, 'EU B-ORG\nrejects O\n\nPe\u0000ter B-PER\n');
    const message = /nul\.conll:4: the token holds control character U\+0000 \(NUL\)/;
    assertUserError(ner(['train', '--data', bad, '--out', path.join(tmp, 'never'), '--epochs', '1']), 2, message);
    assert.ok(!fs.existsSync(path.join(tmp, 'never')));
    assertUserError(ner(['check', '--data', bad]), 2, message);
    const out = path.join(tmp, 'out.conll');
    assertUserError(ner(['predict', '--model', model, '--input', bad, '--input-format', 'conll', '--output', out]), 2, message);
    assert.ok(!fs.existsSync(out), 'nothing written');
  });
});
