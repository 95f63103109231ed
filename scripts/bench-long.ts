/**
 * Memory of tagging one very long line, through the real CLI: for each size
 * in --tokens, a line of that many tokens (the words of
 * data/sample/sentences.txt, repeated) is tagged by `ner predict` (JSON with
 * confidences, the heaviest output) and sent to `ner serve` as
 * {"text": line}, each in a fresh process whose peak RSS (VmHWM) is sampled.
 * A one-token line gives the model's own size. Prints one JSON line per run.
 *
 *   node dist/scripts/bench-long.js --model DIR [--tokens 10000,100000,1000000] [--threads N]
 *
 * A benchmark, not a test: it prints numbers and judges nothing.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tokenize } from '../src/io/tokenize';
import { peakRssMb, watchPeak } from './peakRss';

const REPO = path.join(__dirname, '..', '..');
const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

function option(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

/** A line of exactly `count` tokens (as ner tokenizes) of news text. */
function longLine(count: number): string {
  const text = fs.readFileSync(path.join(REPO, 'data', 'sample', 'sentences.txt'), 'utf8');
  const words = text.split(/\s+/).filter((w) => tokenize(w).length === 1);
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) out.push(words[i % words.length]);
  return out.join(' ');
}

async function predict(model: string, file: string, threads: string[]): Promise<object> {
  const started = Date.now();
  const output = `${file}.json`;
  const child = spawn(process.execPath, [MAIN, 'predict', '--model', model, '--input', file, '--output', output, '--output-format', 'json', '-q', ...threads], { stdio: ['ignore', 'ignore', 'inherit'] });
  const { code, peakMb } = await watchPeak(child);
  fs.rmSync(output, { force: true });
  return { command: 'predict', exit_code: code, seconds: Number(((Date.now() - started) / 1000).toFixed(1)), peak_rss_mb: Math.round(peakMb) };
}

async function serve(model: string, line: string, threads: string[]): Promise<object> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--model', model, '--port', '0', '-q', ...threads], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /(http:\/\/\S+)\//.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`ner serve exited with ${code}`)));
  });
  const started = Date.now();
  const response = await fetch(`${url}/api/predict`, { method: 'POST', body: JSON.stringify({ text: line }), headers: { 'content-type': 'application/json' } });
  await response.arrayBuffer();
  const seconds = (Date.now() - started) / 1000;
  const peak = peakRssMb(child.pid!) ?? 0;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  return { command: 'serve', status: response.status, seconds: Number(seconds.toFixed(1)), peak_rss_mb: Math.round(peak) };
}

async function main(argv: string[]): Promise<void> {
  const model = option(argv, 'model', path.join(REPO, 'models', 'sample'));
  const sizes = option(argv, 'tokens', '10000,100000,1000000').split(',').map(Number);
  const threadsValue = option(argv, 'threads', '');
  const threads = threadsValue === '' ? [] : ['--threads', threadsValue];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-bench-long-'));
  try {
    for (const size of [1, ...sizes]) {
      const line = longLine(size);
      const file = path.join(dir, `line-${size}.txt`);
      fs.writeFileSync(file, `${line}\n`);
      const facts = { tokens: tokenize(line).length, bytes: Buffer.byteLength(line), threads: threadsValue || 'default' };
      for (const run of [() => predict(model, file, threads), () => serve(model, line, threads)]) {
        process.stdout.write(`${JSON.stringify({ ...facts, ...(await run()) })}\n`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
