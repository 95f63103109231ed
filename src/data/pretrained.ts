/**
 * Aligning pretrained word vectors (an `EmbeddingTable`) with a word
 * vocabulary: the initial embedding matrix, coverage figures, and extending the
 * vocabulary with held-out words that have a pretrained vector.
 *
 * Matching rule, for a vocabulary word `t`:
 * - a vocabulary that does not lowercase: the vector of `t` as written
 *   ("exact"), else the vector of `t.toLowerCase()` ("lowercased"), so that
 *   "paris" serves "Paris";
 * - a lowercasing vocabulary (its words are lowercase already): the vector of
 *   `t` ("exact"), else the first word in file order whose lowercase is `t`
 *   ("lowercased"), e.g. "Paris" in a cased file serves "paris".
 *
 * Typical use (the keep predicate keeps memory small on multi-GB files):
 *   const keep = keepForVocabulary(vocab, heldOutTokens);
 *   const table = await readEmbeddings(file, { keep, expectedDim });
 *   vocab = extendWithPretrained(vocab, table, heldOutTokens);   // optional
 *   const { matrix } = alignEmbeddings(vocab, table, rng, { tokenCounts });
 */
import type { EmbeddingTable } from '../io/embeddings';
import { compareCodePoints, PAD_ID, UNK_ID, type Vocabulary } from './vocab';
import type { Rng } from '../util/random';

export interface Alignment {
  /** `vocab.size * dim` values, row-major; row 0 (`<pad>`) is zeros. */
  matrix: Float32Array;
  dim: number;
  /** Vocabulary words found as written. */
  exact: number;
  /** Vocabulary words found only through lowercasing. */
  lowercased: number;
  /** Vocabulary words left at random initialisation (`<pad>` and `<unk>` not counted). */
  missing: number;
  /** (exact + lowercased) / (vocab.size - 2), in [0, 1]; 0 for a vocabulary without words. */
  coverage: number;
  /**
   * Share of the tokens counted in `tokenCounts` whose vocabulary row holds a
   * pretrained vector (tokens mapped to `<unk>` are not covered); only when
   * `tokenCounts` is given, 0 when it counts no tokens.
   */
  tokenCoverage?: number;
  /** For each vocabulary id, whether its row came from the file. */
  pretrained: Uint8Array;
}

export interface AlignOptions {
  /** Random rows are uniform in [-initScale, initScale]. Default sqrt(3 / dim) (Lample et al. 2016). */
  initScale?: number;
  /** Raw training-token counts (keys as in the corpus), for `tokenCoverage`. */
  tokenCounts?: Map<string, number>;
}

/** Looks up the table row for vocabulary words under the matching rule above. */
class Matcher {
  private readonly exactRows = new Map<string, number>();
  private readonly lowerRows: Map<string, number> | undefined;

  constructor(table: EmbeddingTable, private readonly lowercaseVocab: boolean) {
    const { words } = table;
    for (let i = 0; i < words.length; i++) if (!this.exactRows.has(words[i])) this.exactRows.set(words[i], i);
    if (lowercaseVocab) {
      this.lowerRows = new Map();
      for (let i = 0; i < words.length; i++) {
        const lower = words[i].toLowerCase();
        if (!this.lowerRows.has(lower)) this.lowerRows.set(lower, i);
      }
    }
  }

  /** `[row, how]` for a vocabulary entry (already lowercased if the vocabulary lowercases), or undefined. */
  find(token: string): { row: number; exact: boolean } | undefined {
    const row = this.exactRows.get(token);
    if (row !== undefined) return { row, exact: true };
    const lower = this.lowercaseVocab ? this.lowerRows!.get(token) : this.exactRows.get(token.toLowerCase());
    return lower === undefined ? undefined : { row: lower, exact: false };
  }
}

/**
 * The initial word-embedding matrix for `vocab`: rows of words with a
 * pretrained vector copy it; every other row except `<pad>` (zeros), `<unk>`
 * included, is uniform random in ±initScale. The random values are drawn for
 * every row 1..size-1 in id order whether or not it is then overwritten, so a
 * row's random start depends only on the rng, not on the file's coverage.
 */
export function alignEmbeddings(vocab: Vocabulary, table: EmbeddingTable, rng: Rng, options: AlignOptions = {}): Alignment {
  const dim = table.dim;
  const scale = options.initScale ?? Math.sqrt(3 / dim);
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new Error(`initScale must be a finite number >= 0, got ${scale}`);
  const size = vocab.size;
  const matrix = new Float32Array(size * dim);
  for (let i = 1; i < size; i++) {
    for (let j = i * dim, end = j + dim; j < end; j++) matrix[j] = (rng() * 2 - 1) * scale + 0; // + 0: no -0 when scale is 0
  }
  const matcher = new Matcher(table, vocab.lowercase);
  const pretrained = new Uint8Array(size);
  let exact = 0;
  let lowercased = 0;
  for (let i = 2; i < size; i++) {
    const found = matcher.find(vocab.tokenAt(i));
    if (found === undefined) continue;
    matrix.set(table.vectors.subarray(found.row * dim, (found.row + 1) * dim), i * dim);
    pretrained[i] = 1;
    if (found.exact) exact++;
    else lowercased++;
  }
  const words = size - 2;
  const alignment: Alignment = {
    matrix,
    dim,
    exact,
    lowercased,
    missing: words - exact - lowercased,
    coverage: words > 0 ? (exact + lowercased) / words : 0,
    pretrained,
  };
  if (options.tokenCounts !== undefined) {
    let total = 0;
    let covered = 0;
    for (const [token, count] of options.tokenCounts) {
      total += count;
      const id = vocab.indexOf(token);
      if (id !== PAD_ID && id !== UNK_ID && pretrained[id] === 1) covered += count;
    }
    alignment.tokenCoverage = total > 0 ? covered / total : 0;
  }
  return alignment;
}

/**
 * A new vocabulary that also holds each token of `extraTokens` (e.g. the
 * dev/test words) that has a pretrained vector in `table` but no id in `vocab`
 * (lowercased first if `vocab` lowercases). New entries come after the
 * existing ones, in code-point order, so existing ids do not change and the
 * result does not depend on the order of `extraTokens`.
 */
export function extendWithPretrained(vocab: Vocabulary, table: EmbeddingTable, extraTokens: Iterable<string>): Vocabulary {
  const matcher = new Matcher(table, vocab.lowercase);
  const added = new Set<string>();
  for (const raw of extraTokens) {
    if (raw === '') continue;
    const token = vocab.lowercase ? raw.toLowerCase() : raw;
    if (added.has(token) || vocab.has(token)) continue;
    if (matcher.find(token) !== undefined) added.add(token);
  }
  return vocab.withAddedTokens([...added].sort(compareCodePoints));
}

/**
 * The `keep` predicate for `readEmbeddings`: true for every file word the
 * matching rule could use for a word of `vocab` or of `extraTokens` (as written
 * or lowercased; for a lowercasing vocabulary, any casing of them).
 */
export function keepForVocabulary(vocab: Vocabulary, extraTokens: Iterable<string> = []): (word: string) => boolean {
  const wanted = new Set<string>();
  const add = (token: string): void => {
    wanted.add(token);
    wanted.add(token.toLowerCase());
  };
  const tokens = vocab.tokens();
  for (let i = 2; i < tokens.length; i++) add(tokens[i]);
  for (const token of extraTokens) add(token);
  if (vocab.lowercase) return (word) => wanted.has(word) || wanted.has(word.toLowerCase());
  return (word) => wanted.has(word);
}
