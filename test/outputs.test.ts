/**
 * Every file a command writes, through the CLI as a user would: special
 * files written in place, symbolic links followed, an output that is an input
 * refused, nothing left behind on Ctrl-C, and `-` for stdin and stdout.
 * Special files are made only inside a temporary directory.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliResult, REPO, assertUserError, ner } from './helpers/cli';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-outputs-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const model = path.join(tmp, 'model');
const TEXT = 'Angela Merkel visited Paris .\nSiemens opened an office in Berlin .\n';
const GOLD = 'EU B-ORG\nrejects O\nGerman B-MISC\ncall O\n. O\n\nPeter B-PER\nBlackburn I-PER\n\n';
/** What `predict` writes for TEXT (to stdout), the reference for every other target. */
let expected: string;

let dirs = 0;
/** A fresh directory for one test, holding the text input and the gold file. */
function workDir(): { dir: string; text: string; gold: string } {
  const dir = path.join(tmp, `case-${++dirs}`);
  fs.mkdirSync(dir);
  const text = path.join(dir, 'in.txt');
  const gold = path.join(dir, 'gold.conll');
  fs.writeFileSync(text, TEXT);
  fs.writeFileSync(gold, GOLD);
  return { dir, text, gold };
}

const tempFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.includes('.tmp'));

