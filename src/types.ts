/** The tag-scheme names the project understands. */
export type TagScheme = 'iob1' | 'iob2' | 'iobes' | 'ioe1' | 'ioe2' | 'bilou';

/** One sentence of a CoNLL file, with where each token came from. */
export interface Sentence {
  tokens: string[];
  /** Gold tags, one per token; empty when the input had no tag column. */
  tags: string[];
  /** 1-based line number in `Corpus.file` of each token (same length as `tokens`). */
  lines: number[];
  /**
   * Which document the sentence belongs to: 0 after the file's first
   * `-DOCSTART-` line, 1 after the second, and so on; absent before any (a
   * file without `-DOCSTART-` lines has no documents). See data/context.ts.
   */
  document?: number;
  /** The file `lines` count in, when it is not `Corpus.file` (a BRAT corpus is a directory of `.txt` files). */
  file?: string;
  /** Per token, the values of the feature columns read (`Corpus.featureColumns`, in that order). */
  featureValues?: string[][];
}

/** A CoNLL file read into sentences. */
export interface Corpus {
  /** The path as the user gave it; used in error messages. */
  file: string;
  sentences: Sentence[];
  /** The extra columns read as token features (index or header name, as given), when any were asked for. */
  featureColumns?: Array<number | string>;
}
