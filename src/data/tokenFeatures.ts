/**
 * Categorical features of each token beyond its word, characters and casing:
 * a gazetteer's match codes (one feature per entity type, BIOES, see
 * gazetteer.ts) and extra input columns (CoNLL-2003's POS and chunk tags, as
 * NCRF++ reads them), each with its own small vocabulary of values.
 *
 * The network embeds them with one table (model/featureEmbedding.ts): every
 * feature's values have their own rows, so a token's F features are F row
 * ids, and the embeddings are joined to the word representation. Row 0 is
 * padding; a real token's ids are never 0.
 *
 *   rows: 0 padding | type 1: O B I E S | type 2: O B I E S | ... | column 1: <unk> v1 v2 ... | column 2: ...
 *
 * Kept in the model (metadata.json), so that prediction computes exactly
 * the features training did, with no flag.
 */
import { UsageError } from '../errors';
import { Gazetteer, GazetteerJSON, MATCH_CODES } from './gazetteer';
import { compareCodePoints } from './vocab';

/** An input column: a 0-based index (negative counts from the end) or a CSV header name. */
export type FeatureColumn = number | string;

/** The value of a column the training data never had. */
export const UNKNOWN_VALUE = '<unk>';

export interface TokenFeaturesJSON {
  gazetteer?: GazetteerJSON;
  /** Each feature column as training read it, and its values (`<unk>` first). */
  columns: Array<{ column: FeatureColumn; values: string[] }>;
}

/** What a sentence gives the features: its tokens and, per token, the values of the feature columns in order. */
export interface FeatureSource {
  tokens: readonly string[];
  featureValues?: ReadonlyArray<readonly string[]>;
}

/** "1, 2" or "POS": columns as the user named them. */
export function describeColumns(columns: readonly FeatureColumn[]): string {
  return columns.map(String).join(', ');
}

/** Why input of kind `what` ("text input") cannot be tagged by a model that reads feature columns `columns`. */
export function lacksColumns(columns: readonly FeatureColumn[], what: string): string {
  return `the model reads the feature column${columns.length === 1 ? '' : 's'} ${describeColumns(columns)} of its training data, which ${what}`;
}

export class TokenFeatures {
  readonly gazetteer?: Gazetteer;
  readonly columns: ReadonlyArray<{ column: FeatureColumn; values: readonly string[] }>;
  private readonly valueIds: Array<Map<string, number>>;
  /** The first row of each feature: gazetteer types, then columns. */
  private readonly offsets: number[];
  /** Rows of the embedding table, padding included. */
  readonly rows: number;

  constructor(gazetteer: Gazetteer | undefined, columns: ReadonlyArray<{ column: FeatureColumn; values: readonly string[] }>) {
    this.gazetteer = gazetteer;
    this.columns = columns;
    this.valueIds = columns.map((c) => {
      if (c.values[0] !== UNKNOWN_VALUE) throw new Error(`token features: column ${c.column}'s values must start with ${UNKNOWN_VALUE}`);
      return new Map(c.values.map((v, i) => [v, i]));
    });
    this.offsets = [];
    let row = 1;
    for (let k = 0; k < (gazetteer?.types.length ?? 0); k++, row += MATCH_CODES.length) this.offsets.push(row);
    for (const c of columns) {
      this.offsets.push(row);
      row += c.values.length;
    }
    this.rows = row;
  }

  /**
   * Features for the training data: the gazetteer as given, and each column's
   * values as the sentences have them (sorted, `<unk>` first).
   */
  static build(gazetteer: Gazetteer | undefined, columns: readonly FeatureColumn[], sentences: Iterable<FeatureSource>): TokenFeatures {
    const seen = columns.map(() => new Set<string>());
    for (const s of sentences) {
      for (const values of s.featureValues ?? []) values.forEach((v, c) => seen[c]?.add(v));
    }
    return new TokenFeatures(
      gazetteer,
      columns.map((column, c) => ({ column, values: [UNKNOWN_VALUE, ...[...seen[c]].filter((v) => v !== UNKNOWN_VALUE).sort(compareCodePoints)] })),
    );
  }

  static fromJSON(json: TokenFeaturesJSON): TokenFeatures {
    if (json === null || typeof json !== 'object' || !Array.isArray(json.columns)) throw new Error('token features: expected {columns, gazetteer?}');
    for (const c of json.columns) {
      const column = c?.column;
      if (!((Number.isInteger(column) && (column as number) >= 0) || (typeof column === 'string' && column !== ''))) {
        throw new Error(`token features: a column must be a 0-based index or a header name, got ${JSON.stringify(column)}`);
      }
      if (!Array.isArray(c.values) || c.values.some((v) => typeof v !== 'string')) throw new Error(`token features: column ${column} needs its values, as strings`);
    }
    return new TokenFeatures(json.gazetteer === undefined ? undefined : Gazetteer.fromJSON(json.gazetteer), json.columns);
  }

  toJSON(): TokenFeaturesJSON {
    const json: TokenFeaturesJSON = { columns: this.columns.map((c) => ({ column: c.column, values: [...c.values] })) };
    if (this.gazetteer !== undefined) json.gazetteer = this.gazetteer.toJSON();
    return json;
  }

  /** F: features per token. */
  get count(): number {
    return this.offsets.length;
  }

  /** The features' names, in order: `gazetteer:PER`, ..., `column:1`, ... */
  names(): string[] {
    return [...(this.gazetteer?.types ?? []).map((t) => `gazetteer:${t}`), ...this.columns.map((c) => `column:${c.column}`)];
  }

  /** The feature columns the model reads, as training named them. */
  get columnNames(): FeatureColumn[] {
    return this.columns.map((c) => c.column);
  }

  /**
   * The features of a sentence, token-major: [tokens * F] row ids, token
   * t's at t*F..t*F+F-1. A sentence without the model's feature columns (raw
   * text) is refused: no value could stand in for them.
   */
  encode(sentence: FeatureSource): Int32Array {
    const n = sentence.tokens.length;
    const F = this.count;
    const out = new Int32Array(n * F);
    const types = this.gazetteer?.types.length ?? 0;
    if (this.gazetteer !== undefined) {
      this.gazetteer.match(sentence.tokens).forEach((codes, k) => {
        for (let t = 0; t < n; t++) out[t * F + k] = this.offsets[k] + codes[t];
      });
    }
    if (this.columns.length > 0) {
      const values = sentence.featureValues;
      if (values === undefined || values.length !== n) {
        throw new UsageError(`${lacksColumns(this.columnNames, 'this input does not have')}: give it in CoNLL columns laid out as the training data was (raw text has no such columns)`);
      }
      for (let t = 0; t < n; t++) {
        this.columns.forEach((_, c) => (out[t * F + types + c] = this.offsets[types + c] + (this.valueIds[c].get(values[t][c]) ?? 0)));
      }
    }
    return out;
  }
}
