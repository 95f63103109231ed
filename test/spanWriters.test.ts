/**
 * io/spanWriters.ts: a text with UTF-16 spans written as JSON Lines of spans,
 * Label Studio tasks and BRAT standoff, all in code-point offsets.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodePoints, bratAnn, bratConf, labelStudioTask, spansJsonLine, type SpanDocument } from '../src/io/spanWriters';

/** "😀 Paris": the emoji is two UTF-16 units but one code point, so Paris is [3, 8) in UTF-16 and [2, 7) in code points. */
const EMOJI: SpanDocument = {
  text: '😀 Paris is in 🇫🇷 France',
  tokens: [
    { start: 0, end: 2 },
    { start: 3, end: 8 },
    { start: 9, end: 11 },
    { start: 12, end: 14 },
    { start: 15, end: 19 },
    { start: 20, end: 26 },
  ],
  spans: [
    { start: 3, end: 8, label: 'LOC', confidence: 0.9 },
    { start: 20, end: 26, label: 'LOC', confidence: 0.75 },
  ],
};

describe('CodePoints', () => {
  test('counts a surrogate pair as one code point, and refuses an index inside one', () => {
    const points = new CodePoints('a😀b');
    assert.deepEqual([0, 1, 3, 4].map((i) => points.at(i)), [0, 1, 2, 3]);
    assert.equal(points.length, 3);
    assert.throws(() => points.at(2), /offset 2 falls between the two halves of a surrogate pair/);
    assert.throws(() => points.at(5), /offset 5 is outside the text \(0 to 4\)/);
    // A lone surrogate is one code point, as Python counts it.
    assert.equal(new CodePoints('\ud800x').at(2), 2);
  });
});

describe('spansJsonLine', () => {
  test('code-point offsets after an emoji, token texts, confidences', () => {
    assert.equal(
      spansJsonLine(EMOJI),
      '{"text":"😀 Paris is in 🇫🇷 France","tokens":["😀","Paris","is","in","🇫🇷","France"],"spans":[{"start":2,"end":7,"label":"LOC","confidence":0.9},{"start":17,"end":23,"label":"LOC","confidence":0.75}]}\n',
    );
  });

  test('fields first, in their order; text, tokens and spans replace fields of those names', () => {
    const doc: SpanDocument = { text: 'Rome', spans: [{ start: 0, end: 4, label: 'LOC' }], fields: { id: 'a-1', spans: 'old', meta: { source: 'web', n: 0.123456789 } } };
    assert.equal(spansJsonLine(doc), '{"id":"a-1","spans":[{"start":0,"end":4,"label":"LOC"}],"meta":{"source":"web","n":0.123456789},"text":"Rome"}\n');
  });

  test('no spans, no tokens', () => {
    assert.equal(spansJsonLine({ text: '', spans: [] }), '{"text":"","spans":[]}\n');
    assert.equal(spansJsonLine({ text: 'nothing here', tokens: [], spans: [] }), '{"text":"nothing here","tokens":[],"spans":[]}\n');
  });

  test('a span that is empty, out of the text or halves an emoji is a RangeError', () => {
    const bad = (start: number, end: number) => () => spansJsonLine({ text: '😀 Paris', spans: [{ start, end, label: 'LOC' }] });
    assert.throws(bad(3, 3), RangeError);
    assert.throws(bad(3, 9), /span 1 \[3, 9\) is not a non-empty range in a text of 8 UTF-16 units/);
    assert.throws(bad(1, 8), /offset 1 falls between the two halves of a surrogate pair/);
    assert.throws(() => spansJsonLine({ text: 'x', spans: [{ start: 0, end: 1, label: '' }] }), /span 1: the label must be a non-empty string/);
  });
});

