/**
 * File-system failures (a full disk, a read-only mount, a path through a
 * file, a permission) as users should read them: one line naming the path,
 * what ner was doing and why it could not, instead of Node's
 * `ENOSPC: no space left on device, write` reported as an internal error.
 */
import { FileSystemError } from '../errors';

/** Why a system call failed, in words, for the codes a user can cause or meet. */
const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EBUSY: 'busy (in use by another process or a mount point)',
  EXDEV: 'on another file system',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error (a failing disk or a lost network mount)',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
  ETXTBSY: 'file busy',
};

/** What ner was doing, by system call. */
const ACTIONS: Record<string, string> = {
  open: 'cannot open',
  read: 'cannot read',
  write: 'cannot write',
  fsync: 'cannot write',
  close: 'cannot write',
  mkdir: 'cannot create the directory',
  rmdir: 'cannot remove',
  unlink: 'cannot remove',
  rm: 'cannot remove',
  rename: 'cannot rename',
  scandir: 'cannot list',
  stat: 'cannot read',
  lstat: 'cannot read',
  access: 'cannot access',
  copyfile: 'cannot copy',
  link: 'cannot link',
  symlink: 'cannot link',
  ftruncate: 'cannot write',
  chmod: 'cannot change permissions of',
};

function isErrno(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | null;
  return e instanceof Error && typeof e.code === 'string' && /^E[A-Z0-9]+$/.test(e.code) && typeof e.syscall === 'string';
}

/**
 * The user error a failed system call amounts to (exit 2), or undefined
 * for anything else. Node's own message is kept as the reason for a code
 * not listed here.
 */
export function fileSystemError(err: unknown): FileSystemError | undefined {
  if (!isErrno(err)) return undefined;
  const code = err.code!;
  const reason = errnoReason(err);
  const action = ACTIONS[err.syscall!] ?? `${err.syscall} failed`;
  const dest = (err as { dest?: string }).dest;
  const target = err.path === undefined ? '' : `${err.path}: `;
  const where = dest === undefined ? action : `${action} to ${dest}`;
  return new FileSystemError(`${target}${where}: ${reason} (${code})`, code, err.path);
}

/** Why a system call failed, in words (for the codes listed above; else Node's own). */
export function errnoReason(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  return REASONS[code] ?? (/^E[A-Z0-9]+: ([^,]+)/.exec(err.message)?.[1] ?? err.message);
}

/**
 * Names `file` on an error from a call made through a file descriptor
 * (fs.writeSync, fs.fsyncSync), which Node reports without a path.
 */
export function withPath(err: unknown, file: string): unknown {
  if (isErrno(err) && err.path === undefined) err.path = file;
  return err;
}
