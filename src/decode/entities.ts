/**
 * From predicted tags to entity spans with token and character offsets.
 */
import type { TagScheme } from '../types';
import { readChunks } from '../data/tagScheme';

export interface Entity {
  type: string;
  /** First token index. */
  start: number;
  /** One past the last token index. */
  end: number;
  /** `line.slice(charStart, charEnd)`: the entity as written in the input. */
  text: string;
  charStart: number;
  /** Exclusive. */
  charEnd: number;
  /** P(this span with this type | sentence) under the model, when asked for. */
  confidence?: number;
}

/** Where a token sits in its line, end exclusive. */
export interface TokenSpan {
  start: number;
  end: number;
}

/**
 * Entities of one sentence. Spans follow the tag scheme's chunk rules (the
 * same as evaluation), so what is counted is what is printed.
 */
export function entitiesFromTags(tags: readonly string[], scheme: TagScheme, spans: readonly TokenSpan[], line: string): Entity[] {
  if (spans.length !== tags.length) throw new Error(`entitiesFromTags: ${tags.length} tags but ${spans.length} token spans`);
  return readChunks(tags, scheme).map(({ type, start, end }) => {
    const charStart = spans[start].start;
    const charEnd = spans[end - 1].end;
    return { type, start, end, text: line.slice(charStart, charEnd), charStart, charEnd };
  });
}

/**
 * A line for pre-tokenised input: tokens joined by single spaces, with each
 * token's span in it, so offsets of CoNLL input refer to a well-defined text.
 */
export function joinTokens(tokens: readonly string[]): { line: string; spans: TokenSpan[] } {
  const spans: TokenSpan[] = [];
  let offset = 0;
  for (const token of tokens) {
    spans.push({ start: offset, end: offset + token.length });
    offset += token.length + 1;
  }
  return { line: tokens.join(' '), spans };
}
