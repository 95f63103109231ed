/**
 * io/output.ts: where an output goes (checkOutput) and how it is written
 * (writeOutput), in a temporary directory; special files are made only there.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError, UsageError } from '../src/errors';
import { Destination, checkOutput, writeOutput } from '../src/io/output';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-output-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let dirs = 0;
function workDir(): string {
  const dir = path.join(tmp, `case-${++dirs}`);
  fs.mkdirSync(dir);
  return dir;
}

const tempFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.includes('.tmp'));
const write = (destination: Destination, ...texts: string[]) => writeOutput(destination, (out) => texts.forEach((t) => out.write(t)));

describe('checkOutput: where an output goes', () => {
  test("'-' and /dev/fd/N are descriptors this process holds", () => {
    assert.deepEqual(checkOutput('-'), { kind: 'descriptor', target: '-', fd: 1 });
    const fd = fs.openSync(path.join(workDir(), 'f'), 'w');
    try {
      assert.deepEqual(checkOutput(`/dev/fd/${fd}`), { kind: 'descriptor', target: `/dev/fd/${fd}`, fd });
      assert.deepEqual(checkOutput(`/proc/self/fd/${fd}`), { kind: 'descriptor', target: `/proc/self/fd/${fd}`, fd });
    } finally {
      fs.closeSync(fd);
    }
    assert.throws(() => checkOutput('/dev/fd/999'), (e: unknown) => e instanceof DataError && e.message === '/dev/fd/999: cannot write: file descriptor 999 is not open');
  });

  test('a regular file, new or not, through symbolic links (dangling or chained)', () => {
    const dir = workDir();
    const file = path.join(dir, 'out.txt');
    assert.deepEqual(checkOutput(file), { kind: 'file', target: file, file });
    fs.symlinkSync('out.txt', path.join(dir, 'a'));
    fs.symlinkSync('a', path.join(dir, 'b'));
    assert.deepEqual(checkOutput(path.join(dir, 'b')), { kind: 'file', target: path.join(dir, 'b'), file });
    fs.writeFileSync(file, 'x');
    assert.deepEqual(checkOutput(path.join(dir, 'b')), { kind: 'file', target: path.join(dir, 'b'), file });
  });

  test('a FIFO is written in place', () => {
    const fifo = path.join(workDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    assert.deepEqual(checkOutput(fifo), { kind: 'special', target: fifo, file: fifo });
  });

  test('a missing directory, a directory, a socket, a loop of links: errors naming the output', async () => {
    const dir = workDir();
    const refused = (target: string, message: RegExp) =>
      assert.throws(() => checkOutput(target), (e: unknown) => e instanceof DataError && e.message.startsWith(`${target}: `) && message.test(e.message));
    refused(path.join(dir, 'missing', 'out.txt'), /cannot write: directory .*missing does not exist/);
    refused(dir, /is a directory, expected a file to write/);
    fs.symlinkSync('loop', path.join(dir, 'loop'));
    refused(path.join(dir, 'loop'), /too many levels of symbolic links/);
    const socket = path.join(dir, 'socket');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      refused(socket, /is a socket/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('an input file is refused however it is named: path, ./ path, symbolic link, hard link', () => {
    const dir = workDir();
    const gold = path.join(dir, 'gold.conll');
    fs.writeFileSync(gold, 'EU B-ORG\n');
    const inputs = [{ option: '--data', file: gold }];
    fs.symlinkSync('gold.conll', path.join(dir, 'link'));
    fs.linkSync(gold, path.join(dir, 'hard'));
    for (const output of [gold, path.join(dir, '.', 'sub', '..', 'gold.conll'), path.join(dir, 'link'), path.join(dir, 'hard')]) {
      assert.throws(
        () => checkOutput(output, inputs),
        (e: unknown) => e instanceof UsageError && e.message === `--output ${output} is the input file ${gold} (--data); choose another output`,
      );
    }
    assert.throws(() => checkOutput(gold, inputs, '--pred-out'), /^UsageError: --pred-out /);
    // A copy is another file; '-' and missing inputs are left to their readers.
    fs.copyFileSync(gold, path.join(dir, 'copy'));
    assert.equal(checkOutput(path.join(dir, 'copy'), [...inputs, { option: '--input', file: '-' }, { option: '--x', file: path.join(dir, 'none') }]).kind, 'file');
  });
});

describe('writeOutput', () => {
  test('a new file appears complete; no temporary file stays', async () => {
    const dir = workDir();
    const file = path.join(dir, 'out.txt');
    await write(checkOutput(file), 'one\n', 'two\n');
    assert.equal(fs.readFileSync(file, 'utf8'), 'one\ntwo\n');
    assert.deepEqual(tempFiles(dir), []);
    assert.equal(process.listenerCount('SIGINT'), 0, 'signal handlers only while a temporary file exists');
    assert.equal(process.listenerCount('SIGTERM'), 0);
  });

  test('an existing file is replaced by rename and keeps its mode', async () => {
    const dir = workDir();
    const file = path.join(dir, 'out.txt');
    fs.writeFileSync(file, 'old\n');
    fs.chmodSync(file, 0o604);
    const inode = fs.statSync(file).ino;
    await write(checkOutput(file), 'new\n');
    assert.equal(fs.readFileSync(file, 'utf8'), 'new\n');
    assert.notEqual(fs.statSync(file).ino, inode, 'a new file renamed into place');
    assert.equal(fs.statSync(file).mode & 0o777, 0o604);
  });

  test('a failure leaves the old file as it was and no temporary file', async () => {
    const dir = workDir();
    const file = path.join(dir, 'out.txt');
    fs.writeFileSync(file, 'old\n');
    const destination = checkOutput(file);
    await assert.rejects(
      writeOutput(destination, (out) => {
        out.write('half');
        assert.equal(tempFiles(dir).length, 1, 'written under a temporary name');
        throw new Error('model failed');
      }),
      /model failed/,
    );
    assert.equal(fs.readFileSync(file, 'utf8'), 'old\n');
    assert.deepEqual(tempFiles(dir), []);
  });

  test('symbolic links stay; the file they name is written, a dangling one created', async () => {
    const dir = workDir();
    fs.writeFileSync(path.join(dir, 'target'), 'old\n');
    fs.symlinkSync('target', path.join(dir, 'link'));
    fs.symlinkSync('link', path.join(dir, 'link2'));
    await write(checkOutput(path.join(dir, 'link2')), 'new\n');
    assert.ok(fs.lstatSync(path.join(dir, 'link')).isSymbolicLink() && fs.lstatSync(path.join(dir, 'link2')).isSymbolicLink());
    assert.equal(fs.readFileSync(path.join(dir, 'target'), 'utf8'), 'new\n');
    fs.symlinkSync('created', path.join(dir, 'dangling'));
    await write(checkOutput(path.join(dir, 'dangling')), 'made\n');
    assert.ok(fs.lstatSync(path.join(dir, 'dangling')).isSymbolicLink());
    assert.equal(fs.readFileSync(path.join(dir, 'created'), 'utf8'), 'made\n');
    assert.deepEqual(tempFiles(dir), []);
  });

  test('/dev/fd/N writes through the descriptor, which stays open', async () => {
    const dir = workDir();
    const file = path.join(dir, 'f');
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, 'before\n');
      await write(checkOutput(`/dev/fd/${fd}`), 'through\n');
      fs.writeSync(fd, 'after\n');
    } finally {
      fs.closeSync(fd);
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'before\nthrough\nafter\n');
    assert.deepEqual(tempFiles(dir), []);
  });

  test('a FIFO: the reader gets everything, the FIFO stays', async () => {
    const dir = workDir();
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // cat copies to a file, not to a pipe into this process: this thread is blocked in writing while cat reads.
    const copy = path.join(dir, 'copy');
    const copyFd = fs.openSync(copy, 'w');
    const cat = spawn('cat', [fifo], { stdio: ['ignore', copyFd, 'inherit'] });
    fs.closeSync(copyFd);
    const closed = new Promise((resolve) => cat.on('close', resolve));
    const text = 'x'.repeat(200_000) + '\n'; // more than a pipe holds at once
    try {
      await write(checkOutput(fifo), text, 'end\n');
      await closed;
    } finally {
      cat.kill('SIGKILL');
    }
    assert.equal(fs.readFileSync(copy, 'utf8'), `${text}end\n`);
    assert.ok(fs.lstatSync(fifo).isFIFO());
    assert.deepEqual(tempFiles(dir), []);
  });

  test('a character device stays a device', async (t) => {
    const dir = workDir();
    const device = path.join(dir, 'null');
    const made = spawnSync('mknod', [device, 'c', '1', '3'], { encoding: 'utf8' });
    if (made.status !== 0) return t.skip(`mknod is not permitted here (${made.stderr.trim()})`);
    const destination = checkOutput(device);
    assert.equal(destination.kind, 'special');
    await write(destination, 'gone\n');
    assert.ok(fs.lstatSync(device).isCharacterDevice());
    assert.deepEqual(tempFiles(dir), []);
  });
});

describe('signals while a temporary file is open', () => {
  const OUTPUT = JSON.stringify(path.join(__dirname, '..', 'src', 'io', 'output.js'));
  /** Runs `body` in a child node process with `file` and `writeOutput`, `checkOutput` in scope. */
  const child = (file: string, body: string) =>
    spawnSync(process.execPath, ['-e', `const { checkOutput, writeOutput } = require(${OUTPUT}); const file = ${JSON.stringify(file)}; (async () => { ${body} })();`], {
      encoding: 'utf8',
    });

  test('SIGTERM removes the temporary file, then the process dies of it; the old file stays', () => {
    const dir = workDir();
    const file = path.join(dir, 'out.txt');
    fs.writeFileSync(file, 'old\n');
    const r = child(file, `await writeOutput(checkOutput(file), async (out) => { out.write('half'); process.kill(process.pid, 'SIGTERM'); await new Promise(() => setInterval(() => {}, 1000)); });`);
    assert.equal(r.signal, 'SIGTERM', `status ${r.status}, stderr: ${r.stderr}`);
    assert.equal(r.stderr, `ner: error: interrupted (SIGTERM); ${file} was left as it was\n`);
    assert.equal(fs.readFileSync(file, 'utf8'), 'old\n');
    assert.deepEqual(tempFiles(dir), []);
  });

  test('a command with its own SIGINT handler (train) keeps control: the write finishes', () => {
    const dir = workDir();
    const file = path.join(dir, 'out.txt');
    const r = child(
      file,
      // The interval keeps the process alive (as training does) until the signal arrives: signal handlers alone do not.
      `process.on('SIGINT', () => {});
       const alive = setInterval(() => {}, 1000);
       await writeOutput(checkOutput(file), async (out) => { out.write('a'); const seen = new Promise((resolve) => process.once('SIGINT', resolve)); process.kill(process.pid, 'SIGINT'); await seen; out.write('b'); });
       clearInterval(alive);
       console.log(process.listenerCount('SIGINT'));`,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '1\n', 'its handlers gone once the file is written');
    assert.equal(fs.readFileSync(file, 'utf8'), 'ab');
    assert.deepEqual(tempFiles(dir), []);
  });

  test('process.exit during a write removes the temporary file', () => {
    const dir = workDir();
    const file = path.join(dir, 'out.txt');
    const r = child(file, `await writeOutput(checkOutput(file), () => { process.exit(3); });`);
    assert.equal(r.status, 3, r.stderr);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
