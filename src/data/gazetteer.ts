/**
 * A gazetteer: lists of names by entity type, matched on a sentence's tokens
 * to give each token, for each type, whether it begins, continues or ends a
 * listed name, or is one whole (BIOES per type). The tagger embeds these
 * codes next to the word (data/tokenFeatures.ts), as lexicon features in
 * Huang et al. (2015) and Chiu & Nichols (2016).
 *
 * Matching, for each type on its own: left to right, the longest listed name
 * that starts at the current token wins, and matching resumes after it
 * (leftmost-longest, as a trie is walked). Types never compete: "Washington"
 * listed as LOC and PER is a match of both. Case-insensitive by default
 * (tokens and names lowercased alike), exact with `caseSensitive`.
 *
 * Pure data code: reading a gazetteer file is io/gazetteerFile.ts's.
 */

/** A token's code for one type: outside every match, or where it sits in one. */
export const MATCH_CODES = ['O', 'B', 'I', 'E', 'S'] as const;
export type MatchCode = (typeof MATCH_CODES)[number];
// Indexes into MATCH_CODES; O (0) is where a token's codes start, zero-filled.
const [B, I, E, S] = [1, 2, 3, 4];

/** One listed name, as tokens, with its type. */
export interface GazetteerEntry {
  tokens: readonly string[];
  type: string;
}

/**
 * The gazetteer as saved in a model (metadata.json): per type, its names
 * with tokens joined by single spaces (tokens never hold whitespace),
 * already lowercased unless case-sensitive, sorted.
 */
export interface GazetteerJSON {
  caseSensitive: boolean;
  entries: Record<string, string[]>;
}

/** A trie node: the next token's node, and whether a name ends here. */
interface Node {
  next: Map<string, Node>;
  end: boolean;
}

const newNode = (): Node => ({ next: new Map(), end: false });

export class Gazetteer {
  /** The entity types, sorted: the order of the features. */
  readonly types: readonly string[];
  readonly caseSensitive: boolean;
  /** Per type, the root of its names' trie. */
  private readonly roots: Node[];
  /** Per type, its distinct names (normalised, tokens joined by spaces). */
  private readonly names: Array<Set<string>>;

  private constructor(byType: Map<string, Set<string>>, caseSensitive: boolean) {
    this.caseSensitive = caseSensitive;
    this.types = [...byType.keys()].sort();
    this.names = this.types.map((t) => byType.get(t)!);
    this.roots = this.names.map((names) => {
      const root = newNode();
      for (const name of names) {
        let node = root;
        for (const token of name.split(' ')) {
          let child = node.next.get(token);
          if (child === undefined) node.next.set(token, (child = newNode()));
          node = child;
        }
        node.end = true;
      }
      return root;
    });
  }

  /** A gazetteer of `entries` (names with no tokens are skipped; duplicates count once). */
  static fromEntries(entries: Iterable<GazetteerEntry>, caseSensitive = false): Gazetteer {
    const byType = new Map<string, Set<string>>();
    for (const { tokens, type } of entries) {
      if (tokens.length === 0) continue;
      if (tokens.some((t) => t === '' || /\s/.test(t))) throw new Error(`gazetteer: a token of ${JSON.stringify(tokens.join(' '))} is empty or holds whitespace`);
      let names = byType.get(type);
      if (names === undefined) byType.set(type, (names = new Set()));
      names.add(tokens.map((t) => (caseSensitive ? t : t.toLowerCase())).join(' '));
    }
    return new Gazetteer(byType, caseSensitive);
  }

  static fromJSON(json: GazetteerJSON): Gazetteer {
    if (json === null || typeof json !== 'object' || typeof json.caseSensitive !== 'boolean' || json.entries === null || typeof json.entries !== 'object') {
      throw new Error('gazetteer: expected {caseSensitive, entries}');
    }
    const byType = new Map<string, Set<string>>();
    for (const [type, names] of Object.entries(json.entries)) {
      if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n === '')) throw new Error(`gazetteer: the names of type ${type} must be non-empty strings`);
      byType.set(type, new Set(names));
    }
    return new Gazetteer(byType, json.caseSensitive);
  }

  toJSON(): GazetteerJSON {
    const entries: Record<string, string[]> = {};
    this.types.forEach((type, k) => (entries[type] = [...this.names[k]].sort()));
    return { caseSensitive: this.caseSensitive, entries };
  }

  /** How many names each type lists. */
  sizes(): Record<string, number> {
    return Object.fromEntries(this.types.map((type, k) => [type, this.names[k].size]));
  }

  /** Names listed under more than one type, with their types (for `ner check`). */
  conflicts(): Array<{ name: string; types: string[] }> {
    const typesOf = new Map<string, string[]>();
    this.types.forEach((type, k) => {
      for (const name of this.names[k]) typesOf.set(name, [...(typesOf.get(name) ?? []), type]);
    });
    return [...typesOf].filter(([, types]) => types.length > 1).map(([name, types]) => ({ name, types }));
  }

  /** The types under which the exact token sequence `tokens` is listed. */
  typesOf(tokens: readonly string[]): string[] {
    const name = tokens.map((t) => this.normalise(t)).join(' ');
    return this.types.filter((_, k) => this.names[k].has(name));
  }

  /**
   * The match codes of `tokens`: [types.length][tokens.length], each an index
   * into MATCH_CODES, by leftmost-longest matching per type (see above).
   */
  match(tokens: readonly string[]): Uint8Array[] {
    const normal = tokens.map((t) => this.normalise(t));
    return this.roots.map((root) => {
      const codes = new Uint8Array(normal.length); // O (0) everywhere
      for (let i = 0; i < normal.length; ) {
        // The longest name starting at i: walk the trie as far as the tokens go, remembering the last name end.
        let node: Node | undefined = root;
        let longest = 0;
        for (let j = i; j < normal.length; j++) {
          node = node.next.get(normal[j]);
          if (node === undefined) break;
          if (node.end) longest = j - i + 1;
        }
        if (longest === 0) {
          i++;
          continue;
        }
        if (longest === 1) codes[i] = S;
        else {
          codes[i] = B;
          codes.fill(I, i + 1, i + longest - 1);
          codes[i + longest - 1] = E;
        }
        i += longest;
      }
      return codes;
    });
  }

  private normalise(token: string): string {
    return this.caseSensitive ? token : token.toLowerCase();
  }
}
