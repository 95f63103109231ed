/**
 * Document context: consecutive sentences of one document go through the
 * BiLSTM as one sequence, so that a word's features see the sentences around
 * it (the headline above a table of results, an earlier full mention of a
 * name). The CRF still scores every sentence on its own (NerModel.loss and
 * NerModel.decode cut the emission scores back into sentences), so context
 * changes the emission scores and nothing else: a sentence's tags, n-best
 * paths and probabilities mean what they mean without context.
 *
 * Documents are explicit: CoNLL `-DOCSTART-` lines (Sentence.document), or a
 * paragraph cut into sentences (`ner predict --split-sentences`). A sentence
 * with no document is always read alone, so one-sentence-per-line data
 * (tweets, WNUT-17) is tagged exactly as without context.
 */
import type { Batch, EncodedSentence } from './batch';

/**
 * Tokens of one document read as one sequence when decoding with a model
 * trained with context: the whole story, in practice (CoNLL-2003's run to a
 * few hundred tokens). Training rows are kept short, because a step's cost
 * and memory grow with them, but an LSTM trained on 64- or 128-token rows
 * reads a longer sequence just as well, and then the sentences that open a
 * training-sized row see the ones before them too. Measured on six CoNLL-2003
 * models (docs/experiments.md): +0.07 dev and +0.10 test F1 on average, never
 * lower on test. Memory stays bounded by the prediction batch's cap on padded
 * tokens.
 */
export const DECODE_CONTEXT_TOKENS = 1024;

/**
 * How many tokens of a document decoding reads as one sequence, for a model
 * trained with `trainedWith` tokens of context: none for a model trained
 * without (it has never seen sentences joined), else at least
 * DECODE_CONTEXT_TOKENS.
 */
export function decodeContextTokens(trainedWith: number): number {
  return trainedWith > 0 ? Math.max(trainedWith, DECODE_CONTEXT_TOKENS) : 0;
}

/** The sequence being packed: its document and tokens so far. */
export interface OpenSequence {
  document: number | undefined;
  tokens: number;
}

/**
 * Whether a sentence of `length` tokens of `document` starts a new sequence
 * after `open` (none: the first sentence), as packSentences decides: it joins
 * only a sequence of the same document that stays within `maxTokens` tokens.
 */
export function startsSequence(open: OpenSequence | undefined, document: number | undefined, length: number, maxTokens: number): boolean {
  return open === undefined || document === undefined || open.document !== document || open.tokens + length > maxTokens;
}

/**
 * Groups of consecutive sentence indices, each read as one sequence. Greedy,
 * left to right: a sentence joins the open group when it belongs to the same
 * document and the group stays within `maxTokens` tokens; otherwise it opens
 * a new group. A sentence longer than `maxTokens` is a group of its own;
 * `maxTokens` 0 puts every sentence alone. Every index lands in exactly one
 * group, in order, so the packing depends only on the sentences themselves.
 */
export function packSentences(
  lengths: ArrayLike<number>,
  documents: ReadonlyArray<number | undefined> | undefined,
  maxTokens: number,
): number[][] {
  if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new Error(`packSentences: maxTokens must be a non-negative integer, got ${maxTokens}`);
  if (documents !== undefined && documents.length !== lengths.length) {
    throw new Error(`packSentences: ${lengths.length} sentences but ${documents.length} document ids`);
  }
  const groups: number[][] = [];
  let open: number[] = [];
  let tokens = 0;
  for (let i = 0; i < lengths.length; i++) {
    const document = documents?.[i];
    const sequence = open.length === 0 ? undefined : { document: documents?.[open[0]], tokens };
    if (startsSequence(sequence, document, lengths[i], maxTokens) && open.length > 0) {
      groups.push(open);
      open = [];
      tokens = 0;
    }
    open.push(i);
    tokens += lengths[i];
  }
  if (open.length > 0) groups.push(open);
  return groups;
}

/**
 * Sentences encoded one by one, joined into the sequence the network reads;
 * `pieces` keeps their lengths so the CRF can take them apart again.
 */
export function joinEncoded(parts: ReadonlyArray<EncodedSentence>, index: number): EncodedSentence {
  if (parts.length === 0) throw new Error('joinEncoded: no sentences to join');
  if (parts.length === 1) return { ...parts[0], index, pieces: Int32Array.of(parts[0].length) };
  const concat = (arrays: Int32Array[]): Int32Array => {
    const out = new Int32Array(arrays.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of arrays) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  };
  const joined: EncodedSentence = {
    ids: concat(parts.map((p) => p.ids)),
    tags: concat(parts.map((p) => p.tags)),
    length: parts.reduce((n, p) => n + p.length, 0),
    index,
    pieces: Int32Array.from(parts, (p) => p.length),
  };
  if (parts.every((p) => p.chars !== undefined)) {
    const offsets = new Int32Array(joined.length + 1);
    let token = 0;
    for (const p of parts) {
      const base = offsets[token];
      for (let t = 1; t <= p.length; t++) offsets[token + t] = base + p.chars!.offsets[t];
      token += p.length;
    }
    joined.chars = { ids: concat(parts.map((p) => p.chars!.ids)), offsets };
  }
  if (parts.every((p) => p.casing !== undefined)) joined.casing = concat(parts.map((p) => p.casing!));
  if (parts.every((p) => p.features !== undefined)) joined.features = concat(parts.map((p) => p.features!));
  return joined;
}

/**
 * The sentences of a batch of joined sequences, laid out as a batch of their
 * own: N sentences, padded to S, the longest of them.
 */
export interface SentenceLayout {
  /** N: sentences in the batch. */
  count: number;
  /** S: the longest sentence. */
  maxLength: number;
  /** N*S: for each sentence cell, its row in the batch's flattened [B*T] cells (0 at padding, which the mask hides). */
  rows: Int32Array;
  /** N*S tag ids, 0 at padding. */
  tags: Int32Array;
  /** N*S: 1 for real tokens, 0 for padding. */
  mask: Float32Array;
  /** N sentence lengths. */
  lengths: Int32Array;
}

/** Where each sentence of `batch` sits; rows without `pieces` hold one sentence. */
export function sentenceLayout(batch: Batch): SentenceLayout {
  const pieces = rowPieces(batch);
  let count = 0;
  let maxLength = 0;
  for (const row of pieces) {
    count += row.length;
    for (const n of row) maxLength = Math.max(maxLength, n);
  }
  const cells = count * maxLength;
  const layout: SentenceLayout = {
    count,
    maxLength,
    rows: new Int32Array(cells),
    tags: new Int32Array(cells),
    mask: new Float32Array(cells),
    lengths: new Int32Array(count),
  };
  let sentence = 0;
  pieces.forEach((row, b) => {
    let start = b * batch.maxLength;
    for (const length of row) {
      const at = sentence * maxLength;
      for (let t = 0; t < length; t++) layout.rows[at + t] = start + t;
      layout.tags.set(batch.tags.subarray(start, start + length), at);
      layout.mask.fill(1, at, at + length);
      layout.lengths[sentence++] = length;
      start += length;
    }
  });
  return layout;
}

/** For each row of a batch, the lengths of the sentences it joins, in order. */
export function rowPieces(batch: Batch): Int32Array[] {
  return Array.from({ length: batch.size }, (_, b) => batch.pieces?.[b] ?? Int32Array.of(batch.lengths[b]));
}
