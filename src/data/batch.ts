/**
 * Turning sentences into padded, row-major integer batches. Pure data code:
 * the model turns these typed arrays into tensors.
 */
import { DataError } from '../errors';
import type { Corpus } from '../types';
import { shuffleInPlace, type Rng } from '../util/random';
import type { TagVocabulary, Vocabulary } from './vocab';
import { TokenChars, longestToken } from './features';

/** Anything with tokens and tags; `lines` (from the CoNLL reader) improves error messages. */
export interface SentenceLike {
  tokens: readonly string[];
  tags: readonly string[];
  lines?: readonly number[];
  /** Per token, the values of the feature columns (see tokenFeatures.ts), when the model reads them. */
  featureValues?: ReadonlyArray<readonly string[]>;
}

export interface EncodedSentence {
  /** Word ids, one per token. */
  ids: Int32Array;
  /** Character ids of each token, when the model reads characters (see features.ts). */
  chars?: TokenChars;
  /** Casing category of each token, when the model uses casing (see features.ts). */
  casing?: Int32Array;
  /** Token features (gazetteer matches, extra columns), token-major [length * F] (see tokenFeatures.ts). */
  features?: Int32Array;
  /** Tag ids, one per token; empty when encoded without a tag vocabulary. */
  tags: Int32Array;
  length: number;
  /** Position in the input sentence list, to restore order after batching. */
  index: number;
  /** Lengths of the sentences this sequence joins (document context, see context.ts); absent: one sentence. */
  pieces?: Int32Array;
}

/**
 * Encode sentences with a word vocabulary and, for training/evaluation, a tag
 * vocabulary. Pass a `Corpus` to get `DataError`s (`file:line: ...`) for
 * untagged sentences or tags the vocabulary does not know; with a plain array
 * those are plain Errors naming the sentence and token. Empty sentences are
 * rejected (the CoNLL reader never produces them).
 */
export function encodeSentences(
  input: Corpus | ReadonlyArray<SentenceLike>,
  words: Vocabulary,
  tags?: TagVocabulary,
): EncodedSentence[] {
  const file = isCorpus(input) ? input.file : undefined;
  const sentences: ReadonlyArray<SentenceLike> = isCorpus(input) ? input.sentences : input;
  const fail = (s: SentenceLike, index: number, token: number, reason: string): never => {
    const line = s.lines?.[token];
    if (file !== undefined) throw new DataError(file, line, reason);
    throw new Error(`sentence ${index}${line === undefined ? `, token ${token}` : ` (line ${line})`}: ${reason}`);
  };

  return sentences.map((s, index) => {
    const length = s.tokens.length;
    if (length === 0) throw new Error(`sentence ${index} has no tokens`);
    const ids = words.encode(s.tokens);
    let tagIds = new Int32Array(0);
    if (tags !== undefined) {
      if (s.tags.length === 0) fail(s, index, 0, 'sentence has no tags, but tags are needed here');
      if (s.tags.length !== length) {
        throw new Error(`sentence ${index} has ${length} tokens but ${s.tags.length} tags`);
      }
      tagIds = new Int32Array(length);
      for (let j = 0; j < length; j++) {
        const tag = s.tags[j];
        if (!tags.has(tag)) {
          fail(s, index, j, `tag ${JSON.stringify(tag)} is not in the tag set (${tags.tags().join(', ')})`);
        }
        tagIds[j] = tags.indexOf(tag);
      }
    }
    return { ids, tags: tagIds, length, index };
  });
}

function isCorpus(x: Corpus | ReadonlyArray<SentenceLike>): x is Corpus {
  return !Array.isArray(x);
}

export interface Batch {
  /** B: sentences in this batch. */
  size: number;
  /** T: length of the longest sentence in this batch. */
  maxLength: number;
  /** B*T row-major word ids; `PAD_ID` (0) at padding. */
  ids: Int32Array;
  /** B*T row-major tag ids; 0 at padding, and everywhere for untagged sentences. */
  tags: Int32Array;
  /** B*T row-major; 1 for real tokens, 0 for padding. */
  mask: Float32Array;
  /** B sentence lengths. */
  lengths: Int32Array;
  /** B `EncodedSentence.index` values: where each row came from. */
  indices: Int32Array;
  /** L: the most characters of any token in the batch (0 without character features). */
  charLength: number;
  /** B*T*L row-major character ids, 0 at padding (present when the sentences carry chars). */
  chars?: Int32Array;
  /** B*T casing ids, 0 at padding (present when the sentences carry casing). */
  casing?: Int32Array;
  /** F: token features per token (0 without them). */
  featureCount: number;
  /** B*T*F row-major feature row ids, 0 at padding (present when the sentences carry features). */
  features?: Int32Array;
  /** B: for each row, the lengths of the sentences it joins (document context, see context.ts); absent: one sentence per row. */
  pieces?: Int32Array[];
}

export interface BatchOptions {
  /** Shuffle (training). Requires `rng`. Default false. */
  shuffle?: boolean;
  /** Seeded generator; the only source of randomness, so one seed gives one batching. */
  rng?: Rng;
  /** Group sentences of similar length to reduce padding. Default false. */
  sortByLength?: boolean;
  /**
   * Cap on B*T cells per batch: a batch takes fewer than `batchSize` sentences
   * when the next one would exceed it. A single sentence longer than
   * `maxTokens` still gets a batch of its own (B=1, T > maxTokens).
   */
  maxTokens?: number;
}