describe('labelStudioTask', () => {
  test('predictions: code-point offsets, span scores, the task score is the least confident span', () => {
    assert.deepEqual(labelStudioTask({ ...EMOJI, tokens: undefined, fields: { id: 3 } }, 'predictions', 'en@2026-01-01T00:00:00.000Z'), {
      data: { id: 3, text: '😀 Paris is in 🇫🇷 France' },
      predictions: [
        {
          model_version: 'en@2026-01-01T00:00:00.000Z',
          score: 0.75,
          result: [
            { from_name: 'label', to_name: 'text', type: 'labels', value: { start: 2, end: 7, text: 'Paris', labels: ['LOC'] }, score: 0.9 },
            { from_name: 'label', to_name: 'text', type: 'labels', value: { start: 17, end: 23, text: 'France', labels: ['LOC'] }, score: 0.75 },
          ],
        },
      ],
    });
  });

  test('exact JSON; annotations have no task score; no spans, or a span without confidence: no task score', () => {
    const doc: SpanDocument = { text: 'Ann in Rome', spans: [{ start: 0, end: 3, label: 'PER' }, { start: 7, end: 11, label: 'LOC', confidence: 0.5 }] };
    assert.equal(
      JSON.stringify(labelStudioTask(doc, 'annotations')),
      '{"data":{"text":"Ann in Rome"},"annotations":[{"result":[{"from_name":"label","to_name":"text","type":"labels","value":{"start":0,"end":3,"text":"Ann","labels":["PER"]}},{"from_name":"label","to_name":"text","type":"labels","value":{"start":7,"end":11,"text":"Rome","labels":["LOC"]},"score":0.5}]}]}',
    );
    assert.equal(JSON.stringify(labelStudioTask(doc, 'predictions', 'm')).includes('"model_version":"m","result"'), true, 'no task score when a span has no confidence');
    assert.equal(JSON.stringify(labelStudioTask({ text: 'nothing', spans: [] }, 'predictions', 'm')), '{"data":{"text":"nothing"},"predictions":[{"model_version":"m","result":[]}]}');
    // data.text is the text, whatever a field called text said.
    assert.deepEqual((labelStudioTask({ text: 'x', spans: [], fields: { text: 'other' } }, 'annotations') as { data: unknown }).data, { text: 'x' });
  });
});

describe('bratAnn', () => {
  test('one T line a span, code-point offsets', () => {
    assert.equal(bratAnn(EMOJI), 'T1\tLOC 2 7\tParis\nT2\tLOC 17 23\tFrance\n');
    assert.equal(bratAnn({ text: 'nothing', spans: [] }), '');
  });

  test('offset and firstId place a text inside a larger document', () => {
    assert.equal(bratAnn(EMOJI, { offset: 100, firstId: 8 }), 'T8\tLOC 102 107\tParis\nT9\tLOC 117 123\tFrance\n');
  });

  test('a span across line breaks is written as fragments, its text joined by spaces', () => {
    const doc: SpanDocument = { text: '😀 New\r\nYork\nCity Hall\n', spans: [{ start: 3, end: 22, label: 'LOC' }, { start: 8, end: 12, label: 'LOC' }] };
    assert.equal(bratAnn(doc), 'T1\tLOC 2 5;7 11;12 21\tNew York City Hall\nT2\tLOC 7 11\tYork\n');
    assert.throws(() => bratAnn({ text: 'a\n\nb', spans: [{ start: 1, end: 3, label: 'X' }] }), /span 1 \[1, 3\) holds nothing but line breaks/);
  });

  test('a label with a space is refused (a BRAT type is one word)', () => {
    assert.throws(() => bratAnn({ text: 'Rome', spans: [{ start: 0, end: 4, label: 'A CITY' }] }), /the label "A CITY" holds a space; a BRAT type cannot/);
  });

  test('annotation.conf lists the entity types', () => {
    assert.equal(bratConf(['LOC', 'PER']), '[entities]\nLOC\nPER\n\n[relations]\n\n[events]\n\n[attributes]\n');
  });
});
