/**
 * Gazetteers: reading the file format, matching (leftmost-longest per type,
 * overlapping entries, case), the saved form, and `ner check --gazetteer`'s
 * coverage counts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../src/errors';
import { Gazetteer, MATCH_CODES } from '../src/data/gazetteer';
import { gazetteerCoverage } from '../src/data/check';
import { parseGazetteer, readGazetteerFiles } from '../src/io/gazetteerFile';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Corpus } from '../src/types';

const gaz = (lines: string, caseSensitive = false) => Gazetteer.fromEntries(parseGazetteer(lines, 'g.tsv'), caseSensitive);
/** The codes of one type as a string, one letter a token. */
const codes = (g: Gazetteer, type: string, sentence: string) => Array.from(g.match(sentence.split(' '))[g.types.indexOf(type)], (c) => MATCH_CODES[c]).join('');

describe('gazetteer files', () => {
  test('a file of 200,000 names reads (no argument spread of its entries)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-gazetteer-'));
    try {
      const file = path.join(dir, 'big.tsv');
      fs.writeFileSync(file, Array.from({ length: 200_000 }, (_, i) => `name${i}\tT${i % 3}`).join('\n'));
      assert.deepEqual(readGazetteerFiles([file]).sizes(), { T0: 66_667, T1: 66_667, T2: 66_666 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('name<TAB>TYPE lines; # comments, blank lines, CRLF and a BOM skipped; names cut as ner predict cuts text', () => {
    const entries = parseGazetteer('\uFEFF# cities\r\nNew York\tLOC\r\n\r\nU.S. Steel\tORG\nO\'Neill\tPER\n', 'g.tsv');
    assert.deepEqual(entries, [
      { tokens: ['New', 'York'], type: 'LOC' },
      { tokens: ['U.S.', 'Steel'], type: 'ORG' },
      { tokens: ["O'Neill"], type: 'PER' },
    ]);
  });

  for (const [text, line, message] of [
    ['Paris LOC\n', 1, /expected name<TAB>TYPE, found no tab/],
    ['# x\nParis\tLOC\tx\n', 2, /found 2 tabs/],
    ['Paris\tLOC\n\tPER\n', 2, /empty name/],
    ['Paris\tLOC CITY\n', 1, /must be one word/],
    ['Paris\t\n', 1, /must be one word/],
  ] as const) {
    test(`a bad line is a DataError naming file and line: ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseGazetteer(text, 'g.tsv'),
        (e: unknown) => e instanceof DataError && e.file === 'g.tsv' && e.line === line && message.test(e.reason),
      );
    });
  }
});

describe('gazetteer matching', () => {
  test('BIOES per type: a whole one-token match is S, longer ones B I* E', () => {
    const g = gaz('Paris\tLOC\nNew York City\tLOC\n');
    assert.equal(codes(g, 'LOC', 'from New York City to Paris'), 'OBIEOS');
  });

  test('the longest name starting at a token wins, and matching resumes after it', () => {
    const g = gaz('New York\tLOC\nNew York City\tLOC\nYork\tLOC\nCity Hall\tLOC\n');
    // "New York City" beats "New York"; "City Hall" overlaps it and is not matched.
    assert.equal(codes(g, 'LOC', 'New York City Hall'), 'BIEO');
    // A prefix of a longer name that does not complete falls back to the longest listed.
    assert.equal(codes(g, 'LOC', 'New York Times'), 'BEO');
    assert.equal(codes(g, 'LOC', 'York City'), 'SO');
  });

  test('overlapping entries of different types are matched independently', () => {
    const g = gaz('Washington\tLOC\nGeorge Washington\tPER\nWashington Post\tORG\n');
    const s = 'George Washington Post';
    assert.equal(codes(g, 'PER', s), 'BEO');
    assert.equal(codes(g, 'ORG', s), 'OBE');
    assert.equal(codes(g, 'LOC', s), 'OSO');
  });

  test('case-insensitive by default; exact with caseSensitive', () => {
    assert.equal(codes(gaz('Apple\tORG\n'), 'ORG', 'APPLE apple Apple'), 'SSS');
    assert.equal(codes(gaz('Apple\tORG\n', true), 'ORG', 'APPLE apple Apple'), 'OOS');
  });

  test('the saved form gives the same matches; duplicates count once; conflicts and typesOf', () => {
    const g = gaz('Paris\tLOC\nparis\tLOC\nParis\tPER\nParis Hilton\tPER\n');
    const back = Gazetteer.fromJSON(JSON.parse(JSON.stringify(g.toJSON())));
    assert.deepEqual(g.toJSON(), { caseSensitive: false, entries: { LOC: ['paris'], PER: ['paris', 'paris hilton'] } });
    assert.deepEqual(back.match(['Paris', 'Hilton']), g.match(['Paris', 'Hilton']));
    assert.deepEqual(g.sizes(), { LOC: 1, PER: 2 });
    assert.deepEqual(g.conflicts(), [{ name: 'paris', types: ['LOC', 'PER'] }]);
    assert.deepEqual(g.typesOf(['PARIS']), ['LOC', 'PER']);
    assert.deepEqual(g.typesOf(['Paris', 'Hilton']), ['PER']);
    assert.throws(() => Gazetteer.fromJSON({ caseSensitive: false, entries: { LOC: [''] } }), /non-empty strings/);
  });
});

test('coverage: entities listed with the right type, only another type, or not at all', () => {
  const g = gaz('Paris\tLOC\nParis Hilton\tPER\nSiemens\tLOC\n');
  const corpus: Corpus = {
    file: 'c.conll',
    sentences: [
      { tokens: ['Paris', 'Hilton', 'in', 'Paris'], tags: ['B-PER', 'I-PER', 'O', 'B-LOC'], lines: [1, 2, 3, 4] },
      { tokens: ['Siemens', 'in', 'Rome'], tags: ['B-ORG', 'O', 'B-LOC'], lines: [6, 7, 8] },
    ],
  };
  assert.deepEqual(gazetteerCoverage(g, corpus, 'iob2').byType, {
    PER: { entities: 1, rightType: 1, otherType: 0, absent: 0 },
    LOC: { entities: 2, rightType: 1, otherType: 0, absent: 1 },
    ORG: { entities: 1, rightType: 0, otherType: 1, absent: 0 },
    all: { entities: 4, rightType: 2, otherType: 1, absent: 1 },
  });
});
