/**
 * Reading pretrained word vectors in text form: GloVe (no header), word2vec
 * text and fastText `.vec` (a first line `count dim`), plain or gzipped.
 *
 * Files can be gigabytes, so the file is streamed line by line and only the
 * words a `keep` predicate accepts are stored; every line is still checked, so
 * a malformed file fails the same way whatever is kept. Problems are
 * `DataError`s pointing at the file and line (`file:line: reason`).
 *
 * Line format: fields separated by spaces (runs of spaces or tabs, trailing
 * whitespace, CRLF line ends and a UTF-8 byte-order mark are tolerated). The
 * vector is the LAST `dim` fields; everything before them, joined by single
 * spaces, is the word (GloVe 840B has words containing spaces). `dim` comes
 * from the header, or else from the first line (its number of fields minus
 * one). Blank lines are skipped. Lines end at LF (a CR before it is dropped;
 * a lone CR is not a line break); words are UTF-8.
 *
 * For speed the reader works on the raw bytes instead of readline: lines are
 * cut at LF bytes, the numbers are parsed in place (exactly as `Number` would,
 * see `DecimalScanner`), and only the word of each line is decoded to a string.
 * A GloVe 6B 100d-sized file (400k lines x 100 values, 380 MB) read in 2.7 s
 * keeping 20k words (3.9 s keeping all) on a slow 2-core VM; readline alone
 * took 1.1 s of that budget on the same machine.
 */
import * as fs from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { DataError } from '../errors';
import { MAX_LINE_BYTES, formatBytes } from '../limits';

export interface EmbeddingTable {
  /** The path as given, for messages. */
  file: string;
  dim: number;
  /** Stored (kept) words in file order; for a word listed twice the first occurrence wins. */
  words: string[];
  /** `words.length * dim` values, row-major: row i is the vector of `words[i]`. */
  vectors: Float32Array;
  /** Later occurrences of a stored word that were ignored (only kept words are tracked). */
  duplicates: number;
  /** Lines read, header and blank lines included. */
  linesRead: number;
  /** Vector lines in the file (kept or not): all of them were checked. */
  vectorsInFile: number;
  /** The header's `count dim`, when the file has one (word2vec / fastText). */
  header?: { count: number; dim: number };
  /** Whether the file was gzip-compressed (detected from its first bytes). */
  gzipped: boolean;
}

export interface ReadEmbeddingsOptions {
  /** Store only the words for which this returns true (default: all). All lines are validated regardless. */
  keep?: (word: string) => boolean;
  /** The embedding size the model expects; a file with another dimension is a `DataError`. */
  expectedDim?: number;
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/** Exact powers of ten as doubles (10^22 is the largest exactly representable one). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** Integers below this are exact in a double. */
const EXACT_LIMIT = 2 ** 53;

/**
 * Parses decimal numbers in place. Where the last one ended is a field rather
 * than part of a returned object, so the hot loop allocates nothing per value.
 */
class DecimalScanner {
  /** Where the last `scan` stopped; set only when it returned a number. */
  end = 0;

