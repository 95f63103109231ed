/**
 * Lines of a byte stream, decoded strictly as UTF-8, one at a time: what
 * `ner predict` reads files and pipes with, so memory stays bounded by the
 * longest line rather than the input size.
 *
 * Line ends are \n, \r\n or a lone \r (as in parseConll). A BOM at the very
 * start of the input is dropped; anywhere else U+FEFF is text, so offsets into
 * a line stay exact.
 * With encoding 'latin1' each byte is read as ISO-8859-1 (the code point of
 * its value), as readConllFile does.
 * Invalid UTF-8, and a line longer than MAX_LINE_BYTES (a stream without line
 * breaks, such as /dev/zero), are DataErrors naming the file and line.
 */
import { DataError } from '../errors';
import { MAX_LINE_BYTES, formatBytes } from '../limits';

/** The encodings ner reads text in: UTF-8, or ISO-8859-1 (Buffer's 'latin1'; not windows-1252). */
export type TextEncoding = 'utf8' | 'latin1';
export const TEXT_ENCODINGS: readonly TextEncoding[] = ['utf8', 'latin1'];

/** What ends the message about text that is not valid UTF-8. */
export const LATIN1_HINT = '(if the file is Latin-1, give --encoding latin1)';

export interface Line {
  text: string;
  /** 1-based. */
  number: number;
}

export async function* readLines(
  stream: AsyncIterable<Buffer | string>,
  file: string,
  maxLineBytes = MAX_LINE_BYTES,
  encoding: TextEncoding = 'utf8',
): AsyncGenerator<Line> {
  // ignoreBOM: each line is decoded alone, and the decoder would drop a BOM at the start of every one.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const add = (bytes: Buffer) => {
    pendingBytes += bytes.length;
    if (pendingBytes > maxLineBytes) {
      throw new DataError(file, number + 1, `line longer than ${formatBytes(maxLineBytes)}, the most ner reads as one line (is this a text file with line breaks?)`);
    }
    pending.push(bytes);
  };
  let number = 0;
  // A \r at the end of one chunk may pair with a \n at the start of the next.
  let skipLf = false;
  const decode = (bytes: Buffer): string => {
    if (encoding === 'latin1') return bytes.toString('latin1');
    try {
      const text = decoder.decode(bytes);
      return number === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    } catch {
      throw new DataError(file, number, `not valid UTF-8 text ${LATIN1_HINT}`);
    }
  };
  for await (const chunk of stream) {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (skipLf && bytes.length > 0) {
      if (bytes[0] === 0x0a) bytes = bytes.subarray(1);
      skipLf = false;
    }
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b !== 0x0a && b !== 0x0d) continue;
      add(bytes.subarray(start, i));
      number++;
      yield { text: decode(Buffer.concat(pending)), number };
      pending = [];
      pendingBytes = 0;
      if (b === 0x0d) {
        if (i + 1 < bytes.length) {
          if (bytes[i + 1] === 0x0a) i++;
        } else {
          skipLf = true;
        }
      }
      start = i + 1;
    }
    if (start < bytes.length) add(bytes.subarray(start));
  }
  if (pending.length > 0) {
    number++;
    yield { text: decode(Buffer.concat(pending)), number };
  }
}