/** Sentences per sorting pool, in batches, when shuffling with `sortByLength`. */
export const POOL_BATCHES = 50;

/**
 * Split encoded sentences into padded batches; every sentence lands in
 * exactly one batch.
 *
 * - `shuffle` + `sortByLength`: shuffle sentences, cut into pools of
 *   `POOL_BATCHES * batchSize`, sort each pool by length (longest first),
 *   cut into batches, then shuffle the order of all batches.
 * - `shuffle` alone: shuffle sentences, then cut into batches.
 * - no shuffle + `sortByLength`: longest first (ties in input order).
 * - neither: input order.
 *
 * Use `Batch.indices` to put per-row results back into input order.
 */
export function makeBatches(
  encoded: ReadonlyArray<EncodedSentence>,
  batchSize: number,
  options: BatchOptions = {},
): Batch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const { shuffle = false, rng, sortByLength = false, maxTokens } = options;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw new Error(`maxTokens must be a positive integer, got ${maxTokens}`);
  }
  if (shuffle && rng === undefined) throw new Error('makeBatches: shuffle needs a seeded rng');

  const byLengthDesc = (a: EncodedSentence, b: EncodedSentence): number => b.length - a.length;
  const order = [...encoded];
  let groups: EncodedSentence[][];
  if (shuffle) {
    shuffleInPlace(order, rng!);
    if (sortByLength) {
      groups = [];
      const poolSize = POOL_BATCHES * batchSize;
      for (let start = 0; start < order.length; start += poolSize) {
        const pool = order.slice(start, start + poolSize).sort(byLengthDesc);
        groups.push(...chunk(pool, batchSize, maxTokens));
      }
      shuffleInPlace(groups, rng!);
    } else {
      groups = chunk(order, batchSize, maxTokens);
    }
  } else {
    if (sortByLength) order.sort(byLengthDesc); // stable: ties keep input order
    groups = chunk(order, batchSize, maxTokens);
  }
  return groups.map(toBatch);
}

/** Cut a sequence into consecutive groups of at most `batchSize` sentences and (if set) `maxTokens` cells. */
function chunk(items: EncodedSentence[], batchSize: number, maxTokens: number | undefined): EncodedSentence[][] {
  const groups: EncodedSentence[][] = [];
  let current: EncodedSentence[] = [];
  let longest = 0;
  for (const item of items) {
    const newLongest = Math.max(longest, item.length);
    const full =
      current.length >= batchSize ||
      (maxTokens !== undefined && current.length > 0 && (current.length + 1) * newLongest > maxTokens);
    if (full) {
      groups.push(current);
      current = [];
      longest = 0;
    }
    current.push(item);
    longest = Math.max(longest, item.length);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function toBatch(group: EncodedSentence[]): Batch {
  const size = group.length;
  let maxLength = 0;
  for (const s of group) maxLength = Math.max(maxLength, s.length);
  const cells = size * maxLength;
  const ids = new Int32Array(cells); // zero-filled: PAD_ID (0) and tag 0 at padding
  const tags = new Int32Array(cells);
  const mask = new Float32Array(cells);
  const lengths = new Int32Array(size);
  const indices = new Int32Array(size);
  for (let b = 0; b < size; b++) {
    const s = group[b];
    const row = b * maxLength;
    ids.set(s.ids, row);
    if (s.tags.length > 0) tags.set(s.tags, row);
    mask.fill(1, row, row + s.length);
    lengths[b] = s.length;
    indices[b] = s.index;
  }
  const batch: Batch = { size, maxLength, ids, tags, mask, lengths, indices, charLength: 0, featureCount: 0 };
  if (group.some((s) => s.pieces !== undefined && s.pieces.length > 1)) batch.pieces = group.map((s) => s.pieces ?? Int32Array.of(s.length));
  if (group.every((s) => s.casing !== undefined)) {
    batch.casing = new Int32Array(cells);
    group.forEach((s, b) => batch.casing!.set(s.casing!, b * maxLength));
  }
  if (group.every((s) => s.features !== undefined)) {
    const F = group[0].features!.length / group[0].length;
    batch.featureCount = F;
    batch.features = new Int32Array(cells * F);
    group.forEach((s, b) => batch.features!.set(s.features!, b * maxLength * F));
  }
  if (group.every((s) => s.chars !== undefined)) {
    let charLength = 1;
    for (const s of group) charLength = Math.max(charLength, longestToken(s.chars!));
    batch.charLength = charLength;
    batch.chars = new Int32Array(cells * charLength);
    group.forEach((s, b) => {
      const { ids, offsets } = s.chars!;
      for (let t = 0; t < s.length; t++) batch.chars!.set(ids.subarray(offsets[t], offsets[t + 1]), (b * maxLength + t) * charLength);
    });
  }
  return batch;
}

/** Fraction of batch cells that are padding: padded cells / total cells (0 for no cells). */
export function paddingRatio(batches: ReadonlyArray<Batch>): number {
  let total = 0;
  let real = 0;
  for (const b of batches) {
    total += b.size * b.maxLength;
    for (let i = 0; i < b.size; i++) real += b.lengths[i];
  }
  return total === 0 ? 0 : (total - real) / total;
}
