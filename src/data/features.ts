/**
 * Per-token features beside the word id: the token's characters (for a
 * character encoder, Lample et al. 2016; Ma & Hovy 2016) and its casing
 * category (Collobert et al., 2011), which lowercased or unknown words would
 * otherwise lose.
 */
import { UNK_ID, Vocabulary } from './vocab';

/** Characters a word contributes to the character encoder; longer tokens keep their ends. */
export const MAX_WORD_CHARS = 20;

/**
 * The characters of a token as the encoder sees them: Unicode code points
 * (not UTF-16 units), and for tokens longer than MAX_WORD_CHARS the first and
 * last halves, where prefixes and suffixes carry the most information.
 * Reads only those ends, so a token of megabytes costs no more than a word.
 */
export function tokenChars(token: string, max = MAX_WORD_CHARS): string[] {
  // A code point takes one or two UTF-16 units: a token this short has at most `max`.
  if (token.length <= max) return Array.from(token);
  const first: string[] = [];
  for (let i = 0; i < token.length && first.length <= max; ) {
    const c = String.fromCodePoint(token.codePointAt(i)!);
    first.push(c);
    i += c.length;
  }
  if (first.length <= max) return first;
  // More than `max` code points: the first half, then the last ones, read back from the end.
  const head = Math.ceil(max / 2);
  const last: string[] = [];
  for (let j = token.length; last.length < max - head; ) {
    const low = token.charCodeAt(j - 1);
    const pair = low >= 0xdc00 && low <= 0xdfff && j >= 2 && token.charCodeAt(j - 2) >= 0xd800 && token.charCodeAt(j - 2) <= 0xdbff;
    const from = pair ? j - 2 : j - 1;
    last.push(token.slice(from, j));
    j = from;
  }
  return [...first.slice(0, head), ...last.reverse()];
}

/** A character vocabulary (id 0 padding, 1 unknown) from the training tokens. */
export function buildCharVocabulary(tokens: Iterable<string>, minCount = 1): Vocabulary {
  const words: string[][] = [];
  for (const t of tokens) words.push(tokenChars(t));
  return Vocabulary.build(words, { minCount });
}

/**
 * The character ids of a sentence's tokens, flat: token t's are
 * `ids.subarray(offsets[t], offsets[t + 1])`. One array for a sentence rather
 * than one per token, which cost about 400 bytes a token in objects.
 */
export interface TokenChars {
  ids: Int32Array;
  /** One more than the tokens: where each token's ids start, then the end. */
  offsets: Int32Array;
}

/** Character ids of each of `tokens`. */
export function encodeChars(tokens: readonly string[], chars: Vocabulary): TokenChars {
  const offsets = new Int32Array(tokens.length + 1);
  let ids = new Int32Array(8 * tokens.length);
  tokens.forEach((token, t) => {
    const at = offsets[t];
    const cs = tokenChars(token);
    if (at + cs.length > ids.length) {
      const grown = new Int32Array(2 * (at + cs.length));
      grown.set(ids);
      ids = grown;
    }
    cs.forEach((c, k) => (ids[at + k] = chars.has(c) ? chars.indexOf(c) : UNK_ID));
    offsets[t + 1] = at + cs.length;
  });
  return { ids: ids.slice(0, offsets[tokens.length]), offsets };
}

/** The most characters any one token has. */
export function longestToken(chars: TokenChars): number {
  let longest = 0;
  for (let t = 0; t + 1 < chars.offsets.length; t++) longest = Math.max(longest, chars.offsets[t + 1] - chars.offsets[t]);
  return longest;
}

/** Casing categories; id 0 is padding. */
export const CASINGS = ['<pad>', 'lower', 'upper', 'title', 'mixed', 'numeric', 'has_digit', 'other'] as const;
export type Casing = (typeof CASINGS)[number];

const LETTER = /\p{L}/u;
const UPPER = /\p{Lu}/u;
const DIGIT = /\p{Nd}/u;

/** The casing category of a token, as an id into CASINGS. */
export function casingOf(token: string): number {
  let letters = 0;
  let upper = 0;
  let digits = 0;
  let firstUpper = false;
  let seenLetter = false;
  let length = 0;
  for (const ch of token) {
    length++;
    if (DIGIT.test(ch)) digits++;
    else if (LETTER.test(ch)) {
      letters++;
      const isUpper = UPPER.test(ch);
      if (isUpper) upper++;
      if (!seenLetter) firstUpper = isUpper;
      seenLetter = true;
    }
  }
  let casing: Casing;
  if (digits === length) casing = 'numeric';
  else if (digits > 0) casing = 'has_digit';
  else if (letters === 0) casing = 'other';
  else if (upper === 0) casing = 'lower';
  else if (upper === letters) casing = letters === 1 ? 'title' : 'upper';
  else if (firstUpper && upper === 1) casing = 'title';
  else casing = 'mixed';
  return CASINGS.indexOf(casing);
}
