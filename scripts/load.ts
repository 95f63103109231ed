/**
 * Load against a running `ner serve`, bounded in time and in requests, on
 * this machine only: it starts nothing itself.
 *
 *   node dist/scripts/load.js --url http://127.0.0.1:8080 [--pid PID] [--duration 10] [--max-requests 50000]
 *                             [--clients 1,4,16] [--mixed-duration 15] [--big-tokens 30000] [--small-clients 4]
 *
 * 1. For each number of concurrent clients (--clients), each client sends
 *    one-sentence requests back to back for --duration seconds or until the
 *    run has sent --max-requests: prints requests/s and p50/p99 latency.
 * 2. Mixed: one client sends requests of --big-tokens tokens in a loop while
 *    --small-clients clients send one-sentence requests: prints the small
 *    requests' p50/p99 (what a big request costs everyone else), and the big ones'.
 *
 * With --pid (the server's process id) it prints the server's resident memory
 * (VmRSS, and the peak VmHWM, from /proc/PID/status) after each run; worker
 * threads are threads of that process, so this covers them. Keep-alive
 * agents, Node's http module. Ends with one JSON line of every figure.
 * A benchmark, not a test: it prints numbers and judges nothing.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { eachOption } from './options';

interface Args {
  url: URL;
  pid?: number;
  duration: number;
  maxRequests: number;
  clients: number[];
  mixedDuration: number;
  bigTokens: number;
  smallClients: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function parseArgs(argv: string[]): Args {
  let url: string | undefined;
  const args: Omit<Args, 'url'> = { duration: 10, maxRequests: 50_000, clients: [1, 4, 16], mixedDuration: 15, bigTokens: 30_000, smallClients: 4 };
  const positive = (key: string, v: string) => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${key} must be a positive number, got ${v}`);
    return n;
  };
  eachOption(argv, (key, value) => {
    switch (key) {
      case '--url': url = value(); break;
      case '--pid': args.pid = positive(key, value()); break;
      case '--duration': args.duration = positive(key, value()); break;
      case '--max-requests': args.maxRequests = Math.floor(positive(key, value())); break;
      case '--clients': args.clients = value().split(',').map((c) => Math.floor(positive(key, c))); break;
      case '--mixed-duration': args.mixedDuration = positive(key, value()); break;
      case '--big-tokens': args.bigTokens = Math.floor(positive(key, value())); break;
      case '--small-clients': args.smallClients = Math.floor(positive(key, value())); break;
      default: throw new Error(`unknown option ${key}`);
    }
  });
  if (url === undefined) throw new Error('--url is required, like --url http://127.0.0.1:8080');
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:') throw new Error(`--url must be http://, got ${parsed.protocol}`);
  if (!LOOPBACK.has(parsed.hostname)) throw new Error(`--url must be on this machine (127.0.0.1, localhost or [::1]), got ${parsed.hostname}`);
  if (args.duration > 300 || args.mixedDuration > 300) throw new Error('a run is at most 300 seconds');
  if (args.clients.some((c) => c > 256) || args.smallClients > 256) throw new Error('at most 256 clients');
  return { url: parsed, ...args };
}

/** Sentences like the sample's, cycled through so that requests differ. */
const SENTENCES = [
  'Angela Merkel visited Paris on Tuesday.',
  'Siemens opened an office in Berlin.',
  'John Smith joined Google in London last year.',
  'The European Commission fined Microsoft on Monday.',
  'Rome beat Milan 2-1 in the Italian cup final.',
  'Barack Obama met Vladimir Putin at the United Nations.',
  'Shares of Toyota rose in Tokyo after the report.',
  'The German team won the World Cup in Brazil.',
];

/** A body of about `tokens` tokens: sentences of the list, as lines of text. */
function bigBody(tokens: number): string {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < tokens; i++) {
    const s = SENTENCES[i % SENTENCES.length];
    lines.push(s);
    n += s.split(' ').length + 1; // the final period is a token of its own
  }
  return JSON.stringify({ text: lines.join('\n') });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface Answer {
  status: number;
  ms: number;
}

function request(agent: http.Agent, url: URL, body: string): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
        res.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

interface RunFigures {
  clients: number;
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
}

