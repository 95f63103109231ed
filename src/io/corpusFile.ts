/**
 * Reading a corpus file whole, for every corpus format (CoNLL, CSV, ...): the
 * checks on the path, the size limit that keeps a corpus within V8's heap,
 * and the decoding (strict UTF-8, the first bad line named; or ISO-8859-1).
 * One place, so that every format fails the same way on the same file.
 */
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import { DataError } from '../errors';
import { CORPUS_MEMORY_PER_BYTE, MAX_FILE_BYTES, formatBytes } from '../limits';
import { LATIN1_HINT, type TextEncoding } from './lines';
import { readWholeFile } from './readWhole';

/**
 * The largest corpus file read whole: what V8's heap can hold of it (its
 * limit, which `node --max-old-space-size=MB` raises, over
 * CORPUS_MEMORY_PER_BYTE), and never more than MAX_FILE_BYTES. Larger, the
 * process would die of an out-of-memory abort part way through.
 */
function maxCorpusBytes(): number {
  return Math.min(MAX_FILE_BYTES, Math.floor(v8.getHeapStatistics().heap_size_limit / CORPUS_MEMORY_PER_BYTE));
}

/**
 * The text of the corpus file `path` (reported as given), a `kind` file
 * ('CoNLL', 'CSV') for messages; a DataError for a path that is missing, a
 * directory or not a file, a file too big, or bytes that are not `encoding`.
 */
export function readCorpusText(path: string, kind: string, encoding: TextEncoding = 'utf8'): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (err) {
    throw new DataError(path, undefined, describeFsError(err, kind));
  }
  if (stat.isDirectory()) throw new DataError(path, undefined, `is a directory, expected a ${kind} file`);
  if (!stat.isFile() && !stat.isFIFO() && !stat.isCharacterDevice()) {
    throw new DataError(path, undefined, `is not a regular file, expected a ${kind} file`);
  }
  let bytes: Buffer;
  try {
    const heap = v8.getHeapStatistics().heap_size_limit;
    const why = `the most a corpus can be in a heap of ${formatBytes(heap)}, at about ${CORPUS_MEMORY_PER_BYTE} bytes of memory per byte of ${kind} text (node --max-old-space-size=MB raises it)`;
    bytes = readWholeFile(path, path, maxCorpusBytes(), why);
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(path, undefined, describeFsError(err, kind));
  }
  return encoding === 'latin1' ? bytes.toString('latin1') : decodeUtf8(bytes, path);
}

function describeFsError(err: unknown, kind: string): string {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'cannot read file: permission denied';
    case 'EISDIR':
      return `is a directory, expected a ${kind} file`;
    case 'ENOTDIR':
      return 'no such file (a parent path is not a directory)';
    default:
      return `cannot read file: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Decode strictly as UTF-8, reporting the first line holding an invalid byte
 * sequence. The BOM is kept (ignoreBOM), so that each format's parser sees
 * the same text either way and drops it itself.
 */
function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let start = 0;
    for (let line = 1; ; line++) {
      const end = bytes.indexOf(0x0a, start);
      try {
        decoder.decode(bytes.subarray(start, end < 0 ? bytes.length : end));
      } catch {
        throw new DataError(file, line, `not valid UTF-8 text ${LATIN1_HINT}`);
      }
      if (end < 0) break;
      start = end + 1;
    }
    throw new DataError(file, undefined, `not valid UTF-8 text ${LATIN1_HINT}`);
  }
}
