/**
 * A lock on a model directory while `ner train` writes it, so that a second
 * run on the same directory refuses instead of both finishing and the last
 * one silently winning:
 *
 *   DIR/train.lock   {"pid": …, "hostname": …, "startedAt": …}
 *
 * Created with O_EXCL, so of two runs exactly one gets it. It covers the
 * whole run: the final save replaces DIR by a new directory, and a lock this
 * process holds moves into that directory with it (modelDir.writeDirAtomically).
 * A lock whose process is gone (on this host) is taken over with a notice; a
 * lock from another host is not guessed about.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelError } from '../errors';

export const LOCK_FILE = 'train.lock';

/** Who holds a lock. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO 8601. */
  startedAt: string;
}

function readOwner(dir: string): LockOwner | 'unreadable' | undefined {
  return readOwnerFile(path.join(dir, LOCK_FILE));
}

function readOwnerFile(file: string): LockOwner | 'unreadable' | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unreadable';
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (Number.isSafeInteger(owner.pid) && owner.pid > 0 && typeof owner.hostname === 'string' && typeof owner.startedAt === 'string') return owner;
  } catch {
    // fall through
  }
  return 'unreadable';
}

/** Whether process `pid` of this host still runs. */
export function processRuns(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Whether the process of `owner` still runs: known only on this host. */
function isAlive(owner: LockOwner): boolean | undefined {
  return owner.hostname === os.hostname() ? processRuns(owner.pid) : undefined;
}

/** "PID 123, started …", with the host when it is another. */
export function describeOwner(owner: LockOwner): string {
  const host = owner.hostname === os.hostname() ? '' : ` on ${owner.hostname}`;
  return `PID ${owner.pid}${host}, started ${owner.startedAt}`;
}

/** The lock on `dir`, if any: who holds it and whether that run still runs (undefined: cannot tell). */
export function lockOf(dir: string): { owner: LockOwner | 'unreadable'; alive: boolean | undefined } | undefined {
  const owner = readOwner(dir);
  if (owner === undefined) return undefined;
  return { owner, alive: owner === 'unreadable' ? undefined : isAlive(owner) };
}

function isOurs(owner: LockOwner | 'unreadable' | undefined): boolean {
  return owner !== undefined && owner !== 'unreadable' && owner.pid === process.pid && owner.hostname === os.hostname();
}

/**
 * The lock file's content when this process holds the lock on `dir`, to be
 * carried into a directory that replaces `dir`.
 */
export function heldLock(dir: string): string | undefined {
  if (!isOurs(readOwner(dir))) return undefined;
  return fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8');
}

/**
 * Removes lock file `file` if it still holds `stale`; false when another run
 * has replaced it since (its lock then stays). Two runs may judge the same
 * lock stale at once: the lock is first moved aside by a rename, which only
 * one of them can do to one file, and what was moved is checked, so that
 * neither removes a lock the other has just made.
 */
export function removeStaleLock(file: string, stale: LockOwner): boolean {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true; // gone already: the way is free
    throw err;
  }
  const moved = readOwnerFile(aside);
  const same = moved !== undefined && moved !== 'unreadable' && moved.pid === stale.pid && moved.hostname === stale.hostname && moved.startedAt === stale.startedAt;
  if (!same) {
    // Another run's new lock: back where it was (unless yet another has appeared there, which then stands).
    try {
      fs.linkSync(aside, file);
    } catch {
      // that other one stands
    }
  }
  fs.rmSync(aside, { force: true });
  return same;
}

/** A lock this process holds on a model directory. */
export class ModelLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly dir: string,
    /** The first directory that taking the lock created (DIR or an ancestor), for a failed run to remove. */
    readonly created: string | undefined,
  ) {
    // A process.exit() anywhere still releases it.
    process.on('exit', this.onExit);
  }

  /**
   * Takes the lock on `dir`, creating the directory (and its parents) if
   * need be; `notice` hears of a stale lock taken over. Refuses (ModelError)
   * while another run holds it.
   */
  static acquire(dir: string, notice: (line: string) => void): ModelLock {
    const created = fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, LOCK_FILE);
    const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };
    for (let attempt = 1; ; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx');
        try {
          fs.writeSync(fd, `${JSON.stringify(owner)}\n`);
        } finally {
          fs.closeSync(fd);
        }
        return new ModelLock(dir, created);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = lockOf(dir);
      if (held === undefined) continue; // released in between: try again
      if (held.owner === 'unreadable') {
        throw new ModelError(dir, `is locked (${file} exists but does not say by whom); if no ner train is writing ${dir}, remove ${file}`);
      }
      const who = describeOwner(held.owner);
      if (held.alive === undefined) {
        throw new ModelError(dir, `is locked by ner train ${who}; whether it still runs cannot be told from here: if it does not, remove ${file}`);
      }
      if (held.alive) throw new ModelError(dir, `is locked by another ner train (${who}) that is writing it; wait for it to finish, or choose another --out`);
      if (attempt > 1 || !removeStaleLock(file, held.owner)) {
        throw new ModelError(dir, `is locked: another ner train took over the stale lock of ${who} at the same moment`);
      }
      notice(`${dir}: taking over the stale lock of ner train ${who}, which is no longer running`);
    }
  }

  /** Removes the lock, if it is still ours (it moved with the directory if the directory was replaced). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    if (isOurs(readOwner(this.dir))) fs.rmSync(path.join(this.dir, LOCK_FILE), { force: true });
  }
}
