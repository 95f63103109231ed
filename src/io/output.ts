/**
 * Every file a command writes (`predict --output`, `eval --output`,
 * `report --output`), and how it gets there:
 *
 * - `-`, `/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N` (as process
 *   substitution passes `>(…)`): the descriptor this process already holds,
 *   written as it is.
 * - An existing FIFO or device: opened and written in place. A temporary file
 *   renamed over it would replace the device, and pipes refuse fsync.
 * - A regular file, new or existing: written to a temporary name beside it,
 *   synced and renamed over it, so it is complete or untouched; a replaced
 *   file keeps its mode.
 * - A symbolic link is followed, dangling or not, and the file it names is
 *   written as above; the link stays.
 *
 * A directory (`predict --output-format brat`, see checkOutputDir) is new or
 * an empty one: its files are written into a temporary directory beside it,
 * synced, and the directory renamed into place, so it is complete or absent.
 *
 * `checkOutput` refuses an output that is one of the command's input files
 * (by device and inode: the same path spelt differently, a symbolic or a hard
 * link) before anything is read. SIGINT or SIGTERM while a temporary file is
 * open removes it; the process then dies of the signal (exit status 130 or 143).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError, UsageError } from '../errors';
import { sleepSync } from '../util/sleep';
import { errnoReason } from './fsErrors';

/** A file a command reads, and the option that named it (for messages). */
export interface InputFile {
  option: string;
  file: string;
}

/** Where an output goes, as `checkOutput` found it; `target` is what the user typed. */
export type Destination =
  /** A descriptor this process holds: stdout, or `/dev/fd/N`. */
  | { kind: 'descriptor'; target: string; fd: number }
  /** An existing FIFO or device, written in place. */
  | { kind: 'special'; target: string; file: string }
  /** A regular file (new or existing, symbolic links followed), replaced atomically. */
  | { kind: 'file'; target: string; file: string };

/** What a command writes its output through. */
export interface Output {
  /** Writes all of `text`. */
  write(text: string): void;
}

/** `/dev/fd/N` and `/proc/self/fd/N` (or this process's pid): descriptor N. */
function descriptorOf(file: string): number | undefined {
  const m = /^\/(?:dev\/fd|proc\/(self|thread-self|\d+)\/fd)\/(\d+)$/.exec(file);
  if (m === null || (m[1] !== undefined && /^\d+$/.test(m[1]) && Number(m[1]) !== process.pid)) return undefined;
  return Number(m[2]);
}

/** Linux's O_CLOEXEC, as /proc/self/fdinfo shows it (octal 02000000). */
const O_CLOEXEC = 0o2000000;

/**
 * Whether descriptor `fd` may be one handed to this process (stdin, stdout,
 * stderr, a shell's `>(…)` or `4>file`) rather than one Node.js opened for
 * itself: writing into libuv's own pipes and event descriptors loses the
 * output or crashes the process. Node opens all of its own close-on-exec;
 * inherited ones come without the flag, except that at start-up Node sets it
 * on descriptors up to 15 as well (uv_disable_stdio_inheritance). So a
 * descriptor without the flag is given (bash's `>(…)` is 63), and one with it
 * only when it is a regular file, which Node never holds of its own at start.
 * /proc/self/fdinfo tells (Linux); where it cannot be read, a descriptor is taken as given.
 */
function givenDescriptor(fd: number): boolean {
  if (fd <= 2) return true;
  let info: string;
  try {
    info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  } catch {
    return true;
  }
  const flags = /^flags:\s+([0-7]+)$/m.exec(info)?.[1];
  if (flags === undefined || (parseInt(flags, 8) & O_CLOEXEC) === 0) return true;
  return fstatOrUndefined(fd)?.isFile() === true;
}

/** Why a system call failed, as every file-system error says it (io/fsErrors.ts): `permission denied (EACCES)`. */
function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code === undefined ? String(err) : `${errnoReason(e)} (${e.code})`;
}