interface Running {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts a child process without waiting for it (spawnSync would block the test's own reads of a FIFO). */
function start(command: string, args: string[], cwd = tmp): Running {
  const child = spawn(command, args, { cwd, env: { ...process.env, NER_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const startNer = (args: string[], cwd = tmp) => start(process.execPath, [MAIN, ...args], cwd);

/** Waits (without a deadline of its own: the test runner's applies) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Lets a writer blocked in opening `fifo` through (a reader that comes and goes), so nothing hangs after a failure. */
function releaseFifo(fifo: string): void {
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
  } catch {
    // gone, or not a FIFO any more
  }
}

/** mknod needs privileges that a test may not have; such tests are skipped with the reason. */
function makeNullDevice(file: string): string | undefined {
  try {
    execFileSync('mknod', [file, 'c', '1', '3'], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `mknod is not permitted here (${(err as Error).message.split('\n')[0]})`;
  }
}

before(() => {
  const train = ner(['train', '--data', path.join(REPO, 'data', 'sample', 'train.conll'), '--out', model, '--epochs', '1', '--char-encoder', 'none', '--hidden-size', '16', '-q']);
  assert.equal(train.code, 0, train.stderr);
  const r = ner(['predict', '--model', model, '-q'], { input: TEXT });
  assert.equal(r.code, 0, r.stderr);
  expected = r.stdout;
  assert.match(expected, /^Angela \S+\n/);
});

describe('special files are written in place', () => {
  test('a character device as --output stays a device; no temporary file', (t) => {
    const { dir, text } = workDir();
    const device = path.join(dir, 'null');
    const skip = makeNullDevice(device);
    if (skip !== undefined) return t.skip(skip);
    const r = ner(['predict', '--model', model, '--input', text, '--output', device, '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.lstatSync(device).isCharacterDevice(), 'still a character device');
    assert.deepEqual(tempFiles(dir), []);
    const report = ner(['report', model, '--output', device, '-q']);
    assert.equal(report.code, 0, report.stderr);
    assert.ok(fs.lstatSync(device).isCharacterDevice(), 'still a character device after ner report');
    const evaluated = ner(['eval', '--model', model, '--data', path.join(dir, 'gold.conll'), '--output', device, '-q']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.ok(fs.lstatSync(device).isCharacterDevice(), 'still a character device after ner eval');
    assert.deepEqual(tempFiles(dir), []);
  });

  test('a FIFO as --output: its reader gets the whole output; the FIFO stays', async () => {
    const { dir, text } = workDir();
    const fifo = path.join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = start('cat', [fifo]);
    try {
      const r = await startNer(['predict', '--model', model, '--input', text, '--output', fifo, '-q']).done;
      assert.equal(r.code, 0, r.stderr);
      assert.ok(fs.lstatSync(fifo).isFIFO(), 'still a FIFO');
      assert.equal((await reader.done).stdout, expected);
      assert.deepEqual(tempFiles(dir), []);
    } finally {
      reader.child.kill('SIGKILL');
    }
  });

  test('process substitution: --output >(cat > FILE)', () => {
    const { dir, text } = workDir();
    const out = path.join(dir, 'out.conll');
    // `wait $!` waits for the process substitution's cat to finish writing.
    const script = '"$0" "$1" predict --model "$2" --input "$3" -q --output >(cat > "$4"); code=$?; wait $!; exit $code';
    const r = execFileSyncResult('bash', ['-c', script, process.execPath, MAIN, model, text, out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), expected);
  });

  test('/dev/fd/N: a descriptor Node.js opened for itself is refused; one the shell gave is written', () => {
    const { dir, text } = workDir();
    // Node's own event descriptors and pipes: writing there crashed the process or lost the output.
    for (const fd of [3, 5, 7]) {
      assertUserError(ner(['predict', '--model', model, '--input', text, '--output', `/dev/fd/${fd}`, '-q']), 2, new RegExp(`/dev/fd/${fd}: cannot write: file descriptor ${fd} may be one Node.js uses for itself`));
    }
    const low = path.join(dir, 'fd4.conll');
    const high = path.join(dir, 'fd20.conll');
    const script = '"$0" "$1" predict --model "$2" --input "$3" -q --output /dev/fd/4 4> "$4" && "$0" "$1" predict --model "$2" --input "$3" -q --output /dev/fd/20 20> >(cat > "$5"); code=$?; wait $!; exit $code';
    const r = execFileSyncResult('bash', ['-c', script, process.execPath, MAIN, model, text, low, high]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(low, 'utf8'), expected);
    assert.equal(fs.readFileSync(high, 'utf8'), expected);
  });

  test('--output /dev/stdout writes to the standard output (a pipe)', () => {
    const { text } = workDir();
    const r = ner(['predict', '--model', model, '--input', text, '--output', '/dev/stdout', '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, expected);
  });

  test('a link to /dev/stdout as --output: the standard output, the link stays', () => {
    const { dir, text } = workDir();
    const link = path.join(dir, 'to-stdout');
    fs.symlinkSync('/dev/stdout', link);
    const r = ner(['predict', '--model', model, '--input', text, '--output', link, '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, expected);
    assert.ok(fs.lstatSync(link).isSymbolicLink());
  });
});

describe('symbolic links are followed', () => {
  test('the link stays, the file it names is replaced and keeps its mode', () => {
    const { dir, text } = workDir();
    const target = path.join(dir, 'target.conll');
    fs.writeFileSync(target, 'old\n');
    fs.chmodSync(target, 0o640);
    const link = path.join(dir, 'link.conll');
    fs.symlinkSync('target.conll', link);
    const r = ner(['predict', '--model', model, '--input', text, '--output', link, '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.lstatSync(link).isSymbolicLink(), 'still a link');
    assert.equal(fs.readFileSync(target, 'utf8'), expected);
    assert.equal(fs.statSync(target).mode & 0o777, 0o640);
    assert.deepEqual(tempFiles(dir), []);
  });

  test('a dangling link: the file it names is written', () => {
    const { dir, text } = workDir();
    fs.mkdirSync(path.join(dir, 'sub'));
    const link = path.join(dir, 'dangling.conll');
    fs.symlinkSync(path.join('sub', 'new.conll'), link);
    const r = ner(['predict', '--model', model, '--input', text, '--output', link, '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.lstatSync(link).isSymbolicLink(), 'still a link');
    assert.equal(fs.readFileSync(path.join(dir, 'sub', 'new.conll'), 'utf8'), expected);
  });

  test('eval --output and report --output through a link', () => {
    const { dir, gold } = workDir();
    fs.symlinkSync('pred.txt', path.join(dir, 'pred-link'));
    const r = ner(['eval', '--model', model, '--data', gold, '--output', path.join(dir, 'pred-link'), '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.lstatSync(path.join(dir, 'pred-link')).isSymbolicLink());
    assert.match(fs.readFileSync(path.join(dir, 'pred.txt'), 'utf8'), /^EU B-ORG \S+\n/);
    fs.symlinkSync('report.html', path.join(dir, 'report-link'));
    const report = ner(['report', model, '--output', path.join(dir, 'report-link'), '-q']);
    assert.equal(report.code, 0, report.stderr);
    assert.ok(fs.lstatSync(path.join(dir, 'report-link')).isSymbolicLink());
    assert.match(fs.readFileSync(path.join(dir, 'report.html'), 'utf8'), /^<!DOCTYPE html>/i);
  });
});

describe('an output that is an input is refused before anything is read', () => {
  /** Runs a command that must be refused: exit 2, the message, every file as it was, nothing new. */
  function assertRefused(dir: string, args: string[], message: RegExp, cwd = tmp): void {
    const before = snapshot(dir);
    const modelBefore = snapshot(model);
    assertUserError(ner(args, { cwd }), 2, message);
    assert.deepEqual(snapshot(dir), before, 'nothing written');
    assert.deepEqual(snapshot(model), modelBefore, 'the model is untouched');
  }

  test('predict --output the --input file: the same path, ./path, a symlink, a hard link', () => {
    const { dir, gold } = workDir();
    const predict = (output: string) => ['predict', '--model', model, '--input', gold, '--input-format', 'conll', '--output', output, '-q'];
    assertRefused(dir, predict(gold), new RegExp(`--output ${gold} is the input file ${gold} \\(--input\\); choose another output`));
    assertRefused(dir, ['predict', '--model', model, '--input', 'gold.conll', '--input-format', 'conll', '--output', './gold.conll'], /--output \.\/gold\.conll is the input file gold\.conll/, dir);
    fs.symlinkSync('gold.conll', path.join(dir, 'link.conll'));
    assertRefused(dir, predict(path.join(dir, 'link.conll')), /link\.conll is the input file .*gold\.conll/);
    fs.linkSync(gold, path.join(dir, 'hard.conll'));
    assertRefused(dir, predict(path.join(dir, 'hard.conll')), /hard\.conll is the input file .*gold\.conll/);
  });

  test('stdout appended to the --input file (>> FILE) is refused too', () => {
    const { dir, text } = workDir();
    const before = snapshot(dir);
    const r = execFileSyncResult('bash', ['-c', '"$0" "$1" predict --model "$2" --input "$3" -q >> "$3"', process.execPath, MAIN, model, text]);
    assertUserError(r, 2, /--output - is the input file .*in\.txt \(--input\); choose another output/);
    assert.deepEqual(snapshot(dir), before);
  });

  test('standard input read from the --output file (< FILE --output FILE) is refused too', () => {
    const { dir, text } = workDir();
    const before = snapshot(dir);
    for (const input of [[], ['--input', '-']]) {
      const script = 'main="$1" model="$2" file="$3"; shift 3; "$0" "$main" predict --model "$model" --output "$file" -q "$@" < "$file"';
      const r = execFileSyncResult('bash', ['-c', script, process.execPath, MAIN, model, text, ...input]);
      assertUserError(r, 2, /--output .*in\.txt is the standard input \(--input\); choose another output/);
      assert.deepEqual(snapshot(dir), before);
    }
  });

  test('predict --output a file of the model', () => {
    const { dir, text } = workDir();
    assertRefused(dir, ['predict', '--model', model, '--input', text, '--output', path.join(model, 'weights.bin')], /weights\.bin is the input file .*weights\.bin \(--model\)/);
  });

  test('eval --output the --data file, or a link to it', () => {
    const { dir, gold } = workDir();
    assertRefused(dir, ['eval', '--model', model, '--data', gold, '--output', gold], /--output .*gold\.conll is the input file .*gold\.conll \(--data\)/);
    fs.symlinkSync(gold, path.join(dir, 'link.conll'));
    assertRefused(dir, ['eval', '--model', model, '--data', gold, '--output', path.join(dir, 'link.conll')], /is the input file .*gold\.conll/);
  });

  test('eval --pred with --output is refused', () => {
    const { dir, gold } = workDir();
    assertRefused(dir, ['eval', '--pred', gold, '--output', gold], /--output/);
  });

  test('report --output DIR/metadata.json', () => {
    const { dir } = workDir();
    assertRefused(dir, ['report', model, '--output', path.join(model, 'metadata.json')], /metadata\.json is the input file .*metadata\.json \(--model\)/);
  });
});

/**
 * Runs `ner predict` on a FIFO into `out` (with `extra` options), sends
 * `signal` once it is writing (its temporary output exists: the input stays
 * open, so predict waits for more lines in the middle of writing), and
 * returns what the shell saw and whether the temporary output was a file or a directory.
 */
async function interruptWhileWriting(dir: string, out: string, extra: string[], signal: NodeJS.Signals): Promise<{ stdout: string; stderr: string; temporaryKind: string }> {
  const fifo = path.join(dir, 'in.fifo');
  execFileSync('mkfifo', [fifo]);
  // Through a shell, which reports the status as users see it.
  const script = `"$0" "$1" predict --model "$2" --input "$3" --output "$4" ${extra.join(' ')} -q; echo "status $?"`;
  const run = start('bash', ['-c', script, process.execPath, MAIN, model, fifo, out]);
  let exited = false;
  void run.done.then(() => (exited = true));
  const feed = fs.createWriteStream(fifo);
  feed.on('error', () => {});
  try {
    feed.write('Angela Merkel visited Paris .\n');
    await until(() => exited || tempFiles(dir).length > 0);
    const temporary = path.join(dir, tempFiles(dir)[0] ?? '');
    const pid = Number(/\.tmp-(\d+)$/.exec(temporary)?.[1]);
    assert.ok(pid > 0, `a temporary output named with the pid of ner (stderr: ${(await Promise.race([run.done, { stderr: '' }])).stderr})`);
    const kind = fs.statSync(temporary).isDirectory() ? 'directory' : 'file';
    process.kill(pid, signal);
    return { ...(await run.done), temporaryKind: kind };
  } finally {
    run.child.kill('SIGKILL');
    feed.destroy();
    releaseFifo(fifo);
  }
}

describe('Ctrl-C and SIGTERM while writing', () => {
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`${signal}: exit status ${status}, the temporary file removed, the previous file untouched`, async () => {
      const { dir } = workDir();
      const out = path.join(dir, 'out.conll');
      fs.writeFileSync(out, 'previous\n');
      const r = await interruptWhileWriting(dir, out, [], signal);
      assert.equal(r.stdout, `status ${status}\n`, r.stderr);
      // (bash then reports a child killed by SIGTERM: "… Terminated".)
      assert.equal(r.stderr.split('\n')[0], `ner: error: interrupted (${signal}); ${out} was left as it was`);
      assert.deepEqual(tempFiles(dir), []);
      assert.equal(fs.readFileSync(out, 'utf8'), 'previous\n');
    });
  }

  test('SIGINT while writing a directory (--output-format brat): the temporary directory removed, no output directory', async () => {
    const { dir } = workDir();
    const out = path.join(dir, 'brat');
    const r = await interruptWhileWriting(dir, out, ['--output-format', 'brat'], 'SIGINT');
    assert.equal(r.temporaryKind, 'directory');
    assert.equal(r.stdout, 'status 130\n', r.stderr);
    assert.equal(r.stderr.split('\n')[0], `ner: error: interrupted (SIGINT); ${out} was left as it was`);
    assert.deepEqual(tempFiles(dir), []);
    assert.equal(fs.existsSync(out), false);
  });
});

describe('Ctrl-C while a long line is being tagged', () => {
  test('interrupts once the line is tagged: exit status 130, no output written, no temporary file', async () => {
    const { dir } = workDir();
    // A line long enough that tagging it takes a while: the signal comes while JavaScript is busy.
    const input = path.join(dir, 'long.txt');
    fs.writeFileSync(input, `${'Angela Merkel visited Paris . '.repeat(6000)}\n`);
    const out = path.join(dir, 'out.json');
    const script = '"$0" "$1" predict --model "$2" --input "$3" --output "$4" --output-format json -q; echo "status $?"';
    const run = start('bash', ['-c', script, process.execPath, MAIN, model, input, out]);
    try {
      await until(() => tempFiles(dir).length > 0);
      const pid = Number(/\.tmp-(\d+)$/.exec(tempFiles(dir)[0])![1]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      process.kill(pid, 'SIGINT');
      const r = await run.done;
      assert.equal(r.stdout, 'status 130\n', r.stderr);
      assert.deepEqual(tempFiles(dir), []);
      assert.equal(fs.existsSync(out), false);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});

describe("'-' is standard input or output", () => {
  test('predict --input - --output - through a pipe', () => {
    const r = ner(['predict', '--model', model, '--input', '-', '--output', '-', '-q'], { input: TEXT });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, expected);
    const joined = ner(['predict', '--model', model, '--input=-', '--output=-', '-q'], { input: TEXT });
    assert.equal(joined.code, 0, joined.stderr);
    assert.equal(joined.stdout, expected);
  });

  test('eval --pred - through a pipe scores as the file does', () => {
    const { gold } = workDir();
    const pred = GOLD.replace(/ (\S+)\n/g, ' $1 $1\n');
    const fromFile = ner(['eval', '--pred', writeFile(gold + '.pred', pred)]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const fromPipe = ner(['eval', '--pred', '-'], { input: pred });
    assert.equal(fromPipe.code, 0, fromPipe.stderr);
    assert.equal(fromPipe.stdout, fromFile.stdout);
    assert.match(fromPipe.stdout, /FB1: 100\.00/);
  });

  test("a '-' that is no option's value is a usage error", () => {
    const message = /a lone '-' \(stdin or stdout\) must be the value of an option, as in --input - or --output -/;
    assertUserError(ner(['predict', '--model', model, '-']), 2, message);
    assertUserError(ner(['predict', '--model', model, '--quiet', '-']), 2, message);
    assertUserError(ner(['predict', '--model', model, '--input']), 2, /Not enough arguments following: input/);
  });
});

function writeFile(file: string, text: string): string {
  fs.writeFileSync(file, text);
  return file;
}

/** Every entry under `dir` with its type and content (files) or link target, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    const stat = fs.lstatSync(file);
    if (stat.isSymbolicLink()) entries[name] = `link ${fs.readlinkSync(file)}`;
    else if (stat.isFile()) entries[name] = `file ${stat.ino} ${fs.readFileSync(file).toString('base64')}`;
    else if (stat.isDirectory()) entries[name] = 'dir';
    else entries[name] = 'special';
  }
  return entries;
}

function execFileSyncResult(command: string, args: string[]): CliResult {
  try {
    const stdout = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NER_DEBUG: '' } });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number | null; stdout: string; stderr: string };
    return { code: e.status ?? -1, stdout: e.stdout, stderr: e.stderr };
  }
}
