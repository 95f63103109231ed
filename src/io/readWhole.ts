/**
 * Inputs read whole (CoNLL files, `eval --pred`, `--config`), bounded by
 * MAX_FILE_BYTES: a regular file larger than that is refused before it is
 * read, and a pipe or device (`--data <(zcat train.gz)`, standard input) is
 * read until its end or the bound, so that an endless one (/dev/zero,
 * `yes |`) stops with a message instead of exhausting memory.
 */
import * as fs from 'node:fs';
import { DataError } from '../errors';
import { MAX_FILE_BYTES, formatBytes } from '../limits';
import { sleepSync } from '../util/sleep';

const CHUNK = 1 << 20;

function tooLarge(name: string, limit: number, why: string): DataError {
  return new DataError(name, undefined, `larger than ${formatBytes(limit)}, ${why} (docs/formats.md, Limits)`);
}

/**
 * The bytes of `file` (a path, or 0 for standard input), named `name` in
 * errors; `why` says what sets the limit, in the message. File-system errors
 * (a missing file, a permission) are thrown as Node raises them.
 */
export function readWholeFile(file: string | 0, name: string, limit = MAX_FILE_BYTES, why = 'the most ner reads whole'): Buffer {
  const fd = file === 0 ? 0 : fs.openSync(file, 'r');
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isFile()) {
      if (stat.size > limit) throw tooLarge(name, limit, why);
      return fs.readFileSync(fd);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      let n: number;
      try {
        n = fs.readSync(fd, chunk, 0, CHUNK, null);
      } catch (err) {
        // Standard input may be a non-blocking pipe: nothing to read yet.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        sleepSync(2);
        continue;
      }
      if (n === 0) break;
      total += n;
      if (total > limit) throw tooLarge(name, limit, why);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } finally {
    if (file !== 0) fs.closeSync(fd);
  }
}
