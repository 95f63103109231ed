/**
 * Memory and speed of `ner predict` on a big input: writes a text file of
 * --lines lines (sentences of data/sample/sentences.txt, numbered so that no
 * two are alike), runs the real CLI on it as a child process, samples the
 * child's peak RSS (VmHWM in /proc, Linux) and prints one JSON line.
 *
 *   node dist/scripts/bench-predict.js --model DIR [--lines 60000] [--format json] [--input-format text|conll]
 *
 * A benchmark, not a test: it prints numbers and judges nothing.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { watchPeak } from './peakRss';

const REPO = path.join(__dirname, '..', '..');

function option(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

async function main(argv: string[]): Promise<void> {
  const model = option(argv, 'model', path.join(REPO, 'models', 'sample'));
  const lines = Number(option(argv, 'lines', '60000'));
  const format = option(argv, 'format', 'json');
  const inputFormat = option(argv, 'input-format', 'text');
  const sentences = fs.readFileSync(path.join(REPO, 'data', 'sample', 'sentences.txt'), 'utf8').trimEnd().split('\n');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-bench-predict-'));
  const input = path.join(dir, 'input.txt');
  const out = fs.createWriteStream(input);
  let tokens = 0;
  for (let i = 0; i < lines; i++) {
    const line = `On day ${i} , ${sentences[i % sentences.length]}`;
    const words = line.split(' ');
    tokens += words.length;
    out.write(inputFormat === 'conll' ? `${words.join('\n')}\n\n` : `${line}\n`);
  }
  await new Promise((resolve) => out.end(resolve));
  const output = path.join(dir, `output.${format}`);
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(REPO, 'dist', 'src', 'cli', 'main.js'), 'predict', '--model', model, '--input', input, '--input-format', inputFormat, '--output', output, '--output-format', format, '-q'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const { code, peakMb: peak } = await watchPeak(child);
  const seconds = (Date.now() - started) / 1000;
  const outputLines = fs.readFileSync(output, 'utf8').split('\n').length - 1;
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({
      exit_code: code,
      model,
      input_lines: lines,
      input_format: inputFormat,
      output_format: format,
      output_lines: outputLines,
      tokens,
      seconds: Number(seconds.toFixed(1)),
      tokens_per_s: Math.round(tokens / seconds),
      peak_rss_mb: Math.round(peak),
    })}\n`,
  );
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
