/**
 * Tagging text with a trained model: the library call behind `ner predict`.
 *
 *   raw line --tokenize--> tokens + offsets --model--> tags --chunks--> entities
 */
import type { DecodeOptions, DecodedSentence, NerModel } from './model/nerModel';
import type { TagScheme } from './types';
import { Entity, TokenSpan, entitiesFromTags, joinTokens } from './decode/entities';
import { tokenize } from './io/tokenize';
import { splitSentences } from './io/sentences';
import { writeChunks } from './data/tagScheme';
import { LimitExceeded, MAX_TAGGED_TOKENS, formatCount } from './limits';

export type { Entity } from './decode/entities';

/** One input sentence with its predictions; the shape of a JSON Lines record of `ner predict`. */
export interface TaggedSentence {
  /** The input line (1-based), with --split-sentences. */
  line?: number;
  tokens: string[];
  tags: string[];
  /** Each with `confidence` when asked for (`confidence`, or a `minConfidence`). */
  entities: Entity[];
  nbest?: Array<{ tags: string[]; logProb: number }>;
  marginals?: Array<Record<string, number>>;
}

/** For JSON.stringify of records: probabilities to 6 decimals (enough for any threshold; lines stay readable). */
export function roundProbabilities(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(6)) : value;
}

export interface TagOptions extends DecodeOptions {
  /** Drop entities whose confidence is below this (implies `confidence`). */
  minConfidence?: number;
}

/** A sentence to tag: its tokens, where they are in `line`, and its document (see data/context.ts). */
export interface Unit {
  tokens: string[];
  spans: TokenSpan[];
  line: string;
  document?: number;
}

/** A sentence of a line of text: a Unit with its line's number. */
export interface LineUnit extends Unit {
  lineNumber: number;
}

/** What tagging `sentences` asks of NerModel.decode, and how its results become records. */
function spanRequest(model: NerModel, sentences: readonly Unit[], options: TagOptions) {
  const { minConfidence, ...decodeOptions } = options;
  if (minConfidence !== undefined && !(minConfidence >= 0 && minConfidence <= 1)) throw new Error(`minConfidence must be in [0, 1], got ${minConfidence}`);
  const confidence = decodeOptions.confidence === true || minConfidence !== undefined;
  return {
    tokens: sentences.map((s) => s.tokens),
    decodeOptions: { ...decodeOptions, confidence, documents: decodeOptions.documents ?? sentences.map((s) => s.document) },
    records: (decoded: DecodedSentence[]) => taggedRecords(sentences, decoded, model.scheme, { confidence, minConfidence }),
  };
}

function tagSpans(model: NerModel, sentences: readonly Unit[], options: TagOptions): TaggedSentence[] {
  const r = spanRequest(model, sentences, options);
  return r.records(model.decode(r.tokens, r.decodeOptions));
}

/** tagSpans through NerModel.decodeAsync (for backends that cannot read synchronously). */
async function tagSpansAsync(model: NerModel, sentences: readonly Unit[], options: TagOptions): Promise<TaggedSentence[]> {
  const r = spanRequest(model, sentences, options);
  return r.records(await model.decodeAsync(r.tokens, r.decodeOptions));
}

/**
 * The records of decoded sentences: entities (with their confidences, when
 * decoded with them) read from the tags, offsets into each unit's line. What
 * tagLines and tagTokens return after NerModel.decode; the serving pool calls
 * it with what its worker threads decoded.
 */
export function taggedRecords(
  sentences: readonly Unit[],
  decoded: readonly DecodedSentence[],
  scheme: TagScheme,
  options: { confidence: boolean; minConfidence?: number },
): TaggedSentence[] {
  const { confidence, minConfidence } = options;
  return sentences.map((s, i) => {
    const d = decoded[i];
    let entities = entitiesFromTags(d.tags, scheme, s.spans, s.line);
    let tags = d.tags;
    if (confidence) {
      entities = entities.map((e, k) => ({ ...e, confidence: d.confidences![k] }));
      if (minConfidence !== undefined && entities.some((e) => e.confidence! < minConfidence)) {
        // The dropped entities' tokens become O, so tags and entities still agree.
        entities = entities.filter((e) => e.confidence! >= minConfidence);
        tags = writeChunks(entities, tags.length, scheme);
      }
    }
    const tagged: TaggedSentence = { tokens: s.tokens, tags, entities };
    if (d.nbest !== undefined) tagged.nbest = d.nbest;
    if (d.marginals !== undefined) tagged.marginals = d.marginals;
    return tagged;
  });
}

