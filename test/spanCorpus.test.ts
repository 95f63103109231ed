import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError, OptionError } from '../src/errors';
import { parseJsonlCorpus, readJsonlCorpus } from '../src/io/jsonlCorpus';
import { parseLabelStudio, readLabelStudioCorpus } from '../src/io/labelStudio';
import { spanSentences, type SpanCorpus } from '../src/io/spanCorpus';
import { tokenize } from '../src/io/tokenize';
import { readChunks } from '../src/data/tagScheme';
import { makeRng, randInt } from '../src/util/random';

/** token/tag pairs of every sentence, for compact comparisons. */
function pairs(corpus: SpanCorpus): string[][] {
  return corpus.sentences.map((s) => s.tokens.map((t, i) => `${t}/${s.tags[i]}`));
}

function jsonl(...records: unknown[]): string {
  return records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
}

function dataError(fn: () => unknown, file: string, line: number | undefined, reason: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.equal(err.line, line);
    assert.match(err.reason, reason);
    return true;
  });
}

describe('JSONL shapes', () => {
  test('Prodigy/spaCy spans', () => {
    const c = parseJsonlCorpus(jsonl({ text: 'John Smith lives in Paris.', spans: [{ start: 0, end: 10, label: 'PER' }, { start: 20, end: 25, label: 'LOC' }] }), 'a.jsonl');
    assert.deepEqual(pairs(c), [['John/B-PER', 'Smith/I-PER', 'lives/O', 'in/O', 'Paris/B-LOC', './O']]);
    assert.deepEqual(c.sentences[0].lines, [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(c.notes, []);
  });

  test('Prodigy records: their token dicts are not tokens records; rejected and ignored answers are skipped, with a note', () => {
    const tokens = [{ text: 'Rome', start: 0, end: 4, id: 0 }, { text: '.', start: 4, end: 5, id: 1 }];
    const c = parseJsonlCorpus(
      jsonl(
        { text: 'Rome.', tokens, spans: [{ start: 0, end: 4, label: 'LOC', token_start: 0, token_end: 0 }], answer: 'accept' },
        { text: 'Oslo.', spans: [{ start: 0, end: 4, label: 'PER' }], answer: 'reject' },
      ),
      'p.jsonl',
    );
    assert.deepEqual(pairs(c), [['Rome/B-LOC', './O']]);
    assert.deepEqual(c.notes, ['p.jsonl:2: the answer is "reject", not "accept"; record skipped']);
  });

  test('a record that lists its tokens keeps them and is one sentence: strings, or Prodigy dicts in code points', () => {
    // ner's tokenizer would cut "(Reuters)" and split the text at ". He"; the record's tokens say otherwise.
    const text = '😀 (Reuters) said so. He left';
    const strings = ['😀', '(Reuters)', 'said', 'so.', 'He', 'left'];
    const span = { start: 2, end: 11, label: 'ORG' };
    const c = parseJsonlCorpus(jsonl({ text, tokens: strings, spans: [span] }), 't.jsonl');
    assert.deepEqual(pairs(c), [['😀/O', '(Reuters)/B-ORG', 'said/O', 'so./O', 'He/O', 'left/O']]);
    assert.deepEqual(c.notes, []);
    const points = [[0, 1], [2, 11], [12, 16], [17, 20], [21, 23], [24, 28]].map(([start, end], id) => ({ text: strings[id], start, end, id }));
    assert.deepEqual(pairs(parseJsonlCorpus(jsonl({ text, tokens: points, spans: [span] }), 't.jsonl')), pairs(c));
    // A span edge inside a listed token still cuts it, with a note.
    const cut = parseJsonlCorpus(jsonl({ text, tokens: strings, spans: [{ start: 3, end: 10, label: 'ORG' }] }), 't.jsonl');
    assert.deepEqual(pairs(cut)[0].slice(1, 4), ['(/O', 'Reuters/B-ORG', ')/O']);
    assert.equal(cut.notes.length, 1);
    dataError(() => parseJsonlCorpus(jsonl({ text, tokens: ['😀', 'said'], spans: [] }), 't.jsonl'), 't.jsonl', 1, /^token 2: the text "\(Reuters\)" before it is in no token; "tokens" must cover the text's words, in order$/);
    dataError(() => parseJsonlCorpus(jsonl({ text, tokens: strings.slice(0, 4), spans: [] }), 't.jsonl'), 't.jsonl', 1, /^after token 4: the text "He left" before it is in no token/);
    dataError(() => parseJsonlCorpus(jsonl({ text, tokens: ['😀', 'Reuters'], spans: [] }), 't.jsonl'), 't.jsonl', 1, /^token 2: the text "\(" before it is in no token/);
    dataError(() => parseJsonlCorpus(jsonl({ text: 'a b', tokens: [{ start: 0, end: 3 }], spans: [] }), 't.jsonl'), 't.jsonl', 1, /^token 1 "a b" holds a space; a token cannot$/);
    dataError(
      () => parseJsonlCorpus(jsonl({ text: '😀 Paris', tokens: [{ start: 0, end: 1 }, { start: 1, end: 2 }, { start: 3, end: 8 }], spans: [] }), 't.jsonl', { offsets: 'utf16' }),
      't.jsonl',
      1,
      /^token 1 .*: an offset falls inside a surrogate pair/,
    );
    // A zero-width space inside a token is part of it, as CoNLL files have them.
    assert.deepEqual(pairs(parseJsonlCorpus(jsonl({ text: 'watched\u200Bwas', tokens: ['watched\u200Bwas'], spans: [] }), 'z.jsonl')), [['watched\u200Bwas/O']]);
    // spaCy lists the space between paragraphs as a token; it is no word.
    const spaced = parseJsonlCorpus(jsonl({ text: 'Hello\n\nParis', tokens: ['Hello', '\n\n', 'Paris'], spans: [{ start: 7, end: 12, label: 'LOC' }] }), 's.jsonl');
    assert.deepEqual(pairs(spaced), [['Hello/O', 'Paris/B-LOC']]);
    dataError(() => parseJsonlCorpus(jsonl({ text, tokens: [{ start: 0, end: 99 }], spans: [] }), 't.jsonl'), 't.jsonl', 1, /^token 1: expected a string or \{"start", "end"\} with 0 <= start < end <= 28 \(offsets counted in code points/);
  });

  test('a label that is a tag is refused; a record with both "spans" and "label" reads the spans, noted', () => {
    const rec = (label: string) => jsonl({ text: 'Paris', spans: [{ start: 0, end: 5, label }] });
    dataError(() => parseJsonlCorpus(rec('B-LOC'), 'l.jsonl'), 'l.jsonl', 1, /^span 1: the label "B-LOC" is a tag, not an entity type \(write "LOC"\)$/);
    dataError(() => parseJsonlCorpus(rec('O'), 'l.jsonl'), 'l.jsonl', 1, /^span 1: the label "O" is a tag, not an entity type \(O marks no entity: leave the span out\)$/);
    assert.deepEqual(pairs(parseJsonlCorpus(rec('B'), 'l.jsonl')), [['Paris/B-B']]);
    const both = parseJsonlCorpus(jsonl({ text: 'Paris', spans: [{ start: 0, end: 5, label: 'LOC' }], label: [[0, 5, 'PER']] }), 'l.jsonl');
    assert.deepEqual(pairs(both), [['Paris/B-LOC']]);
    assert.deepEqual(both.notes, ['l.jsonl:1: the record has both "spans" and "label"; the spans are read']);
  });

  test('a record is a document; consecutive records with the same "document" are one', () => {
    const c = parseJsonlCorpus(
      jsonl(
        { text: 'Leeds won.', spans: [], document: 'a' },
        { tokens: ['Leeds', 'lost'], tags: ['B-ORG', 'O'], document: 'a' },
        { text: 'Rome. Oslo.', spans: [] },
        { text: 'Paris.', spans: [], document: 'a' },
      ),
      'd.jsonl',
    );
    assert.deepEqual(c.sentences.map((s) => s.document), [0, 0, 1, 1, 2]);
    dataError(() => parseJsonlCorpus(jsonl({ text: 'a', spans: [], document: [1] }), 'd.jsonl'), 'd.jsonl', 1, /^expected "document" to be a string or a number naming the record's document, got \[1\]$/);
    const tasks = (document?: unknown) => ({ data: { text: 'Rome.', document }, annotations: [{ result: [] }] });
    assert.deepEqual(parseLabelStudio(JSON.stringify([tasks(7), tasks(7), tasks()]), 'ls.json').sentences.map((s) => s.document), [0, 0, 1]);
  });

  test('doccano "label" and "labels" triples; blank lines skipped, record numbers are line numbers', () => {
    const text = jsonl({ text: 'Visit Berlin.', label: [[6, 12, 'LOC']] }, '', '   ', { text: 'IBM hired Ann.', labels: [[0, 3, 'ORG'], [10, 13, 'PER']] });
    const c = parseJsonlCorpus(text, 'd.jsonl');
    assert.deepEqual(pairs(c), [['Visit/O', 'Berlin/B-LOC', './O'], ['IBM/B-ORG', 'hired/O', 'Ann/B-PER', './O']]);
    assert.deepEqual(c.sentences[1].lines, [4, 4, 4, 4]);
    assert.equal(c.sentences[0].document, 0);
    assert.equal(c.sentences[1].document, 1);
  });

  test('tokens/tags and ner_tags records; integer ids only with tagNames', () => {
    const c = parseJsonlCorpus(jsonl({ tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'] }, { tokens: ['Peter'], ner_tags: ['B-PER'] }), 't.jsonl');
    assert.deepEqual(pairs(c), [['EU/B-ORG', 'rejects/O'], ['Peter/B-PER']]);
    assert.deepEqual(c.sentences[1].lines, [2]);
    const ids = jsonl({ tokens: ['EU', 'rejects'], ner_tags: [3, 0] });
    assert.deepEqual(pairs(parseJsonlCorpus(ids, 'i.jsonl', { tagNames: ['O', 'B-PER', 'I-PER', 'B-ORG'] })), [['EU/B-ORG', 'rejects/O']]);
    dataError(() => parseJsonlCorpus(ids, 'i.jsonl'), 'i.jsonl', 1, /integer tags need their names \(--tag-names O,B-PER,\.\.\.; tagNames in the library\)/);
    dataError(() => parseJsonlCorpus(ids, 'i.jsonl', { tagNames: ['O'] }), 'i.jsonl', 1, /expected an id from 0 to 0, got 3/);
    dataError(() => parseJsonlCorpus(jsonl({ tokens: ['a', 'b'], tags: ['O'] }), 'n.jsonl'), 'n.jsonl', 1, /2 tokens but 1 tags/);
  });

  test('CRLF line ends and a BOM', () => {
    const text = '\uFEFF' + JSON.stringify({ text: 'Rome.', spans: [{ start: 0, end: 4, label: 'LOC' }] }) + '\r\n\r\n' + JSON.stringify({ text: 'Oslo.', spans: [{ start: 0, end: 4, label: 'LOC' }] }) + '\r\n';
    const c = parseJsonlCorpus(text, 'w.jsonl');
    assert.deepEqual(pairs(c), [['Rome/B-LOC', './O'], ['Oslo/B-LOC', './O']]);
    assert.deepEqual(c.sentences[1].lines, [3, 3]);
  });

  test('a bad record is a DataError at file:record saying what was expected', () => {
    const good = { text: 'Rome.', spans: [] };
    dataError(() => parseJsonlCorpus(jsonl(good, '{"text": "x", ', good), 'b.jsonl'), 'b.jsonl', 2, /not valid JSON/);
    dataError(() => parseJsonlCorpus(jsonl(good, good, { words: ['a'] }), 'b.jsonl'), 'b.jsonl', 3, /expected \{"text", "spans".*got an object with keys \["words"\]/);
    dataError(() => parseJsonlCorpus(jsonl([1, 2]), 'b.jsonl'), 'b.jsonl', 1, /got \[1,2\]/);
    dataError(() => parseJsonlCorpus(jsonl({ text: 'abc' }), 'b.jsonl'), 'b.jsonl', 1, /none of "spans", "label", "labels"/);
    const span = (s: unknown, e: unknown, label: unknown = 'X') => jsonl({ text: 'Rome is old.', spans: [{ start: s, end: e, label }] });
    dataError(() => parseJsonlCorpus(span(0, 40), 'b.jsonl'), 'b.jsonl', 1, /span 1 \[0, 40\) X: out of range, the text is 12 code points long/);
    dataError(() => parseJsonlCorpus(span(-1, 3), 'b.jsonl'), 'b.jsonl', 1, /out of range/);
    dataError(() => parseJsonlCorpus(span(4, 4), 'b.jsonl'), 'b.jsonl', 1, /empty, expected start < end/);
    dataError(() => parseJsonlCorpus(span(0, 1.5), 'b.jsonl'), 'b.jsonl', 1, /expected an integer end offset, got 1.5/);
    dataError(() => parseJsonlCorpus(span('0', 4), 'b.jsonl'), 'b.jsonl', 1, /expected an integer start offset, got "0"/);
    dataError(() => parseJsonlCorpus(span(0, 4, ''), 'b.jsonl'), 'b.jsonl', 1, /expected a label that is a non-empty string/);
    dataError(() => parseJsonlCorpus(jsonl({ text: 'a', label: [[0, 1]] }), 'b.jsonl'), 'b.jsonl', 1, /"label" item 1: expected \[start, end, label\], got \[0,1\]/);
    dataError(() => parseJsonlCorpus('\n\n', 'e.jsonl'), 'e.jsonl', undefined, /no sentences found/);
  });
});

describe('offsets', () => {
  // U+1F600 is one code point, two UTF-16 units.
  const text = '\u{1F600} Paris is nice.';

  test('code points (the default): an emoji before an entity', () => {
    const c = parseJsonlCorpus(jsonl({ text, spans: [{ start: 2, end: 7, label: 'LOC' }] }), 'e.jsonl');
    assert.deepEqual(pairs(c), [['\u{1F600}/O', 'Paris/B-LOC', 'is/O', 'nice/O', './O']]);
  });

  test('UTF-16 units, for files made in JavaScript', () => {
    const c = parseJsonlCorpus(jsonl({ text, spans: [{ start: 3, end: 8, label: 'LOC' }] }), 'e.jsonl', { offsets: 'utf16' });
    assert.deepEqual(pairs(c), [['\u{1F600}/O', 'Paris/B-LOC', 'is/O', 'nice/O', './O']]);
  });

  test('offsets in the other unit: where the file says what a span covers, the mismatch is noted', () => {
    const tasks = [{ data: { text: '\u{1F600}\u{1F600} Anna came.' }, annotations: [{ result: [{ type: 'labels', value: { start: 5, end: 9, text: 'Anna', labels: ['PER'] } }] }] }];
    assert.deepEqual(parseLabelStudio(JSON.stringify(tasks), 'u.json', { offsets: 'utf16' }).notes, []);
    const c = parseLabelStudio(JSON.stringify(tasks), 'u.json');
    assert.deepEqual(c.notes.filter((n) => !/cut at a span boundary/.test(n)), [
      'u.json:1: span 1 [5, 9) PER covers "na c" but the file says "Anna"; kept as the offsets say (offsets counted in code points; --offsets utf16 if the file counts UTF-16 units)',
    ]);
  });

  test('an unknown offset unit or bad tag names are option errors', () => {
    assert.throws(() => parseJsonlCorpus('', 'x', { offsets: 'bytes' as never }), (e: unknown) => e instanceof OptionError && e.message === "offsets must be 'codepoint' or 'utf16', got bytes");
    assert.throws(() => parseLabelStudio('[]', 'x', { tagNames: ['O', ''] }), OptionError);
  });

  test('UTF-16 offsets inside a surrogate pair are an error that suggests code points', () => {
    dataError(() => parseJsonlCorpus(jsonl({ text, spans: [{ start: 1, end: 7, label: 'LOC' }] }), 'e.jsonl', { offsets: 'utf16' }), 'e.jsonl', 1, /inside a surrogate pair.*--offsets codepoint/);
  });
});

describe('spans made to fit tokens and sentences', () => {
  test('overlapping spans: the longer is kept and the dropped one noted', () => {
    const c = parseJsonlCorpus(jsonl({ text: 'New York City is big.', spans: [{ start: 0, end: 8, label: 'LOC' }, { start: 4, end: 13, label: 'GPE' }, { start: 0, end: 3, label: 'MISC' }] }), 'o.jsonl');
    // GPE (9) beats LOC (8); MISC does not overlap GPE, so it stays.
    assert.deepEqual(pairs(c), [['New/B-MISC', 'York/B-GPE', 'City/I-GPE', 'is/O', 'big/O', './O']]);
    assert.equal(c.notes.length, 1);
    assert.match(c.notes[0], /^o\.jsonl:1: span \[0, 8\) LOC overlaps \[4, 13\) GPE, which is longer; dropped \[0, 8\) LOC$/);
  });

  test('overlapping spans: a tie in length goes to the earlier', () => {
    const c = parseJsonlCorpus(jsonl({ text: 'New York City', spans: [{ start: 4, end: 13, label: 'B' }, { start: 0, end: 8, label: 'A' }] }), 'o.jsonl', { offsets: 'utf16' });
    assert.deepEqual(pairs(c), [['New/O', 'York/B-B', 'City/I-B']]);
    const tie = parseJsonlCorpus(jsonl({ text: 'Ab Cd Ef', spans: [{ start: 3, end: 8, label: 'B' }, { start: 0, end: 5, label: 'A' }] }), 'o.jsonl');
    assert.deepEqual(pairs(tie), [['Ab/B-A', 'Cd/I-A', 'Ef/O']]);
    assert.deepEqual(tie.notes, ['o.jsonl:1: span [3, 8) B overlaps [0, 5) A, which is as long and comes first; dropped [3, 8) B']);
  });

  test('a span inside a word cuts the word at its boundary, with a note', () => {
    const c = parseJsonlCorpus(jsonl({ text: 'A Parisian cafe.', spans: [{ start: 2, end: 7, label: 'LOC' }] }), 'm.jsonl');
    assert.deepEqual(pairs(c), [['A/O', 'Paris/B-LOC', 'ian/O', 'cafe/O', './O']]);
    assert.match(c.notes.join('\n'), /m\.jsonl:1: the token "Parisian" is cut at a span boundary/);
  });

  test('spaces at a span edge are trimmed and a span of spaces dropped, both noted', () => {
    const c = parseJsonlCorpus(jsonl({ text: 'in  Rome  now', spans: [{ start: 2, end: 9, label: 'LOC' }, { start: 9, end: 10, label: 'X' }] }), 's.jsonl');
    assert.deepEqual(pairs(c), [['in/O', 'Rome/B-LOC', 'now/O']]);
    assert.equal(c.notes.length, 2);
    assert.match(c.notes[0], /span 1 \[2, 9\) LOC: spaces at its edges trimmed/);
    assert.match(c.notes[1], /span 2 \[9, 10\) X covers only spaces; dropped/);
  });

  test('sentences are split, but never inside a span: sentences cut inside one are merged, with a note', () => {
    const text = 'He works at Yahoo! Inc. in Ohio. Bye.';
    assert.equal(parseJsonlCorpus(jsonl({ text, spans: [] }), 'x.jsonl').sentences.length, 3);
    const start = text.indexOf('Yahoo');
    const end = text.indexOf(' in');
    const c = parseJsonlCorpus(jsonl({ text, spans: [{ start, end, label: 'ORG' }] }), 'x.jsonl');
    assert.deepEqual(pairs(c), [
      ['He/O', 'works/O', 'at/O', 'Yahoo/B-ORG', '!/I-ORG', 'Inc./I-ORG', 'in/O', 'Ohio/O', './O'],
      ['Bye/O', './O'],
    ]);
    assert.deepEqual(c.notes, ['x.jsonl:1: a sentence boundary fell inside span [12, 23) ORG; the two sentences are kept as one']);
  });
});

describe('Label Studio', () => {
  const tasks = [
    {
      id: 1,
      data: { text: '\u{1F600} Anna visits Oslo.' },
      annotations: [
        { id: 10, was_cancelled: false, updated_at: '2024-01-01T10:00:00Z', result: [{ type: 'labels', value: { start: 2, end: 6, labels: ['PER'] } }] },
        { id: 11, was_cancelled: true, updated_at: '2024-03-01T10:00:00Z', result: [{ type: 'labels', value: { start: 14, end: 18, labels: ['ORG'] } }] },
        {
          id: 12,
          was_cancelled: false,
          updated_at: '2024-02-01T10:00:00Z',
          result: [
            { type: 'labels', value: { start: 2, end: 6, labels: ['PER', 'NAME'] } },
            { type: 'labels', value: { start: 14, end: 18, labels: ['LOC'] } },
            { type: 'choices', value: { choices: ['travel'] } },
          ],
        },
      ],
    },
    { id: 2, data: { text: 'Nothing here.' }, annotations: [{ was_cancelled: true, result: [] }] },
  ];

  test('the latest annotation that is not cancelled counts; code-point offsets; extra labels and skipped tasks noted', () => {
    const c = parseLabelStudio(JSON.stringify(tasks), 'ls.json');
    assert.deepEqual(pairs(c), [['\u{1F600}/O', 'Anna/B-PER', 'visits/O', 'Oslo/B-LOC', './O']]);
    assert.deepEqual(c.sentences[0].lines, [1, 1, 1, 1, 1]);
    assert.equal(c.notes.length, 2);
    assert.match(c.notes[0], /^ls\.json:1: result 1 \[2, 6\) has 2 labels \["PER","NAME"\]; took the first$/);
    assert.match(c.notes[1], /^ls\.json:2: task 2 has no annotation that is not cancelled; skipped$/);
  });

  test('a malformed task names its record', () => {
    const bad = [tasks[0], { data: { body: 'x' }, annotations: [] }];
    dataError(() => parseLabelStudio(JSON.stringify(bad), 'ls.json'), 'ls.json', 2, /task 2: expected "data": \{"text": "..."\}/);
    dataError(() => parseLabelStudio('{"a": 1}', 'ls.json'), 'ls.json', undefined, /an array of tasks/);
  });
});

describe('files', () => {
  test('read from disk, strictly UTF-8', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spans-'));
    try {
      const j = path.join(dir, 'a.jsonl');
      fs.writeFileSync(j, jsonl({ text: 'Rome.', spans: [{ start: 0, end: 4, label: 'LOC' }] }));
      assert.deepEqual(pairs(readJsonlCorpus(j)), [['Rome/B-LOC', './O']]);
      const l = path.join(dir, 'ls.json');
      fs.writeFileSync(l, JSON.stringify([{ data: { text: 'Rome.' }, annotations: [{ result: [{ type: 'labels', value: { start: 0, end: 4, labels: ['LOC'] } }] }] }]));
      assert.deepEqual(pairs(readLabelStudioCorpus(l)), [['Rome/B-LOC', './O']]);
      const bad = path.join(dir, 'bad.jsonl');
      fs.writeFileSync(bad, Buffer.concat([Buffer.from(jsonl({ text: 'a', spans: [] })), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]));
      dataError(() => readJsonlCorpus(bad), bad, 2, /not valid UTF-8/);
      dataError(() => readJsonlCorpus(path.join(dir, 'none.jsonl')), path.join(dir, 'none.jsonl'), undefined, /no such file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('round trip', () => {
  /** Spans back from the tags, through the tokens' offsets (tokens are re-found in order in the text). */
  function backToSpans(text: string, tokens: string[], tags: string[], from: number): { spans: [number, number, string][]; next: number } {
    const offsets: [number, number][] = [];
    let pos = from;
    for (const t of tokens) {
      const at = text.indexOf(t, pos);
      assert.ok(at >= 0, `token ${t} not found`);
      offsets.push([at, at + t.length]);
      pos = at + t.length;
    }
    const spans = readChunks(tags, 'iob2').map((c): [number, number, string] => [offsets[c.start][0], offsets[c.end - 1][1], c.type]);
    return { spans, next: pos };
  }

  test('spans -> tags -> spans gives the same spans for well-formed input', () => {
    const cases: { text: string; spans: [number, number, string][] }[] = [
      { text: 'John Smith met Mary in New York. They flew to Paris!', spans: [[0, 10, 'PER'], [15, 19, 'PER'], [23, 31, 'LOC'], [46, 51, 'LOC']] },
      { text: 'Apple Inc. and IBM sued Acme-Corp over U.S. patents.', spans: [[0, 10, 'ORG'], [15, 18, 'ORG'], [24, 33, 'ORG'], [39, 43, 'LOC']] },
      { text: 'Paris Berlin', spans: [[0, 5, 'LOC'], [6, 12, 'LOC']] },
      { text: 'The Parisian way', spans: [[4, 9, 'LOC']] },
    ];
    for (const { text, spans } of cases) {
      for (const [s, e] of spans) assert.equal(text.slice(s, e).trim(), text.slice(s, e));
      const notes: string[] = [];
      const sentences = spanSentences(text, spans.map(([start, end, label]) => ({ start, end, label })), { file: 'r', record: 1, document: 0 }, { offsets: 'utf16' }, notes);
      let next = 0;
      const back: [number, number, string][] = [];
      for (const s of sentences) {
        const r = backToSpans(text, s.tokens, s.tags, next);
        back.push(...r.spans);
        next = r.next;
      }
      assert.deepEqual(back, spans, text);
    }
  });

  test('the tokens are the tokenizer\'s where no span cuts a word', () => {
    const text = 'Mr. Smith visited the U.S. in 1999.';
    const c = parseJsonlCorpus(jsonl({ text, spans: [{ start: 0, end: 9, label: 'PER' }] }), 'k.jsonl');
    assert.deepEqual(c.sentences.flatMap((s) => s.tokens), tokenize(text).map((t) => t.text));
  });

  test('random texts and spans on word edges, in code points, survive the round trip', () => {
    const words = ['Anna', 'visits', 'New', 'York', '\u{1F600}', 'O\'Neill', 'on', '3.5', 'Ütopia', 'and', 'IBM', 'Co.', '!', ',', 'well-known', 'Mr.', 'the', '\u{20BB7}x'];
    const rng = makeRng(19);
    for (let round = 0; round < 300; round++) {
      const picked = Array.from({ length: 1 + randInt(rng, 12) }, () => words[randInt(rng, words.length)]);
      const text = picked.join(' ');
      // Word edges in code points, and the UTF-16 index of each.
      const cpEdges: number[] = [];
      const uEdges: number[] = [];
      let cp = 0;
      let u = 0;
      for (const w of picked) {
        cpEdges.push(cp, cp + [...w].length);
        uEdges.push(u, u + w.length);
        cp += [...w].length + 1;
        u += w.length + 1;
      }
      // Non-overlapping spans over runs of whole words.
      const spans: { start: number; end: number; label: string }[] = [];
      const expected: [number, number, string][] = [];
      for (let i = 0; i < picked.length; ) {
        const n = 1 + randInt(rng, 3);
        if (randInt(rng, 2) === 0 && i + n <= picked.length) {
          const label = ['PER', 'LOC'][randInt(rng, 2)];
          spans.push({ start: cpEdges[2 * i], end: cpEdges[2 * (i + n - 1) + 1], label });
          expected.push([uEdges[2 * i], uEdges[2 * (i + n - 1) + 1], label]);
        }
        i += n;
      }
      const notes: string[] = [];
      const sentences = spanSentences(text, spans, { file: 'r', record: 1, document: 0 }, {}, notes);
      const back: [number, number, string][] = [];
      let next = 0;
      for (const s of sentences) {
        const r = backToSpans(text, s.tokens, s.tags, next);
        back.push(...r.spans);
        next = r.next;
      }
      assert.deepEqual(back, expected, `${text} ${JSON.stringify(spans)}`);
      assert.ok(notes.every((n) => /is cut at a span boundary|kept as one/.test(n)), notes.join('\n'));
    }
  });
});
