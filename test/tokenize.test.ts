import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, Token } from '../src/io/tokenize';
import { splitSentences } from '../src/io/sentences';
import { makeRng, randInt } from '../src/util/random';

/** Token texts, after checking the invariants every tokenization must hold. */
function texts(line: string): string[] {
  const tokens = tokenize(line);
  checkOffsets(line, tokens);
  return tokens.map((t) => t.text);
}

function checkOffsets(line: string, tokens: Token[]): void {
  let prevEnd = 0;
  for (const t of tokens) {
    assert.equal(line.slice(t.start, t.end), t.text, `offsets of ${JSON.stringify(t)} in ${JSON.stringify(line)}`);
    assert.ok(t.start >= prevEnd, `token ${JSON.stringify(t)} overlaps or is out of order`);
    assert.ok(t.end > t.start, `empty token at ${t.start}`);
    assert.doesNotMatch(t.text, /\s/u, `whitespace inside ${JSON.stringify(t.text)}`);
    // Never half a surrogate pair at either edge.
    assert.ok(!isLowSurrogate(line.charCodeAt(t.start)), `token starts inside a surrogate pair: ${JSON.stringify(t)}`);
    assert.ok(t.end === line.length || !isLowSurrogate(line.charCodeAt(t.end)), `token ends inside a surrogate pair`);
    prevEnd = t.end;
  }
  // Whatever lies between tokens is whitespace only.
  const covered = tokens.map((t) => t.text).join('');
  assert.equal(covered, line.replace(/[\s\u200B]/gu, ''), 'tokens plus whitespace must make up the whole line');
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

const CASES: Array<[string, string[]]> = [
  // Empty and blank lines.
  ['', []],
  ['   ', []],
  ['\t \t', []],
  // Spacing around tokens.
  ['  Paris  ', ['Paris']],
  ['\tBerlin\t\tand   Bonn ', ['Berlin', 'and', 'Bonn']],
  ['a\u00A0b\u3000c\u200Bd', ['a', 'b', 'c', 'd']],
  // Punctuation split off words.
  ['in Paris.', ['in', 'Paris', '.']],
  ['Paris, London; Rome: Madrid!', ['Paris', ',', 'London', ';', 'Rome', ':', 'Madrid', '!']],
  ['(EU)', ['(', 'EU', ')']],
  ['the European Union (EU) said', ['the', 'European', 'Union', '(', 'EU', ')', 'said']],
  ['[Reuters]', ['[', 'Reuters', ']']],
  ['"We will win," he said.', ['"', 'We', 'will', 'win', ',', '"', 'he', 'said', '.']],
  ['\u201CNo,\u201D she said.', ['\u201C', 'No', ',', '\u201D', 'she', 'said', '.']],
  ["'Go home,' he said.", ["'", 'Go', 'home', ',', "'", 'he', 'said', '.']],
  ['Wait... what?!', ['Wait', '...', 'what', '?!']],
  ['Really?', ['Really', '?']],
  ['So\u2026 yes', ['So', '\u2026', 'yes']],
  ['yes -- no', ['yes', '--', 'no']],
  ['Berlin\u2013Paris', ['Berlin', '\u2013', 'Paris']],
  // Accents, combining marks, other scripts.
  ['Zürich and Ségolène Royal in São Paulo', ['Zürich', 'and', 'Ségolène', 'Royal', 'in', 'São', 'Paulo']],
  ['Zu\u0308rich', ['Zu\u0308rich']],
  ['Côte d\u2019Ivoire', ['Côte', 'd\u2019Ivoire']],
  ['Москва и Санкт-Петербург', ['Москва', 'и', 'Санкт-Петербург']],
  ['東京都に行く。', ['東京都に行く', '。']],
  ['الرياض، السعودية', ['الرياض', '،', 'السعودية']],
  // Hyphenated words and numbers stay whole.
  ['the Anglo-Dutch group', ['the', 'Anglo-Dutch', 'group']],
  ['a well-known 20-year-old', ['a', 'well-known', '20-year-old']],
  ['on 1996-08-22 at 10:30', ['on', '1996-08-22', 'at', '10:30']],
  ['won 3-1 in Rolls-Royce', ['won', '3-1', 'in', 'Rolls-Royce']],
  ['1,000 people and 3.5 million', ['1,000', 'people', 'and', '3.5', 'million']],
  ['rose 12.5% to $100', ['rose', '12.5', '%', 'to', '$', '100']],
  ['cost \u20AC2,500.75 or \u00A340', ['cost', '\u20AC', '2,500.75', 'or', '\u00A3', '40']],
  ['in 1996.', ['in', '1996', '.']],
  ['1, 2, 3', ['1', ',', '2', ',', '3']],
  ['the 1990s and 22nd', ['the', '1990s', 'and', '22nd']],
  ['-5 degrees', ['-', '5', 'degrees']],
  // Clitics, PTB-style, with straight and typographic apostrophes.
  ["John's car", ['John', "'s", 'car']],
  ["don't", ['do', "n't"]],
  ["they're", ['they', "'re"]],
  ["I'm sure we'll see, I'd say we've won", ['I', "'m", 'sure', 'we', "'ll", 'see', ',', 'I', "'d", 'say', 'we', "'ve", 'won']],
  ["can't won't isn't", ['ca', "n't", 'wo', "n't", 'is', "n't"]],
  ['John\u2019s', ['John', '\u2019s']],
  ['don\u2019t', ['do', 'n\u2019t']],
  ["DON'T", ['DO', "N'T"]],
  ["O'Neill's", ["O'Neill", "'s"]],
  ["L'Oréal", ["L'Oréal"]],
  ["the players' union", ['the', 'players', "'", 'union']],
  ["the U.S.'s debt", ['the', 'U.S.', "'s", 'debt']],
  // Clitics standing alone, as in text joined from CoNLL tokens; a quote opening a word stays a quote.
  ["Nomura Securities 's plant", ['Nomura', 'Securities', "'s", 'plant']],
  ["they 're here", ['they', "'re", 'here']],
  ["'s", ["'s"]],
  ["'sorry' , he said", ["'", 'sorry', "'", ',', 'he', 'said']],
  ["the 1990's", ['the', '1990', "'s"]],
  // Abbreviations keep their periods; a sentence-final period is split off.
  ['the U.S. and U.K. economies', ['the', 'U.S.', 'and', 'U.K.', 'economies']],
  ['in the U.S.', ['in', 'the', 'U.S.']],
  ['e.g. this, i.e. that', ['e.g.', 'this', ',', 'i.e.', 'that']],
  ['at 9 a.m. on Monday', ['at', '9', 'a.m.', 'on', 'Monday']],
  ['Mr. Smith met Dr. Jones', ['Mr.', 'Smith', 'met', 'Dr.', 'Jones']],
  ['St. Petersburg', ['St.', 'Petersburg']],
  ['No. 1 seed', ['No.', '1', 'seed']],
  ['The answer was No.', ['The', 'answer', 'was', 'No', '.']],
  ['shares of Sony Corp.', ['shares', 'of', 'Sony', 'Corp.']],
  ['Acme Inc. said', ['Acme', 'Inc.', 'said']],
  ['John F. Kennedy', ['John', 'F.', 'Kennedy']],
  ['after World War I.', ['after', 'World', 'War', 'I', '.']],
  ['Mr.Smith', ['Mr', '.', 'Smith']],
  ['AT&T and S&P, Procter & Gamble', ['AT&T', 'and', 'S&P', ',', 'Procter', '&', 'Gamble']],
  // URLs, e-mail addresses, mentions and hashtags are single tokens.
  ['see https://example.com/a?b=c now', ['see', 'https://example.com/a?b=c', 'now']],
  ['(see https://example.com/a?b=c).', ['(', 'see', 'https://example.com/a?b=c', ')', '.']],
  ['at https://en.wikipedia.org/wiki/Paris_(disambiguation).', ['at', 'https://en.wikipedia.org/wiki/Paris_(disambiguation)', '.']],
  ['visit www.example.org, then', ['visit', 'www.example.org', ',', 'then']],
  ['mail john.smith@example.co.uk.', ['mail', 'john.smith@example.co.uk', '.']],
  ['thanks @jane_doe for #WorldCup2018!', ['thanks', '@jane_doe', 'for', '#WorldCup2018', '!']],
  // Emoji: surrogate pairs and sequences are never cut.
  ['great 😀!', ['great', '😀', '!']],
  ['ok👍🏽👍', ['ok', '👍🏽', '👍']],
  ['family 👨\u200D👩\u200D👧 here', ['family', '👨\u200D👩\u200D👧', 'here']],
  ['flags 🇩🇪🇫🇷', ['flags', '🇩🇪', '🇫🇷']],
  ['love ❤\uFE0F', ['love', '❤\uFE0F']],
  ['math 𝐀𝐁 x', ['math', '𝐀𝐁', 'x']],
  ['lone \uD800 half', ['lone', '\uD800', 'half']],
  // A realistic news line.
  [
    'Angela Merkel met executives of Siemens in Munich on Tuesday.',
    ['Angela', 'Merkel', 'met', 'executives', 'of', 'Siemens', 'in', 'Munich', 'on', 'Tuesday', '.'],
  ],
  [
    "Germany's Bundesbank said on Friday that growth would slow to 1.5% in 1997, down from 2.1%.",
    ['Germany', "'s", 'Bundesbank', 'said', 'on', 'Friday', 'that', 'growth', 'would', 'slow', 'to', '1.5', '%', 'in', '1997', ',', 'down', 'from', '2.1', '%', '.'],
  ],
];

test('tokenize: token texts of tricky strings', () => {
  for (const [line, expected] of CASES) {
    assert.deepEqual(texts(line), expected, `tokenize(${JSON.stringify(line)})`);
  }
});

test('tokenize: offsets are exact UTF-16 slices', () => {
  const line = '  Zürich 😀 (U.S.) don\u2019t\t12.5%.';
  const tokens = tokenize(line);
  assert.deepEqual(tokens, [
    { text: 'Zürich', start: 2, end: 8 },
    { text: '😀', start: 9, end: 11 },
    { text: '(', start: 12, end: 13 },
    { text: 'U.S.', start: 13, end: 17 },
    { text: ')', start: 17, end: 18 },
    { text: 'do', start: 19, end: 21 },
    { text: 'n\u2019t', start: 21, end: 24 },
    { text: '12.5', start: 25, end: 29 },
    { text: '%', start: 29, end: 30 },
    { text: '.', start: 30, end: 31 },
  ]);
});

test('tokenize: invariants hold on arbitrary input', () => {
  // A cheap fuzz: random strings over an alphabet of the characters the rules care about.
  const alphabet = [
    'a', 'Z', 'é', 'u\u0308', '1', '0', ' ', '\t', '.', ',', "'", '\u2019', '-', '&', '@', '#', ':', '/', '(', ')',
    '"', '?', '!', '$', '%', '😀', '👍🏽', '\u200D', '\uFE0F', '\u200B', 'Mr.', 'U.S.', 'http://x.y/', "n't", '東',
    '\uD800', '\uDC00',
  ];
  let seed = 12345;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let i = 0; i < 2000; i++) {
    let line = '';
    const len = next(20);
    for (let j = 0; j < len; j++) line += alphabet[next(alphabet.length)];
    const tokens = tokenize(line);
    let prevEnd = 0;
    for (const t of tokens) {
      assert.equal(line.slice(t.start, t.end), t.text, JSON.stringify(line));
      assert.ok(t.start >= prevEnd && t.end > t.start, JSON.stringify(line));
      assert.doesNotMatch(t.text, /\s/u, JSON.stringify(line));
      prevEnd = t.end;
    }
    assert.equal(tokens.map((t) => t.text).join(''), line.replace(/[\s\u200B]/gu, ''), JSON.stringify(line));
  }
});

