/**
 * The counters behind GET /metrics, written out in the Prometheus text
 * exposition format 0.0.4 by hand (no dependency):
 *
 *   ner_http_requests_total{route,method,status}      counter
 *   ner_http_request_duration_seconds{route}          histogram
 *   ner_batch_sentences, ner_batch_padded_tokens       histograms, one observation per batch tagged
 *   ner_batch_duration_seconds                         histogram, the time a batch took to tag
 *   ner_queue_depth                                    gauge, sentences waiting (given to render when scraped)
 *   ner_tokens_tagged_total                            counter
 *
 * Pure bookkeeping: nothing here reads a clock or touches HTTP.
 */

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Request latency buckets, in seconds. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Sentences per batch. */
export const SENTENCE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
/** Padded tokens per batch (sentences × the longest). */
export const TOKEN_BUCKETS = [16, 64, 256, 1024, 2048, 4096, 8192, 16384, 65536];
/** Time to tag one batch, in seconds. */
export const BATCH_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** A label value escaped as the exposition format wants: backslash, double quote and line feed. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Array<[string, string]>): string {
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** A number as the format writes it: integers plain, +Inf, NaN. */
export function formatValue(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  return String(n);
}

/** Cumulative buckets, a sum and a count: one histogram series. */
export class Histogram {
  private readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  /** The series' lines, under `name`, with `extra` labels before `le`. */
  lines(name: string, extra: Array<[string, string]> = []): string[] {
    const out = this.buckets.map((le, i) => `${name}_bucket${labels([...extra, ['le', formatValue(le)]])} ${this.counts[i]}`);
    out.push(`${name}_bucket${labels([...extra, ['le', '+Inf']])} ${this.count}`);
    out.push(`${name}_sum${labels(extra)} ${formatValue(this.sum)}`);
    out.push(`${name}_count${labels(extra)} ${this.count}`);
    return out;
  }
}

export class Metrics {
  private readonly requests = new Map<string, { route: string; method: string; status: string; n: number }>();
  private readonly durations = new Map<string, Histogram>();
  readonly batchSentences = new Histogram(SENTENCE_BUCKETS);
  readonly batchPaddedTokens = new Histogram(TOKEN_BUCKETS);
  readonly batchDuration = new Histogram(BATCH_DURATION_BUCKETS);
  tokensTagged = 0;

  /** One answered request: `route` is the route's pattern (e.g. `/api/predict`), never the raw URL, so the series stay few. */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    const key = `${route}\u0000${method}\u0000${status}`;
    const entry = this.requests.get(key);
    if (entry) entry.n++;
    else this.requests.set(key, { route, method, status: String(status), n: 1 });
    let histogram = this.durations.get(route);
    if (!histogram) this.durations.set(route, (histogram = new Histogram(DURATION_BUCKETS)));
    histogram.observe(seconds);
  }

  /** One batch tagged: the tagging side's `onBatch` callback. */
  observeBatch(sentences: number, paddedTokens: number, ms: number): void {
    this.batchSentences.observe(sentences);
    this.batchPaddedTokens.observe(paddedTokens);
    this.batchDuration.observe(ms / 1000);
  }

  addTokensTagged(n: number): void {
    this.tokensTagged += n;
  }

  /** The exposition: every family with its HELP and TYPE, ending with a line feed. */
  render(gauges: { queueDepth: number } = { queueDepth: 0 }): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    family('ner_http_requests_total', 'counter', 'HTTP requests answered, by route, method and status.');
    for (const { route, method, status, n } of this.requests.values()) {
      out.push(`ner_http_requests_total${labels([['route', route], ['method', method], ['status', status]])} ${n}`);
    }
    family('ner_http_request_duration_seconds', 'histogram', 'Time from a request to the end of its answer, by route.');
    for (const [route, histogram] of this.durations) out.push(...histogram.lines('ner_http_request_duration_seconds', [['route', route]]));
    family('ner_batch_sentences', 'histogram', 'Sentences per batch tagged.');
    out.push(...this.batchSentences.lines('ner_batch_sentences'));
    family('ner_batch_padded_tokens', 'histogram', 'Padded tokens per batch tagged (sentences times the longest).');
    out.push(...this.batchPaddedTokens.lines('ner_batch_padded_tokens'));
    family('ner_batch_duration_seconds', 'histogram', 'Time to tag one batch.');
    out.push(...this.batchDuration.lines('ner_batch_duration_seconds'));
    family('ner_queue_depth', 'gauge', 'Sentences waiting to be tagged.');
    out.push(`ner_queue_depth ${formatValue(gauges.queueDepth)}`);
    family('ner_tokens_tagged_total', 'counter', 'Tokens tagged and answered.');
    out.push(`ner_tokens_tagged_total ${this.tokensTagged}`);
    return out.join('\n') + '\n';
  }
}
