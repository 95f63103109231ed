/**
 * Word and tag vocabularies: deterministic string <-> id maps, saved with a model.
 *
 * Orders are fixed by the data alone (never by input order or hash order), so
 * the same training data always yields the same ids.
 */

export const PAD_TOKEN = '<pad>';
export const UNK_TOKEN = '<unk>';
export const PAD_ID = 0;
export const UNK_ID = 1;

/** Compare strings by Unicode code point (not UTF-16 code unit, which misorders astral characters). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  // One is a prefix of the other: the shorter sorts first.
  if (i < a.length) return 1;
  return j < b.length ? -1 : 0;
}

export interface VocabularyOptions {
  /** Words seen fewer times than this map to `<unk>`. Default 1 (keep every word). */
  minCount?: number;
  /** Lowercase words (String.prototype.toLowerCase, locale-independent) before counting and lookup. Default false. */
  lowercase?: boolean;
  /** Cap on the total size, counting `<pad>` and `<unk>` (= rows of the embedding matrix). At least 2. */
  maxSize?: number;
}

export interface VocabularyJSON {
  kind: 'words';
  version: 1;
  lowercase: boolean;
  minCount: number;
  /** All entries by id, starting with `<pad>`, `<unk>`. */
  tokens: string[];
}

function fail(what: string, reason: string): never {
  throw new Error(`invalid ${what} vocabulary: ${reason}`);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value)}`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

function checkPositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
}

/**
 * Word vocabulary. Id 0 is `<pad>`, id 1 is `<unk>`; real words follow by
 * descending count, ties broken by code-point order of the (lowercased) word.
 * A corpus word spelled `<pad>` or `<unk>` is an ordinary word with its own id:
 * ids 0 and 1 are reached only as padding and as the unknown fallback.
 */
export class Vocabulary {
  private readonly ids: Map<string, number>;

  private constructor(
    private readonly entries: readonly string[],
    readonly lowercase: boolean,
    readonly minCount: number,
  ) {
    this.ids = new Map();
    for (let i = 2; i < entries.length; i++) this.ids.set(entries[i], i);
  }

  /** Build from tokenised sentences (e.g. `corpus.sentences.map(s => s.tokens)`). */
  static build(sentences: ReadonlyArray<ReadonlyArray<string>>, options: VocabularyOptions = {}): Vocabulary {
    const minCount = options.minCount ?? 1;
    const lowercase = options.lowercase ?? false;
    checkPositiveInt('minCount', minCount);
    if (options.maxSize !== undefined) {
      checkPositiveInt('maxSize', options.maxSize);
      if (options.maxSize < 2) throw new Error(`maxSize must be at least 2 (<pad> and <unk>), got ${options.maxSize}`);
    }
    const counts = new Map<string, number>();
    for (const sentence of sentences) {
      for (const raw of sentence) {
        const word = lowercase ? raw.toLowerCase() : raw;
        counts.set(word, (counts.get(word) ?? 0) + 1);
      }
    }
    const words = [...counts].filter(([, c]) => c >= minCount);
    words.sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
    let kept = words.map(([w]) => w);
    if (options.maxSize !== undefined) kept = kept.slice(0, options.maxSize - 2);
    return new Vocabulary([PAD_TOKEN, UNK_TOKEN, ...kept], lowercase, minCount);
  }

  /** Number of ids, including `<pad>` and `<unk>`. */
  get size(): number {
    return this.entries.length;
  }

  /** Id of a token (lowercased first if the vocabulary is); unknown words give `UNK_ID` (1). */
  indexOf(token: string): number {
    return this.ids.get(this.lowercase ? token.toLowerCase() : token) ?? UNK_ID;
  }

  /** Whether a token has its own id (is not mapped to `<unk>`). */
  has(token: string): boolean {
    return this.ids.has(this.lowercase ? token.toLowerCase() : token);
  }

  /** Ids of a token sequence. */
  encode(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = this.indexOf(tokens[i]);
    return out;
  }

  /** The entry with id `i`: `<pad>`, `<unk>` or a (possibly lowercased) word. Throws when out of range. */
  tokenAt(i: number): string {
    if (!Number.isInteger(i) || i < 0 || i >= this.entries.length) {
      throw new RangeError(`word id ${i} is out of range [0, ${this.entries.length})`);
    }
    return this.entries[i];
  }

  /** All entries by id. */
  tokens(): string[] {
    return [...this.entries];
  }

  /**
   * A new vocabulary with `tokens` appended after the existing entries, in the
   * order given, so every existing id keeps its meaning. Tokens are lowercased
   * first if this vocabulary lowercases; tokens it already has, and repeats,
   * are skipped. Same `lowercase` and `minCount`, same JSON format. Throws on
   * an empty token. This vocabulary is unchanged.
   */
  withAddedTokens(tokens: Iterable<string>): Vocabulary {
    const added: string[] = [];
    const seen = new Set<string>();
    for (const raw of tokens) {
      if (typeof raw !== 'string' || raw === '') throw new Error(`cannot add ${describe(raw)} to a vocabulary: tokens must be non-empty strings`);
      const token = this.lowercase ? raw.toLowerCase() : raw;
      if (this.ids.has(token) || seen.has(token)) continue;
      seen.add(token);
      added.push(token);
    }
    return new Vocabulary([...this.entries, ...added], this.lowercase, this.minCount);
  }

  toJSON(): VocabularyJSON {
    return { kind: 'words', version: 1, lowercase: this.lowercase, minCount: this.minCount, tokens: [...this.entries] };
  }

  /** Rebuild from `toJSON()` output (already parsed). Throws an Error naming the problem on malformed input. */
  static fromJSON(json: unknown): Vocabulary {
    const what = 'word';
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      fail(what, `expected an object, got ${describe(json)}`);
    }
    const o = json as Record<string, unknown>;
    if (o.kind !== 'words') fail(what, `"kind" must be "words", got ${describe(o.kind)}`);
    if (o.version !== 1) fail(what, `unsupported "version" ${describe(o.version)} (expected 1)`);
    if (typeof o.lowercase !== 'boolean') fail(what, `"lowercase" must be a boolean, got ${describe(o.lowercase)}`);
    if (typeof o.minCount !== 'number' || !Number.isInteger(o.minCount) || o.minCount < 1) {
      fail(what, `"minCount" must be a positive integer, got ${describe(o.minCount)}`);
    }
    const tokens = o.tokens;
    if (!Array.isArray(tokens)) fail(what, `"tokens" must be an array of strings, got ${describe(tokens)}`);
    if (tokens.length < 2 || tokens[0] !== PAD_TOKEN || tokens[1] !== UNK_TOKEN) {
      fail(what, `"tokens" must start with "${PAD_TOKEN}", "${UNK_TOKEN}"`);
    }
    const seen = new Set<string>();
    for (let i = 2; i < tokens.length; i++) {
      const t: unknown = tokens[i];
      if (typeof t !== 'string' || t === '') fail(what, `"tokens"[${i}] must be a non-empty string, got ${describe(t)}`);
      if (seen.has(t)) fail(what, `"tokens"[${i}] ${JSON.stringify(t)} is a duplicate`);
      if (o.lowercase && t !== t.toLowerCase()) {
        fail(what, `"tokens"[${i}] ${JSON.stringify(t)} is not lowercase but "lowercase" is true`);
      }
      seen.add(t);
    }
    return new Vocabulary(tokens as string[], o.lowercase, o.minCount);
  }
}

export interface TagVocabularyJSON {
  kind: 'tags';
  version: 1;
  /** All tags by id; `O` first. */
  tags: string[];
}

const PREFIX_RANK: Readonly<Record<string, number>> = { B: 0, I: 1, E: 2, S: 3 };

/** Split `B-PER` into prefix `B` and type `PER` at the first hyphen; a tag without one is all type. */
function splitTag(tag: string): { prefix: string; type: string } {
  const dash = tag.indexOf('-');
  return dash < 0 ? { prefix: '', type: tag } : { prefix: tag.slice(0, dash), type: tag.slice(dash + 1) };
}

/**
 * Canonical tag order: `O` first; then by entity type (code-point order);
 * within a type by prefix B, I, E, S; unprefixed tags come before prefixed
 * ones of the same type and unknown prefixes after S (code-point order).
 * E.g. O, B-LOC, I-LOC, E-LOC, S-LOC, B-PER, I-PER, E-PER, S-PER.
 */
export function compareTags(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'O') return -1;
  if (b === 'O') return 1;
  const x = splitTag(a);
  const y = splitTag(b);
  const byType = compareCodePoints(x.type, y.type);
  if (byType !== 0) return byType;
  const rank = (p: string): number => (p === '' ? -1 : PREFIX_RANK[p] ?? 4);
  return rank(x.prefix) - rank(y.prefix) || compareCodePoints(x.prefix, y.prefix);
}

/**
 * Tag vocabulary: no padding or unknown entries. `O` is always present with
 * id 0 (so 0 is also the tag value used at padded positions), the other tags
 * follow in `compareTags` order.
 */
export class TagVocabulary {
  private readonly ids: Map<string, number>;

  private constructor(private readonly entries: readonly string[]) {
    this.ids = new Map(entries.map((t, i) => [t, i]));
  }

  /** Build from tag sequences (e.g. `corpus.sentences.map(s => s.tags)`); `O` is added if absent. */
  static build(tagSequences: Iterable<Iterable<string>>): TagVocabulary {
    const tags = new Set<string>(['O']);
    for (const seq of tagSequences) for (const t of seq) tags.add(t);
    return new TagVocabulary([...tags].sort(compareTags));
  }

  /** Build from a flat list of tags (any order, duplicates allowed); `O` is added if absent. */
  static fromTags(tags: Iterable<string>): TagVocabulary {
    return TagVocabulary.build([tags]);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Id of a tag; throws an Error naming the tag when it is not in the vocabulary. */
  indexOf(tag: string): number {
    const id = this.ids.get(tag);
    if (id === undefined) {
      throw new Error(`unknown tag ${JSON.stringify(tag)} (known tags: ${this.entries.join(', ')})`);
    }
    return id;
  }

  has(tag: string): boolean {
    return this.ids.has(tag);
  }

  /** Ids of a tag sequence (throws on an unknown tag). */
  encode(tags: readonly string[]): Int32Array {
    const out = new Int32Array(tags.length);
    for (let i = 0; i < tags.length; i++) out[i] = this.indexOf(tags[i]);
    return out;
  }

  /** Tags of an id sequence. */
  decode(ids: ArrayLike<number>): string[] {
    const out: string[] = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.tagAt(ids[i]);
    return out;
  }

  tagAt(i: number): string {
    if (!Number.isInteger(i) || i < 0 || i >= this.entries.length) {
      throw new RangeError(`tag id ${i} is out of range [0, ${this.entries.length})`);
    }
    return this.entries[i];
  }

  /** All tags by id. */
  tags(): string[] {
    return [...this.entries];
  }

  toJSON(): TagVocabularyJSON {
    return { kind: 'tags', version: 1, tags: [...this.entries] };
  }

  /** Rebuild from `toJSON()` output (already parsed). Throws an Error naming the problem on malformed input. */
  static fromJSON(json: unknown): TagVocabulary {
    const what = 'tag';
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      fail(what, `expected an object, got ${describe(json)}`);
    }
    const o = json as Record<string, unknown>;
    if (o.kind !== 'tags') fail(what, `"kind" must be "tags", got ${describe(o.kind)}`);
    if (o.version !== 1) fail(what, `unsupported "version" ${describe(o.version)} (expected 1)`);
    const tags = o.tags;
    if (!Array.isArray(tags)) fail(what, `"tags" must be an array of strings, got ${describe(tags)}`);
    if (tags[0] !== 'O') fail(what, `"tags" must start with "O"`);
    const seen = new Set<string>();
    for (let i = 0; i < tags.length; i++) {
      const t: unknown = tags[i];
      if (typeof t !== 'string' || t === '' || /[ \t\r\n]/.test(t)) {
        fail(what, `"tags"[${i}] must be a non-empty string without whitespace, got ${describe(t)}`);
      }
      if (seen.has(t)) fail(what, `"tags"[${i}] ${JSON.stringify(t)} is a duplicate`);
      seen.add(t);
    }
    return new TagVocabulary(tags as string[]);
  }
}
