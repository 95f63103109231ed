/**
 * serve/metrics.ts: the Prometheus text exposition written by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Metrics, escapeLabel, formatValue } from '../src/serve/metrics';

test('a histogram is cumulative, with +Inf, a sum and a count', () => {
  const h = new Histogram([1, 5]);
  for (const v of [0.5, 1, 3, 7]) h.observe(v);
  assert.deepEqual(h.lines('x', [['route', '/a']]), [
    'x_bucket{route="/a",le="1"} 2',
    'x_bucket{route="/a",le="5"} 3',
    'x_bucket{route="/a",le="+Inf"} 4',
    'x_sum{route="/a"} 11.5',
    'x_count{route="/a"} 4',
  ]);
});

test('label values are escaped; special numbers are written as the format wants', () => {
  assert.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  assert.deepEqual([Infinity, -Infinity, NaN, 2.5].map(formatValue), ['+Inf', '-Inf', 'NaN', '2.5']);
});

test('render: every family has HELP and TYPE, every sample line parses, counters add up', () => {
  const m = new Metrics();
  m.observeRequest('/api/predict', 'POST', 200, 0.004);
  m.observeRequest('/api/predict', 'POST', 200, 0.02);
  m.observeRequest('/healthz', 'GET', 200, 0.0001);
  m.observeBatch(4, 40, 3);
  m.addTokensTagged(17);
  const text = m.render({ queueDepth: 3 });
  assert.ok(text.endsWith('\n'));
  const families = ['ner_http_requests_total', 'ner_http_request_duration_seconds', 'ner_batch_sentences', 'ner_batch_padded_tokens', 'ner_batch_duration_seconds', 'ner_queue_depth', 'ner_tokens_tagged_total'];
  for (const f of families) {
    assert.match(text, new RegExp(`^# HELP ${f} \\S`, 'm'));
    assert.match(text, new RegExp(`^# TYPE ${f} (counter|gauge|histogram)$`, 'm'));
  }
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('#')) continue;
    assert.match(line, /^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)+\})? (-?[0-9.e+-]+|\+Inf|NaN)$/, line);
  }
  assert.match(text, /^ner_http_requests_total\{route="\/api\/predict",method="POST",status="200"\} 2$/m);
  assert.match(text, /^ner_http_request_duration_seconds_bucket\{route="\/api\/predict",le="0.005"\} 1$/m);
  assert.match(text, /^ner_http_request_duration_seconds_bucket\{route="\/api\/predict",le="0.025"\} 2$/m);
  assert.match(text, /^ner_batch_sentences_sum 4$/m);
  assert.match(text, /^ner_batch_duration_seconds_sum 0.003$/m);
  assert.match(text, /^ner_queue_depth 3$/m);
  assert.match(text, /^ner_tokens_tagged_total 17$/m);
});
