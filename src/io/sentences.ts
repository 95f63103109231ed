/**
 * Sentence boundaries in a tokenised paragraph, for `ner predict
 * --split-sentences` on text that is not one sentence per line.
 *
 * A sentence ends at a terminal token (. ! ? … ... ?!), together with any
 * closing quotes or brackets right after it, when the next token opens a new
 * sentence: it starts with an upper-case letter, a digit, or an opening quote
 * or bracket. A straight quote after the terminal closes the sentence only
 * if the sentence opened one (`He said "no." Then` vs `... left. "Yes," she`). Abbreviations never end one, because the tokenizer keeps their
 * period (`Mr.`, `U.S.`, `Inc.`): `Mr. Smith` stays together, and so, by the
 * same rule, does `... at Sony Corp. He ...` (the classic ambiguity, resolved
 * here toward not splitting).
 */
import type { Token } from './tokenize';

const TERMINAL = /^(?:[.!?]+|\u2026|\.{2,})$/u;
const CLOSING = /^[\u2019\u201D\u00BB)\]}]$/u;
/** Straight quotes open and close alike: one closes a sentence only when the sentence opened it. */
const STRAIGHT_QUOTE = /^["']$/;
const OPENS_SENTENCE = /^[\p{Lu}\p{Lt}\p{N}"'\u2018\u201C\u00AB([{¿¡]/u;

/** Splits one paragraph's tokens into sentences; every token lands in exactly one, in order. */
export function splitSentences(tokens: readonly Token[]): Token[][] {
  const sentences: Token[][] = [];
  let current: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    current.push(tokens[i]);
    if (!TERMINAL.test(tokens[i].text)) continue;
    let j = i + 1;
    while (j < tokens.length && (CLOSING.test(tokens[j].text) || closesQuote(current, tokens[j].text))) {
      current.push(tokens[j]);
      j++;
    }
    i = j - 1;
    if (j < tokens.length && !OPENS_SENTENCE.test(tokens[j].text)) continue;
    sentences.push(current);
    current = [];
  }
  if (current.length > 0) sentences.push(current);
  return sentences;
}

/** A straight quote closes when the sentence so far holds an odd number of them. */
function closesQuote(sentence: readonly Token[], text: string): boolean {
  if (!STRAIGHT_QUOTE.test(text)) return false;
  return sentence.filter((t) => t.text === text).length % 2 === 1;
}