describe('splitSentences', () => {
  const split = (text: string) => splitSentences(tokenize(text)).map((s) => text.slice(s[0].start, s[s.length - 1].end));
  test('cuts at terminal punctuation before a capital, digit or opening quote, with closers kept', () => {
    assert.deepEqual(split('Angela Merkel met Siemens executives in Munich. Then she flew to Paris, France! "Great," said Mr. Smith.'), [
      'Angela Merkel met Siemens executives in Munich.',
      'Then she flew to Paris, France!',
      '"Great," said Mr. Smith.',
    ]);
    assert.deepEqual(split('He said "no." Then he left (for good.) 2 days later... he was back?! Yes.'), [
      'He said "no."',
      'Then he left (for good.)',
      '2 days later... he was back?!',
      'Yes.',
    ]);
  });
  test('abbreviations, initials, decimals and lower-case continuations do not end a sentence', () => {
    assert.deepEqual(split('The U.S. economy grew 2.5 percent, Dr. Jones of Acme Inc. said on Jan. 3 in Washington.'), [
      'The U.S. economy grew 2.5 percent, Dr. Jones of Acme Inc. said on Jan. 3 in Washington.',
    ]);
    assert.deepEqual(split('Wait... what? no way'), ['Wait... what? no way']);
  });
  test('every token in exactly one sentence, in order, on arbitrary text', () => {
    const rng = makeRng(5);
    const pieces = ['Paris', '.', '!', '?', '"', "'", ')', '(', 'the', 'Berlin', '...', '3', 'U.S.', ' ', ' ', ' '];
    for (let n = 0; n < 200; n++) {
      const text = Array.from({ length: 1 + randInt(rng, 30) }, () => pieces[randInt(rng, pieces.length)]).join(' ');
      const tokens = tokenize(text);
      assert.deepEqual(splitSentences(tokens).flat(), tokens);
      assert.ok(splitSentences(tokens).every((s) => s.length > 0));
    }
  });
});