/** A failed system call on the output as a user error naming it; a closed pipe (EPIPE) passes, the CLI ends quietly on it. */
function writeError(target: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code !== 'string' || code === 'EPIPE' || !('syscall' in (err as object))) return err;
  return new DataError(target, undefined, `cannot write: ${reason(err)}`);
}

function statOrUndefined(file: string, follow = true): fs.Stats | undefined {
  try {
    return follow ? fs.statSync(file) : fs.lstatSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function fstatOrUndefined(fd: number): fs.Stats | undefined {
  try {
    return fs.fstatSync(fd);
  } catch {
    return undefined;
  }
}

/**
 * The path a write to `target` lands on: symbolic links followed one at a
 * time, so that a dangling one still names the file to create (realpath
 * fails there) and `/dev/fd/N` is recognised on the way.
 */
function followLinks(target: string): string {
  let file = path.resolve(target);
  for (let hops = 0; hops < 40; hops++) {
    if (descriptorOf(file) !== undefined) return file;
    const stat = statOrUndefined(file, false);
    if (stat === undefined || !stat.isSymbolicLink()) return file;
    const link = fs.readlinkSync(file);
    // procfs links such as `pipe:[123]` name no path; the kernel follows them when the file is opened.
    if (!path.isAbsolute(link) && /^[a-z_]+:\[\d+\]$/.test(link)) return file;
    file = path.resolve(path.dirname(file), link);
  }
  throw new DataError(target, undefined, 'cannot write: too many levels of symbolic links');
}

function destinationOf(target: string): Destination {
  if (target === '-') return { kind: 'descriptor', target, fd: 1 };
  const file = followLinks(target);
  const fd = descriptorOf(file);
  if (fd !== undefined) {
    if (fstatOrUndefined(fd) === undefined) throw new DataError(target, undefined, `cannot write: file descriptor ${fd} is not open`);
    if (!givenDescriptor(fd)) throw new DataError(target, undefined, `cannot write: file descriptor ${fd} may be one Node.js uses for itself (a pipe or device of descriptor 3 to 15); redirect to a file, or use a descriptor above 15`);
    return { kind: 'descriptor', target, fd };
  }
  const stat = statOrUndefined(file);
  if (stat?.isDirectory()) throw new DataError(target, undefined, 'is a directory, expected a file to write');
  if (stat?.isSocket()) throw new DataError(target, undefined, 'is a socket; ner writes files, FIFOs and devices');
  if (stat !== undefined && !stat.isFile()) return { kind: 'special', target, file };
  const dir = path.dirname(file);
  const dirStat = statOrUndefined(dir);
  if (dirStat === undefined) throw new DataError(target, undefined, `cannot write: directory ${dir} does not exist`);
  if (!dirStat.isDirectory()) throw new DataError(target, undefined, `cannot write: ${dir} is not a directory`);
  return { kind: 'file', target, file };
}

/**
 * Checks that `target` (a path, or '-' for stdout) can be written and is none
 * of `inputs`, and says where it goes. Call it before reading any input, so a
 * refused output costs nothing; it opens and creates nothing.
 */
export function checkOutput(target: string, inputs: readonly InputFile[] = [], option = '--output'): Destination {
  let destination: Destination;
  try {
    destination = destinationOf(target);
  } catch (err) {
    throw writeError(target, err); // a directory on the way we may not search, say
  }
  const written = destination.kind === 'descriptor' ? fstatOrUndefined(destination.fd) : statOrUndefined(destination.file);
  // Only a regular file can be lost by writing over it; a terminal or pipe may well be input and output at once.
  if (written?.isFile()) {
    for (const input of inputs) {
      // '-' is standard input, which a shell may have opened on the very file (`< x.txt --output x.txt`).
      const read = input.file === '-' ? fstatOrUndefined(0) : statOrUndefined(input.file);
      if (read !== undefined && read.dev === written.dev && read.ino === written.ino) {
        const what = input.file === '-' ? 'the standard input' : `the input file ${input.file}`;
        throw new UsageError(`${option} ${target} is ${what} (${input.option}); choose another output`);
      }
    }
  }
  if (destination.kind !== 'descriptor') {
    const checked = destination.kind === 'file' ? path.dirname(destination.file) : destination.file;
    try {
      fs.accessSync(checked, fs.constants.W_OK);
    } catch (err) {
      throw new DataError(target, undefined, `cannot write: ${reason(err)}`);
    }
  }
  return destination;
}


function outputTo(fd: number, target: string): Output {
  return {
    // A pipe may be non-blocking (stdout often is): it can take part of a
    // write, or none (EAGAIN) while the reader catches up.
    write(text: string): void {
      const bytes = Buffer.from(text, 'utf8');
      let offset = 0;
      while (offset < bytes.length) {
        try {
          offset += fs.writeSync(fd, bytes, offset);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw writeError(target, err);
          sleepSync(2);
        }
      }
    },
  };
}

/**
 * Resolves once the event loop has read any signal that arrived while
 * JavaScript was busy (tagging one long line can take minutes): without this,
 * a Ctrl-C pressed then was handled only after the output was committed and
 * its handler removed, and the command ended as if never interrupted. The
 * signal is read in the loop's poll phase; one setImmediate may run before
 * the next poll, two run after it.
 */
function signalsDelivered(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** Temporary files being written, and the outputs they will become. */
const unfinished = new Map<string, string>();

function removeUnfinished(): void {
  // recursive: a directory output (writeOutputDir) is written in a temporary directory.
  for (const tmp of unfinished.keys()) fs.rmSync(tmp, { force: true, recursive: true });
  unfinished.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // A command that handles the signal itself (train: checkpoint, then stop)
  // keeps control, and its writes finish.
  if (process.listenerCount(signal) > 1) return;
  const targets = [...unfinished.values()].join(', ');
  removeUnfinished();
  detachHandlers();
  // What process.exit would run: the 'exit' listeners (a progress bar clears its line).
  const code = 128 + os.constants.signals[signal];
  process.exitCode = code;
  process.emit('exit', code);
  process.stderr.write(`ner: error: interrupted (${signal}); ${targets} was left as it was\n`);
  // Then die of the signal, as an interrupted command should: the shell's $?
  // is 130 or 143. process.exit itself would first join libuv's threads, and
  // one blocked reading an idle FIFO (`--input <(…)`) would hang it.
  process.kill(process.pid, signal);
}

function detachHandlers(): void {
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('exit', removeUnfinished);
}

/** Handlers are installed only while a temporary file exists, so Ctrl-C otherwise keeps its default. */
function register(tmp: string, target: string): void {
  if (unfinished.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', removeUnfinished);
  }
  unfinished.set(tmp, target);
}

function unregister(tmp: string): void {
  unfinished.delete(tmp);
  if (unfinished.size === 0) detachHandlers();
}

async function replaceFile(destination: Extract<Destination, { kind: 'file' }>, fill: (out: Output) => void | Promise<void>): Promise<void> {
  const { target, file } = destination;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  const mode = statOrUndefined(file)?.mode;
  let fd: number | undefined;
  register(tmp, target);
  try {
    try {
      fs.rmSync(tmp, { force: true });
      fd = fs.openSync(tmp, 'wx');
      if (mode !== undefined) fs.fchmodSync(fd, mode & 0o7777);
    } catch (err) {
      throw writeError(target, err);
    }
    await fill(outputTo(fd, target));
    await signalsDelivered();
    try {
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = undefined;
      fs.renameSync(tmp, file);
    } catch (err) {
      throw writeError(target, err);
    }
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  } finally {
    unregister(tmp);
  }
}

/**
 * Writes an output: `fill` writes the text, and the output is complete when
 * the promise resolves. A regular file is replaced only then (a failure
 * leaves it as it was); stdout, pipes and devices receive the text as it comes.
 */
export async function writeOutput(destination: Destination, fill: (out: Output) => void | Promise<void>): Promise<void> {
  if (destination.kind === 'file') return replaceFile(destination, fill);
  if (destination.kind === 'descriptor') return fill(outputTo(destination.fd, destination.target));
  let fd: number;
  try {
    // No O_CREAT: if the FIFO or device went away since the check, say so rather than create a file.
    fd = fs.openSync(destination.file, fs.constants.O_WRONLY);
  } catch (err) {
    throw writeError(destination.target, err);
  }
  try {
    await fill(outputTo(fd, destination.target));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Checks that `target` can become a directory of output files: a new path in
 * an existing, writable directory, or an existing empty directory (symbolic
 * links followed). '-' (stdout) cannot hold several files: a UsageError.
 * Returns the path the directory will have. Opens and creates nothing.
 */
export function checkOutputDir(target: string, why: string, option = '--output'): string {
  if (target === '-') throw new UsageError(`${why} writes a directory of files, not standard output; give ${option} DIR`);
  let dir: string;
  try {
    dir = followLinks(target);
    if (descriptorOf(dir) !== undefined) throw new UsageError(`${why} writes a directory of files, not a file descriptor; give ${option} DIR`);
    const stat = statOrUndefined(dir);
    if (stat !== undefined && !stat.isDirectory()) throw new DataError(target, undefined, `exists and is not a directory; ${why} writes a new or empty directory`);
    if (stat !== undefined && fs.readdirSync(dir).length > 0) {
      throw new DataError(target, undefined, `is a directory that is not empty; ${why} writes a new or empty directory (remove it, or choose another)`);
    }
    const parent = path.dirname(dir);
    const parentStat = statOrUndefined(parent);
    if (parentStat === undefined) throw new DataError(target, undefined, `cannot write: directory ${parent} does not exist`);
    if (!parentStat.isDirectory()) throw new DataError(target, undefined, `cannot write: ${parent} is not a directory`);
    fs.accessSync(parent, fs.constants.W_OK);
  } catch (err) {
    if (err instanceof UsageError || err instanceof DataError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw err;
    throw new DataError(target, undefined, `cannot write: ${reason(err)}`);
  }
  return dir;
}

/**
 * Writes a directory of files (`dir` from checkOutputDir, `target` as the
 * user typed it): `fill` opens each file by name and writes it; when the
 * promise resolves, the files are synced and the temporary directory they
 * are in is renamed to `dir`. A failure, or SIGINT/SIGTERM, removes the
 * temporary directory and leaves `dir` as it was (absent, or empty).
 */
export async function writeOutputDir(dir: string, target: string, fill: (open: (name: string) => Output) => void | Promise<void>): Promise<void> {
  const tmp = path.join(path.dirname(dir), `.${path.basename(dir)}.tmp-${process.pid}`);
  const fds: number[] = [];
  register(tmp, target);
  try {
    try {
      fs.rmSync(tmp, { force: true, recursive: true });
      fs.mkdirSync(tmp);
    } catch (err) {
      throw writeError(target, err);
    }
    const open = (name: string): Output => {
      if (name !== path.basename(name) || name.startsWith('.')) throw new Error(`writeOutputDir: ${JSON.stringify(name)} is not a plain file name`);
      let fd: number;
      try {
        fd = fs.openSync(path.join(tmp, name), 'wx');
      } catch (err) {
        throw writeError(target, err);
      }
      fds.push(fd);
      return outputTo(fd, target);
    };
    await fill(open);
    await signalsDelivered();
    try {
      while (fds.length > 0) {
        fs.fsyncSync(fds[fds.length - 1]);
        fs.closeSync(fds.pop()!);
      }
      // rename(2) puts a directory in the place of an empty one.
      fs.renameSync(tmp, dir);
    } catch (err) {
      throw writeError(target, err);
    }
  } catch (err) {
    for (const fd of fds) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true, recursive: true });
    throw err;
  } finally {
    unregister(tmp);
  }
}