function figures(clients: number, answers: Answer[], seconds: number): RunFigures {
  const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  const round = (n: number) => Number(n.toFixed(1));
  return {
    clients,
    requests: answers.length,
    errors: answers.filter((a) => a.status !== 200).length,
    seconds: round(seconds),
    requestsPerSecond: round(answers.length / seconds),
    p50Ms: round(percentile(ms, 50)),
    p99Ms: round(percentile(ms, 99)),
    statuses,
  };
}

/**
 * `clients` clients each sending `next()`'s body back to back until `seconds`
 * have passed or `maxRequests` were sent in all; the answers of each kind.
 */
async function run(url: URL, clients: number, seconds: number, maxRequests: number, next: (client: number, i: number) => string): Promise<{ answers: Answer[]; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const answers: Answer[] = [];
  let sent = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < deadline && sent < maxRequests) {
        const i = sent++;
        answers.push(await request(agent, url, next(client, i)));
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { answers, seconds: elapsed };
}

/** The server's resident memory now and at its peak, in MB, from /proc/PID/status. */
function rss(pid: number | undefined): { rssMb: number; peakRssMb: number; threads: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024), threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? NaN) };
  } catch {
    return undefined;
  }
}

function describeRss(pid: number | undefined): string {
  const r = rss(pid);
  return r === undefined ? '' : `  server RSS ${r.rssMb} MB (peak ${r.peakRssMb} MB, ${r.threads} threads)`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const predict = new URL('/api/predict', args.url);
  const small = (client: number, i: number) => JSON.stringify({ text: SENTENCES[(client * 7 + i) % SENTENCES.length] });
  const summary: Record<string, unknown> = { url: args.url.origin, rssBefore: rss(args.pid) };
  console.log(`load on ${args.url.origin}: ${args.duration} s or ${args.maxRequests} requests per run${describeRss(args.pid)}`);

  // A few requests first, so that the first run does not pay for warming up.
  await run(predict, 1, 2, 20, small);

  const runs: RunFigures[] = [];
  for (const clients of args.clients) {
    const { answers, seconds } = await run(predict, clients, args.duration, args.maxRequests, small);
    const f = figures(clients, answers, seconds);
    runs.push(f);
    console.log(
      `${String(clients).padStart(3)} clients: ${f.requests} requests in ${f.seconds} s, ${f.requestsPerSecond} requests/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, ${f.errors} not 200${describeRss(args.pid)}`,
    );
  }
  summary.runs = runs;
  if (runs.length > 1) {
    const ratio = runs[runs.length - 1].requestsPerSecond / runs[0].requestsPerSecond;
    summary.scaling = Number(ratio.toFixed(2));
    console.log(`${runs[runs.length - 1].clients} clients / ${runs[0].clients}: ${ratio.toFixed(2)}x the requests/s`);
  }

  // Mixed: big requests in a loop on one client while small ones continue on the others.
  const big = bigBody(args.bigTokens);
  const deadline = performance.now() + args.mixedDuration * 1000;
  const bigAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const bigAnswers: Answer[] = [];
  const bigLoop = (async () => {
    while (performance.now() < deadline) bigAnswers.push(await request(bigAgent, predict, big));
  })();
  const { answers, seconds } = await run(predict, args.smallClients, args.mixedDuration, args.maxRequests, small);
  await bigLoop;
  bigAgent.destroy();
  const smallFigures = figures(args.smallClients, answers, seconds);
  const bigFigures = figures(1, bigAnswers, seconds);
  summary.mixed = { bigTokens: args.bigTokens, bigBodyBytes: Buffer.byteLength(big), small: smallFigures, big: bigFigures };
  console.log(
    `mixed, ${args.smallClients} small clients while 1 client sends ${args.bigTokens}-token requests (${Math.round(Buffer.byteLength(big) / 1024)} KB): ` +
      `small p50 ${smallFigures.p50Ms} ms, p99 ${smallFigures.p99Ms} ms, ${smallFigures.requestsPerSecond} requests/s, ${smallFigures.errors} not 200; ` +
      `big: ${bigFigures.requests} answered, p50 ${bigFigures.p50Ms} ms, statuses ${JSON.stringify(bigFigures.statuses)}${describeRss(args.pid)}`,
  );
  summary.rssAfter = rss(args.pid);
  console.log(JSON.stringify(summary));
}

main().catch((err) => {
  console.error(`load: ${(err as Error).message}`);
  process.exit(2);
});
