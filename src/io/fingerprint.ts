/**
 * What a data file was when a run read it: its size and SHA-256, so that
 * `ner train --resume` can tell whether it would continue on the same data.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findPairs } from './bratCorpus';

export interface FileFingerprint {
  /** Absolute path. */
  file: string;
  size: number;
  sha256: string;
}

const CHUNK = 1 << 20;

/**
 * Size and SHA-256 of `file`; of a directory (a BRAT corpus), of every file
 * its reader reads, by path relative to it: a changed, added or removed
 * `.txt` or `.ann` changes the fingerprint.
 */
export function fingerprintPath(file: string): FileFingerprint {
  if (!fs.statSync(file).isDirectory()) return fingerprintFile(file);
  const hash = createHash('sha256');
  let size = 0;
  for (const pair of findPairs(file)) {
    for (const part of [pair.txt, pair.ann]) {
      if (part === undefined) continue;
      const fp = fingerprintFile(part);
      hash.update(`${path.relative(file, part)}\0${fp.sha256}\0`);
      size += fp.size;
    }
  }
  return { file, size, sha256: hash.digest('hex') };
}

/** Size and SHA-256 of `file`, read in chunks of 1 MiB (a file of vectors can be gigabytes). */
export function fingerprintFile(file: string): FileFingerprint {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  const fd = fs.openSync(file, 'r');
  let size = 0;
  try {
    for (let n; (n = fs.readSync(fd, buffer, 0, CHUNK, null)) > 0; size += n) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return { file, size, sha256: hash.digest('hex') };
}

/** How a file differs from its fingerprint, given what it is now (undefined: gone), in words; undefined when it is the same. */
export function fingerprintChange(recorded: FileFingerprint, now: FileFingerprint | undefined): string | undefined {
  if (now === undefined) return 'no longer exists';
  if (now.size !== recorded.size) return `changed since the checkpoint (${recorded.size} bytes then, ${now.size} now)`;
  if (now.sha256 !== recorded.sha256) return 'changed since the checkpoint (same size, other content)';
  return undefined;
}