  /**
   * Parses an ASCII decimal number starting at `bytes[a]` and ending at the
   * first space, tab or `b`, without allocating: `[+-]? digits [. digits]
   * [(e|E) [+-]? digits]` (digits may be empty before or after the point, not
   * both). Returns NaN when the field is not such a number. Sets `end` to
   * the end of the field when the number is valid.
   *
   * The result equals `Number()` of the same text exactly: the common case (an
   * exact integer mantissa below 2^53 and a power of ten within ±22) is
   * Clinger's fast path, one correctly rounded multiplication or division of two
   * exact doubles; anything else falls back to `Number`.
   */
  scan(bytes: Uint8Array, a: number, b: number): number {
    let i = a;
    let c = i < b ? bytes[i] : 0;
    let negative = false;
    if (c === 0x2d /* - */ || c === 0x2b /* + */) {
      negative = c === 0x2d;
      i++;
    }
    let mantissa = 0;
    let scale = 0; // power of ten to apply to the mantissa
    const first = i;
    // Integer part.
    for (; i < b; i++) {
      c = bytes[i];
      const d = c - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
    }
    let digits = i - first;
    // Fraction.
    if (i < b && c === 0x2e /* . */) {
      const point = ++i;
      for (; i < b; i++) {
        c = bytes[i];
        const d = c - 48;
        if (d < 0 || d > 9) break;
        mantissa = mantissa * 10 + d;
      }
      scale = point - i;
      digits -= scale;
    }
    if (digits === 0) return NaN;
    // Exponent.
    if (i < b && (c === 0x65 /* e */ || c === 0x45 /* E */)) {
      i++;
      let expNegative = false;
      c = i < b ? bytes[i] : 0;
      if (c === 0x2d || c === 0x2b) {
        expNegative = c === 0x2d;
        i++;
      }
      let exp = 0;
      const expFirst = i;
      for (; i < b; i++) {
        const d = bytes[i] - 48;
        if (d < 0 || d > 9) break;
        if (exp < 100000) exp = exp * 10 + d;
      }
      if (i === expFirst) return NaN;
      scale += expNegative ? -exp : exp;
    }
    if (i < b) {
      c = bytes[i];
      if (c !== SPACE && c !== TAB) return NaN;
    }
    this.end = i;
    // The mantissa only grows, so below 2^53 every step was exact.
    if (mantissa < EXACT_LIMIT) {
      if (mantissa === 0) return negative ? -0 : 0;
      let value = -1;
      if (scale === 0) value = mantissa;
      else if (scale < 0 && scale >= -22) value = mantissa / POW10[-scale];
      else if (scale > 0 && scale <= 22) value = mantissa * POW10[scale];
      if (value >= 0) return negative ? -value : value;
    }
    // Validated ASCII: latin1 decoding is exact.
    return Number(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', a, i));
  }
}

/**
 * The decimal number in `bytes[a, b)` (see `DecimalScanner.scan` for the syntax), or
 * NaN when those bytes are not exactly one such number. Equals `Number()` of
 * the same text.
 */
export function parseDecimal(bytes: Uint8Array, a: number, b: number): number {
  const scanner = new DecimalScanner();
  const value = scanner.scan(bytes, a, b);
  return scanner.end === b ? value : NaN;
}

/** Splits a line on runs of spaces and tabs, ignoring leading and trailing ones. */
function splitFields(line: string): string[] {
  return line.split(/[ \t]+/).filter((f) => f !== '');
}

function isDecimal(field: string): boolean {
  const bytes = Buffer.from(field, 'utf8');
  return !Number.isNaN(parseDecimal(bytes, 0, bytes.length));
}

/** A field quoted for a message, shortened if long, with control characters escaped. */
function quote(field: string): string {
  const short = field.length > 40 ? `${field.slice(0, 40)}...` : field;
  return `'${short.replace(/[\u0000-\u001f\u007f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

const BINARY = /[\u0000-\u0008\u000e-\u001f\ufffd]/;

/**
 * A line error on a line holding control characters or invalid UTF-8 is most
 * likely binary word2vec data: say so instead of the parse error.
 */
function binaryHint(err: unknown, line: string): unknown {
  if (!(err instanceof DataError) || err.line === undefined || !BINARY.test(line)) return err;
  return new DataError(
    err.file,
    err.line,
    'binary data where text was expected: binary word2vec files (.bin) are not supported, convert to text (e.g. gensim save_word2vec_format(..., binary=False))',
  );
}

/** Resolves when the first bytes of `file` are known; throws file-level DataErrors. */
async function openCheck(file: string): Promise<{ gzipped: boolean; empty: boolean }> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    throw new DataError(file, undefined, 'no such file');
  }
  if (stat.isDirectory()) throw new DataError(file, undefined, 'is a directory, expected a file');
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (err) {
    throw new DataError(file, undefined, `cannot read: ${(err as Error).message}`);
  }
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return { gzipped: bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b, empty: bytesRead === 0 };
  } finally {
    await handle.close();
  }
}

/**
 * Reads a pretrained embedding file (see the module comment for the format).
 * Throws `DataError` for a missing file, a directory, a file without vectors,
 * a malformed line (with its 1-based line number), a dimension other than
 * `expectedDim`, or truncated / corrupt gzip data.
 */
export async function readEmbeddings(file: string, options: ReadEmbeddingsOptions = {}): Promise<EmbeddingTable> {
  const { gzipped, empty } = await openCheck(file);
  if (empty) throw new DataError(file, undefined, 'file is empty: no vectors found');
  const reader = new EmbeddingReader(file, options);
  await reader.readFile(gzipped);
  return reader.table(gzipped);
}

/**
 * Why not `readLines` (lines.ts): it also breaks lines at a lone CR, decodes
 * every whole line strictly as UTF-8, and yields strings. Here a lone CR is
 * not a break, only words are decoded (invalid UTF-8 in a line is reported as
 * the line's parse error, or as binary data), and numbers are parsed from the
 * bytes, which is where the speed comes from.
 */
class EmbeddingReader {
  private readonly keep: ((word: string) => boolean) | undefined;
  private readonly expectedDim: number | undefined;
  private readonly scanner = new DecimalScanner();
  /** 0 until fixed by the header or the first vector line. */
  private dim = 0;
  /** "like line N" or "as the header says". */
  private dimSource = '';
  private header: { count: number; dim: number } | undefined;
  private lineNo = 0;
  private vectorsInFile = 0;
  private duplicates = 0;
  private readonly words: string[] = [];
  private readonly index = new Map<string, number>();
  /** Rows of the stored words; grows by doubling. */
  private vectors = new Float32Array(0);
  /** Where the values of a line not stored go, to be checked all the same. */
  private scratch = new Float32Array(0);
  /** Start and end of each value field of the line at hand. */
  private bounds = new Int32Array(0);

  constructor(
    private readonly file: string,
    options: ReadEmbeddingsOptions,
  ) {
    this.keep = options.keep;
    this.expectedDim = options.expectedDim;
  }

  /** Streams the file (gunzipping it if `gzipped`) through `line`; read failures become DataErrors. */
  async readFile(gzipped: boolean): Promise<void> {
    const { file } = this;
    const source = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    // pipeline destroys the gunzip stream with the source's error, so one iteration sees every error.
    const input: Readable = gzipped ? pipeline(source, zlib.createGunzip(), () => {}) : source;
    try {
      await this.splitLines(input as AsyncIterable<Buffer>);
    } catch (err) {
      if (err instanceof DataError) throw err;
      const e = err as NodeJS.ErrnoException;
      const where = this.lineNo > 0 ? ` after line ${this.lineNo}` : '';
      if (gzipped && e.code === 'Z_BUF_ERROR') throw new DataError(file, undefined, `the gzip data ends early${where} (truncated file?)`);
      if (gzipped && typeof e.code === 'string' && e.code.startsWith('Z_')) throw new DataError(file, undefined, `corrupt gzip data${where}: ${e.message}`);
      throw new DataError(file, undefined, `cannot read${where}: ${e.message}`);
    } finally {
      source.destroy();
    }
  }

  /** Cuts the chunks at LF bytes; a line split over chunks is joined first. */
  private async splitLines(chunks: AsyncIterable<Buffer>): Promise<void> {
    let pending: Buffer[] = []; // pieces of a line that started in an earlier chunk
    let pendingBytes = 0;
    const hold = (piece: Buffer): void => {
      pendingBytes += piece.length;
      // An endless line (/dev/zero, a binary file) stops at the line limit rather than exhausting memory.
      if (pendingBytes > MAX_LINE_BYTES) {
        throw new DataError(this.file, this.lineNo + 1, `line longer than ${formatBytes(MAX_LINE_BYTES)}, the most ner reads as one line`);
      }
      pending.push(piece);
    };
    for await (const chunk of chunks) {
      let pos = 0;
      let nl = chunk.indexOf(LF);
      if (pending.length > 0) {
        if (nl < 0) {
          hold(chunk);
          continue;
        }
        pending.push(chunk.subarray(0, nl));
        const joined = Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
        this.line(joined, 0, joined.length);
        pos = nl + 1;
        nl = chunk.indexOf(LF, pos);
      }
      while (nl >= 0) {
        this.line(chunk, pos, nl);
        pos = nl + 1;
        nl = chunk.indexOf(LF, pos);
      }
      if (pos < chunk.length) hold(chunk.subarray(pos));
    }
    if (pending.length > 0) {
      const joined = Buffer.concat(pending);
      this.line(joined, 0, joined.length);
    }
  }

  /** What was read; throws when the file held no vector. */
  table(gzipped: boolean): EmbeddingTable {
    const { file, dim, words, vectors, header } = this;
    if (this.vectorsInFile === 0) {
      const said = header === undefined ? '' : ` (after the header "${header.count} ${header.dim}")`;
      throw new DataError(file, undefined, `no vectors found${said}`);
    }
    return {
      file,
      dim,
      words,
      vectors: vectors.length === words.length * dim ? vectors : vectors.slice(0, words.length * dim),
      duplicates: this.duplicates,
      linesRead: this.lineNo,
      vectorsInFile: this.vectorsInFile,
      ...(header === undefined ? {} : { header }),
      gzipped,
    };
  }

  /** The line `buf[begin, stop)` (without its LF), its errors on binary data reworded. */
  private line(buf: Buffer, begin: number, stop: number): void {
    try {
      this.onLine(buf, begin, stop);
    } catch (err) {
      throw binaryHint(err, buf.toString('utf8', begin, stop));
    }
  }

  /** Handles the line `buf[begin, stop)` (without its LF); throws DataError. */
  private onLine(buf: Buffer, begin: number, stop: number): void {
    this.lineNo++;
    let start = begin;
    let end = stop;
    if (this.lineNo === 1 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    while (end > start) {
      const c = buf[end - 1];
      if (c !== SPACE && c !== TAB && c !== CR) break;
      end--;
    }
    while (start < end && (buf[start] === SPACE || buf[start] === TAB)) start++;
    if (start === end) return; // blank line
    // Only ever true for the first non-blank line: it fixes `dim`.
    if (this.dim === 0 && this.firstLine(buf.toString('utf8', start, end))) return;
    if (!this.fastLine(buf, start, end)) this.generalLine(buf, start, end);
  }

  /** Fixes `dim` from the first non-blank line; true when that line is a header (no vector). */
  private firstLine(text: string): boolean {
    const fields = splitFields(text);
    if (fields.length === 2 && /^\d+$/.test(fields[0]) && /^\d+$/.test(fields[1])) {
      const count = Number(fields[0]);
      const d = Number(fields[1]);
      if (d < 1) throw new DataError(this.file, this.lineNo, `the header says the vectors have ${d} dimensions`);
      this.header = { count, dim: d };
      this.fixDim(d, 'as the header says');
      return true;
    }
    if (fields.length < 2) throw new DataError(this.file, this.lineNo, `expected a word followed by its vector, found ${fields.length} field`);
    this.fixDim(fields.length - 1, `like line ${this.lineNo}`);
    return false;
  }

  private fixDim(d: number, source: string): void {
    this.dim = d;
    this.dimSource = source;
    if (this.expectedDim !== undefined && d !== this.expectedDim) {
      throw new DataError(this.file, this.lineNo, `vectors have ${d} dimensions but --embedding-dim is ${this.expectedDim}`);
    }
    this.vectors = new Float32Array(64 * d);
    this.scratch = new Float32Array(d);
    this.bounds = new Int32Array(2 * d);
  }

  private wrongCount(found: number): DataError {
    return new DataError(this.file, this.lineNo, `expected ${this.dim} values ${this.dimSource}, found ${found}`);
  }

  /** The error for a line with fewer than `dim` + 1 fields. */
  private shortLine(text: string): DataError {
    const fields = splitFields(text);
    if (fields.length === this.dim && fields.every(isDecimal)) {
      return new DataError(this.file, this.lineNo, `no word before the ${this.dim} values`);
    }
    return this.wrongCount(fields.length - 1);
  }

  /** Where the next vector may be stored, growing the buffer if needed. */
  private reserve(): number {
    const { dim } = this;
    const offset = this.words.length * dim;
    if (offset + dim > this.vectors.length) {
      const grown = new Float32Array(Math.max(this.vectors.length * 2, offset + dim));
      grown.set(this.vectors);
      this.vectors = grown;
    }
    return offset;
  }

  private store(word: string): void {
    this.index.set(word, this.words.length);
    this.words.push(word);
  }

  /**
   * The common line, one word field then exactly `dim` valid values, in one
   * forward pass. Returns false, having committed nothing, for anything else
   * (a word with spaces, a wrong count, a bad value), which `generalLine`
   * then handles or reports.
   */
  private fastLine(buf: Buffer, start: number, end: number): boolean {
    const { dim, scanner } = this;
    let p = start;
    while (p < end && buf[p] !== SPACE && buf[p] !== TAB) p++;
    if (p === end) return false;
    const word = buf.toString('utf8', start, p);
    const keep = this.keep === undefined || this.keep(word);
    const duplicate = keep && this.index.has(word);
    const store = keep && !duplicate;
    const offset = store ? this.reserve() : 0; // before reading `vectors`: reserve may replace it
    const out = store ? this.vectors : this.scratch;
    for (let k = 0; k < dim; k++) {
      while (p < end && (buf[p] === SPACE || buf[p] === TAB)) p++;
      if (p === end) return false;
      const value = scanner.scan(buf, p, end);
      out[offset + k] = value;
      const stored = out[offset + k];
      if (stored - stored !== 0) return false; // not a number, or beyond 32-bit range
      p = scanner.end;
    }
    if (p !== end) return false; // more fields: a word with spaces, or too many values
    this.vectorsInFile++;
    if (duplicate) this.duplicates++;
    if (store) this.store(word);
    return true;
  }

  /** Any line: the vector is the last `dim` fields, the word everything before. Throws DataError. */
  private generalLine(buf: Buffer, start: number, end: number): void {
    const wordEnd = this.valueBounds(buf, start, end);
    const word = this.generalWord(buf.toString('utf8', start, wordEnd));
    this.vectorsInFile++;
    let store = this.keep === undefined || this.keep(word);
    if (store && this.index.has(word)) {
      this.duplicates++;
      store = false;
    }
    const offset = store ? this.reserve() : 0;
    const target = store ? this.vectors : this.scratch;
    const { dim, bounds } = this;
    for (let k = 0; k < dim; k++) {
      const a = bounds[2 * k];
      const b = bounds[2 * k + 1];
      const value = parseDecimal(buf, a, b);
      target[offset + k] = value;
      const stored = target[offset + k];
      if (stored - stored !== 0) {
        // NaN (not a number) or infinite once stored in 32 bits.
        const field = buf.toString('utf8', a, b);
        if (Number.isNaN(value)) throw new DataError(this.file, this.lineNo, `expected a number, found ${quote(field)} (value ${k + 1} of ${dim})`);
        throw new DataError(this.file, this.lineNo, `value ${field} (value ${k + 1} of ${dim}) is out of the range of 32-bit floats`);
      }
    }
    if (store) this.store(word);
  }

  /** Puts the boundaries of the last `dim` fields of the line into `bounds`, scanning backwards; returns where the word ends. */
  private valueBounds(buf: Buffer, start: number, end: number): number {
    const { bounds } = this;
    let pos = end;
    for (let k = this.dim - 1; k >= 0; k--) {
      if (pos <= start) throw this.shortLine(buf.toString('utf8', start, end));
      bounds[2 * k + 1] = pos;
      let c = buf[pos - 1];
      while (c !== SPACE && c !== TAB) {
        pos--;
        if (pos === start) break;
        c = buf[pos - 1];
      }
      bounds[2 * k] = pos;
      while (pos > start && (buf[pos - 1] === SPACE || buf[pos - 1] === TAB)) pos--;
    }
    if (pos <= start) throw this.shortLine(buf.toString('utf8', start, end));
    return pos;
  }

  /** The word before the values, its inner runs of spaces and tabs made single spaces. */
  private generalWord(word: string): string {
    if (word.indexOf(' ') < 0 && word.indexOf('\t') < 0) return word;
    const parts = splitFields(word);
    // "w 0.1 0.2 ..." with one value too many would otherwise pass as the word "w 0.1":
    // a word whose later fields all look like vector values (decimals with a point) is a wrong count.
    const extra = parts.slice(1);
    if (extra.every((f) => f.indexOf('.') >= 0 && isDecimal(f))) throw this.wrongCount(this.dim + extra.length);
    return parts.join(' ');
  }
}
