/**
 * Raw text to tokens, for `ner predict`.
 *
 * The model only knows the tokens it was trained on, so raw text has to be cut
 * the way the training data was: CoNLL-2003 / Penn Treebank style. Words keep
 * their hyphens and number separators, punctuation stands alone, English
 * clitics are split (`John's` -> `John` `'s`, `don't` -> `do` `n't`),
 * abbreviations keep their periods (`U.S.`, `Mr.`), and a sentence-final
 * period is its own token.
 *
 * Unlike the Treebank tokenizer we never rewrite text (no `` for "): every
 * token is an exact slice of the line, so predictions can be mapped back onto
 * the user's text by offset.
 *
 * The scanner is a list of sticky regular expressions tried in order at the
 * current position; the first that matches produces the token(s). Order
 * matters: specific shapes (URLs, e-mail addresses, abbreviations) come before
 * the general word rule, which would otherwise cut them into pieces. All
 * patterns use the `u` flag, so they work on code points and can never split a
 * surrogate pair.
 */

/** A token and where it sits in its line. */
export interface Token {
  text: string;
  /** UTF-16 offset of the first code unit in the line. */
  start: number;
  /** UTF-16 offset just past the last code unit (exclusive). */
  end: number;
}

/** Letters (any script, incl. CJK), combining marks (decomposed accents, variation selectors) and digits. */
const W = String.raw`[\p{L}\p{M}\p{N}]`;

/**
 * What may join two runs of word characters into one token:
 *  - hyphens: `Anglo-Dutch`, `well-known`, `1996-08-22`, scores like `3-1`;
 *  - apostrophes: `O'Neill`, `L'Oréal`, and clitics, split off afterwards;
 *  - `&` between letters: `AT&T`, `S&P` (spaced `Procter & Gamble` is three tokens);
 *  - `.` `,` `:` `/` only between digits: `3.5`, `1,000`, `10:30`, `1/2`,
 *    so that `Paris,` and `Paris.` still lose their punctuation.
 */
const JOINER = String.raw`(?:[-\u2010\u2011'\u2019]|(?<=\p{L})&(?=\p{L})|(?<=\p{N})[.,:/](?=\p{N}))`;

/**
 * Whitespace, including the zero-width space and BOM, and control characters
 * (NUL and the rest of C0): they separate tokens and are never part of one,
 * so offsets into the line stay exact.
 */
const SPACE = /[\s\u0000-\u001F\u200B\uFEFF]+/uy;

/** Characters that often follow a URL in prose but are rarely its last character. */
const URL_TRAILER = '.,;:!?\'"\u2019\u201D\u00BB)]}>';

/** Abbreviations written with one final period, kept whole mid-sentence (`Mr. Smith`, `No. 1`). */
const ABBREVIATIONS = [
  'Mr', 'Mrs', 'Ms', 'Dr', 'Prof', 'St', 'Mt', 'Ft', 'Gen', 'Sen', 'Rep', 'Gov', 'Lt', 'Col',
  'Sgt', 'Capt', 'Rev', 'Hon', 'Jan', 'Feb', 'Mar', 'Apr', 'Jun', 'Jul', 'Aug', 'Sep', 'Sept',
  'Oct', 'Nov', 'Dec', 'No', 'vs', 'approx', 'Jr', 'Sr', 'Inc', 'Corp', 'Ltd', 'Co', 'Bros', 'etc',
];
/** Of those, the ones that plausibly end a sentence and still keep their period there (`... Sony Corp.`). */
const FINAL_ABBREVIATIONS = new Set(['Jr', 'Sr', 'Inc', 'Corp', 'Ltd', 'Co', 'Bros', 'etc']);

/** English clitics split off as separate tokens, PTB-style. `n't` takes the `n` with it: `do` `n't`, `ca` `n't`. */
const CLITIC = /^(.+?)(n['\u2019]t|['\u2019](?:s|re|ve|ll|d|m))$/iu;

type Rule = {
  re: RegExp;
  /** Turns the matched text into one or more pieces (default: the whole match is one token), or rejects it with null. */
  split?: (match: string, line: string, end: number) => string[] | null;
};

