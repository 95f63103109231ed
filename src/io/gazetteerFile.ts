/**
 * Reading gazetteer files: UTF-8 lines `name<TAB>TYPE`; blank lines and
 * lines starting with `#` are skipped. A name is cut into tokens the way
 * `ner predict` cuts raw text (io/tokenize.ts), so that "U.S. Steel" listed
 * matches the tokens a sentence has. Errors name the file and line.
 */
import { DataError } from '../errors';
import { Gazetteer, GazetteerEntry } from '../data/gazetteer';
import { readCorpusText } from './corpusFile';
import { LATIN1_HINT } from './lines';
import { tokenize } from './tokenize';

/** Entity types are tag suffixes: no whitespace, no control characters. */
const TYPE = /^[^\s\u0000-\u001F]+$/u;

/** The entries of gazetteer text; `file` names it in errors. */
export function parseGazetteer(text: string, file: string): GazetteerEntry[] {
  const entries: GazetteerEntry[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const fields = raw.replace(/[\r\n]+$/, '').split('\t');
      if (fields.length !== 2) {
        throw new DataError(file, i + 1, `expected name<TAB>TYPE, found ${fields.length === 1 ? 'no tab' : `${fields.length - 1} tabs`}`);
      }
      const [name, type] = [fields[0].trim(), fields[1].trim()];
      if (name === '') throw new DataError(file, i + 1, 'empty name');
      if (!TYPE.test(type)) throw new DataError(file, i + 1, `type ${JSON.stringify(type)} must be one word, such as PER or LOC`);
      if (/[\u0000-\u001F]/.test(name)) throw new DataError(file, i + 1, 'the name holds a control character');
      const tokens = tokenize(name).map((t) => t.text);
      if (tokens.length === 0) throw new DataError(file, i + 1, 'the name has no tokens (nothing but spaces or invisible characters)');
      entries.push({ tokens, type });
    });
  return entries;
}

/** Each gazetteer type is five embedding rows and one feature of every token: more than this many is a mistake (a column of ids read as types). */
export const MAX_GAZETTEER_TYPES = 64;

/** One gazetteer from the files `files` (in order), matched case-insensitively unless `caseSensitive`. */
export function readGazetteerFiles(files: readonly string[], caseSensitive = false): Gazetteer {
  const entries: GazetteerEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readCorpusText(file, 'gazetteer');
    } catch (err) {
      // Gazetteers are UTF-8 only: --encoding, which the decoding error suggests, reads the data files.
      if (err instanceof DataError && err.reason.includes(LATIN1_HINT)) throw new DataError(err.file, err.line, `${err.reason.replace(` ${LATIN1_HINT}`, '')} (gazetteers are read as UTF-8)`);
      throw err;
    }
    const read = parseGazetteer(text, file);
    if (read.length === 0) throw new DataError(file, undefined, 'no entries (expected lines of name<TAB>TYPE)');
    // Not push(...read): a spread of a million entries overflows the call stack.
    for (const entry of read) entries.push(entry);
  }
  const gazetteer = Gazetteer.fromEntries(entries, caseSensitive);
  if (gazetteer.types.length > MAX_GAZETTEER_TYPES) {
    throw new DataError(files.join(', '), undefined, `${gazetteer.types.length} entity types, more than ${MAX_GAZETTEER_TYPES} (each type is a feature of every token; expected a few such as PER, LOC)`);
  }
  return gazetteer;
}