/**
 * Tags raw text, one sentence per line; entity offsets index into each line.
 * With `splitSentences`, each line is a paragraph cut into sentences (see
 * io/sentences.ts): one record per sentence, carrying its 1-based `line`
 * (counted from `firstLine`), offsets still into the line; blank lines give none.
 * The sentences of one paragraph are then one document, for models trained
 * with document context; without `splitSentences` every line stands alone.
 */
export function tagLines(model: NerModel, lines: readonly string[], options: LineOptions = {}): TaggedSentence[] {
  const { split, firstLine, units, tagOptions } = lineRequest(lines, options);
  let tagged: TaggedSentence[];
  try {
    tagged = tagSpans(model, units, tagOptions);
  } catch (err) {
    throw atLineOf(err, units, firstLine);
  }
  return withLineNumbers(units, tagged, split);
}

/** tagLines through NerModel.decodeAsync (for backends that cannot read synchronously). */
export async function tagLinesAsync(model: NerModel, lines: readonly string[], options: LineOptions = {}): Promise<TaggedSentence[]> {
  const { split, firstLine, units, tagOptions } = lineRequest(lines, options);
  let tagged: TaggedSentence[];
  try {
    tagged = await tagSpansAsync(model, units, tagOptions);
  } catch (err) {
    throw atLineOf(err, units, firstLine);
  }
  return withLineNumbers(units, tagged, split);
}

export type LineOptions = TagOptions & { splitSentences?: boolean; firstLine?: number };

function lineRequest(lines: readonly string[], options: LineOptions) {
  const { splitSentences: split = false, firstLine = 1, ...tagOptions } = options;
  return { split, firstLine, units: lineUnits(lines, split, firstLine), tagOptions };
}

/** A sentence's limit is its line's. */
function atLineOf(err: unknown, units: readonly LineUnit[], firstLine: number): unknown {
  return err instanceof LimitExceeded ? new LimitExceeded(err.message, units[err.index].lineNumber - firstLine) : err;
}

/**
 * The sentences tagLines tags for `lines`: each line tokenised, and with
 * `split` cut into sentences that share the line's document (its number).
 * A line over MAX_TAGGED_TOKENS tokens is a LimitExceeded.
 */
export function lineUnits(lines: readonly string[], split: boolean, firstLine = 1): LineUnit[] {
  return lines.flatMap((line, i) => {
    const tokens = tokenize(line, MAX_TAGGED_TOKENS);
    if (tokens.length > MAX_TAGGED_TOKENS) throw tooLong(i, 'line');
    const sentences = split ? splitSentences(tokens) : [tokens];
    const document = split ? firstLine + i : undefined;
    return sentences.map((tokens) => ({ tokens: tokens.map((t) => t.text), spans: tokens, line, lineNumber: firstLine + i, document }));
  });
}

/** With split sentences, each record carries its line's number (first), as tagLines writes it. */
export function withLineNumbers(units: readonly LineUnit[], tagged: TaggedSentence[], split: boolean): TaggedSentence[] {
  return split ? tagged.map((t, i) => ({ line: units[i].lineNumber, ...t })) : tagged;
}

function tooLong(index: number, what: string): LimitExceeded {
  return new LimitExceeded(`a ${what} of more than ${formatCount(MAX_TAGGED_TOKENS)} tokens, the most ner tags as one sentence (docs/formats.md, Limits)`, index);
}

/**
 * Tags pre-tokenised sentences; entity offsets index into the tokens joined by
 * single spaces. `options.documents` groups them into documents (see DecodeOptions).
 */
export function tagTokens(model: NerModel, sentences: ReadonlyArray<readonly string[]>, options: TagOptions = {}): TaggedSentence[] {
  return tagSpans(model, tokenUnits(sentences), options);
}

/** tagTokens through NerModel.decodeAsync (for backends that cannot read synchronously). */
export function tagTokensAsync(model: NerModel, sentences: ReadonlyArray<readonly string[]>, options: TagOptions = {}): Promise<TaggedSentence[]> {
  return tagSpansAsync(model, tokenUnits(sentences), options);
}

/** The sentences tagTokens tags: offsets into the tokens joined by spaces. A sentence over MAX_TAGGED_TOKENS tokens is a LimitExceeded. */
export function tokenUnits(sentences: ReadonlyArray<readonly string[]>): Unit[] {
  const over = sentences.findIndex((tokens) => tokens.length > MAX_TAGGED_TOKENS);
  if (over >= 0) throw tooLong(over, 'sentence');
  return sentences.map((tokens) => ({ tokens: [...tokens], ...joinTokens(tokens) }));
}
