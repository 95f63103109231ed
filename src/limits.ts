/**
 * The limits that keep memory bounded on any input (docs/formats.md, Limits). Each is
 * checked where the input is read, before it costs memory, and an input over
 * it fails with a message naming its file and line (exit 2).
 */

/** The longest line read from a file or pipe: a line is held whole while it is read. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * The largest input read whole (CoNLL files for train, check and eval,
 * `eval --pred`, `--config`): its text must fit in one JavaScript string
 * (V8's limit is 2^29 - 24 characters), and a pipe or device that never ends
 * (/dev/zero, `yes |`) must stop somewhere.
 */
export const MAX_FILE_BYTES = 500 * 1024 * 1024;

/**
 * Memory a CoNLL corpus takes per byte of its text while it is read, checked
 * and trained on: `ner check` on 33 MB of CoNLL-2003 peaked at 36 bytes a
 * byte, and training adds its encoded copy.
 */
export const CORPUS_MEMORY_PER_BYTE = 48;

/**
 * The most tokens in one sentence that `predict`, `eval` and the dev scores
 * of training tag (a line of raw text, a paragraph with --split-sentences, or
 * a CoNLL sentence): tagging holds about 1.3 KB a token.
 */
export const MAX_TAGGED_TOKENS = 1_000_000;

/**
 * The most tokens of a training sentence that trains whole; longer ones are
 * cut into pieces of at most this many (data/split.ts). A training step holds
 * about 36 KB a token for backpropagation, and a long sentence trains alone:
 * 4,096 tokens is the size of a full step of the default sentence batches.
 */
export const MAX_TRAINING_TOKENS = 4096;

/** The most paths `--nbest` lists for a sentence. */
export const MAX_NBEST = 100;

/**
 * An input over one of these limits, found by a library call that reads a
 * list of items (lines, sentences): `index` is the item at fault, so that the
 * caller can name its file and line.
 */
export class LimitExceeded extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
    this.name = 'LimitExceeded';
  }
}

/** 1234567 -> "1,234,567", for messages. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A size in bytes as messages give it: "64 MiB", "82.9 MiB", or "1,000 bytes". */
export function formatBytes(n: number): string {
  if (n < 2 ** 20) return `${formatCount(n)} bytes`;
  return `${n % 2 ** 20 === 0 ? n / 2 ** 20 : (n / 2 ** 20).toFixed(1)} MiB`;
}
