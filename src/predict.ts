/**
 * Tagging text with a trained model: the library call behind `ner predict`.
 *
 *   raw line --tokenize--> tokens + offsets --model--> tags --chunks--> entities
 */
import type { NerModel } from './model/nerModel';
import { Entity, TokenSpan, entitiesFromTags, joinTokens } from './decode/entities';
import { tokenize } from './io/tokenize';

export type { Entity } from './decode/entities';

/** One input sentence with its predictions; the shape of a JSON Lines record of `ner predict`. */
export interface TaggedSentence {
  tokens: string[];
  tags: string[];
  entities: Entity[];
}

function tagSpans(model: NerModel, sentences: ReadonlyArray<{ tokens: string[]; spans: TokenSpan[]; line: string }>): TaggedSentence[] {
  const tags = model.predict(sentences.map((s) => s.tokens));
  return sentences.map((s, i) => ({
    tokens: s.tokens,
    tags: tags[i],
    entities: entitiesFromTags(tags[i], model.scheme, s.spans, s.line),
  }));
}

/** Tags raw text, one sentence per line; entity offsets index into each line. */
export function tagLines(model: NerModel, lines: readonly string[]): TaggedSentence[] {
  return tagSpans(
    model,
    lines.map((line) => {
      const tokens = tokenize(line);
      return { tokens: tokens.map((t) => t.text), spans: tokens, line };
    }),
  );
}

/** Tags pre-tokenised sentences; entity offsets index into the tokens joined by single spaces. */
export function tagTokens(model: NerModel, sentences: ReadonlyArray<readonly string[]>): TaggedSentence[] {
  return tagSpans(
    model,
    sentences.map((tokens) => ({ tokens: [...tokens], ...joinTokens(tokens) })),
  );
}