const RULES: Rule[] = [
  // URLs: one token up to the next space, minus trailing punctuation that belongs to the sentence;
  // a closing bracket is kept if the URL opened one (`.../Paris_(disambiguation)`).
  {
    re: /(?:(?:https?|ftp):\/\/|www\.)[^\s\u0000-\u001F\u200B]+/uy,
    split: (m) => {
      let url = m;
      while (url.length > 0 && URL_TRAILER.includes(url[url.length - 1])) {
        if (')]}'.includes(url[url.length - 1]) && bracketBalance(url) >= 0) break;
        url = url.slice(0, -1);
      }
      return [url];
    },
  },
  // E-mail addresses: local part, @, a dotted domain.
  { re: /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/uy },
  // @mentions and #hashtags are names in social-media text; keep the sigil.
  { re: /[@#][\p{L}\p{M}\p{N}_]+/uy },
  // Abbreviations of single letters with periods: U.S., U.K., e.g., a.m. (always whole, even at the end of a line).
  { re: /\p{L}(?:\.\p{L})+\.(?![\p{L}\p{M}\p{N}])/uy },
  // Known abbreviations. At the end of a line the period usually closes the sentence (`the answer is No.`),
  // so it is split off there, except after company suffixes and the like.
  {
    re: new RegExp(String.raw`(?:${ABBREVIATIONS.join('|')})\.(?![\p{L}\p{M}\p{N}])`, 'uy'),
    split: (m, line, end) => (FINAL_ABBREVIATIONS.has(m.slice(0, -1)) || !atLineEnd(line, end) ? [m] : null),
  },
  // An initial, as in `John F. Kennedy`; at the end of a line it is more likely `World War I.`
  { re: /\p{Lu}\.(?![\p{L}\p{M}\p{N}])/uy, split: (m, line, end) => (atLineEnd(line, end) ? null : [m]) },
  // Emoji as one token with their skin tones, variation selectors, tag characters (subdivision flags) and
  // zero-width-joiner sequences; country flags are pairs of regional indicators.
  {
    re: /\p{RI}\p{RI}|\p{Extended_Pictographic}[\uFE0F\p{EMod}\u{E0020}-\u{E007F}]*(?:\u200D\p{Extended_Pictographic}[\uFE0F\p{EMod}]*)*/uy,
  },
  // Words and numbers, then clitics split off the end.
  { re: new RegExp(String.raw`${W}+(?:${JOINER}${W}+)*`, 'uy'), split: (m) => splitClitic(m) },
  // A clitic right after an abbreviation, `the U.S.'s`; after a plain word the word rule has already split it.
  // Or standing alone, as in text already tokenised PTB-style (`Nomura 's plant`, CoNLL tokens joined by spaces).
  { re: /(?<=[\p{L}\p{N}.\s]|^)['\u2019](?:s|re|ve|ll|d|m)(?![\p{L}\p{M}\p{N}])/iuy },
  // Punctuation that reads as one unit: ellipses, dashes, runs of ?/!, doubled quotes.
  { re: /\.{2,}|\u2026|-{2,}|[?!]{2,}|''|``/uy },
  // Anything else is a one-code-point token: . , ; ( ) " ' $ % € and so on.
  { re: /\S/uy },
];

/**
 * Cuts one line of raw text into tokens; every token is `line.slice(start, end)`.
 * With `limit`, stops once it has more than `limit` tokens, so that a caller
 * refusing longer lines reads no further.
 */
export function tokenize(line: string, limit = Infinity): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < line.length && tokens.length <= limit) {
    SPACE.lastIndex = pos;
    if (SPACE.test(line)) {
      pos = SPACE.lastIndex;
      continue;
    }
    let matched = false;
    for (const rule of RULES) {
      rule.re.lastIndex = pos;
      const m = rule.re.exec(line);
      if (!m) continue;
      const pieces = rule.split ? rule.split(m[0], line, pos + m[0].length) : [m[0]];
      if (!pieces) continue;
      for (const text of pieces) {
        tokens.push({ text, start: pos, end: pos + text.length });
        pos += text.length;
      }
      matched = true;
      break;
    }
    // Unreachable (the last rule takes any non-space), but never loop forever.
    if (!matched) pos++;
  }
  return tokens;
}

/** `John's` -> [`John`, `'s`], `don't` -> [`do`, `n't`], `O'Neill's` -> [`O'Neill`, `'s`], else [word]. */
function splitClitic(word: string): string[] {
  const m = CLITIC.exec(word);
  return m ? [m[1], m[2]] : [word];
}

/** True when only whitespace and closing punctuation remain after `end`. */
function atLineEnd(line: string, end: number): boolean {
  return /^[\s"'\u2019\u201D)\]]*$/u.test(line.slice(end));
}

/** Opening minus closing brackets; negative when a closing bracket has no partner inside `s`. */
function bracketBalance(s: string): number {
  let n = 0;
  for (const c of s) {
    if ('([{'.includes(c)) n++;
    else if (')]}'.includes(c)) n--;
  }
  return n;
}
