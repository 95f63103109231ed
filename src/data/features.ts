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
 */
export function tokenChars(token: string, max = MAX_WORD_CHARS): string[] {
  const chars = Array.from(token);
  if (chars.length <= max) return chars;
  const head = Math.ceil(max / 2);
  return [...chars.slice(0, head), ...chars.slice(chars.length - (max - head))];
}

/** A character vocabulary (id 0 padding, 1 unknown) from the training tokens. */
export function buildCharVocabulary(tokens: Iterable<string>, minCount = 1): Vocabulary {
  const words: string[][] = [];
  for (const t of tokens) words.push(tokenChars(t));
  return Vocabulary.build(words, { minCount });
}

/** Character ids of a token. */
export function encodeChars(token: string, chars: Vocabulary): Int32Array {
  return Int32Array.from(tokenChars(token), (c) => (chars.has(c) ? chars.indexOf(c) : UNK_ID));
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
  for (const ch of token) {
    if (DIGIT.test(ch)) digits++;
    else if (LETTER.test(ch)) {
      letters++;
      const isUpper = UPPER.test(ch);
      if (isUpper) upper++;
      if (!seenLetter) firstUpper = isUpper;
      seenLetter = true;
    }
  }
  const length = Array.from(token).length;
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
