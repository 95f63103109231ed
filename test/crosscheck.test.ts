/**
 * `ner eval` replayed on random files of every scheme against the answers
 * conlleval.pl and seqeval gave for them (fixtures/seqeval/random.json,
 * written by scripts/eval-crosscheck.ts, whose header says what must agree):
 * conlleval's report byte for byte, and seqeval's strict report for every
 * type and average, or an error where seqeval raises one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CrosscheckCase, nerReport, nerStrict, strictMismatch } from '../scripts/eval-crosscheck';
import { readConllevalSentences } from '../src/eval/conlleval';
import type { TagScheme } from '../src/types';
import { REPO } from './helpers/cli';

const { cases } = JSON.parse(fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'seqeval', 'random.json'), 'utf8')) as { cases: CrosscheckCase[] };

describe('random files in every scheme', () => {
  const kinds = [...new Set(cases.map((c) => c.kind))];
  test('the fixture covers every scheme, odd input, and files seqeval refuses', () => {
    assert.deepEqual(kinds.sort(), ['bilou', 'conlleval', 'iob1', 'iob2', 'iobes', 'ioe1', 'ioe2']);
    assert.ok(cases.some((c) => c.strict !== undefined && 'error' in c.strict));
    assert.ok(cases.some((c) => c.conlleval === null));
  });
  for (const kind of kinds) {
    test(`${kind}: conlleval.pl's report${kind === 'conlleval' ? '' : " and seqeval's strict numbers"}`, () => {
      for (const c of cases.filter((x) => x.kind === kind)) {
        assert.equal(nerReport(c), c.conlleval, c.text);
        if (c.strict === undefined) continue;
        const why = strictMismatch(nerStrict(readConllevalSentences(c.text, 'x'), c.kind as TagScheme), c.strict);
        assert.equal(why, null, c.text);
      }
    });
  }
});
